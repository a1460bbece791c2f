"""The API reference cannot drift: every public name has a docstring and a line in README.md's
"API reference", and every name listed there exists and is public."""

from __future__ import annotations

import ast
import importlib
import inspect
import itertools
import pkgutil
import re
from pathlib import Path

import pytest

import nnfunc
import nnfunc.testing

README = Path(__file__).resolve().parent.parent / "README.md"
ENTRY = re.compile(r"^- `(?P<qualname>(?:nf|nnfunc(?:\.\w+)*)\.\w+)[^`]*`: (?P<summary>\S.*)$")


def api_reference(text: str) -> dict[str, str]:
    """``{qualified name: one-line summary}`` from the list items of the "## API reference" section."""
    start = text.index("\n## API reference")
    end = text.find("\n## ", start + 1)
    section = text[start : end if end != -1 else len(text)]
    entries = {}
    for line in section.splitlines():
        m = ENTRY.match(line)
        if m:
            name = m["qualname"]
            entries["nnfunc." + name[3:] if name.startswith("nf.") else name] = m["summary"]
    return entries


REFERENCE = api_reference(README.read_text(encoding="utf-8"))


def _attribute_docstrings() -> dict[str, str]:
    """``{name: docstring}`` for module-level ``name = value`` followed by a string, in every nnfunc module."""
    docs: dict[str, str] = {}
    for info in pkgutil.walk_packages(nnfunc.__path__, "nnfunc."):
        spec = importlib.util.find_spec(info.name)
        if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
            continue
        body = ast.parse(Path(spec.origin).read_text(encoding="utf-8")).body
        for stmt, after in itertools.pairwise(body):
            doc = after.value.value if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant) else None
            if not isinstance(doc, str):
                continue
            if isinstance(stmt, ast.Assign):
                targets = stmt.targets
            elif isinstance(stmt, ast.AnnAssign):
                targets = [stmt.target]
            else:
                continue
            for target in targets:
                if isinstance(target, ast.Name):
                    docs.setdefault(target.id, doc)
    return docs


ATTRIBUTE_DOCS = _attribute_docstrings()


def docstring(name: str, obj: object) -> str:
    """The documentation of a public object: its own docstring (functions, classes, modules), else for an
    instance (``nf.tanh``, ``nf.softmax_cross_entropy``) the docstring under its assignment or its class's."""
    if inspect.isfunction(obj) or inspect.isclass(obj) or inspect.ismodule(obj) or inspect.isbuiltin(obj):
        return inspect.getdoc(obj) or ""
    return ATTRIBUTE_DOCS.get(name) or inspect.getdoc(type(obj)) or ""


def test_the_reference_parser_reads_entries() -> None:
    text = (
        "# x\n## API reference\n\n- `nf.Key(seed)`: a key.\n- `nnfunc.testing.check_grad(f)`: checks.\n"
        "not - `nf.x`: no\n## Next\n- `nf.y`: out"
    )
    assert api_reference(text) == {"nnfunc.Key": "a key.", "nnfunc.testing.check_grad": "checks."}


@pytest.mark.parametrize("name", sorted(nnfunc.__all__))
def test_public_name_has_a_docstring(name: str) -> None:
    doc = docstring(name, getattr(nnfunc, name))
    assert doc.strip(), f"nnfunc.{name} has no docstring"


@pytest.mark.parametrize("name", sorted(nnfunc.testing.__all__))
def test_testing_name_has_a_docstring(name: str) -> None:
    assert docstring(name, getattr(nnfunc.testing, name)).strip(), f"nnfunc.testing.{name} has no docstring"


def test_every_public_name_is_in_the_api_reference() -> None:
    public = {f"nnfunc.{name}" for name in nnfunc.__all__} | {f"nnfunc.testing.{n}" for n in nnfunc.testing.__all__}
    missing = sorted(public - REFERENCE.keys())
    assert not missing, f"add a line to README.md's API reference for: {missing}"


@pytest.mark.parametrize("qualname", sorted(REFERENCE))
def test_every_reference_entry_exists_and_is_public(qualname: str) -> None:
    module_name, _, name = qualname.rpartition(".")
    module = importlib.import_module(module_name)
    if inspect.ismodule(getattr(module, name, None)) or name not in vars(module):
        try:  # a public submodule, e.g. nnfunc.testing.strategies
            submodule = importlib.import_module(qualname)
        except ImportError:
            submodule = None
        if submodule is not None and module_name != "nnfunc":
            assert submodule.__doc__, f"{qualname} has no docstring"
            return
    assert name in getattr(module, "__all__", ()), f"{qualname} is in README.md but not in {module_name}.__all__"
    assert not inspect.ismodule(getattr(module, name)), f"{qualname} is a module, not the public name"
    assert REFERENCE[qualname].strip(), f"{qualname}: no summary"
