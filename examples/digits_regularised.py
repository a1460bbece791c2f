"""Seed 004's digits, its plain network beside a wider one regularised with dropout and batch norm.

The data split as in the tutorial (``train_test_split`` with random states 111, then 123). The
plain network is seed 004's: 64-48-32-10 sigmoid layers, Glorot-uniform weights, momentum
(learning rate 0.2, momentum 0.9) full batch for 1000 epochs, with the tutorial's chosen L2
strength (lambda 0.599484). The regularised network composes layers:

    BatchNorm(64) -> Dense(64, 256, relu) -> Dropout(0.5)
    -> Residual(BatchNorm(256) -> Dense(256, 256, relu) -> Dropout(0.5)) -> Dense(256, 10)

trained by Adam (learning rate 2e-3, cosine decay to 0) on minibatches of 32 for 100 epochs, with a
small L2 on the weights. Each network's validation accuracy and loss are recorded after every epoch
(``nf.fit``), both are scored on the test set, and the validation curves are plotted side by side.

    python examples/digits_regularised.py [--quick] [--out DIR]
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from _common import Args, matches_seed, progress, run, show
from numpy.typing import NDArray
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import nnfunc as nf
from nnfunc import plot

TUTORIAL_TEST_ACCURACY = 0.959596  # seed 004's final network on the test set
COST = nf.softmax_cross_entropy
# The tutorial's classifier is a softmax over the outputs of its last *sigmoid* layer, so its
# "logits" are sigmoid outputs: the cost says it means that (an output layer that is not identity).
PLAIN_COST = dataclasses.replace(nf.softmax_cross_entropy, output="any")

Data = tuple[NDArray[np.float64], NDArray[np.intp]]
History = tuple[dict[str, float], ...]


# -- The plain network: seed 004's, as in examples/digits_lambda_sweep.py ---------------------------------------
PLAIN_SIZES = (64, 48, 32, 10)
PLAIN_LAMBDA = 0.599484  # the tutorial's chosen L2 strength; its loss has lambda / (2N) * sum(W**2)


def train_plain(train: Data, evaluate: Callable[[nf.Layer], dict[str, float]], *, epochs: int, quick: bool) -> Any:
    """Seed 004's network and update: full-batch momentum, ``l2 = lambda / n_train``."""
    params = nf.init_mlp(nf.Key(0), PLAIN_SIZES, hidden=nf.sigmoid, output=nf.sigmoid, init=nf.glorot_uniform)
    opt = nf.momentum(0.2, beta=0.9)
    step = nf.optimizer_step(opt, cost=PLAIN_COST, l2=PLAIN_LAMBDA / len(train[0]))
    per_epoch = (nf.batches(k, *train, batch_size=None) for k in nf.split(nf.Key(1), epochs))
    return nf.fit(
        step,
        (params, opt.init(params)),
        progress(per_epoch, quick=quick, desc="plain", total=epochs),
        evaluate=lambda carry: evaluate(carry[0]),
    )


# -- The regularised network: wider, dropout, batch norm, a residual block -------------------------------------
WIDTH, RATE, BATCH, LR, L2 = 256, 0.5, 32, 2e-3, 1e-4


def regularised_network(key: nf.Key, width: int = WIDTH) -> nf.Sequential:
    """The layers above; He-normal weights for the relu layers, zero biases."""
    k1, k2, k3 = nf.split(key, 3)

    def dense(k: nf.Key, n_in: int, n_out: int, act: nf.Activation) -> nf.Dense:
        return nf.Dense(nf.he_normal(nf.rng(k), n_in, n_out, np.dtype(np.float64)), np.zeros(n_out), act)

    return nf.Sequential(
        [
            nf.BatchNorm(64),  # raw pixels 0..16: the first layer standardises them from batch statistics
            dense(k1, 64, width, nf.relu),
            nf.Dropout(RATE),
            nf.Residual(nf.Sequential([nf.BatchNorm(width), dense(k2, width, width, nf.relu), nf.Dropout(RATE)])),
            dense(k3, width, 10, nf.identity),
        ]
    )


Carry = tuple[nf.Sequential, nf.OptState]


