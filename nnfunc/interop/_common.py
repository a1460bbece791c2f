"""What every interchange target shares: loading an optional extra, reading nnfunc's activations as
(kind, slope) pairs, and writing a file atomically."""

from __future__ import annotations

import contextlib
import importlib
import math
import re
from typing import Any

from .. import activations as _acts
from .. import io
from ..activations import Activation

EXTRA = "pip install 'nnfunc[interop]'"
"""What to run when torch, onnx, onnxruntime or safetensors is missing."""


def require(module: str) -> Any:
    """The module ``module`` (torch, onnx, safetensors.numpy, ...), imported now; an ``ImportError``
    naming the extra that installs it when it is missing. Typed ``Any``: mypy never analyses them."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        top = module.split(".")[0]
        raise ImportError(f"nnfunc.interop needs {top}, which is not installed: {EXTRA}") from e


_FIXED = {a.name: a for a in (_acts.identity, _acts.tanh, _acts.sigmoid, _acts.relu, _acts.softmax)}
_LEAKY = re.compile(r"leaky_relu\((?P<alpha>[^()]+)\)")
SUPPORTED_ACTIVATIONS = "nf.identity, nf.tanh, nf.sigmoid, nf.relu, nf.leaky_relu(alpha), nf.softmax"


def activation_kind(act: Activation, where: str) -> tuple[str, float]:
    """``(name, alpha)`` of one of nnfunc's own activations (``alpha`` only means something for
    ``"leaky_relu"``); ``ValueError`` naming ``where`` for an activation of the user's own, which
    no other framework knows (even one that borrowed a built-in's name)."""
    fixed = _FIXED.get(act.name)
    if fixed is not None and act.forward is fixed.forward:
        return act.name, 0.0
    m = _LEAKY.fullmatch(act.name)
    if m is not None and act.forward.__qualname__ == "leaky_relu.<locals>.forward":
        with contextlib.suppress(ValueError):
            alpha = float(m["alpha"])
            if math.isfinite(alpha) and _acts.leaky_relu(alpha) == act:
                return "leaky_relu", alpha
    raise ValueError(f"{where}: activation {act.name!r} has no counterpart; supported: {SUPPORTED_ACTIVATIONS}")


def activation_from_kind(name: str, alpha: float = 0.0) -> Activation:
    """nnfunc's activation called ``name`` (``"leaky_relu"`` with slope ``alpha``)."""
    return _acts.leaky_relu(alpha) if name == "leaky_relu" else _FIXED[name]


def write_atomically(name: str, data: bytes) -> None:
    """Write ``data`` to ``name`` as ``nf.save`` writes its files (:func:`nnfunc.io.write_atomically`)."""
    io.write_atomically(name, lambda f: f.write(data))
