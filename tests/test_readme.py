"""Every ```python block of README.md and of the documentation pages (``docs/*.md``) runs.

Each file's blocks run in order, in one namespace per file (as a reader would run them);
a page starts from its own imports. A block right after a line ``<!-- skip-test -->`` is
skipped. Blocks run in a temporary working directory, with warnings as errors like the
rest of the suite.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
GENERATED = {"api.md"}  # written by docs/api_reference.py at build time: directives, no python blocks
PAGES = sorted(p for p in (ROOT / "docs").glob("*.md") if p.name not in GENERATED)
FENCE = re.compile(r"^```python[ \t]*\n(?P<code>.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
SKIP = "<!-- skip-test -->"


def python_blocks(text: str) -> list[tuple[int, str, bool]]:
    """``(first line number, code, skipped)`` for every ```python block of a Markdown text."""
    blocks = []
    for m in FENCE.finditer(text):
        start = text.count("\n", 0, m.start("code")) + 1
        before = text[: m.start()].rstrip().splitlines()
        blocks.append((start, m["code"], bool(before) and before[-1].strip() == SKIP))
    return blocks


def _blocks(paths: list[Path]) -> list[tuple[Path, int, str, bool]]:
    return [(p, *block) for p in paths for block in python_blocks(p.read_text(encoding="utf-8"))]


BLOCKS = _blocks([README, *PAGES])


def _id(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def test_the_readme_and_pages_have_code() -> None:
    assert python_blocks(README.read_text(encoding="utf-8")), "README.md shows the complete example"
    pages = {p.name for p in PAGES}
    for name in ("getting-started.md", "functional-core.md", "data.md", "training.md", "saving.md", "testing.md"):
        assert name in pages and python_blocks((ROOT / "docs" / name).read_text(encoding="utf-8")), name
    assert len(BLOCKS) >= 15
    assert sum(skipped for *_, skipped in BLOCKS) <= 2, "skip a block only when it cannot run here"


def test_block_parser_finds_blocks_and_skip_marks() -> None:
    text = "x\n```python\na = 1\n```\n<!-- skip-test -->\n```python\nb = 2\n```\n```bash\nls\n```\n"
    assert python_blocks(text) == [(3, "a = 1\n", False), (7, "b = 2\n", True)]


@pytest.fixture(scope="module")
def namespaces() -> dict[Path, dict[str, Any]]:
    """One namespace per file, as if each page were one script."""
    return {}


@pytest.mark.parametrize(("path", "line", "code", "skipped"), BLOCKS, ids=[_id(b[0], b[1]) for b in BLOCKS])
def test_block(
    path: Path,
    line: int,
    code: str,
    skipped: bool,
    namespaces: dict[Path, dict[str, Any]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if skipped:
        pytest.skip(f"marked {SKIP}")
    namespace = namespaces.setdefault(path, {"__name__": "__readme__"})
    if namespace.get("__failed__"):
        pytest.fail(f"an earlier block of {path.name} failed at line {namespace['__failed__']}")
    monkeypatch.chdir(tmp_path)
    compiled = compile("\n" * (line - 1) + code, str(path), "exec")  # tracebacks point into the page
    try:
        exec(compiled, namespace)
    except BaseException:
        namespace["__failed__"] = line
        raise
