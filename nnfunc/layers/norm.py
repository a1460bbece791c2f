"""Normalisation layers with a learned scale and shift: ``LayerNorm`` (per sample) and ``BatchNorm``
(per feature over the batch, with running statistics for inference), forward beside backward.

Both normalise ``xhat = (x - mean) / sqrt(var + eps)`` and output ``scale * xhat + shift``; the
backward pass through the normalisation is the same formula along the normalised axis:
``dx = (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) / sqrt(var + eps)`` with ``dxhat = g * scale``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from .._checks import check_count, check_number
from .._typing import Array
from ..tree import static_field
from .base import Context, Layer, param, state, trusted
from .dense import FLOATS, as_parameter

_MISSING: Any = object()  # a field not given (None is a legitimate leaf: a tree_map may give one)


def _vectors(n: int, dtype: DTypeLike, *fills: float) -> list[Array]:
    dt = np.dtype(dtype)
    if dt not in FLOATS:
        raise ValueError(f"dtype: expected np.float32 or np.float64, got {dt}")
    count = check_count("n", n)
    return [np.full(count, fill, dtype=dt) for fill in fills]


def _check_vectors(owner: str, **vectors: object) -> None:
    """Every array field a 1-D vector of one length and one float dtype."""
    arrays = {k: v for k, v in vectors.items() if isinstance(v, np.ndarray)}
    shapes = {a.shape for a in arrays.values()}
    dtypes = {a.dtype for a in arrays.values()}
    if any(len(s) != 1 for s in shapes) or len(shapes) > 1:
        got = {k: a.shape for k, a in arrays.items()}
        raise ValueError(f"{owner}: expected vectors (n,) of one length, got shapes {got}")
    if len(dtypes) > 1:
        raise TypeError(f"{owner}: expected one float dtype, got {sorted(map(str, dtypes))}")


def _normalise_backward(g: Array, scale: Array, xhat: Array, inv_std: Array, axis: int) -> Array:
    """``dL/dx`` through ``scale * (x - mean) * inv_std + shift`` with mean and variance taken along ``axis``."""
    dxhat = g * scale
    mean_d = dxhat.mean(axis=axis, keepdims=True)
    mean_dx = (dxhat * xhat).mean(axis=axis, keepdims=True)
    dxhat -= mean_d
    dxhat -= xhat * mean_dx
    dxhat *= inv_std
    return dxhat


@dataclass(frozen=True, slots=True, eq=False, init=False)
class LayerNorm(Layer):
    """Normalises each sample over its ``n`` features, then ``scale * xhat + shift`` (learned, ``(n,)``).

    ``LayerNorm(n, eps=1e-5, dtype=np.float64)`` starts with ``scale = 1``, ``shift = 0``. Neither
    is penalised by ``l2``.
    """

    scale: Array = param()
    shift: Array = param()
    eps: float = static_field(default=1e-5)

    def __init__(
        self,
        n: int | None = None,
        *,
        scale: object = _MISSING,
        shift: object = _MISSING,
        eps: float = 1e-5,
        dtype: DTypeLike = np.float64,
    ) -> None:
        if n is not None:
            scale, shift = _vectors(n, dtype, 1.0, 0.0)
        elif scale is _MISSING or shift is _MISSING:
            raise TypeError("LayerNorm: expected n (the number of features), or both scale and shift")
        object.__setattr__(self, "scale", as_parameter("scale", scale))
        object.__setattr__(self, "shift", as_parameter("shift", shift))
        object.__setattr__(self, "eps", check_number("eps", eps, open_low=True))
        _check_vectors("LayerNorm", scale=self.scale, shift=self.shift)

    def forward(self, x: Array, ctx: Context) -> tuple[Array, Any]:
        x = _features(self.scale, x)
        mean = x.mean(axis=1, keepdims=True)
        centred = x - mean
        inv_std = 1 / np.sqrt((centred * centred).mean(axis=1, keepdims=True) + self.eps)
        xhat = centred
        xhat *= inv_std
        return xhat * self.scale + self.shift, (xhat, inv_std)

    def backward(self, saved: Any, g: Array, need_input: bool) -> tuple[LayerNorm, Array | None]:
        xhat, inv_std = saved
        grad = trusted(LayerNorm, scale=(g * xhat).sum(axis=0), shift=g.sum(axis=0), eps=self.eps)
        return grad, (_normalise_backward(g, self.scale, xhat, inv_std, axis=1) if need_input else None)

    @property
    def n_in(self) -> int | None:
        return _width(self.scale)

    @property
    def n_out(self) -> int | None:
        return _width(self.scale)


@dataclass(frozen=True, slots=True, eq=False, init=False)
class BatchNorm(Layer):
    """Normalises each of ``n`` features over the batch while training, then ``scale * xhat + shift``.

    Training passes use the batch's mean and (biased) variance and return the layer with its running
    statistics moved towards them: ``running = (1 - momentum) * running + momentum * batch`` (the
    running variance takes the unbiased batch variance, as PyTorch's ``BatchNorm1d`` does). Inference
    uses the running statistics. ``running_mean`` and ``running_var`` are state: threaded by training
    steps, never trained or penalised, saved and loaded with the network.
    ``BatchNorm(n, momentum=0.1, eps=1e-5, dtype=np.float64)``.
    """

    scale: Array = param()
    shift: Array = param()
    running_mean: Array = state()
    running_var: Array = state()
    momentum: float = static_field(default=0.1)
    eps: float = static_field(default=1e-5)

    def __init__(
        self,
        n: int | None = None,
        *,
        scale: object = _MISSING,
        shift: object = _MISSING,
        running_mean: object = _MISSING,
        running_var: object = _MISSING,
        momentum: float = 0.1,
        eps: float = 1e-5,
        dtype: DTypeLike = np.float64,
    ) -> None:
        if n is not None:
            scale, shift, running_mean, running_var = _vectors(n, dtype, 1.0, 0.0, 0.0, 1.0)
        elif any(v is _MISSING for v in (scale, shift, running_mean, running_var)):
            raise TypeError("BatchNorm: expected n (the number of features), or all four arrays")
        object.__setattr__(self, "scale", as_parameter("scale", scale))
        object.__setattr__(self, "shift", as_parameter("shift", shift))
        object.__setattr__(self, "running_mean", as_parameter("running_mean", running_mean))
        object.__setattr__(self, "running_var", as_parameter("running_var", running_var))
        object.__setattr__(self, "momentum", check_number("momentum", momentum, high=1.0))
        object.__setattr__(self, "eps", check_number("eps", eps, open_low=True))
        _check_vectors(
            "BatchNorm",
            scale=self.scale,
            shift=self.shift,
            running_mean=self.running_mean,
            running_var=self.running_var,
        )

    def forward(self, x: Array, ctx: Context) -> tuple[Array, Any]:
        x = _features(self.scale, x)
        if ctx.training:
            mean = x.mean(axis=0)
            centred = x - mean
            var = (centred * centred).mean(axis=0)
        else:
            mean, var = self.running_mean, self.running_var
            centred = x - mean
        inv_std = 1 / np.sqrt(var + self.eps)
        xhat = centred
        xhat *= inv_std
        return xhat * self.scale + self.shift, (ctx.training, xhat, inv_std, mean, var)

    def backward(self, saved: Any, g: Array, need_input: bool) -> tuple[BatchNorm, Array | None]:
        training, xhat, inv_std, _, _ = saved
        zeros = np.zeros_like(self.running_mean)
        grad = trusted(
            BatchNorm,
            scale=(g * xhat).sum(axis=0),
            shift=g.sum(axis=0),
            running_mean=zeros,
            running_var=zeros.copy(),
            momentum=self.momentum,
            eps=self.eps,
        )
        if not need_input:
            return grad, None
        if training:
            return grad, _normalise_backward(g, self.scale, xhat, inv_std, axis=0)
        g_in = g * self.scale
        g_in *= inv_std
        return grad, g_in

    def updated(self, saved: Any) -> BatchNorm:
        training, xhat, _, mean, var = saved
        if not training:
            return self
        n = xhat.shape[0]
        m = self.momentum
        unbiased = var * (n / (n - 1)) if n > 1 else var
        return trusted(
            BatchNorm,
            scale=self.scale,
            shift=self.shift,
            running_mean=(1 - m) * self.running_mean + m * mean,
            running_var=(1 - m) * self.running_var + m * unbiased,
            momentum=self.momentum,
            eps=self.eps,
        )

    @property
    def n_in(self) -> int | None:
        return _width(self.scale)

    @property
    def n_out(self) -> int | None:
        return _width(self.scale)


def _width(scale: object) -> int | None:
    return int(scale.shape[0]) if isinstance(scale, np.ndarray) else None


def _features(scale: Array, x: Array) -> Array:
    """``x`` checked against the layer's width, in its dtype (after a layer of another dtype)."""
    if x.shape[1] != scale.shape[0]:
        raise ValueError(f"x: expected {scale.shape[0]} features, got {x.shape[1]}")
    return x if x.dtype == scale.dtype else x.astype(scale.dtype)
