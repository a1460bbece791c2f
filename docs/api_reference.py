"""The API reference page, generated from ``nnfunc.__all__`` and the docstrings at every build.

Every public name of ``nnfunc`` lands in the section of the module that defines it (titles
below; a module not listed gets its docstring's first words), as an ``autofunction``, an
``autoclass`` or, for values such as ``nf.tanh``, a ``py:data`` entry carrying the docstring
written under its assignment. Public submodules (``nnfunc.testing`` ...) follow, each an
``automodule``. A new public name therefore appears with no edit here; a new public
submodule is one line in ``SUBMODULES``. ``tests/test_api_docs.py`` checks the result.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
from collections.abc import Iterator
from pathlib import Path

import nnfunc

# defining module -> section title, in reading order
SECTIONS: dict[str, str] = {
    "nnfunc.random": "Randomness",
    "nnfunc.tree": "Pytrees",
    "nnfunc.layers": "Layers",
    "nnfunc._summary": "Layers",
    "nnfunc.initializers": "Initialisers",
    "nnfunc.activations": "Activations",
    "nnfunc.costs": "Costs",
    "nnfunc.batch": "Batches of data",
    "nnfunc.data": "Batches of data",
    "nnfunc.network": "Loss, gradient and steps",
    "nnfunc._predict": "Predictions",
    "nnfunc.training": "Training",
    "nnfunc.history": "Training",
    "nnfunc._lbfgs": "Training",
    "nnfunc.optim": "Optimisers",
    "nnfunc.schedules": "Schedules",
    "nnfunc.io": "Files",
    "nnfunc.sweeps": "Sweeps",
}

# public submodules documented whole (those that exist)
SUBMODULES = ("nnfunc.testing", "nnfunc.testing.strategies", "nnfunc.plot", "nnfunc.interop")

HEADER = """\
# API reference

Every public name of `nnfunc` (`import nnfunc as nf`), generated from the docstrings
(`docs/api_reference.py` writes this page at each build from `nnfunc.__all__`).
The examples assume `import numpy as np` and `import nnfunc as nf`, and run as doctests in CI.

"""


def _module_paths() -> Iterator[tuple[str, Path]]:
    """``(module name, source path)`` of every nnfunc module."""
    root = Path(nnfunc.__file__).parent
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def defined_values() -> dict[str, tuple[str, str]]:
    """``{name: (module, docstring)}`` for every module-level assignment in nnfunc's modules.

    The docstring is the string literal right under the assignment ("" when there is none);
    the first module that assigns a name wins, ``nnfunc/__init__.py`` never (it only re-exports).
    """
    found: dict[str, tuple[str, str]] = {}
    for module, path in _module_paths():
        if module == "nnfunc":
            continue
        body = ast.parse(path.read_text(encoding="utf-8")).body
        for i, stmt in enumerate(body):
            if isinstance(stmt, ast.Assign):
                targets = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
                targets = [stmt.target.id]
            else:
                continue
            after = body[i + 1] if i + 1 < len(body) else None
            doc = ""
            if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
                doc = after.value.value if isinstance(after.value.value, str) else ""
            for name in targets:
                found.setdefault(name, (module, inspect.cleandoc(doc)))
    return found


def module_of(name: str, values: dict[str, tuple[str, str]]) -> str:
    """The nnfunc module that defines the public name ``name``."""
    obj = getattr(nnfunc, name)
    if inspect.isfunction(obj) or inspect.isclass(obj):
        module = getattr(obj, "__module__", "") or ""
        if module.startswith("nnfunc."):
            return module
    return values[name][0] if name in values else "nnfunc"


def _title(module: str) -> str:
    """The section of ``module``: that of the longest ``SECTIONS`` key it is or lies under
    (``nnfunc.optim.base`` -> ``nnfunc.optim``), else its docstring's first words."""
    for key in sorted(SECTIONS, key=len, reverse=True):
        if module == key or module.startswith(key + "."):
            return SECTIONS[key]
    try:
        doc = importlib.import_module(module).__doc__ or module
    except ImportError:
        doc = module
    first = doc.strip().splitlines()[0] if doc.strip() else module
    return first.split(":")[0].strip("`. ") or module


def entry(name: str, values: dict[str, tuple[str, str]]) -> str:
    """The MyST block that documents ``nnfunc.<name>``."""
    obj = getattr(nnfunc, name)
    if inspect.isclass(obj):
        return f"```{{eval-rst}}\n.. autoclass:: nnfunc.{name}\n   :members:\n```\n"
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return f"```{{eval-rst}}\n.. autofunction:: nnfunc.{name}\n```\n"
    doc = values.get(name, ("", ""))[1] or inspect.getdoc(type(obj)) or ""
    body = "\n".join(f"   {line}" if line else "" for line in doc.splitlines())
    return f"```{{eval-rst}}\n.. py:data:: nnfunc.{name}\n\n{body}\n```\n"


def sections() -> dict[str, list[str]]:
    """``{section title: [public names]}``: the known sections in ``SECTIONS`` order, then any other."""
    values = defined_values()
    order = list(dict.fromkeys(SECTIONS.values()))
    grouped: dict[str, list[str]] = {}
    for name in sorted(nnfunc.__all__, key=str.lower):
        grouped.setdefault(_title(module_of(name, values)), []).append(name)
    ranked = sorted(grouped, key=lambda t: (order.index(t) if t in order else len(order), t))
    return {title: grouped[title] for title in ranked}


def submodules() -> list[str]:
    """The public submodules in ``SUBMODULES`` that exist in this checkout."""
    return [m for m in SUBMODULES if importlib.util.find_spec(m) is not None]


def markdown() -> str:
    """The whole API reference page, as MyST Markdown."""
    values = defined_values()
    parts = [HEADER]
    for title, names in sections().items():
        parts.append(f"## {title}\n\n")
        parts.extend(entry(name, values) + "\n" for name in names)
    for module in submodules():
        parts.append(f"## `{module}`\n\n```{{eval-rst}}\n.. automodule:: {module}\n   :members:\n```\n\n")
    return "".join(parts).rstrip() + "\n"


def write(path: Path) -> None:
    """Write the page to ``path`` unless it already holds exactly that text (keeps Sphinx's cache valid)."""
    text = markdown()
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def missing_from_html(html: str, names: list[str] | None = None) -> list[str]:
    """The public names (default: all of ``nnfunc.__all__``) without an anchor ``id="nnfunc.NAME"``
    in the built page's HTML: what autodoc failed to document."""
    return [n for n in (names if names is not None else nnfunc.__all__) if f'id="nnfunc.{n}"' not in html]
