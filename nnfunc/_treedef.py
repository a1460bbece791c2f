"""The machinery behind :mod:`nnfunc.tree`: node kinds, :class:`TreeDef`, flattening and rebuilding.

Per class, what kind of node it is and its dataclass fields are worked out once and
memoised. Flattening gives the leaves and an interned :class:`TreeDef`; the trusted rebuild
(:meth:`TreeDef.unflatten`) makes nodes without their constructors; :mod:`nnfunc._treecode`
compiles both for structures used often.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

STATIC = "nnfunc.static"
"""The dataclass field metadata key marking a static field (configuration, not a child)."""

_COMPILE_AFTER = 3  # a structure used this often (a network's, its optimiser state's) gets compiled code
_LEAF_TYPES: set[type] = set()  # classes known to be leaves (filled by _kind)


class _Fields:
    """A dataclass's fields, split once per class: children, static (init) fields, fields without init."""

    __slots__ = ("child_fields", "children", "other", "static")

    def __init__(self, cls: type) -> None:
        fields = dataclasses.fields(cls)
        init = [f for f in fields if f.init]
        kids = [f for f in init if not f.metadata.get(STATIC, False)]
        self.children = tuple(f.name for f in kids)
        self.child_fields = tuple(kids)
        self.static = tuple(f.name for f in init if f.metadata.get(STATIC, False))
        self.other = tuple(f.name for f in fields if not f.init)


_FIELDS: dict[type, _Fields] = {}


def _fields_of(cls: type) -> _Fields:
    """Memoised per class (a pure function of it)."""
    f = _FIELDS.get(cls)
    if f is None:
        f = _FIELDS[cls] = _Fields(cls)
    return f


def _sorted_keys(d: dict[Any, Any]) -> list[Any]:
    """A dict's keys in a canonical order (sorted; by ``repr`` if they do not compare)."""
    try:
        return sorted(d)
    except TypeError:
        return sorted(d, key=repr)


_LEAF, _NONE, _LIST, _TUPLE, _NAMEDTUPLE, _DICT, _DATACLASS = range(7)
_KINDS: dict[type, int] = {}


def _kind(cls: type) -> int:
    """Which kind of node instances of ``cls`` are; memoised per class."""
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
        if kind == _LEAF:
            _LEAF_TYPES.add(cls)
    return kind


def same_static(a: object, b: object) -> bool:
    """Whether two static values are equal: identity, then ``==`` guarded (arrays by ``np.array_equal``;
    a comparison that raises or does not give a truth value counts as different)."""
    if a is b:
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and bool(np.array_equal(a, b))
    try:
        return bool(a == b)
    except Exception:  # any failure to compare means "not equal"
        return False


def _static_hash(value: object) -> int:
    try:
        return hash(value)
    except TypeError:
        return hash(type(value))


