"""What a trained classifier says: class labels, class probabilities, accuracy.

A regression network's prediction is its output, :func:`nnfunc.forward`; these functions are for
classifiers. The output layer decides how outputs become probabilities: a softmax output is used as
it is, any other output is taken as logits (softmax over several outputs; one output is the logit of
class 1, a sigmoid output its probability).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._typing import Array, Features
from .activations import sigmoid, softmax
from .layers.base import Layer
from .network import check_network, forward


def _outputs(params: Layer, x: Features) -> Array:
    out = forward(params, x)
    if not np.isfinite(out).all():
        raise ValueError("params: the network's outputs are NaN or infinite (non-finite weights?); no labels")
    return out


def _labels(params: Layer, out: Array) -> NDArray[np.intp]:
    if out.shape[1] > 1:
        labels: NDArray[np.intp] = out.argmax(axis=1)
        return labels
    threshold = 0.5 if params.output_activation is sigmoid else 0.0
    return (out[:, 0] > threshold).astype(np.intp)


def predict(params: Layer, x: Features) -> NDArray[np.intp]:
    """Class labels ``(n,)``: the argmax of the outputs, or for one output ``1`` where it exceeds 0.5 after
    a sigmoid output layer (0 for any other output layer, i.e. on logits).

    For a regression network use :func:`nnfunc.forward`: its outputs are the predictions.
    """
    params = check_network(params)
    return _labels(params, _outputs(params, x))


def predict_proba(params: Layer, x: Features) -> Array:
    """Class probabilities ``(n, k)``, rows summing to 1, whatever the output layer.

    A softmax output is returned as it is; other outputs are logits, turned into probabilities by a
    softmax. One output gives two columns ``[1 - p, p]`` as scikit-learn does, ``p`` the sigmoid output
    (or the sigmoid of the logit). Several sigmoid outputs (one-vs-rest) are normalised to sum to 1.
    ``predict_proba(params, x).argmax(axis=1)`` equals :func:`predict`.
    """
    params = check_network(params)
    out = _outputs(params, x)
    act = params.output_activation
    if out.shape[1] == 1:
        p = out if act is sigmoid else sigmoid(out)
        return np.concatenate([1 - p, p], axis=1)
    if act is softmax:
        return out
    if act is sigmoid:
        total = out.sum(axis=1, keepdims=True)
        normalised: Array = np.divide(out, total, out=np.full_like(out, 1 / out.shape[1]), where=total > 0)
        return normalised
    probabilities: Array = softmax(out)
    return probabilities


def accuracy(params: Layer, x: Features, y: ArrayLike, *, sample_weight: ArrayLike | None = None) -> float:
    """Fraction of samples whose predicted class equals ``y`` (class labels, one-hot or 0/1 targets);
    with ``sample_weight`` ``(n,)``, the weighted fraction."""
    params = check_network(params)
    out = _outputs(params, x)
    labels = _labels(params, out)
    n, n_out = out.shape
    truth = _check_truth(np.asarray(y), n, n_out)
    if truth.ndim == 2:
        truth = truth.argmax(axis=1) if truth.shape[1] > 1 else (truth[:, 0] > 0.5).astype(np.intp)
    correct = (labels == truth).astype(np.float64)
    if sample_weight is None:
        return float(correct.mean())
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.shape != (n,) or not np.isfinite(w).all() or (w < 0).any() or not w.sum() > 0:
        raise ValueError(f"sample_weight: expected {n} finite weights >= 0, not all zero, got shape {w.shape}")
    return float(np.vdot(w, correct) / w.sum())


def _check_truth(truth: NDArray[Any], n: int, n_out: int) -> NDArray[Any]:
    """``y`` for :func:`accuracy`: ``n`` class labels in ``[0, max(n_out, 2))`` or finite targets ``(n, n_out)``."""
    if truth.dtype.kind not in "biuf":
        raise TypeError(f"y: expected integer class labels or real targets, got dtype {truth.dtype}")
    if truth.ndim not in (1, 2) or truth.shape[0] != n:
        raise ValueError(f"y: expected {n} labels (n,) or targets (n, {n_out}) to match x, got shape {truth.shape}")
    if truth.ndim == 2 and truth.shape[1] != n_out:
        raise ValueError(
            f"y: expected targets of shape (n, {n_out}) for a network with {n_out} outputs, got {truth.shape}"
        )
    if not np.isfinite(truth).all():
        raise ValueError("y: contains NaN or infinite values")
    if truth.ndim == 1:
        n_classes = max(n_out, 2)  # one output: 0/1 labels
        whole = truth.dtype.kind != "f" or bool(np.all(truth == np.round(truth)))
        if not (whole and truth.min() >= 0 and truth.max() < n_classes):
            raise ValueError(
                f"y: expected integer class labels in [0, {n_classes}) for a network with {n_out} outputs, "
                f"got values in [{truth.min()}, {truth.max()}]"
            )
    return truth
