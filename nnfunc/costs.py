"""Costs: the mean over samples of a per-sample cost, with its gradient.

Each :class:`Cost` has ``value(out, y)`` and ``value_and_grad(out, y)``, written
side by side; the gradient is taken with respect to the network's output ``out``
``(n, k)`` and already includes the ``1/n`` of the mean. Labels ``y`` are integer
classes ``(n,)``, targets ``(n, k)``, or, for a single output, targets ``(n,)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import DTypeLike, NDArray

from ._ops import row_max, row_sum
from ._typing import Array, Labels
from .activations import sigmoid

Scalar = np.floating[Any]
TargetKind = Literal["classes", "binary", "real"]


@dataclass(frozen=True)
class Cost:
    """A cost with its gradient; ``targets`` says which labels it accepts (see :func:`check_labels`)."""

    name: str
    targets: TargetKind
    value: Callable[[Array, Labels], Scalar] = field(compare=False, repr=False)
    value_and_grad: Callable[[Array, Labels], tuple[Scalar, Array]] = field(compare=False, repr=False)

    def __call__(self, out: Array, y: Labels) -> Scalar:
        """The mean cost of outputs ``out`` ``(n, k)`` against labels ``y``."""
        return self.value(out, y)


def one_hot(y: NDArray[np.integer[Any]], n_classes: int, dtype: DTypeLike = np.float64) -> Array:
    """Integer labels ``(n,)`` in ``[0, n_classes)`` to one-hot rows ``(n, n_classes)`` of ``dtype``."""
    labels = np.asarray(y)
    if labels.ndim != 1 or labels.dtype.kind not in "iub":
        raise ValueError(f"y: expected integer labels of shape (n,), got {labels.dtype} of shape {labels.shape}")
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 1:
        raise ValueError(f"n_classes: expected an integer >= 1, got {n_classes!r}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"y: labels must lie in [0, {n_classes}), got range [{labels.min()}, {labels.max()}]")
    out = np.zeros((labels.shape[0], int(n_classes)), dtype=dtype)
    out[np.arange(labels.shape[0]), labels] = 1
    return out


def _dense(y: Labels, k: int, dtype: np.dtype[Any]) -> Array:
    """Labels as targets ``(n, k)``: a column for one output, one-hot rows for class indices."""
    if y.ndim == 2:
        return y.astype(dtype, copy=False)
    if k == 1:
        return y.reshape(-1, 1).astype(dtype, copy=False)
    return one_hot(y.astype(np.intp, copy=False), k, dtype)


def _eps(p: Array) -> float:
    return float(np.finfo(p.dtype).eps)


# -- softmax cross-entropy on logits --------------------------------------------------------


def _log_softmax_parts(z: Array) -> tuple[Array, Array, Array]:
    """``(z - max, exp(z - max), row sums)``: log-sum-exp without overflow."""
    shifted = z - row_max(z)
    e = np.exp(shifted)
    return shifted, e, row_sum(e)


def _targets(y: Labels, dtype: np.dtype[Any]) -> Labels:
    """Class indices unchanged; targets ``(n, k)`` in the output's dtype (float64 targets must not upcast float32)."""
    return y if y.ndim == 1 else y.astype(dtype, copy=False)


def _label_positions(y: Labels, k: int) -> NDArray[np.intp]:
    """Flat indices of ``[i, y[i]]`` in a C-contiguous ``(n, k)`` array (1-D indexing is 2-3x faster)."""
    positions: NDArray[np.intp] = np.arange(0, y.shape[0] * k, k) + y.astype(np.intp, copy=False)
    return positions


def _softmax_ce(z: Array, y: Labels) -> Scalar:
    y = _targets(y, z.dtype)
    shifted, _, total = _log_softmax_parts(z)
    n = z.shape[0]
    value: Scalar
    if y.ndim == 1:
        value = np.add.reduce(np.log(total[:, 0]) - shifted[np.arange(n), y]) / n
    else:
        value = (np.vdot(y.sum(axis=1), np.log(total[:, 0])) - np.vdot(y, shifted)) / n
    return value


def _softmax_ce_vg(z: Array, y: Labels) -> tuple[Scalar, Array]:
    y = _targets(y, z.dtype)
    shifted, g, total = _log_softmax_parts(z)
    n = z.shape[0]
    g /= total  # g is now softmax(z)
    value: Scalar
    if y.ndim == 1:
        at_label = _label_positions(y, z.shape[1])
        value = np.add.reduce(np.log(total[:, 0]) - shifted.ravel()[at_label]) / n
        g.reshape(-1)[at_label] -= 1
    else:
        mass = row_sum(y.astype(g.dtype, copy=False))
        value = (np.vdot(mass, np.log(total)) - np.vdot(y, shifted)) / n
        g *= mass
        g -= y
    g /= n
    return value, g


# -- cross-entropy on probabilities (after a softmax output) --------------------------------


def _cross_entropy(p: Array, y: Labels) -> Scalar:
    y = _targets(y, p.dtype)
    n, eps = p.shape[0], _eps(p)
    value: Scalar
    if y.ndim == 1:
        value = -np.log(np.maximum(p[np.arange(n), y], eps)).sum() / n
    else:
        value = -np.vdot(y, np.log(np.maximum(p, eps))) / n
    return value


