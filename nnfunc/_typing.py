"""Array aliases shared by every module.

The sparse names are for type checkers only: nnfunc never imports scipy at run time (it recognises a
sparse matrix by its type's module, see ``batch.is_sparse``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    from scipy.sparse import csr_array, csr_matrix, sparray, spmatrix

Array: TypeAlias = NDArray[np.floating[Any]]
"""A float32 or float64 array."""

Labels: TypeAlias = NDArray[np.integer[Any]] | NDArray[np.floating[Any]]
"""Integer class labels ``(n,)``, or real / one-hot targets ``(n,)`` or ``(n, k)``."""

Sparse: TypeAlias = "sparray | spmatrix"
"""A ``scipy.sparse`` matrix or array (CSR, CSC, ...), as users pass it."""

SparseRows: TypeAlias = "csr_matrix | csr_array"
"""The sparse form nnfunc stores: CSR, float32/float64, read-only data/indices/indptr, canonical."""

Features: TypeAlias = "ArrayLike | Sparse"
"""Inputs ``x`` ``(n_samples, n_features)`` as users have them: an array, a list of rows, a pandas
DataFrame, or a ``scipy.sparse`` matrix. What a function takes where user data enter."""

Inputs: TypeAlias = "Array | SparseRows"
"""Inputs after they were checked (``Batch.x``, ``as_features``): a float array or a CSR matrix."""

Targets: TypeAlias = ArrayLike
"""Labels ``y`` as users have them: integer classes ``(n,)`` or targets ``(n,)``/``(n, k)`` (a list, an
array, a pandas Series or DataFrame)."""
