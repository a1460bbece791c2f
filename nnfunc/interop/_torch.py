"""nnfunc networks to and from PyTorch modules (torch is imported when a function is called).

One converter per layer kind in each direction (:data:`_TO_TORCH`, :func:`_from_table`). nnfunc's
``w`` is ``(n_in, n_out)`` and torch's ``Linear.weight`` is ``(out, in)``: the converters transpose,
which is exact, so ``from_torch(to_torch(net))`` gives back bit-for-bit the same arrays.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ..activations import Activation, identity, relu, sigmoid, softmax, tanh
from ..layers import (
    MLP,
    ActivationLayer,
    BatchNorm,
    Concatenate,
    Dense,
    Dropout,
    Layer,
    LayerNorm,
    Residual,
    Sequential,
)
from ._common import activation_from_kind, activation_kind, require
from ._layers import check_network, network_dtype, refuse

ToTorch = Callable[[Any, str, Any], list[Any]]


# -- nnfunc -> torch ----------------------------------------------------------------------------------


def to_torch(params: object) -> Any:
    """A ``torch.nn.Sequential`` in evaluation mode computing what ``params`` computes at inference.

    An ``nf.MLP`` becomes ``Linear`` layers, each followed by its activation module (``Tanh``,
    ``Sigmoid``, ``ReLU``, ``LeakyReLU(alpha)``, ``Softmax(dim=1)``; none for ``nf.identity``); an
    ``nf.Sequential`` its layers' modules in order (a nested one a nested ``Sequential``);
    ``nf.Dropout`` ``Dropout(rate)``, ``nf.LayerNorm`` ``LayerNorm(n, eps)``, ``nf.BatchNorm``
    ``BatchNorm1d(n, eps, momentum)`` with its running statistics; ``nf.Residual`` and
    ``nf.Concatenate``, which torch lacks, small modules ``TorchResidual`` (``x + inner(x)``) and
    ``TorchConcatenate`` (branches side by side) that :func:`from_torch` reads back. The tensors are
    copies in the parameters' dtype (float32 or float64); the torch random state is not touched.
    Needs the ``interop`` extra.

    Raises ``TypeError`` if ``params`` is not a network and ``ValueError`` naming the layer for a
    layer or activation without a torch counterpart (a user's own).

    >>> import nnfunc as nf
    >>> from nnfunc.interop import to_torch
    >>> to_torch(nf.init_mlp(nf.Key(0), (2, 3, 1), hidden=nf.relu))
    Sequential(
      (0): Linear(in_features=2, out_features=3, bias=True)
      (1): ReLU()
      (2): Linear(in_features=3, out_features=1, bias=True)
    )
    """
    torch = require("torch")
    check_network(params)
    dtype = torch.float64 if network_dtype(params) == np.float64 else torch.float32
    ctx = (torch, dtype)
    modules = _flat(params, "params", ctx)
    return torch.nn.Sequential(*modules).eval()


def _modules(layer: object, where: str, ctx: Any) -> list[Any]:
    convert = _TO_TORCH.get(type(layer))
    if convert is None:
        raise refuse(layer, where, "torch", _TO_TORCH)
    return convert(layer, where, ctx)


def _children(layer: Any, where: str, ctx: Any) -> list[Any]:
    """The modules of an ``MLP``'s or ``Sequential``'s layers, in order."""
    return [m for i, child in enumerate(layer.layers) for m in _modules(child, f"{where}.layers[{i}]", ctx)]


def _flat(layer: object, where: str, ctx: Any) -> list[Any]:
    """The modules of ``layer`` to put in a ``Sequential``: an ``MLP``'s or ``Sequential``'s own, unnested."""
    return _children(layer, where, ctx) if type(layer) in (MLP, Sequential) else _modules(layer, where, ctx)


def _tensor(ctx: Any, a: Any) -> Any:
    """A torch parameter holding a copy of the array ``a`` (torch may write it; nnfunc's stays read-only)."""
    torch, dtype = ctx
    return torch.nn.Parameter(torch.from_numpy(np.array(a, order="C", copy=True)).to(dtype))


def _buffer(ctx: Any, a: Any) -> Any:
    torch, dtype = ctx
    return torch.from_numpy(np.array(a, order="C", copy=True)).to(dtype)


def _activation_modules(act: Activation, where: str, ctx: Any) -> list[Any]:
    nn = ctx[0].nn
    name, alpha = activation_kind(act, where)
    if name == "identity":
        return []
    if name == "leaky_relu":
        return [nn.LeakyReLU(alpha)]
    if name == "softmax":
        return [nn.Softmax(dim=1)]
    return [{"tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "relu": nn.ReLU}[name]()]


def _dense_to(layer: Any, where: str, ctx: Any) -> list[Any]:
    torch, dtype = ctx
    n_in, n_out = layer.w.shape
    linear = torch.nn.utils.skip_init(torch.nn.Linear, n_in, n_out, dtype=dtype)  # no random init
    linear.weight = _tensor(ctx, layer.w.T)
    linear.bias = _tensor(ctx, layer.b)
    return [linear, *_activation_modules(layer.activation, f"{where}.activation", ctx)]


def _layer_norm_to(layer: Any, where: str, ctx: Any) -> list[Any]:
    torch, dtype = ctx
    norm = torch.nn.LayerNorm(layer.scale.shape[0], eps=layer.eps, dtype=dtype)
    norm.weight = _tensor(ctx, layer.scale)
    norm.bias = _tensor(ctx, layer.shift)
    return [norm]


def _batch_norm_to(layer: Any, where: str, ctx: Any) -> list[Any]:
    torch, dtype = ctx
    norm = torch.nn.BatchNorm1d(layer.scale.shape[0], eps=layer.eps, momentum=layer.momentum, dtype=dtype)
    norm.weight = _tensor(ctx, layer.scale)
    norm.bias = _tensor(ctx, layer.shift)
    norm.running_mean = _buffer(ctx, layer.running_mean)
    norm.running_var = _buffer(ctx, layer.running_var)
    return [norm.eval()]


def _residual_to(layer: Any, where: str, ctx: Any) -> list[Any]:
    nn = ctx[0].nn
    return [torch_classes()["TorchResidual"](nn.Sequential(*_flat(layer.inner, f"{where}.inner", ctx)))]


def _concatenate_to(layer: Any, where: str, ctx: Any) -> list[Any]:
    nn = ctx[0].nn
    branches = [nn.Sequential(*_flat(b, f"{where}.branches[{i}]", ctx)) for i, b in enumerate(layer.branches)]
    return [torch_classes()["TorchConcatenate"](nn.ModuleList(branches))]


_TO_TORCH: dict[type, ToTorch] = {
    MLP: lambda layer, where, ctx: [ctx[0].nn.Sequential(*_children(layer, where, ctx))],
    Dense: _dense_to,
    ActivationLayer: lambda layer, where, ctx: (
        _activation_modules(layer.activation, f"{where}.activation", ctx) or [ctx[0].nn.Identity()]
    ),
    Sequential: lambda layer, where, ctx: [ctx[0].nn.Sequential(*_children(layer, where, ctx))],
    Residual: _residual_to,
    Concatenate: _concatenate_to,
    Dropout: lambda layer, where, ctx: [ctx[0].nn.Dropout(layer.rate)],
    LayerNorm: _layer_norm_to,
    BatchNorm: _batch_norm_to,
}


@functools.cache
def torch_classes() -> dict[str, Any]:
    """The torch modules :func:`to_torch` writes for the combinators torch lacks: ``TorchResidual(inner)``,
    ``x + inner(x)``, and ``TorchConcatenate(branches)``, the branches' outputs side by side. Made on first
    use, so that importing nnfunc.interop does not import torch; picklable as ``nnfunc.interop._torch.X``."""
    torch = require("torch")

    def residual_init(self: Any, inner: Any) -> None:
        torch.nn.Module.__init__(self)
        self.inner = inner

    def residual_forward(self: Any, x: Any) -> Any:
        return self.inner(x) + x

    def concatenate_init(self: Any, branches: Any) -> None:
        torch.nn.Module.__init__(self)
        self.branches = branches

    def concatenate_forward(self: Any, x: Any) -> Any:
        return torch.cat([branch(x) for branch in self.branches], dim=1)

    made = {
        "TorchResidual": (residual_init, residual_forward, "``x + inner(x)``: nnfunc's residual block."),
        "TorchConcatenate": (
            concatenate_init,
            concatenate_forward,
            "Every branch on the same input, outputs side by side.",
        ),
    }
    return {
        name: type(name, (torch.nn.Module,), {"__init__": i, "forward": f, "__module__": __name__, "__doc__": doc})
        for name, (i, f, doc) in made.items()
    }


def __getattr__(name: str) -> Any:
    if name in ("TorchResidual", "TorchConcatenate"):
        return torch_classes()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- torch -> nnfunc ----------------------------------------------------------------------------------


class _Reader:
    """One ``from_torch`` conversion: the torch module and the network's dtype once a tensor fixed it."""

    def __init__(self, torch: Any) -> None:
        self.torch = torch
        self.dtype: Any = None
        self.first = ""

    def array(self, t: Any, where: str, what: str) -> Any:
        """A read-only NumPy copy of the tensor ``t``, checked to be float32/float64 like every other."""
        torch = self.torch
        if t.dtype not in (torch.float32, torch.float64):
            raise TypeError(f"{where}: {what} has dtype {t.dtype}; expected torch.float32 or torch.float64")
        if self.dtype is None:
            self.dtype, self.first = t.dtype, where
        elif t.dtype != self.dtype:
            raise TypeError(f"{where}: {what} has dtype {t.dtype}, {self.first} has {self.dtype}; expected one dtype")
        a = np.array(t.detach().cpu().numpy(), order="C", copy=True)
        a.flags.writeable = False
        return a

    def filled(self, n: int, value: float) -> Any:
        a = np.full(n, value, dtype=np.float32 if self.dtype == self.torch.float32 else np.float64)
        a.flags.writeable = False
        return a


def from_torch(module: Any) -> Layer:
    """The nnfunc network computing what the ``torch.nn.Sequential`` ``module`` computes in evaluation mode.

    ``Linear`` layers (``bias=False`` gives a zero bias), each followed by at most one activation
    module (``Tanh``, ``Sigmoid``, ``ReLU``, ``LeakyReLU``, ``Softmax(dim=1)``; none, or
    ``Identity``, for ``nf.identity``), give an ``nf.MLP``. With anything else among them -- another
    activation, ``Dropout``, ``LayerNorm``, ``BatchNorm1d`` (with running statistics), a nested
    ``Sequential``, :func:`to_torch`'s ``TorchResidual`` or ``TorchConcatenate`` -- they give an
    ``nf.Sequential`` (a block of one layer inside those two gives that layer; an empty
    ``Sequential`` the identity). Arrays are read-only copies in the module's dtype (float32 or
    float64); ``from_torch(to_torch(net))`` gives ``net``'s arrays back bit for bit.

    Raises ``TypeError`` if ``module`` is not a ``torch.nn.Sequential`` or holds tensors of another
    dtype, and ``ValueError`` naming the module's index and type for a module nnfunc has no layer
    for (``Conv2d``, ``GELU``, ...), listing those it reads. Needs the ``interop`` extra.

    >>> import torch
    >>> from nnfunc.interop import from_torch
    >>> net = from_torch(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1)))
    >>> net.sizes, [layer.activation.name for layer in net.layers]
    ((2, 3, 1), ['tanh', 'identity'])
    """
    torch = require("torch")
    if type(module) is not torch.nn.Sequential:
        raise TypeError(
            "module: expected a torch.nn.Sequential of Linear and activation modules, got "
            f"{type(module).__module__}.{type(module).__qualname__}"
        )
    return _read_sequential(module, "module", _Reader(torch))


def _activation(m: Any, where: str, torch: Any) -> Activation | None:
    """nnfunc's activation for an activation module, ``None`` for any other module."""
    nn = torch.nn
    fixed = {nn.Tanh: tanh, nn.Sigmoid: sigmoid, nn.ReLU: relu, nn.Identity: identity}.get(type(m))
    if fixed is not None:
        return fixed
    if type(m) is nn.LeakyReLU:
        slope = float(m.negative_slope)
        if not 0.0 < slope < 1.0:
            raise ValueError(f"{where}: LeakyReLU(negative_slope={slope}): nnfunc's leaky_relu needs 0 < slope < 1")
        return activation_from_kind("leaky_relu", slope)
    if type(m) is nn.Softmax:
        if m.dim not in (1, -1):
            raise ValueError(f"{where}: Softmax(dim={m.dim}): nnfunc's softmax runs over the features, dim=1")
        return softmax
    return None


def _read_sequential(seq: Any, where: str, reader: _Reader) -> MLP | Sequential:
    table = _from_table(reader.torch)
    layers: list[Any] = []
    open_dense = False  # the last layer is a Dense whose activation is still to come
    for i, m in enumerate(seq):
        here = f"{where}[{i}]"
        act = _activation(m, here, reader.torch)
        if act is identity:
            continue  # Identity: no activation, so a Linear before it may still take one
        if act is not None:
            if open_dense:
                last = layers[-1]
                layers[-1] = Dense(last.w, last.b, act)
            else:
                layers.append(act)
            open_dense = False
            continue
        convert = table.get(type(m))
        if convert is None:
            raise ValueError(
                f"{here}: {type(m).__qualname__} has no nnfunc counterpart; supported modules: "
                f"{', '.join([*_ACTIVATION_NAMES, *(c.__qualname__ for c in table)])}"
            )
        try:
            layers.append(convert(m, here, reader))
        except (TypeError, ValueError) as e:
            message = str(e)
            raise type(e)(message if message.startswith(here) else f"{here}: {message}") from e
        open_dense = type(m) is reader.torch.nn.Linear
    if not layers:
        return Sequential((identity,))  # an empty Sequential (or one of Identity modules) passes x through
    if all(type(layer) is Dense for layer in layers):
        return MLP(tuple(layers))
    return Sequential(tuple(layers))


_ACTIVATION_NAMES = ("Identity", "Tanh", "Sigmoid", "ReLU", "LeakyReLU(0 < negative_slope < 1)", "Softmax(dim=1)")


def _single(layer: Any) -> Any:
    """The one layer of an ``MLP`` or ``Sequential`` of one layer (to_torch wraps a block's layer in a
    ``Sequential``), else ``layer``."""
    return layer.layers[0] if type(layer) in (MLP, Sequential) and len(layer.layers) == 1 else layer


def _linear_from(m: Any, where: str, reader: _Reader) -> Dense:
    w = reader.array(m.weight.T, where, "Linear.weight")  # (in, out), C-contiguous like nnfunc's own
    b = reader.array(m.bias, where, "Linear.bias") if m.bias is not None else reader.filled(w.shape[1], 0.0)
    return Dense(w, b)


def _layer_norm_from(m: Any, where: str, reader: _Reader) -> LayerNorm:
    if len(m.normalized_shape) != 1:
        raise ValueError(f"{where}: LayerNorm over {tuple(m.normalized_shape)}; nnfunc normalises one feature axis")
    n = m.normalized_shape[0]
    scale = reader.array(m.weight, where, "LayerNorm.weight") if m.weight is not None else reader.filled(n, 1.0)
    shift = reader.array(m.bias, where, "LayerNorm.bias") if m.bias is not None else reader.filled(n, 0.0)
    return LayerNorm(scale=scale, shift=shift, eps=float(m.eps))


def _batch_norm_from(m: Any, where: str, reader: _Reader) -> BatchNorm:
    if m.running_mean is None or m.running_var is None:
        raise ValueError(f"{where}: BatchNorm1d without running statistics (track_running_stats=False)")
    if m.momentum is None:
        raise ValueError(f"{where}: BatchNorm1d(momentum=None) (a cumulative average); nnfunc needs a momentum")
    n = m.num_features
    scale = reader.array(m.weight, where, "BatchNorm1d.weight") if m.weight is not None else reader.filled(n, 1.0)
    shift = reader.array(m.bias, where, "BatchNorm1d.bias") if m.bias is not None else reader.filled(n, 0.0)
    return BatchNorm(
        scale=scale,
        shift=shift,
        running_mean=reader.array(m.running_mean, where, "BatchNorm1d.running_mean"),
        running_var=reader.array(m.running_var, where, "BatchNorm1d.running_var"),
        momentum=float(m.momentum),
        eps=float(m.eps),
    )


def _residual_from(m: Any, where: str, reader: _Reader) -> Residual:
    return Residual(_single(_read_sequential(m.inner, f"{where}.inner", reader)))


def _concatenate_from(m: Any, where: str, reader: _Reader) -> Concatenate:
    branches = [_single(_read_sequential(b, f"{where}.branches[{i}]", reader)) for i, b in enumerate(m.branches)]
    return Concatenate(tuple(branches))


def _from_table(torch: Any) -> dict[type, Callable[[Any, str, _Reader], Any]]:
    """``{torch module class: converter}``: every module nnfunc reads besides the activations."""
    nn = torch.nn
    made = torch_classes()
    return {
        nn.Linear: _linear_from,
        nn.Sequential: _read_sequential,
        nn.Dropout: lambda m, where, reader: Dropout(float(m.p)),
        nn.LayerNorm: _layer_norm_from,
        nn.BatchNorm1d: _batch_norm_from,
        made["TorchResidual"]: _residual_from,
        made["TorchConcatenate"]: _concatenate_from,
    }
