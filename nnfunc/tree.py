"""Pytrees: nested containers whose leaves are arrays; flattened once, matched, and rebuilt.

A pytree is a dataclass, tuple (NamedTuples included), list or dict whose children are
pytrees, ``None`` (an empty node), or anything else, which is a leaf. Dataclass fields
marked with :func:`static_field` are configuration, not children: they are carried over
unchanged and must be equal between the trees combined. Static fields should hold hashable
configuration (an activation, a size); an array there is compared with ``np.array_equal``.

Subclasses of ``dict``, ``list`` and ``tuple`` (``OrderedDict``, ``defaultdict``, ...) are
nodes that keep their type: a ``defaultdict`` keeps its ``default_factory``, an
``OrderedDict`` its order. Dict children are visited in sorted key order (by ``repr`` when
the keys do not compare), so two dicts with the same keys match whatever their order.

- :func:`tree_flatten` gives the leaves and a :class:`TreeDef` (hashable, comparable);
  :meth:`TreeDef.unflatten` is the *trusted* rebuild nnfunc uses for arrays it has just
  made: no ``__init__``/``__post_init__``, no copies, no flag changes.
- :func:`tree_map` is the *safe* rebuild for everyone: each dataclass is rebuilt through
  its constructor, so its validation (``__post_init__``) runs.
- :func:`tree_match` checks that a tree matches another (structure, static fields,
  shapes, dtypes) and names the first difference's path.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from ._treedef import STATIC, TreeDef, _build, _describe_difference, _flatten, flatten, same_static

T = TypeVar("T")

__all__ = [
    "TreeDef",
    "match_leaves",
    "match_structure",
    "same_static",
    "static_field",
    "tree_flatten",
    "tree_leaves",
    "tree_leaves_with_paths",
    "tree_map",
    "tree_match",
]


def static_field(**kwargs: Any) -> Any:
    """A dataclass field that is configuration, not a child (``dataclasses.field``'s keywords).

    Hold hashable configuration there (activations, sizes, names)."""
    metadata = {**kwargs.pop("metadata", {}), STATIC: True}
    return dataclasses.field(metadata=metadata, **kwargs)


def tree_flatten(tree: Any) -> tuple[list[Any], TreeDef]:
    """``(leaves, treedef)``: the leaves in :func:`tree_leaves` order and the structure around them.

    ``treedef.unflatten(leaves)`` gives ``tree`` back.

        >>> leaves, treedef = tree_flatten({"a": (1, 2), "b": None})
        >>> leaves, treedef.paths
        ([1, 2], ("['a'][0]", "['a'][1]"))
    """
    return flatten(tree)


def tree_map(f: Callable[..., Any], tree: T, *rest: T) -> T:
    """Apply ``f`` leaf by leaf: ``f(leaf, *matching leaves of rest)``.

    Returns a tree of the same type and structure as ``tree``, every dataclass rebuilt
    through its constructor (its ``__post_init__`` checks run). Raises ``ValueError``
    naming the path where ``rest`` differs from ``tree`` in structure or static fields.
    """
    if not callable(f):
        raise TypeError(f"f: expected a function of the leaves, got {type(f).__name__}")
    leaves, treedef = tree_flatten(tree)
    others = []
    for other in rest:
        other_leaves, other_def = tree_flatten(other)
        if other_def != treedef:
            found = _describe_difference(treedef, other_def)
            assert found is not None
            raise ValueError(f"tree structures differ at {found[0] or '<root>'}: {found[1]} vs {found[2]}")
        others.append(other_leaves)
    mapped = [f(*args) for args in zip(leaves, *others, strict=True)] if others else [f(x) for x in leaves]
    result: T = _build(treedef, iter(mapped), safe=True)
    return result


def _leaf_difference(a: Any, b: Any, dtypes: bool) -> tuple[str, str] | None:
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        if a.shape != b.shape:
            return f"shape {a.shape}", f"{b.shape}"
        if dtypes and a.dtype != b.dtype:
            return f"dtype {a.dtype}", f"{b.dtype}"
        return None
    sa, sb = np.shape(a), np.shape(b)
    if sa != sb:
        return f"shape {sa}", f"{sb}"
    if dtypes and isinstance(b, (np.ndarray, np.generic)) and getattr(a, "dtype", None) != b.dtype:
        return f"dtype {getattr(a, 'dtype', type(a).__name__)}", f"{b.dtype}"
    return None


def match_structure(name: str, treedef: TreeDef, like: TreeDef, *, against: str = "the parameters") -> None:
    """``ValueError`` naming ``name`` and the path unless two structures (and static fields) are equal."""
    if treedef is not like and treedef != like:
        found = _describe_difference(treedef, like)
        assert found is not None
        raise ValueError(f"{name}: does not match {against}: {found[1]} at {found[0] or '<root>'}, expected {found[2]}")


def match_leaves(
    name: str,
    leaves: list[Any],
    treedef: TreeDef,
    like_leaves: list[Any],
    like_def: TreeDef,
    *,
    against: str = "the parameters",
    dtypes: bool = True,
) -> None:
    """:func:`tree_match` on trees already flattened (nnfunc's hot paths flatten each tree once)."""
    if treedef is not like_def:
        match_structure(name, treedef, like_def, against=against)
    for i, (a, b) in enumerate(zip(leaves, like_leaves, strict=True)):
        if (
            type(a) is np.ndarray
            and type(b) is np.ndarray
            and a.shape == b.shape
            and (a.dtype == b.dtype or not dtypes)
        ):
            continue
        problem = _leaf_difference(a, b, dtypes)
        if problem is not None:
            raise ValueError(
                f"{name}: does not match {against}: {problem[0]} at {treedef.paths[i]}, expected {problem[1]}"
            )


def tree_match(name: str, tree: object, like: object, *, against: str = "the parameters", dtypes: bool = True) -> None:
    """Check that ``tree`` has the structure, static fields, leaf shapes (and dtypes) of ``like``.

    Raises ``ValueError("<name>: does not match <against>: <what> at <path>, expected <...>")``
    at the first difference, e.g. ``state: does not match the parameters: shape (3, 4) at
    .layers[0].w, expected (3, 5)``. ``dtypes=False`` compares shapes only.
    """
    leaves, treedef = tree_flatten(tree)
    like_leaves, like_def = tree_flatten(like)
    match_leaves(name, leaves, treedef, like_leaves, like_def, against=against, dtypes=dtypes)


def tree_leaves_with_paths(tree: object) -> list[tuple[str, Any]]:
    """``(path, leaf)`` for each leaf in a fixed order (fields in declaration order, items in order,
    dict keys sorted), paths like ``.layers[0].w``."""
    leaves, treedef = tree_flatten(tree)
    return list(zip(treedef.paths, leaves, strict=True))


def tree_leaves(tree: object) -> list[Any]:
    """The leaves of ``tree``: dataclass fields in declaration order, items in order, dict keys sorted."""
    leaves: list[Any] = []
    _flatten(tree, leaves)
    return leaves
