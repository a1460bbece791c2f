"""Sweeps: one pure ``train-and-evaluate`` function over a grid of settings, in parallel.

Each setting gets its own child key, split from one key by its position in the
grid, and every task runs with one BLAS thread, so a result depends only on its
setting and that key: never on the number of workers, the backend or the order
they finish in. The work runs through joblib, so the same call scales out to a
Dask cluster inside ``joblib.parallel_config(backend="dask")``.

Why one BLAS thread: a BLAS matrix product split over several threads may add
its terms in another order than on one thread, which changes the last bits; and
joblib's process workers get fewer BLAS threads than the calling process. Fixing
the count inside every task (with ``threadpoolctl``) makes it the same everywhere.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np

from .random import Key, check_key, split

S = TypeVar("S")
R = TypeVar("R")

BLAS_THREADS = 1
"""The number of BLAS threads every sweep task runs with, whatever the process's default."""

# threadpoolctl's limits are per process, not per thread: with joblib's threading backend several
# tasks run at once in one process, so the first to start sets the limit and the last to end restores it.
_LOCK = threading.Lock()
_RUNNING: list[Any] = [0, None]  # [tasks running in this process, the threadpool_limits to restore]


@contextmanager
def _fixed_blas_threads() -> Iterator[None]:
    """Run the body with :data:`BLAS_THREADS` BLAS threads in this process, restoring the count after."""
    from threadpoolctl import threadpool_limits  # lazily, in the worker: comes with scikit-learn

    with _LOCK:
        if _RUNNING[0] == 0:
            _RUNNING[1] = threadpool_limits(limits=BLAS_THREADS)
        _RUNNING[0] += 1
    try:
        yield
    finally:
        with _LOCK:
            _RUNNING[0] -= 1
            if _RUNNING[0] == 0:
                _RUNNING[1].restore_original_limits()
                _RUNNING[1] = None


@dataclass(frozen=True)
class _Task(Generic[S, R]):
    """``fn`` run with a fixed number of BLAS threads; a module-level class, so workers can unpickle it."""

    fn: Callable[[S, Key], R]

    def __call__(self, setting: S, key: Key) -> R:
        with _fixed_blas_threads():
            return self.fn(setting, key)


def sweep(fn: Callable[[S, Key], R], settings: Iterable[S], *, key: Key, n_jobs: int | None = 1) -> list[R]:
    """``[fn(s, k) for s, k in zip(settings, nf.split(key, len(settings)))]``, run by joblib.

    ``fn`` is called once per setting with the setting and that setting's key
    ``nf.split(key, len(settings))[i]``; results come back in grid order. Every call
    runs with one BLAS thread (:data:`BLAS_THREADS`, set with ``threadpoolctl`` inside
    the task, also when ``n_jobs=1``; the caller's count is restored afterwards).

    What is identical: if ``fn`` is pure (its result depends only on its arguments;
    a module-level function or a ``functools.partial`` of one, so process-based
    workers can pickle it), the results are bit for bit the same for any ``n_jobs``
    and any joblib backend (sequential, loky processes, threads, Dask), provided
    every process runs the same NumPy and BLAS builds on the same kind of CPU (a
    BLAS picks its kernels by CPU, so machines with other instruction sets may
    differ in the last bits).

    ``n_jobs`` is joblib's: 1 runs in this process, ``k > 1`` uses ``k`` workers,
    ``-1`` one per CPU, ``None`` whatever ``joblib.parallel_config`` says. Inside
    ``joblib.parallel_config(backend="dask")`` (with a ``dask.distributed.Client``)
    the settings run on the Dask cluster's workers, whatever ``n_jobs`` says.
    joblib and threadpoolctl are imported only when a sweep runs.

    >>> def square(s: int, key: Key) -> int:
    ...     return s * s
    >>> sweep(square, [1, 2, 3], key=Key(0))
    [1, 4, 9]
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
    run = joblib.delayed(_Task(fn))
    parallel = joblib.Parallel(n_jobs=None if n_jobs is None else int(n_jobs))
    # The limit is also set here, by the calling thread, for the tasks that run in this process (threads,
    # in-process Dask workers): OpenBLAS honours a limit set by one worker thread unreliably in another.
    with _fixed_blas_threads():
        results: list[R] = parallel(run(s, k) for s, k in zip(grid, keys, strict=True))
    return results
