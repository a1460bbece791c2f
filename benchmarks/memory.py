"""Peak memory of one float32 SGD epoch, measured in a fresh process (``python -m benchmarks.memory``).

Prints one JSON object: the process's resident memory without the data (``base``:
after the data are made, less their bytes), its peak during the epoch (``peak``,
the kernel's ``VmHWM``, reset once the data exist), and the
bytes of the data, the parameters and one batch's activations.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import _torch
from .large import BATCH, LR, SIZES
from .peers import nnfunc_epoch, numpy_epoch, sklearn_epoch, synthetic_mnist

ROOT = Path(__file__).resolve().parent.parent


def _rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def _reset_peak() -> None:
    """Set the kernel's high-water mark back to the current RSS (Linux ``clear_refs``; no-op elsewhere)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
    except OSError:
        pass


def _peak_bytes() -> int:
    # VmHWM is this process's own high-water mark. getrusage's ru_maxrss is not: after
    # fork + exec it starts from the parent's peak (the whole suite's), so it is only a fallback.
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            return next(int(ln.split()[1]) * 1024 for ln in f if ln.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


def footprint(n: int, sizes: tuple[int, ...], batch_size: int, itemsize: int) -> dict[str, int]:
    """Bytes of the data (x and int64 labels), the parameters, and one batch's activations (input and every layer)."""
    params = sum(a * b + b for a, b in itertools.pairwise(sizes)) * itemsize
    acts = batch_size * sum(sizes) * itemsize
    return {"data": n * sizes[0] * itemsize + n * 8, "params": params, "acts": acts}


def main() -> None:
    """Measure one contender's epoch in this process and print JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=60_000)
    parser.add_argument("--who", default="nnfunc", choices=["nnfunc", "numpy", "sklearn", "torch"])
    parser.add_argument("--read-only", action="store_true", help="mark the data read-only before the epoch")
    args = parser.parse_args()
    torch = _torch.load_torch() if args.who == "torch" else None
    for dt in (np.float32, np.float64):  # let every BLAS thread set up its buffers before the baseline
        np.ones((512, 512), dtype=dt) @ np.ones((512, 512), dtype=dt)
    x, y = synthetic_mnist(args.n, n_features=SIZES[0], n_classes=SIZES[-1])
    if args.read_only:
        x.flags.writeable = False
        y.flags.writeable = False
    base = _rss_bytes() - x.nbytes - y.nbytes  # as if only the data had been added
    _reset_peak()  # making the data has its own temporaries: measure the epoch alone
    epochs: dict[str, Callable[..., object]] = {
        "nnfunc": functools.partial(nnfunc_epoch, share=args.read_only),
        "numpy": numpy_epoch,
        "sklearn": sklearn_epoch,
        "torch": functools.partial(_torch.epoch, torch),
    }
    epochs[args.who](x, y, sizes=SIZES, solver="sgd", lr=LR["sgd"], batch_size=BATCH)
    print(json.dumps({"base": base, "peak": _peak_bytes(), **footprint(args.n, SIZES, BATCH, x.itemsize)}))


def measure(who: str, n: int, *, read_only: bool = False) -> dict[str, int] | None:
    """Run ``main`` for ``who`` in a subprocess; ``None`` when it fails (e.g. torch missing)."""
    flags = ["--read-only"] if read_only else []
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.memory", "--n", str(n), "--who", who, *flags],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        return None
    result: dict[str, int] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


if __name__ == "__main__":
    main()
