"""Hypothesis strategies for property tests of networks, costs and training steps.

Data come from a drawn :class:`~nnfunc.Key` through a NumPy generator rather than
from hypothesis' own float draws: inputs are then continuous, so no pre-activation
sits exactly on a relu kink, and every example is reproducible from its key.

    from hypothesis import given
    from nnfunc.testing import strategies as nst

    @given(nst.networks(), nst.keys())
    def test_forward_is_finite(params, key):
        batch = nst.batch_for(params, key, labels="classes")
        assert np.isfinite(nf.forward(params, batch.x)).all()
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

import numpy as np
from hypothesis import strategies as st

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
from ..model import MLP, init_mlp
from ..random import Key, rng

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


def batch_for(params: MLP, key: Key, *, labels: LabelKind, n: int = 8, scale: float = 1.0) -> Batch:
    """A batch of ``n`` samples that fits ``params``: standard normal ``x`` times ``scale`` and

    - ``"classes"``: integer labels in ``[0, n_out)``,
    - ``"onehot"``: one-hot rows ``(n, n_out)``,
    - ``"binary"``: 0/1 targets, ``(n,)`` for one output, else ``(n, n_out)``,
    - ``"real"``: standard normal targets ``(n, n_out)``.
    """
    gen = rng(key)
    n_in, n_out = params.layers[0].w.shape[0], params.layers[-1].w.shape[1]
    x = (gen.standard_normal((n, n_in)) * scale).astype(params.dtype)
    y: np.ndarray[Any, Any]
    if labels == "classes":
        y = gen.integers(0, n_out, n)
    elif labels == "onehot":
        y = np.eye(n_out, dtype=params.dtype)[gen.integers(0, n_out, n)]
    elif labels == "binary":
        shape = (n,) if n_out == 1 else (n, n_out)
        y = gen.integers(0, 2, shape).astype(params.dtype)
    elif labels == "real":
        y = gen.standard_normal((n, n_out)).astype(params.dtype)
    else:
        raise ValueError(f"labels: expected 'classes', 'onehot', 'binary' or 'real', got {labels!r}")
    return Batch(x, y)


@st.composite
def batches(draw: st.DrawFn, params: MLP, *, labels: LabelKind, max_samples: int = 16) -> Batch:
    """Batches that fit ``params`` (see :func:`batch_for`), of 1..``max_samples`` samples."""
    return batch_for(params, draw(keys()), labels=labels, n=draw(st.integers(1, max_samples)))
