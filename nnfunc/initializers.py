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
    """Draws a weight matrix ``(fan_in, fan_out)`` of ``dtype`` from ``gen``.

    Any function of this signature is an initialiser for ``nf.init_mlp(..., init=...)``:

    >>> import numpy as np, nnfunc as nf
    >>> def ones(gen: np.random.Generator, fan_in: int, fan_out: int, dtype: np.dtype) -> np.ndarray:
    ...     return np.ones((fan_in, fan_out), dtype)
    >>> nf.init_mlp(nf.Key(0), (2, 3), init=ones).layers[0].w.tolist()
    [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """

    def __call__(self, gen: np.random.Generator, fan_in: int, fan_out: int, dtype: np.dtype[Any]) -> Array: ...


def _normal(gen: np.random.Generator, fan_in: int, fan_out: int, dtype: np.dtype[Any], std: float) -> Array:
    # Drawn in float64 and rounded once, so float32 and float64 nets start from the same numbers.
    return (gen.standard_normal((fan_in, fan_out)) * std).astype(dtype)


def glorot_normal(gen: np.random.Generator, fan_in: int, fan_out: int, dtype: np.dtype[Any]) -> Array:
    """Normal with std ``sqrt(2 / (fan_in + fan_out))`` (Glorot & Bengio 2010, "Xavier"); the default.

    >>> import numpy as np, nnfunc as nf
    >>> w = nf.glorot_normal(nf.rng(nf.Key(0)), 400, 600, np.dtype(np.float32))
    >>> w.shape, w.dtype, round(float(w.std()), 3)  # sqrt(2 / 1000) = 0.0447
    ((400, 600), dtype('float32'), 0.045)
    """
    return _normal(gen, fan_in, fan_out, dtype, math.sqrt(2 / (fan_in + fan_out)))


def glorot_uniform(gen: np.random.Generator, fan_in: int, fan_out: int, dtype: np.dtype[Any]) -> Array:
    """Uniform on ``±sqrt(6 / (fan_in + fan_out))``.

    >>> import numpy as np, nnfunc as nf
    >>> w = nf.glorot_uniform(nf.rng(nf.Key(0)), 2, 4, np.dtype(np.float64))
    >>> bool((abs(w) <= 1.0).all())  # sqrt(6 / 6) = 1
    True
    """
    limit = math.sqrt(6 / (fan_in + fan_out))
    return gen.uniform(-limit, limit, (fan_in, fan_out)).astype(dtype)


def he_normal(gen: np.random.Generator, fan_in: int, fan_out: int, dtype: np.dtype[Any]) -> Array:
    """Normal with std ``sqrt(2 / fan_in)``, for relu layers (He et al. 2015).

    >>> import numpy as np, nnfunc as nf
    >>> net = nf.init_mlp(nf.Key(0), (784, 256, 10), hidden=nf.relu, init=nf.he_normal)
    >>> round(float(net.layers[0].w.std()), 3)  # sqrt(2 / 784) = 0.0505
    0.05
    """
    return _normal(gen, fan_in, fan_out, dtype, math.sqrt(2 / fan_in))


def lecun_normal(gen: np.random.Generator, fan_in: int, fan_out: int, dtype: np.dtype[Any]) -> Array:
    """Normal with std ``1 / sqrt(fan_in)``: ``randn(fan_in, fan_out) / sqrt(fan_in)``.

    >>> import numpy as np, nnfunc as nf
    >>> w = nf.lecun_normal(nf.rng(nf.Key(0)), 400, 300, np.dtype(np.float64))
    >>> round(float(w.std()), 3)  # 1 / sqrt(400) = 0.05
    0.05
    """
    return _normal(gen, fan_in, fan_out, dtype, 1 / math.sqrt(fan_in))


def normal(std: float = 0.01) -> Initializer:
    """Normal with a fixed ``std``, e.g. ``normal(0.01)`` for ``0.01 * randn``.

    >>> import nnfunc as nf
    >>> net = nf.init_mlp(nf.Key(0), (500, 400), init=nf.normal(0.01))
    >>> round(float(net.layers[0].w.std()), 4)
    0.01
    """
    std = check_scalar("std", std)

    def init(gen: np.random.Generator, fan_in: int, fan_out: int, dtype: np.dtype[Any]) -> Array:
        return _normal(gen, fan_in, fan_out, dtype, std)

    return init
