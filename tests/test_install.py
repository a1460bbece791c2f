"""A user's own script type-checks against an editable install, from a folder outside the repository.

The README's set-up is an editable install (``pip install -e '.[dev]'``). This test makes
that install into a fresh virtual environment in a temporary folder, writes scripts into
another temporary folder, and runs ``mypy --strict`` there (the working directory is not the
repository, so nothing but the install can make ``nnfunc`` visible): a correct script passes,
a mistyped one fails for its type error, never for a missing import.

Fast and offline: the fresh environment borrows this environment's packages (numpy, mypy,
hatchling ...) through a ``.pth`` file naming a folder of links to them, leaving out nnfunc's
own install, and nnfunc itself goes in with ``pip install --no-deps --no-build-isolation -e``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
import venv
from pathlib import Path

import pytest

pytest.importorskip("mypy")
pytest.importorskip("hatchling")

ROOT = Path(__file__).resolve().parent.parent
MISSING = "Cannot find implementation or library stub"

GOOD = """\
import numpy as np
from numpy.typing import NDArray

import nnfunc as nf

params: nf.MLP = nf.init_mlp(nf.Key(0), (2, 3, 2), hidden=nf.tanh)
x = np.zeros((4, 2))
out: NDArray[np.floating] = nf.forward(params, x)
print(out.shape)
"""

BAD = """\
import numpy as np

import nnfunc as nf

params = nf.init_mlp(nf.Key(0), (2, 3, 2), hidden=nf.tanh)
x = np.zeros((4, 2))
out = nf.forward(x, params)
"""


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MYPYPATH", "PYTHONHOME")}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


def _mypy(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``mypy --strict`` run by the fresh environment's python in ``cwd``, with the shared cache."""
    cache = python.parents[2] / "mypy_cache"
    return _run([str(python), "-m", "mypy", "--strict", "--cache-dir", str(cache), *args], cwd)


def _site_packages(python: Path) -> Path:
    """The ``site-packages`` folder of the environment whose interpreter is ``python``."""
    proc = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], python.parent)
    return Path(proc.stdout.strip())


@pytest.fixture(scope="module")
def fresh_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with nnfunc installed editable from this repository; its python.

    Beside it, ``mypy_cache/``: the tests' mypy runs share one cache (numpy's stubs are read once)."""
    base = tmp_path_factory.mktemp("install")
    venv.create(base / "venv", with_pip=False)
    python = base / "venv" / "bin" / "python"
    site = _site_packages(python)
    deps = base / "deps"  # this environment's packages, without nnfunc's own install
    deps.mkdir()
    for entry in Path(sysconfig.get_path("purelib")).iterdir():
        if "nnfunc" not in entry.name.lower():
            (deps / entry.name).symlink_to(entry)
    (site / "_outer_packages.pth").write_text(f"{deps}\n", encoding="utf-8")
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-build-isolation"]
    proc = _run([*pip, "--no-index", "--quiet", "-e", str(ROOT)], base)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return python


def test_the_editable_install_is_a_plain_path(fresh_env: Path) -> None:
    """Static tools follow a ``.pth`` file that names a folder, not one that runs an import hook."""
    site = _site_packages(fresh_env)
    pth = sorted(p.name for p in site.glob("*.pth") if "nnfunc" in p.name)
    assert pth == ["_nnfunc.pth"], pth
    assert (site / "_nnfunc.pth").read_text(encoding="utf-8").split() == [str(ROOT)]
    assert not list(site.glob("__editable__*")), "an import-hook finder: static tools cannot follow it"


def test_a_users_script_type_checks_and_runs_outside_the_repository(fresh_env: Path, tmp_path: Path) -> None:
    (tmp_path / "my_script.py").write_text(GOOD, encoding="utf-8")
    checked = _mypy(fresh_env, "my_script.py", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Success: no issues found in 1 source file" in checked.stdout
    ran = _run([str(fresh_env), "my_script.py"], tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "(4, 2)"


def test_a_mistyped_script_fails_for_its_type_error(fresh_env: Path, tmp_path: Path) -> None:
    (tmp_path / "mistyped.py").write_text(BAD, encoding="utf-8")
    checked = _mypy(fresh_env, "--no-pretty", "mistyped.py", cwd=tmp_path)
    out = checked.stdout + checked.stderr
    assert checked.returncode == 1, out
    assert MISSING not in out and "import-not-found" not in out and "import-untyped" not in out, out
    expected = textwrap.dedent("""\
        mistyped.py:7: error: Argument 1 to "forward" has incompatible type
        """).strip()
    assert expected in out, out
    assert out.count("[arg-type]") == 2, out  # params and x swapped: both arguments are wrong


def test_import_nnfunc_imports_no_third_party_package_but_numpy() -> None:
    """``import nnfunc`` brings numpy and the standard library only: plots, sweeps (joblib, threadpoolctl),
    Dask, scipy, PyTorch, ONNX and safetensors load when used (see benchmarks/importtime.py for the cost)."""
    code = (
        "import sys\n"
        "def third_party():\n"
        "    top = {m.split('.')[0] for m in sys.modules}\n"
        "    return top - set(sys.stdlib_module_names) - {'__main__'}\n"
        "import numpy\n"
        "before = third_party()\n"
        "import nnfunc\n"
        "print(sorted(third_party() - before))\n"
    )
    proc = _run([sys.executable, "-c", code], ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['nnfunc']", proc.stdout
