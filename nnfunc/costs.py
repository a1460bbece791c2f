"""Costs: the (weighted) mean over samples of a per-sample cost, with its gradient.

A built-in :class:`Cost` is one *per-sample* function, ``per_sample(out, y, grad) -> (losses, g)``:
``losses`` ``(n,)`` is each sample's cost, computed stably so every term is >= 0 (no cancellation
between large sums), and ``g`` ``(n, k)`` each sample's gradient with respect to its output row.
Reducing is generic (:func:`evaluate`, :func:`evaluate_with_grad`): the mean ``sum(c_i) / n``, or
with sample weights ``sum(w_i c_i) / sum(w_i)`` (scikit-learn's MLP convention since 1.7), so integer
weights equal repeated samples, equal weights change nothing and a zero weight drops a sample.

Public calls (``cost(out, y)``, ``cost.value``, ``cost.value_and_grad``) check their arguments:
``out`` a finite 2-D float array ``(n, k)``, labels that fit ``out`` and the cost. The network calls
the unchecked :func:`evaluate`/:func:`evaluate_with_grad` on data it checked once, when the batch was
made. Labels ``y`` are integer classes ``(n,)``, targets ``(n, k)``, or, for one output, targets ``(n,)``.

``Cost(name, targets, value, value_and_grad)`` still builds a cost from two mean-valued functions (no
sample weights then); give ``per_sample`` to make a user's cost weightable.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from ._checks import all_finite, check_count, check_number, check_scalar
from ._ops import row_max, row_sum
from ._typing import Array, Labels
from .activations import Activation, sigmoid, softmax

Scalar = np.floating[Any]
TargetKind = Literal["classes", "binary", "real"]
OutputKind = Literal["logits", "softmax", "sigmoid", "any"]
_OUTPUTS = ("logits", "softmax", "sigmoid", "any")
PerSample = Callable[[Array, Labels, bool], tuple[Array, "Array | None"]]
"""``(out (n, k), y, grad) -> (losses (n,), g (n, k) or None)``: unchecked, ``out`` C-contiguous; ``g`` is
each sample's gradient (not divided by ``n``), a fresh array; ``None`` when ``grad`` is false."""


@dataclass(frozen=True)
class Cost:
    """A cost with its gradient.

    ``targets`` says which labels it accepts (see :func:`check_labels`); ``output`` which output
    layer it expects (see :func:`check_output`): ``"logits"`` (identity output), ``"softmax"``,
    ``"sigmoid"`` or ``"any"``. ``value(out, y)`` is the mean cost of outputs ``out`` ``(n, k)``;
    ``value_and_grad(out, y)`` also returns its gradient ``(n, k)`` (the ``1/n`` included).
    ``per_sample`` (optional) makes the cost weightable.

    A cost written by hand keeps working with the 4 positional fields::

        >>> import numpy as np, nnfunc as nf
        >>> half_sq = nf.Cost("half_sq", "real",
        ...                   lambda o, y: 0.5 * np.sum((o - y) ** 2) / len(o),
        ...                   lambda o, y: (0.5 * np.sum((o - y) ** 2) / len(o), (o - y) / len(o)))
        >>> float(half_sq(np.ones((2, 1)), np.zeros((2, 1))))
        0.5

    Give it a per-sample form and it takes sample weights like the built-in costs
    (``per_sample(out, y, grad) -> (losses (n,), per-sample gradient (n, k) or None)``)::

        >>> def per_sample(o, y, grad):
        ...     r = o - y
        ...     return 0.5 * (r * r).sum(axis=1), (r if grad else None)
        >>> half_sq = nf.Cost("half_sq", "real", half_sq.value, half_sq.value_and_grad, per_sample=per_sample)
        >>> batch = nf.Batch(np.ones((2, 1)), np.zeros((2, 1)), sample_weight=[1.0, 0.0])
        >>> float(nf.loss(nf.init_mlp(nf.Key(0), (1, 1)), batch, cost=half_sq)) >= 0
        True
    """

    name: str
    targets: TargetKind
    value: Callable[[Array, Labels], Scalar] = field(compare=False, repr=False)
    value_and_grad: Callable[[Array, Labels], tuple[Scalar, Array]] = field(compare=False, repr=False)
    output: OutputKind = "any"
    per_sample: PerSample | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise TypeError(f"name: expected a string, got {type(self.name).__name__}")
        for arg, allowed in (("targets", ("classes", "binary", "real")), ("output", _OUTPUTS)):
            got = getattr(self, arg)
            if not isinstance(got, str):
                raise TypeError(f"{arg}: expected one of {', '.join(map(repr, allowed))}, got {type(got).__name__}")
            if got not in allowed:
                raise ValueError(f"{arg}: expected one of {', '.join(map(repr, allowed))}, got {got!r}")
        for arg in ("value", "value_and_grad", "per_sample"):
            fn = getattr(self, arg)
            if not callable(fn) and not (arg == "per_sample" and fn is None):
                raise TypeError(f"{arg}: expected a function, got {type(fn).__name__}")

    def __call__(self, out: Array, y: Labels) -> Scalar:
        """The mean cost of outputs ``out`` ``(n, k)`` against labels ``y``."""
        return self.value(out, y)


