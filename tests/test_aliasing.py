"""The aliasing rule (``nnfunc._arrays``): what nnfunc stores never changes, whatever the caller writes later.

Hypothesis builds an array through a random chain of views (slices, transposes, reshapes, ``.view()``,
read-only flags set at random levels, ``np.frombuffer`` over a ``bytearray``, pandas ``to_numpy``/``np.asarray``),
keeps every handle on the way, stores the result with ``immutable`` (and through ``nf.Batch``/``nf.batches``), then
writes through every handle it kept: the stored arrays must not change.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnfunc as nf
from nnfunc._arrays import freeze_own, immutable, is_immutable, read_only

Arr = np.ndarray[Any, Any]
Handle = Callable[[], None]  # a write through one of the caller's handles


def _write_all(a: Arr, value: float) -> None:
    """Write ``value`` everywhere ``a`` lets us (read-only handles refuse, which is fine)."""
    with contextlib.suppress(ValueError):
        a[...] = value


def _view_step(draw: st.DrawFn, a: Arr) -> Arr:
    """One random view of ``a`` that keeps at least one element and 2 dimensions when possible."""
    kind = draw(st.sampled_from(["slice", "T", "view", "reshape", "step", "ro"]))
    if kind == "slice" and a.shape[0] > 1:
        start = draw(st.integers(0, a.shape[0] - 1))
        return a[start:]
    if kind == "T" and a.ndim == 2:
        return a.T
    if kind == "reshape" and a.ndim == 2 and a.flags.c_contiguous:
        return a.reshape(a.shape[1], a.shape[0])
    if kind == "step" and a.ndim == 2 and a.shape[1] > 1:
        return a[:, ::2]
    if kind == "ro":
        v = a.view()
        v.flags.writeable = False
        return v
    return a.view()


@st.composite
def _chains(draw: st.DrawFn) -> tuple[Arr, list[Any]]:
    """``(array, handles)``: an array built through random views, and every object the caller keeps."""
    rows, cols = draw(st.integers(1, 6)), draw(st.integers(1, 5))
    values = np.arange(rows * cols, dtype=np.float64).reshape(rows, cols) + 1.0
    source = draw(st.sampled_from(["array", "bytearray", "bytes", "df_asarray", "df_to_numpy", "series", "readonly"]))
    handles: list[Any] = []
    a: Arr
    if source == "array":
        a = values
    elif source == "readonly":
        a = freeze_own(values)
    elif source == "bytearray":
        buf = bytearray(values.tobytes())
        handles.append(buf)
        a = np.frombuffer(buf, dtype=np.float64).reshape(rows, cols)
    elif source == "bytes":
        a = np.frombuffer(values.tobytes(), dtype=np.float64).reshape(rows, cols)
    elif source == "series":
        series = pd.Series(values[:, 0])
        handles.append(series)
        a = np.asarray(series)[:, None] if draw(st.booleans()) else series.to_numpy()[:, None]
    else:
        df = pd.DataFrame(values)
        handles.append(df)
        a = np.asarray(df) if source == "df_asarray" else df.to_numpy()
    handles.append(a)
    for _ in range(draw(st.integers(0, 4))):
        a = _view_step(draw, a)
        handles.append(a)
    return a, handles


def _write_through(handles: list[Any]) -> None:
    for h in handles:
        if isinstance(h, bytearray):
            h[:] = bytes(len(h))
        elif isinstance(h, pd.DataFrame):
            h.iloc[0, 0] = 1e6
            h.iloc[:, :] = -7.0
        elif isinstance(h, pd.Series):
            h.iloc[0] = 1e6
        else:
            _write_all(h, -3.0)


@settings(max_examples=150, deadline=None)
@given(chain=_chains())
def test_immutable_never_changes_after_writes_through_any_handle(chain: tuple[Arr, list[Any]]) -> None:
    a, handles = chain
    before = np.array(a, copy=True)
    stored = immutable(a)
    assert not stored.flags.writeable
    assert is_immutable(stored)
    _write_through(handles)
    np.testing.assert_array_equal(stored, before)


@settings(max_examples=80, deadline=None)
@given(chain=_chains(), use_batches=st.booleans())
def test_batch_and_batches_never_change_after_writes(chain: tuple[Arr, list[Any]], use_batches: bool) -> None:
    x, handles = chain
    n = x.shape[0]
    y_values = np.arange(n) % 2
    y_handles: list[Any] = [y_values]
    y: Any = y_values
    if n > 1:  # a read-only view of writeable labels, as pandas gives
        y = y_values.view()
        y.flags.writeable = False
        y_handles.append(y)
    x_before = np.array(x, copy=True)
    if use_batches:
        got = list(nf.batches(nf.Key(0), x, y, batch_size=None))
        batch = got[0]
    else:
        batch = nf.Batch(x, y)
    _write_through(handles)
    for h in y_handles:
        _write_all(h, 5)
    np.testing.assert_array_equal(batch.x, x_before)
    np.testing.assert_array_equal(batch.y, np.arange(n) % 2)


def test_pandas_dataframe_write_after_batch_changes_nothing() -> None:
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [4.0, 5.0, 6.0]})
    labels = pd.Series([0, 1, 0])
    batch = nf.Batch(df, labels)
    data = nf.batches(nf.Key(1), df, labels, batch_size=2)
    df.iloc[0, 0] = 1e6
    labels.iloc[0] = 7
    assert batch.x[0, 0] == 1.0 and batch.y[0] == 0
    assert all(b.x.max() < 10 and b.y.max() <= 1 for b in data)


def test_immutable_shares_what_no_one_can_write() -> None:
    owned = freeze_own(np.ones((3, 2)))
    assert immutable(owned) is owned
    assert immutable(owned[1:].T) is not None and is_immutable(owned[1:].T)
    from_bytes = np.frombuffer(b"\x00" * 16)
    assert immutable(from_bytes) is from_bytes
    writeable = np.ones(3)
    ro_view = writeable.view()
    ro_view.flags.writeable = False
    assert immutable(ro_view) is not ro_view
    assert immutable(writeable) is not writeable and writeable.flags.writeable  # caller's flags untouched


def test_read_only_view_leaves_the_original_flags() -> None:
    a = np.ones(3)
    v = read_only(a)
    assert not v.flags.writeable and a.flags.writeable
    with pytest.raises(ValueError):
        v[0] = 2.0


class _Sub(np.ndarray[Any, Any]):
    pass


def test_immutable_turns_a_subclass_into_a_plain_array() -> None:
    m = np.ones((2, 2)).view(_Sub)
    m.flags.writeable = False
    assert type(immutable(m)) is np.ndarray
