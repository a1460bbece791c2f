"""save/load with every layer kind: the configuration walk covers them all without special cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nnfunc as nf
from nnfunc.io import load, save

WIDTH = 3
ACTIVATIONS = [nf.tanh, nf.relu, nf.sigmoid, nf.identity, nf.leaky_relu(0.2)]

# A block is described by a small tuple, so that a random network and a variant of it are easy to build.
blocks = st.one_of(
    st.tuples(st.just("dense"), st.integers(0, 2**31 - 1), st.sampled_from(range(len(ACTIVATIONS)))),
    st.tuples(st.just("layernorm"), st.sampled_from([1e-5, 1e-3])),
    st.tuples(st.just("batchnorm"), st.sampled_from([0.1, 0.5])),
    st.tuples(st.just("dropout"), st.sampled_from([0.0, 0.25, 0.5])),
    st.tuples(st.just("activation"), st.sampled_from(range(len(ACTIVATIONS)))),
)
plans = st.lists(st.tuples(st.booleans(), blocks), min_size=1, max_size=5)  # (inside a Residual?, block)


def _block(spec: tuple[Any, ...]) -> Any:
    kind = spec[0]
    if kind == "dense":
        layer = nf.init_mlp(nf.Key(spec[1]), (WIDTH, WIDTH)).layers[0]
        return nf.Dense(layer.w, layer.b, ACTIVATIONS[spec[2]])
    if kind == "layernorm":
        return nf.LayerNorm(WIDTH, eps=spec[1])
    if kind == "batchnorm":
        return nf.BatchNorm(WIDTH, momentum=spec[1])
    if kind == "dropout":
        return nf.Dropout(spec[1])
    return nf.ActivationLayer(ACTIVATIONS[spec[1]])


def _network(plan: list[tuple[bool, tuple[Any, ...]]]) -> Any:
    return nf.Sequential([nf.Residual(_block(b)) if inner else _block(b) for inner, b in plan])


def _variant(spec: tuple[Any, ...]) -> tuple[tuple[Any, ...], str, str]:
    """Another block of the same widths: its spec, and the field (or "") and kind words that differ."""
    kind = spec[0]
    if kind == "dense":
        return (kind, spec[1], (spec[2] + 1) % len(ACTIVATIONS)), ".activation", ""
    if kind == "layernorm":
        return ("batchnorm", 0.1), "", "nnfunc.LayerNorm, skeleton has a nnfunc.BatchNorm"
    if kind == "batchnorm":
        return (kind, 0.9), ".momentum", ""
    if kind == "dropout":
        return (kind, 0.75), ".rate", ""
    return (kind, (spec[1] + 1) % len(ACTIVATIONS)), ".activation", ""


def _same(a: Any, b: Any) -> None:
    pa, pb = nf.tree_leaves_with_paths(a), nf.tree_leaves_with_paths(b)
    assert [p for p, _ in pa] == [p for p, _ in pb]
    for (where, u), (_, v) in zip(pa, pb, strict=True):
        assert u.dtype == v.dtype and u.shape == v.shape and u.tobytes() == v.tobytes(), where


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(plan=plans)
def test_networks_of_any_layer_kinds_round_trip_exactly(tmp_path: Path, plan: list[Any]) -> None:
    path = tmp_path / "net.npz"
    net = _network(plan)
    save(path, net)
    zeroed = nf.tree_map(np.zeros_like, net)
    loaded = load(path, zeroed)
    assert type(loaded) is nf.Sequential
    assert [type(la) for la in loaded.layers] == [type(la) for la in net.layers]
    _same(loaded, net)


@SETTINGS
@given(plan=plans, data=st.data())
def test_a_skeleton_with_another_layer_kind_or_setting_is_refused_naming_it(
    tmp_path: Path, plan: list[Any], data: Any
) -> None:
    i = data.draw(st.integers(0, len(plan) - 1))
    inner, spec = plan[i]
    other, field, kind_words = _variant(spec)
    changed = [*plan[:i], (inner, other), *plan[i + 1 :]]
    path = tmp_path / "net.npz"
    save(path, _network(plan))
    with pytest.raises(ValueError) as info:
        load(path, _network(changed))
    message = str(info.value)
    place = f".layers[{i}]" + (".inner" if inner else "")
    assert str(path) in message, message
    if field:
        assert f"`{place}{field}`: file has " in message, message
    else:
        assert f"`{place}`: file has a {kind_words}" in message, message
