"""Properties of drawn stacks of layers (``nnfunc.testing.strategies.layer_stacks``): gradients against
finite differences, per-sample gradients, float32 throughout, pure steps; and the strategies themselves."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnfunc as nf
from nnfunc.testing import check_layer
from nnfunc.testing import strategies as nst

SMOOTH = st.sampled_from(nst.SMOOTH_ACTIVATIONS)  # finite differences need no kinks (relu is checked in test_layers)
PER_SAMPLE = ("dense", "activation", "layer_norm", "residual")  # no layer that mixes the samples of a batch


def _layers(layer: object) -> list[object]:
    """Every layer in the tree under ``layer``, depth first, in order."""
    found = [layer]
    for child in (*getattr(layer, "layers", ()), getattr(layer, "inner", None)):
        if child is not None:
            found += _layers(child)
    return found


def _kinds(layer: object) -> set[str]:
    """The class names of every layer in the tree under ``layer``."""
    return {type(child).__name__ for child in _layers(layer)}


@settings(max_examples=30, deadline=None)
@given(
    net=nst.layer_stacks(dtype=np.float64, hidden=SMOOTH), key=nst.keys(), n=st.integers(1, 6), training=st.booleans()
)
def test_check_layer_passes_on_drawn_stacks(net: nf.Sequential, key: nf.Key, n: int, training: bool) -> None:
    x = nst.batch_for(net, key, labels="real", n=n).x
    assert isinstance(x, np.ndarray)
    report = check_layer(net, x, key=key, training=training)
    assert report.max_rel_error < 1e-6, f"{report}\n{nf.summary(net)}"


@settings(max_examples=30, deadline=None)
@given(net=nst.layer_stacks(dtype=np.float64, blocks=PER_SAMPLE), key=nst.keys(), n=st.integers(2, 6))
def test_gradient_of_the_mean_loss_is_the_mean_of_per_sample_gradients(net: nf.Sequential, key: nf.Key, n: int) -> None:
    batch = nst.batch_for(net, key, labels="real", n=n)
    kw: dict[str, Any] = {"cost": nf.mean_squared_error, "l2": 0.01}
    whole = nf.grad(net, batch, **kw)
    singles = [nf.grad(net, nf.Batch(batch.x[i : i + 1], batch.y[i : i + 1]), **kw) for i in range(n)]
    mean = nf.tree_map(lambda *gs: np.mean(gs, axis=0), *singles)
    for a, b in zip(nf.tree_leaves(whole), nf.tree_leaves(mean), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(net=nst.layer_stacks(dtype=np.float32), key=nst.keys())
def test_float32_in_float32_out(net: nf.Sequential, key: nf.Key) -> None:
    batch = nst.batch_for(net, key, labels="real")
    assert batch.x.dtype == np.float32
    assert nf.forward(net, batch.x).dtype == np.float32
    assert nf.loss(net, batch, cost=nf.mean_squared_error, l2=0.1).dtype == np.float32
    value, grad, moved = nf.value_grad_and_state(net, batch, cost=nf.mean_squared_error, l2=0.1)
    assert value.dtype == np.float32
    stepped = nf.sgd_step(net, batch, lr=0.01, cost=nf.mean_squared_error, l2=0.1)
    for tree in (grad, moved, stepped):
        assert all(leaf.dtype == np.float32 for leaf in nf.tree_leaves(tree))


@settings(max_examples=25, deadline=None)
@given(net=nst.layer_stacks(), key=nst.keys(), l2=st.sampled_from([0.0, 0.1]))
def test_sgd_step_keeps_the_structure_and_mutates_nothing(net: nf.Sequential, key: nf.Key, l2: float) -> None:
    batch = nst.batch_for(net, key, labels="real")
    before = [leaf.copy() for leaf in nf.tree_leaves(net)]
    x, y = batch.x.copy(), batch.y.copy()
    new = nf.sgd_step(net, batch, lr=0.05, cost=nf.mean_squared_error, l2=l2)
    assert type(new) is nf.Sequential
    nf.tree_map(lambda a, b: None, net, new)  # same structure and static configuration, or ValueError
    assert nf.summary(new) == nf.summary(net)
    for old, leaf in zip(before, nf.tree_leaves(net), strict=True):
        np.testing.assert_array_equal(old, leaf)
    np.testing.assert_array_equal(batch.x, x)
    np.testing.assert_array_equal(batch.y, y)
    for leaf, old in zip(nf.tree_leaves(new), before, strict=True):
        assert not leaf.flags.writeable
        assert leaf.shape == old.shape and leaf.dtype == old.dtype


OPTIMISERS = {
    "sgd": lambda: nf.sgd(0.05),
    "momentum": lambda: nf.momentum(0.05),
    "adam": lambda: nf.adam(0.01),
    "adamw": lambda: nf.adamw(0.01, weight_decay=0.1),
}


@settings(max_examples=20, deadline=None)
@given(net=nst.layer_stacks(), key=nst.keys(), name=st.sampled_from(sorted(OPTIMISERS)))
def test_optimizer_step_threads_running_statistics_and_mutates_nothing(
    net: nf.Sequential, key: nf.Key, name: str
) -> None:
    opt = OPTIMISERS[name]()
    batch = nst.batch_for(net, key, labels="real")
    before = [leaf.copy() for leaf in nf.tree_leaves(net)]
    new, _ = nf.optimizer_step(opt, cost=nf.mean_squared_error, l2=0.1)((net, opt.init(net)), batch)
    _, _, moved = nf.value_grad_and_state(net, batch, cost=nf.mean_squared_error, l2=0.1)
    assert type(new) is nf.Sequential and nf.summary(new) == nf.summary(net)
    for old, leaf in zip(before, nf.tree_leaves(net), strict=True):
        np.testing.assert_array_equal(old, leaf)
    norms = [(a, b) for a, b in zip(_layers(new), _layers(moved), strict=True) if isinstance(a, nf.BatchNorm)]
    for stepped, forward_moved in norms:  # running statistics from the forward pass, never from the optimiser
        assert isinstance(forward_moved, nf.BatchNorm)
        np.testing.assert_array_equal(stepped.running_mean, forward_moved.running_mean)
        np.testing.assert_array_equal(stepped.running_var, forward_moved.running_var)


@settings(max_examples=30, deadline=None)
@given(
    n_in=st.integers(1, 5),
    n_out=st.integers(1, 5),
    dtype=nst.dtypes(),
    blocks=st.lists(st.sampled_from(nst.BLOCKS), unique=True).map(tuple),
    data=st.data(),
)
def test_layer_stacks_respect_widths_dtype_and_blocks(
    n_in: int, n_out: int, dtype: np.dtype[Any], blocks: tuple[str, ...], data: st.DataObject
) -> None:
    net = data.draw(nst.layer_stacks(n_in=n_in, n_out=n_out, dtype=dtype, blocks=blocks))
    assert (net.n_in, net.n_out) == (n_in, n_out)
    assert all(leaf.dtype == dtype for leaf in nf.tree_leaves(net))
    allowed = {"Sequential", "Dense"}
    allowed |= {"ActivationLayer"} if "activation" in blocks else set()
    allowed |= {"LayerNorm"} if "layer_norm" in blocks else set()
    allowed |= {"BatchNorm"} if "batch_norm" in blocks else set()
    allowed |= {"Dropout"} if "dropout" in blocks else set()
    allowed |= {"Residual"} if "residual" in blocks else set()
    assert _kinds(net) <= allowed


def test_layer_stacks_refuse_an_unknown_block() -> None:
    with pytest.raises(ValueError, match="blocks"):
        nst.layer_stacks(blocks=("conv",))


@settings(max_examples=25, deadline=None)
@given(
    net=st.one_of(nst.networks(), nst.layer_stacks()),
    key=nst.keys(),
    labels=st.sampled_from(["classes", "onehot", "binary", "real"]),
    n=st.integers(1, 9),
)
def test_batch_for_fits_any_network(net: nf.Layer, key: nf.Key, labels: Any, n: int) -> None:
    batch = nst.batch_for(net, key, labels=labels, n=n)
    dtype = nf.tree_leaves(net)[0].dtype
    assert net.n_in is not None and net.n_out is not None
    assert batch.x.shape == (n, net.n_in) and batch.x.dtype == dtype
    assert batch.key == key
    if labels == "classes":
        assert batch.y.shape == (n,) and batch.y.min() >= 0 and batch.y.max() < net.n_out
    elif labels == "binary" and net.n_out == 1:
        assert batch.y.shape == (n,)
    else:
        assert batch.y.shape == (n, net.n_out) and batch.y.dtype == dtype


def test_batch_for_refuses_a_network_without_fixed_widths() -> None:
    with pytest.raises(ValueError, match="params: expected a network that fixes"):
        nst.batch_for(nf.Sequential([nf.tanh]), nf.Key(0), labels="real")
