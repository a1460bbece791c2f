"""Pytree utilities over frozen dataclasses (with static fields), tuples, lists, dicts, NamedTuples and None."""

from __future__ import annotations

import collections
import dataclasses
import itertools
from typing import Any, NamedTuple

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import nnfunc as nf
from nnfunc.testing import strategies as nst
from nnfunc.tree import static_field, tree_flatten


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
        ({"x": 1, "y": 2}, {"x": 1, "z": 2}, "['z']"),
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


# --- flatten / unflatten, TreeDef, tree_match ------------------------------------------------------------------


CALLS: list[int] = []  # __post_init__ calls of Checked, one shared log (equal static values)


class Items(list[Any]):
    """A list subclass: keeps its type through tree_map and unflatten."""


class Row(tuple[Any, ...]):
    """A tuple subclass (not a NamedTuple)."""

    __slots__ = ()


@dataclasses.dataclass(frozen=True, slots=True)
class Checked:
    """A slots dataclass whose __post_init__ refuses a string ``x`` and counts its calls in ``log``."""

    x: Any
    scale: np.ndarray[Any, Any] = static_field(default_factory=lambda: np.ones(2))
    log: list[int] = static_field(default_factory=lambda: CALLS)

    def __post_init__(self) -> None:
        self.log.append(1)
        if isinstance(self.x, str):
            raise TypeError("x: expected a number or a tree, got str")


KEYS = st.sampled_from(["x", "y", 1, 2, (0, "t")])


