"""Fast reductions for the hot path.

NumPy's ``ufunc.reduce`` over a short axis pays a per-row overhead: a row max of
a (1000, 2) array costs 15x a column loop, and a row sum 6x a product with a
vector of ones (``benchmarks/`` shows the nets where it matters). Results equal
the plain reductions up to summation order. Products use ``ndarray.dot``, not ``@``:
on small arrays ``@``'s dispatch costs half as much again (2.6 vs 1.7 us for a
200x2 by 2x3 product on the benchmark machine).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ._typing import Array

_COLUMN_LOOP_MAX = 8  # up to this many columns a Python loop of np.maximum beats maximum.reduce


@functools.lru_cache(maxsize=64)
def _ones(n: int, dtype: np.dtype[Any]) -> Array:
    """A read-only vector of ``n`` ones (memoised: the same few sizes recur every step)."""
    ones = np.ones(n, dtype=dtype)
    ones.flags.writeable = False
    return ones


def row_sum(a: Array) -> Array:
    """``a.sum(axis=1, keepdims=True)`` for a 2-D ``a``, as a matrix-vector product."""
    result: Array = a.dot(_ones(a.shape[1], a.dtype))[:, None]
    return result


def col_sum(a: Array, out: Array | None = None) -> Array:
    """``a.sum(axis=0)`` for a 2-D ``a``, as a vector-matrix product (written into ``out`` if given)."""
    result: Array = np.dot(_ones(a.shape[0], a.dtype), a, out=out)
    return result


def row_max(a: Array) -> Array:
    """``a.max(axis=1, keepdims=True)`` for a 2-D ``a``."""
    if a.shape[1] > _COLUMN_LOOP_MAX:
        result: Array = np.maximum.reduce(a, axis=1, keepdims=True)
        return result
    if a.shape[1] == 1:
        return a.copy()
    m: Array = np.maximum(a[:, :1], a[:, 1:2])
    for j in range(2, a.shape[1]):
        np.maximum(m, a[:, j : j + 1], out=m)
    return m