class TreeDef:
    """The structure of a pytree without its leaves: node types, static field values, dict keys, lengths.

    Hashable and comparable (``==``: same structure and equal static values). ``unflatten``
    rebuilds a tree from leaves; ``paths`` and ``fields`` describe the leaves.
    """

    __slots__ = (
        "_aux",
        "_builder",
        "_children",
        "_cls",
        "_fields",
        "_hash",
        "_kind",
        "_matcher",
        "_meta",
        "_paths",
        "_uses",
        "num_leaves",
    )

    def __init__(self, cls: type | None, kind: int, aux: Any, meta: Any, children: tuple[TreeDef, ...]) -> None:
        self._cls = cls
        self._kind = kind
        self._aux = aux  # compared: static values (dataclass), sorted keys (dict)
        self._meta = meta  # carried, not compared: insertion order, default_factory, fields without init
        self._children = children
        self.num_leaves: int = 1 if kind == _LEAF else sum(c.num_leaves for c in children)
        self._hash: int | None = None
        self._paths: tuple[str, ...] | None = None
        self._fields: tuple[dataclasses.Field[Any] | None, ...] | None = None
        self._builder: Callable[[Sequence[Any]], Any] | None = None
        self._matcher: Callable[[Any], list[Any] | None] | None = None
        self._uses = 0

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, TreeDef):
            return NotImplemented
        return _describe_difference(self, other) is None

    def __hash__(self) -> int:
        if self._hash is None:
            aux = self._aux
            if self._kind == _DATACLASS:
                aux = tuple(_static_hash(v) for v in aux)
            self._hash = hash((self._cls, self._kind, aux, len(self._children), self._children))
        return self._hash

    def __repr__(self) -> str:
        return f"TreeDef({self._show()})"

    def _show(self) -> str:
        kind, kids = self._kind, self._children
        if kind == _LEAF:
            return "*"
        if kind == _NONE:
            return "None"
        assert self._cls is not None
        name = self._cls.__name__
        if kind == _DICT:
            return name + "{" + ", ".join(f"{k!r}: {c._show()}" for k, c in zip(self._aux, kids, strict=True)) + "}"
        if kind == _DATACLASS:
            f = _fields_of(self._cls)
            parts = [f"{n}={c._show()}" for n, c in zip(f.children, kids, strict=True)]
            parts += [f"{n}={v!r}" for n, v in zip(f.static, self._aux, strict=True)]
            return f"{name}({', '.join(parts)})"
        return f"{name}({', '.join(c._show() for c in kids)})"

    def unflatten(self, leaves: Sequence[Any]) -> Any:
        """The tree of this structure with ``leaves`` (in ``tree_leaves`` order): the trusted rebuild.

        No constructor, ``__init__`` or ``__post_init__`` runs (dataclasses are made with
        ``object.__new__``), and the leaves are used as they are: no copies, no flag changes.
        Meant for arrays the caller has just made; :func:`tree_map` is the safe rebuild.
        """
        if len(leaves) != self.num_leaves:
            raise ValueError(f"leaves: expected {self.num_leaves} leaves for {self!r}, got {len(leaves)}")
        builder = self._builder
        if builder is None:
            self._uses += 1
            if self._uses < _COMPILE_AFTER or self._meta is not None:
                return _build(self, iter(leaves))
            from ._treecode import compile_builder  # here: _treecode builds on this module

            builder = self._builder = compile_builder(self)
        return builder(leaves)

    def leaves_of(self, tree: Any) -> list[Any] | None:
        """The leaves of ``tree`` if it has exactly this structure with the very same static values
        (identical objects), else ``None`` (then :func:`tree_flatten` and compare). Fast: for a
        structure used often, a function compiled for it reads the leaves with no tree walk."""
        matcher = self._matcher
        if matcher is None:
            self._uses += 1
            if self._uses < _COMPILE_AFTER or self._meta is not None:
                leaves, treedef = flatten(tree)
                return leaves if treedef is self else None
            from ._treecode import compile_matcher

            matcher = self._matcher = compile_matcher(self)
        return matcher(tree)

    @property
    def paths(self) -> tuple[str, ...]:
        """One path per leaf, like ``.layers[0].w`` (``<root>`` for a tree that is a leaf)."""
        if self._paths is None:
            out: list[str] = []
            _collect_paths(self, "", out)
            self._paths = tuple(p or "<root>" for p in out)
        return self._paths

    @property
    def fields(self) -> tuple[dataclasses.Field[Any] | None, ...]:
        """Per leaf, the ``dataclasses.Field`` of the innermost dataclass holding it (``None`` if none does);
        its ``metadata`` says what the leaf is (e.g. which leaves ``l2`` penalises)."""
        if self._fields is None:
            out: list[dataclasses.Field[Any] | None] = []
            _collect_fields(self, None, out)
            self._fields = tuple(out)
        return self._fields


_LEAF_DEF = TreeDef(None, _LEAF, None, None, ())
_NONE_DEF = TreeDef(type(None), _NONE, None, None, ())

