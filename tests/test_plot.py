"""nnfunc.plot: figures written as non-empty PNGs, drawn into a given Axes, matplotlib loaded lazily."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

pytest.importorskip("matplotlib")

from matplotlib.axes import Axes
from matplotlib.figure import Figure

import nnfunc as nf
from nnfunc import plot

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _is_png(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 100 and path.read_bytes()[:8] == PNG_MAGIC


def _axes() -> Axes:
    return Figure().add_subplot()


def _points(n: int = 40) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    x = nf.rng(nf.Key(0)).standard_normal((n, 2))
    return x, (x[:, 0] > 0).astype(np.intp)


def test_importing_nnfunc_and_nnfunc_plot_does_not_import_matplotlib() -> None:
    code = "import sys, nnfunc, nnfunc.plot; sys.exit('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# -- decision_boundary -------------------------------------------------------------------------


def test_decision_boundary_of_a_network_writes_a_png(tmp_path: Path) -> None:
    x, y = _points()
    params = nf.init_mlp(nf.Key(1), (2, 3, 2))
    path = tmp_path / "net.png"
    ax = plot.decision_boundary(params, x, y, path=path, title="net")
    assert _is_png(path)
    assert isinstance(ax, Axes)
    assert ax.get_title() == "net"


def test_decision_boundary_draws_into_the_given_axes_without_saving(tmp_path: Path) -> None:
    x, y = _points()
    ax = _axes()
    out = plot.decision_boundary(lambda g: (g[:, 0] > 0).astype(int), x, y, ax=ax)
    assert out is ax
    assert len(ax.collections) >= 2  # the filled regions and the scattered points
    assert list(tmp_path.iterdir()) == []


@settings(max_examples=15, deadline=None)
@given(
    resolution=st.integers(2, 30),
    margin=st.floats(0.0, 2.0),
    shift=st.floats(-5, 5),
    n_classes=st.integers(1, 4),
)
def test_decision_boundary_asks_the_classifier_about_the_padded_box(
    resolution: int, margin: float, shift: float, n_classes: int
) -> None:
    x, _ = _points(10)
    x = x + shift
    y = np.arange(10) % n_classes
    seen: list[NDArray[np.float64]] = []

    def classify(grid: NDArray[np.float64]) -> NDArray[np.intp]:
        seen.append(grid.copy())
        return (np.arange(len(grid)) % n_classes).astype(np.intp)

    before = x.copy()
    plot.decision_boundary(classify, x, y, ax=_axes(), resolution=resolution, margin=margin)
    np.testing.assert_array_equal(x, before)  # the caller's data are not touched
    assert len(seen) == 1
    grid = seen[0]
    assert grid.shape == (resolution * resolution, 2)
    np.testing.assert_allclose(grid.min(axis=0), x.min(axis=0) - margin)
    np.testing.assert_allclose(grid.max(axis=0), x.max(axis=0) + margin)


def test_decision_boundary_with_one_predicted_class_still_draws() -> None:
    x, y = _points()
    ax = plot.decision_boundary(lambda g: np.zeros(len(g), dtype=int), x, y, ax=_axes())
    assert len(ax.collections) >= 2


@pytest.mark.parametrize(
    ("x", "y", "match"),
    [
        (np.zeros((5, 3)), np.zeros(5, dtype=int), "x: expected points of shape"),
        (np.zeros(5), np.zeros(5, dtype=int), "x: expected points of shape"),
        (np.zeros((5, 2)), np.zeros(4, dtype=int), "y: expected labels of shape"),
    ],
)
def test_decision_boundary_rejects_bad_shapes(x: Any, y: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        plot.decision_boundary(lambda g: np.zeros(len(g)), x, y, ax=_axes())


def test_decision_boundary_rejects_a_tiny_resolution() -> None:
    x, y = _points()
    with pytest.raises(ValueError, match="resolution"):
        plot.decision_boundary(lambda g: np.zeros(len(g)), x, y, resolution=1)


# -- loss_curves ---------------------------------------------------------------------------------

series = st.lists(st.floats(1e-3, 1e3), min_size=1, max_size=20)


@settings(max_examples=15, deadline=None)
@given(st.dictionaries(st.sampled_from(["train", "validation", "loss", "val_loss"]), series, min_size=1))
def test_loss_curves_draws_one_line_per_name_with_its_values(curves: dict[str, list[float]]) -> None:
    ax = plot.loss_curves(curves, ax=_axes())
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == set(curves)
    for name, values in curves.items():
        np.testing.assert_array_equal(lines[name].get_ydata(), values)
        np.testing.assert_array_equal(lines[name].get_xdata(), np.arange(1, len(values) + 1))


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 10), st.floats(0, 10)), min_size=1, max_size=15))
def test_loss_curves_reads_a_fit_history_like_the_dict_of_its_columns(rows: list[tuple[float, float]]) -> None:
    history = tuple({"loss": a, "val_loss": b} for a, b in rows)
    columns = {"loss": [a for a, _ in rows], "val_loss": [b for _, b in rows]}
    from_history = plot.loss_curves(history, ax=_axes(), start=0)
    from_columns = plot.loss_curves(columns, ax=_axes(), start=0)
    for a, b in zip(from_history.get_lines(), from_columns.get_lines(), strict=True):
        assert a.get_label() == b.get_label()
        np.testing.assert_array_equal(a.get_xydata(), b.get_xydata())


def test_loss_curves_saves_a_png_with_a_log_axis(tmp_path: Path) -> None:
    path = tmp_path / "loss.png"
    ax = plot.loss_curves({"train": [1.0, 0.5, 0.25]}, path=path, log_y=True, ylabel="cost")
    assert _is_png(path)
    assert ax.get_yscale() == "log"
    assert ax.get_ylabel() == "cost"


def test_loss_curves_rejects_an_empty_history() -> None:
    with pytest.raises(ValueError, match="history"):
        plot.loss_curves({}, ax=_axes())
    not_a_history: Any = [1.0, 2.0]
    with pytest.raises(TypeError, match="history"):
        plot.loss_curves(not_a_history, ax=_axes())


# -- sweep_result, grid, save ------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=12), st.sampled_from(["max", "min"]))
def test_sweep_result_marks_the_best_point(scores: list[float], best: Literal["max", "min"]) -> None:
    values = np.logspace(-2, 2, len(scores))
    ax = plot.sweep_result(values, scores, ax=_axes(), best=best)
    line, marker = ax.get_lines()
    np.testing.assert_array_equal(line.get_ydata(), scores)
    i = int(np.argmax(scores) if best == "max" else np.argmin(scores))
    np.testing.assert_array_equal(marker.get_xydata(), [[values[i], scores[i]]])


def test_sweep_result_saves_a_png_on_a_log_axis(tmp_path: Path) -> None:
    path = tmp_path / "sweep.png"
    ax = plot.sweep_result([0.01, 0.1, 1.0], [0.9, 0.95, 0.8], path=path, log_x=True, xlabel="lambda")
    assert _is_png(path)
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "lambda"


def test_sweep_result_rejects_sequences_of_different_lengths() -> None:
    with pytest.raises(ValueError, match="values, scores"):
        plot.sweep_result([1.0, 2.0], [0.5], ax=_axes())


@pytest.mark.parametrize(("n", "ncols"), [(1, 2), (7, 2), (6, 3)])
def test_grid_gives_n_axes_on_one_figure_and_save_writes_it(tmp_path: Path, n: int, ncols: int) -> None:
    axes = plot.grid(n, ncols=ncols)
    assert len(axes) == n
    assert len({id(ax.get_figure(root=True)) for ax in axes}) == 1
    path = tmp_path / "grid.png"
    assert plot.save(axes[-1], path) is axes[-1]
    assert _is_png(path)


def test_grid_rejects_zero_axes() -> None:
    with pytest.raises(ValueError, match="n: expected"):
        plot.grid(0)


# -- one rule: wrong kind TypeError, wrong value ValueError -------------------------------------

P: Any = plot  # untyped: the calls below pass wrong types on purpose


def _bad_plot_calls() -> list[tuple[str, Any, type[Exception], str]]:
    x, y = _points()
    classify = lambda g: np.zeros(len(g))  # noqa: E731
    return [
        ("grid-n_float", lambda: P.grid(2.0), TypeError, "n"),
        ("grid-n_string", lambda: P.grid("2"), TypeError, "n"),
        ("grid-n_zero", lambda: P.grid(0), ValueError, "n"),
        ("grid-ncols_float", lambda: P.grid(2, ncols=1.5), TypeError, "ncols"),
        ("grid-ncols_zero", lambda: P.grid(2, ncols=0), ValueError, "ncols"),
        (
            "boundary-resolution_float",
            lambda: P.decision_boundary(classify, x, y, resolution=2.5),
            TypeError,
            "resolution",
        ),
        (
            "boundary-resolution_one",
            lambda: P.decision_boundary(classify, x, y, resolution=1),
            ValueError,
            "resolution",
        ),
        ("boundary-margin_string", lambda: P.decision_boundary(classify, x, y, margin="1"), TypeError, "margin"),
        ("boundary-margin_negative", lambda: P.decision_boundary(classify, x, y, margin=-1.0), ValueError, "margin"),
        (
            "boundary-x_strings",
            lambda: P.decision_boundary(classify, np.full((3, 2), "a"), [0, 1, 0]),
            TypeError,
            "x",
        ),
        ("boundary-y_floats", lambda: P.decision_boundary(classify, x, y + 0.5), TypeError, "y"),
        ("sweep-values_strings", lambda: P.sweep_result(["a", "b"], [1.0, 2.0]), TypeError, "values"),
        ("sweep-best_other", lambda: P.sweep_result([1.0, 2.0], [1.0, 2.0], best="median"), ValueError, "best"),
        ("sweep-best_number", lambda: P.sweep_result([1.0, 2.0], [1.0, 2.0], best=1), TypeError, "best"),
    ]


@pytest.mark.parametrize(("name", "call", "exc", "arg"), _bad_plot_calls(), ids=[c[0] for c in _bad_plot_calls()])
def test_plot_follows_the_one_error_rule(name: str, call: Any, exc: type[Exception], arg: str) -> None:
    with pytest.raises(exc) as info:
        call()
    assert type(info.value) is exc
    assert str(info.value).startswith(f"{arg}: expected")
