"""``Batch``: one validated, read-only pair of inputs and labels.

Everything that costs O(data) to check (shapes, dtypes, NaN/inf, label range) is
checked once, when a ``Batch`` is made; a step over the same batch only compares
a few integers (``costs.check_labels``, called by ``backprop``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from ._typing import Array, Labels
from .tree import static_field


def _read_only(a: NDArray[Any]) -> NDArray[Any]:
    """A read-only view of ``a`` (never changes the flags of the caller's array)."""
    if not a.flags.writeable:
        return a
    view = a.view()
    view.flags.writeable = False
    return view


def _freeze_own(a: NDArray[Any]) -> NDArray[Any]:
    """Mark an array this package just made (no one else holds it) read-only, in place."""
    a.flags.writeable = False
    return a


def _immutable(a: NDArray[Any]) -> NDArray[Any]:
    """``a`` if already read-only, else a read-only copy, so no caller's handle can change it later."""
    return a if not a.flags.writeable else _freeze_own(a.copy())


def _all_finite(a: NDArray[Any]) -> bool:
    # One reduction first: a NaN or inf anywhere makes the sum non-finite. Only
    # when the sum overflows do we pay for the element-wise check.
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.sum(a)):
            return True
    return bool(np.isfinite(a).all())


def _as_array(value: object, name: str) -> NDArray[Any]:
    """``np.asarray(value)``, or a ``ValueError`` naming ``name`` for ragged nested lists."""
    try:
        return np.asarray(value)
    except ValueError as e:
        raise ValueError(f"{name}: expected a rectangular array, got {type(value).__name__} that is not ({e})") from e


def fits(a: NDArray[Any], dtype: DTypeLike) -> bool:
    """Whether the finite array ``a`` survives a cast to the float ``dtype`` without overflow."""
    to = np.dtype(dtype)
    if a.dtype.kind != "f" or a.dtype.itemsize <= to.itemsize or not a.size:
        return True
    limit = float(np.finfo(to).max)
    return bool(-limit <= a.min() and a.max() <= limit)


def fits_float32(a: NDArray[Any]) -> bool:
    """Whether the finite array ``a`` survives a cast to float32 (no value beyond +-3.4e38)."""
    return fits(a, np.float32)


def as_features(x: object, name: str = "x") -> Array:
    """``x`` as a 2-D float32/float64 array ``(n_samples, n_features)``, checked finite."""
    a = _as_array(x, name)
    if a.dtype.kind == "c" or a.dtype.kind not in "fiub":
        raise TypeError(f"{name}: expected a real numeric array, got dtype {a.dtype}")
    if a.dtype not in (np.float32, np.float64):
        if not (_all_finite(a) and fits(a, np.float64)):
            raise ValueError(f"{name}: contains NaN or infinite values, or values beyond the float64 range")
        a = a.astype(np.float64)
    if a.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array of shape (n_samples, n_features), got shape {a.shape}")
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"{name}: expected at least one sample and one feature, got shape {a.shape}")
    if not _all_finite(a):
        raise ValueError(f"{name}: contains NaN or infinite values")
    return a


def _as_labels(y: object, n: int, dtype: DTypeLike) -> Labels:
    a = _as_array(y, "y")
    if a.dtype.kind == "c" or a.dtype.kind not in "fiub":
        raise TypeError(f"y: expected integer class labels or real targets, got dtype {a.dtype}")
    if a.ndim not in (1, 2):
        raise ValueError(f"y: expected labels of shape (n,) or targets of shape (n, k), got shape {a.shape}")
    if a.shape[0] != n:
        raise ValueError(f"y: expected {n} rows to match x (n={n}), got shape {a.shape}")
    if a.ndim == 2 and a.shape[1] == 0:
        raise ValueError(f"y: expected targets of shape (n, k) with k >= 1, got shape {a.shape}")
    if a.ndim == 1 and a.dtype.kind in "biu":  # class labels; 2-D integers or booleans are targets
        return a.astype(np.intp, copy=False)
    if not _all_finite(a):
        raise ValueError("y: contains NaN or infinite values")
    if not fits(a, dtype):
        raise ValueError(f"y: has values beyond the range of x's dtype {np.dtype(dtype)}")
    return a.astype(dtype, copy=False)  # real targets follow x's float dtype


@dataclass(frozen=True, eq=False, slots=True)
class Batch:
    """Inputs ``x`` ``(n, n_features)`` and labels ``y``: integer classes ``(n,)`` or targets ``(n,)``/``(n, k)``.

    Made once per batch: ``x`` becomes float32/float64 (integers become float64),
    targets take ``x``'s float dtype, everything is checked and stored read-only.
    """

    x: Array
    y: Labels
    y_range: tuple[float, float] = static_field(init=False, repr=False)
    fits_float32: bool = static_field(init=False, repr=False)
    """Whether ``x`` and ``y`` can be cast to float32 without overflow (for float32 networks)."""

    def __post_init__(self) -> None:
        x = as_features(self.x)
        y = _as_labels(self.y, x.shape[0], x.dtype)
        lo, hi = float(y.min()), float(y.max())
        if y.dtype.kind in "iu" and lo < 0:
            raise ValueError(f"y: class labels must be >= 0, got {int(lo)}")
        limit = float(np.finfo(np.float32).max)
        object.__setattr__(self, "x", _immutable(x))
        object.__setattr__(self, "y", _immutable(y))
        object.__setattr__(self, "y_range", (lo, hi))
        object.__setattr__(self, "fits_float32", fits_float32(x) and -limit <= lo and hi <= limit)

    @classmethod
    def _trusted(cls, x: Array, y: Labels, parent: Batch) -> Batch:
        """A batch cut from the checked batch ``parent``, whose value ranges still bound it."""
        batch = object.__new__(cls)
        object.__setattr__(batch, "x", _read_only(x))
        object.__setattr__(batch, "y", _read_only(y))
        object.__setattr__(batch, "y_range", parent.y_range)
        object.__setattr__(batch, "fits_float32", parent.fits_float32)
        return batch

    def __len__(self) -> int:
        return int(self.x.shape[0])