# Interned structures: flattening equal structures (same node types, the same static objects, the same
# dict keys) gives the same TreeDef object, so matching two trees is usually an identity check. Keys
# hold ids of objects the interned TreeDef itself keeps alive, so an id is never reused while its entry
# lives. The table is cleared when it grows large (then structures are compared, more slowly).
_INTERNED: dict[tuple[Any, ...], TreeDef] = {}
_INTERN_LIMIT = 4096


def _intern(key: tuple[Any, ...], cls: type, kind: int, aux: Any, meta: Any, kids: tuple[TreeDef, ...]) -> TreeDef:
    d = _INTERNED.get(key)
    if d is None:
        if len(_INTERNED) >= _INTERN_LIMIT:
            _INTERNED.clear()
        d = _INTERNED[key] = TreeDef(cls, kind, aux, meta, kids)
    return d


def _flatten(node: Any, leaves: list[Any]) -> TreeDef:
    cls = type(node)
    kind = _KINDS.get(cls)
    if kind is None:
        kind = _kind(cls)
    if kind == _LEAF:
        leaves.append(node)
        return _LEAF_DEF
    if kind == _DATACLASS:
        f = _FIELDS.get(cls) or _fields_of(cls)
        kids = []
        for name in f.children:
            value = getattr(node, name)
            if _KINDS.get(type(value)) == _LEAF:
                leaves.append(value)
                kids.append(_LEAF_DEF)
            else:
                kids.append(_flatten(value, leaves))
        aux = tuple([getattr(node, n) for n in f.static])
        if f.other:
            return TreeDef(cls, kind, aux, tuple([getattr(node, n) for n in f.other]), tuple(kids))
        return _intern((cls, *map(id, aux), *map(id, kids)), cls, kind, aux, None, tuple(kids))
    if kind == _NONE:
        return _NONE_DEF
    if kind == _DICT:
        keys = _sorted_keys(node)
        kids = [_flatten(node[k], leaves) for k in keys]
        order = tuple(node)
        factory = node.default_factory if isinstance(node, defaultdict) else None
        key = (cls, id(factory), *map(id, order), *map(id, kids))
        return _intern(key, cls, kind, tuple(keys), (order, factory), tuple(kids))
    kids = []
    for value in node:
        if _KINDS.get(type(value)) == _LEAF:
            leaves.append(value)
            kids.append(_LEAF_DEF)
        else:
            kids.append(_flatten(value, leaves))
    return _intern((cls, *map(id, kids)), cls, kind, None, None, tuple(kids))


def flatten(tree: Any) -> tuple[list[Any], TreeDef]:
    """``(leaves, treedef)`` (see :func:`nnfunc.tree_flatten`)."""
    leaves: list[Any] = []
    return leaves, _flatten(tree, leaves)


def _dict_like(d: TreeDef, values: dict[Any, Any]) -> Any:
    order, factory = d._meta
    cls: Any = d._cls
    if cls is dict:
        return {k: values[k] for k in order}
    obj = cls.__new__(cls)  # a dict subclass, filled without its __init__
    if factory is not None:
        obj.default_factory = factory
    obj.update([(k, values[k]) for k in order])  # the subclass's own update (OrderedDict keeps its order)
    return obj


def _build(d: TreeDef, it: Iterator[Any], safe: bool = False) -> Any:
    """Rebuild a tree of structure ``d`` from the leaves ``it`` yields. Trusted (``safe=False``): nodes made
    without their constructors, leaves used as they are; safe: every dataclass through its constructor
    (its ``__post_init__`` runs)."""
    kind = d._kind
    if kind == _LEAF:
        return next(it)
    if kind == _NONE:
        return None
    cls: Any = d._cls
    kids = [next(it) if c is _LEAF_DEF else _build(c, it, safe) for c in d._children]
    if kind != _DATACLASS:
        return _container(d, kids)
    f = _FIELDS[cls]
    if safe:
        return cls(**dict(zip(f.children, kids, strict=True)), **dict(zip(f.static, d._aux, strict=True)))
    obj = object.__new__(cls)
    setattr_ = object.__setattr__
    for name, value in zip(f.children, kids, strict=False):
        setattr_(obj, name, value)
    for name, value in zip(f.static, d._aux, strict=False):
        setattr_(obj, name, value)
    if d._meta is not None:
        for name, value in zip(f.other, d._meta, strict=False):
            setattr_(obj, name, value)
    return obj


