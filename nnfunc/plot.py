"""Plots for the examples: decision boundaries, loss curves, sweep results (optional, needs matplotlib).

matplotlib comes with the ``examples`` extra (``pip install 'nnfunc[examples]'``)
and is imported inside each function, so ``import nnfunc`` never needs it. The
figures are plain ``matplotlib.figure.Figure`` objects, not pyplot ones: nothing
here opens a window or depends on the backend, so it works headless (Agg).

Every function draws into ``ax`` when given one (and returns it), otherwise into
a new figure; with ``path`` it also saves that axes' figure as an image there.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from os import PathLike
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._checks import check_count, check_scalar
from ._predict import predict
from .layers.base import Layer

if TYPE_CHECKING:
    from matplotlib.axes import Axes

Predictor = Callable[[NDArray[np.float64]], ArrayLike]
"""Maps points ``(m, 2)`` to class labels ``(m,)`` (e.g. ``clf.predict``)."""

History = Mapping[str, Sequence[float]] | Sequence[Mapping[str, float]]
"""Named loss sequences, or a training history: one ``{name: value}`` dict per epoch."""


def _axes(ax: Axes | None, figsize: tuple[float, float] = (5.0, 4.0)) -> Axes:
    """``ax``, or the axes of a new, pyplot-free figure."""
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained").add_subplot()


def grid(n: int, *, ncols: int = 2, size: tuple[float, float] = (4.0, 3.5)) -> list[Axes]:
    """``n`` axes on one new figure, ``ncols`` per row, each ``size`` inches (width, height); for small multiples."""
    n, ncols = check_count("n", n), check_count("ncols", ncols)
    from matplotlib.figure import Figure

    cols = min(n, ncols)
    rows = -(-n // cols)
    figure = Figure(figsize=(size[0] * cols, size[1] * rows), layout="constrained")
    axes = [figure.add_subplot(rows, cols, i + 1) for i in range(n)]
    return axes


def save(ax: Axes, path: str | PathLike[str]) -> Axes:
    """Save the whole figure that ``ax`` belongs to as an image at ``path`` (format from the suffix)."""
    figure = ax.get_figure(root=True)
    if figure is None:
        raise ValueError("ax: expected axes that belong to a figure")
    figure.savefig(path, dpi=100)
    return ax


def _numbers(name: str, values: object) -> NDArray[np.float64]:
    """``values`` as a float64 array; a ``TypeError`` naming ``name`` for non-numbers (strings, objects)."""
    a = np.asarray(values)
    if a.dtype.kind not in "fiub":
        raise TypeError(f"{name}: expected real numbers, got dtype {a.dtype}")
    return a.astype(np.float64)


def _finish(ax: Axes, path: str | PathLike[str] | None, title: str | None) -> Axes:
    if title is not None:
        ax.set_title(title)
    return ax if path is None else save(ax, path)


def decision_boundary(
    model: Layer | Predictor,
    x: ArrayLike,
    y: ArrayLike,
    *,
    ax: Axes | None = None,
    path: str | PathLike[str] | None = None,
    title: str | None = None,
    resolution: int = 200,
    margin: float = 0.5,
) -> Axes:
    """Filled class regions of a 2-D classifier over the data's bounding box, with the data on top.

    ``model`` is a network (classified with ``nf.predict``) or any function
    from points ``(m, 2)`` to labels ``(m,)``; ``x`` is ``(n, 2)``, ``y`` the
    ``(n,)`` integer labels. The grid has ``resolution`` points per side and
    extends ``margin`` (data units) beyond the data.
    """
    points = _numbers("x", x)
    labels = np.asarray(y)
    if labels.dtype.kind not in "iub":
        raise TypeError(f"y: expected integer class labels, got dtype {labels.dtype}")
    resolution = check_count("resolution", resolution, low=2)
    margin = check_scalar("margin", margin)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"x: expected points of shape (n, 2), got {points.shape}")
    if labels.shape != (points.shape[0],):
        raise ValueError(f"y: expected labels of shape ({points.shape[0]},), got {labels.shape}")
    classify: Predictor = functools.partial(predict, model) if isinstance(model, Layer) else model
    lo, hi = points.min(axis=0) - margin, points.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    regions = np.asarray(classify(grid)).reshape(gx.shape)
    top = max(int(labels.max(initial=0)), int(np.max(regions, initial=0)), 1)
    from matplotlib.colors import Normalize

    norm = Normalize(0, top)  # class k gets one colour in the regions and on the points
    ax = _axes(ax)
    ax.contourf(gx, gy, regions, levels=np.arange(top + 2) - 0.5, cmap="Spectral", norm=norm, alpha=0.8)
    ax.scatter(points[:, 0], points[:, 1], c=labels, cmap="Spectral", norm=norm, s=20, edgecolors="k", linewidths=0.4)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    return _finish(ax, path, title)


def _as_series(history: History) -> dict[str, list[float]]:
    """``{name: [value per epoch]}`` from either form of :data:`History`."""
    if isinstance(history, Mapping):
        return {str(name): [float(v) for v in values] for name, values in history.items()}
    series: dict[str, list[float]] = {}
    for epoch, row in enumerate(history):
        if not isinstance(row, Mapping):
            raise TypeError(f"history: expected a dict per epoch, got {type(row).__name__} at epoch {epoch}")
        for name, value in row.items():
            series.setdefault(str(name), []).append(float(value))
    return series


def loss_curves(
    history: History,
    *,
    ax: Axes | None = None,
    path: str | PathLike[str] | None = None,
    title: str | None = None,
    xlabel: str = "epoch",
    ylabel: str = "loss",
    log_y: bool = False,
    start: int = 1,
) -> Axes:
    """One line per named sequence: ``{"train": [...], "validation": [...]}`` or ``Fit.history``.

    ``history`` is a mapping from a name to values per step/epoch, or a sequence
    of per-epoch dicts (``nf.fit(...).history``), whose every key becomes a line.
    The first value is drawn at x = ``start``: 1 for values measured after each
    epoch, 0 for values measured before each step (e.g. a cost per iteration).
    """
    series = _as_series(history)
    if not series:
        raise ValueError("history: expected at least one named sequence, got none")
    ax = _axes(ax)
    for name, values in series.items():
        ax.plot(np.arange(start, start + len(values)), values, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if log_y:
        ax.set_yscale("log")
    ax.legend()
    return _finish(ax, path, title)


def sweep_result(
    values: Sequence[float] | NDArray[Any],
    scores: Sequence[float] | NDArray[Any],
    *,
    ax: Axes | None = None,
    path: str | PathLike[str] | None = None,
    title: str | None = None,
    xlabel: str = "value",
    ylabel: str = "score",
    log_x: bool = False,
    best: Literal["max", "min"] | None = "max",
) -> Axes:
    """``scores`` against the swept ``values`` (same length), the best point marked (``best``: max or min)."""
    v, s = _numbers("values", values), _numbers("scores", scores)
    if best is not None and not isinstance(best, str):
        raise TypeError(f"best: expected 'max', 'min' or None, got {type(best).__name__}")
    if best not in ("max", "min", None):
        raise ValueError(f"best: expected 'max', 'min' or None, got {best!r}")
    if v.ndim != 1 or v.shape != s.shape or v.size == 0:
        raise ValueError(f"values, scores: expected non-empty 1-D sequences of one length, got {v.shape}, {s.shape}")
    ax = _axes(ax)
    ax.plot(v, s, marker="o")
    if best is not None:
        i = int(np.argmax(s) if best == "max" else np.argmin(s))
        ax.plot([v[i]], [s[i]], marker="*", markersize=14, color="tab:red", linestyle="none", label=f"best {v[i]:.4g}")
        ax.legend()
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return _finish(ax, path, title)
