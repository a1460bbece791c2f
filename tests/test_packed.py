"""The packed fast path of small networks: packed leaves, chunked minibatches, and ``optimizer_step``
on a stack of ``Dense`` layers, which must give bit for bit what the general tree path gives."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnfunc as nf
from nnfunc import data as nf_data
from nnfunc._packed import Packed, plan_of, split
from nnfunc.optim import scale_adam
from nnfunc.optim.base import Params, Transform, add_leaves
from nnfunc.testing import strategies as nst

Arr = np.ndarray[Any, Any]
shapes = st.lists(st.lists(st.integers(1, 4), min_size=1, max_size=2).map(tuple), min_size=1, max_size=5)


@settings(max_examples=60, deadline=None)
@given(shapes=shapes, read_only=st.booleans())
def test_packed_leaves_are_back_to_back_views_of_their_vector(shapes: list[tuple[int, ...]], read_only: bool) -> None:
    plan = plan_of(tuple(shapes))
    assert plan is plan_of(tuple(list(shapes)))  # one object per layout
    flat = np.arange(plan.size, dtype=np.float64)
    packed = Packed(flat, plan, read_only=read_only)
    assert [a.shape for a in packed] == shapes
    np.testing.assert_array_equal(np.concatenate([a.reshape(-1) for a in packed]), flat)
    assert all(np.shares_memory(a, flat) for a in packed)
    assert all(a.flags.writeable is not read_only for a in packed)
    assert flat.flags.writeable  # its owner still writes through it
    assert [a.shape for a in split(flat, plan)] == shapes


def _reference_batches(x: Arr, y: Arr, key: nf.Key, size: int, epochs: int, drop_last: bool) -> list[tuple[Arr, Arr]]:
    """Every epoch's batches cut one by one from that epoch's permutation (what chunking must reproduce)."""
    n, out = len(x), []
    for epoch in range(epochs):
        order = nf.rng(nf.Key(key.seed, (*key.path, epoch))).permutation(n)
        stop = n // size * size if drop_last else n
        out += [(x[order[s : min(s + size, stop)]], y[order[s : min(s + size, stop)]]) for s in range(0, stop, size)]
    return out


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 50),
    size=st.integers(1, 20),
    epochs=st.integers(1, 3),
    drop_last=st.booleans(),
    chunk=st.sampled_from([1, 64, 200, 1 << 20]),
    key=nst.keys(),
)
def test_chunked_shuffled_batches_equal_batches_cut_one_by_one(
    n: int, size: int, epochs: int, drop_last: bool, chunk: int, key: nf.Key
) -> None:
    if drop_last and size > n:
        return
    x = nf.rng(nf.Key(n)).standard_normal((n, 3))
    y = np.arange(n) % 4
    data = nf.batches(key, x, y, batch_size=size, epochs=epochs, drop_last=drop_last)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(nf_data, "CHUNK_BYTES", chunk)
        got = list(data)
    want = _reference_batches(x, y, key, size, epochs, drop_last)
    assert len(got) == len(want) == len(data)
    per_epoch = len(got) // epochs
    for i, (batch, (wx, wy)) in enumerate(zip(got, want, strict=True)):
        assert isinstance(batch.x, np.ndarray)
        np.testing.assert_array_equal(batch.x, wx)
        np.testing.assert_array_equal(batch.y, wy)
        assert not batch.x.flags.writeable and not batch.y.flags.writeable
        assert batch.key == nf.Key(key.seed, (*key.path, i // per_epoch, i % per_epoch))


def _tree_path(opt: nf.Optimizer[Any], params: Any, batches: list[nf.Batch], l2: float) -> tuple[Any, Any]:
    """The same training through the public tree functions: value_and_grad, opt.update, apply_updates."""
    state = opt.init(params)
    for batch in batches:
        _, g = nf.value_and_grad(params, batch, l2=l2)
        updates, state = opt.update(g, state, params)
        params = nf.apply_updates(params, updates)
    return params, state


optimizers = st.sampled_from(["adam", "adamw", "rmsprop", "momentum", "adam-schedule"])


def _make(name: str) -> nf.Optimizer[Any]:
    if name == "adam":
        return nf.adam(1e-2)
    if name == "adamw":
        return nf.adamw(1e-2, 1e-2, mask=nf.l2_mask)
    if name == "rmsprop":
        return nf.rmsprop(1e-2)
    if name == "momentum":
        return nf.momentum(1e-2)
    return nf.adam(nf.linear_schedule(1e-2, 1e-3, 5))


@settings(max_examples=40, deadline=None)
@given(
    net=nst.networks(nst.layer_sizes(n_out=3, min_hidden=0, max_hidden=2), output=st.just(nf.identity)),
    name=optimizers,
    l2=st.sampled_from([0.0, 1e-2]),
    steps=st.integers(1, 4),
    key=nst.keys(),
)
def test_optimizer_step_on_a_dense_stack_equals_the_tree_path_bit_for_bit(
    net: nf.MLP, name: str, l2: float, steps: int, key: nf.Key
) -> None:
    batches = [nst.batch_for(net, nf.Key(key.seed, (i,)), labels="classes", n=5) for i in range(steps)]
    opt = _make(name)
    params, state = nf.train(nf.optimizer_step(opt, l2=l2), (net, opt.init(net)), batches)
    want_params, want_state = _tree_path(opt, net, batches, l2)
    for got, want in zip(nf.tree_leaves((params, state)), nf.tree_leaves((want_params, want_state)), strict=True):
        np.testing.assert_array_equal(got, want)
        if isinstance(got, np.ndarray):
            assert got.dtype == want.dtype and not got.flags.writeable


def test_a_sequential_of_dense_layers_of_two_dtypes_trains_leaf_by_leaf() -> None:
    """Not packed (one vector has one dtype): each leaf keeps its dtype and moves as Adam's first step says."""
    layers = (
        nf.Dense(np.full((2, 3), 0.5, np.float32), np.zeros(3, np.float32), nf.relu),
        nf.Dense(np.full((3, 2), 0.5), np.zeros(2), nf.identity),
    )
    net = nf.Sequential(layers)
    batch = nf.Batch(np.ones((4, 2)), [0, 1, 0, 0])
    opt = nf.adam(1e-2)
    params, _ = nf.optimizer_step(opt)((net, opt.init(net)), batch)
    grads = nf.tree_leaves(nf.grad(net, batch))
    for new, old, g in zip(nf.tree_leaves(params), nf.tree_leaves(net), grads, strict=True):
        assert new.dtype == old.dtype
        # Adam's first step moves every leaf by lr * sign(g) (|m_hat| = sqrt(v_hat) = |g|), up to eps
        np.testing.assert_allclose(new, old - 1e-2 * np.sign(g), rtol=1e-5, atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(
    a_sizes=nst.layer_sizes(n_out=2, min_hidden=1, max_hidden=2),
    b_sizes=nst.layer_sizes(n_out=2, min_hidden=1, max_hidden=2),
)
def test_adam_state_of_a_network_with_other_shapes_is_refused_even_right_after_a_step(
    a_sizes: tuple[int, ...], b_sizes: tuple[int, ...]
) -> None:
    """The update's memo (moments it made last) must not let a state pass for a network of the same
    structure whose leaves have other shapes."""
    if len(a_sizes) != len(b_sizes) or a_sizes == b_sizes:
        return
    opt = nf.adam(1e-3)
    step = nf.optimizer_step(opt)
    a = nf.init_mlp(nf.Key(0), a_sizes)
    b = nf.init_mlp(nf.Key(0), b_sizes)
    batch_a = nf.Batch(np.ones((2, a_sizes[0])), [0, 1])
    batch_b = nf.Batch(np.ones((2, b_sizes[0])), [0, 1])
    _, state = step((a, opt.init(a)), batch_a)
    with pytest.raises(ValueError, match="does not match the parameters"):
        step((b, state), batch_b)


@settings(max_examples=40, deadline=None)
@given(shapes=shapes, packed_params=st.booleans())
def test_adding_packed_updates_never_writes_the_callers_parameters(
    shapes: list[tuple[int, ...]], packed_params: bool
) -> None:
    """Packed parameters (a later step) or plain ones (a first step): the sum is fresh and read-only."""
    plan = plan_of(tuple(shapes))
    p_flat = np.arange(plan.size, dtype=np.float64)
    p = Packed(p_flat, plan, read_only=True) if packed_params else [a.copy() for a in split(p_flat, plan)]
    before = [a.copy() for a in p]
    u = Packed(np.ones(plan.size), plan, read_only=True)
    out = add_leaves(p, u, [np.zeros(shape) for shape in shapes])
    for a, b in zip(p, before, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.concatenate([a.reshape(-1) for a in out]), p_flat + 1)
    assert all(not a.flags.writeable for a in out)


def _large_optimizers() -> dict[str, nf.Optimizer[Any]]:
    return {
        "adam": nf.adam(1e-2),
        "adamw": nf.adamw(1e-2, 1e-2),
        "multi_steps": nf.multi_steps(nf.adam(1e-2), every_k=2),
        "masked": nf.masked(nf.adam(1e-2), nf.l2_mask),
        "scale_by_adam": nf.scale_by_adam(),
        "clip_then_adam": nf.chain(nf.clip_by_global_norm(1.0), nf.adam(1e-2)),
        "adam_then_clip": nf.chain(nf.scale_by_adam(), nf.clip(1e-3), nf.scale(-1e-2)),
    }


@settings(max_examples=20, deadline=None)
@given(
    name=st.sampled_from(sorted(_large_optimizers())),
    dtype=nst.dtypes(),
    block_bytes=st.sampled_from([256, 1000, 4096]),
    key=nst.keys(),
)
def test_optimizer_step_on_a_network_too_large_to_pack_equals_the_tree_path(
    name: str, dtype: np.dtype[Any], block_bytes: int, key: nf.Key
) -> None:
    """Leaf by leaf, in blocks (the network holds more than one block of parameters; blocks of a few
    hundred bytes make several per leaf, the last one partial), Adam writes its update into the step's
    own gradient and adds the parameters to it when it ends the chain: bit for bit what the tree path
    gives, where nothing is written in place."""
    net = nf.init_mlp(key, (60, 40, 3), dtype=dtype)  # 2 563 parameters: 10 kB in float32
    opt = _large_optimizers()[name]
    batches = [nst.batch_for(net, nf.Key(key.seed, (i,)), labels="classes", n=4) for i in range(3)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scale_adam, "BLOCK_BYTES", block_bytes)
        params, state = nf.train(nf.optimizer_step(opt), (net, opt.init(net)), batches)
        want_params, want_state = _tree_path(opt, net, batches, 0.0)
    for got, want in zip(nf.tree_leaves((params, state)), nf.tree_leaves((want_params, want_state)), strict=True):
        np.testing.assert_array_equal(got, want)
        if isinstance(got, np.ndarray):
            assert got.dtype == want.dtype and not got.flags.writeable


def _keeps(arrays: list[Arr]) -> nf.Optimizer[Any]:
    """A user's transformation that returns writeable arrays it keeps (no nnfunc array is ever writeable)."""

    def update(updates: Any, state: Any, params: Any) -> tuple[Any, Any]:
        leaves, treedef = nf.tree_flatten(updates)
        for kept, leaf in zip(arrays, leaves, strict=True):
            kept[...] = leaf
        return treedef.unflatten(arrays), state

    return nf.Optimizer(lambda params: (), update)


@settings(max_examples=20, deadline=None)
@given(large=st.booleans(), key=nst.keys())
def test_adam_writes_only_into_the_steps_own_gradient(large: bool, key: nf.Key) -> None:
    """Adam writes in place only into the step's own gradient: after a user's transformation that hands
    out arrays it keeps, Adam allocates, packed (small) or leaf by leaf (large), and the user's arrays
    keep what the user's transformation wrote."""
    net = nf.init_mlp(key, (60, 40, 3) if large else (3, 4, 3))
    arrays = [np.zeros(a.shape) for a in nf.tree_leaves(net)]
    opt = nf.chain(_keeps(arrays), nf.adam(1e-2))
    batches = [nst.batch_for(net, nf.Key(key.seed, (i,)), labels="classes", n=4) for i in range(2)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scale_adam, "BLOCK_BYTES", 4096)
        after_one, _ = nf.train(nf.optimizer_step(opt), (net, opt.init(net)), batches[:1])
        _, g = nf.value_and_grad(after_one, batches[1])
        nf.train(nf.optimizer_step(opt), (net, opt.init(net)), batches)
    for kept, want in zip(arrays, nf.tree_leaves(g), strict=True):
        np.testing.assert_array_equal(kept, want)  # the last gradient the user's transformation saw, untouched


def _ema_then_adam(lr: float) -> nf.Optimizer[Any]:
    """A user's own ``Transform`` that keeps a moving average of the gradient in its state and hands that
    average, with the parameters it was given, to nnfunc's Adam."""
    adam = nf.adam(lr)
    adam_flat = adam.update.flat if isinstance(adam.update, Transform) else None
    assert adam_flat is not None

    def init(params: Any) -> Any:
        return [np.zeros_like(a) for a in nf.tree_leaves(params)], adam.init(params)

    def flat(u: list[Any], state: Any, params: Params, f: float) -> tuple[list[Any], Any]:
        ema = [0.9 * e + 0.1 * g for e, g in zip(state[0], u, strict=True)]  # fresh, and kept in the state
        out, inner = adam_flat(ema, state[1], params, f)
        return out, (ema, inner)

    return nf.Optimizer(init, Transform(flat))


@settings(max_examples=10, deadline=None)
@given(large=st.booleans(), key=nst.keys())
def test_a_users_transform_forwarding_its_own_arrays_to_adam_never_has_them_overwritten(
    large: bool, key: nf.Key
) -> None:
    """Scratch is given only to transformations made to take it: a user's ``Transform`` that forwards the
    step's parameters to Adam with arrays its state keeps gets the tree path's results, state included."""
    net = nf.init_mlp(key, (60, 40, 3) if large else (3, 4, 3))
    opt = _ema_then_adam(1e-2)
    batches = [nst.batch_for(net, nf.Key(key.seed, (i,)), labels="classes", n=4) for i in range(3)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scale_adam, "BLOCK_BYTES", 4096)
        got = nf.train(nf.optimizer_step(opt), (net, opt.init(net)), batches)
        want = _tree_path(opt, net, batches, 0.0)
    for a, b in zip(nf.tree_leaves(got), nf.tree_leaves(want), strict=True):
        np.testing.assert_array_equal(a, b)
