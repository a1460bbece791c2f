"""sphinx-gallery over ``examples/``, each example run in its ``--quick`` mode.

The examples are command-line scripts (``python examples/NAME.py [--quick] [--out DIR]``)
that save their plots as PNG files and whose docstrings carry no reST title. So, at
each build, ``write_sources`` copies every example into ``docs/_gallery_src/`` with a
title on its docstring and otherwise unchanged; sphinx-gallery runs the copies as
``__main__`` with ``sys.argv`` set to ``--quick --out <folder>`` (``reset_argv``), and
``png_scraper`` puts the PNG files the example wrote into its gallery page.
"""

from __future__ import annotations

import ast
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
EXAMPLES = DOCS.parent / "examples"
SOURCE = DOCS / "_gallery_src"  # generated copies (git-ignored)
OUT = Path(tempfile.gettempdir()) / "nnfunc-gallery-out"  # where the examples write their PNG files

README = """\
Gallery
=======

Each example reproduces one of the classic "neural network from scratch" tutorials nnfunc
grew from, here in its ``--quick`` mode (a fraction of the steps, so its ``matches_seed``
line may say no). Run one in full with ``python examples/NAME.py``: it writes its plots
to ``examples/out/`` (or ``--out DIR``).
"""


def example_scripts() -> list[Path]:
    """The runnable examples: every ``examples/*.py`` but the shared ``_common.py``."""
    return sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))


def titled(source: str, name: str) -> str:
    """``source`` with its module docstring given a reST title (its first line) and a run command."""
    tree = ast.parse(source)
    doc = ast.get_docstring(tree, clean=True) or name
    first = tree.body[0]
    end = first.end_lineno if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) else 0
    head, _, rest = doc.partition("\n")
    title = head.strip().rstrip(".")
    command = f"Run in full: ``python examples/{name}.py`` (this page: ``--quick``)."
    paragraphs = rest.strip().replace("\\", "\\\\").splitlines()
    literal_blocks(paragraphs)  # the docstring's indented command line: a literal block
    body = "\n".join(paragraphs)
    docstring = f'"""\n{title}\n{"=" * len(title)}\n\n{body}\n\n{command}\n"""\n'
    lines = source.splitlines(keepends=True)
    return docstring + "".join(lines[end or 0 :])


def write_sources() -> None:
    """Fill ``docs/_gallery_src/`` with titled copies of the examples (and the gallery's README)."""
    if SOURCE.exists():
        shutil.rmtree(SOURCE)
    SOURCE.mkdir()
    (SOURCE / "README.rst").write_text(README, encoding="utf-8")
    for script in example_scripts():
        (SOURCE / script.name).write_text(titled(script.read_text(encoding="utf-8"), script.stem), encoding="utf-8")
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))  # the examples import their shared _common module


def literal_blocks(lines: list[str]) -> None:
    """Make an indented block that follows a blank line a literal block, as Markdown readers expect.

    nnfunc's docstrings show code as an indented block after a paragraph (no reST ``::``);
    reST would call that an unexpected indentation. Lists and ``>>>`` examples are left alone.
    """
    i = 1
    while i < len(lines) - 1:
        prev, blank, nxt = lines[i - 1], lines[i], lines[i + 1]
        indent = len(nxt) - len(nxt.lstrip())
        base = len(prev) - len(prev.lstrip())
        is_list = prev.lstrip()[:2] in ("- ", "* ") or prev.lstrip()[:1].isdigit()
        code = indent > base and not is_list and not nxt.lstrip().startswith(">>>")
        if not blank.strip() and prev.strip() and nxt.strip() and code and not prev.rstrip().endswith("::"):
            lines[i:i] = ["", " " * base + "::"]
            i += 2
        i += 1


def _out_dir(script_vars: dict[str, Any]) -> Path:
    return OUT / Path(str(script_vars["src_file"])).stem


def reset_argv(gallery_conf: dict[str, Any], script_vars: dict[str, Any]) -> list[str]:
    """The example's command line: quick mode, plots into a fresh folder of its own."""
    out = _out_dir(script_vars)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    return ["--quick", "--out", str(out)]


def _pngs(out: Path) -> Iterator[Path]:
    return iter(sorted(out.glob("*.png"))) if out.exists() else iter(())


def png_scraper(block: Any, block_vars: dict[str, Any], gallery_conf: dict[str, Any]) -> str:
    """Copy the PNG files the example wrote into the gallery's image folder; their reST."""
    from sphinx_gallery.scrapers import figure_rst

    out = _out_dir({"src_file": block_vars["src_file"]})
    names = []
    for png, target in zip(_pngs(out), block_vars["image_path_iterator"], strict=False):
        shutil.copyfile(png, target)
        names.append(target)
        png.unlink()  # one copy per block
    return str(figure_rst(names, gallery_conf["src_dir"]))


def conf() -> dict[str, Any]:
    """The ``sphinx_gallery_conf`` for ``docs/conf.py``."""
    return {
        "examples_dirs": str(SOURCE),
        "gallery_dirs": "auto_examples",
        "filename_pattern": r".*\.py$",  # run every example, not only plot_*.py
        "ignore_pattern": r"^_",
        "reset_argv": reset_argv,
        "image_scrapers": (png_scraper,),
        "reset_modules": (),
        "download_all_examples": False,
        "show_memory": False,
        "remove_config_comments": True,
        "within_subsection_order": "FileNameSortKey",
        "copyfile_regex": "",
        "plot_gallery": "True",
        "abort_on_example_error": False,  # run them all, then fail the build listing every failure
        "only_warn_on_example_error": False,
        "min_reported_time": 1,
    }