def _rich_children(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    dicts = st.dictionaries(KEYS, inner, max_size=3)
    return _children(inner) | st.one_of(
        dicts.map(collections.OrderedDict),
        dicts.map(lambda d: collections.defaultdict(list, d)),
        st.lists(inner, max_size=3).map(Items),
        st.lists(inner, max_size=3).map(Row),
        st.builds(Checked, inner),
    )


RICH_TREES = st.recursive(st.none() | LEAVES, _rich_children, max_leaves=12)


def _exact(tree: Any) -> Any:
    """Like ``_shape``, for the rich trees: types, dict key order, default factories, static arrays."""
    if isinstance(tree, dict):
        factory = getattr(tree, "default_factory", None)
        return (type(tree).__name__, factory, tuple((k, _exact(v)) for k, v in tree.items()))
    if isinstance(tree, (tuple, list)):
        return (type(tree).__name__, tuple(_exact(c) for c in tree))
    if isinstance(tree, Node):
        return ("Node", tree.tag, _exact(tree.left), _exact(tree.right))
    if isinstance(tree, Checked):
        return ("Checked", tuple(tree.scale.tolist()), _exact(tree.x))
    return _shape(tree)


@settings(max_examples=150, deadline=None)
@given(tree=RICH_TREES)
def test_unflatten_of_flatten_gives_the_tree_back(tree: Any) -> None:
    leaves, treedef = tree_flatten(tree)
    assert all(a is b for a, b in zip(leaves, nf.tree_leaves(tree), strict=True))
    assert treedef.num_leaves == len(leaves) == len(treedef.paths) == len(treedef.fields)
    rebuilt = treedef.unflatten(leaves)
    assert _exact(rebuilt) == _exact(tree)
    assert all(a is b for a, b in zip(tree_flatten(rebuilt)[0], leaves, strict=True))
    again = tree_flatten(rebuilt)[1]
    assert again == treedef and hash(again) == hash(treedef)
    assert _exact(nf.tree_map(lambda leaf: leaf, tree)) == _exact(tree)  # the safe rebuild keeps types too


def _triples(tree: Any, n: int) -> list[Any]:
    flat = nf.tree_leaves(tree)
    return [tuple(flat[3 * i : 3 * i + 3]) for i in range(n)]


@settings(max_examples=100, deadline=None)
@given(tree=RICH_TREES)
def test_tree_map_of_several_trees_pairs_leaves_in_order(tree: Any) -> None:
    leaves = nf.tree_leaves(tree)
    numbered = nf.tree_map(lambda _: 1, tree)
    mapped = nf.tree_map(lambda a, b, c: (a, b, c), tree, tree, numbered)
    triples = nf.tree_leaves(mapped)  # each leaf became a tuple node of three leaves
    assert triples == [x for leaf in leaves for x in (leaf, leaf, 1)] or not all(
        isinstance(leaf, int) for leaf in leaves
    )
    assert all(t[0] is a and t[1] is a for t, a in zip(_triples(mapped, len(leaves)), leaves, strict=True))
    assert _exact(nf.tree_map(lambda a, b: a, tree, numbered)) == _exact(tree)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_tree_match_names_the_path_of_a_shape_or_dtype_difference(data: st.DataObject) -> None:
    tree = data.draw(RICH_TREES)
    leaves, treedef = tree_flatten(tree)
    assume(leaves)
    i = data.draw(st.integers(0, len(leaves) - 1))
    arrays = [np.zeros(3) for _ in leaves]
    like = treedef.unflatten(arrays)
    nf.tree_match("state", treedef.unflatten([np.ones(3) for _ in leaves]), like)
    wrong: np.ndarray[Any, Any] = data.draw(st.sampled_from([np.zeros(4), np.zeros(3, np.float32), np.zeros((3, 1))]))
    bad = treedef.unflatten([wrong if j == i else a for j, a in enumerate(arrays)])
    with pytest.raises(ValueError, match=r"^state: does not match the parameters: ") as info:
        nf.tree_match("state", bad, like)
    assert f" at {treedef.paths[i]}, expected " in str(info.value)
    if wrong.dtype == np.float32:
        nf.tree_match("state", bad, like, dtypes=False)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_tree_match_names_the_path_of_a_structure_difference(data: st.DataObject) -> None:
    tree = data.draw(RICH_TREES)
    paths = tree_flatten(tree)[1].paths
    assume(paths)
    i = data.draw(st.integers(0, len(paths) - 1))
    other = _replace_leaf(tree, i, data.draw(st.sampled_from([(0, 0), Node(0, 0), None])))
    with pytest.raises(ValueError, match=r"^grads: does not match the parameters: .* at .*, expected ") as info:
        nf.tree_match("grads", other, tree)
    assert f" at {paths[i]}, expected " in str(info.value)


def test_unflatten_is_trusted_and_tree_map_is_safe() -> None:
    tree = Checked(1.0)
    calls = len(tree.log)
    treedef = tree_flatten(tree)[1]
    rebuilt = treedef.unflatten(["no"])  # __post_init__ would refuse it: unflatten does not run it
    assert type(rebuilt) is Checked and rebuilt.x == "no" and len(tree.log) == calls
    assert nf.tree_map(lambda v: v * 2, tree).x == 2.0 and len(tree.log) == calls + 1
    with pytest.raises(TypeError, match="x: expected a number"):
        nf.tree_map(lambda v: "no", tree)
    array = np.ones(2)
    assert treedef.unflatten([array]).x is array  # no copy, flags untouched
    assert array.flags.writeable


def test_static_arrays_are_compared_by_value_without_numpy_truth_errors() -> None:
    a, b, c = Checked(1.0, np.ones(2)), Checked(2.0, np.ones(2)), Checked(3.0, np.zeros(2))
    assert nf.tree_map(lambda u, v: u + v, a, b).x == 3.0
    assert tree_flatten(a)[1] == tree_flatten(b)[1]
    with pytest.raises(ValueError, match=r"structures differ at <root>: static field 'scale'"):
        nf.tree_map(lambda u, v: u + v, a, c)
    with pytest.raises(ValueError, match=r"^p: does not match the parameters: static field 'scale'"):
        nf.tree_match("p", c, a)
    assert {tree_flatten(a)[1], tree_flatten(b)[1]} == {tree_flatten(a)[1]}


def test_container_subclasses_keep_their_type_and_extras() -> None:
    od = collections.OrderedDict([("b", 1), ("a", 2)])
    dd: collections.defaultdict[str, list[int]] = collections.defaultdict(list, {"k": [1, 2]})
    tree = (od, dd, Items([1, 2]), Row((3, 4)))
    mapped = nf.tree_map(lambda v: v * 10, tree)
    assert type(mapped[0]) is collections.OrderedDict and list(mapped[0].items()) == [("b", 10), ("a", 20)]
    assert type(mapped[1]) is collections.defaultdict and mapped[1].default_factory is list
    assert mapped[1]["k"] == [10, 20]
    assert type(mapped[2]) is Items and mapped[2] == [10, 20]
    assert type(mapped[3]) is Row and mapped[3] == (30, 40)
    assert [p for p, _ in nf.tree_leaves_with_paths(tree)] == [
        "[0]['a']", "[0]['b']", "[1]['k'][0]", "[1]['k'][1]", "[2][0]", "[2][1]", "[3][0]", "[3][1]"
    ]  # fmt: skip


def test_treedef_fields_give_each_leaf_its_innermost_dataclass_field() -> None:
    net = nf.init_mlp(nf.Key(0), (3, 4, 2))
    treedef = tree_flatten({"net": net, "extra": Node(np.ones(1), [np.ones(2)]), "free": np.ones(3)})[1]
    names = [None if f is None else f.name for f in treedef.fields]
    assert treedef.paths == (
        "['extra'].left", "['extra'].right[0]", "['free']",
        "['net'].layers[0].w", "['net'].layers[0].b", "['net'].layers[1].w", "['net'].layers[1].b",
    )  # fmt: skip
    assert names == ["left", "right", None, "w", "b", "w", "b"]


def test_a_leaf_is_a_tree_with_the_root_path() -> None:
    leaves, treedef = tree_flatten(np.ones(2))
    assert treedef.paths == ("<root>",) and treedef.unflatten(leaves) is leaves[0]
    with pytest.raises(ValueError, match="leaves: expected 1 leaves"):
        treedef.unflatten([])


@settings(max_examples=60, deadline=None)
@given(tree=RICH_TREES, data=st.data())
def test_compiled_builders_and_matchers_agree_with_the_walk(tree: Any, data: st.DataObject) -> None:
    leaves, treedef = tree_flatten(tree)
    for _ in range(4):  # a structure used a few times gets compiled code: the same results
        assert _exact(treedef.unflatten(leaves)) == _exact(tree)
        got = treedef.leaves_of(tree)
        assert got is not None and all(a is b for a, b in zip(got, leaves, strict=True))
    other = data.draw(RICH_TREES)
    other_leaves, other_def = tree_flatten(other)
    matched = treedef.leaves_of(other)
    if other_def is treedef:
        assert matched is not None and all(a is b for a, b in zip(matched, other_leaves, strict=True))
    else:
        assert matched is None or other_def == treedef  # equal static values that are other objects
