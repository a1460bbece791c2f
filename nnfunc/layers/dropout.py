"""``Dropout``: zero each unit with probability ``rate`` while training (inverted scaling), identity at inference."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._checks import check_number
from .._typing import Array
from ..random import rng
from ..tree import static_field
from .base import Context, Layer


@dataclass(frozen=True, slots=True, eq=False)
class Dropout(Layer):
    """Keeps each unit with probability ``1 - rate`` and scales kept units by ``1 / (1 - rate)`` during
    training, so the expected output equals the input; the identity at inference.

    The mask is drawn from the training step's key (``batch.key``, which ``nf.batches`` gives every
    batch) and the layer's position in the network: the same key gives the same mask, and two
    dropout layers draw different masks. ``rate`` in ``[0, 1)``.
    """

    keeps_width: ClassVar[bool] = True

    rate: float = static_field(default=0.5)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rate", check_number("rate", self.rate, high=1.0, open_high=True))

    def forward(self, x: Array, ctx: Context) -> tuple[Array, Any]:
        if not ctx.training or self.rate == 0.0:
            return x, None
        key = ctx.key_here()
        if key is None:
            raise ValueError(
                "key: a training pass through Dropout needs a key: use batches from nf.batches(...) "
                "or give the batch one, nf.Batch(x, y, key=nf.Key(0))"
            )
        keep = 1.0 - self.rate
        mask = rng(key).random(x.shape) < keep
        scaled = np.multiply(mask, 1.0 / keep, dtype=x.dtype)
        return x * scaled, scaled

    def backward(self, saved: Any, g: Array, need_input: bool) -> tuple[Dropout, Array | None]:
        if not need_input:
            return self, None
        if saved is not None:
            g *= saved
        return self, g
