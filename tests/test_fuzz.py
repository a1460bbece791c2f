"""Malformed arrays thrown at the public functions: a correct finite result or a ValueError/TypeError.

An oracle says, independently of nnfunc's own checks, whether each input is valid;
valid input must give a finite result equal to a plain recomputation, invalid input
a ``ValueError`` or ``TypeError``. Nothing else: no other exception, no NumPy
warning (all floating-point errors but underflow are raised), no NaN or inf.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import nnfunc as nf
from nnfunc.testing import strategies as nst

F32_MAX = float(np.finfo(np.float32).max)
DTYPES = ["float64", "float32", "float16", "int64", "int8", "uint8", "bool", "complex128", "object", "str"]


@contextmanager
def strict() -> Iterator[None]:
    with np.errstate(over="raise", invalid="raise", divide="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@st.composite
def arrays(draw: st.DrawFn, good_shape: tuple[int, ...], *, values: str = "normal", high: int = 2) -> Any:
    """Usually ``good_shape``, sometimes another; any dtype; NaN/inf at random positions; sometimes a list."""
    other = tuple(draw(st.lists(st.integers(0, 5), min_size=0, max_size=3)))
    shape = good_shape if draw(st.integers(0, 3)) else other
    gen = nf.rng(draw(nst.keys()))
    if values == "labels":
        raw = gen.integers(-1 if draw(st.booleans()) else 0, high + (1 if draw(st.booleans()) else 0), shape)
        a = np.array(raw, dtype=np.float64)
    else:
        scale = draw(st.sampled_from([1.0, 1.0, 1e3, 1e6, 1e6, 1e300]))
        a = np.array(gen.standard_normal(shape), dtype=np.float64) * scale
    a = np.array(a, dtype=np.float64, ndmin=0)  # an array even for shape (): arithmetic gives scalars
    if a.size and not draw(st.integers(0, 3)):
        for _ in range(draw(st.integers(1, 3))):
            a.flat[draw(st.integers(0, a.size - 1))] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    likely = ["int64", "int8", "uint8", "bool"] if values == "labels" else DTYPES[:3]
    dtype = draw(st.sampled_from(likely * 3 + DTYPES))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dtype == "str":
            out: Any = a.astype(str)
        elif dtype == "object":
            out = a.astype(object)
        elif dtype in ("int64", "int8", "uint8", "bool"):
            out = np.nan_to_num(a, posinf=0, neginf=0).clip(-100, 100).astype(dtype)
        else:
            out = a.astype(dtype)
    return out.tolist() if draw(st.integers(0, 5)) == 0 else out


def _real(a: Any) -> np.ndarray[Any, Any] | None:
    """The array, if it is a real numeric one (else ``None``: a TypeError is due)."""
    try:
        arr = np.asarray(a)
    except ValueError:
        return None
    return arr if arr.dtype.kind in "biuf" else None


def x_valid(x: Any, n_in: int, dtype: np.dtype[Any]) -> bool:
    a = _real(x)
    if a is None or a.ndim != 2 or a.shape[0] < 1 or a.shape[1] != n_in:
        return False
    with np.errstate(all="ignore"):
        f = a.astype(np.float64)
    return bool(np.isfinite(f).all() and (dtype == np.float64 or np.abs(f).max() <= F32_MAX))


def y_valid(y: Any, n: int, n_out: int, kind: str, dtype: np.dtype[Any]) -> bool:
    """Labels valid for softmax cross-entropy (``"classes"``) or sigmoid binary cross-entropy (``"binary"``)."""
    a = _real(y)
    if a is None or a.ndim not in (1, 2) or a.shape[0] != n:
        return False
    with np.errstate(all="ignore"):
        f = a.astype(np.float64)
    if not np.isfinite(f).all() or f.min() < 0 or (dtype == np.float32 and f.max() > F32_MAX):
        return False
    index = a.ndim == 1 and a.dtype.kind in "biu"
    if a.ndim == 2:
        return a.shape[1] == n_out and (kind == "classes" or bool(f.max() <= 1))
    if kind == "classes":
        return index and n_out >= 2 and bool(f.max() < n_out)
    if n_out == 1:
        return bool(f.max() <= 1)
    return index and bool(f.max() < n_out)


def batch_valid(x: Any, y: Any) -> bool:
    """What ``nf.Batch`` alone must accept: it knows no network and no cost."""
    a, b = _real(x), _real(y)
    if a is None or b is None or a.ndim != 2 or 0 in a.shape or b.ndim not in (1, 2) or b.shape[0] != a.shape[0]:
        return False
    with np.errstate(all="ignore"):
        fa, fb = a.astype(np.float64), b.astype(np.float64)
    if (b.ndim == 2 and b.shape[1] == 0) or not (np.isfinite(fa).all() and np.isfinite(fb).all()):
        return False
    if b.ndim == 1 and b.dtype.kind in "biu":
        return bool(fb.min() >= 0)
    return a.dtype != np.float32 or bool(np.abs(fb).max() <= F32_MAX)  # targets take x's dtype


def scalar_valid(v: Any) -> bool:
    ok = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
    return ok and math.isfinite(float(v)) and float(v) >= 0


_GOOD: list[object] = [0.0, 0.05, 1, np.float32(0.01), np.int64(0)]
SCALARS: st.SearchStrategy[Any] = st.sampled_from([*_GOOD, *_GOOD, -0.1, math.nan, math.inf, "0.1", None, True])


def _reference_forward(params: nf.MLP, x: Any) -> np.ndarray[Any, Any]:
    a = np.asarray(x).astype(np.float64).astype(params.dtype)
    for layer in params.layers:
        a = layer.activation(a @ layer.w + layer.b)
    return a


def _expect(valid: bool, call: Any) -> Any:
    """``call()`` when the input is valid; a ValueError/TypeError when not."""
    if valid:
        with strict():
            return call()
    with strict(), pytest.raises((ValueError, TypeError)):
        call()
    return None


def _finite(*trees: Any) -> None:
    for tree in trees:
        for leaf in nf.tree_leaves(tree):
            assert np.isfinite(leaf).all()


@settings(max_examples=300, deadline=None)
@given(data=st.data(), kind=st.sampled_from(["classes", "binary"]))
def test_malformed_inputs_give_a_right_answer_or_a_clear_error(data: st.DataObject, kind: str) -> None:
    n_out = data.draw(st.integers(2 if kind == "classes" else 1, 3))
    params = data.draw(nst.networks(nst.layer_sizes(max_hidden=2, max_width=4, n_out=n_out)))
    n_in = params.sizes[0]
    n = data.draw(st.integers(1, 5))
    cost = nf.softmax_cross_entropy if kind == "classes" else nf.sigmoid_binary_cross_entropy
    x = data.draw(arrays((n, n_in)), label="x")
    y_shape = data.draw(st.sampled_from([(n,), (n, n_out)]))
    y = data.draw(arrays(y_shape, values="labels" if data.draw(st.integers(0, 3)) else "normal", high=n_out), label="y")
    l2, lr = data.draw(SCALARS, label="l2"), data.draw(SCALARS, label="lr")

    xv = x_valid(x, n_in, params.dtype)
    out = _expect(xv, lambda: nf.forward(params, x))
    if out is not None:
        _finite(out)
        np.testing.assert_allclose(out, _reference_forward(params, x), rtol=1e-5, atol=1e-6)

    batch_ok = batch_valid(x, y)
    event(f"x valid for the network: {xv}, batch valid: {batch_ok}")
    batch = _expect(batch_ok, lambda: nf.Batch(x, y))
    it = _expect(batch_ok, lambda: nf.batches(nf.Key(0), x, y, batch_size=2, shuffle=False))
    if it is not None:
        np.testing.assert_array_equal(np.concatenate([b.x for b in it]), batch.x)
    if batch is None:
        return
    squashed = params.layers[-1].activation.name in ("softmax", "sigmoid")  # refused with a logits cost
    valid = xv and y_valid(y, n, n_out, kind, params.dtype) and scalar_valid(l2) and not squashed
    event(f"loss valid: {valid}")
    value = _expect(valid, lambda: nf.loss(params, batch, cost=cost, l2=l2))
    g = _expect(valid, lambda: nf.grad(params, batch, cost=cost, l2=l2))
    stepped = _expect(valid and scalar_valid(lr), lambda: nf.sgd_step(params, batch, lr=lr, cost=cost, l2=l2))
    if value is not None:
        _finite(value, g)
        with strict():
            expected = cost(nf.forward(params, batch.x), batch.y)
            expected += float(l2) / 2 * sum(float(np.vdot(la.w, la.w)) for la in params.layers)
        np.testing.assert_allclose(float(value), float(expected), rtol=1e-4)
    if stepped is not None:
        _finite(stepped)
