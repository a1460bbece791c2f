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
    "accuracy": "nnfunc._predict",
    "fit": "nnfunc.history",
    "lbfgs": "nnfunc._lbfgs",
    "load": "nnfunc.io",
    "predict": "nnfunc._predict",
    "predict_proba": "nnfunc._predict",
    "save": "nnfunc.io",
    "scan": "nnfunc.history",
    "summary": "nnfunc._summary",
    "sweep": "nnfunc.sweeps",
}
LAZY_LAYERS = {"BatchNorm": "nnfunc.layers.norm", "Dropout": "nnfunc.layers.dropout", "LayerNorm": "nnfunc.layers.norm"}


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120)


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
    proc = _run(code)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]


@pytest.mark.parametrize("name", sorted(LAZY))
def test_a_lazy_name_is_its_modules_object_whatever_was_imported_first(name: str) -> None:
    """In a fresh interpreter: the defining module imported first (which binds it in its package), then
    the name; and the name first, then the module. Both orders give the module's own object."""
    module = LAZY[name]
    for first, second in ((f"import {module}", f"nf.{name}"), (f"nf.{name}", f"import {module}")):
        code = (
            "import types, nnfunc as nf\n"
            f"{first}\n{second}\n"
            f"import {module} as m\n"
            f"assert nf.{name} is m.{name} and not isinstance(nf.{name}, types.ModuleType), nf.{name}\n"
            f"from nnfunc import {name} as direct\n"
            f"assert direct is m.{name}\n"
            "print('ok')\n"
        )
        proc = _run(code)
        assert proc.returncode == 0 and proc.stdout.strip() == "ok", (first, second, proc.stderr[-2000:])


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
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        nf.nope  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        nnfunc.layers.nope  # noqa: B018
    assert not hasattr(nf, "Activations")
