"""``Dense``: a fully connected layer ``activation(x @ w + b)``, forward beside backward."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._arrays import immutable
from .._ops import col_sum
from .._typing import Array
from ..activations import Activation, identity
from ..tree import static_field
from .base import Context, Layer, param, trusted

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def as_parameter(name: str, value: object) -> object:
    """A parameter field's value: arrays (and lists of numbers) as read-only float arrays nobody else can
    write; other values (a ``tree_map`` to norms gives numbers) pass unchanged."""
    if isinstance(value, (list, tuple)):
        value = np.asarray(value, dtype=np.float64)
    if isinstance(value, np.ndarray):
        if value.dtype not in FLOATS:
            raise TypeError(f"{name}: expected a float32 or float64 array, got dtype {value.dtype}")
        return immutable(value)
    return value


@dataclass(frozen=True, slots=True, eq=False)
class Dense(Layer):
    """A fully connected layer ``activation(x @ w + b)``: ``w`` ``(n_in, n_out)``, ``b`` ``(n_out,)``.

    Arrays are checked (float32/float64, matching shapes and dtypes) and stored read-only; an
    array that anyone could still write is copied once, here, so later writes to the caller's
    array change nothing. ``l2`` penalises ``w``, not ``b``.
    """

    w: Array = param(decay=True)
    b: Array = param()
    activation: Activation = static_field(default=identity)

    def __post_init__(self) -> None:
        if not isinstance(self.activation, Activation):
            raise TypeError(f"activation: expected an nf activation such as nf.tanh, got {self.activation!r}")
        w, b = as_parameter("w", self.w), as_parameter("b", self.b)
        if isinstance(w, np.ndarray) and isinstance(b, np.ndarray):
            if b.dtype != w.dtype:
                raise TypeError(f"w, b: expected arrays of one dtype, got {w.dtype} and {b.dtype}")
            if w.ndim != 2 or b.shape != (w.shape[1],):
                raise ValueError(f"w, b: expected shapes (n_in, n_out) and (n_out,), got {w.shape} and {b.shape}")
        object.__setattr__(self, "w", w)
        object.__setattr__(self, "b", b)

    def forward(self, x: Array, ctx: Context) -> tuple[Array, Any]:
        if x.shape[1] != self.w.shape[0]:
            raise ValueError(f"x: expected {self.w.shape[0]} input features, got {x.shape[1]}")
        if x.dtype != self.w.dtype:  # after a layer of another dtype: computed in this layer's
            x = x.astype(self.w.dtype)
        z = x.dot(self.w)
        z += self.b
        a = self.activation.forward(z, z)
        return a, (x, a)

    def backward(self, saved: Any, g: Array, need_input: bool) -> tuple[Dense, Array | None]:
        x, a = saved
        if g.dtype != self.w.dtype:  # before a layer of another dtype: the gradient in this layer's
            g = g.astype(self.w.dtype)
        g = self.activation.backward(a, g, g)  # dL/dz
        g_in = g.dot(self.w.T) if need_input else None
        return trusted(Dense, w=x.T.dot(g), b=col_sum(g), activation=self.activation), g_in

    @property
    def output_activation(self) -> Activation:
        return self.activation

    @property
    def n_in(self) -> int | None:
        return int(self.w.shape[0]) if isinstance(self.w, np.ndarray) else None

    @property
    def takes_sparse(self) -> bool:
        return True

    @property
    def n_out(self) -> int | None:
        return int(self.w.shape[1]) if isinstance(self.w, np.ndarray) else None
