"""Minibatches: a key-determined, re-iterable sequence of ``Batch`` over a data set."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ._typing import Array, Labels
from .batch import Batch, _as_array, _read_only
from .random import Key, rng, split


@dataclass(frozen=True, eq=False)
class Batches:
    """``epochs`` passes over ``data`` in batches of ``batch_size`` (``None``: the whole set).

    Immutable and re-iterable: iterating twice gives the same batches. ``len``
    is the number of batches, so ``tqdm(nf.batches(...))`` knows its total.
    """

    key: Key
    data: Batch
    batch_size: int | None
    epochs: int
    shuffle: bool
    drop_last: bool

    def _per_epoch(self) -> int:
        n = len(self.data)
        if self.batch_size is None:
            return 1
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __len__(self) -> int:
        return self.epochs * self._per_epoch()

    def __iter__(self) -> Iterator[Batch]:
        data, size = self.data, self.batch_size
        n = len(data)
        if size is None:
            for _ in range(self.epochs):
                yield data  # a full batch: order does not change the mean gradient
            return
        for epoch_key in split(self.key, self.epochs) if self.epochs else ():
            order = rng(epoch_key).permutation(n) if self.shuffle else None
            for start in range(0, self._per_epoch() * size, size):
                stop = min(start + size, n)
                if order is None:
                    yield Batch._trusted(data.x[start:stop], data.y[start:stop], data)
                else:
                    idx = order[start:stop]
                    yield Batch._trusted(data.x.take(idx, axis=0), data.y.take(idx, axis=0), data)


def batches(
    key: Key,
    x: Array,
    y: Labels,
    *,
    batch_size: int | None,
    epochs: int = 1,
    shuffle: bool = True,
    drop_last: bool = False,
) -> Batches:
    """Batches of ``(x, y)`` for ``epochs`` epochs, reshuffled each epoch by a child key of ``key``.

    ``batch_size=None`` gives the full data set as one batch per epoch. The last
    batch of an epoch is smaller when ``batch_size`` does not divide ``n``, unless
    ``drop_last``. The data are checked here, once, not again per step.
    """
    if not isinstance(key, Key):
        raise TypeError(f"key: expected nf.Key, got {type(key).__name__}")
    # Read-only views: checked once here without copying the data set. Do not write
    # to x or y while iterating; the batches are cut from them as they are needed.
    data = Batch(_read_only(_as_array(x, "x")), _read_only(_as_array(y, "y")))
    n = len(data)
    if batch_size is not None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size: expected an integer >= 1 or None, got {batch_size!r}")
        if drop_last and batch_size > n:
            raise ValueError(
                f"batch_size: {batch_size} is larger than the {n} samples and drop_last=True leaves no batch"
            )
        batch_size = int(batch_size)
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"epochs: expected an integer >= 0, got {epochs!r}")
    return Batches(key, data, batch_size, int(epochs), bool(shuffle), bool(drop_last))
