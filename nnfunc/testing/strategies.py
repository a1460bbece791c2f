"""Hypothesis strategies for property tests of networks, layers, costs and training steps.

Data come from a drawn :class:`~nnfunc.Key` through a NumPy generator rather than
from hypothesis' own float draws: inputs are then continuous, so no pre-activation
sits exactly on a relu kink, and every example is reproducible from its key.

    from hypothesis import given
    from nnfunc.testing import strategies as nst

    @given(nst.networks(), nst.keys())
    def test_forward_is_finite(params, key):
        batch = nst.batch_for(params, key, labels="classes")
        assert np.isfinite(nf.forward(params, batch.x)).all()

    @given(nst.layer_stacks(n_in=3, dtype=np.float64), nst.keys())
    def test_stack_backward(net, key):
        assert check_layer(net, nst.batch_for(net, key, labels="real").x, key=key).max_rel_error < 1e-6
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

import numpy as np
from hypothesis import strategies as st
from numpy.typing import DTypeLike

from ..activations import Activation, identity, leaky_relu, relu, sigmoid, softmax, tanh
from ..batch import Batch
from ..costs import (
    Cost,
    binary_cross_entropy,
    cross_entropy,
    mean_squared_error,
    sigmoid_binary_cross_entropy,
    softmax_cross_entropy,
)
from ..initializers import glorot_normal, glorot_uniform, he_normal, lecun_normal
from ..layers import MLP, BatchNorm, Dense, Dropout, Layer, LayerNorm, Residual, Sequential, init_mlp
from ..random import Key, rng
from ..tree import tree_leaves

LabelKind = Literal["classes", "onehot", "binary", "real"]

ALL_ACTIVATIONS: tuple[Activation, ...] = (identity, tanh, sigmoid, relu, leaky_relu(0.1), softmax)
"""Every activation nnfunc ships (leaky relu with slope 0.1)."""


class Pairing(NamedTuple):
    """A cost, an output activation it suits, labels it accepts, and the fewest outputs it needs."""

    cost: Cost
    output: Activation
    labels: LabelKind
    min_outputs: int


PAIRINGS: tuple[Pairing, ...] = (
    Pairing(softmax_cross_entropy, identity, "classes", 2),
    Pairing(softmax_cross_entropy, identity, "onehot", 2),
    Pairing(cross_entropy, softmax, "classes", 2),
    Pairing(cross_entropy, softmax, "onehot", 2),
    Pairing(sigmoid_binary_cross_entropy, identity, "binary", 1),
    Pairing(binary_cross_entropy, sigmoid, "binary", 1),
    *(Pairing(mean_squared_error, act, "real", 1) for act in ALL_ACTIVATIONS),
)
"""Every nnfunc cost with each output activation and label kind it is meant for (for parametrised tests)."""


def keys() -> st.SearchStrategy[Key]:
    """Random keys."""
    return st.integers(0, 2**32 - 1).map(Key)


def layer_sizes(
    *, min_hidden: int = 0, max_hidden: int = 3, max_width: int = 6, n_in: int | None = None, n_out: int | None = None
) -> st.SearchStrategy[tuple[int, ...]]:
    """``(n_in, h1, ..., n_out)`` with ``min_hidden``..``max_hidden`` hidden layers of width 1..``max_width``."""
    width = st.integers(1, max_width)
    return st.tuples(
        st.just(n_in) if n_in is not None else width,
        st.lists(width, min_size=min_hidden, max_size=max_hidden),
        st.just(n_out) if n_out is not None else width,
    ).map(lambda t: (t[0], *t[1], t[2]))


def activations(*, include_softmax: bool = True) -> st.SearchStrategy[Activation]:
    """One of nnfunc's activations."""
    return st.sampled_from([a for a in ALL_ACTIVATIONS if include_softmax or a is not softmax])


def dtypes() -> st.SearchStrategy[np.dtype[Any]]:
    """float32 or float64."""
    return st.sampled_from([np.dtype(np.float32), np.dtype(np.float64)])


@st.composite
def networks(
    draw: st.DrawFn,
    sizes: st.SearchStrategy[tuple[int, ...]] | None = None,
    *,
    hidden: st.SearchStrategy[Activation] | None = None,
    output: st.SearchStrategy[Activation] | None = None,
    dtype: st.SearchStrategy[np.dtype[Any]] | None = None,
) -> MLP:
    """Networks from :func:`~nnfunc.init_mlp` of any depth, activation, initialiser and dtype."""
    return init_mlp(
        draw(keys()),
        draw(sizes if sizes is not None else layer_sizes()),
        hidden=draw(hidden if hidden is not None else activations()),
        output=draw(output if output is not None else activations()),
        init=draw(st.sampled_from([glorot_normal, glorot_uniform, he_normal, lecun_normal])),
        dtype=draw(dtype if dtype is not None else dtypes()),
    )


