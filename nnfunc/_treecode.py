"""Compiled code per tree structure: a builder (leaves -> tree) and a matcher (tree -> leaves or None).

For a structure used often (a network's, its optimiser state's), one generated function
does what a walk of the tree would, in straight-line code: no recursion, no per-node
dispatch. Generated from the structure alone (types, field names, static values held as
constants), as ``dataclasses`` generates ``__init__``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from ._treedef import (
    _DATACLASS,
    _DICT,
    _LEAF,
    _LEAF_TYPES,
    _NONE,
    TreeDef,
    _container,
    _dict_like,
    _fields_of,
)


def _namers(names: dict[str, Any]) -> tuple[Callable[[Any], str], Callable[[], str]]:
    """``(const, fresh)`` for generated code: ``const(value)`` stores ``value`` in ``names`` (the code's
    globals) under a new name and returns that name; ``fresh()`` returns a new local variable name."""
    counter = itertools.count()

    def const(value: Any) -> str:
        name = f"_c{next(counter)}"
        names[name] = value
        return name

    def fresh() -> str:
        return f"_v{next(counter)}"

    return const, fresh


def compile_builder(d: TreeDef) -> Callable[[Sequence[Any]], Any]:
    """``leaves -> tree`` for the structure ``d``, as one generated function (no walk, no recursion)."""
    names: dict[str, Any] = {"_new": object.__new__, "_set": object.__setattr__, "_dict_like": _dict_like}
    lines: list[str] = []
    const, fresh = _namers(names)

    def emit(node: TreeDef, leaf_index: list[int]) -> str:
        kind = node._kind
        if kind == _LEAF:
            leaf_index[0] += 1
            return f"leaves[{leaf_index[0] - 1}]"
        if kind == _NONE:
            return "None"
        kids = [emit(c, leaf_index) for c in node._children]
        cls = const(node._cls)
        var = fresh()
        if kind == _DATACLASS:
            assert node._cls is not None
            f = _fields_of(node._cls)
            lines.append(f"{var} = _new({cls})")
            for name, kid in zip(f.children, kids, strict=True):
                lines.append(f"_set({var}, {name!r}, {kid})")
            for name, value in zip(f.static, node._aux, strict=True):
                lines.append(f"_set({var}, {name!r}, {const(value)})")
            return var
        if kind == _DICT:
            items = ", ".join(f"{const(k)}: {kid}" for k, kid in zip(node._aux, kids, strict=True))
            lines.append(f"{var} = _dict_like({const(node)}, {{{items}}})")
            return var
        seq = ", ".join(kids) + ("," if len(kids) == 1 else "")
        if node._cls is list:
            return f"[{seq}]"
        if node._cls is tuple:
            return f"({seq})"
        lines.append(f"{var} = _container({const(node)}, [{seq}])")
        names["_container"] = _container
        return var

    result = emit(d, [0])
    source = "def build(leaves):\n" + "".join(f"    {line}\n" for line in lines) + f"    return {result}\n"
    exec(source, names)  # code generated from the structure alone, as dataclasses does
    builder: Callable[[Sequence[Any]], Any] = names["build"]
    return builder


def compile_matcher(d: TreeDef) -> Callable[[Any], list[Any] | None]:
    """``tree -> leaves or None`` for the structure ``d``: type and identity checks in straight-line code."""
    names: dict[str, Any] = {"_leaf_types": _LEAF_TYPES}
    lines: list[str] = []
    leaves: list[str] = []
    const, fresh = _namers(names)

    def visit(node: TreeDef, var: str) -> None:
        kind = node._kind
        if kind == _LEAF:
            lines.append(f"if type({var}) not in _leaf_types: return None")
            leaves.append(var)
            return
        if kind == _NONE:
            lines.append(f"if {var} is not None: return None")
            return
        lines.append(f"if type({var}) is not {const(node._cls)}: return None")
        if kind == _DATACLASS:
            assert node._cls is not None
            f = _fields_of(node._cls)
            for name, value in zip(f.static, node._aux, strict=True):
                lines.append(f"if {var}.{name} is not {const(value)}: return None")
            steps = [f"{var}.{name}" for name in f.children]
        elif kind == _DICT:
            lines.append(f"if len({var}) != {len(node._aux)}: return None")
            steps = [f"{var}[{const(k)}]" for k in node._aux]
        else:
            lines.append(f"if len({var}) != {len(node._children)}: return None")
            steps = [f"{var}[{i}]" for i in range(len(node._children))]
        for step, child in zip(steps, node._children, strict=True):
            if child._kind == _NONE:
                lines.append(f"if {step} is not None: return None")
                continue
            sub = fresh()
            lines.append(f"{sub} = {step}")
            visit(child, sub)

    visit(d, "tree")
    body = "".join(f"        {line}\n" for line in lines)
    source = (
        "def match(tree):\n    try:\n"
        + body
        + "    except (AttributeError, KeyError):\n        return None\n"
        + f"    return [{', '.join(leaves)}]\n"
    )
    exec(source, names)  # code generated from the structure alone
    matcher: Callable[[Any], list[Any] | None] = names["match"]
    return matcher