# -- reduction: plain or weighted mean ------------------------------------------------------


def _no_weights(cost: Cost) -> TypeError:
    return TypeError(
        f"sample_weight: weighting samples needs a cost with a per-sample form, got {cost.name} (per_sample=None); "
        "build it with nf.Cost(..., per_sample=f) where f(out, y, grad) gives per-sample values"
    )


def evaluate(cost: Cost, out: Array, y: Labels, weight: Array | None) -> Scalar:
    """The mean cost of ``out`` ``(n, k)`` against ``y``, weighted by ``weight`` ``(n,)`` when given.

    Unchecked (the network's path): ``y`` and ``weight`` were checked where they entered (``nf.Batch``).
    ``sum(w_i c_i) / sum(w_i)``; a batch whose weights are all zero costs 0.
    """
    if cost.per_sample is None:
        if weight is not None:
            raise _no_weights(cost)
        return cost.value(out, y)
    losses, _ = cost.per_sample(np.ascontiguousarray(out), y, False)
    if weight is None:
        value: Scalar = np.add.reduce(losses) / losses.shape[0]
        return value
    w = weight.astype(losses.dtype, copy=False)
    total = w.sum()
    return np.dot(w, losses) / total if total else losses.dtype.type(0)


def evaluate_with_grad(
    cost: Cost, out: Array, y: Labels, weight: Array | None, scale: float = 1.0
) -> tuple[Scalar, Array]:
    """``(cost, scale * d cost / d out)`` as :func:`evaluate`; the gradient ``(n, k)`` is already divided by
    ``n`` (or weighted by ``w_i / sum(w)``), times ``scale`` in the same pass (a descent step's ``-lr``),
    and is a fresh array the caller may overwrite."""
    if cost.per_sample is None:
        if weight is not None:
            raise _no_weights(cost)
        value, g = cost.value_and_grad(out, y)
        if g is out or not g.flags.writeable or g.base is not None:
            g = g.copy()
        if scale != 1.0:
            g *= scale
        return value, g
    losses, g_rows = cost.per_sample(out if out.flags.c_contiguous else np.ascontiguousarray(out), y, True)
    assert g_rows is not None
    n = losses.shape[0]
    if weight is None:
        mean: Scalar = np.add.reduce(losses) / n
        if scale == 1.0:
            g_rows /= n
        else:
            g_rows *= scale / n
        return mean, g_rows
    w = weight.astype(losses.dtype, copy=False)
    total = w.sum()
    if not total:
        g_rows[...] = 0
        return losses.dtype.type(0), g_rows
    g_rows *= (w * (scale / total))[:, None]
    return np.dot(w, losses) / total, g_rows


# -- labels: converted and checked where they enter -----------------------------------------