def _network_dtype(params: Layer) -> np.dtype[Any]:
    """The dtype of the first array leaf of ``params`` (float64 for a network without arrays)."""
    for leaf in tree_leaves(params):
        if isinstance(leaf, np.ndarray):
            dtype: np.dtype[Any] = leaf.dtype
            return dtype
    return np.dtype(np.float64)


def batch_for(params: Layer, key: Key, *, labels: LabelKind, n: int = 8, scale: float = 1.0) -> Batch:
    """A batch of ``n`` samples that fits the network ``params`` (any layer that fixes ``n_in`` and
    ``n_out``: an ``nf.MLP``, a stack from :func:`layer_stacks`, ...), in the dtype of its first array
    leaf: standard normal ``x`` ``(n, n_in)`` times ``scale`` and

    - ``"classes"``: integer labels in ``[0, n_out)``,
    - ``"onehot"``: one-hot rows ``(n, n_out)``,
    - ``"binary"``: 0/1 targets, ``(n,)`` for one output, else ``(n, n_out)``,
    - ``"real"``: standard normal targets ``(n, n_out)``.

    The batch carries ``key`` (``batch.key``), so training passes through dropout are reproducible.
    """
    n_in, n_out = params.n_in, params.n_out
    if n_in is None or n_out is None:
        raise ValueError(
            f"params: expected a network that fixes its numbers of inputs and outputs, got n_in={n_in}, n_out={n_out}"
        )
    gen = rng(key)
    dtype = _network_dtype(params)
    x = (gen.standard_normal((n, n_in)) * scale).astype(dtype)
    y: np.ndarray[Any, Any]
    if labels == "classes":
        y = gen.integers(0, n_out, n)
    elif labels == "onehot":
        y = np.eye(n_out, dtype=dtype)[gen.integers(0, n_out, n)]
    elif labels == "binary":
        shape = (n,) if n_out == 1 else (n, n_out)
        y = gen.integers(0, 2, shape).astype(dtype)
    elif labels == "real":
        y = gen.standard_normal((n, n_out)).astype(dtype)
    else:
        raise ValueError(f"labels: expected 'classes', 'onehot', 'binary' or 'real', got {labels!r}")
    return Batch(x, y, key=key)


@st.composite
def batches(draw: st.DrawFn, params: Layer, *, labels: LabelKind, max_samples: int = 16) -> Batch:
    """Batches that fit ``params`` (see :func:`batch_for`), of 1..``max_samples`` samples."""
    return batch_for(params, draw(keys()), labels=labels, n=draw(st.integers(1, max_samples)))


SMOOTH_ACTIVATIONS: tuple[Activation, ...] = (identity, tanh, sigmoid)
"""The hidden activations without kinks: finite differences hold everywhere (for gradient checks)."""

BLOCKS = ("dense", "activation", "layer_norm", "batch_norm", "dropout", "residual")
"""The kinds of block :func:`layer_stacks` draws from."""


def _as_dtype(draw: st.DrawFn, dtype: DTypeLike | st.SearchStrategy[np.dtype[Any]] | None) -> np.dtype[Any]:
    if isinstance(dtype, st.SearchStrategy):
        drawn: np.dtype[Any] = np.dtype(draw(dtype))
        return drawn
    dt: np.dtype[Any] = draw(dtypes()) if dtype is None else np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise ValueError(f"dtype: expected np.float32 or np.float64, got {dt}")
    return dt


def _dense(gen: np.random.Generator, n_in: int, n_out: int, act: Activation, dtype: np.dtype[Any]) -> Dense:
    """Glorot-normal weights and small random biases (not zero: every bias gradient then matters)."""
    w = glorot_normal(gen, n_in, n_out, dtype)
    return Dense(w, (0.1 * gen.standard_normal(n_out)).astype(dtype), act)


def _norm(gen: np.random.Generator, kind: str, n: int, dtype: np.dtype[Any]) -> Layer:
    """A LayerNorm or BatchNorm of ``n`` features with random scale, shift (and running statistics)."""
    scale = (1 + 0.5 * gen.standard_normal(n)).astype(dtype)
    shift = (0.5 * gen.standard_normal(n)).astype(dtype)
    if kind == "layer_norm":
        return LayerNorm(scale=scale, shift=shift)
    mean = gen.standard_normal(n).astype(dtype)
    var = gen.uniform(0.5, 2.0, n).astype(dtype)
    momentum = float(gen.choice([0.1, 0.5, 1.0]))
    return BatchNorm(scale=scale, shift=shift, running_mean=mean, running_var=var, momentum=momentum)


