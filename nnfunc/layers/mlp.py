"""``MLP``: a tuple of ``Dense`` layers, the network of the tutorials, and ``init_mlp`` to make one.

An ``MLP`` is a layer like any other (it nests in combinators), and the network functions
run it on a fast path of their own (``network.py``): the same arithmetic with fewer
temporaries, so the tutorials' networks stay faster than a hand-written NumPy loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from .._checks import check_count
from .._typing import Array
from ..activations import Activation, identity, tanh
from ..initializers import Initializer, glorot_normal
from ..random import Key, check_key, rng, split
from .base import Context, Layer, trusted
from .dense import FLOATS, Dense


@dataclass(frozen=True, slots=True, eq=False)
class MLP(Layer):
    """A network: ``layers``, a tuple of :class:`Dense` applied in order, each ``n_out`` the next ``n_in``;
    one float dtype throughout."""

    layers: tuple[Dense, ...]

    def __post_init__(self) -> None:
        layers = self.layers
        if not isinstance(layers, tuple) or not layers or not all(isinstance(la, Dense) for la in layers):
            raise TypeError(f"layers: expected a non-empty tuple of nf.Dense, got {layers!r}")
        dtypes = {la.w.dtype for la in layers if isinstance(la.w, np.ndarray)}
        if len(dtypes) > 1:
            raise TypeError(f"layers: expected one float dtype for every layer, got {sorted(map(str, dtypes))}")
        for i in range(1, len(layers)):
            prev, cur = layers[i - 1].w, layers[i].w
            if isinstance(prev, np.ndarray) and isinstance(cur, np.ndarray) and prev.shape[1] != cur.shape[0]:
                raise ValueError(
                    f"layers: layer {i} expects {cur.shape[0]} inputs but layer {i - 1} gives {prev.shape[1]}"
                )

    @property
    def sizes(self) -> tuple[int, ...]:
        """``(n_in, h1, ..., n_out)``."""
        return (self.layers[0].w.shape[0], *(layer.w.shape[1] for layer in self.layers))

    @property
    def dtype(self) -> np.dtype[Any]:
        """The parameters' float dtype."""
        return self.layers[0].w.dtype

    def forward(self, x: Array, ctx: Context) -> tuple[Array, Any]:
        saved = []
        for layer in self.layers:
            x, s = layer.forward(x, ctx)
            saved.append(s)
        return x, saved

    def backward(self, saved: Any, g: Array, need_input: bool) -> tuple[MLP, Array | None]:
        grads: list[Dense] = []
        g_in: Array | None = g
        for i in range(len(self.layers) - 1, -1, -1):
            assert g_in is not None
            grad, g_in = self.layers[i].backward(saved[i], g_in, need_input or i > 0)
            grads.append(grad)
        grads.reverse()
        return trusted(MLP, layers=tuple(grads)), g_in

    @property
    def output_activation(self) -> Activation:
        return self.layers[-1].activation

    @property
    def n_in(self) -> int | None:
        return self.layers[0].n_in

    @property
    def takes_sparse(self) -> bool:
        return True

    @property
    def n_out(self) -> int | None:
        return self.layers[-1].n_out


def init_mlp(
    key: Key,
    sizes: Sequence[int],
    *,
    hidden: Activation = tanh,
    output: Activation = identity,
    init: Initializer = glorot_normal,
    dtype: DTypeLike = np.float64,
) -> MLP:
    """A fresh network for layer widths ``sizes = (n_in, h1, ..., n_out)``.

    Hidden layers use ``hidden``, the last layer ``output``; weights come from
    ``init`` with one child key of ``key`` per layer, biases are zero.

    >>> import nnfunc as nf
    >>> nf.init_mlp(nf.Key(0), (2, 3, 2)).sizes
    (2, 3, 2)
    """
    check_key(key)
    try:
        items = tuple(sizes) if not isinstance(sizes, (str, bytes)) else None
    except TypeError:
        items = None
    if items is None:
        raise TypeError(f"sizes: expected a sequence of layer widths (n_in, ..., n_out), got {sizes!r}")
    widths = tuple(check_count(f"sizes[{i}]", s) for i, s in enumerate(items))
    if len(widths) < 2:
        raise ValueError(f"sizes: expected (n_in, ..., n_out) with at least two widths, got {widths}")
    dt = init_dtype(dtype)
    for name, act in (("hidden", hidden), ("output", output)):
        if not isinstance(act, Activation):
            raise TypeError(f"{name}: expected an nf activation such as nf.tanh, got {act!r}")
    if not callable(init):
        raise TypeError(f"init: expected an initializer such as nf.glorot_normal, got {init!r}")
    keys = split(key, len(widths) - 1)
    last = len(widths) - 2
    layers = tuple(
        Dense(init(rng(k), n_in, n_out, dt), np.zeros(n_out, dtype=dt), output if i == last else hidden)
        for i, (k, n_in, n_out) in enumerate(zip(keys, widths[:-1], widths[1:], strict=True))
    )
    return MLP(layers)


def init_dtype(dtype: DTypeLike) -> np.dtype[Any]:
    """``dtype`` as float32 or float64: ``TypeError`` if it is no dtype, ``ValueError`` for another dtype."""
    try:
        dt = np.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"dtype: expected np.float32 or np.float64, got {dtype!r}") from e
    if dt not in FLOATS:
        raise ValueError(f"dtype: expected np.float32 or np.float64, got {dt}")
    return dt
