"""An activation as a parameter-free layer: ``Sequential((Dense(...), nf.relu))`` wraps ``nf.relu`` in one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .._typing import Array
from ..activations import Activation
from ..tree import static_field
from .base import Context, Layer


@dataclass(frozen=True, slots=True, eq=False)
class ActivationLayer(Layer):
    """``activation(x)``, element- or row-wise; no parameters. Combinators wrap a bare activation in one."""

    keeps_width: ClassVar[bool] = True

    activation: Activation = static_field()

    def __post_init__(self) -> None:
        if not isinstance(self.activation, Activation):
            raise TypeError(f"activation: expected an nf activation such as nf.tanh, got {self.activation!r}")

    def forward(self, x: Array, ctx: Context) -> tuple[Array, Any]:
        a = self.activation.forward(x, None)  # never into x: the previous layer may have saved it
        return a, a

    def backward(self, saved: Any, g: Array, need_input: bool) -> tuple[ActivationLayer, Array | None]:
        return self, (self.activation.backward(saved, g, g) if need_input else None)

    @property
    def output_activation(self) -> Activation:
        return self.activation
