"""Seed 000, "Implementing a Neural Network from Scratch in Python", in nnfunc.

make_moons(200, noise=0.20); a logistic-regression baseline; a 2-3-2 network
(tanh hidden layer, softmax output) trained by 20 000 full-batch gradient steps;
the hidden-size study; and the tutorial's exercises (minibatch SGD, an annealed
learning rate, other activations, three classes, two hidden layers).

    python examples/moons.py [--quick] [--out DIR]
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
from _common import Args, matches_seed, progress, run, show
from numpy.typing import NDArray
from sklearn.datasets import make_classification, make_moons
from sklearn.linear_model import LogisticRegressionCV

import nnfunc as nf
from nnfunc import plot

# The tutorial sums the gradient over the N = 200 samples and steps with
# epsilon = 0.01, adding reg_lambda * W with reg_lambda = 0.01. nnfunc's loss is
# the *mean* over samples plus l2/2 * sum(W**2), whose gradient is 1/N times the
# tutorial's when l2 = reg_lambda / N. The same step therefore needs
# lr = epsilon * N:  lr = 0.01 * 200 = 2.0,  l2 = 0.01 / 200 = 5e-5.
N = 200
EPSILON, REG_LAMBDA = 0.01, 0.01
LR, L2 = EPSILON * N, REG_LAMBDA / N
TUTORIAL_ACCURACY = 0.975  # build_model(3) on np.random.seed(0) data, its own init
HIDDEN_SIZES = (1, 2, 3, 4, 5, 20, 50)
MODEL_KEY = nf.Key(0)
COST = nf.softmax_cross_entropy  # softmax output folded into the cost: the tutorial's delta3 = probs - y


def build_model(
    x: NDArray[np.float64],
    y: NDArray[np.intp],
    sizes: tuple[int, ...],
    *,
    steps: int,
    hidden: nf.Activation = nf.tanh,
    quick: bool = True,
) -> nf.MLP:
    """The tutorial's ``build_model``: randn/sqrt(fan_in) weights, then ``steps`` full-batch gradient steps.

    Like the tutorial's ``np.random.seed(0)`` at its top, every call starts from
    the same key, so networks of one shape start from the same weights.
    """
    params = nf.init_mlp(MODEL_KEY, sizes, hidden=hidden, init=nf.lecun_normal)
    step = functools.partial(nf.sgd_step, lr=LR, cost=COST, l2=L2)
    full_batches = nf.batches(MODEL_KEY, x, y, batch_size=None, epochs=steps)  # full batch: never shuffled
    return nf.train(step, params, progress(full_batches, quick=quick, desc=f"sizes {sizes}"))


def main(args: Args) -> None:
    steps = 2_000 if args.quick else 20_000

    # The tutorial seeds NumPy's global state with 0 and then calls make_moons:
    # the same points as random_state=0.
    x, y = make_moons(N, noise=0.20, random_state=0)

    # -- Logistic regression cannot follow the moons ---------------------------------------
    with warnings.catch_warnings():  # newer scikit-learn announces changes of LogisticRegressionCV's defaults
        warnings.simplefilter("ignore", FutureWarning)
        clf = LogisticRegressionCV().fit(x, y)
    show("logistic_regression_accuracy", float(clf.score(x, y)))
    plot.decision_boundary(clf.predict, x, y, title="Logistic Regression", path=args.out / "moons_logistic.png")

    # -- A network with a hidden layer of size 3 -------------------------------------------
    params = build_model(x, y, (2, 3, 2), steps=steps, quick=args.quick)
    train_accuracy = nf.accuracy(params, x, y)
    show("train_accuracy", train_accuracy)
    show("loss", float(nf.loss(params, nf.Batch(x, y), cost=COST, l2=L2)))
    plot.decision_boundary(
        params, x, y, title="Decision Boundary for hidden layer size 3", path=args.out / "moons_network.png"
    )

    # -- Varying the hidden layer size ------------------------------------------------------
    # One pure training run per size, in parallel with nf.sweep. Like the tutorial, every size
    # starts from MODEL_KEY, so the sweep's per-size keys go unused (and the results do not
    # depend on the number of workers).
    def train_size(h: int, key: nf.Key) -> nf.MLP:
        return build_model(x, y, (2, h, 2), steps=steps, quick=True)

    models = nf.sweep(train_size, HIDDEN_SIZES, key=nf.Key(2), n_jobs=1 if args.quick else 2)
    axes = plot.grid(len(HIDDEN_SIZES), ncols=2)
    for ax, h, model in zip(axes, HIDDEN_SIZES, models, strict=True):
        show(f"hidden_{h}_accuracy", nf.accuracy(model, x, y))
        plot.decision_boundary(model, x, y, ax=ax, title=f"Hidden Layer size {h}")
    plot.save(axes[0], args.out / "moons_hidden_sizes.png")

    # -- Exercise: minibatch gradient descent -----------------------------------------------
    # 20 samples a step, reshuffled every epoch; as many steps as the full-batch run.
    params0 = nf.init_mlp(MODEL_KEY, (2, 3, 2), init=nf.lecun_normal)
    data_key = nf.Key(1)
    minibatches = nf.batches(data_key, x, y, batch_size=20, epochs=steps // 10)
    step = functools.partial(nf.sgd_step, lr=0.5, cost=COST, l2=L2)
    minibatch = nf.train(step, params0, progress(minibatches, quick=args.quick, desc="minibatch"))
    show("minibatch_sgd_accuracy", nf.accuracy(minibatch, x, y))

    # -- Exercise: an annealed learning rate ------------------------------------------------
    # lr_t = 2.0 / (1 + t / 2000): fast at first, 1/11 of that by the last step.
    opt = nf.sgd(nf.inverse_time_decay(LR, 1.0, steps=steps // 10))
    carry = (params0, opt.init(params0))
    full_batches = nf.batches(data_key, x, y, batch_size=None, epochs=steps)
    annealed, _ = nf.train(
        nf.optimizer_step(opt, cost=COST, l2=L2), carry, progress(full_batches, quick=args.quick, desc="annealed")
    )
    show("annealed_lr_accuracy", nf.accuracy(annealed, x, y))

    # -- Exercise: other activation functions (nnfunc knows each one's derivative) ---------
    for name, act in (("relu", nf.relu), ("sigmoid", nf.sigmoid)):
        model = build_model(x, y, (2, 3, 2), steps=steps, hidden=act, quick=args.quick)
        show(f"{name}_hidden_accuracy", nf.accuracy(model, x, y))

    # -- Exercise: three classes --------------------------------------------------------------
    x3, y3 = make_classification(
        300, n_features=2, n_informative=2, n_redundant=0, n_classes=3, n_clusters_per_class=1, random_state=0
    )
    three = build_model(x3, y3, (2, 5, 3), steps=steps, quick=args.quick)
    show("three_classes_accuracy", nf.accuracy(three, x3, y3))
    plot.decision_boundary(three, x3, y3, title="Three classes, hidden size 5", path=args.out / "moons_three.png")

    # -- Exercise: two hidden layers (four layers in all) --------------------------------------
    deep = build_model(x, y, (2, 5, 5, 2), steps=steps, quick=args.quick)
    show("two_hidden_layers_accuracy", nf.accuracy(deep, x, y))
    plot.decision_boundary(deep, x, y, title="Two hidden layers (5, 5)", path=args.out / "moons_two_hidden.png")

    matches_seed(train_accuracy, TUTORIAL_ACCURACY, kind="accuracy")


if __name__ == "__main__":
    run(main, __doc__)