def as_labels(y: object, n: int, dtype: DTypeLike) -> Labels:
    """``y`` as integer class labels ``(n,)`` (``intp``) or real targets ``(n,)``/``(n, k)`` in the float
    ``dtype``, checked: numeric, ``n`` rows, finite, within ``dtype``'s range. Not yet read-only."""
    if isinstance(y, np.ma.MaskedArray):
        raise TypeError("y: expected a plain array, got a masked array; fill (y.filled(v)) or drop the masked entries")
    try:
        a = np.asarray(y)
    except ValueError as e:
        raise ValueError(f"y: expected a rectangular array, got {type(y).__name__} that is not ({e})") from e
    if a.dtype.kind in "OUSV":
        raise TypeError(
            f"y: expected integer class labels or real targets, got dtype {a.dtype}; "
            "encode string or object labels as integers with sklearn.preprocessing.LabelEncoder"
        )
    if a.dtype.kind not in "fiub":
        raise TypeError(f"y: expected integer class labels or real targets, got dtype {a.dtype}")
    if a.ndim not in (1, 2):
        raise ValueError(f"y: expected labels of shape (n,) or targets of shape (n, k), got shape {a.shape}")
    if a.shape[0] != n:
        raise ValueError(f"y: expected {n} rows to match x (n={n}), got shape {a.shape}")
    if a.ndim == 2 and a.shape[1] == 0:
        raise ValueError(f"y: expected targets of shape (n, k) with k >= 1, got shape {a.shape}")
    if a.ndim == 1 and a.dtype.kind in "biu":  # class labels; 2-D integers or booleans are targets
        if a.dtype.kind == "u" and a.size and a.max() > np.iinfo(np.intp).max:
            raise ValueError(f"y: class labels must be < {np.iinfo(np.intp).max}, got a label {int(a.max())}")
        labels: Labels = a.astype(np.intp, copy=False)
        if labels.size and labels.min() < 0:
            raise ValueError(f"y: class labels must be >= 0, got {int(labels.min())}")
        return labels
    if not all_finite(a):
        raise ValueError("y: contains NaN or infinite values")
    to = np.dtype(dtype)
    if a.dtype.kind == "f" and a.dtype.itemsize > to.itemsize and a.size:
        limit = float(np.finfo(to).max)
        if not (-limit <= a.min() and a.max() <= limit):
            raise ValueError(f"y: has values beyond the range of x's dtype {to}")
    return a.astype(to, copy=False)  # real targets follow x's float dtype


def label_range(y: Labels) -> tuple[float, float]:
    """``(min, max)`` of labels checked by :func:`as_labels` (O(n), once per batch)."""
    return float(y.min()), float(y.max())


def _whole(y: Labels) -> bool:
    return bool(np.array_equal(y, np.round(y)))


