"""Combinators: networks built from layers. Each is a layer, so they nest.

- ``Sequential(layers)``: the layers applied in order.
- ``Residual(inner)``: ``x + inner(x)`` (a skip connection).
- ``Concatenate(branches)``: every branch applied to the same input, outputs side by side.

A bare activation (``nf.relu``) among the layers is wrapped in an :class:`ActivationLayer`.
An error inside a child names the child's path (``.layers[2]: ...``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from .._typing import Array
from ..activations import Activation
from .activation import ActivationLayer
from .base import Context, Layer, trusted

R = TypeVar("R")


def as_layer(name: str, item: object) -> Layer:
    """``item`` as a layer: layers pass, activations are wrapped, anything else is a ``TypeError``."""
    if isinstance(item, Layer):
        return item
    if isinstance(item, Activation):
        return ActivationLayer(item)
    raise TypeError(f"{name}: expected an nf layer (nf.Dense, nf.Dropout, ...) or activation, got {item!r}")


def as_layers(name: str, items: object) -> tuple[Layer, ...]:
    if isinstance(items, Layer) or not isinstance(items, (tuple, list)):
        raise TypeError(f"{name}: expected a tuple or list of layers, got {type(items).__name__}")
    if not items:
        raise ValueError(f"{name}: expected at least one layer, got none")
    layers = tuple(as_layer(f"{name}[{i}]", item) for i, item in enumerate(items))
    _check_chain(name, layers)
    return layers


def _width(layer: Layer, side: str) -> int | None:
    """``layer.n_in``/``n_out``, or ``None`` when the layer cannot tell (e.g. a user's property reading an
    array on a tree that ``tree_map`` filled with other values)."""
    try:
        width = getattr(layer, side)
    except (AttributeError, TypeError, IndexError):
        return None
    return width if isinstance(width, int) else None


def _check_chain(name: str, layers: tuple[Layer, ...]) -> None:
    """Consecutive layers agree on their widths where both know them."""
    for i in range(1, len(layers)):
        n_out, n_in = _width(layers[i - 1], "n_out"), _width(layers[i], "n_in")
        if n_out is not None and n_in is not None and n_out != n_in:
            raise ValueError(f"{name}: {name}[{i}] expects {n_in} inputs but {name}[{i - 1}] gives {n_out}")


def located(where: str, e: ValueError | TypeError) -> ValueError | TypeError:
    """``e`` again, its message prefixed by the child's path: ``.inner.layers[0]: x: expected ...``."""
    message = str(e)
    return type(e)(f"{where}{message}" if message.startswith(".") else f"{where}: {message}")


def in_child(where: str, call: Callable[[], R]) -> R:
    """``call()``, with ``where`` put in front of the message of a ``ValueError``/``TypeError`` it raises."""
    try:
        return call()
    except (ValueError, TypeError) as e:
        raise located(where, e) from e


@dataclass(frozen=True, slots=True, eq=False, init=False)
class Sequential(Layer):
    """``layers`` applied in order; ``Sequential(mlp.layers)`` computes what ``mlp`` computes.

    >>> import nnfunc as nf
    >>> net = nf.Sequential([nf.LayerNorm(2), nf.tanh])
    >>> [type(layer).__name__ for layer in net.layers]
    ['LayerNorm', 'ActivationLayer']
    """

    layers: tuple[Layer, ...]

    def __init__(self, layers: Sequence[Layer | Activation]) -> None:
        object.__setattr__(self, "layers", as_layers("layers", layers))

    def forward(self, x: Array, ctx: Context) -> tuple[Array, Any]:
        saved = []
        for i, layer in enumerate(self.layers):
            try:
                x, s = layer.forward(x, ctx.child(i))
            except (ValueError, TypeError) as e:
                raise located(f".layers[{i}]", e) from e
            saved.append(s)
        return x, saved

    def backward(self, saved: Any, g: Array, need_input: bool) -> tuple[Sequential, Array | None]:
        grads: list[Layer] = [self] * len(self.layers)
        g_in: Array | None = g
        for i in range(len(self.layers) - 1, -1, -1):
            assert g_in is not None  # every layer but the first passes a gradient on
            grads[i], g_in = self.layers[i].backward(saved[i], g_in, need_input or i > 0)
        return trusted(Sequential, layers=tuple(grads)), g_in

    def updated(self, saved: Any) -> Sequential:
        layers = tuple(layer.updated(s) for layer, s in zip(self.layers, saved, strict=True))
        if all(new is old for new, old in zip(layers, self.layers, strict=True)):
            return self
        return trusted(Sequential, layers=layers)

    @property
    def output_activation(self) -> Activation | None:
        return self.layers[-1].output_activation

    @property
    def takes_sparse(self) -> bool:
        return self.layers[0].takes_sparse

    @property
    def n_in(self) -> int | None:
        for layer in self.layers:
            if layer.n_in is not None:
                return layer.n_in
            if not layer.keeps_width:
                return None  # the first width is unknown
        return None

    @property
    def n_out(self) -> int | None:
        for layer in reversed(self.layers):
            if layer.n_out is not None:
                return layer.n_out
            if not layer.keeps_width:
                return None  # this layer's width is unknown, so is the network's
        return None


