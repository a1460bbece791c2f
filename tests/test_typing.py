"""Typing tests in the style of NumPy's: ``tests/typing/pass`` must pass ``mypy --strict``,
``tests/typing/fail`` must fail it on exactly the lines marked ``# E: <code>``."""

from __future__ import annotations

import re
import runpy
from collections import Counter
from pathlib import Path

import pytest
from test_readme import PAGES, README, python_blocks

api = pytest.importorskip("mypy.api")

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent / "typing"
PASS = sorted((HERE / "pass").glob("*.py"))
FAIL = sorted((HERE / "fail").glob("*.py"))

MARK = re.compile(r"#\s*E:\s*(?P<codes>[\w-]+(?:\s*,\s*[\w-]+)*)\s*$")
ERROR = re.compile(r"^(?P<path>.+?):(?P<line>\d+): error: (?P<message>.*?)(?:\s+\[(?P<code>[\w-]+)\])?$")

Site = tuple[str, int, str]  # (file name, line, error code)


def _mypy(files: list[Path], *flags: str) -> tuple[str, Counter[Site]]:
    """Run ``mypy --strict`` (with the project's mypy.ini) once over ``files``; its output and errors."""
    stdout, stderr, _ = api.run(
        [
            "--config-file",
            str(ROOT / "mypy.ini"),
            "--strict",
            "--show-error-codes",
            "--no-error-summary",
            "--no-pretty",
            "--hide-error-context",
            *flags,
            *map(str, files),
        ]
    )
    found: Counter[Site] = Counter()
    for line in stdout.splitlines():
        m = ERROR.match(line)
        if m:
            found[Path(m["path"]).name, int(m["line"]), m["code"] or "?"] += 1
    return stdout + stderr, found


def _expected(files: list[Path]) -> Counter[Site]:
    marks: Counter[Site] = Counter()
    for path in files:
        for number, text in enumerate(path.read_text().splitlines(), start=1):
            m = MARK.search(text)
            if m:
                for code in m["codes"].split(","):
                    marks[path.name, number, code.strip()] += 1
    return marks


def test_the_folders_hold_scripts() -> None:
    assert PASS and FAIL
    assert not any(p.name.startswith("test_") for p in PASS + FAIL), "pytest would collect these"
    assert all(_expected([p]) for p in FAIL), "every fail script marks at least one line"
    assert not _expected(PASS), "a pass script must not mark expected errors"


def test_pass_scripts_type_check() -> None:
    out, found = _mypy(PASS)
    assert not found, out


def test_fail_scripts_fail_on_exactly_the_marked_lines() -> None:
    out, found = _mypy(FAIL)
    expected = _expected(FAIL)
    missing = sorted((expected - found).elements())
    unexpected = sorted((found - expected).elements())
    assert not missing and not unexpected, f"missing errors: {missing}\nunexpected errors: {unexpected}\n{out}"


@pytest.mark.parametrize("script", PASS, ids=lambda p: p.name)
def test_pass_scripts_run(script: Path) -> None:
    runpy.run_path(str(script), run_name="__typing_test__")


def test_readme_and_page_code_type_checks(tmp_path: Path) -> None:
    """The python blocks of README.md and of every docs page, each file as one script, pass
    ``mypy --strict`` (one run over all of them): what users copy is typed.

    ``--allow-untyped-calls`` only because dask's ``LocalCluster`` and ``Client`` have no annotations.
    Line numbers in each script are its page's.
    """
    scripts = []
    for page in [README, *PAGES]:
        script = tmp_path / f"{page.stem.replace('-', '_')}_code.py"
        lines: list[str] = []
        for first, code, skipped in python_blocks(page.read_text(encoding="utf-8")):
            if not skipped:
                lines += [""] * (first - 1 - len(lines)) + code.splitlines()
        script.write_text("\n".join(lines) + "\n", encoding="utf-8")
        scripts.append(script)
    out, found = _mypy(scripts, "--allow-untyped-calls")
    assert not found, "page code does not type-check (X_code.py is page X, line numbers are the page's):\n" + out