def check_labels(cost: Cost, y: Labels, y_range: tuple[float, float], n_out: int) -> None:
    """Raise ``ValueError`` unless ``y`` (with value range ``y_range``) suits ``cost`` on ``n_out`` outputs.

    O(1) when ``y`` fits: the range was measured when the batch was made (only a message looks further).
    """
    lo, hi = y_range
    is_index = y.ndim == 1 and y.dtype.kind in "iu"
    if y.ndim == 2 and y.shape[1] != n_out:
        hint = "; for class labels in one column, pass y.ravel()" if y.shape[1] == 1 and _whole(y) else ""
        raise ValueError(
            f"y: expected targets of shape (n, {n_out}) for a network with {n_out} outputs, got {y.shape}{hint}"
        )
    if cost.targets == "classes":
        if y.ndim == 1 and not is_index:
            if _whole(y):
                hint = "whole-number labels convert with y.astype(int)"
            else:
                hint = (
                    "these look like regression targets: pass a regression cost, e.g. "
                    "cost=nf.mean_squared_error (or nf.huber(), nf.mean_absolute_error)"
                )
            raise ValueError(
                f"y: {cost.name} needs integer class labels (n,) or targets (n, {n_out}), "
                f"got {y.dtype} labels of shape {y.shape}; {hint}"
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


def _is(activation: Activation, builtin: Activation) -> bool:
    # By function, not by name: a user's activation named "softmax" is not softmax.
    return activation.forward is builtin.forward


def check_output(cost: Cost, activation: Activation | None) -> None:
    """Raise ``ValueError`` when ``cost`` does not fit an output layer with ``activation`` (``None``: unknown, passes).

    Refused: a logits cost (``softmax_cross_entropy``, ``sigmoid_binary_cross_entropy``) after a softmax
    or sigmoid output (the squashing would be applied twice); ``cross_entropy`` after anything but
    softmax, ``binary_cross_entropy`` after anything but sigmoid (the log of raw outputs).
    """
    if activation is None or cost.output == "any":
        return
    if cost.output == "logits":
        bad = _is(activation, softmax) or _is(activation, sigmoid)
        wanted = "logits (an identity output layer)"
    else:
        bad = not _is(activation, softmax if cost.output == "softmax" else sigmoid)
        wanted = f"probabilities from a {cost.output} output layer"
    if bad:
        raise ValueError(
            f"cost: {cost.name} expects {wanted}, but the output layer's activation is {activation.name}; "
            f"change the output activation or the cost, or, if you mean it, pass "
            f"cost=dataclasses.replace(nf.{cost.name.split('(')[0]}, output='any')"
        )


# -- checked public calls ---------------------------------------------------------------------


def _as_outputs(out: object) -> Array:
    """``out`` as a finite, C-contiguous 2-D float array (ints and lists become float64)."""
    if isinstance(out, np.ma.MaskedArray):
        raise TypeError("out: expected a plain array, got a masked array")
    a = np.asarray(out)
    if a.dtype.kind not in "fiub":
        raise TypeError(f"out: expected a real numeric array, got dtype {a.dtype}")
    if a.dtype not in (np.float32, np.float64):
        a = a.astype(np.float64)
    if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"out: expected outputs of shape (n, k) with n, k >= 1, got shape {a.shape}")
    if not all_finite(a):
        raise ValueError("out: contains NaN or infinite values")
    return np.ascontiguousarray(a)


def _checked(cost: Cost, out: object, y: object) -> tuple[Array, Labels]:
    o = _as_outputs(out)
    labels = as_labels(y, o.shape[0], o.dtype)
    check_labels(cost, labels, label_range(labels), o.shape[1])
    if cost.output in ("softmax", "sigmoid") and (o.min() < 0 or o.max() > 1):
        raise ValueError(f"out: {cost.name} expects probabilities in [0, 1], got values in [{o.min()}, {o.max()}]")
    return o, labels


def _builtin(name: str, targets: TargetKind, output: OutputKind, per_sample: PerSample) -> Cost:
    """A cost whose public ``value``/``value_and_grad`` check their arguments, then reduce ``per_sample``."""
    cost: Cost

    def value(out: Array, y: Labels) -> Scalar:
        o, labels = _checked(cost, out, y)
        return evaluate(cost, o, labels, None)

    def value_and_grad(out: Array, y: Labels) -> tuple[Scalar, Array]:
        o, labels = _checked(cost, out, y)
        return evaluate_with_grad(cost, o, labels, None)

    cost = Cost(name, targets, value, value_and_grad, output, per_sample)
    return cost


# -- targets ------------------------------------------------------------------------------------


