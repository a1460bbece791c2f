"""Sphinx configuration of nnfunc's documentation site: ``bash .ci/docs`` builds it into ``docs/_build/html``."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS))  # api_reference.py and gallery_conf.py beside this file
os.environ.setdefault("MPLBACKEND", "Agg")

import api_reference  # noqa: E402
import gallery_conf  # noqa: E402

project = "nnfunc"
author = "the nnfunc authors"
copyright = "2026, the nnfunc authors"
release = version = "0.1.0"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_gallery_src", "auto_examples/*.ipynb", "auto_examples/*.py", "**.zip"]
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3

autodoc_typehints = "signature"
# Keep the project's type aliases by name in signatures instead of expanding them into NumPy's unions.
_ALIASES = (
    "Array",
    "Labels",
    "Features",
    "Inputs",
    "Targets",
    "Sparse",
    "SparseRows",
    "Forward",
    "Backward",
    "Scalar",
    "TargetKind",
    "OutputKind",
    "PerSample",
    "StrPath",
    "OptState",
    "Schedule",
    "Predictor",
    "History",
    "ArrayLike",
    "DTypeLike",
)
autodoc_type_aliases = {name: name for name in _ALIASES}
autodoc_member_order = "bysource"
autodoc_preserve_defaults = True
python_use_unqualified_type_names = True
add_module_names = True

html_theme = "furo"
html_title = f"nnfunc {release}"
html_static_path: list[str] = []

# The generated sources: the API page from nnfunc.__all__, the gallery's copies of examples/.
api_reference.write(DOCS / "api.md")
gallery_conf.write_sources()
sphinx_gallery_conf = gallery_conf.conf()

suppress_warnings = ["config.cache"]  # sphinx_gallery_conf holds functions: Sphinx cannot pickle it


def _process_docstring(app: object, what: str, name: str, obj: object, options: object, lines: list[str]) -> None:
    gallery_conf.literal_blocks(lines)


_FORWARD_REF = re.compile(r"TypeAliasForwardRef\('(\w+)'\)")


def _process_signature(
    app: object, what: str, name: str, obj: object, options: object, signature: str | None, annotation: str | None
) -> tuple[str | None, str | None]:
    """Show a type alias nested in another type (``tuple[Array, ...]``) by its name, as at the top level."""

    def named(text: str | None) -> str | None:
        return _FORWARD_REF.sub(r"\1", text) if text else text

    return named(signature), named(annotation)


def setup(app: Any) -> None:
    """Register the docstring and signature hooks."""
    app.connect("autodoc-process-docstring", _process_docstring)
    app.connect("autodoc-process-signature", _process_signature)