def layer_stacks(
    *,
    n_in: int | None = None,
    n_out: int | None = None,
    dtype: DTypeLike | st.SearchStrategy[np.dtype[Any]] | None = None,
    hidden: st.SearchStrategy[Activation] | None = None,
    output: st.SearchStrategy[Activation] | None = None,
    blocks: tuple[str, ...] = BLOCKS,
    max_blocks: int = 4,
    max_width: int = 6,
) -> st.SearchStrategy[Sequential]:
    """``nf.Sequential`` stacks of 0..``max_blocks`` blocks, then a ``Dense`` output layer, widths consistent.

    Each block is one of ``blocks`` (a subset of :data:`BLOCKS`): a ``Dense`` to a new width
    (1..``max_width``) with a ``hidden`` activation; a bare ``hidden`` activation; ``LayerNorm`` or
    ``BatchNorm`` (random scale, shift and running statistics); ``Dropout`` (rate 0, 0.25 or 0.5); or
    a ``Residual`` around ``Dense(width, width)`` followed by one of the other allowed layers.
    ``n_in``/``n_out`` fix the widths (else 1..``max_width``); ``dtype`` is a dtype, a strategy of
    dtypes, or ``None`` (float32 or float64). ``hidden`` defaults to every activation but softmax
    (:data:`SMOOTH_ACTIVATIONS` for finite-difference checks), ``output`` to ``identity``. Leave out
    ``"batch_norm"`` and ``"dropout"`` for stacks whose samples do not interact (per-sample gradients).
    The first block fixes the stack's ``n_in`` (an activation or dropout first gets a block before it,
    a ``Dense`` if ``blocks`` has none that fixes a width).

    >>> import nnfunc as nf
    >>> from hypothesis import given
    >>> from nnfunc.testing import strategies as nst
    >>> @given(nst.layer_stacks(n_in=3, n_out=2))
    ... def test(net):
    ...     assert (net.n_in, net.n_out) == (3, 2)
    >>> test()
    """
    unknown = set(blocks) - set(BLOCKS)
    if unknown:
        raise ValueError(f"blocks: expected kinds among {BLOCKS}, got {sorted(unknown)}")
    return _stacks(n_in, n_out, dtype, hidden, output, tuple(blocks), max_blocks, max_width)


@st.composite
def _stacks(
    draw: st.DrawFn,
    n_in: int | None,
    n_out: int | None,
    dtype: DTypeLike | st.SearchStrategy[np.dtype[Any]] | None,
    hidden: st.SearchStrategy[Activation] | None,
    output: st.SearchStrategy[Activation] | None,
    blocks: tuple[str, ...],
    max_blocks: int,
    max_width: int,
) -> Sequential:
    dt = _as_dtype(draw, dtype)
    gen = rng(draw(keys()))
    hidden_acts = hidden if hidden is not None else activations(include_softmax=False)
    width_st = st.integers(1, max_width)
    first = n_in if n_in is not None else draw(width_st)
    width = first
    layers: list[Layer | Activation] = []
    kinds = draw(st.lists(st.sampled_from(blocks), max_size=max_blocks)) if blocks else []
    fixing = [k for k in blocks if k not in ("activation", "dropout")]
    if kinds and kinds[0] in ("activation", "dropout"):  # the stack's first layer fixes n_in
        kinds.insert(0, draw(st.sampled_from(fixing)) if fixing else "dense")
    for kind in kinds:
        if kind == "dense":
            new = draw(width_st)
            layers.append(_dense(gen, width, new, draw(hidden_acts), dt))
            width = new
        elif kind == "activation":
            layers.append(draw(hidden_acts))
        elif kind in ("layer_norm", "batch_norm"):
            layers.append(_norm(gen, kind, width, dt))
        elif kind == "dropout":
            layers.append(Dropout(draw(st.sampled_from([0.0, 0.25, 0.5]))))
        else:
            inner: list[Layer | Activation] = [_dense(gen, width, width, draw(hidden_acts), dt)]
            extra = [k for k in ("layer_norm", "batch_norm", "dropout") if k in blocks]
            after = draw(st.sampled_from([None, *extra]))
            if after == "dropout":
                inner.append(Dropout(0.25))
            elif after is not None:
                inner.append(_norm(gen, after, width, dt))
            layers.append(Residual(Sequential(inner)))
    out = n_out if n_out is not None else draw(width_st)
    layers.append(_dense(gen, width, out, draw(output) if output is not None else identity, dt))
    return Sequential(layers)
