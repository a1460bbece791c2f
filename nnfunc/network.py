"""A network's output, loss, gradient and SGD step: pure functions of any layer (``nf.MLP``,
``nf.Sequential``, a user's own ``nf.Layer``).

``loss = cost(output, y) + l2/2 * sum of squares of the leaves the layers mark as decayed``
(weights, not biases or normalisation parameters). One forward pass keeps what each layer's
backward pass needs; one backward pass returns the gradient, a network of the parameters' type.
Training passes (``loss``, ``grad``, the steps) use the batch's key for random layers and batch
statistics for batch norm; :func:`forward` is inference.

A plain stack of ``Dense`` layers (``nf.MLP``, or an ``nf.Sequential`` of ``Dense`` only) runs on a fast
path with the same arithmetic and fewer temporaries.
"""

from __future__ import annotations

import functools
import math
from typing import Any, TypeAlias, TypeVar, cast

import numpy as np

from ._checks import check_scalar
from ._ops import col_sum
from ._packed import Packed, Plan, plan_of
from ._typing import Array, Features
from .activations import Activation
from .batch import Batch, as_features, fits_float32
from .costs import Cost, Scalar, check_labels, check_output, evaluate, evaluate_with_grad, softmax_cross_entropy
from .layers.base import DECAY, INFERENCE, STATE, Context, Layer
from .layers.combinators import Sequential
from .layers.dense import Dense
from .layers.mlp import MLP
from .tree import TreeDef, tree_flatten

N = TypeVar("N", bound=Layer)


def check_network(params: object, name: str = "params") -> Layer:
    """``params`` if it is a layer (any network), else a ``TypeError`` saying what came instead."""
    if not isinstance(params, Layer):
        raise TypeError(
            f"{name}: expected an nf network (nf.MLP from nf.init_mlp, nf.Sequential, ...), got {type(params).__name__}"
        )
    return params


_HINTS: dict[type, TreeDef] = {}
"""The last structure seen per network type: a hint only (checked by ``leaves_of``), so results never
depend on it; flattening a network this way costs a few microseconds instead of a tree walk."""


def flatten(tree: Any) -> tuple[list[Any], TreeDef]:
    """``tree_flatten(tree)``, fast for a structure seen before."""
    hint = _HINTS.get(type(tree))
    if hint is not None:
        leaves = hint.leaves_of(tree)
        if leaves is not None:
            return leaves, hint
    leaves, treedef = tree_flatten(tree)
    _HINTS[type(tree)] = treedef
    return leaves, treedef


def _leaves_like(treedef: TreeDef, tree: Any) -> list[Any]:
    """The leaves of ``tree``, a network of ``treedef``'s structure (e.g. a gradient)."""
    leaves = treedef.leaves_of(tree)
    return leaves if leaves is not None else tree_flatten(tree)[0]


def network_dtype(params: Layer) -> np.dtype[Any] | None:
    """The float dtype of the network's arrays (``None`` for a network without any)."""
    stack = _dense_stack(params)
    if stack is not None:
        return stack[0].w.dtype
    leaves, _ = flatten(params)
    for leaf in leaves:
        if isinstance(leaf, np.ndarray):
            dtype: np.dtype[Any] = leaf.dtype
            return dtype
        raise TypeError(f"params: expected array leaves, got {type(leaf).__name__}")
    return None


def _cast(params: Layer, x: Any, fits32: bool, n_in: int | None, dtype: np.dtype[Any] | None) -> Any:
    """Inputs in the network's ``dtype`` (a float32 network refuses values float32 cannot hold)."""
    if not isinstance(x, np.ndarray) and not params.takes_sparse:
        raise TypeError(
            f"x: a scipy.sparse matrix needs a network whose first layer multiplies it without densifying it "
            f"(nf.Dense); this {type(params).__name__} starts otherwise: put an nf.Dense first, or pass "
            f"x.toarray() if a dense copy fits in memory"
        )
    if n_in is not None and x.shape[1] != n_in:
        raise ValueError(f"x: expected shape (n, {n_in}) for a network with {n_in} inputs, got {x.shape}")
    if dtype is None or x.dtype == dtype:
        return x
    if dtype == np.float32 and not fits32:
        raise ValueError("x: has values beyond the float32 range (3.4e38) of this float32 network")
    return x.astype(dtype)


Signature: TypeAlias = tuple[np.dtype[Any] | None, int | None, int | None, Activation | None]
"""``(dtype, n_in, n_out, output activation)`` of a network, each ``None`` where it is not fixed."""


