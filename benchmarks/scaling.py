"""Scaling: float32 SGD epoch time as the hidden width and the batch size grow, plotted to a PNG."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._timing import compare
from .large import epoch_runs
from .peers import Floats, Ints

WIDTHS = (64, 128, 256, 512, 1024, 2048)
BATCHES = (16, 32, 64, 128, 256, 512, 1024)

Sweep = list[tuple[int, dict[str, float]]]


def _sweep(
    x: Floats, y: Ints, shapes: Sequence[tuple[int, int]], *, repeats: int, warmup: int, torch: Any | None
) -> list[dict[str, float]]:
    """``{contender: epoch seconds}`` for each ``(hidden width, batch size)`` of a 784-width-10 network."""
    return [
        compare(
            epoch_runs(x, y, solver="sgd", sizes=(x.shape[1], w, 10), batch_size=b, torch=torch),
            repeats=repeats,
            warmup=warmup,
        )
        for w, b in shapes
    ]


def sweep_width(
    x: Floats, y: Ints, widths: Sequence[int], *, batch_size: int, repeats: int, warmup: int, torch: Any | None
) -> Sweep:
    """``[(width, {contender: epoch seconds})]`` at a fixed batch size."""
    times = _sweep(x, y, [(w, batch_size) for w in widths], repeats=repeats, warmup=warmup, torch=torch)
    return list(zip(widths, times, strict=True))


def sweep_batch(
    x: Floats, y: Ints, batch_sizes: Sequence[int], *, width: int, repeats: int, warmup: int, torch: Any | None
) -> Sweep:
    """``[(batch size, {contender: epoch seconds})]`` at a fixed hidden width."""
    times = _sweep(x, y, [(width, b) for b in batch_sizes], repeats=repeats, warmup=warmup, torch=torch)
    return list(zip(batch_sizes, times, strict=True))


def plot(width: Sweep, batch: Sweep, *, n: int, path: Path) -> Path:
    """Two log-log panels (epoch seconds against width, and against batch size), saved to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, sweep, label in ((axes[0], width, "hidden width (batch 128)"), (axes[1], batch, "batch size (width 256)")):
        xs = [v for v, _ in sweep]
        for name in sweep[0][1]:
            ax.plot(xs, [t[name] for _, t in sweep], marker="o", label=name, linewidth=2.5 if name == "nnfunc" else 1.2)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel(label)
        ax.set_ylabel(f"seconds per epoch ({n} samples, float32 SGD)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle("nnfunc vs peers: one epoch of a 784-h-10 relu MLP")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
