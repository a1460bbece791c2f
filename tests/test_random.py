"""Explicit keys: deterministic, splittable, hashable, frozen, and blind to NumPy's global random state."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnfunc as nf
from nnfunc.random import child
from nnfunc.testing import strategies as nst


def _draw(key: nf.Key, n: int = 6) -> np.ndarray[Any, Any]:
    return nf.rng(key).standard_normal(n)


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**64), path=st.lists(st.integers(0, 50), max_size=4).map(tuple))
def test_same_key_same_numbers(seed: int, path: tuple[int, ...]) -> None:
    a, b = nf.Key(seed, path), nf.Key(seed, path)
    assert a == b
    assert hash(a) == hash(b)
    np.testing.assert_array_equal(_draw(a), _draw(b))
    np.testing.assert_array_equal(nf.rng(a).integers(0, 1000, 10), nf.rng(b).integers(0, 1000, 10))


@settings(max_examples=100, deadline=None)
@given(key=nst.keys(), n=st.integers(1, 6))
def test_split_is_deterministic_and_children_differ(key: nf.Key, n: int) -> None:
    children = nf.split(key, n)
    assert isinstance(children, tuple)
    assert len(children) == n
    assert children == nf.split(key, n)
    assert len({key, *children}) == n + 1
    draws = [_draw(k) for k in (key, *children)]
    for i in range(len(draws)):
        for j in range(i):
            assert not np.array_equal(draws[i], draws[j]), (i, j)
    grandchildren = [g for c in children for g in nf.split(c)]
    assert len({key, *children, *grandchildren}) == 3 * n + 1


def test_split_defaults_to_two_children() -> None:
    assert len(nf.split(nf.Key(3))) == 2


@settings(max_examples=50, deadline=None)
@given(a=nst.keys(), b=nst.keys())
def test_different_seeds_different_numbers(a: nf.Key, b: nf.Key) -> None:
    assert (a == b) == np.array_equal(_draw(a), _draw(b))


def test_key_is_frozen_and_hashable() -> None:
    key = nf.Key(7)
    for name in ("seed", "path"):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(key, name, 8)
    assert {key: 1}[nf.Key(7)] == 1
    numpy_seed: Any = np.int64(7)
    assert nf.Key(numpy_seed) == key


@pytest.mark.parametrize("seed", [-1, 1.5, "1", None, True])
def test_key_rejects_seeds_that_are_not_non_negative_integers(seed: Any) -> None:
    with pytest.raises((TypeError, ValueError), match="seed"):
        nf.Key(seed)


@pytest.fixture
def global_state() -> Iterator[None]:
    """Restore NumPy's legacy global random state after a test that seeds it on purpose."""
    saved = np.random.get_state()  # noqa: NPY002
    yield
    np.random.set_state(saved)  # noqa: NPY002


def _uses_of_randomness() -> list[Any]:
    """Every public call that draws random numbers, with fixed keys; their results as arrays."""
    key = nf.Key(11)
    x = nf.rng(nf.Key(1)).standard_normal((13, 3))
    y = np.arange(13) % 2
    params = nf.init_mlp(key, (3, 5, 2), init=nf.lecun_normal)
    out: list[Any] = [_draw(key), *[_draw(k) for k in nf.split(key, 3)], *nf.tree_leaves(params)]
    for init in (nf.glorot_normal, nf.glorot_uniform, nf.he_normal, nf.normal(0.5)):
        out += nf.tree_leaves(nf.init_mlp(key, (3, 4, 2), init=init))
    out += [b.x for b in nf.batches(key, x, y, batch_size=4, epochs=2)]
    return out


def test_no_global_random_state_is_read_or_written(global_state: None) -> None:
    before: Any = np.random.get_state()  # noqa: NPY002
    reference = _uses_of_randomness()
    after: Any = np.random.get_state()  # noqa: NPY002
    assert before[0] == after[0]
    np.testing.assert_array_equal(before[1], after[1])
    assert before[2:] == after[2:]
    for seed in (0, 1, 12345):
        np.random.seed(seed)  # noqa: NPY002
        again = _uses_of_randomness()
        for a, b in zip(reference, again, strict=True):
            np.testing.assert_array_equal(a, b)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**63), path=st.lists(st.integers(0, 10), max_size=3), more=st.lists(st.integers(0, 99)))
def test_child_is_the_checked_key_of_the_longer_path(seed: int, path: list[int], more: list[int]) -> None:
    key = nf.Key(seed, tuple(path))
    got = child(key, *more)
    assert got == nf.Key(seed, (*path, *more)) and hash(got) == hash(nf.Key(seed, (*path, *more)))
    np.testing.assert_array_equal(nf.rng(got).random(3), nf.rng(nf.Key(seed, (*path, *more))).random(3))


def test_batches_keys_are_children_of_the_epoch_and_batch() -> None:
    key = nf.Key(5, (1,))
    data = nf.batches(key, np.ones((5, 1)), np.zeros(5, dtype=int), batch_size=2, epochs=2)
    assert [b.key for b in data] == [nf.Key(5, (1, e, i)) for e in range(2) for i in range(3)]
