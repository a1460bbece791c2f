"""Pytree utilities over frozen dataclasses (with static fields), tuples, lists, dicts, NamedTuples and None."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any, NamedTuple

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import nnfunc as nf
from nnfunc.testing import strategies as nst


class Pair(NamedTuple):
    first: Any
    second: Any


@dataclasses.dataclass(frozen=True)
class Node:
    left: Any
    right: Any
    tag: str = nf.static_field(default="node")


LEAVES = st.integers(-1000, 1000) | st.integers(1, 3).map(lambda n: np.arange(n) * 1.5)
TAGS = st.sampled_from(["a", "b"])


def _children(inner: st.SearchStrategy[Any], *, dicts: bool = True) -> st.SearchStrategy[Any]:
    kinds = [
        st.tuples(inner, inner),
        st.lists(inner, max_size=3),
        st.builds(Pair, inner, inner),
        st.builds(Node, inner, inner, tag=TAGS),
        st.lists(inner, max_size=2).map(tuple),
    ]
    if dicts:
        kinds.append(st.dictionaries(st.sampled_from(["x", "y", "z"]), inner, max_size=3))
    return st.one_of(kinds)


TREES = st.recursive(st.none() | LEAVES, _children, max_leaves=12)
TREES_WITHOUT_DICTS = st.recursive(st.none() | LEAVES, lambda inner: _children(inner, dicts=False), max_leaves=12)


def _shape(tree: Any) -> Any:
    """A type-exact description of ``tree``: containers with their types, leaves as values."""
    if tree is None:
        return ("None",)
    if isinstance(tree, dict):
        return ("dict", tuple((k, _shape(v)) for k, v in tree.items()))
    if isinstance(tree, (tuple, list)):
        return (type(tree).__name__, tuple(_shape(c) for c in tree))
    if isinstance(tree, Node):
        return ("Node", tree.tag, _shape(tree.left), _shape(tree.right))
    if isinstance(tree, np.ndarray):
        return ("array", tuple(tree.tolist()))
    return ("leaf", tree)


def _replace_leaf(tree: Any, index: int, new: Any) -> Any:
    counter = itertools.count()
    return nf.tree_map(lambda leaf: new if next(counter) == index else leaf, tree)


def _resolve(tree: Any, path: str) -> Any:
    """Follow a path such as ``.layers[0].w`` or ``['x'][1]`` from ``tree``."""
    if path == "<root>":
        return tree
    return eval("tree" + path, {}, {"tree": tree})


@settings(max_examples=200, deadline=None)
@given(tree=TREES)
def test_tree_map_identity_round_trips_structure_and_types(tree: Any) -> None:
    assert _shape(nf.tree_map(lambda leaf: leaf, tree)) == _shape(tree)


@settings(max_examples=200, deadline=None)
@given(tree=TREES)
def test_leaves_follow_paths_and_paths_resolve_to_their_leaf(tree: Any) -> None:
    with_paths = nf.tree_leaves_with_paths(tree)
    leaves = nf.tree_leaves(tree)
    assert len(with_paths) == len(leaves)
    assert all(a is b for (_, a), b in zip(with_paths, leaves, strict=True))
    paths = [p for p, _ in with_paths]
    assert len(set(paths)) == len(paths)
    for path, leaf in with_paths:
        assert _resolve(tree, path) is leaf


@settings(max_examples=200, deadline=None)
@given(tree=TREES)
def test_tree_map_visits_leaves_in_tree_leaves_order(tree: Any) -> None:
    counter = itertools.count()
    numbered = nf.tree_map(lambda _: next(counter), tree)
    n = len(nf.tree_leaves(tree))
    assert nf.tree_leaves(numbered) == list(range(n))
    assert _shape(nf.tree_map(lambda _: 0, numbered)) == _shape(nf.tree_map(lambda _: 0, tree))


@settings(max_examples=150, deadline=None)
@given(tree=TREES)
def test_multi_tree_map_pairs_matching_leaves(tree: Any) -> None:
    doubled = nf.tree_map(lambda a: a * 2, tree)
    summed = nf.tree_map(lambda a, b, c: a + b - c, tree, doubled, tree)
    assert _shape(summed) == _shape(doubled)


@pytest.mark.parametrize(
    "trees",
    [
        pytest.param(TREES_WITHOUT_DICTS, id="no-dicts"),
        pytest.param(TREES, id="with-dicts"),
    ],
)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_structure_mismatch_raises_value_error_naming_the_path(
    trees: st.SearchStrategy[Any], data: st.DataObject
) -> None:
    tree = data.draw(trees)
    paths = [p for p, _ in nf.tree_leaves_with_paths(tree)]
    assume(paths)
    i = data.draw(st.integers(0, len(paths) - 1))
    other = _replace_leaf(tree, i, (0, 0))
    for a, b in ((tree, other), (other, tree)):
        with pytest.raises(ValueError, match="structures differ") as info:
            nf.tree_map(lambda *leaves: leaves[0], a, b)
        assert paths[i] in str(info.value)


@pytest.mark.parametrize(
    ("a", "b", "path"),
    [
        ((1, 2), [1, 2], "<root>"),
        pytest.param({"x": [1, 2]}, {"x": [1, 2, 3]}, "['x']"),
        ({1: [1, 2]}, {1: [1, 2, 3]}, "[1]"),
        ({"x": 1, "y": 2}, {"x": 1, "z": 2}, "<root>"),
        (Pair(1, (2, 3)), Pair(1, None), "[1]"),
        (Node(1, 2, tag="a"), Node(1, 2, tag="b"), "<root>"),
        ([Node(1, 2)], [Node(1, {"k": 2})], "[0].right"),
        ((1, None), (1, 2), "[1]"),
    ],
)
def test_structure_mismatch_examples(a: Any, b: Any, path: str) -> None:
    with pytest.raises(ValueError, match="structures differ") as info:
        nf.tree_map(lambda *leaves: leaves[0], a, b)
    assert f"at {path}" in str(info.value)


def test_static_fields_are_configuration_not_leaves() -> None:
    node = Node(1, np.ones(2), tag="config")
    assert [p for p, _ in nf.tree_leaves_with_paths(node)] == [".left", ".right"]
    mapped = nf.tree_map(lambda leaf: leaf + 1, node)
    assert isinstance(mapped, Node)
    assert mapped.tag == "config"
    assert mapped.left == 2


def test_none_is_an_empty_node_and_dicts_are_matched_by_key() -> None:
    assert nf.tree_leaves(None) == []
    assert nf.tree_leaves((None, [None], {"a": None})) == []
    assert nf.tree_map(lambda a, b: a - b, {"a": 10, "b": 20}, {"b": 2, "a": 1}) == {"a": 9, "b": 18}


@settings(max_examples=30, deadline=None)
@given(params=nst.networks())
def test_network_paths_and_tree_map_rebuild_a_network(params: nf.MLP) -> None:
    paths = [p for p, _ in nf.tree_leaves_with_paths(params)]
    assert paths == [f".layers[{i}].{f}" for i in range(len(params.layers)) for f in ("w", "b")]
    copy = nf.tree_map(np.copy, params)
    assert type(copy) is nf.MLP
    assert all(type(layer) is nf.Dense for layer in copy.layers)
    assert [la.activation for la in copy.layers] == [la.activation for la in params.layers]
    for a, b in zip(nf.tree_leaves(copy), nf.tree_leaves(params), strict=True):
        np.testing.assert_array_equal(a, b)
        assert not a.flags.writeable


def test_dict_leaves_follow_sorted_keys_whatever_the_insertion_order() -> None:
    a = {"b": np.zeros(1), "a": np.ones(2)}
    b = {"a": np.ones(2), "b": np.zeros(1)}
    assert [p for p, _ in nf.tree_leaves_with_paths(a)] == ["['a']", "['b']"]
    assert [leaf.shape for leaf in nf.tree_leaves(a)] == [leaf.shape for leaf in nf.tree_leaves(b)]
    summed = nf.tree_map(lambda u, v: u + v, a, b)
    assert summed["a"].shape == (2,) and summed["b"].shape == (1,)
