"""The API reference cannot drift: every public name has a docstring and an entry in the reference
that ``docs/api_reference.py`` generates for the site, and every entry there is public.

``bash .ci/docs`` then checks the built page itself (``api_reference.missing_from_html``).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re

import api_reference
import pytest

import nnfunc
import nnfunc.testing

PAGE = api_reference.markdown()
DIRECTIVE = re.compile(r"^\.\. (?:autofunction|autoclass|py:data):: nnfunc\.(?P<name>\w+)$", re.MULTILINE)
AUTOMODULE = re.compile(r"^\.\. automodule:: (?P<module>[\w.]+)$", re.MULTILINE)
VALUES = api_reference.defined_values()


def docstring(name: str, obj: object) -> str:
    """The documentation of a public object: its own docstring (functions, classes, modules), else for an
    instance (``nf.tanh``, ``nf.softmax_cross_entropy``) the docstring under its assignment or its class's."""
    if inspect.isfunction(obj) or inspect.isclass(obj) or inspect.ismodule(obj) or inspect.isbuiltin(obj):
        return inspect.getdoc(obj) or ""
    return VALUES.get(name, ("", ""))[1] or inspect.getdoc(type(obj)) or ""


@pytest.mark.parametrize("name", sorted(nnfunc.__all__))
def test_public_name_has_a_docstring(name: str) -> None:
    doc = docstring(name, getattr(nnfunc, name))
    assert doc.strip(), f"nnfunc.{name} has no docstring"


@pytest.mark.parametrize("name", sorted(nnfunc.testing.__all__))
def test_testing_name_has_a_docstring(name: str) -> None:
    assert docstring(name, getattr(nnfunc.testing, name)).strip(), f"nnfunc.testing.{name} has no docstring"


def test_every_public_name_has_exactly_one_entry() -> None:
    entries = [m["name"] for m in DIRECTIVE.finditer(PAGE)]
    missing = sorted(set(nnfunc.__all__) - set(entries))
    assert not missing, f"not in the generated API reference: {missing}"
    twice = sorted({n for n in entries if entries.count(n) > 1})
    assert not twice, f"documented twice: {twice}"


def test_every_entry_is_public() -> None:
    extra = sorted({m["name"] for m in DIRECTIVE.finditer(PAGE)} - set(nnfunc.__all__))
    assert not extra, f"the reference documents names that are not in nnfunc.__all__: {extra}"


def test_public_submodules_are_documented_whole() -> None:
    modules = [m["module"] for m in AUTOMODULE.finditer(PAGE)]
    assert {"nnfunc.testing", "nnfunc.testing.strategies"} <= set(modules)
    for module in modules:
        mod = importlib.import_module(module)
        assert (mod.__doc__ or "").strip(), f"{module} has no docstring"
        public = getattr(mod, "__all__", None)
        if public is not None:  # automodule :members: documents exactly __all__
            assert all(hasattr(mod, n) for n in public), f"{module}.__all__ names something it lacks"


def test_every_name_lands_in_a_titled_section() -> None:
    sections = api_reference.sections()
    placed = [name for names in sections.values() for name in names]
    assert sorted(placed, key=str.lower) == sorted(nnfunc.__all__, key=str.lower)
    assert all(title.strip() for title in sections), sections
    known = list(dict.fromkeys(api_reference.SECTIONS.values()))
    present = [t for t in known if t in sections]
    assert list(sections)[: len(present)] == present, "the known sections come first, in their order"


def test_values_carry_their_own_docstring() -> None:
    """``py:data`` entries (instances such as ``nf.softmax_cross_entropy``) show the string under the
    assignment when there is one, not their class's docstring."""
    for name in nnfunc.__all__:
        obj = getattr(nnfunc, name)
        if inspect.isclass(obj) or inspect.isfunction(obj) or name not in VALUES or not VALUES[name][1]:
            continue
        block = api_reference.entry(name, VALUES)
        assert VALUES[name][1].splitlines()[0] in block, name


def test_the_value_scanner_reads_docstrings_under_assignments() -> None:
    tree = ast.parse('x = 1\n"""About x."""\ny: int = 2\nz = 3\n')
    assert isinstance(tree.body[1], ast.Expr)
    assert VALUES["softmax_cross_entropy"][0] == "nnfunc.costs"
    assert VALUES["softmax_cross_entropy"][1], "costs.py documents softmax_cross_entropy under its assignment"


def test_missing_from_html_finds_absent_anchors() -> None:
    html = '<dt class="sig" id="nnfunc.Key">'
    assert api_reference.missing_from_html(html, ["Key", "split"]) == ["split"]