def _signature(params: Layer) -> Signature:
    """``(dtype, n_in, n_out, output activation)`` of a network, each ``None`` where it is not fixed."""
    stack = _dense_stack(params)
    if stack is not None:
        first, last = stack[0].w, stack[-1]
        return first.dtype, first.shape[0], last.w.shape[1], last.activation
    return network_dtype(params), params.n_in, params.n_out, params.output_activation


def _check(params: Layer, batch: Batch, cost: Cost, l2: float) -> tuple[Any, float]:
    """Cheap O(1) checks at the boundary; returns ``x`` in the network's dtype and ``l2``."""
    params = check_network(params)
    if not isinstance(cost, Cost):
        raise TypeError(f"cost: expected an nf cost such as nf.softmax_cross_entropy, got {cost!r}")
    l2 = check_scalar("l2", l2)
    signature = _signature(params)
    check_output(cost, signature[3])
    return _check_batch(params, signature, batch, cost), l2


def _check_batch(params: Layer, signature: Signature, batch: Batch, cost: Cost) -> Any:
    """The batch's checks against a network of this ``signature``; returns ``x`` in the network's dtype."""
    if not isinstance(batch, Batch):
        raise TypeError(f"batch: expected nf.Batch(x, y), got {type(batch).__name__}")
    dtype, n_in, n_out, _ = signature
    if n_out is not None:
        check_labels(cost, batch.y, batch.y_range, n_out)
    if dtype == np.float32 and not batch.fits_float32:
        raise ValueError("batch: x or y has values beyond the float32 range (3.4e38) of this float32 network")
    return _cast(params, batch.x, True, n_in, dtype)


def forward(params: Layer, x: Features) -> Array:
    """The network's output ``(n, n_out)`` for inputs ``x`` ``(n, n_in)``, at inference (dropout off,
    batch norm on its running statistics), in the parameters' dtype. A regression network's prediction."""
    params = check_network(params)
    a = as_features(x)
    dtype, n_in, _, _ = _signature(params)
    a = _cast(params, a, a.dtype == np.float32 or fits_float32(a), n_in, dtype)
    stack = _dense_stack(params)
    if stack is not None:
        return _stack_outputs(stack, a)[-1]
    out, _ = params.forward(a, INFERENCE)
    return out.copy() if out is a or np.may_share_memory(out, a) else out


# -- the fast path: a plain stack of Dense layers (an MLP, or a Sequential of Dense only) ---------------------


def _dense_stack(params: Layer) -> tuple[Dense, ...] | None:
    """The layers of ``params`` when it is a plain stack of ``Dense`` layers, else ``None``."""
    cls = type(params)
    if cls is MLP:
        return cast(MLP, params).layers
    if cls is Sequential:
        layers = cast(Sequential, params).layers
        for layer in layers:
            if type(layer) is not Dense:
                return None
        return cast(tuple[Dense, ...], layers)
    return None


def _restack(params: N, layers: tuple[Dense, ...]) -> N:
    """A network of ``params``'s type (``MLP`` or ``Sequential``) around new layers nnfunc just made."""
    net = object.__new__(type(params))
    object.__setattr__(net, "layers", layers)
    return net


def _stack_outputs(stack: tuple[Dense, ...], x: Any) -> list[Array]:
    """``[x, a1, ..., aL]``: every layer's output, kept for the backward pass."""
    outs = [x]
    for layer in stack:
        if outs[-1].dtype != layer.w.dtype:  # mixed precision: each layer computes in its own dtype
            outs[-1] = outs[-1].astype(layer.w.dtype)
        z = outs[-1].dot(layer.w)  # .dot, not @: see _ops (scipy.sparse inputs have .dot too)
        z += layer.b
        outs.append(layer.activation.forward(z, z))
    return outs


def _stack_backward(layers: tuple[Dense, ...], outs: list[Array], g: Array) -> list[tuple[Array, Array]]:
    """``[(dL/dw, dL/db), ...]`` per layer from ``g = dL/d(output)`` (overwritten); no input gradient."""
    grads: list[tuple[Array, Array]] = []
    for i in range(len(layers) - 1, -1, -1):
        layer = layers[i]
        if g.dtype != layer.w.dtype:  # mixed precision: each layer's gradient in its own dtype
            g = g.astype(layer.w.dtype)
        g = layer.activation.backward(outs[i + 1], g, g)  # dL/dz
        grads.append((outs[i].T.dot(g), col_sum(g)))
        if i:
            g = g.dot(layer.w.T)
    grads.reverse()
    return grads


