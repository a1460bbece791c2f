"""``check_layer``: a layer's hand-written backward pass against finite differences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._typing import Array
from ..layers.base import STATE, Context, Layer
from ..random import Key, rng
from ..tree import tree_flatten, tree_leaves, tree_map
from .gradcheck import GradCheck, check_grad


@dataclass(frozen=True)
class LayerCheck:
    """What :func:`check_layer` found.

    ``params``: the check of the layer's gradient (``None`` for a layer without array leaves);
    ``input``: the check of ``dL/dx``; ``max_rel_error``: the worse of the two.
    """

    params: GradCheck | None
    input: GradCheck

    @property
    def max_rel_error(self) -> float:
        return max(self.input.max_rel_error, self.params.max_rel_error if self.params else 0.0)

    def __str__(self) -> str:
        return f"params: {self.params or 'no array leaves'}; input: {self.input}"


def check_layer(
    layer: Layer,
    x: Array,
    *,
    key: Key | None = None,
    training: bool = True,
    eps: float = 1e-4,
    floor: float = 1e-4,
    max_entries_per_leaf: int | None = None,
) -> LayerCheck:
    """Check ``layer.backward`` against fourth-order central differences, for its leaves and its input.

    The scalar checked is ``L = sum(r * y)`` with ``y = layer.forward(x, ctx)[0]`` and ``r`` a fixed
    random array (so every output matters), ``ctx`` a training pass (or inference, ``training=False``)
    with ``key`` (dropout needs one). Non-trained leaves (running statistics) are not checked: their
    gradient is zero by definition. Also asserts what finite differences cannot see: ``forward`` and
    ``backward`` leave ``x`` unchanged, the gradient has the layer's type and structure, and ``backward``
    with ``need_input=False`` gives the same gradient and no input gradient.

    Use float64 layers and inputs (see :func:`check_grad`); keep inputs away from kinks (relu at 0).

    >>> import numpy as np, nnfunc as nf
    >>> from nnfunc.testing import check_layer
    >>> layer = nf.LayerNorm(3)
    >>> x = np.random.default_rng(0).standard_normal((4, 3))
    >>> check_layer(layer, x).max_rel_error < 1e-6
    True
    """
    if not isinstance(layer, Layer):
        raise TypeError(f"layer: expected an nf layer, got {type(layer).__name__}")
    x = np.array(x, dtype=np.float64 if np.asarray(x).dtype.kind in "iub" else None)
    if x.ndim != 2:
        raise ValueError(f"x: expected inputs (n, n_in), got shape {x.shape}")
    ctx = Context(training=bool(training), key=key)
    original = x.copy()
    y, _ = layer.forward(x, ctx)
    r = rng(key if key is not None else Key(0)).standard_normal(y.shape).astype(y.dtype)

    def value(lay: Layer, inputs: Array) -> float:
        return float(np.vdot(r, lay.forward(inputs, ctx)[0]))

    def backward(lay: Layer, inputs: Array, need_input: bool) -> tuple[Layer, Array | None]:
        _, saved = lay.forward(inputs, ctx)
        return lay.backward(saved, r.copy(), need_input)

    grad, g_in = backward(layer, x, True)
    grad_only, none = backward(layer, x, False)
    assert np.array_equal(x, original), "layer: forward or backward changed its input x"
    assert type(grad) is type(layer), f"layer: backward gave a {type(grad).__name__}, expected {type(layer).__name__}"
    tree_map(lambda a, b: None, layer, grad)  # same structure, or ValueError naming the path
    assert none is None, "layer: backward(..., need_input=False) returned an input gradient"
    tree_map(_assert_equal, grad, grad_only)
    assert g_in is not None and g_in.shape == x.shape, "layer: backward gave no input gradient of x's shape"

    has_arrays = any(isinstance(leaf, np.ndarray) for leaf in tree_leaves(layer))
    params = (
        check_grad(
            lambda lay: value(lay, x),
            layer,
            lambda lay: backward(lay, x, False)[0],
            eps=eps,
            floor=floor,
            max_entries_per_leaf=max_entries_per_leaf,
            key=key,
            exclude=_state_paths(layer),
        )
        if has_arrays
        else None
    )
    inputs = check_grad(
        lambda xs: value(layer, xs),
        x,
        lambda xs: _input_grad(backward(layer, xs, True)[1]),
        eps=eps,
        floor=floor,
        max_entries_per_leaf=max_entries_per_leaf,
        key=key,
    )
    return LayerCheck(params, inputs)


def _state_paths(layer: Layer) -> set[str]:
    """Paths of the non-trained leaves (running statistics): their gradient is zero by definition."""
    _, treedef = tree_flatten(layer)
    return {
        path
        for path, field in zip(treedef.paths, treedef.fields, strict=True)
        if field is not None and field.metadata.get(STATE, False)
    }


def _input_grad(g: Array | None) -> Array:
    assert g is not None
    return g


def _assert_equal(a: Any, b: Any) -> None:
    assert np.array_equal(a, b), "layer: backward's gradient depends on need_input"
