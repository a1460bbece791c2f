"""One minibatch epoch of a relu MLP with softmax cross-entropy, four ways: nnfunc, a plain
hand-written NumPy loop, scikit-learn's ``MLPClassifier`` and (in ``_torch``) PyTorch.

Every contender gets the same data, architecture, batch size, learning rate and
solver (SGD without momentum, or Adam with the usual betas), starts from its own
He/Kaiming-style initialisation and shuffles once per epoch.
"""

from __future__ import annotations

import functools
import importlib
import itertools
import warnings
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

import nnfunc as nf

from ._timing import read_only_owner

Floats = NDArray[np.floating[Any]]
Ints = NDArray[np.int64]


def synthetic_mnist(n: int, *, n_features: int = 784, n_classes: int = 10, seed: int = 0) -> tuple[Floats, Ints]:
    """MNIST-shaped data: ``x`` ``(n, n_features)`` float32 standard normal, labels ``(n,)`` from a
    fixed random linear teacher (argmax of ``x @ t``). Made in float32 directly, without a float64 copy."""
    g = nf.rng(nf.Key(seed))
    x = g.standard_normal((n, n_features), dtype=np.float32)
    teacher = g.standard_normal((n_features, n_classes), dtype=np.float32)
    y = np.argmax(x @ teacher, axis=1).astype(np.int64)
    return x, y


def load_optim() -> ModuleType | None:
    """``nnfunc.optim`` when it exists (written in parallel), else ``None``: Adam rows are then skipped."""
    try:
        return importlib.import_module("nnfunc.optim")
    except ImportError:
        return None


def nnfunc_epoch(
    x: Floats,
    y: Ints,
    *,
    sizes: tuple[int, ...],
    solver: str,
    lr: float,
    batch_size: int,
    seed: int = 0,
    share: bool = True,
) -> object:
    """One epoch with ``nf.train`` over ``nf.batches``: ``nf.sgd_step``, or ``nf.optim.adam`` via ``optimizer_step``.

    With ``share`` the data go in read-only, nnfunc's documented idiom for a large data set:
    ``nf.batches`` then shares them instead of taking its defensive copy of writeable arrays
    (the memory rows show both).
    """
    params = nf.init_mlp(nf.Key(seed), sizes, hidden=nf.relu, init=nf.he_normal, dtype=x.dtype)
    if share:
        x, y = read_only_owner(x), read_only_owner(y)
    data = nf.batches(nf.Key(seed + 1), x, y, batch_size=batch_size)
    if solver == "sgd":
        return nf.train(functools.partial(nf.sgd_step, lr=lr, cost=nf.softmax_cross_entropy), params, data)
    optim = load_optim()
    if optim is None:
        raise RuntimeError("nnfunc.optim is not available")
    opt = optim.adam(lr)
    step = nf.optimizer_step(opt, cost=nf.softmax_cross_entropy)
    return nf.train(step, (params, opt.init(params)), data)


