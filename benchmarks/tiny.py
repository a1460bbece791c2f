"""Seed 000 per-step cost: ``nf.train`` over ``nf.sgd_step`` against the tutorial's hand-written loop.

make_moons(200, noise=0.20), a 2-3-2 tanh/softmax network, full batch. Both run
side by side in one process, alternating, several repeats after a warm-up; the
median per-step time of each and their ratio are printed.

    python benchmarks/tiny.py [--steps 2000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import functools
import itertools
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.datasets import make_moons

import nnfunc as nf

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


def per_step(fn: Callable[[], Any], steps: int) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    x, y = make_moons(200, noise=0.20, random_state=0)
    runs: dict[str, Callable[[], Any]] = {
        "hand_loop": lambda: hand_loop(x, y, args.steps),
        "nnfunc": lambda: nnfunc_loop(x, y, args.steps),
    }
    for fn in runs.values():
        fn()  # warm-up
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, fn in runs.items():
            times[name].append(per_step(fn, args.steps))
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    for name, t in medians.items():
        print(f"{name}_us_per_step: {t * 1e6:.1f}")
    print(f"ratio_nnfunc_over_hand_loop: {medians['nnfunc'] / medians['hand_loop']:.3f}")


if __name__ == "__main__":
    main()