def train_regularised(
    key: nf.Key, train: Data, evaluate: Callable[[nf.Layer], dict[str, float]], *, epochs: int, quick: bool
) -> nf.Fit[Carry]:
    init_key, data_key = nf.split(key)
    params = regularised_network(init_key)
    steps = epochs * -(-len(train[0]) // BATCH)
    opt = nf.adam(nf.cosine_decay(LR, steps))

    def per_epoch() -> Iterator[nf.Batches]:
        for k in nf.split(data_key, epochs):
            yield nf.batches(k, *train, batch_size=BATCH)  # each batch carries its own key, for dropout

    # One training pass per step (dropout from batch.key, batch norm on batch statistics) and one Adam
    # update; the step carries the batch-norm running statistics over from the forward pass.
    return nf.fit(
        nf.optimizer_step(opt, cost=COST, l2=L2),
        (params, opt.init(params)),
        progress(per_epoch(), quick=quick, desc="regularised", total=epochs),
        evaluate=lambda carry: evaluate(carry[0]),
    )


def plot_curves(plain: History, regularised: History, path: Any) -> None:
    """Validation accuracy and loss per epoch of both networks (log epoch axis: 1000 vs 100 epochs)."""
    axes = plot.grid(2, ncols=2, size=(5.0, 3.8))
    for ax, metric, label in (
        (axes[0], "val_accuracy", "validation accuracy"),
        (axes[1], "val_loss", "validation loss"),
    ):
        for name, history in (
            ("plain (full batch, 1 step/epoch)", plain),
            ("regularised (23 steps/epoch)", regularised),
        ):
            values = [h[metric] for h in history]
            ax.plot(np.arange(1, len(values) + 1), values, label=name)
        ax.set_xscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.legend()
    axes[0].set_ylim(0.8, 1.0)
    axes[1].set_yscale("log")
    axes[0].set_title("Validation accuracy")
    axes[1].set_title("Validation loss (inference)")
    plot.save(axes[0], path)


def main(args: Args) -> None:
    plain_epochs, reg_epochs = (30, 4) if args.quick else (1000, 100)
    digits = load_digits()
    data = digits.images.reshape((len(digits.images), -1))  # raw pixels 0..16, as the tutorial
    x, x_test, y, y_test = train_test_split(data, digits.target, test_size=0.33, random_state=111)
    x_train, x_valid, y_train, y_valid = train_test_split(x, y, test_size=0.40, random_state=123)
    show("n_train", len(x_train))
    show("n_valid", len(x_valid))
    show("n_test", len(x_test))
    valid = nf.Batch(x_valid, y_valid)

    def evaluate(params: nf.Layer, cost: nf.Cost = COST) -> dict[str, float]:
        """Inference on the validation set: dropout off, batch norm on its running statistics."""
        return {
            "val_accuracy": nf.accuracy(params, x_valid, y_valid),
            "val_loss": float(nf.loss(params, valid, cost=cost, training=False)),
        }

    plain = train_plain(
        (x_train, y_train), functools.partial(evaluate, cost=PLAIN_COST), epochs=plain_epochs, quick=args.quick
    )
    plain_params = plain.final[0]
    plain_test = nf.accuracy(plain_params, x_test, y_test)
    show("plain_validation_accuracy", plain.history[-1]["val_accuracy"])
    show("plain_test_accuracy", plain_test)

    reg = train_regularised(nf.Key(0), (x_train, y_train), evaluate, epochs=reg_epochs, quick=args.quick)
    reg_params = reg.final[0]
    reg_test = nf.accuracy(reg_params, x_test, y_test)
    show("regularised_validation_accuracy", reg.history[-1]["val_accuracy"])
    show("regularised_test_accuracy", reg_test)
    show("test_accuracy_gain", reg_test - plain_test)
    show("test_errors_plain", round((1 - plain_test) * len(x_test)))
    show("test_errors_regularised", round((1 - reg_test) * len(x_test)))
    if not args.quick:  # the gain is not one lucky draw: two more initialisations and dropout streams
        others = [
            nf.accuracy(
                train_regularised(nf.Key(s), (x_train, y_train), evaluate, epochs=reg_epochs, quick=True).final[0],
                x_test,
                y_test,
            )
            for s in (1, 2)
        ]
        show("regularised_test_accuracy_3_seeds_mean", float(np.mean([reg_test, *others])))
        show("regularised_test_accuracy_3_seeds_min", float(min(reg_test, *others)))

    plot_curves(
        tuple(map(dict, plain.history)), tuple(map(dict, reg.history)), args.out / "digits_regularised_curves.png"
    )
    matches_seed(plain_test, TUTORIAL_TEST_ACCURACY, kind="accuracy")


if __name__ == "__main__":
    run(main, __doc__)