# -- any network ------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _role_flags(treedef: TreeDef, role: str) -> tuple[bool, ...]:
    """Per leaf: whether the field holding it is marked ``role`` (``DECAY`` or ``STATE``); memoised per
    structure (a pure function of it)."""
    return tuple(field is not None and bool(field.metadata.get(role, False)) for field in treedef.fields)


def _decayed(treedef: TreeDef) -> list[bool]:
    return list(_role_flags(treedef, DECAY))


def state_indices(treedef: TreeDef) -> tuple[int, ...]:
    """Positions of the non-trained leaves (running statistics) among a network's leaves."""
    return tuple(i for i, flag in enumerate(_role_flags(treedef, STATE)) if flag)


def _penalty(params: Layer, l2: float) -> Scalar | int:
    """``l2/2`` times the sum of squares of the decayed leaves, in their dtype (0 when ``l2`` is 0)."""
    if not l2:
        return 0
    stack = _dense_stack(params)
    if stack is not None:
        weights = [layer.w for layer in stack]
    else:
        leaves, treedef = flatten(params)
        weights = [leaf for leaf, decayed in zip(leaves, _decayed(treedef), strict=True) if decayed]
    if not weights:
        return 0
    total: Scalar = sum((np.vdot(w, w) for w in weights), weights[0].dtype.type(0))
    return l2 / 2 * total


def _training_pass(params: Layer, x: Any, batch: Batch, cost: Cost, scale: float) -> tuple[Scalar, Layer, Any]:
    """Mean cost, ``scale`` times its gradient (a network like ``params``), and what the forward pass saved."""
    ctx = Context(training=True, key=batch.key)
    out, saved = params.forward(x, ctx)
    if params.n_out is None:
        check_labels(cost, batch.y, batch.y_range, out.shape[1])
    value, g = evaluate_with_grad(cost, out, batch.y, batch.sample_weight, scale)
    grad, _ = params.backward(saved, g, False)
    return value, grad, saved


def _add_decay(params: N, grads: N, l2: float) -> N:
    """``grads`` plus ``l2`` times the decayed leaves of ``params``."""
    weights, treedef = flatten(params)
    leaves = _leaves_like(treedef, grads)
    new = [g + l2 * w if decayed else g for g, w, decayed in zip(leaves, weights, _decayed(treedef), strict=True)]
    result: N = treedef.unflatten([_frozen(a) for a in new])
    return result


def _frozen(a: Any) -> Any:
    if isinstance(a, np.ndarray) and a.flags.writeable:
        a.setflags(write=False)
    return a


def _stack_value_and_leaves(
    stack: tuple[Dense, ...], x: Any, batch: Batch, cost: Cost, l2: float, layout: Plan | None
) -> tuple[Scalar, list[Array]]:
    """The mean cost and the leaves of its gradient (plus ``l2`` times the weights): see
    :func:`_stack_grad_leaves`."""
    outs = _stack_outputs(stack, x)
    value, g = evaluate_with_grad(cost, outs[-1], batch.y, batch.sample_weight)
    return value, _stack_grad_leaves(stack, outs, g, l2, layout)


def value_grad_and_state(
    params: N, batch: Batch, *, cost: Cost = softmax_cross_entropy, l2: float = 0.0
) -> tuple[Scalar, N, N]:
    """``(loss, grad, params')`` from one training pass: :func:`value_and_grad`, and ``params`` with its
    non-trained state (batch-norm running statistics) moved by this batch -- ``params`` itself when the
    network has none. A custom training step applies its update to ``params'``."""
    x, l2 = _check(params, batch, cost, l2)
    stack = _dense_stack(params)
    if stack is not None:
        value, leaves = _stack_value_and_leaves(stack, x, batch, cost, l2, None)
        if isinstance(leaves, Packed):
            leaves.flat.setflags(write=False)  # the gradient's arrays are views of it
        grads = tuple(_dense(leaves[2 * i], leaves[2 * i + 1], layer.activation) for i, layer in enumerate(stack))
        return value + _penalty(params, l2), _restack(params, grads), params
    value, raw, saved = _training_pass(params, x, batch, cost, 1.0)
    grad = _in_dtypes_of(params, cast(N, raw))
    if l2:
        grad = _add_decay(params, grad, l2)
    return value + _penalty(params, l2), grad, params.updated(saved)


def _in_dtypes_of(params: N, grad: N) -> N:
    """``grad`` with every array leaf in its parameter's dtype: a user's layer after one of another dtype
    may have computed its gradient in the wider one (nnfunc's own layers compute in their own)."""
    leaves, treedef = flatten(params)
    g = _leaves_like(treedef, grad)
    wrong = [
        i
        for i, (a, b) in enumerate(zip(g, leaves, strict=True))
        if type(a) is np.ndarray and type(b) is np.ndarray and a.dtype != b.dtype
    ]
    if not wrong:
        return grad
    for i in wrong:
        g[i] = _frozen(g[i].astype(leaves[i].dtype))
    result: N = treedef.unflatten(g)
    return result


