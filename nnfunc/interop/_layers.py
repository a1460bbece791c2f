"""What the converters share about nnfunc's layers: the error for a layer without a counterpart,
the network's dtype, and the check that a value is a network at all."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..layers import Layer
from ..tree import tree_leaves


def names(table: dict[type, Any]) -> str:
    """The layer kinds of a converter table, as ``nf.`` names for an error message."""
    return ", ".join(f"nf.{cls.__name__}" for cls in table)


def refuse(layer: object, where: str, target: str, table: dict[type, Any]) -> ValueError:
    """The error for a layer without a counterpart in ``target``."""
    return ValueError(f"{where}: {type(layer).__name__} has no {target} counterpart; supported layers: {names(table)}")


def network_dtype(params: object) -> np.dtype[Any]:
    """The one float dtype of every array in ``params`` (float64 for a network without arrays);
    ``TypeError`` for mixed or non-float dtypes."""
    dtypes: set[np.dtype[Any]] = {leaf.dtype for leaf in tree_leaves(params) if isinstance(leaf, np.ndarray)}
    if not dtypes:
        return np.dtype(np.float64)
    if len(dtypes) > 1 or not dtypes <= {np.dtype(np.float32), np.dtype(np.float64)}:
        raise TypeError(f"params: expected float32 or float64 arrays of one dtype, got {sorted(map(str, dtypes))}")
    return dtypes.pop()


def check_network(params: object) -> Layer:
    """``params`` if it is an nnfunc network (a layer), else a ``TypeError``."""
    if not isinstance(params, Layer):
        raise TypeError(
            f"params: expected an nf network (nf.MLP from nf.init_mlp, nf.Sequential, ...), got {type(params).__name__}"
        )
    return params
