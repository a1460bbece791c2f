"""Every public name is what it says after any import order: submodules never hide public functions,
and the names loaded on first use (``nf.save``, ``nf.lbfgs``, ``nf.BatchNorm``, ...) are the objects their
modules define, listed by ``dir`` and ``__all__``."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import nnfunc as nf
import nnfunc.layers

# name -> the module that defines it, for every name nnfunc loads on first use
LAZY = {
    "BatchNorm": "nnfunc.layers.norm",
    "Dropout": "nnfunc.layers.dropout",
    "Fit": "nnfunc.history",
    "LayerNorm": "nnfunc.layers.norm",
    "LbfgsReport": "nnfunc._lbfgs",
    "Schedule": "nnfunc.schedules",
    "accuracy": "nnfunc._predict",
    "constant_schedule": "nnfunc.schedules",
    "cosine_decay": "nnfunc.schedules",
    "exponential_decay": "nnfunc.schedules",
    "fit": "nnfunc.history",
    "inverse_time_decay": "nnfunc.schedules",
    "join_schedules": "nnfunc.schedules",
    "lbfgs": "nnfunc._lbfgs",
    "linear_schedule": "nnfunc.schedules",
    "load": "nnfunc.io",
    "predict": "nnfunc._predict",
    "predict_proba": "nnfunc._predict",
    "save": "nnfunc.io",
    "scan": "nnfunc.history",
    "step_decay": "nnfunc.schedules",
    "summary": "nnfunc._summary",
    "sweep": "nnfunc.sweeps",
    "warmup_cosine_decay": "nnfunc.schedules",
}
LAZY_LAYERS = {"BatchNorm": "nnfunc.layers.norm", "Dropout": "nnfunc.layers.dropout", "LayerNorm": "nnfunc.layers.norm"}


def _assert_prints_ok(code: str) -> None:
    """Run ``code`` in a fresh interpreter; it must exit cleanly having printed ``ok``."""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]


def test_every_public_name_resolves_and_no_submodule_hides_one() -> None:
    code = (
        "import importlib, pkgutil, types, nnfunc as nf\n"
        "for info in pkgutil.walk_packages(nf.__path__, 'nnfunc.'):\n"
        "    if not info.name.startswith('nnfunc.interop'):\n"
        "        importlib.import_module(info.name)\n"
        "for package in (nf, nf.layers):\n"
        "    bad = [n for n in package.__all__ if isinstance(getattr(package, n), types.ModuleType)]\n"
        "    assert not bad, (package.__name__, bad)\n"
        "print('ok')\n"
    )
    _assert_prints_ok(code)


@pytest.mark.parametrize("modules_first", [True, False])
def test_lazy_names_are_their_modules_objects_whatever_was_imported_first(modules_first: bool) -> None:
    """In a fresh interpreter: the defining modules imported first (which binds each in its package), then
    the names; or the names first, then the modules. Both orders give the modules' own objects."""
    imports = "".join(f"import {module}\n" for module in sorted(set(LAZY.values())))
    touch = "".join(f"nf.{name}\n" for name in sorted(LAZY))
    code = (
        "import importlib, types, nnfunc as nf\n"
        + (imports + touch if modules_first else touch + imports)
        + f"for name, module in {LAZY!r}.items():\n"
        "    value = getattr(importlib.import_module(module), name)\n"
        "    assert getattr(nf, name) is value and not isinstance(value, types.ModuleType), name\n"
        "    assert getattr(__import__('nnfunc', fromlist=[name]), name) is value, name\n"
        "print('ok')\n"
    )
    _assert_prints_ok(code)


def test_lazy_names_are_the_objects_and_listed() -> None:
    assert set(nf._LAZY) == set(LAZY)
    for name, module in LAZY.items():
        assert getattr(nf, name) is getattr(importlib.import_module(module), name), name
    assert set(LAZY) <= set(dir(nf)) & set(nf.__all__)
    assert set(nnfunc.layers._LAZY) == set(LAZY_LAYERS)
    for name, module in LAZY_LAYERS.items():
        assert getattr(nnfunc.layers, name) is getattr(importlib.import_module(module), name), name
    assert set(LAZY_LAYERS) <= set(dir(nnfunc.layers)) & set(nnfunc.layers.__all__)


def test_an_unknown_name_is_an_attribute_error() -> None:
    """At run time; mypy refuses it too (the lazy ``__getattr__`` is hidden from it: tests/typing/fail)."""
    unknown = "nope"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        getattr(nf, unknown)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        getattr(nnfunc.layers, unknown)
    assert not hasattr(nf, "Activations")
