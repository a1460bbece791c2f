"""Moved: ``MLP``, ``Dense`` and ``init_mlp`` live in :mod:`nnfunc.layers` (kept as an alias while
modules migrate)."""

from .layers import MLP, Dense, init_mlp
from .network import forward
from .predict import accuracy, predict

__all__ = ["MLP", "Dense", "accuracy", "forward", "init_mlp", "predict"]
