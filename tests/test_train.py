"""``train`` is a left fold over batches for any carry."""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnfunc as nf
from nnfunc.testing import strategies as nst


@given(start=st.text(max_size=3), items=st.lists(st.text(max_size=3), max_size=20))
def test_train_is_functools_reduce_for_any_carry(start: str, items: list[str]) -> None:
    def step(carry: str, item: str) -> str:  # not commutative: the order of the fold shows
        return f"({carry}+{item})"

    assert nf.train(step, start, items) == functools.reduce(step, items, start)
    assert nf.train(step, start, iter(items)) == functools.reduce(step, items, start)


@settings(max_examples=25, deadline=None)
@given(
    params=nst.networks(sizes=nst.layer_sizes(n_out=3), output=st.just(nf.identity)),
    key=nst.keys(),
    batch_size=st.integers(1, 9) | st.none(),
    epochs=st.integers(0, 3),
)
def test_train_over_sgd_step_equals_reduce(params: nf.MLP, key: nf.Key, batch_size: int | None, epochs: int) -> None:
    data = nst.batch_for(params, key, labels="classes", n=9)
    data_batches = nf.batches(nf.split(key)[1], data.x, data.y, batch_size=batch_size, epochs=epochs)
    step = functools.partial(nf.sgd_step, lr=0.3, l2=0.01)
    folded = nf.train(step, params, data_batches)
    reduced = functools.reduce(step, data_batches, params)
    assert type(folded) is nf.MLP
    for a, b in zip(nf.tree_leaves(folded), nf.tree_leaves(reduced), strict=True):
        assert a.tobytes() == b.tobytes()


def test_empty_batches_return_the_carry_itself() -> None:
    params = nf.init_mlp(nf.Key(0), (2, 3, 2))
    step = functools.partial(nf.sgd_step, lr=0.1)
    assert nf.train(step, params, []) is params
    assert nf.train(step, params, iter(())) is params
    x, y = np.ones((4, 2)), np.array([0, 1, 0, 1])
    assert nf.train(step, params, nf.batches(nf.Key(1), x, y, batch_size=2, epochs=0)) is params
    carry = (params, {"count": 0})
    assert nf.train(lambda c, b: c, carry, []) is carry


def test_tuple_carry_threads_every_part() -> None:
    params = nf.init_mlp(nf.Key(0), (2, 3, 2))
    x = nf.rng(nf.Key(1)).standard_normal((10, 2))
    y = (x[:, 0] > 0).astype(int)
    step = functools.partial(nf.sgd_step, lr=0.5)

    def counting(carry: tuple[nf.MLP, int], batch: nf.Batch) -> tuple[nf.MLP, int]:
        p, n = carry
        return step(p, batch), n + len(batch)

    data = nf.batches(nf.Key(2), x, y, batch_size=3, epochs=2)
    trained, seen = nf.train(counting, (params, 0), data)
    assert seen == 20
    alone = nf.train(step, params, data)
    for a, b in zip(nf.tree_leaves(trained), nf.tree_leaves(alone), strict=True):
        np.testing.assert_array_equal(a, b)
    assert nf.loss(trained, nf.Batch(x, y)) < nf.loss(params, nf.Batch(x, y))


@pytest.mark.parametrize("fail_at", [0, 1, 7])
def test_floating_point_error_is_reraised_with_the_step(fail_at: int) -> None:
    def step(carry: int, batch: int) -> int:
        if batch == fail_at:
            raise FloatingPointError("loss is nan")
        return carry + 1

    with pytest.raises(FloatingPointError, match=f"step {fail_at}: loss is nan") as info:
        nf.train(step, 0, range(10))
    assert isinstance(info.value.__cause__, FloatingPointError)


def test_a_diverging_sgd_run_names_its_step() -> None:
    params = nf.init_mlp(nf.Key(0), (2, 4, 1), output=nf.identity)
    batch = nf.Batch(nf.rng(nf.Key(1)).standard_normal((8, 2)) * 10, np.ones(8) * 10)
    step = functools.partial(nf.sgd_step, lr=1e150, cost=nf.mean_squared_error)
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match=r"step [1-9]\d*: loss is"):
        nf.train(step, params, itertools.repeat(batch, 50))


def test_other_errors_pass_through_unchanged() -> None:
    def step(carry: int, batch: int) -> int:
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        nf.train(step, 0, [1])
