"""save/load properties over random trees: exact round trips, corruptions refused with ValueError only
(never another exception, never MemoryError, never a wrong load), skeleton mismatches refused naming the
place, and dict keys that print alike refused by ``save`` naming both."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nnfunc as nf
from nnfunc._arrays import is_immutable
from nnfunc.io import load, save


@dataclass(frozen=True)
class Node:
    a: Any
    b: Any
    tag: str = nf.static_field(default="x")


@dataclass(frozen=True)
class OtherNode:
    a: Any
    b: Any
    tag: str = nf.static_field(default="x")


class Pair(NamedTuple):
    left: Any
    right: Any


_DTYPES = [np.float32, np.float64, np.int8, np.int64, np.uint16, np.bool_, np.complex64]

arrays = hnp.arrays(
    dtype=st.sampled_from(_DTYPES), shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
)
numbers = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.floats(),
    st.booleans(),
    st.complex_numbers(),
    st.floats(width=32).map(np.float32),
    st.integers(-128, 127).map(np.int8),
)
keys = st.text(max_size=3) | st.integers(-5, 5)


def trees(leaves: st.SearchStrategy[Any] = arrays | numbers) -> st.SearchStrategy[Any]:
    """Random pytrees: lists, tuples, NamedTuples, dicts (str and int keys), dataclasses with a static field."""
    return st.recursive(
        leaves | st.none(),
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.lists(children, max_size=3).map(tuple),
            st.dictionaries(keys, children, max_size=3),
            st.builds(Pair, children, children),
            st.builds(Node, children, children, st.sampled_from(["x", "y"])),
        ),
        max_leaves=8,
    )


def _zero_like(leaf: Any) -> Any:
    if isinstance(leaf, np.ndarray):
        return np.zeros_like(leaf)
    return type(leaf)(0)


def _assert_same(a: Any, b: Any) -> None:
    """Same structure, leaf types, dtypes, shapes and bits."""
    pa, pb = nf.tree_leaves_with_paths(a), nf.tree_leaves_with_paths(b)
    assert [p for p, _ in pa] == [p for p, _ in pb]
    for (where, u), (_, v) in zip(pa, pb, strict=True):
        assert type(u) is type(v), where
        if isinstance(u, (np.ndarray, np.generic)):
            assert u.dtype == v.dtype and u.shape == v.shape and u.tobytes() == v.tobytes(), where
        else:
            assert repr(u) == repr(v), where  # exact, -0.0 and nan included


def _fresh(tmp_path: Path, name: str = "tree.npz") -> Path:
    path = tmp_path / name
    path.unlink(missing_ok=True)
    return path


SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# -- round trips ----------------------------------------------------------------------------------


@SETTINGS
@given(tree=trees(arrays | arrays.map(np.asfortranarray) | arrays.map(lambda a: a[::-1] if a.ndim else a) | numbers))
def test_round_trip_of_random_trees_is_exact(tmp_path: Path, tree: Any) -> None:
    path = _fresh(tmp_path)
    save(path, tree)
    loaded = load(path, nf.tree_map(_zero_like, tree))
    _assert_same(loaded, tree)
    for leaf in nf.tree_leaves(loaded):
        if isinstance(leaf, np.ndarray):
            assert is_immutable(leaf)  # read-only down to the memory: nnfunc shares it without a copy


# -- corruptions ----------------------------------------------------------------------------------


def _members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(info.filename, z.read(info)) for info in z.infolist()]


def _rewrite_header(
    member: bytes, shape: tuple[int, ...] | None, dtype: np.dtype[Any] | None, data: bytes | None = None
) -> bytes:
    """``member`` (a .npy file) with its header declaring ``shape``/``dtype`` instead, and its data
    replaced by ``data`` (unchanged if ``None``)."""
    f = io.BytesIO(member)
    version = np.lib.format.read_magic(f)
    old_shape, fortran, old_dtype = (
        np.lib.format.read_array_header_1_0(f) if version == (1, 0) else np.lib.format.read_array_header_2_0(f)
    )
    data = f.read() if data is None else data
    header = {
        "descr": np.lib.format.dtype_to_descr(old_dtype if dtype is None else dtype),
        "fortran_order": fortran,
        "shape": old_shape if shape is None else shape,
    }
    out = io.BytesIO()
    np.lib.format.write_array_header_2_0(out, header)
    return out.getvalue() + data


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, content in members:
            z.writestr(name, content)
    return out.getvalue()


_OTHER_DTYPES = [np.dtype(d) for d in ["<f8", "<f4", "<i8", "|u1", "|b1", ">f8", "<c16", "|O", "<U3", "|V8"]]
huge_shapes = st.lists(st.integers(0, 2**40), min_size=0, max_size=4).map(tuple)


@st.composite
def corruptions(draw: st.DrawFn, data: bytes) -> tuple[str, bytes]:
    """One random corruption of the .npz bytes ``data``: its kind and the new bytes."""
    kind = draw(st.sampled_from(["truncate", "flip", "shape", "dtype"]))
    if kind == "truncate":
        return kind, data[: draw(st.integers(0, len(data) - 1))]
    if kind == "flip":
        bad = bytearray(data)
        for pos, mask in draw(st.lists(st.tuples(st.integers(0, len(data) - 1), st.integers(1, 255)), min_size=1)):
            bad[pos] ^= mask
        return kind, bytes(bad)
    members = _members(data)
    i = draw(st.integers(0, len(members) - 1))
    name, member = members[i]
    if kind == "shape":
        new = _rewrite_header(member, draw(huge_shapes), None)
    else:
        new = _rewrite_header(member, None, draw(st.sampled_from(_OTHER_DTYPES)))
    members[i] = (name, new)
    return f"{kind} of {name}", _zip(members)


_LIKE_SMALL = trees(arrays.filter(lambda a: a.size > 0) | numbers)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=_LIKE_SMALL, data=st.data())
def test_corrupted_files_are_refused_with_value_error_or_load_exactly(tmp_path: Path, tree: Any, data: Any) -> None:
    path = _fresh(tmp_path)
    save(path, tree)
    kind, bad = data.draw(corruptions(path.read_bytes()))
    path.write_bytes(bad)
    tracemalloc.start()
    try:
        loaded = load(path, nf.tree_map(_zero_like, tree))
    except ValueError as e:
        assert str(path) in str(e), str(e)
    else:
        assert kind != "truncate"  # a truncated archive is always refused
        _assert_same(loaded, tree)  # a harmless corruption (e.g. a zip timestamp): never a wrong load
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < 4 * len(bad) + (1 << 20), f"{kind}: {peak} bytes allocated for a {len(bad)}-byte file"


def _declaring(path: Path, where: str, shape: tuple[int, ...], data: bytes = b"") -> None:
    """Rewrite the saved file ``path`` so that array ``where`` declares ``shape`` and holds ``data``."""
    members = _members(path.read_bytes())
    path.write_bytes(
        _zip([(n, _rewrite_header(m, shape, None, data) if n == where + ".npy" else m) for n, m in members])
    )


def _refused_within(path: Path, like: Any, budget: int, *words: str) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as info:
            load(path, like)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    for word in (str(path), *words):
        assert word in str(info.value), str(info.value)
    assert peak < budget, f"{peak} bytes allocated before refusing"


def test_a_tiny_file_declaring_256_tib_is_refused_without_allocating(tmp_path: Path) -> None:
    path = tmp_path / "net.npz"
    net = nf.init_mlp(nf.Key(0), (4, 5, 3))
    save(path, net)
    _declaring(path, ".layers[0].w", (2**22, 2**23))  # float64: 2**48 bytes = 256 TiB
    assert path.stat().st_size < 2000
    _refused_within(path, net, 1 << 20, ".layers[0].w", "(4194304, 8388608)")


def test_a_half_megabyte_file_declaring_800_mb_is_refused_without_allocating(tmp_path: Path) -> None:
    path = tmp_path / "net.npz"
    net = nf.init_mlp(nf.Key(0), (4, 5, 3))
    save(path, net)
    _declaring(path, ".layers[1].w", (10_000, 10_000), bytes(522_000))
    assert 500_000 < path.stat().st_size < 600_000
    _refused_within(path, net, 1 << 20, ".layers[1].w", "(10000, 10000)")


@pytest.mark.parametrize("size", [0, 8, 152, 168, 10_000])
def test_an_entry_whose_size_disagrees_with_its_declared_shape_is_refused(tmp_path: Path, size: int) -> None:
    """The header says (5, 3) float64 as in the skeleton (120 bytes), the entry holds ``size`` bytes."""
    path = tmp_path / "net.npz"
    net = nf.init_mlp(nf.Key(0), (4, 5, 3))
    save(path, net)
    _declaring(path, ".layers[1].w", (5, 3), bytes(size))
    _refused_within(path, net, 1 << 20, ".layers[1].w", f"holds {size} bytes", "declares 120")


def test_a_large_skeleton_loads_with_one_copy_of_its_arrays(tmp_path: Path) -> None:
    """Reading allocates the arrays themselves plus bounded chunks, not several copies."""
    path = tmp_path / "big.npz"
    tree = {"w": np.ones((1000, 1000)), "b": np.ones(1000)}
    save(path, tree)
    tracemalloc.start()
    try:
        loaded = load(path, tree)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    _assert_same(loaded, tree)
    assert peak < 8_008_000 + (3 << 20), peak


# -- skeleton mismatches --------------------------------------------------------------------------


def _replace_leaf(tree: Any, index: int, new: Any) -> Any:
    """``tree`` with its ``index``-th leaf replaced by ``new``."""
    count = iter(range(10**9))
    return nf.tree_map(lambda leaf: new if next(count) == index else _zero_like(leaf), tree)


@SETTINGS
@given(tree=trees(arrays), data=st.data())
def test_a_skeleton_with_another_shape_or_dtype_is_refused_naming_the_leaf(
    tmp_path: Path, tree: Any, data: Any
) -> None:
    leaves = nf.tree_leaves_with_paths(tree)
    if not leaves:
        return
    index = data.draw(st.integers(0, len(leaves) - 1))
    where, leaf = leaves[index]
    if data.draw(st.booleans()):
        other = np.zeros((*leaf.shape, 2), dtype=leaf.dtype)
    else:
        other = np.zeros(leaf.shape, dtype=data.draw(st.sampled_from([d for d in _DTYPES if d != leaf.dtype])))
    path = _fresh(tmp_path)
    save(path, tree)
    with pytest.raises(ValueError) as info:
        load(path, _replace_leaf(tree, index, other))
    message = str(info.value)
    assert str(path) in message and f"array {where} has shape {leaf.shape} and dtype {leaf.dtype}" in message, message


@SETTINGS
@given(tree=trees(), extra=arrays, drop=st.booleans())
def test_a_skeleton_with_a_missing_or_extra_leaf_is_refused_naming_it(
    tmp_path: Path, tree: Any, extra: Any, drop: bool
) -> None:
    path = _fresh(tmp_path)
    more = {"tree": tree, "more": extra}
    save(path, {"tree": tree} if drop else more)
    skeleton = nf.tree_map(_zero_like, more if drop else {"tree": tree})
    with pytest.raises(ValueError) as info:
        load(path, skeleton)
    word = "missing arrays" if drop else "extra arrays"
    assert str(path) in str(info.value) and word in str(info.value) and "['more']" in str(info.value)


@SETTINGS
@given(sizes=st.lists(st.integers(1, 4), min_size=2, max_size=5), data=st.data())
def test_a_skeleton_with_another_activation_is_refused_naming_layer_and_both(
    tmp_path: Path, sizes: list[int], data: Any
) -> None:
    acts = [nf.identity, nf.tanh, nf.sigmoid, nf.relu, nf.leaky_relu(0.01), nf.leaky_relu(0.2), nf.softmax]
    hidden, output = data.draw(st.sampled_from(acts[:-1])), data.draw(st.sampled_from(acts))
    net = nf.init_mlp(nf.Key(0), sizes, hidden=hidden, output=output)
    layer = data.draw(st.integers(0, len(sizes) - 2))
    now = net.layers[layer].activation
    other = data.draw(st.sampled_from([a for a in acts if a.name != now.name]))
    changed = tuple(nf.Dense(la.w, la.b, other) if i == layer else la for i, la in enumerate(net.layers))
    path = _fresh(tmp_path)
    save(path, net)
    with pytest.raises(ValueError) as info:
        load(path, nf.MLP(changed))
    expected = f"`.layers[{layer}].activation`: file has {now.name!r}, skeleton has {other.name!r}"
    assert str(path) in str(info.value) and expected in str(info.value), str(info.value)


@SETTINGS
@given(tags=st.lists(st.sampled_from(["x", "y"]), min_size=1, max_size=4), data=st.data())
def test_a_skeleton_with_another_node_kind_or_static_field_is_refused_naming_it(
    tmp_path: Path, tags: list[str], data: Any
) -> None:
    tree = tuple(Node(np.zeros(2), float(i), tag) for i, tag in enumerate(tags))
    i = data.draw(st.integers(0, len(tags) - 1))
    kind = data.draw(st.booleans())
    old = tree[i]
    new: Any = OtherNode(old.a, old.b, old.tag) if kind else Node(old.a, old.b, "z")
    path = _fresh(tmp_path)
    save(path, tree)
    with pytest.raises(ValueError) as info:
        load(path, (*tree[:i], new, *tree[i + 1 :]))
    message = str(info.value)
    if kind:
        assert f"`[{i}]`: file has a " in message and ".Node, skeleton has a " in message, message
        assert message.endswith(".OtherNode"), message
    else:
        assert f"`[{i}].tag`: file has {old.tag!r}, skeleton has 'z'" in message, message


# -- paths unique by construction -----------------------------------------------------------------


class Twin:
    """A dict key that prints as ``text`` but equals only itself."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


