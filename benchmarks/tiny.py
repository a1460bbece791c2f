"""Seed 000 per-step cost: ``nf.train`` over ``nf.sgd_step`` against the tutorial's hand-written loop.

make_moons(200, noise=0.20), a 2-3-2 tanh/softmax network, full batch. Both run
side by side in one process, alternating, several repeats after a warm-up; the
median per-step time of each and their ratio are printed.

Also scikit-learn's ``MLPClassifier`` (sgd, full batch) and, when installed,
PyTorch per iteration.

    python -m benchmarks.tiny [--steps 2000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import functools
import itertools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

import nnfunc as nf

from . import _torch
from ._timing import compare

EPSILON, REG_LAMBDA = 0.01, 0.01  # the tutorial's learning rate and L2 on summed gradients


def hand_loop(x: NDArray[np.float64], y: NDArray[np.int64], steps: int) -> dict[str, NDArray[np.float64]]:
    """The tutorial's ``build_model(3)`` loop, transcribed (in-place updates and all)."""
    num_examples = len(x)
    rs = np.random.RandomState(0)
    w1 = rs.randn(2, 3) / np.sqrt(2)
    b1 = np.zeros((1, 3))
    w2 = rs.randn(3, 2) / np.sqrt(3)
    b2 = np.zeros((1, 2))
    for _ in range(steps):
        z1 = x.dot(w1) + b1
        a1 = np.tanh(z1)
        z2 = a1.dot(w2) + b2
        exp_scores = np.exp(z2)
        probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
        delta3 = probs
        delta3[range(num_examples), y] -= 1
        dw2 = (a1.T).dot(delta3)
        db2 = np.sum(delta3, axis=0, keepdims=True)
        delta2 = delta3.dot(w2.T) * (1 - np.power(a1, 2))
        dw1 = np.dot(x.T, delta2)
        db1 = np.sum(delta2, axis=0)
        dw2 += REG_LAMBDA * w2
        dw1 += REG_LAMBDA * w1
        w1 += -EPSILON * dw1
        b1 += -EPSILON * db1
        w2 += -EPSILON * dw2
        b2 += -EPSILON * db2
    return {"W1": w1, "b1": b1, "W2": w2, "b2": b2}


def nnfunc_loop(x: NDArray[np.float64], y: NDArray[np.int64], steps: int) -> nf.MLP:
    """The same problem in nnfunc; the tutorial's sums become means: lr = epsilon*N, l2 = lambda/N."""
    n = len(x)
    params = nf.init_mlp(nf.Key(0), (2, 3, 2), hidden=nf.tanh, init=nf.lecun_normal)
    step = functools.partial(nf.sgd_step, lr=EPSILON * n, cost=nf.softmax_cross_entropy, l2=REG_LAMBDA / n)
    return nf.train(step, params, itertools.repeat(nf.Batch(x, y), steps))


def sklearn_loop(x: NDArray[np.float64], y: NDArray[np.int64], steps: int) -> MLPClassifier:
    """``MLPClassifier`` on the same problem: sgd, full batch, no momentum, ``steps`` iterations."""
    n = len(x)
    clf = MLPClassifier(
        hidden_layer_sizes=(3,),
        activation="tanh",
        solver="sgd",
        alpha=REG_LAMBDA,  # sklearn's penalty is alpha/(2 n) * sum(w**2): alpha = l2 * n
        batch_size=n,
        learning_rate_init=EPSILON * n,
        momentum=0.0,
        nesterovs_momentum=False,
        max_iter=steps,
        shuffle=False,
        tol=0.0,
        n_iter_no_change=steps + 1,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(x, y)
    return clf


def measure(*, steps: int, repeats: int, warmup: int = 1, torch: Any | None = None) -> dict[str, float]:
    """Median seconds per step of each contender (``torch`` only when given), timed side by side."""
    x, y = make_moons(200, noise=0.20, random_state=0)
    n = len(x)
    runs: dict[str, Callable[[], object]] = {
        "numpy": lambda: hand_loop(x, y, steps),
        "nnfunc": lambda: nnfunc_loop(x, y, steps),
        "sklearn": lambda: sklearn_loop(x, y, steps),
    }
    if torch is not None:
        runs["torch"] = lambda: _torch.full_batch_steps(
            torch, x, y, sizes=(2, 3, 2), lr=EPSILON * n, l2=REG_LAMBDA / n, steps=steps
        )
    return {name: t / steps for name, t in compare(runs, repeats=repeats, warmup=warmup).items()}


def main() -> None:
    """Print the per-step time of each contender and nnfunc's ratio to each."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    medians = measure(steps=args.steps, repeats=args.repeats, torch=_torch.load_torch())
    for name, t in medians.items():
        print(f"{name}_us_per_step: {t * 1e6:.1f}")
    for name, t in medians.items():
        if name != "nnfunc":
            print(f"ratio_nnfunc_over_{name}: {medians['nnfunc'] / t:.3f}")


if __name__ == "__main__":
    main()
