"""Side-by-side timing: every contender runs in the same process, alternating, after a warm-up."""

from __future__ import annotations

import importlib
import os
import platform
import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np


def compare(
    runs: Mapping[str, Callable[[], object]],
    *,
    repeats: int,
    warmup: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, float]:
    """Median time (seconds of ``clock``, wall time by default) of each run: ``warmup`` untimed rounds,
    then ``repeats`` timed rounds.

    Within a round every run goes once; the order rotates from round to round so
    no contender always follows the same neighbour (caches, thread pools, turbo).
    """
    names = list(runs)
    for _ in range(warmup):
        for name in names:
            runs[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            start = clock()
            runs[name]()
            times[name].append(clock() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def limit_threads(n: int, torch: Any | None) -> None:
    """Use ``n`` threads in every BLAS/OpenMP pool of this process (and in torch), for the rest of the run."""
    threadpoolctl = importlib.import_module("threadpoolctl")
    threadpoolctl.threadpool_limits(limits=n)
    if torch is not None:
        torch.set_num_threads(n)


def _blas_lines(torch: Any | None) -> list[str]:
    try:  # untyped (no py.typed): loaded as a plain module, its values are Any
        threadpoolctl = importlib.import_module("threadpoolctl")
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        return ["blas: threadpoolctl not installed"]
    lines = []
    for pool in threadpoolctl.threadpool_info():
        lib = os.path.basename(str(pool.get("filepath", "?")))
        lines.append(
            f"{pool.get('user_api')}: {pool.get('internal_api')} {pool.get('version')} "
            f"({pool.get('architecture', '-')}, {pool.get('threading_layer', '-')}), "
            f"threads={pool.get('num_threads')} [{lib}]"
        )
    if torch is not None:
        lines.append(f"torch: {torch.__version__}, intra-op threads={torch.get_num_threads()}")
    return lines


def machine_lines(torch: Any | None) -> list[str]:
    """Human-readable lines: CPU, core count, Python, NumPy and its BLAS, thread pools, peers' versions."""
    import sklearn

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), cpu)
    except OSError:
        pass
    return [
        f"cpu: {cpu}; logical cores: {os.cpu_count()}; os: {platform.system()} {platform.release()}",
        f"python {platform.python_version()}, numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
        f"torch {torch.__version__ if torch is not None else 'not installed (column skipped)'}",
        *_blas_lines(torch),
    ]


def read_only_owner(a: Any) -> Any:
    """``a`` made read-only down to its memory, nnfunc's idiom for sharing a large data set: the array
    that owns the memory is marked read-only (a view is copied first, once), so ``nf.batches`` shares it."""
    if a.base is not None:
        a = a.copy()
    a.flags.writeable = False
    return a
