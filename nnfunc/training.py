"""Training as a fold: thread a carry (parameters, optimiser state, ...) through a step per batch."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

C = TypeVar("C")
B = TypeVar("B")


def train(step_fn: Callable[[C, B], C], params: C, batches: Iterable[B]) -> C:
    """Left fold ``step_fn(... step_fn(step_fn(params, b0), b1) ..., bN)``; ``params`` if there are no batches.

    ``params`` may be any carry, e.g. ``(params, opt_state)``. A step that raises
    ``FloatingPointError`` (a diverged loss) is reported with its index.
    """
    carry = params
    for step, batch in enumerate(batches):
        try:
            carry = step_fn(carry, batch)
        except FloatingPointError as e:
            raise FloatingPointError(f"step {step}: {e}") from e
    return carry
