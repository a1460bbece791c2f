"""``batches``: every sample once per epoch, in a key-determined order; ``Batch`` and ``one_hot``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnfunc as nf
from nnfunc.testing import strategies as nst

Arr = np.ndarray[Any, Any]
K = 3  # classes


def _data(n: int) -> tuple[Arr, Arr]:
    """``x`` whose first column is the sample id, and class labels that are a function of the id."""
    ids = np.arange(n, dtype=np.float64)
    x = np.column_stack([ids, nf.rng(nf.Key(n)).standard_normal(n)])
    return x, np.arange(n) % K


def _x(batch: nf.Batch) -> Arr:
    """The dense inputs of ``batch`` (these tests pass arrays, so ``x`` is one)."""
    assert isinstance(batch.x, np.ndarray)
    return batch.x


def _ids(batch: nf.Batch) -> list[int]:
    return [int(i) for i in _x(batch)[:, 0]]


def _check_rows(batch: nf.Batch) -> None:
    """Labels travel with their rows: the label of id i is i % K (int labels or one-hot rows)."""
    ids = _x(batch)[:, 0].astype(int)
    labels = batch.y if batch.y.ndim == 1 else batch.y.argmax(axis=1)
    np.testing.assert_array_equal(labels, ids % K)


def _epochs(data: nf.Batches, per_epoch: int) -> list[list[int]]:
    got = list(data)
    assert len(got) == len(data)
    assert len(got) % per_epoch == 0 if per_epoch else not got
    for b in got:
        _check_rows(b)
    return [[i for b in got[e : e + per_epoch] for i in _ids(b)] for e in range(0, len(got), per_epoch)]


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 40),
    batch_size=st.integers(1, 45),
    epochs=st.integers(0, 3),
    key=nst.keys(),
    onehot=st.booleans(),
    shuffle=st.booleans(),
)
def test_every_sample_exactly_once_per_epoch(
    n: int, batch_size: int, epochs: int, key: nf.Key, onehot: bool, shuffle: bool
) -> None:
    x, y = _data(n)
    data = nf.batches(key, x, nf.one_hot(y, K) if onehot else y, batch_size=batch_size, epochs=epochs, shuffle=shuffle)
    per_epoch = -(-n // batch_size)
    assert len(data) == epochs * per_epoch
    sizes = [len(b) for b in data]
    assert sizes == ([batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])) * epochs
    for order in _epochs(data, per_epoch):
        assert sorted(order) == list(range(n))
        if not shuffle:
            assert order == list(range(n))


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 40), data=st.data(), epochs=st.integers(0, 3), key=nst.keys())
def test_drop_last_gives_only_full_batches_of_distinct_samples(
    n: int, data: st.DataObject, epochs: int, key: nf.Key
) -> None:
    batch_size = data.draw(st.integers(1, n))
    x, y = _data(n)
    out = nf.batches(key, x, y, batch_size=batch_size, epochs=epochs, drop_last=True)
    per_epoch = n // batch_size
    assert len(out) == epochs * per_epoch
    assert all(len(b) == batch_size for b in out)
    for order in _epochs(out, per_epoch):
        assert len(set(order)) == len(order) == per_epoch * batch_size


@settings(max_examples=40, deadline=None)
@given(key=nst.keys(), other=nst.keys(), batch_size=st.integers(1, 30))
def test_order_is_fixed_by_the_key_and_changes_between_epochs_and_keys(
    key: nf.Key, other: nf.Key, batch_size: int
) -> None:
    n = 30  # 30! orders: a coincidence between two shuffles is impossible in practice
    x, y = _data(n)
    per_epoch = -(-n // batch_size)
    first = nf.batches(key, x, y, batch_size=batch_size, epochs=3)
    orders = _epochs(first, per_epoch)
    assert orders == _epochs(first, per_epoch)  # re-iterating gives the same batches
    assert orders == _epochs(nf.batches(key, x, y, batch_size=batch_size, epochs=3), per_epoch)
    assert orders[0] != orders[1] != orders[2] != orders[0]
    if other != key:
        assert _epochs(nf.batches(other, x, y, batch_size=batch_size, epochs=3), per_epoch)[0] != orders[0]


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 30), epochs=st.integers(0, 3), key=nst.keys(), onehot=st.booleans())
def test_batch_size_none_is_the_full_batch(n: int, epochs: int, key: nf.Key, onehot: bool) -> None:
    x, y = _data(n)
    out = nf.batches(key, x, nf.one_hot(y, K) if onehot else y, batch_size=None, epochs=epochs)
    got = list(out)
    assert len(got) == len(out) == epochs
    for b in got:
        assert len(b) == n
        assert sorted(_ids(b)) == list(range(n))
        _check_rows(b)


def test_batches_are_read_only_and_keep_dtypes() -> None:
    x, y = _data(10)
    for b in nf.batches(nf.Key(0), x.astype(np.float32), nf.one_hot(y, K), batch_size=4):
        assert b.x.dtype == b.y.dtype == np.float32
        assert not _x(b).flags.writeable and not b.y.flags.writeable
    for b in nf.batches(nf.Key(0), x, y, batch_size=4):
        assert b.y.dtype.kind == "i"


@pytest.mark.parametrize("batch_size", [0, -1])
def test_batch_size_below_one_is_a_value_error(batch_size: Any) -> None:
    x, y = _data(5)
    with pytest.raises(ValueError, match="batch_size: expected an integer >= 1"):
        nf.batches(nf.Key(0), x, y, batch_size=batch_size)


@pytest.mark.parametrize("batch_size", [2.5, True, "4"])
def test_batch_size_that_is_not_an_integer_is_a_type_error(batch_size: Any) -> None:
    x, y = _data(5)
    with pytest.raises(TypeError, match="batch_size: expected an integer"):
        nf.batches(nf.Key(0), x, y, batch_size=batch_size)


@pytest.mark.parametrize(
    ("x", "y", "match"),
    [
        (np.ones(5), np.zeros(5), r"x: expected a 2-D array of shape \(n_samples, n_features\)"),
        (np.ones((5, 2)), np.zeros(4, dtype=int), r"y: expected 5 rows to match x"),
        (np.ones((5, 2)), np.zeros((5, 2, 1)), r"y: expected labels of shape \(n,\) or targets of shape \(n, k\)"),
    ],
)
def test_batches_reject_bad_shapes(x: Arr, y: Arr, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        nf.batches(nf.Key(0), x, y, batch_size=2)
    with pytest.raises(ValueError, match=match):
        nf.Batch(x, y)


@settings(max_examples=50, deadline=None)
@given(labels=st.lists(st.integers(0, 5), min_size=1, max_size=20), extra=st.integers(0, 3))
def test_one_hot_rows(labels: list[int], extra: int) -> None:
    y = np.array(labels)
    k = max(labels) + 1 + extra
    hot = nf.one_hot(y, k)
    assert hot.shape == (len(labels), k)
    np.testing.assert_array_equal(hot.argmax(axis=1), y)
    np.testing.assert_array_equal(hot.sum(axis=1), 1.0)
    assert set(np.unique(hot)) <= {0.0, 1.0}
    if max(labels) >= 1:
        with pytest.raises(ValueError, match=r"y: labels must lie in \[0, "):
            nf.one_hot(y, max(labels))  # the largest label is out of range