class Alias(str):
    """A str that prints like the plain str of the same text but is another dict key."""

    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other


@SETTINGS
@given(d=st.dictionaries(keys, arrays, min_size=1, max_size=4), data=st.data())
def test_save_refuses_dict_keys_that_print_alike_naming_both(tmp_path: Path, d: dict[Any, Any], data: Any) -> None:
    key = data.draw(st.sampled_from(sorted(d, key=repr)))
    twin: Any = Alias(key) if isinstance(key, str) and data.draw(st.booleans()) else Twin(repr(key))
    colliding = {**d, twin: np.ones(3)}
    assert len(colliding) == len(d) + 1
    depth = data.draw(st.integers(0, 2))
    tree: Any = colliding
    for _ in range(depth):
        tree = (np.zeros(1), tree)
    path = _fresh(tmp_path)
    with pytest.raises(ValueError) as info:
        save(path, tree)
    message = str(info.value)
    assert message.startswith("params: dict keys ") and "print alike" in message, message
    assert message.count(repr(key)) >= 2 and type(twin).__qualname__ in message, message
    assert not path.exists() and list(tmp_path.iterdir()) == []  # nothing written, no temporary left
    with pytest.raises(ValueError, match="like: dict keys"):
        load(path, tree)  # a skeleton with colliding paths is refused too, before opening the file
