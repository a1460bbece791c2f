"""Every ```python block of README.md runs, in order, in one namespace (as a reader would run them).

A block right after a line ``<!-- skip-test -->`` is skipped. Blocks run in a
temporary working directory, with warnings as errors like the rest of the suite.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
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


BLOCKS = python_blocks(README.read_text(encoding="utf-8"))


def test_the_readme_has_code() -> None:
    assert len(BLOCKS) >= 10
    assert sum(skipped for *_, skipped in BLOCKS) <= 2, "skip a README block only when it cannot run here"


def test_block_parser_finds_blocks_and_skip_marks() -> None:
    text = "x\n```python\na = 1\n```\n<!-- skip-test -->\n```python\nb = 2\n```\n```bash\nls\n```\n"
    assert python_blocks(text) == [(3, "a = 1\n", False), (7, "b = 2\n", True)]


@pytest.fixture(scope="module")
def namespace() -> dict[str, Any]:
    """One namespace for all blocks, as if the README were one script."""
    return {"__name__": "__readme__"}


@pytest.mark.parametrize(("line", "code", "skipped"), BLOCKS, ids=[f"README.md:{b[0]}" for b in BLOCKS])
def test_readme_block(
    line: int, code: str, skipped: bool, namespace: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if skipped:
        pytest.skip(f"marked {SKIP}")
    if namespace.get("__failed__"):
        pytest.fail(f"an earlier README block failed at line {namespace['__failed__']}")
    monkeypatch.chdir(tmp_path)
    compiled = compile("\n" * (line - 1) + code, str(README), "exec")  # tracebacks point into README.md
    try:
        exec(compiled, namespace)
    except BaseException:
        namespace["__failed__"] = line
        raise
