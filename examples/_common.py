"""What every example shares: its command line, its printed figures, its progress bar.

Each example runs as ``python examples/NAME.py [--quick] [--out DIR]``, prints
its measurements as ``name: value`` lines and ends with ``matches_seed: yes|no``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

import threadpoolctl

T = TypeVar("T")

DEFAULT_OUT = Path(__file__).resolve().parent / "out"


@dataclass(frozen=True)
class Args:
    """``quick``: a few seconds' version for CI; ``out``: where the PNG files go (created)."""

    quick: bool
    out: Path


def parse_args(description: str | None) -> Args:
    """The examples' shared command line: ``--quick`` and ``--out DIR`` (default ``examples/out/``)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="a few seconds' run with fewer steps (for CI)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="directory for the PNG plots")
    ns = parser.parse_args()
    out = Path(ns.out)
    out.mkdir(parents=True, exist_ok=True)
    return Args(quick=bool(ns.quick), out=out)


def run(main: Callable[[Args], None], description: str | None) -> None:
    """Parse the command line and call ``main(args)`` with BLAS limited to one thread.

    These networks multiply small matrices, where a second BLAS thread saves
    little and, on a busy machine, costs up to thirty times the work in waiting.
    """
    args = parse_args(description)
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        main(args)


def show(name: str, value: object) -> None:
    """Print one measurement as ``name: value`` (floats with 6 significant decimals)."""
    text = f"{value:.6f}" if isinstance(value, float) else str(value)
    print(f"{name}: {text}", flush=True)


def matches_seed(value: float, tutorial: float, *, kind: Literal["accuracy", "cost"]) -> bool:
    """Print ``matches_seed: yes|no``: an accuracy within 0.01 below the tutorial's, or a cost within 0.01 above it."""
    ok = value >= tutorial - 0.01 if kind == "accuracy" else value <= tutorial + 0.01
    show("matches_seed", "yes" if ok else "no")
    return ok


def progress(batches: Iterable[T], *, quick: bool, desc: str, total: int | None = None) -> Iterator[T]:
    """``batches`` behind a tqdm bar (on stderr), unless in quick mode or stdout is not a terminal.

    ``nf.train`` folds over any iterable, so the bar is just a wrapper around the
    batches; ``total`` defaults to ``len(batches)`` when it has one (``nf.batches`` does).
    """
    from tqdm import tqdm

    disable = quick or not sys.stdout.isatty()
    return iter(tqdm(batches, desc=desc, total=total, disable=disable, leave=False))
