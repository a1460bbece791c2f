"""Seed 004, "Yet another introduction to Neural Networks", in nnfunc.

The digits split three ways as in the tutorial; a 64-48-32-10 network of sigmoid
layers under a softmax classifier, Glorot-uniform weights, trained full batch by
momentum (learning rate 0.2, momentum 0.9) for 1000 epochs; the L2 strength
lambda swept over np.logspace(-2, 2, 10) and chosen on validation accuracy; the
chosen network retrained and scored on the test set.

    python examples/digits_lambda_sweep.py [--quick] [--out DIR]
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

import numpy as np
from _common import Args, matches_seed, progress, run, show
from numpy.typing import NDArray
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import nnfunc as nf
from nnfunc import plot

TUTORIAL = {"lambda": 0.599484, "validation_accuracy": 0.964730, "test_accuracy": 0.959596}
LEARNING_RATE, MOMENTUM = 0.2, 0.9
SIZES = (64, 48, 32, 10)
# The tutorial's classifier is a softmax over the outputs of its last *sigmoid*
# layer (hiddenLayer2 is a Layer like the others), so in nnfunc the output layer
# is nf.sigmoid and the softmax is folded into the cost: its "logits" are the
# sigmoid outputs. nf.predict's argmax then equals the tutorial's argmax of P.
# nnfunc refuses a logits cost after a sigmoid output unless told this is meant:
COST = dataclasses.replace(nf.softmax_cross_entropy, output="any")
# Every lambda starts from the same weights, so the sweep compares lambdas and not
# initialisations (on 482 validation digits, a different start moves the
# accuracy by up to 0.02, more than most lambdas do). The tutorial draws new
# weights for each; with one key per lambda nnfunc would too.
INIT_KEY = nf.Key(0)

Data = tuple[NDArray[np.float64], NDArray[np.intp]]
Carry = tuple[nf.MLP, nf.OptState]
Step = Callable[[Carry, nf.Batch], Carry]


def l2_for(lam: float, n_train: int) -> float:
    """The tutorial's lambda in our units.

    It adds lambda * W to the gradient summed over the N training samples and
    divides the sum by N (its loss has lambda / (2N) * sum(W**2)); our loss is the
    mean plus l2/2 * sum(W**2). The same step needs l2 = lambda / N.
    """
    return lam / n_train


def init_network(lam: float, n_train: int) -> tuple[Carry, Step]:
    """The tutorial's ``nnet`` and its momentum update: fresh weights from ``INIT_KEY``, and the step for ``lam``."""
    params = nf.init_mlp(INIT_KEY, SIZES, hidden=nf.sigmoid, output=nf.sigmoid, init=nf.glorot_uniform)
    opt = nf.momentum(LEARNING_RATE, beta=MOMENTUM)  # v = 0.9 v + g; W -= 0.2 v: the tutorial's update
    return (params, opt.init(params)), nf.optimizer_step(opt, cost=COST, l2=l2_for(lam, n_train))


def validation_accuracy(lam: float, key: nf.Key, *, train: Data, valid: Data, epochs: int) -> float:
    """One point of the sweep: the validation accuracy after ``epochs`` full-batch steps with ``lam``.

    ``key`` is this setting's own key from ``nf.sweep``; full-batch training
    draws nothing random from it (the weights come from ``INIT_KEY``).
    """
    carry, step = init_network(lam, len(train[0]))
    params, _ = nf.train(step, carry, nf.batches(key, *train, batch_size=None, epochs=epochs))
    return nf.accuracy(params, *valid)


def train_network(lam: float, key: nf.Key, *, train: Data, valid: Data, epochs: int, quick: bool) -> nf.Fit[Carry]:
    """The tutorial's ``trainNetwork`` with its per-epoch losses: the same training as one sweep point.

    The history holds, per epoch, the training and validation loss (with the L2
    term, as the tutorial's ``Loss``).
    """
    carry, step = init_network(lam, len(train[0]))
    l2 = l2_for(lam, len(train[0]))
    train_batch, valid_batch = nf.Batch(*train), nf.Batch(*valid)

    def evaluate(carry: Carry) -> dict[str, float]:
        p = carry[0]
        return {
            "train": float(nf.loss(p, train_batch, cost=COST, l2=l2)),
            "validation": float(nf.loss(p, valid_batch, cost=COST, l2=l2)),
        }

    per_epoch = [nf.batches(k, *train, batch_size=None) for k in nf.split(key, epochs)]
    return nf.fit(step, carry, progress(per_epoch, quick=quick, desc=f"lambda {lam:.3g}"), evaluate=evaluate)


def main(args: Args) -> None:
    epochs = 30 if args.quick else 1000
    lambdas = np.logspace(-2, 2, 3 if args.quick else 10)

    digits = load_digits()
    data = digits.images.reshape((len(digits.images), -1))  # raw pixels 0..16, as the tutorial
    x, x_test, y, y_test = train_test_split(data, digits.target, test_size=0.33, random_state=111)
    x_train, x_valid, y_train, y_valid = train_test_split(x, y, test_size=0.40, random_state=123)
    train, valid = (x_train, y_train), (x_valid, y_valid)
    show("n_train", len(x_train))
    sweep_key, final_key = nf.split(nf.Key(1))

    # -- The sweep: one network per lambda, all from the same weights, two at a time ------------
    point = functools.partial(validation_accuracy, train=train, valid=valid, epochs=epochs)
    accuracies = nf.sweep(point, [float(lam) for lam in lambdas], key=sweep_key, n_jobs=1 if args.quick else 2)
    for lam, acc in zip(lambdas, accuracies, strict=True):
        show(f"validation_accuracy_lambda_{lam:.4g}", acc)
    best = int(np.argmax(accuracies))
    lam_best = float(lambdas[best])
    show("best_lambda", lam_best)
    show("best_l2", l2_for(lam_best, len(x_train)))
    show("best_validation_accuracy", accuracies[best])
    plot.sweep_result(
        lambdas,
        accuracies,
        xlabel="lambda",
        ylabel="validation accuracy",
        log_x=True,
        title="Validation accuracy against L2 strength",
        path=args.out / "digits_lambda_accuracy.png",
    )

    # -- One final training with the best lambda, scored on the test set -----------------------
    result = train_network(lam_best, final_key, train=train, valid=valid, epochs=epochs, quick=args.quick)
    params, _ = result.final
    # Pure functions: the same weights and lambda give the same network as in the sweep.
    show("validation_accuracy", nf.accuracy(params, x_valid, y_valid))
    test_accuracy = nf.accuracy(params, x_test, y_test)
    show("test_accuracy", test_accuracy)
    plot.loss_curves(
        result.history,
        title=f"Training and validation loss, lambda {lam_best:.3g}",
        path=args.out / "digits_lambda_losses.png",
    )
    matches_seed(test_accuracy, TUTORIAL["test_accuracy"], kind="accuracy")


if __name__ == "__main__":
    run(main, __doc__)
