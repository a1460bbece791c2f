"""``Batch``: one validated, read-only set of inputs, labels and (optionally) sample weights.

Everything that costs O(data) to check (shapes, dtypes, NaN/inf, label range, weights) is
checked once, when a ``Batch`` is made; a step over the same batch only compares a few
integers (``costs.check_labels``). What a batch stores never changes afterwards: memory
someone else can write is copied once (see ``nnfunc._arrays``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from ._arrays import freeze_own, immutable, is_immutable, read_only
from ._checks import all_finite
from ._typing import Array, Features, Inputs, Labels, SparseRows, Targets
from .costs import as_labels, label_range
from .random import Key, check_key
from .tree import static_field

# Kept for modules that import the old private names from here.
_freeze_own = freeze_own
_read_only = read_only
_immutable = immutable
_all_finite = all_finite


def is_sparse(x: object) -> bool:
    """Whether ``x`` is a ``scipy.sparse`` matrix or array, told without importing scipy."""
    return type(x).__module__.startswith("scipy.sparse")


def fits(a: NDArray[Any], dtype: DTypeLike) -> bool:
    """Whether the finite array ``a`` survives a cast to the float ``dtype`` without overflow."""
    to = np.dtype(dtype)
    if a.dtype.kind != "f" or a.dtype.itemsize <= to.itemsize or not a.size:
        return True
    limit = float(np.finfo(to).max)
    return bool(-limit <= a.min() and a.max() <= limit)


def fits_float32(a: Inputs) -> bool:
    """Whether the finite inputs ``a`` (dense or CSR) survive a cast to float32 (no value beyond +-3.4e38)."""
    return fits(a if isinstance(a, np.ndarray) else a.data, np.float32)


def _as_array(value: object, name: str) -> NDArray[Any]:
    """``np.asarray(value)``, refusing masked arrays; a ``ValueError`` naming ``name`` for ragged lists."""
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(
            f"{name}: expected a plain array, got a masked array; fill the masked entries ({name}.filled(value)) "
            "or drop the rows that have them"
        )
    try:
        return np.asarray(value)
    except ValueError as e:
        raise ValueError(f"{name}: expected a rectangular array, got {type(value).__name__} that is not ({e})") from e


def _sparse_rows(x: Any, name: str) -> SparseRows:
    """A sparse ``x`` as CSR with float32/float64 data (ints -> float64), finite, canonical and immutable.

    Never densified. The data, indices and index pointers are shared only when no one can write them
    (``nnfunc._arrays``); otherwise they are copied once and made read-only.
    """
    if len(x.shape) != 2:
        raise ValueError(f"{name}: expected a 2-D sparse matrix of shape (n_samples, n_features), got shape {x.shape}")
    if x.dtype.kind not in "fiub":
        raise TypeError(f"{name}: expected a real numeric sparse matrix, got dtype {x.dtype}")
    csr: Any = x.tocsr()  # another format or dtype: scipy builds new arrays, which are ours
    if csr.dtype not in (np.float32, np.float64):
        csr = csr.astype(np.float64)
    if csr is x:  # the caller's own CSR matrix: share each of its arrays only if no one can write it
        csr = copy.copy(x)  # our own object either way: the caller cannot swap the arrays of ours
        if not csr.has_canonical_format:
            csr = x.copy()
        else:
            for part in ("data", "indices", "indptr"):
                if not is_immutable(getattr(csr, part)):
                    setattr(csr, part, getattr(csr, part).copy())
    csr.sum_duplicates()  # canonical (sorted, no duplicates), so scipy never sorts it in place later
    for a in (csr.data, csr.indices, csr.indptr):
        freeze_own(a)
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name}: expected at least one sample and one feature, got shape {x.shape}")
    if not all_finite(csr.data):
        raise ValueError(f"{name}: contains NaN or infinite values")
    result: SparseRows = csr
    return result


def as_features(x: Features, name: str = "x") -> Inputs:
    """``x`` as 2-D inputs ``(n_samples, n_features)``: a float32/float64 array (integers become float64),
    or, for a ``scipy.sparse`` matrix, a CSR matrix (see :func:`_sparse_rows`); checked finite.

    Dense results are not made read-only here (:class:`Batch` does that, see ``nnfunc._arrays``).
    """
    if is_sparse(x):
        return _sparse_rows(x, name)
    a = _as_array(x, name)
    if a.dtype.kind not in "fiub":
        raise TypeError(f"{name}: expected a real numeric array, got dtype {a.dtype}")
    if a.dtype not in (np.float32, np.float64):
        if not (all_finite(a) and fits(a, np.float64)):
            raise ValueError(f"{name}: contains NaN or infinite values, or values beyond the float64 range")
        a = a.astype(np.float64)
    if a.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array of shape (n_samples, n_features), got shape {a.shape}")
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"{name}: expected at least one sample and one feature, got shape {a.shape}")
    if not all_finite(a):
        raise ValueError(f"{name}: contains NaN or infinite values")
    return a


def as_weights(w: ArrayLike, n: int, dtype: DTypeLike) -> Array:
    """Sample weights ``(n,)`` in the float ``dtype``: finite, ``>= 0``, not all zero; read-only."""
    a = _as_array(w, "sample_weight")
    if a.dtype.kind not in "fiub":
        raise TypeError(f"sample_weight: expected real numbers, got dtype {a.dtype}")
    if a.shape != (n,):
        raise ValueError(f"sample_weight: expected shape ({n},), one weight per sample, got shape {a.shape}")
    if not all_finite(a):
        raise ValueError("sample_weight: contains NaN or infinite values")
    if not fits(a, dtype):
        raise ValueError(f"sample_weight: has values beyond the range of x's dtype {np.dtype(dtype)}")
    a = a.astype(dtype, copy=False)
    if a.min() < 0:
        raise ValueError(f"sample_weight: expected weights >= 0, got {a.min()}")
    if not a.any():
        raise ValueError("sample_weight: expected at least one weight > 0, got all zero")
    return immutable(a)


def freeze_rows(x: Inputs) -> Inputs:
    """Mark rows nnfunc just cut (a fresh array or CSR matrix no one else holds) read-only, in place."""
    if isinstance(x, np.ndarray):
        return freeze_own(x)
    for a in (x.data, x.indices, x.indptr):
        freeze_own(a)
    return x


@dataclass(frozen=True, eq=False, slots=True, init=False)
class Batch:
    """Inputs ``x`` ``(n, n_features)``, labels ``y`` (integer classes ``(n,)`` or targets ``(n,)``/``(n, k)``),
    optional ``sample_weight`` ``(n,)`` and an optional static ``key`` for the layers' randomness (dropout).

    Made once per batch: ``x`` becomes float32/float64 (integers become float64; a ``scipy.sparse``
    matrix becomes CSR, never dense), targets and weights take ``x``'s float dtype, everything is
    checked and stored so that later writes to the caller's arrays (or DataFrame) change nothing.
    ``x`` may be an array, a list of rows, a pandas DataFrame or a ``scipy.sparse`` matrix; ``y`` an
    array, a list or a pandas Series. Masked arrays are refused (fill or drop the masked entries).
    Weights must be finite, ``>= 0`` and not all zero; costs become ``sum(w_i c_i) / sum(w_i)``.
    Class weights, as scikit-learn computes them::

        >>> import numpy as np, nnfunc as nf
        >>> from sklearn.utils.class_weight import compute_sample_weight
        >>> x, y = np.zeros((4, 2)), np.array([0, 0, 0, 1])
        >>> batch = nf.Batch(x, y, sample_weight=compute_sample_weight("balanced", y))
        >>> batch.sample_weight.tolist()
        [0.6666666666666666, 0.6666666666666666, 0.6666666666666666, 2.0]
    """

    x: Inputs
    y: Labels
    sample_weight: Array | None = None
    key: Key | None = static_field(default=None, kw_only=True)
    y_range: tuple[float, float] = static_field(init=False, repr=False)
    fits_float32: bool = static_field(init=False, repr=False)
    """Whether ``x`` and ``y`` can be cast to float32 without overflow (for float32 networks)."""

    def __init__(
        self, x: Features, y: Targets, sample_weight: ArrayLike | None = None, *, key: Key | None = None
    ) -> None:
        features = as_features(x)
        labels = as_labels(y, features.shape[0], features.dtype)
        lo, hi = label_range(labels)
        limit = float(np.finfo(np.float32).max)
        weight = None if sample_weight is None else as_weights(sample_weight, features.shape[0], features.dtype)
        object.__setattr__(self, "x", immutable(features) if isinstance(features, np.ndarray) else features)
        object.__setattr__(self, "y", immutable(labels))
        object.__setattr__(self, "sample_weight", weight)
        object.__setattr__(self, "key", None if key is None else check_key(key))
        object.__setattr__(self, "y_range", (lo, hi))
        object.__setattr__(self, "fits_float32", fits_float32(features) and -limit <= lo and hi <= limit)

    @classmethod
    def _trusted(
        cls,
        x: Inputs,
        y: Labels,
        parent: Batch,
        weight: Array | None = None,
        key: Key | None = None,
        *,
        frozen: bool = False,
    ) -> Batch:
        """A batch cut from the checked batch ``parent``, whose value ranges bound it: from views of its
        arrays (made read-only here), or, with ``frozen``, from arrays already read-only that no one can
        write (fresh ones nnfunc marked, or views of such)."""
        batch = object.__new__(cls)
        setattr_ = object.__setattr__
        if not frozen:
            x = read_only(x) if isinstance(x, np.ndarray) else x
            y = read_only(y)
            weight = None if weight is None else read_only(weight)
        setattr_(batch, "x", x)
        setattr_(batch, "y", y)
        setattr_(batch, "sample_weight", weight)
        setattr_(batch, "key", key)
        setattr_(batch, "y_range", parent.y_range)
        setattr_(batch, "fits_float32", parent.fits_float32)
        return batch

    def __len__(self) -> int:
        return int(self.x.shape[0])