def _cross_entropy_vg(p: Array, y: Labels) -> tuple[Scalar, Array]:
    y = _targets(y, p.dtype)
    n, eps = p.shape[0], _eps(p)
    value: Scalar
    if y.ndim == 1:
        rows = np.arange(n)
        picked = np.maximum(p[rows, y], eps)
        value = -np.log(picked).sum() / n
        g = np.zeros_like(p)
        g[rows, y] = -1 / (n * picked)
    else:
        clipped = np.maximum(p, eps)
        value = -np.vdot(y, np.log(clipped)) / n
        g = y / clipped
        g /= -n
    return value, g


# -- binary cross-entropy on logits and on probabilities ------------------------------------


def _softplus(z: Array) -> Array:
    """``log(1 + exp(z))`` without overflow."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def _sigmoid_bce(z: Array, y: Labels) -> Scalar:
    t = _dense(y, z.shape[1], z.dtype)
    value: Scalar = (_softplus(z).sum() - np.vdot(t, z)) / z.shape[0]
    return value


def _sigmoid_bce_vg(z: Array, y: Labels) -> tuple[Scalar, Array]:
    t = _dense(y, z.shape[1], z.dtype)
    n = z.shape[0]
    value: Scalar = (_softplus(z).sum() - np.vdot(t, z)) / n
    g = sigmoid(z)
    g -= t
    g /= n
    return value, g


def _clip_probabilities(p: Array) -> Array:
    eps = _eps(p)
    return np.clip(p, eps, 1 - eps)


def _bce(p: Array, y: Labels) -> Scalar:
    t = _dense(y, p.shape[1], p.dtype)
    q = _clip_probabilities(p)
    value: Scalar = -(np.vdot(t, np.log(q)) + np.vdot(1 - t, np.log1p(-q))) / p.shape[0]
    return value


def _bce_vg(p: Array, y: Labels) -> tuple[Scalar, Array]:
    t = _dense(y, p.shape[1], p.dtype)
    q = _clip_probabilities(p)
    n = p.shape[0]
    value: Scalar = -(np.vdot(t, np.log(q)) + np.vdot(1 - t, np.log1p(-q))) / n
    g = q - t
    g /= q * (1 - q) * n
    return value, g


# -- mean squared error ---------------------------------------------------------------------


def _mse(out: Array, y: Labels) -> Scalar:
    r = out - _dense(y, out.shape[1], out.dtype)
    value: Scalar = np.vdot(r, r) / out.shape[0]
    return value


def _mse_vg(out: Array, y: Labels) -> tuple[Scalar, Array]:
    r = out - _dense(y, out.shape[1], out.dtype)
    n = out.shape[0]
    value: Scalar = np.vdot(r, r) / n
    r *= 2 / n
    return value, r


softmax_cross_entropy = Cost("softmax_cross_entropy", "classes", _softmax_ce, _softmax_ce_vg)
"""Mean cross-entropy of logits (identity output) against class labels or targets."""
cross_entropy = Cost("cross_entropy", "classes", _cross_entropy, _cross_entropy_vg)
"""Mean cross-entropy of probabilities (softmax output), clipped so a 0 stays finite."""
sigmoid_binary_cross_entropy = Cost("sigmoid_binary_cross_entropy", "binary", _sigmoid_bce, _sigmoid_bce_vg)
"""Mean binary cross-entropy of logits (identity output), summed over outputs."""
binary_cross_entropy = Cost("binary_cross_entropy", "binary", _bce, _bce_vg)
"""Mean binary cross-entropy of probabilities (sigmoid output), clipped to stay finite."""
mean_squared_error = Cost("mean_squared_error", "real", _mse, _mse_vg)
"""Mean over samples of the summed squared error."""


def check_labels(cost: Cost, y: Labels, y_range: tuple[float, float], n_out: int) -> None:
    """Raise ``ValueError`` unless ``y`` (with value range ``y_range``) suits ``cost`` on ``n_out`` outputs.

    O(1): the range was measured when the batch was made.
    """
    lo, hi = y_range
    is_index = y.ndim == 1 and y.dtype.kind in "iu"
    if y.ndim == 2 and y.shape[1] != n_out:
        raise ValueError(f"y: expected targets of shape (n, {n_out}) for a network with {n_out} outputs, got {y.shape}")
    if cost.targets == "classes":
        if y.ndim == 1 and not is_index:
            raise ValueError(
                f"y: {cost.name} needs integer class labels (n,) or targets (n, {n_out}), "
                f"got {y.dtype} labels of shape {y.shape}; whole-number labels convert with y.astype(int)"
            )
        if n_out < 2:
            raise ValueError(f"y: {cost.name} needs a network with at least 2 outputs, got {n_out}")
        if is_index and hi >= n_out:
            raise ValueError(f"y: class labels must lie in [0, {n_out}) for {n_out} outputs, got a label {int(hi)}")
        if lo < 0:
            raise ValueError(f"y: targets for {cost.name} must be >= 0, got {lo}")
    elif y.ndim == 1:
        if not is_index and n_out != 1:
            raise ValueError(f"y: 1-D real targets need a network with one output, got {n_out} outputs")
        if is_index and n_out > 1 and hi >= n_out:
            raise ValueError(f"y: class labels must lie in [0, {n_out}) for {n_out} outputs, got a label {int(hi)}")
    if cost.targets == "binary" and (lo < 0 or hi > 1) and not (is_index and n_out > 1):
        raise ValueError(f"y: {cost.name} needs 0/1 targets, got values in [{lo}, {hi}]")
