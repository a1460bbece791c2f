"""The small tabular workload: Adam on breast-cancer-sized data, one BLAS thread, per step.

569x30 (``load_breast_cancer``, standardised) -> 64 relu -> 2, softmax cross-entropy,
Adam (lr 1e-3), minibatch 32, shuffled epochs: nnfunc's ``optimizer_step(nf.adam(1e-3))``
side by side with scikit-learn's ``MLPClassifier(solver="adam")``, a hand-written NumPy
Adam loop and (when installed) PyTorch. Every contender runs the same number of epochs;
per-step time is the run's time over its steps.

Also the optimiser's general path against nnfunc's special one on seed 000 (the tiny
workload): ``optimizer_step(nf.sgd(lr))`` against ``nf.sgd_step``, same problem, same steps.

    python -m benchmarks.tabular [--epochs 20] [--repeats 7]
"""

from __future__ import annotations

import argparse
import functools
import itertools
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.datasets import load_breast_cancer, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

import nnfunc as nf

from . import _torch, tiny
from ._timing import compare

SIZES = (30, 64, 2)
BATCH = 32
LR = 1e-3
B1, B2, EPS = 0.9, 0.999, 1e-8

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]


def data() -> tuple[Floats, Ints]:
    """Breast cancer, each feature standardised (mean 0, standard deviation 1)."""
    x, y = load_breast_cancer(return_X_y=True)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    return np.ascontiguousarray(x), y.astype(np.int64)


def steps_per_run(n: int, epochs: int) -> int:
    """Minibatch steps in ``epochs`` epochs of ``n`` samples (the last batch of each epoch smaller)."""
    return epochs * math.ceil(n / BATCH)


def nnfunc_run(x: Floats, y: Ints, epochs: int) -> Any:
    """``nf.train`` over ``nf.optimizer_step(nf.adam(1e-3))``, shuffled minibatches of 32."""
    params = nf.init_mlp(nf.Key(0), SIZES, hidden=nf.relu, init=nf.he_normal)
    opt = nf.adam(LR)
    data = nf.batches(nf.Key(1), x, y, batch_size=BATCH, epochs=epochs)
    return nf.train(nf.optimizer_step(opt), (params, opt.init(params)), data)


def numpy_run(x: Floats, y: Ints, epochs: int) -> list[Floats]:
    """The loop a NumPy user writes by hand: forward, backward, Adam's four moment updates in place."""
    g = np.random.default_rng(0)
    ws = [g.standard_normal((a, b)) * np.sqrt(2 / a) for a, b in itertools.pairwise(SIZES)]
    bs = [np.zeros(b) for b in SIZES[1:]]
    params = [ws[0], bs[0], ws[1], bs[1]]
    ms = [np.zeros_like(p) for p in params]
    vs = [np.zeros_like(p) for p in params]
    t = 0
    for _ in range(epochs):
        order = g.permutation(len(x))
        for start in range(0, len(x), BATCH):
            idx = order[start : start + BATCH]
            xb, yb, m = x[idx], y[idx], len(idx)
            h = xb @ ws[0]
            h += bs[0]
            np.maximum(h, 0, out=h)
            p = h @ ws[1]
            p += bs[1]
            p -= p.max(axis=1, keepdims=True)
            np.exp(p, out=p)
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(m), yb] -= 1
            p /= m
            dh = p @ ws[1].T
            dh *= h > 0
            grads = [xb.T @ dh, dh.sum(axis=0), h.T @ p, p.sum(axis=0)]
            t += 1
            lr_t = LR * (1 - B2**t) ** 0.5 / (1 - B1**t)
            for p_, g_, m_, v_ in zip(params, grads, ms, vs, strict=True):
                m_ *= B1
                m_ += (1 - B1) * g_
                v_ *= B2
                v_ += (1 - B2) * (g_ * g_)
                p_ -= lr_t * m_ / (np.sqrt(v_) + EPS)
    return params


