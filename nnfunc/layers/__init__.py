"""Layers: each kind in its own module, its backward pass beside its forward pass."""

from .activation import ActivationLayer
from .base import Context, Layer, param, state
from .combinators import Concatenate, Residual, Sequential
from .dense import Dense
from .dropout import Dropout
from .mlp import MLP, init_mlp
from .norm import BatchNorm, LayerNorm

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
