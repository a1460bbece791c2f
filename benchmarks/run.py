"""Run every benchmark and print one table: ``python -m benchmarks`` (``--quick`` for a smoke run).

Each ratio compares contenders timed side by side in this process (alternating,
after a warm-up, median of the repeats). Ratios are nnfunc's time over the
peer's: below 1 means nnfunc is faster.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import _torch, importtime, large, layers, memory, scaling, sparse, tabular, tiny
from ._timing import limit_threads, machine_lines
from .peers import epoch_flops, synthetic_mnist

PEERS = ("numpy", "sklearn", "torch")
HEADER = ("workload", "case", "unit", "nnfunc", *PEERS, *(f"nnfunc/{p}" for p in PEERS))
OUT = Path(__file__).resolve().parent / "out"


@dataclass(frozen=True)
class Settings:
    """Sizes and repeats of one run of the suite."""

    tiny_steps: int
    tabular_epochs: int
    n_large: int
    n_scaling: int
    widths: tuple[int, ...]
    batch_sizes: tuple[int, ...]
    repeats: int
    warmup: int
    memory_peers: tuple[str, ...]


FULL = Settings(2000, 20, 60_000, 4096, scaling.WIDTHS, scaling.BATCHES, 3, 1, ("nnfunc", *PEERS))
QUICK = Settings(20, 1, 1024, 512, (64, 128), (16, 64), 1, 0, ("nnfunc",))


def _progress(began: float, what: str) -> None:
    print(f"[{time.perf_counter() - began:5.0f} s] {what}", file=sys.stderr, flush=True)


def _fmt(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"


def row(workload: str, case: str, unit: str, values: Mapping[str, float], scale: float = 1.0) -> list[str]:
    """A table row: nnfunc's and each peer's value (times ``scale``), then nnfunc's ratio to each peer."""
    got = {k: v * scale for k, v in values.items()}
    ours = got.get("nnfunc")
    ratios = [ours / got[p] if ours is not None and got.get(p) else None for p in PEERS]
    return [workload, case, unit, _fmt(ours), *(_fmt(got.get(p)) for p in PEERS), *(_fmt(r) for r in ratios)]


def markdown(rows: list[list[str]], header: tuple[str, ...] = HEADER) -> str:
    """``rows`` as a Markdown table with padded columns."""
    table = [list(header), *rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in table]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _check(name: str, value: float | None, limit: float, *, at_least: bool = False) -> list[str]:
    if value is None:
        return [name, "-", f"{'>=' if at_least else '<='} {limit:g}", "n/a"]
    ok = value >= limit if at_least else value <= limit
    return [name, f"{value:.3g}", f"{'>=' if at_least else '<='} {limit:g}", "yes" if ok else "NO"]


def _ratio(a: Mapping[str, float], ka: str, b: Mapping[str, float], kb: str) -> float | None:
    return a[ka] / b[kb] if ka in a and kb in b else None