def _container(d: TreeDef, kids: list[Any]) -> Any:
    """A dict, list or tuple node (subclasses keep their type, built without their ``__init__``)."""
    kind = d._kind
    cls: Any = d._cls
    if kind == _DICT:
        return _dict_like(d, dict(zip(d._aux, kids, strict=True)))
    if kind == _LIST:
        if cls is list:
            return kids
        obj = cls.__new__(cls)
        list.extend(obj, kids)
        return obj
    if kind == _NAMEDTUPLE:
        return cls._make(kids)
    return tuple(kids) if cls is tuple else tuple.__new__(cls, kids)


def _collect_paths(d: TreeDef, prefix: str, out: list[str]) -> None:
    kind = d._kind
    if kind == _LEAF:
        out.append(prefix)
    elif kind == _DATACLASS:
        assert d._cls is not None
        for name, c in zip(_fields_of(d._cls).children, d._children, strict=True):
            _collect_paths(c, f"{prefix}.{name}", out)
    elif kind == _DICT:
        for k, c in zip(d._aux, d._children, strict=True):
            _collect_paths(c, f"{prefix}[{k!r}]", out)
    else:
        for i, c in enumerate(d._children):
            _collect_paths(c, f"{prefix}[{i}]", out)


def _collect_fields(
    d: TreeDef, holder: dataclasses.Field[Any] | None, out: list[dataclasses.Field[Any] | None]
) -> None:
    if d._kind == _LEAF:
        out.append(holder)
    elif d._kind == _DATACLASS:
        assert d._cls is not None
        for field, c in zip(_fields_of(d._cls).child_fields, d._children, strict=True):
            _collect_fields(c, field, out)
    else:
        for c in d._children:
            _collect_fields(c, holder, out)


def _node_name(d: TreeDef) -> str:
    if d._kind == _LEAF:
        return "a leaf"
    assert d._cls is not None
    return "None" if d._kind == _NONE else d._cls.__name__


def _key_difference(a: tuple[Any, ...], b: tuple[Any, ...]) -> tuple[str, str, str]:
    """Two dicts' keys, at the path of the first key (in ``b``'s order, then ``a``'s) only one of them has."""
    missing = [k for k in b if k not in a] + [k for k in a if k not in b]
    where = f"[{missing[0]!r}]" if missing else ""  # none: equal as sets, not as sorted tuples (1 and True)
    return where, f"keys {list(a)!r}", f"keys {list(b)!r}"


def _describe_difference(a: TreeDef, b: TreeDef) -> tuple[str, str, str] | None:
    """``(path, what a has, what b has)`` at the first place (in leaf order) where ``a`` and ``b`` differ."""
    if a is b:
        return None
    if a._kind != b._kind or a._cls is not b._cls:
        return "", _node_name(a), _node_name(b)
    kind = a._kind
    if kind == _DATACLASS:
        assert a._cls is not None
        f = _fields_of(a._cls)
        for name, x, y in zip(f.static, a._aux, b._aux, strict=True):
            if not same_static(x, y):
                return "", f"static field {name!r} = {x!r}", f"{name!r} = {y!r}"
        steps: Sequence[str] = [f".{n}" for n in f.children]
    elif kind == _DICT:
        if a._aux != b._aux:
            return _key_difference(a._aux, b._aux)
        steps = [f"[{k!r}]" for k in a._aux]
    else:
        if len(a._children) != len(b._children):
            return "", f"{len(a._children)} items", f"{len(b._children)} items"
        steps = [f"[{i}]" for i in range(len(a._children))]
    for step, x, y in zip(steps, a._children, b._children, strict=True):
        found = _describe_difference(x, y)
        if found is not None:
            return step + found[0], found[1], found[2]
    return None