@dataclass(frozen=True, slots=True, eq=False, init=False)
class Residual(Layer):
    """``x + inner(x)``: ``inner`` must give as many outputs as it takes inputs."""

    inner: Layer

    def __init__(self, inner: Layer | Activation) -> None:
        inner = as_layer("inner", inner)
        if inner.n_in is not None and inner.n_out is not None and inner.n_in != inner.n_out:
            raise ValueError(f"inner: a residual block needs n_out == n_in, got {inner.n_in} -> {inner.n_out}")
        object.__setattr__(self, "inner", inner)

    def forward(self, x: Array, ctx: Context) -> tuple[Array, Any]:
        y, saved = in_child(".inner", lambda: self.inner.forward(x, ctx.child(0)))
        if y.shape != x.shape:
            raise ValueError(f".inner: a residual block needs outputs shaped like its inputs {x.shape}, got {y.shape}")
        return y + x, saved

    def backward(self, saved: Any, g: Array, need_input: bool) -> tuple[Residual, Array | None]:
        grad, g_inner = self.inner.backward(saved, g.copy() if need_input else g, True)
        g_in = None
        if need_input:
            assert g_inner is not None
            g_in = g_inner
            g_in += g
        return trusted(Residual, inner=grad), g_in

    def updated(self, saved: Any) -> Residual:
        inner = self.inner.updated(saved)
        return self if inner is self.inner else trusted(Residual, inner=inner)

    @property
    def n_in(self) -> int | None:
        return self.inner.n_in

    @property
    def n_out(self) -> int | None:
        return self.inner.n_in


@dataclass(frozen=True, slots=True, eq=False, init=False)
class Concatenate(Layer):
    """Every branch applied to the same input; their outputs side by side, ``(n, sum of n_out)``."""

    branches: tuple[Layer, ...]

    def __init__(self, branches: Sequence[Layer | Activation]) -> None:
        if isinstance(branches, Layer) or not isinstance(branches, (tuple, list)) or not branches:
            raise TypeError(f"branches: expected a non-empty tuple of layers, got {branches!r}")
        object.__setattr__(self, "branches", tuple(as_layer(f"branches[{i}]", b) for i, b in enumerate(branches)))

    def forward(self, x: Array, ctx: Context) -> tuple[Array, Any]:
        outs, saved = [], []
        for i, branch in enumerate(self.branches):
            y, s = in_child(f".branches[{i}]", lambda: branch.forward(x, ctx.child(i)))  # noqa: B023
            outs.append(y)
            saved.append((s, y.shape[1]))
        return np.concatenate(outs, axis=1), saved

    def backward(self, saved: Any, g: Array, need_input: bool) -> tuple[Concatenate, Array | None]:
        grads: list[Layer] = []
        g_in: Array | None = None
        start = 0
        for branch, (s, width) in zip(self.branches, saved, strict=True):
            grad, g_branch = branch.backward(s, g[:, start : start + width].copy(), need_input)
            start += width
            grads.append(grad)
            if g_branch is not None:
                if g_in is None:
                    g_in = g_branch
                else:
                    g_in += g_branch
        return trusted(Concatenate, branches=tuple(grads)), g_in

    def updated(self, saved: Any) -> Concatenate:
        branches = tuple(b.updated(s) for b, (s, _) in zip(self.branches, saved, strict=True))
        if all(new is old for new, old in zip(branches, self.branches, strict=True)):
            return self
        return trusted(Concatenate, branches=branches)

    @property
    def takes_sparse(self) -> bool:
        return all(b.takes_sparse for b in self.branches)

    @property
    def n_in(self) -> int | None:
        return next((b.n_in for b in self.branches if b.n_in is not None), None)

    @property
    def n_out(self) -> int | None:
        widths = [b.n_out for b in self.branches]
        return None if any(w is None for w in widths) else sum(w for w in widths if w is not None)
