"""Every public name is what it says after any import order: submodules never hide public functions,
and the names loaded on first use (``nf.save``, ``nf.load``, ``nf.sweep``) are the functions."""

from __future__ import annotations

import subprocess
import sys

import nnfunc as nf


def test_every_public_name_resolves_and_no_submodule_hides_one() -> None:
    code = (
        "import importlib, pkgutil, types, nnfunc as nf\n"
        "for info in pkgutil.walk_packages(nf.__path__, 'nnfunc.'):\n"
        "    if not info.name.startswith('nnfunc.interop'):\n"
        "        importlib.import_module(info.name)\n"
        "bad = [n for n in nf.__all__ if isinstance(getattr(nf, n), types.ModuleType)]\n"
        "assert not bad, bad\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]


def test_lazy_names_are_the_functions_and_listed() -> None:
    from nnfunc.io import load, save
    from nnfunc.sweeps import sweep

    assert (nf.save, nf.load, nf.sweep) == (save, load, sweep)
    assert {"save", "load", "sweep"} <= set(dir(nf)) & set(nf.__all__)