def main(argv: list[str] | None = None) -> None:
    """Run the suite and print the machine, the table, and the issue's targets against the measurements."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one repeat: a smoke run in seconds")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the scaling plot")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even when installed")
    parser.add_argument("--threads", type=int, default=None, help="BLAS/OpenMP/torch threads for every contender")
    args = parser.parse_args(argv)
    s = QUICK if args.quick else FULL
    torch: Any | None = None if args.no_torch else _torch.load_torch()
    if args.threads is not None:
        limit_threads(args.threads, torch)
    began = time.perf_counter()
    print("# nnfunc benchmarks" + (" (--quick: smoke sizes, numbers meaningless)" if args.quick else ""))
    for line in machine_lines(torch):
        print(f"# {line}")
    print()

    rows: list[list[str]] = []
    _progress(began, "tiny")
    t = tiny.measure(steps=s.tiny_steps, repeats=s.repeats * 2 + 1, warmup=s.warmup, torch=torch)
    rows.append(row("tiny", "2-3-2 tanh, 200 moons, full-batch step", "us/step", t, 1e6))
    general = tabular.measure_general_path(steps=s.tiny_steps, repeats=s.repeats * 2 + 1, warmup=s.warmup)
    case = f"optimizer_step(nf.sgd); nf.sgd_step {general['special'] * 1e6:.3g}"
    rows.append(row("tiny", case, "us/step", {"nnfunc": general["general"]}, 1e6))

    _progress(began, "tabular")
    tab = tabular.measure(epochs=s.tabular_epochs, repeats=s.repeats * 2 + 1, warmup=s.warmup, torch=torch)
    rows.append(row("tabular", "569x30-64-2 relu, adam, batch 32, 1 thread", "us/step", tab, 1e6))

    _progress(began, "large")
    x, y = synthetic_mnist(s.n_large)
    cases = large.measure(x, y, repeats=s.repeats, warmup=s.warmup, torch=torch)
    flops = epoch_flops(large.SIZES, s.n_large)
    by = {(c.dtype, c.solver): c.seconds for c in cases}
    for c in cases:
        rows.append(row("large", f"784-256-10 relu, {c.dtype} {c.solver}, batch {large.BATCH}", "s/epoch", c.seconds))
    for c in cases:
        if "matmul" in c.seconds:
            gf = {k: flops / v / 1e9 for k, v in c.seconds.items() if k != "matmul"}
            rows.append(
                row(
                    "large",
                    f"{c.dtype} sgd matmul GFLOP/s (ceiling {flops / c.seconds['matmul'] / 1e9:.3g})",
                    "GFLOP/s",
                    gf,
                )
            )

    _progress(began, "scaling")
    xs, ys = x[: s.n_scaling], y[: s.n_scaling]
    widths = scaling.sweep_width(
        xs, ys, s.widths, batch_size=large.BATCH, repeats=s.repeats, warmup=s.warmup, torch=torch
    )
    batch = scaling.sweep_batch(xs, ys, s.batch_sizes, width=256, repeats=s.repeats, warmup=s.warmup, torch=torch)
    del x, y, xs, ys
    for w, times in widths:
        rows.append(row("scaling", f"width {w}, batch {large.BATCH}, f32 sgd, n={s.n_scaling}", "s/epoch", times))
    for b, times in batch:
        rows.append(row("scaling", f"batch {b}, width 256, f32 sgd, n={s.n_scaling}", "s/epoch", times))
    png = scaling.plot(widths, batch, n=s.n_scaling, path=args.out / "scaling.png")

    _progress(began, "memory")
    mem: dict[str, dict[str, int]] = {}
    for who in s.memory_peers:
        if who == "torch" and torch is None:
            continue
        got = memory.measure(who, s.n_large)
        if got is not None:
            mem[who] = got
    ro = memory.measure("nnfunc", s.n_large, read_only=True)
    runs_mem: list[tuple[str, dict[str, dict[str, int]]]] = [
        (", data writeable (nf.batches copies it)", mem),
        (", data read-only (shared)", {"nnfunc": ro} if ro else {}),
    ]
    for label, measured in runs_mem:
        if measured:
            mb = {k: (v["peak"] - v["base"]) / 2**20 for k, v in measured.items()}
            rows.append(row("memory", f"peak RSS, one f32 sgd epoch, n={s.n_large}{label}", "MB", mb))

    _progress(began, "import time")
    imp = importtime.measure(repeats=3 if args.quick else 21, bytecode_cache=True)
    rows.append(row("import", "import nnfunc on top of numpy, vs numpy's own import (bytecode cached)", "ms", imp, 1e3))
    imp_compiling = importtime.measure(repeats=3 if args.quick else 21)
    rows.append(
        row("import", "the same, sources compiled every run (PYTHONDONTWRITEBYTECODE)", "ms", imp_compiling, 1e3)
    )

    _progress(began, "layers")
    lt = layers.measure_tiny(steps=s.tiny_steps, repeats=s.repeats * 2 + 1, warmup=s.warmup)
    lx, ly = synthetic_mnist(s.n_large)
    lb = layers.measure_large(lx, ly, repeats=s.repeats, warmup=s.warmup)
    del lx, ly

    _progress(began, "sparse")
    sr = sparse.measure(quick=args.quick, repeats=s.repeats, warmup=s.warmup)
    rows.extend(row("sparse", case, unit, values) for case, unit, values in sparse.rows(sr))

    print(markdown(rows))
    print()
    print(markdown(layers.rows(lt, lb), layers.HEADER))
    print()

    f32s, f64s = by.get(("float32", "sgd"), {}), by.get(("float64", "sgd"), {})
    f32a = by.get(("float32", "adam"), {})
    targets: list[list[str]] = [
        _check("tiny: nnfunc / hand loop", _ratio(t, "nnfunc", t, "numpy"), 1.0),
        _check("tiny: nnfunc / torch", _ratio(t, "nnfunc", t, "torch"), 0.25),
        _check("large f32 sgd: nnfunc / sklearn", _ratio(f32s, "nnfunc", f32s, "sklearn"), 0.5),
        _check("large f32 sgd: nnfunc / torch", _ratio(f32s, "nnfunc", f32s, "torch"), 0.65),
        _check("large f32 sgd: fraction of matmul ceiling", _ratio(f32s, "matmul", f32s, "nnfunc"), 0.8, at_least=True),
        _check("tiny: optimizer_step(sgd) / sgd_step", _ratio(general, "general", general, "special"), 1.15),
        _check("tabular adam: nnfunc / sklearn", _ratio(tab, "nnfunc", tab, "sklearn"), 0.6),
        _check("tabular adam: nnfunc / hand loop", _ratio(tab, "nnfunc", tab, "numpy"), 1.3),
        _check("large f32: adam / sgd epoch", _ratio(f32a, "nnfunc", f32s, "nnfunc"), 1.6),
        _check("large f32 adam: nnfunc / torch", _ratio(f32a, "nnfunc", f32a, "torch"), 0.85),
        _check("large sgd: f64 / f32 epoch", _ratio(f64s, "nnfunc", f32s, "nnfunc"), 1.8, at_least=True),
        _check(
            "import: nnfunc / numpy import time (bytecode cached)",
            _ratio(imp, "nnfunc", imp, "numpy"),
            importtime.TARGET,
        ),
        *(_check(name, value, goal) for name, value, goal in layers.targets(lt, lb)),
        *(_check(name, value, goal) for name, value, goal in sparse.targets(sr)),
    ]
    for label, m in ((", data writeable", mem.get("nnfunc")), (", data read-only", ro)):
        if m is None:
            continue
        budget = m["data"] + 4 * m["params"] + 3 * m["acts"]
        targets.append(
            _check(f"memory{label}: epoch peak / (data + 4 params + 3 acts)", (m["peak"] - m["base"]) / budget, 1.0)
        )
    if args.quick:  # smoke sizes say nothing about the targets: show the values, judge none
        targets = [[name, value, goal, "n/a (--quick)"] for name, value, goal, _ in targets]
    print(markdown(targets, ("target", "measured", "goal", "met")))
    print()
    print(f"# scaling plot: {png}")
    print(f"# total time: {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