def value_grad_leaves_and_state(
    params: N, batch: Batch, *, cost: Cost, l2: float, layout: Plan | None = None
) -> tuple[Scalar, N | list[Array], N]:
    """:func:`value_grad_and_state` for a training step that works on leaves: a plain stack of ``Dense``
    layers gives its gradient as the list of its leaves in ``tree_flatten`` order (fresh, writeable
    arrays, packed into one vector when they share a dtype), without building a network around them;
    any other network gives its gradient network.

    ``layout`` is for a step that made ``params`` itself, from a network it checked with this ``cost``
    and ``l2``: the packed layout of its leaves (one dtype). Then only the batch is checked."""
    stack = _dense_stack(params)
    if layout is None or stack is None:
        x, l2 = _check(params, batch, cost, l2)
    else:
        first = stack[0].w
        x = _check_batch(params, (first.dtype, first.shape[0], stack[-1].w.shape[1], None), batch, cost)
    if stack is None:
        return value_grad_and_state(params, batch, cost=cost, l2=l2)
    value, leaves = _stack_value_and_leaves(stack, x, batch, cost, l2, layout)
    return value + _penalty(params, l2), leaves, params


def _stack_grad_leaves(
    stack: tuple[Dense, ...], outs: list[Array], g: Array, l2: float, layout: Plan | None
) -> list[Array]:
    """The gradient's leaves ``[dw1, db1, dw2, ...]`` (a ``Dense`` flattens to ``(w, b)``), from
    ``g = dL/d(output)`` (overwritten): written into one packed vector (laid out by ``layout``, when
    known) if all leaves share a dtype."""
    dtype = g.dtype
    if layout is None:
        for layer in stack:
            if layer.w.dtype != dtype or layer.b.dtype != dtype:  # mixed precision: leaf by leaf
                leaves: list[Array] = []
                for layer, (dw, db) in zip(stack, _stack_backward(stack, outs, g), strict=True):
                    if l2:
                        dw += l2 * layer.w
                    leaves += (dw, db)
                return leaves
        layout = plan_of(tuple(shape for layer in stack for shape in (layer.w.shape, layer.b.shape)))
    grads = Packed(np.empty(layout.size, dtype), layout)
    for i in range(len(stack) - 1, -1, -1):
        layer, a, dw = stack[i], outs[i], grads[2 * i]
        g = layer.activation.backward(outs[i + 1], g, g)  # dL/dz
        if type(a) is np.ndarray:
            np.matmul(a.T, g, out=dw)  # not np.dot: 6 % faster on large transposed products
        else:  # scipy.sparse inputs
            dw[...] = a.T @ g
        col_sum(g, out=grads[2 * i + 1])
        if l2:
            dw += l2 * layer.w
        if i:
            g = g.dot(layer.w.T)
    return grads


def value_and_grad(params: N, batch: Batch, *, cost: Cost = softmax_cross_entropy, l2: float = 0.0) -> tuple[Scalar, N]:
    """``(loss, grad)`` from one forward and one backward pass; ``grad`` has the type and structure of
    ``params`` (read-only arrays, zero for non-trained state)."""
    value, grad, _ = value_grad_and_state(params, batch, cost=cost, l2=l2)
    return value, grad


def grad(params: N, batch: Batch, *, cost: Cost = softmax_cross_entropy, l2: float = 0.0) -> N:
    """Gradient of :func:`loss` with respect to every leaf of ``params``: a network of its type and
    structure (read-only arrays; zero for non-trained state such as batch-norm running statistics)."""
    return value_grad_and_state(params, batch, cost=cost, l2=l2)[1]


def loss(
    params: Layer, batch: Batch, *, cost: Cost = softmax_cross_entropy, l2: float = 0.0, training: bool = True
) -> Scalar:
    """Mean ``cost`` over the batch (weighted by ``batch.sample_weight`` if any) plus ``l2/2`` times the
    sum of squared decayed leaves (weights, not biases). A NumPy scalar in the parameters' dtype.

    ``training=True`` (the default) is the loss the steps minimise (dropout on, from ``batch.key``;
    batch norm on batch statistics); ``training=False`` evaluates the network as :func:`forward` does.
    """
    if not isinstance(training, (bool, np.bool_)):
        raise TypeError(f"training: expected a bool, got {type(training).__name__}")
    x, l2 = _check(params, batch, cost, l2)
    stack = _dense_stack(params)
    if stack is not None:
        out = _stack_outputs(stack, x)[-1]
    else:
        out, _ = params.forward(x, Context(training=bool(training), key=batch.key))
        if params.n_out is None:
            check_labels(cost, batch.y, batch.y_range, out.shape[1])
    value: Scalar = evaluate(cost, out, batch.y, batch.sample_weight) + _penalty(params, l2)
    return value


