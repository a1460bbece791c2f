"""What ``import nnfunc`` costs on top of numpy, against numpy's own import.

Fresh interpreters, alternating: ``python -c "pass"``, ``python -c "import numpy"``
and ``python -c "import numpy, nnfunc"``; the median wall time of each over the
repeats. numpy's cost is (numpy - bare interpreter), nnfunc's is
(numpy + nnfunc - numpy); the target is nnfunc / numpy <= 0.5. Wall time, not
``-X importtime``, so that what runs at interpreter start for nnfunc (an editable
install's finder, its .pth file) is counted too. ``--top N`` also lists the N
nnfunc-triggered imports that cost most, from ``python -X importtime``.

    python -m benchmarks.importtime [--repeats 21] [--top 10]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time

CODE = {"python": "pass", "numpy": "import numpy", "nnfunc": "import numpy, nnfunc"}
TARGET = 0.5
IMPORTTIME = re.compile(r"^import time:\s+(?P<self>\d+) \|\s+(?P<cum>\d+) \|(?P<indent>\s+)(?P<name>\S+)$")


def _wall(code: str) -> float:
    """Seconds one fresh interpreter takes to run ``code`` and exit."""
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - began


def measure(repeats: int = 21) -> dict[str, float]:
    """Median seconds of ``numpy``'s import and of ``nnfunc``'s on top of it (keys ``numpy``, ``nnfunc``)."""
    if repeats < 1:
        raise ValueError(f"repeats: expected at least 1, got {repeats}")
    for code in CODE.values():  # warm the file cache
        _wall(code)
    times: dict[str, list[float]] = {k: [] for k in CODE}
    for _ in range(repeats):
        for name, code in CODE.items():
            times[name].append(_wall(code))
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


def main(argv: list[str] | None = None) -> None:
    """Print numpy's and nnfunc's import costs, their ratio and the target; optionally the costliest imports."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21, help="fresh interpreters per contender")
    parser.add_argument("--top", type=int, default=0, help="also list the N costliest imports under nnfunc")
    args = parser.parse_args(argv)
    got = measure(args.repeats)
    ratio = got["nnfunc"] / got["numpy"]
    print(f"import numpy:                 {got['numpy'] * 1e3:7.1f} ms (over a bare interpreter)")
    print(f"import nnfunc on top of it:   {got['nnfunc'] * 1e3:7.1f} ms")
    met = "met" if ratio <= TARGET else "NOT met"
    print(f"nnfunc / numpy:               {ratio:7.2f}   (target <= {TARGET}: {met})")
    if args.top:
        print("\ncostliest imports under nnfunc (cumulative ms, one -X importtime run):")
        for name, ms in costliest(args.top):
            print(f"  {ms:7.1f}  {name}")


if __name__ == "__main__":
    main()
