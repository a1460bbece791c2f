"""Seed 003, "Implement a Neural Network from Scratch with NumPy", in nnfunc.

The tutorial's design: relu hidden layers, a softmax output layer with
categorical cross-entropy on its probabilities, Xavier-normal weights, SGD with
momentum, then predict, score, and save/load the parameters. In nnfunc the
softmax can also be folded into the cost (identity output, cross-entropy on the
logits): we check both give the same gradients, train, score on a held-out
split, and check that a saved and reloaded network predicts identically.

The tutorial prints no figure of its own, so the reference is scikit-learn's
MLPClassifier with the same layers, solver, momentum, batch size and epochs.

    python examples/digits_momentum.py [--quick] [--out DIR]
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
from _common import Args, matches_seed, progress, run, show
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

import nnfunc as nf
from nnfunc import plot

SIZES = (64, 64, 32, 10)
LEARNING_RATE, BETA = 0.05, 0.9
BATCH_SIZE = 32


def on_logits(params: nf.MLP) -> nf.MLP:
    """The same network with an identity output layer: it returns logits instead of probabilities."""
    last = dataclasses.replace(params.layers[-1], activation=nf.identity)
    return nf.MLP((*params.layers[:-1], last))


def max_abs_difference(a: nf.MLP, b: nf.MLP) -> float:
    """The largest ``|a - b|`` over every weight and bias."""
    return max(float(np.max(np.abs(u - v))) for u, v in zip(nf.tree_leaves(a), nf.tree_leaves(b), strict=True))


def sklearn_reference(train: nf.Batch, test: nf.Batch, epochs: int) -> float:
    """Test accuracy of scikit-learn's MLPClassifier trained like ours (no L2, plain momentum)."""
    clf = MLPClassifier(
        SIZES[1:-1],
        activation="relu",
        solver="sgd",
        learning_rate_init=LEARNING_RATE,
        momentum=BETA,
        nesterovs_momentum=False,
        batch_size=BATCH_SIZE,
        max_iter=epochs,
        alpha=0.0,
        random_state=0,
    )
    with warnings.catch_warnings():  # it warns that it stopped at max_iter, which is the point
        warnings.simplefilter("ignore")
        clf.fit(train.x, train.y)
    return float(clf.score(test.x, test.y))


def main(args: Args) -> None:
    epochs = 3 if args.quick else 30
    digits = load_digits()
    x = digits.data / 16.0  # pixels 0..16 scaled to [0, 1]
    x_train, x_test, y_train, y_test = train_test_split(
        x, digits.target, test_size=0.25, random_state=0, stratify=digits.target
    )
    init_key, shuffle_key = nf.split(nf.Key(0))

    # -- The tutorial's network: softmax output, cross-entropy on probabilities -----------
    params = nf.init_mlp(init_key, SIZES, hidden=nf.relu, output=nf.softmax, init=nf.glorot_normal)

    # -- Same network on logits: same gradients ------------------------------------------------
    batch = nf.Batch(x_train, y_train)
    g_probabilities = nf.grad(params, batch, cost=nf.cross_entropy)
    g_logits = nf.grad(on_logits(params), batch, cost=nf.softmax_cross_entropy)
    difference = max_abs_difference(g_probabilities, g_logits)
    show("grad_max_abs_difference", f"{difference:.3e}")

    # -- SGD with momentum, minibatches reshuffled every epoch --------------------------------
    opt = nf.momentum(LEARNING_RATE, beta=BETA)
    test = nf.Batch(x_test, y_test)
    per_epoch = [nf.batches(k, x_train, y_train, batch_size=BATCH_SIZE) for k in nf.split(shuffle_key, epochs)]

    def evaluate(carry: tuple[nf.MLP, object]) -> dict[str, float]:
        p = carry[0]
        return {
            "train": float(nf.loss(p, batch, cost=nf.cross_entropy)),
            "test": float(nf.loss(p, test, cost=nf.cross_entropy)),
        }

    result = nf.fit(
        nf.optimizer_step(opt, cost=nf.cross_entropy),
        (params, opt.init(params)),
        progress(per_epoch, quick=args.quick, desc="epochs"),
        evaluate=evaluate,
    )
    params, _ = result.final
    labels = nf.predict(params, x_test)
    test_accuracy = float(np.mean(labels == y_test))
    show("train_accuracy", nf.accuracy(params, x_train, y_train))
    show("test_accuracy", test_accuracy)
    show("test_loss", result.history[-1]["test"])
    plot.loss_curves(
        result.history, ylabel="cross-entropy", title="SGD with momentum", path=args.out / "digits_momentum_loss.png"
    )

    # -- Save and load: the reloaded parameters predict the same labels ----------------------
    path = args.out / "digits_momentum.npz"
    nf.save(path, params)
    loaded = nf.load(path, like=params)
    identical = bool(np.array_equal(nf.predict(loaded, x_test), labels)) and max_abs_difference(params, loaded) == 0.0
    show("save_load_identical", "yes" if identical else "no")

    reference = sklearn_reference(batch, test, epochs)
    show("sklearn_mlp_test_accuracy", reference)
    agree = difference < 1e-10 and identical
    matches_seed(test_accuracy if agree else 0.0, reference, kind="accuracy")


if __name__ == "__main__":
    run(main, __doc__)