def one_hot(y: ArrayLike, n_classes: int, dtype: DTypeLike = np.float64) -> Array:
    """Integer labels ``(n,)`` in ``[0, n_classes)`` to one-hot rows ``(n, n_classes)`` of ``dtype``.

    Booleans count as the labels 0 and 1: ``one_hot([True, False], 2)`` is ``[[0, 1], [1, 0]]``.
    Non-integer labels raise ``TypeError``; a wrong shape or a label out of range ``ValueError``.

    >>> import nnfunc as nf
    >>> nf.one_hot([2, 0], 3).tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    labels = np.asarray(y)
    if labels.dtype.kind not in "iub":
        raise TypeError(f"y: expected integer labels, got dtype {labels.dtype}")
    if labels.ndim != 1:
        raise ValueError(f"y: expected integer labels of shape (n,), got shape {labels.shape}")
    k = check_count("n_classes", n_classes)
    if labels.size and (labels.min() < 0 or labels.max() >= k):
        raise ValueError(f"y: labels must lie in [0, {k}), got range [{labels.min()}, {labels.max()}]")
    out = np.zeros((labels.shape[0], k), dtype=dtype)
    out[np.arange(labels.shape[0]), labels.astype(np.intp)] = 1
    return out


def smooth_labels(y: ArrayLike, n_classes: int, alpha: float, dtype: DTypeLike = np.float64) -> Array:
    """Soft targets ``(1 - alpha) * one_hot(y, n_classes) + alpha / n_classes`` ``(n, n_classes)`` of ``dtype``.

    Label smoothing for the class costs (``nf.softmax_cross_entropy``, ``nf.cross_entropy``): pass the
    result as ``y``. ``alpha`` in ``[0, 1]``; every row sums to 1.

    >>> import nnfunc as nf
    >>> nf.smooth_labels([1], 2, 0.2).tolist()
    [[0.1, 0.9]]
    """
    a = check_number("alpha", alpha, high=1.0)
    hot = one_hot(y, n_classes, np.float64)
    soft: Array = ((1 - a) * hot + a / hot.shape[1]).astype(dtype, copy=False)
    return soft


def _dense(y: Labels, k: int, dtype: np.dtype[Any]) -> Array:
    """Labels as targets ``(n, k)``: a column for one output, one-hot rows for class indices."""
    if y.ndim == 2:
        return y.astype(dtype, copy=False)
    if k == 1:
        return y.reshape(-1, 1).astype(dtype, copy=False)
    t = np.zeros((y.shape[0], k), dtype=dtype)
    t[np.arange(y.shape[0]), y.astype(np.intp, copy=False)] = 1
    return t


def _eps(p: Array) -> float:
    return float(np.finfo(p.dtype).eps)


# -- softmax cross-entropy on logits --------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _row_starts(n: int, k: int) -> NDArray[np.intp]:
    """``[0, k, 2k, ...]`` ``(n,)``, read-only and memoised: the same batch shapes recur every step."""
    starts = np.arange(0, n * k, k, dtype=np.intp)
    starts.flags.writeable = False
    return starts


def _softmax_ce(z: Array, y: Labels, grad: bool) -> tuple[Array, Array | None]:
    # Per sample: log(sum exp(z - m)) - (z_y - m), two terms >= 0, so the sum never cancels.
    shifted = z - row_max(z)  # C-contiguous: z is
    g: Array | None = None
    if y.ndim == 1:
        at = _row_starts(y.shape[0], z.shape[1]) + y  # flat index of [i, y[i]]
        picked = shifted.reshape(-1)[at]
        e = np.exp(shifted, out=shifted)
        total = row_sum(e)
        losses: Array = np.log(total.reshape(-1)) - picked
        if grad:
            e /= total
            e.reshape(-1)[at] -= 1  # e is C-contiguous: reshape(-1) is a view
            g = e
    else:
        e = np.exp(shifted)
        total = row_sum(e)
        t: Array = y.astype(z.dtype, copy=False)  # float64 targets must not upcast float32 outputs
        losses = row_sum(t * (np.log(total) - shifted))[:, 0]
        if grad:
            e /= total
            e *= row_sum(t)
            e -= t
            g = e
    return losses, g


# -- cross-entropy on probabilities (after a softmax output) --------------------------------


def _cross_entropy(p: Array, y: Labels, grad: bool) -> tuple[Array, Array | None]:
    eps = _eps(p)
    g: Array | None = None
    if y.ndim == 1:
        rows = np.arange(p.shape[0])
        picked = np.maximum(p[rows, y], eps)
        losses: Array = -np.log(picked)
        if grad:
            g = np.zeros_like(p)
            g[rows, y] = -1 / picked
    else:
        t: Array = y.astype(p.dtype, copy=False)
        clipped = np.maximum(p, eps)
        losses = row_sum(t * -np.log(clipped))[:, 0]
        if grad:
            g = t / clipped
            np.negative(g, out=g)
    return losses, g


# -- binary cross-entropy on logits and on probabilities ------------------------------------


def _sigmoid_bce(z: Array, y: Labels, grad: bool) -> tuple[Array, Array | None]:
    # Per element: softplus(z) - t z = log1p(exp(-|z|)) + ((1 - t) z if z >= 0 else -t z), terms >= 0.
    t = _dense(y, z.shape[1], z.dtype)
    linear = np.where(z >= 0, (1 - t) * z, -t * z)
    linear += np.log1p(np.exp(-np.abs(z)))
    g: Array | None = None
    if grad:
        g = sigmoid.forward(z, None)
        g -= t
    return row_sum(linear)[:, 0], g


def _bce(p: Array, y: Labels, grad: bool) -> tuple[Array, Array | None]:
    t = _dense(y, p.shape[1], p.dtype)
    eps = _eps(p)
    q = np.clip(p, eps, 1 - eps)
    per_element = t * -np.log(q) + (1 - t) * -np.log1p(-q)
    g: Array | None = None
    if grad:
        g = q - t
        g /= q * (1 - q)
    return row_sum(per_element)[:, 0], g


# -- regression costs -----------------------------------------------------------------------


def _residual(out: Array, y: Labels) -> Array:
    r: Array = out - _dense(y, out.shape[1], out.dtype)
    return r


def _mse(out: Array, y: Labels, grad: bool) -> tuple[Array, Array | None]:
    r = _residual(out, y)
    losses = row_sum(r * r)[:, 0]
    if grad:
        r *= 2
        return losses, r
    return losses, None


def _mae(out: Array, y: Labels, grad: bool) -> tuple[Array, Array | None]:
    r = _residual(out, y)
    losses = row_sum(np.abs(r))[:, 0]
    return losses, np.sign(r) if grad else None


def huber(delta: float = 1.0) -> Cost:
    """Huber cost: per element ``r**2 / 2`` for ``|r| <= delta``, else ``delta * (|r| - delta / 2)``.

    Summed over outputs, averaged (or weighted) over samples like ``nf.mean_squared_error``, of which it
    is half for small residuals, while large residuals (outliers) count linearly. ``delta > 0``; for any
    output layer, real targets.

    >>> import numpy as np, nnfunc as nf
    >>> float(nf.huber(1.0)(np.array([[0.5], [3.0]]), np.zeros(2)))  # (0.5**2 / 2 + (3 - 1/2)) / 2
    1.3125
    """
    d = check_scalar("delta", delta)
    if d == 0:
        raise ValueError(f"delta: expected a finite number > 0, got {d}")

    def per_sample(out: Array, y: Labels, grad: bool) -> tuple[Array, Array | None]:
        r = _residual(out, y)
        size = np.abs(r)
        m = np.minimum(size, d)  # 0.5 m**2 + d (|r| - m): both branches at once, no overflow of r**2
        per_element = 0.5 * m * m + d * (size - m)
        return row_sum(per_element)[:, 0], np.clip(r, -d, d, out=r) if grad else None

    return _builtin(f"huber({d!r})", "real", "any", per_sample)


softmax_cross_entropy = _builtin("softmax_cross_entropy", "classes", "logits", _softmax_ce)
"""Mean cross-entropy of logits (identity output) against class labels or targets."""
cross_entropy = _builtin("cross_entropy", "classes", "softmax", _cross_entropy)
"""Mean cross-entropy of probabilities (softmax output), clipped so a 0 stays finite."""
sigmoid_binary_cross_entropy = _builtin("sigmoid_binary_cross_entropy", "binary", "logits", _sigmoid_bce)
"""Mean binary cross-entropy of logits (identity output), summed over outputs."""
binary_cross_entropy = _builtin("binary_cross_entropy", "binary", "sigmoid", _bce)
"""Mean binary cross-entropy of probabilities (sigmoid output), clipped to stay finite."""
mean_squared_error = _builtin("mean_squared_error", "real", "any", _mse)
"""Mean over samples of the summed squared error."""
mean_absolute_error = _builtin("mean_absolute_error", "real", "any", _mae)
"""Mean over samples of the summed absolute error (gradient ``sign(r)``, 0 at ``r = 0``)."""
