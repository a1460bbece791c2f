"""What ``import nnfunc`` costs on top of numpy, against numpy's own import.

Fresh interpreters, alternating: ``python -c "pass"``, ``python -c "import numpy"``
and ``python -c "import numpy, nnfunc"``; the median wall time of each over the
repeats. numpy's cost is (numpy - bare interpreter), nnfunc's is
(numpy + nnfunc - numpy); the target is nnfunc / numpy <= 0.5. Wall time, not
``-X importtime``, so that what runs at interpreter start for nnfunc (an editable
install's finder, its .pth file) is counted too. ``--top N`` also lists the N
nnfunc-triggered imports that cost most, from ``python -X importtime``.

Bytecode: an editable install has no compiled ``.pyc`` files for nnfunc until Python writes them
on a first import, and with ``PYTHONDONTWRITEBYTECODE`` set (as in some containers and CI images)
it never does, so every run compiles nnfunc's sources while numpy, installed with its bytecode,
does not. The target is judged as after a normal install: every interpreter (the bare one and
numpy's too) uses one fresh bytecode cache (``PYTHONPYCACHEPREFIX`` in a temporary directory),
filled by the warm-up runs. Where this environment compiles nnfunc's sources on every run, that
is measured and printed too (``--bytecode-cache`` skips it).

BLAS threads: every interpreter runs with one BLAS thread unless ``--blas-threads`` says
otherwise. On a 2-core VM, OpenBLAS's thread pool, started while numpy is imported, competes with
the importing thread: numpy's import then took 85 ms in some runs and 145 ms in others, and
the ratio flipped between 0.7 and 0.4 with no change to nnfunc. With one thread it stays near 85 ms.

    python -m benchmarks.importtime [--repeats 21] [--top 10] [--bytecode-cache] [--blas-threads 1]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

CODE = {"python": "pass", "numpy": "import numpy", "nnfunc": "import numpy, nnfunc"}
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
TARGET = 0.5
IMPORTTIME = re.compile(r"^import time:\s+(?P<self>\d+) \|\s+(?P<cum>\d+) \|(?P<indent>\s+)(?P<name>\S+)$")


def _wall(code: str, env: dict[str, str]) -> float:
    """Seconds one fresh interpreter takes to run ``code`` and exit."""
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    return time.perf_counter() - began


def _env(blas_threads: int, pycache: str | None) -> dict[str, str]:
    """The interpreters' environment: ``blas_threads`` BLAS threads (0: as it is here); with ``pycache``,
    bytecode read and written there."""
    env = dict(os.environ)
    if blas_threads:
        env.update(dict.fromkeys(BLAS_THREADS, str(blas_threads)))
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def compiles_nnfunc_every_run() -> bool:
    """Whether each fresh interpreter here compiles nnfunc's sources: Python may not write bytecode
    (``PYTHONDONTWRITEBYTECODE``) and nnfunc's ``__init__`` has no up-to-date ``.pyc`` to read."""
    if not sys.flags.dont_write_bytecode or sys.pycache_prefix is not None:
        return False
    spec = importlib.util.find_spec("nnfunc")
    if spec is None or spec.origin is None:
        return False
    cached = importlib.util.cache_from_source(spec.origin)
    return not (os.path.exists(cached) and os.path.getmtime(cached) >= os.path.getmtime(spec.origin))


def measure(repeats: int = 21, *, bytecode_cache: bool = False, blas_threads: int = 1) -> dict[str, float]:
    """Median seconds of ``numpy``'s import and of ``nnfunc``'s on top of it (keys ``numpy``, ``nnfunc``),
    with ``blas_threads`` BLAS threads (0: as the environment says); with ``bytecode_cache``, every
    interpreter uses one fresh bytecode cache (see the module docstring)."""
    if repeats < 1:
        raise ValueError(f"repeats: expected at least 1, got {repeats}")
    if blas_threads < 0:
        raise ValueError(f"blas_threads: expected a count >= 0, got {blas_threads}")
    with tempfile.TemporaryDirectory(prefix="nnfunc-pycache-") as prefix:
        env = _env(blas_threads, prefix if bytecode_cache else None)
        for code in CODE.values():  # warm the file cache (and fill the bytecode cache)
            _wall(code, env)
        times: dict[str, list[float]] = {k: [] for k in CODE}
        for _ in range(repeats):
            for name, code in CODE.items():
                times[name].append(_wall(code, env))
    med = {k: statistics.median(v) for k, v in times.items()}
    return {"numpy": med["numpy"] - med["python"], "nnfunc": med["nnfunc"] - med["numpy"]}


def costliest(n: int) -> list[tuple[str, float]]:
    """The ``n`` top-level imports that ``import nnfunc`` adds after numpy, by cumulative milliseconds."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import numpy, nnfunc"],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = proc.stderr.splitlines()
    start = max(i for i, line in enumerate(lines) if line.endswith("| numpy")) + 1  # after numpy's own block
    rows: list[tuple[str, float]] = []
    for line in lines[start:]:
        m = IMPORTTIME.match(line)
        if m and len(m["indent"]) <= 5:  # nnfunc (1 space) and what it imports directly (3 or 5)
            rows.append((m["name"], int(m["cum"]) / 1000))
    return sorted(rows, key=lambda r: -r[1])[:n]


def _report(label: str, got: dict[str, float]) -> float:
    ratio = got["nnfunc"] / got["numpy"]
    print(f"{label}:")
    print(f"  import numpy:                 {got['numpy'] * 1e3:7.1f} ms (over a bare interpreter)")
    print(f"  import nnfunc on top of it:   {got['nnfunc'] * 1e3:7.1f} ms")
    print(f"  nnfunc / numpy:               {ratio:7.2f}")
    return ratio


def main(argv: list[str] | None = None) -> None:
    """Print numpy's and nnfunc's import costs and their ratio, with bytecode cached (as installed: the
    target) and, where this environment compiles nnfunc's sources on every run, that way too."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21, help="fresh interpreters per contender")
    parser.add_argument("--top", type=int, default=0, help="also list the N costliest imports under nnfunc")
    parser.add_argument(
        "--bytecode-cache",
        action="store_true",
        help="only the measurement with a fresh bytecode cache for every interpreter, as after a normal install",
    )
    parser.add_argument(
        "--blas-threads", type=int, default=1, help="BLAS threads in every interpreter (0: as the environment says)"
    )
    args = parser.parse_args(argv)
    ratio = _report(
        "bytecode cached for every interpreter (as after a normal install)",
        measure(args.repeats, bytecode_cache=True, blas_threads=args.blas_threads),
    )
    met = "met" if ratio <= TARGET else "NOT met"
    print(f"  target nnfunc / numpy <= {TARGET}: {met}")
    if not args.bytecode_cache and compiles_nnfunc_every_run():
        _report(
            "as this environment runs it: PYTHONDONTWRITEBYTECODE is set and nnfunc has no cached bytecode, so\n"
            "every interpreter compiles nnfunc's sources while numpy's bytecode is installed",
            measure(args.repeats, bytecode_cache=False, blas_threads=args.blas_threads),
        )
    if args.top:
        print("\ncostliest imports under nnfunc (cumulative ms, one -X importtime run):")
        for name, ms in costliest(args.top):
            print(f"  {ms:7.1f}  {name}")


if __name__ == "__main__":
    main()