def sklearn_run(x: Floats, y: Ints, epochs: int) -> MLPClassifier:
    """``MLPClassifier(solver="adam")``: ``epochs`` shuffled epochs, no L2, no early stopping."""
    clf = MLPClassifier(
        hidden_layer_sizes=SIZES[1:-1],
        activation="relu",
        solver="adam",
        alpha=0.0,
        batch_size=BATCH,
        learning_rate_init=LR,
        max_iter=epochs,
        shuffle=True,
        random_state=0,
        tol=0.0,
        n_iter_no_change=10**9,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(x, y)
    return clf


def torch_run(torch: Any, x: Floats, y: Ints, epochs: int) -> Any:
    """The same in PyTorch: ``nn.Sequential``, ``torch.optim.Adam``, shuffled minibatches of 32."""
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(SIZES[0], SIZES[1]), nn.ReLU(), nn.Linear(SIZES[1], SIZES[2])).double()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(0)
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        for start in range(0, len(x), BATCH):
            idx = order[start : start + BATCH]
            opt.zero_grad()
            loss_fn(model(xt[idx]), yt[idx]).backward()
            opt.step()
    return model


def _one_thread(torch: Any | None) -> Any:
    """A context manager: one BLAS/OpenMP thread (and one torch thread) inside, as before outside."""
    import contextlib

    from threadpoolctl import threadpool_limits

    @contextlib.contextmanager
    def limited() -> Any:
        before = torch.get_num_threads() if torch is not None else None
        with threadpool_limits(limits=1):
            if torch is not None:
                torch.set_num_threads(1)
            try:
                yield
            finally:
                if torch is not None and before is not None:
                    torch.set_num_threads(before)

    return limited()


def measure(*, epochs: int, repeats: int, warmup: int = 1, torch: Any | None = None) -> dict[str, float]:
    """Median seconds per step of each contender, side by side, with one BLAS thread."""
    x, y = data()
    runs: dict[str, Callable[[], object]] = {
        "nnfunc": functools.partial(nnfunc_run, x, y, epochs),
        "numpy": functools.partial(numpy_run, x, y, epochs),
        "sklearn": functools.partial(sklearn_run, x, y, epochs),
    }
    if torch is not None:
        runs["torch"] = functools.partial(torch_run, torch, x, y, epochs)
    steps = steps_per_run(len(x), epochs)
    with _one_thread(torch):
        medians = compare(runs, repeats=repeats, warmup=warmup)
    return {name: t / steps for name, t in medians.items()}


def general_path_run(x: Floats, y: Ints, steps: int) -> Any:
    """Seed 000 through the general path: ``optimizer_step(nf.sgd(lr))`` with ``tiny``'s lr and l2."""
    n = len(x)
    params = nf.init_mlp(nf.Key(0), (2, 3, 2), hidden=nf.tanh, init=nf.lecun_normal)
    opt = nf.sgd(tiny.EPSILON * n)
    step = nf.optimizer_step(opt, cost=nf.softmax_cross_entropy, l2=tiny.REG_LAMBDA / n)
    return nf.train(step, (params, opt.init(params)), itertools.repeat(nf.Batch(x, y), steps))


def measure_general_path(*, steps: int, repeats: int, warmup: int = 1) -> dict[str, float]:
    """Seconds per step of seed 000 through ``nf.sgd_step`` ("special") and ``optimizer_step(sgd)``
    ("general"), side by side."""
    x, y = make_moons(200, noise=0.20, random_state=0)
    runs: dict[str, Callable[[], object]] = {
        "special": functools.partial(tiny.nnfunc_loop, x, y, steps),
        "general": functools.partial(general_path_run, x, y, steps),
    }
    return {name: t / steps for name, t in compare(runs, repeats=repeats, warmup=warmup).items()}


def main() -> None:
    """Print the per-step times and nnfunc's ratios."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--steps", type=int, default=2000, help="seed 000 steps for the general-path row")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    t = measure(epochs=args.epochs, repeats=args.repeats, torch=_torch.load_torch())
    for name, v in t.items():
        print(f"tabular {name:8s} {v * 1e6:8.1f} us/step   nnfunc/{name} = {t['nnfunc'] / v:.3f}")
    g = measure_general_path(steps=args.steps, repeats=args.repeats)
    print(
        f"seed 000: sgd_step {g['special'] * 1e6:.1f} us/step, optimizer_step(sgd) {g['general'] * 1e6:.1f} us/step, "
        f"ratio {g['general'] / g['special']:.3f}"
    )


if __name__ == "__main__":
    main()
