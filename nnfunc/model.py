"""The network: ``Dense`` layers in an ``MLP``, its initialisation and forward pass.

Both are frozen dataclass pytrees: the arrays ``w`` and ``b`` are leaves (stored
read-only), the activation is static configuration. A network is never changed,
only replaced by a new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from ._typing import Array, Labels
from .activations import Activation, identity, sigmoid, tanh
from .batch import _freeze_own, _read_only, as_features, fits_float32
from .initializers import Initializer, glorot_normal
from .random import Key, check_key, rng, split
from .tree import static_field

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


@dataclass(frozen=True, slots=True, eq=False)
class Dense:
    """A fully connected layer ``activation(x @ w + b)``: ``w`` ``(n_in, n_out)``, ``b`` ``(n_out,)``.

    Arrays are checked (float32/float64, matching shapes and dtypes) and stored as
    read-only views, without a copy: every step builds new layers, and copying each
    would cost a pass over the parameters. So do not write to an array after you
    give it to ``Dense`` (nnfunc's own functions never do). Fields that are not
    arrays (e.g. a ``tree_map`` to norms) pass unchecked.
    """

    w: Array
    b: Array
    activation: Activation = static_field(default=identity)

    def __post_init__(self) -> None:
        if not isinstance(self.activation, Activation):
            raise TypeError(f"activation: expected an nf activation such as nf.tanh, got {self.activation!r}")
        w, b = self.w, self.b
        if isinstance(w, np.ndarray) and isinstance(b, np.ndarray):
            if w.dtype not in _FLOATS or b.dtype != w.dtype:
                raise TypeError(f"w, b: expected float32 or float64 arrays of one dtype, got {w.dtype} and {b.dtype}")
            if w.ndim != 2 or b.shape != (w.shape[1],):
                raise ValueError(f"w, b: expected shapes (n_in, n_out) and (n_out,), got {w.shape} and {b.shape}")
        if isinstance(w, np.ndarray):
            object.__setattr__(self, "w", _read_only(w))
        if isinstance(b, np.ndarray):
            object.__setattr__(self, "b", _read_only(b))

    @classmethod
    def _trusted(cls, w: Array, b: Array, activation: Activation) -> Dense:
        """A layer around arrays nnfunc just computed, with known-good shapes: no checks, no views."""
        layer = object.__new__(cls)
        object.__setattr__(layer, "w", _freeze_own(w))
        object.__setattr__(layer, "b", _freeze_own(b))
        object.__setattr__(layer, "activation", activation)
        return layer


@dataclass(frozen=True, slots=True, eq=False)
class MLP:
    """A network: ``layers`` applied in order, each layer's ``n_out`` the next one's ``n_in``."""

    layers: tuple[Dense, ...]

    def __post_init__(self) -> None:
        layers = self.layers
        if not isinstance(layers, tuple) or not layers or not all(isinstance(la, Dense) for la in layers):
            raise TypeError(f"layers: expected a non-empty tuple of nf.Dense, got {layers!r}")
        dtypes = {la.w.dtype for la in layers if isinstance(la.w, np.ndarray)}
        if len(dtypes) > 1:
            raise TypeError(f"layers: expected one float dtype for every layer, got {sorted(map(str, dtypes))}")
        for i in range(1, len(layers)):
            prev, cur = layers[i - 1].w, layers[i].w
            if isinstance(prev, np.ndarray) and isinstance(cur, np.ndarray) and prev.shape[1] != cur.shape[0]:
                raise ValueError(
                    f"layers: layer {i} expects {cur.shape[0]} inputs but layer {i - 1} gives {prev.shape[1]}"
                )

    @classmethod
    def _trusted(cls, layers: tuple[Dense, ...]) -> MLP:
        """A network from layers shaped like an existing network's: no checks."""
        net = object.__new__(cls)
        object.__setattr__(net, "layers", layers)
        return net

    @property
    def sizes(self) -> tuple[int, ...]:
        """``(n_in, h1, ..., n_out)``."""
        return (self.layers[0].w.shape[0], *(layer.w.shape[1] for layer in self.layers))

    @property
    def dtype(self) -> np.dtype[Any]:
        """The parameters' float dtype."""
        return self.layers[0].w.dtype


def init_mlp(
    key: Key,
    sizes: Sequence[int],
    *,
    hidden: Activation = tanh,
    output: Activation = identity,
    init: Initializer = glorot_normal,
    dtype: DTypeLike = np.float64,
) -> MLP:
    """A fresh network for layer widths ``sizes = (n_in, h1, ..., n_out)``.

    Hidden layers use ``hidden``, the last layer ``output``; weights come from
    ``init`` with one child key of ``key`` per layer, biases are zero.
    """
    check_key(key)
    try:
        sizes = tuple(sizes)
    except TypeError as e:
        raise TypeError(f"sizes: expected a sequence of layer widths (n_in, ..., n_out), got {sizes!r}") from e
    if len(sizes) < 2 or not all(
        isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 1 for s in sizes
    ):
        raise ValueError(f"sizes: expected (n_in, ..., n_out) with at least two integers >= 1, got {sizes}")
    try:
        dt = np.dtype(dtype)
    except TypeError as e:
        raise ValueError(f"dtype: expected np.float32 or np.float64, got {dtype!r}") from e
    if dt not in _FLOATS:
        raise ValueError(f"dtype: expected np.float32 or np.float64, got {dt}")
    for name, act in (("hidden", hidden), ("output", output)):
        if not isinstance(act, Activation):
            raise TypeError(f"{name}: expected an nf activation such as nf.tanh, got {act!r}")
    if not callable(init):
        raise TypeError(f"init: expected an initializer such as nf.glorot_normal, got {init!r}")
    keys = split(key, len(sizes) - 1)
    last = len(sizes) - 2
    layers = tuple(
        Dense(
            init(rng(k), int(n_in), int(n_out), dt),
            np.zeros(int(n_out), dtype=dt),
            output if i == last else hidden,
        )
        for i, (k, n_in, n_out) in enumerate(zip(keys, sizes[:-1], sizes[1:], strict=True))
    )
    return MLP(layers)


def check_params(params: object) -> MLP:
    """``params`` if it is an ``MLP``, else a ``TypeError`` that says what came instead."""
    if not isinstance(params, MLP):
        raise TypeError(f"params: expected nf.MLP (from nf.init_mlp), got {type(params).__name__}")
    return params


def check_inputs(params: MLP, x: object) -> Array:
    """``x`` checked, in the parameters' dtype, with the network's number of features."""
    a = as_features(x)
    n_in = params.layers[0].w.shape[0]
    if a.shape[1] != n_in:
        raise ValueError(f"x: expected shape (n, {n_in}) for a network with {n_in} inputs, got {a.shape}")
    if params.dtype == np.float32 and not fits_float32(a):
        raise ValueError("x: has values beyond the float32 range (3.4e38) of this float32 network")
    return a.astype(params.dtype, copy=False)


def activations(layers: tuple[Dense, ...], x: Array) -> list[Array]:
    """``[x, a1, ..., aL]``: every layer's output, kept for the backward pass."""
    outs = [x]
    for layer in layers:
        z = outs[-1] @ layer.w
        z += layer.b
        outs.append(layer.activation.forward(z, z))
    return outs


def forward(params: MLP, x: Array) -> Array:
    """The network's output ``(n, n_out)`` for inputs ``x`` ``(n, n_in)`` (in the parameters' dtype)."""
    params = check_params(params)
    return activations(params.layers, check_inputs(params, x))[-1]


def _labels_from_output(params: MLP, out: Array) -> NDArray[np.intp]:
    if out.shape[1] > 1:
        labels: NDArray[np.intp] = out.argmax(axis=1)
        return labels
    threshold = 0.5 if params.layers[-1].activation == sigmoid else 0.0
    return (out[:, 0] > threshold).astype(np.intp)


def predict(params: MLP, x: Array) -> NDArray[np.intp]:
    """Class labels ``(n,)``: the argmax of the outputs, or for one output ``1`` where it exceeds
    0.5 after a sigmoid output layer (0 for any other output layer, i.e. on logits)."""
    return _labels_from_output(params, forward(params, x))


def accuracy(params: MLP, x: Array, y: Labels) -> float:
    """Fraction of samples whose predicted class equals ``y`` (class labels, one-hot or 0/1 targets)."""
    labels = predict(params, x)
    truth = _check_truth(np.asarray(y), labels.shape[0], params.sizes[-1])
    if truth.ndim == 2:
        truth = truth.argmax(axis=1) if truth.shape[1] > 1 else (truth[:, 0] > 0.5).astype(np.intp)
    return float(np.mean(labels == truth))


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
