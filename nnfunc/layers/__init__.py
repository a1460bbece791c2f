"""Layers: each kind in its own module, its backward pass beside its forward pass."""

from typing import TYPE_CHECKING, Any

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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


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
