"""Names of a package that load on first use (PEP 562), so that ``import nnfunc`` stays cheap.

A package lists ``{name: submodule}`` and installs the pair this module makes, *hidden from
type checkers* (``if not TYPE_CHECKING:``), which see the same names through ``if TYPE_CHECKING:``
imports instead: a module-level ``__getattr__`` visible to mypy would make every misspelt name
(``nf.adma``) type-check as ``Any``. Only names unlike their module's may be lazy: importing a
submodule binds its name in the package, which would hide a lazy attribute of the same name.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_names(
    package: str, namespace: dict[str, Any], lazy: dict[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package`` (its ``__name__``, its ``globals()``): a name of ``lazy`` is
    imported from its submodule (relative to ``package``) when first asked for, then kept in ``namespace``."""

    def __getattr__(name: str) -> Any:
        module = lazy.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(lazy))

    return __getattr__, __dir__
