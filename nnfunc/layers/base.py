"""The layer protocol: a frozen-dataclass pytree with a forward pass and its backward pass beside it.

A layer's arrays are leaves (fields), its configuration is static (:func:`~nnfunc.static_field`).
Two methods make a layer:

- ``forward(x, ctx) -> (y, saved)``: the output ``y`` ``(n, n_out)`` for inputs ``x``
  ``(n, n_in)``, and whatever the backward pass needs (``saved``). ``forward`` must not
  write into ``x`` (another layer may have saved it). ``ctx`` says whether this is a
  training pass and carries the key that random layers (dropout) draw from.
- ``backward(saved, g, need_input) -> (grad, g_in)``: given ``g = dL/dy`` (an array the
  layer may overwrite), the gradient of ``L`` for every leaf of the layer, as a layer of the
  same type (``grad``), and ``dL/dx`` (``g_in``), or ``None`` when ``need_input`` is false
  (the first layer of a network: nobody needs it).

Optional, with defaults here: ``updated(saved)`` returns the layer with its non-trained
state (batch-norm running statistics) after a training pass; ``output_activation`` names the
activation the layer ends with (for checking that a cost fits the output); ``n_in``/``n_out``.

Which leaves are what is declared by the field: :func:`param` (trained; ``decay=True`` for
the ones ``l2`` penalises, e.g. weights but not biases) or :func:`state` (running statistics:
never trained, never decayed, saved and loaded like any leaf).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, NamedTuple, Self, TypeVar

import numpy as np

from .._typing import Array
from ..activations import Activation
from ..random import Key

L = TypeVar("L")

DECAY = "nnfunc.decay"
STATE = "nnfunc.state"


def param(*, decay: bool = False, **kwargs: Any) -> Any:
    """A dataclass field holding a trained array; ``decay=True`` when ``l2`` penalises it (weights)."""
    metadata = {**kwargs.pop("metadata", {}), DECAY: decay}
    return dataclasses.field(metadata=metadata, **kwargs)


def state(**kwargs: Any) -> Any:
    """A dataclass field holding non-trained state (running statistics), threaded by training steps."""
    metadata = {**kwargs.pop("metadata", {}), STATE: True}
    return dataclasses.field(metadata=metadata, **kwargs)


class Context(NamedTuple):
    """What a forward pass knows besides its input.

    ``training``: a training pass (dropout drops, batch norm uses batch statistics) or
    inference. ``key``: the step's key (from the batch), or ``None``. ``path``: the layer's
    position in the network (child indices), so each random layer draws its own numbers.
    """

    training: bool
    key: Key | None = None
    path: tuple[int, ...] = ()

    def child(self, i: int) -> Context:
        """The context of child ``i`` of a combinator."""
        return Context(self.training, self.key, (*self.path, i))

    def key_here(self) -> Key | None:
        """A key for this layer alone: the step's key extended by the layer's path."""
        if self.key is None:
            return None
        return Key(self.key.seed, (*self.key.path, *self.path))


INFERENCE = Context(training=False)


class Layer:
    """Base class of every layer (see the module docstring): subclass it with a frozen dataclass.

    >>> import numpy as np, nnfunc as nf
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Scale(nf.Layer):
    ...     s: np.ndarray = nf.param()
    ...     def forward(self, x, ctx):
    ...         return x * self.s, x
    ...     def backward(self, x, g, need_input):
    ...         return Scale((g * x).sum(axis=0)), (g * self.s if need_input else None)
    >>> nf.forward(Scale(np.array([2.0])), np.ones((3, 1))).ravel().tolist()
    [2.0, 2.0, 2.0]
    """

    __slots__ = ()

    keeps_width: ClassVar[bool] = False
    """Whether the output has as many columns as the input (activations, dropout): then a layer that
    does not know its widths still tells a combinator the width coming out."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__repr__" not in cls.__dict__:  # before @dataclass, which then keeps it: no whole arrays in reprs
            setattr(cls, "__repr__", layer_repr)  # noqa: B010

    def forward(self, x: Array, ctx: Context) -> tuple[Array, Any]:
        """``(y, saved)``: the output for ``x`` ``(n, n_in)`` and what :meth:`backward` needs."""
        raise NotImplementedError(f"{type(self).__name__}.forward")

    def backward(self, saved: Any, g: Array, need_input: bool) -> tuple[Self, Array | None]:
        """``(grad, dL/dx)`` from ``g = dL/dy`` (which may be overwritten); ``dL/dx`` only if ``need_input``."""
        raise NotImplementedError(f"{type(self).__name__}.backward")

    def updated(self, saved: Any) -> Self:
        """This layer with its non-trained state after the training pass that gave ``saved``."""
        return self

    @property
    def output_activation(self) -> Activation | None:
        """The activation this layer ends with, when known (to check a cost fits the output layer)."""
        return None

    @property
    def n_in(self) -> int | None:
        """Number of input features, when the layer fixes it."""
        return None

    @property
    def takes_sparse(self) -> bool:
        """Whether a ``scipy.sparse`` input goes through without being densified (a layer that starts by
        multiplying its input by weights, like ``Dense``)."""
        return False

    @property
    def n_out(self) -> int | None:
        """Number of outputs, when the layer fixes it."""
        return None


def trusted(cls: type[L], **fields: Any) -> L:
    """A layer of ``cls`` around arrays nnfunc just computed or already holds read-only: no checks, no
    ``__init__``; fresh arrays are marked read-only in place (nobody else holds them)."""
    layer = object.__new__(cls)
    for name, value in fields.items():
        if isinstance(value, np.ndarray) and value.flags.writeable:
            value.setflags(write=False)
        object.__setattr__(layer, name, value)
    return layer


def describe(value: object) -> str:
    """A short text for a field's value: arrays by dtype and shape, activations by name, layers nested."""
    if isinstance(value, np.ndarray):
        return f"{value.dtype}{list(value.shape)}"
    if isinstance(value, Layer):
        return layer_repr(value)
    if isinstance(value, Activation):
        return value.name
    if isinstance(value, (tuple, list)):
        inner = ", ".join(describe(v) for v in value)
        return f"({inner},)" if isinstance(value, tuple) and len(value) == 1 else f"({inner})"
    return repr(value)


def layer_repr(layer: object) -> str:
    """``Kind(field=..., ...)`` without whole arrays (shapes and dtypes instead)."""
    fields = dataclasses.fields(layer) if dataclasses.is_dataclass(layer) else ()
    inner = ", ".join(f"{f.name}={describe(getattr(layer, f.name))}" for f in fields if f.repr)
    return f"{type(layer).__name__}({inner})"
