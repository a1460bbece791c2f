"""``Batch``: one validated, read-only pair of inputs and labels.

Everything that costs O(data) to check (shapes, dtypes, NaN/inf, label range) is
checked once, when a ``Batch`` is made; a step over the same batch only compares
a few integers (:func:`check_compatible`).
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


def _all_finite(a: NDArray[Any]) -> bool:
    # One reduction first: a NaN or inf anywhere makes the sum non-finite. Only
    # when the sum overflows do we pay for the element-wise check.
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.sum(a)):
            return True
    return bool(np.isfinite(a).all())


def as_features(x: object, name: str = "x") -> Array:
    """``x`` as a 2-D float32/float64 array ``(n_samples, n_features)``, checked finite."""
    a = np.asarray(x)
    if a.dtype.kind == "c" or a.dtype.kind not in "fiub":
        raise TypeError(f"{name}: expected a real numeric array, got dtype {a.dtype}")
    if a.dtype not in (np.float32, np.float64):
        a = a.astype(np.float64)
    if a.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array of shape (n_samples, n_features), got shape {a.shape}")
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"{name}: expected at least one sample and one feature, got shape {a.shape}")
    if not _all_finite(a):
        raise ValueError(f"{name}: contains NaN or infinite values")
    return a


def _as_labels(y: object, n: int, dtype: DTypeLike) -> Labels:
    a = np.asarray(y)
    if a.dtype.kind == "c" or a.dtype.kind not in "fiub":
        raise TypeError(f"y: expected integer class labels or real targets, got dtype {a.dtype}")
    if a.ndim not in (1, 2):
        raise ValueError(f"y: expected labels of shape (n,) or targets of shape (n, k), got shape {a.shape}")
    if a.shape[0] != n:
        raise ValueError(f"y: expected {n} rows to match x (n={n}), got shape {a.shape}")
    if a.ndim == 2 and a.shape[1] == 0:
        raise ValueError(f"y: expected targets of shape (n, k) with k >= 1, got shape {a.shape}")
    if a.dtype.kind == "b" or (a.dtype.kind in "iu" and a.ndim == 1):
        return a.astype(np.intp, copy=False)
    a = a.astype(dtype, copy=False)  # real targets follow x's float dtype
    if not _all_finite(a):
        raise ValueError("y: contains NaN or infinite values")
    return a


@dataclass(frozen=True, eq=False, slots=True)
class Batch:
    """Inputs ``x`` ``(n, n_features)`` and labels ``y``: integer classes ``(n,)`` or targets ``(n,)``/``(n, k)``.

    Made once per batch: ``x`` becomes float32/float64 (integers become float64),
    targets take ``x``'s float dtype, everything is checked and stored read-only.
    """

    x: Array
    y: Labels
    y_range: tuple[float, float] = static_field(init=False, repr=False)

    def __post_init__(self) -> None:
        x = as_features(self.x)
        y = _as_labels(self.y, x.shape[0], x.dtype)
        lo, hi = float(y.min()), float(y.max())
        if y.dtype.kind in "iu" and lo < 0:
            raise ValueError(f"y: class labels must be >= 0, got {int(lo)}")
        object.__setattr__(self, "x", _read_only(x))
        object.__setattr__(self, "y", _read_only(y))
        object.__setattr__(self, "y_range", (lo, hi))

    @classmethod
    def _trusted(cls, x: Array, y: Labels, y_range: tuple[float, float]) -> Batch:
        """A batch cut from a checked one; ``y_range`` of the parent still bounds it."""
        batch = object.__new__(cls)
        object.__setattr__(batch, "x", _read_only(x))
        object.__setattr__(batch, "y", _read_only(y))
        object.__setattr__(batch, "y_range", y_range)
        return batch

    def __len__(self) -> int:
        return int(self.x.shape[0])


def one_hot(y: NDArray[np.integer[Any]], n_classes: int, dtype: DTypeLike = np.float64) -> Array:
    """Integer labels ``(n,)`` to one-hot rows ``(n, n_classes)``."""
    labels = np.asarray(y)
    if labels.ndim != 1 or labels.dtype.kind not in "iub":
        raise ValueError(f"y: expected integer labels of shape (n,), got {labels.dtype} of shape {labels.shape}")
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 1:
        raise ValueError(f"n_classes: expected an integer >= 1, got {n_classes!r}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"y: labels must lie in [0, {n_classes}), got range [{labels.min()}, {labels.max()}]")
    out = np.zeros((labels.shape[0], int(n_classes)), dtype=dtype)
    out[np.arange(labels.shape[0]), labels] = 1
    return out
