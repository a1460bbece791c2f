"""The large workload: one epoch of a 784-256-10 relu MLP on 60 000 MNIST-shaped samples.

SGD and Adam, float32 and float64, minibatch 128; nnfunc side by side with a
hand-written NumPy loop, scikit-learn and (when installed) PyTorch, plus NumPy's
own matmul ceiling: the matmuls of the same epoch alone, on preallocated buffers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _torch
from ._timing import compare
from .peers import Floats, Ints, load_optim, matmul_epoch, nnfunc_epoch, numpy_epoch, sklearn_epoch

SIZES = (784, 256, 10)
BATCH = 128
LR = {"sgd": 0.01, "adam": 1e-3}


@dataclass(frozen=True)
class Case:
    """Median epoch seconds of every contender for one (dtype, solver); ``matmul`` only for SGD."""

    dtype: str
    solver: str
    seconds: dict[str, float]


def epoch_runs(
    x: Floats, y: Ints, *, solver: str, sizes: tuple[int, ...], batch_size: int, torch: Any | None
) -> dict[str, Callable[[], object]]:
    """Zero-argument callables, one epoch each, for nnfunc and every available peer."""
    kw: dict[str, Any] = {"sizes": sizes, "solver": solver, "lr": LR[solver], "batch_size": batch_size}
    runs: dict[str, Callable[[], object]] = {
        "nnfunc": functools.partial(nnfunc_epoch, x, y, **kw),
        "numpy": functools.partial(numpy_epoch, x, y, **kw),
        "sklearn": functools.partial(sklearn_epoch, x, y, **kw),
    }
    if torch is not None:
        runs["torch"] = functools.partial(_torch.epoch, torch, x, y, **kw)
    return runs


def measure(
    x32: Floats, y: Ints, *, repeats: int, warmup: int, torch: Any | None, sizes: tuple[int, ...] = SIZES
) -> list[Case]:
    """Every (dtype, solver) case; Adam is skipped while ``nnfunc.optim`` does not exist."""
    solvers = ["sgd"] + (["adam"] if load_optim() is not None else [])
    cases = []
    for dtype in ("float32", "float64"):
        x = x32 if dtype == "float32" else x32.astype(np.float64)
        for solver in solvers:
            runs = epoch_runs(x, y, solver=solver, sizes=sizes, batch_size=BATCH, torch=torch)
            if solver == "sgd":
                runs["matmul"] = functools.partial(matmul_epoch, x, sizes=sizes, batch_size=BATCH)
            cases.append(Case(dtype, solver, compare(runs, repeats=repeats, warmup=warmup)))
        del x
    return cases
