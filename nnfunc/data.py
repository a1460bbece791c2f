"""Minibatches: a key-determined, re-iterable sequence of ``Batch`` over a data set."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._arrays import freeze_own
from ._checks import check_count, check_flag
from ._typing import Features, Targets
from .batch import Batch, freeze_rows
from .random import Key, check_key, child, rng

CHUNK_BYTES = 1 << 20
"""Shuffled rows are gathered this many bytes of ``x`` at a time (at least one batch), and the batches cut
from them as views: one gather per chunk instead of one per batch, at little memory."""


def _slice(data: Batch, start: int, stop: int, key: Key | None) -> Batch:
    """Rows ``start:stop`` of ``data``: views of its read-only arrays (a new CSR matrix for sparse ``x``)."""
    x, w = data.x, data.sample_weight
    rows = x[start:stop] if isinstance(x, np.ndarray) else freeze_rows(x[start:stop])
    weight = None if w is None else w[start:stop]
    return Batch._trusted(rows, data.y[start:stop], data, weight, key, frozen=True)


def _take(data: Batch, index: NDArray[np.intp]) -> Batch:
    """Rows ``index`` of ``data`` in that order: fresh arrays, marked read-only."""
    x, w = data.x, data.sample_weight
    rows = freeze_own(x.take(index, axis=0)) if type(x) is np.ndarray else freeze_rows(x[index])
    weight = None if w is None else freeze_own(w.take(index))
    return Batch._trusted(rows, freeze_own(data.y.take(index, axis=0)), data, weight, None, frozen=True)


def _batches_per_chunk(x: object, size: int) -> int:
    """How many shuffled batches of ``size`` rows to gather at once (1 for sparse ``x``)."""
    if not isinstance(x, np.ndarray):
        return 1
    return max(1, CHUNK_BYTES // max(1, size * x[:1].nbytes))


@dataclass(frozen=True, eq=False)
class Batches:
    """``epochs`` passes over ``data`` in batches of ``batch_size`` (``None``: the whole set).

    Immutable and re-iterable: iterating twice gives the same batches. ``len``
    is the number of batches, so ``tqdm(nf.batches(...))`` knows its total. Every
    batch gets its own key (``batch.key``, for dropout): ``Key(seed, (*key.path, epoch, i))``,
    distinct per epoch and per batch, the same on every iteration. The shuffle of epoch
    ``e`` draws from ``Key(seed, (*key.path, e))``. Built directly, its fields are checked.
    """

    key: Key
    data: Batch
    batch_size: int | None
    epochs: int = 1
    shuffle: bool = True
    drop_last: bool = False

    def __post_init__(self) -> None:
        check_key(self.key)
        if not isinstance(self.data, Batch):
            raise TypeError(f"data: expected nf.Batch(x, y), got {type(self.data).__name__}")
        if self.batch_size is not None:
            object.__setattr__(self, "batch_size", check_count("batch_size", self.batch_size))
        object.__setattr__(self, "epochs", check_count("epochs", self.epochs, low=0))
        object.__setattr__(self, "shuffle", check_flag("shuffle", self.shuffle))
        object.__setattr__(self, "drop_last", check_flag("drop_last", self.drop_last))
        if self.drop_last and self.batch_size is not None and self.batch_size > len(self.data):
            raise ValueError(
                f"batch_size: {self.batch_size} is larger than the {len(self.data)} samples "
                "and drop_last=True leaves no batch"
            )

    def _per_epoch(self) -> int:
        n = len(self.data)
        if self.batch_size is None:
            return 1
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __len__(self) -> int:
        return self.epochs * self._per_epoch()

    def __iter__(self) -> Iterator[Batch]:
        data, size = self.data, self.batch_size
        n, key = len(data), self.key
        for epoch in range(self.epochs):
            if size is None:  # the full batch: order does not change the mean gradient
                yield Batch._trusted(data.x, data.y, data, data.sample_weight, child(key, epoch, 0))
                continue
            count = self._per_epoch()
            if not self.shuffle:
                for i in range(count):
                    yield _slice(data, i * size, min(i * size + size, n), child(key, epoch, i))
                continue
            order = rng(child(key, epoch)).permutation(n)
            per_chunk = _batches_per_chunk(data.x, size)
            for first in range(0, count, per_chunk):
                last = min(first + per_chunk, count)  # batches first .. last-1, gathered together
                chunk = _take(data, order[first * size : min(last * size, n)])
                for i in range(first, last):
                    start = (i - first) * size
                    yield _slice(chunk, start, start + size, child(key, epoch, i))


def batches(
    key: Key,
    x: Features,
    y: Targets,
    *,
    batch_size: int | None,
    epochs: int = 1,
    shuffle: bool = True,
    drop_last: bool = False,
    sample_weight: ArrayLike | None = None,
) -> Batches:
    """Batches of ``(x, y)`` for ``epochs`` epochs, reshuffled each epoch by a child key of ``key``.

    ``batch_size=None`` gives the full data set as one batch per epoch. The last
    batch of an epoch is smaller when ``batch_size`` does not divide ``n``, unless
    ``drop_last``. ``x`` is ``(n, n_features)`` (an array, a DataFrame or a ``scipy.sparse``
    matrix, whose rows are cut without densifying it), ``y`` ``(n,)`` or ``(n, k)`` and
    ``sample_weight`` ``(n,)`` as for :class:`Batch`; weights travel with their samples. A
    minibatch whose weights happen to be all zero costs 0 with a zero gradient. The data are
    checked here, once, not again per step; a writeable ``x`` or ``y`` is copied once (pass
    read-only arrays you own, ``x.setflags(write=False)``, to share them instead). Every batch
    carries its own key (``batch.key``) for layers that draw random numbers (dropout).

    >>> import numpy as np, nnfunc as nf
    >>> data = nf.batches(nf.Key(0), np.eye(4), [0, 1, 0, 1], batch_size=2, epochs=3)
    >>> len(data), [len(b) for b in data][:2]
    (6, [2, 2])
    """
    check_key(key)
    data = Batch(x, y, sample_weight)  # checked once; memory others can write is copied once
    return Batches(
        key,
        data,
        batch_size,
        epochs,
        check_flag("shuffle", shuffle),
        check_flag("drop_last", drop_last),
    )
