"""Weight initialisers: ``init(generator, fan_in, fan_out, dtype) -> (fan_in, fan_out)`` array.

Biases always start at zero; these draw weights only.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import numpy as np

from ._checks import check_scalar
from ._typing import Array


class Initializer(Protocol):
    """Draws a weight matrix ``(fan_in, fan_out)`` of ``dtype`` from ``gen``."""

    def __call__(self, gen: np.random.Generator, fan_in: int, fan_out: int, dtype: np.dtype[Any]) -> Array: ...


def _normal(gen: np.random.Generator, fan_in: int, fan_out: int, dtype: np.dtype[Any], std: float) -> Array:
    # Drawn in float64 and rounded once, so float32 and float64 nets start from the same numbers.
    return (gen.standard_normal((fan_in, fan_out)) * std).astype(dtype)


def glorot_normal(gen: np.random.Generator, fan_in: int, fan_out: int, dtype: np.dtype[Any]) -> Array:
    """Normal with std ``sqrt(2 / (fan_in + fan_out))`` (Glorot & Bengio 2010, "Xavier")."""
    return _normal(gen, fan_in, fan_out, dtype, math.sqrt(2 / (fan_in + fan_out)))


def glorot_uniform(gen: np.random.Generator, fan_in: int, fan_out: int, dtype: np.dtype[Any]) -> Array:
    """Uniform on ``±sqrt(6 / (fan_in + fan_out))``."""
    limit = math.sqrt(6 / (fan_in + fan_out))
    return gen.uniform(-limit, limit, (fan_in, fan_out)).astype(dtype)


def he_normal(gen: np.random.Generator, fan_in: int, fan_out: int, dtype: np.dtype[Any]) -> Array:
    """Normal with std ``sqrt(2 / fan_in)``, for relu layers (He et al. 2015)."""
    return _normal(gen, fan_in, fan_out, dtype, math.sqrt(2 / fan_in))


def lecun_normal(gen: np.random.Generator, fan_in: int, fan_out: int, dtype: np.dtype[Any]) -> Array:
    """Normal with std ``1 / sqrt(fan_in)``: ``randn(fan_in, fan_out) / sqrt(fan_in)``."""
    return _normal(gen, fan_in, fan_out, dtype, 1 / math.sqrt(fan_in))


def normal(std: float = 0.01) -> Initializer:
    """Normal with a fixed ``std``, e.g. ``normal(0.01)`` for ``0.01 * randn``."""
    std = check_scalar("std", std)

    def init(gen: np.random.Generator, fan_in: int, fan_out: int, dtype: np.dtype[Any]) -> Array:
        return _normal(gen, fan_in, fan_out, dtype, std)

    return init