def numpy_epoch(
    x: Floats, y: Ints, *, sizes: tuple[int, ...], solver: str, lr: float, batch_size: int, seed: int = 0
) -> list[Floats]:
    """The loop a NumPy user writes by hand: fancy-indexed batches, in-place updates, fused ``p - y``."""
    g = np.random.default_rng(seed)
    dt = x.dtype
    ws = [(g.standard_normal((a, b)) * np.sqrt(2 / a)).astype(dt) for a, b in itertools.pairwise(sizes)]
    bs = [np.zeros(b, dtype=dt) for b in sizes[1:]]
    ms = [np.zeros_like(p) for p in ws + bs]  # Adam's moments (unused by SGD)
    vs = [np.zeros_like(p) for p in ws + bs]
    b1, b2, eps = 0.9, 0.999, 1e-8
    n_layers = len(ws)
    order = g.permutation(len(x))
    for t, start in enumerate(range(0, len(x), batch_size), start=1):
        idx = order[start : start + batch_size]
        xb, yb, m = x[idx], y[idx], len(idx)
        acts = [xb]
        for i in range(n_layers):
            z = acts[-1] @ ws[i]
            z += bs[i]
            if i < n_layers - 1:
                np.maximum(z, 0, out=z)
            acts.append(z)
        p = acts[-1]
        p -= p.max(axis=1, keepdims=True)
        np.exp(p, out=p)
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(m), yb] -= 1
        p /= m
        delta = p
        grads: list[tuple[int, Floats, Floats]] = []
        for i in range(n_layers - 1, -1, -1):
            grads.append((i, acts[i].T @ delta, delta.sum(axis=0)))
            if i:
                delta = delta @ ws[i].T
                delta *= acts[i] > 0
        if solver == "sgd":
            for i, dw, db in grads:
                ws[i] -= lr * dw
                bs[i] -= lr * db
        else:
            lr_t = lr * (1 - b2**t) ** 0.5 / (1 - b1**t)
            for i, dw, db in grads:
                for p_, g_, m_, v_ in ((ws[i], dw, ms[i], vs[i]), (bs[i], db, ms[n_layers + i], vs[n_layers + i])):
                    m_ *= b1
                    m_ += (1 - b1) * g_
                    v_ *= b2
                    v_ += (1 - b2) * (g_ * g_)
                    p_ -= lr_t * m_ / (np.sqrt(v_) + eps)
    return ws + bs


def sklearn_epoch(
    x: Floats, y: Ints, *, sizes: tuple[int, ...], solver: str, lr: float, batch_size: int, seed: int = 0
) -> MLPClassifier:
    """One epoch of ``MLPClassifier`` (``max_iter=1``, no momentum, no L2, no early stopping)."""
    clf = MLPClassifier(
        hidden_layer_sizes=sizes[1:-1],
        activation="relu",
        solver=solver,
        alpha=0.0,
        batch_size=batch_size,
        learning_rate_init=lr,
        max_iter=1,
        shuffle=True,
        random_state=seed,
        momentum=0.0,
        nesterovs_momentum=False,
        tol=0.0,
        n_iter_no_change=10**9,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(x, y)
    return clf


def epoch_flops(sizes: tuple[int, ...], n: int) -> float:
    """Matmul FLOPs of one epoch on ``n`` samples: forward, weight gradients, and input gradients
    of every layer but the first (2 FLOPs per multiply-add)."""
    pairs = list(itertools.pairwise(sizes))
    per_sample = sum(2 * a * b for a, b in pairs) * 2 + sum(2 * a * b for a, b in pairs[1:])
    return float(per_sample * n)


def matmul_epoch(x: Floats, *, sizes: tuple[int, ...], batch_size: int) -> None:
    """Only the matmuls of one epoch, on preallocated outputs: NumPy's own ceiling for these shapes.

    Per batch: ``a @ w`` for every layer, ``a.T @ g`` for every weight gradient and
    ``g @ w.T`` for every layer but the first, each into a buffer made once.
    """
    dt = x.dtype
    pairs = list(itertools.pairwise(sizes))
    ws = [np.full((a, b), 0.01, dtype=dt) for a, b in pairs]
    n = len(x)
    bufs = [np.empty((batch_size, b), dtype=dt) for _, b in pairs]
    grads = [np.empty((a, b), dtype=dt) for a, b in pairs]
    for start in range(0, n, batch_size):
        m = min(batch_size, n - start)
        acts = [x[start : start + m]] + [buf[:m] for buf in bufs]
        for i, w in enumerate(ws):
            np.matmul(acts[i], w, out=acts[i + 1])
        g = acts[-1]
        for i in range(len(ws) - 1, -1, -1):
            np.matmul(acts[i].T, g, out=grads[i])
            if i:
                g = np.matmul(g, ws[i].T, out=acts[i])
