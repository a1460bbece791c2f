"""Minibatches: a key-determined, re-iterable sequence of ``Batch`` over a data set."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ._checks import check_count
from ._typing import Array, Labels
from .batch import Batch
from .random import Key, check_key, rng, split


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
    ``drop_last``. ``x`` is ``(n, n_features)``, ``y`` ``(n,)`` or ``(n, k)`` as for
    :class:`Batch`. The data are checked here, once, not again per step. Like every
    ``Batch``, a writeable ``x`` or ``y`` is copied once; pass read-only arrays
    (``x.setflags(write=False)``) to share them instead, e.g. for a large data set.
    """
    check_key(key)
    data = Batch(x, y)  # checked once; a writeable array is copied so later writes to it change nothing
    if batch_size is not None:
        batch_size = check_count("batch_size", batch_size)
        if drop_last and batch_size > len(data):
            raise ValueError(
                f"batch_size: {batch_size} is larger than the {len(data)} samples and drop_last=True leaves no batch"
            )
    return Batches(key, data, batch_size, check_count("epochs", epochs, low=0), bool(shuffle), bool(drop_last))
