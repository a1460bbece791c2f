"""Pytrees: nested containers whose leaves are arrays.

A pytree is a frozen dataclass, tuple (NamedTuples included), list or dict whose
children are pytrees, ``None`` (an empty node), or anything else, which is a leaf.
Dataclass fields marked with :func:`static_field` are configuration, not children:
they are carried over unchanged by :func:`tree_map` and must be equal between the
trees it combines.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_STATIC = "nnfunc.static"


def static_field(**kwargs: Any) -> Any:
    """A dataclass field that is configuration, not a child (``dataclasses.field``'s keywords)."""
    metadata = {**kwargs.pop("metadata", {}), _STATIC: True}
    return dataclasses.field(metadata=metadata, **kwargs)


_FIELDS: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _dataclass_fields(cls: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(child field names, static field names) of a dataclass; memoised per class (a pure function of it)."""
    names = _FIELDS.get(cls)
    if names is None:
        init = [f for f in dataclasses.fields(cls) if f.init]
        names = (
            tuple(f.name for f in init if not f.metadata.get(_STATIC, False)),
            tuple(f.name for f in init if f.metadata.get(_STATIC, False)),
        )
        _FIELDS[cls] = names
    return names


def _sorted_keys(d: dict[Any, Any]) -> list[Any]:
    """A dict's keys in a canonical order (sorted; by ``repr`` if they do not compare), so that
    two dicts with the same keys give their leaves in the same order whatever their insertion order."""
    try:
        return sorted(d)
    except TypeError:
        return sorted(d, key=repr)


_LEAF, _NONE, _LIST, _TUPLE, _NAMEDTUPLE, _DICT, _DATACLASS = range(7)
_KINDS: dict[type, int] = {}


def _kind(cls: type) -> int:
    """Which kind of node instances of ``cls`` are; memoised per class (a pure function of it)."""
    kind = _KINDS.get(cls)
    if kind is None:
        if cls is type(None):
            kind = _NONE
        elif issubclass(cls, list):
            kind = _LIST
        elif issubclass(cls, tuple):
            kind = _NAMEDTUPLE if hasattr(cls, "_fields") else _TUPLE
        elif issubclass(cls, dict):
            kind = _DICT
        else:
            kind = _DATACLASS if dataclasses.is_dataclass(cls) else _LEAF
        _KINDS[cls] = kind
    return kind


class _Mismatch(Exception):
    """Two trees differ in structure; ``path`` (innermost step first) grows as the error bubbles up."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what
        self.path: list[str] = []


def _map(f: Callable[..., Any], node: Any, others: tuple[Any, ...]) -> Any:
    cls = type(node)
    kind = _kind(cls)
    if kind == _LEAF:
        for other in others:
            if _kind(type(other)) != _LEAF:
                raise _Mismatch(f"leaf vs {type(other).__name__}")
        return f(node, *others)
    for other in others:
        if type(other) is not cls:
            raise _Mismatch(f"{cls.__name__} vs {type(other).__name__}")
    if kind == _DATACLASS:
        children, static = _dataclass_fields(cls)
        kwargs = {name: getattr(node, name) for name in static}
        for other in others:
            for name in static:
                if getattr(other, name) != kwargs[name]:
                    raise _Mismatch(f"static field {name!r}: {kwargs[name]!r} vs {getattr(other, name)!r}")
        for name in children:
            kwargs[name] = _child(f, "." + name, getattr(node, name), [getattr(o, name) for o in others])
        return cls(**kwargs)
    if kind == _DICT:
        for other in others:
            if other.keys() != node.keys():
                raise _Mismatch(f"keys {sorted(map(str, node))} vs {sorted(map(str, other))}")
        mapped = {k: _child(f, k, node[k], [o[k] for o in others]) for k in _sorted_keys(node)}
        return {k: mapped[k] for k in node}  # f saw the keys sorted; the result keeps the input's order
    if kind == _NONE:
        return None
    for other in others:
        if len(other) != len(node):
            raise _Mismatch(f"length {len(node)} vs {len(other)}")
    items = [_child(f, i, node[i], [o[i] for o in others]) for i in range(len(node))]
    if kind == _LIST:
        return items
    return cls(*items) if kind == _NAMEDTUPLE else tuple(items)


def _child(f: Callable[..., Any], step: object, node: Any, others: list[Any]) -> Any:
    """``_map`` of one child; ``step`` (``".field"``, an index or a key) names it if a mismatch bubbles up."""
    try:
        return _map(f, node, tuple(others))
    except _Mismatch as e:
        e.path.append(step if isinstance(step, str) and step.startswith(".") else f"[{step!r}]")
        raise


def tree_map(f: Callable[..., Any], tree: T, *rest: T) -> T:
    """Apply ``f`` leaf by leaf: ``f(leaf, *matching leaves of rest)``.

    Returns a tree of the same type and structure as ``tree``. Raises
    ``ValueError`` naming the path where ``rest`` differs from ``tree``.
    """
    if not callable(f):
        raise TypeError(f"f: expected a function of the leaves, got {type(f).__name__}")
    try:
        result: T = _map(f, tree, rest)
    except _Mismatch as e:
        where = "".join(reversed(e.path)) or "<root>"
        raise ValueError(f"tree structures differ at {where}: {e.what}") from None
    return result


def _children(node: object) -> list[tuple[str, Any]] | None:
    """``(path step, child)`` pairs of an inner node; ``None`` for a leaf."""
    if node is None:
        return []
    if isinstance(node, (tuple, list)):
        return [(f"[{i}]", child) for i, child in enumerate(node)]
    if isinstance(node, dict):
        return [(f"[{k!r}]", node[k]) for k in _sorted_keys(node)]
    if _kind(type(node)) == _DATACLASS:
        return [(f".{name}", getattr(node, name)) for name in _dataclass_fields(type(node))[0]]
    return None


def tree_leaves_with_paths(tree: object) -> list[tuple[str, Any]]:
    """``(path, leaf)`` for each leaf in a fixed order (fields in declaration order, items in order,
    dict keys sorted), paths like ``.layers[0].w``."""
    out: list[tuple[str, Any]] = []
    stack: list[tuple[str, Any]] = [("", tree)]
    while stack:
        path, node = stack.pop()
        children = _children(node)
        if children is None:
            out.append((path or "<root>", node))
        else:
            stack.extend((path + step, child) for step, child in reversed(children))
    return out


def tree_leaves(tree: object) -> list[Any]:
    """The leaves of ``tree``: dataclass fields in declaration order, items in order, dict keys sorted."""
    return [leaf for _, leaf in tree_leaves_with_paths(tree)]
