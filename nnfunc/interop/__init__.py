"""Networks that travel: nnfunc networks to and from PyTorch, ONNX and safetensors.

- :func:`to_torch` / :func:`from_torch`: to and from a ``torch.nn.Sequential`` (``Linear`` and
  activation modules for an ``nf.MLP``; ``Dropout``, ``LayerNorm``, ``BatchNorm1d`` and residual
  blocks for the other layers).
- :func:`to_onnx`: an ONNX model with a dynamic batch dimension, which onnxruntime runs.
- :func:`save_safetensors` / :func:`load_safetensors`: the safetensors format, checked against a
  skeleton as ``nf.load`` does.

The libraries are an optional extra (``pip install 'nnfunc[interop]'``), imported when a function is
called: ``import nnfunc`` and ``import nnfunc.interop`` import none of them, and a function whose
library is missing raises an ``ImportError`` saying what to install. A layer or activation without a
counterpart in the target is refused with a ``ValueError`` naming it and listing what is supported.
"""

from ._onnx import to_onnx
from ._safetensors import load_safetensors, save_safetensors
from ._torch import from_torch, to_torch

__all__ = ["from_torch", "load_safetensors", "save_safetensors", "to_onnx", "to_torch"]