def check_finite(value: float | np.floating[Any], what: str = "loss") -> None:
    """Raise ``FloatingPointError`` when a step's loss (or parameter norm) is NaN or infinite."""
    if not math.isfinite(value):
        raise FloatingPointError(f"{what} is {value}: training diverged (try a smaller learning rate)")


def sgd_step(params: N, batch: Batch, *, lr: float, cost: Cost = softmax_cross_entropy, l2: float = 0.0) -> N:
    """``params - lr * grad``: one step of gradient descent on ``batch`` (and the network's non-trained
    state moved by the batch, for batch norm).

    Raises ``FloatingPointError`` when the loss it computes on the way is not finite (the parameters it
    was given are, or training diverged); :func:`nnfunc.train` also checks the parameters the last
    step returns.
    """
    return descend(params, batch, check_scalar("lr", lr), cost=cost, l2=l2)


def descend(params: N, batch: Batch, lr: float, *, cost: Cost, l2: float) -> N:
    """:func:`sgd_step` for a step size ``lr`` already checked (of either sign: an optimiser that is a pure
    scaling of the gradient by ``-lr``, such as ``nf.sgd``, runs as this fused step)."""
    x, l2 = _check(params, batch, cost, l2)
    stack = _dense_stack(params)
    if stack is not None:
        return _restack(params, _stack_sgd_step(stack, x, batch, cost, lr, l2))
    value, steps, saved = _training_pass(params, x, batch, cost, -lr)  # -lr * the cost's gradients
    check_finite(value)
    updated = params.updated(saved)
    leaves, treedef = flatten(updated)
    step_leaves = _leaves_like(treedef, steps)
    decay = 1 - lr * l2
    new = []
    is_state, is_decayed = _role_flags(treedef, STATE), _role_flags(treedef, DECAY)
    for p, s, stateful, decayed in zip(leaves, step_leaves, is_state, is_decayed, strict=True):
        if stateful:
            new.append(p)  # running statistics: the forward pass moved them, no gradient does
            continue
        step = s + p * decay if l2 and decayed else s + p
        if isinstance(p, np.ndarray) and isinstance(step, np.ndarray) and step.dtype != p.dtype:
            step = step.astype(p.dtype)  # a user's layer may compute in a wider dtype: see _in_dtypes_of
        new.append(_frozen(step))
    result: N = treedef.unflatten(new)
    return result


def _stack_sgd_step(
    stack: tuple[Dense, ...], x: Any, batch: Batch, cost: Cost, lr: float, l2: float
) -> tuple[Dense, ...]:
    outs = _stack_outputs(stack, x)
    value, g = evaluate_with_grad(cost, outs[-1], batch.y, batch.sample_weight, -lr)  # -lr * dL/d(output)
    check_finite(value)  # NaN/inf parameters show in the cost at once
    decay = 1 - lr * l2  # w - lr*(dw + l2*w) == decay*w - lr*dw
    layers = []
    for layer, (dw, db) in zip(stack, _stack_backward(stack, outs, g), strict=True):
        dw += layer.w * decay if l2 else layer.w  # dw and db are ours: add the old values in place
        db += layer.b
        layers.append(_dense(dw, db, layer.activation))
    return tuple(layers)


def _dense(w: Array, b: Array, activation: Activation) -> Dense:
    """``trusted(Dense, ...)`` unrolled for the fast path: arrays nnfunc just made, frozen in place."""
    w.setflags(write=False)
    b.setflags(write=False)
    layer = object.__new__(Dense)
    object.__setattr__(layer, "w", w)
    object.__setattr__(layer, "b", b)
    object.__setattr__(layer, "activation", activation)
    return layer


def l2_mask(params: N) -> N:
    """A tree shaped like ``params`` with ``True`` at the leaves ``l2`` penalises (weights) and ``False``
    elsewhere (biases, normalisation parameters, running statistics): e.g. ``nf.adamw(lr, wd,
    mask=nf.l2_mask)`` decays what ``l2`` would."""
    check_network(params)
    _, treedef = flatten(params)
    mask: N = treedef.unflatten(_decayed(treedef))
    return mask
