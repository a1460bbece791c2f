"""Layers: each kind in its own module, its backward pass beside its forward pass."""

from typing import TYPE_CHECKING

from .._lazy import lazy_names
from .activation import ActivationLayer
from .base import Context, Layer, param, state
from .combinators import Concatenate, Residual, Sequential
from .dense import Dense
from .mlp import MLP, init_mlp

# Loaded on first use (PEP 562): the network functions need only the layers above, so `import nnfunc`
# does not pay for these (names unlike their modules', which importing them binds in this package).
_LAZY = {"BatchNorm": ".norm", "Dropout": ".dropout", "LayerNorm": ".norm"}

if TYPE_CHECKING:
    from .dropout import Dropout
    from .norm import BatchNorm, LayerNorm


if not TYPE_CHECKING:  # hidden from mypy, which sees the imports above: a misspelt name stays an error
    __getattr__, __dir__ = lazy_names(__name__, globals(), _LAZY)


__all__ = [
    "MLP",
    "ActivationLayer",
    "BatchNorm",
    "Concatenate",
    "Context",
    "Dense",
    "Dropout",
    "Layer",
    "LayerNorm",
    "Residual",
    "Sequential",
    "init_mlp",
    "param",
    "state",
]
