"""``sweep``: the function must take the grid's settings and a key."""

from __future__ import annotations

import nnfunc as nf
from nnfunc.sweeps import sweep


def score(lr: float, key: nf.Key) -> float:
    """A score for a learning rate."""
    return lr


def no_key(lr: float) -> float:
    """Forgets the key."""
    return lr


sweep(score, ["0.1", "0.2"], key=nf.Key(0))  # E: arg-type
sweep(no_key, [0.1, 0.2], key=nf.Key(0))  # E: arg-type
sweep(score, [0.1, 0.2], key=0)  # E: arg-type
sweep(score, [0.1, 0.2], nf.Key(0))  # E: call-arg
names: list[str] = sweep(score, [0.1, 0.2], key=nf.Key(0))  # E: arg-type
