"""Sweeps: one pure ``train-and-evaluate`` function over a grid of settings, in parallel.

Each setting gets its own child key, split from one key by its position in the
grid, so a result depends only on its setting and that key: never on the number
of workers or the order they finish in. The work runs through joblib, so the same
call scales out to a Dask cluster inside ``joblib.parallel_config(backend="dask")``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

import numpy as np

from .random import Key, check_key, split

S = TypeVar("S")
R = TypeVar("R")


def sweep(fn: Callable[[S, Key], R], settings: Iterable[S], *, key: Key, n_jobs: int | None = 1) -> list[R]:
    """``[fn(s, k) for s, k in zip(settings, nf.split(key, len(settings)))]``, run by joblib.

    ``fn`` is called once per setting with the setting and that setting's key
    ``nf.split(key, len(settings))[i]``; results come back in grid order. ``fn``
    should be pure (a module-level function or a ``functools.partial`` of one, so
    process-based workers can pickle it); then the results are bit for bit the same
    for any ``n_jobs`` and any joblib backend.

    ``n_jobs`` is joblib's: 1 runs in this process, ``k > 1`` uses ``k`` workers,
    ``-1`` one per CPU, ``None`` whatever ``joblib.parallel_config`` says. Inside
    ``joblib.parallel_config(backend="dask")`` (with a ``dask.distributed.Client``)
    the settings run on the Dask cluster's workers, whatever ``n_jobs`` says.
    joblib is imported only when a sweep runs.
    """
    if not callable(fn):
        raise TypeError(f"fn: expected a function fn(setting, key), got {type(fn).__name__}")
    if isinstance(settings, (str, bytes)) or not isinstance(settings, Iterable):
        raise TypeError(f"settings: expected a sequence of settings (e.g. a list), got {type(settings).__name__}")
    check_key(key)
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer))):
        raise TypeError(f"n_jobs: expected an integer (1, k > 1, -1: every CPU) or None, got {type(n_jobs).__name__}")
    if n_jobs == 0:
        raise ValueError("n_jobs: expected 1, k > 1, or a negative count from the CPUs (-1 = all), got 0")
    grid = list(settings)
    if not grid:
        return []
    import joblib  # lazily: the core needs only NumPy

    keys = split(key, len(grid))
    run = joblib.delayed(fn)
    parallel = joblib.Parallel(n_jobs=None if n_jobs is None else int(n_jobs))
    results: list[R] = parallel(run(s, k) for s, k in zip(grid, keys, strict=True))
    return results
