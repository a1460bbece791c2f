"""Full-batch L-BFGS: scikit-learn's solver for small data sets, as one pure function.

The parameters are flattened into one float64 vector and handed to
``scipy.optimize.minimize(method="L-BFGS-B", jac=True)`` with
:func:`nnfunc.value_and_grad` as the objective; scipy is imported only when
:func:`lbfgs` is called.
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from ._checks import check_count, check_number, check_scalar
from .batch import Batch
from .costs import Cost, softmax_cross_entropy
from .layers.base import Layer
from .network import check_network, state_indices, value_and_grad
from .tree import tree_flatten

N = TypeVar("N", bound=Layer)


@dataclass(frozen=True)
class LbfgsReport:
    """What :func:`lbfgs` did: ``iterations`` (L-BFGS steps), ``evaluations`` (loss-and-gradient calls),
    the final ``loss``, ``grad_norm`` (the largest absolute gradient entry there), ``converged``
    (``grad_norm <= tol``) and scipy's ``message``."""

    iterations: int
    evaluations: int
    loss: float
    grad_norm: float
    converged: bool
    message: str


def lbfgs(
    params: N,
    batch: Batch,
    *,
    cost: Cost = softmax_cross_entropy,
    l2: float = 0.0,
    max_iter: int = 15_000,
    tol: float = 1e-5,
) -> tuple[N, LbfgsReport]:
    """Train ``params`` on all of ``batch`` by L-BFGS; ``(trained params, report)``.

    Minimises :func:`nnfunc.loss` (``cost`` plus ``l2/2 * sum(w**2)``) until the largest
    absolute gradient entry is at most ``tol`` (``converged``), or ``max_iter`` iterations,
    or no step lowers the loss further. The arithmetic of the search runs in float64; the
    network keeps its dtype. ``params`` is not changed. A network with non-trained state (``BatchNorm``'s
    running statistics) is refused: the search would never move it.

        >>> from sklearn.datasets import make_moons
        >>> x, y = make_moons(200, noise=0.2, random_state=0)
        >>> params, report = nf.lbfgs(nf.init_mlp(nf.Key(0), (2, 3, 2)), nf.Batch(x, y), l2=5e-5)
        >>> report.converged, round(nf.accuracy(params, x, y), 3)
        (True, 0.975)
    """
    check_network(params)
    if not isinstance(batch, Batch):
        raise TypeError(f"batch: expected nf.Batch(x, y) (all the data: L-BFGS is full-batch), got {batch!r}")
    if not isinstance(cost, Cost):
        raise TypeError(f"cost: expected an nf cost such as nf.softmax_cross_entropy, got {cost!r}")
    l2 = check_scalar("l2", l2)
    max_iter = check_count("max_iter", max_iter)
    tol = check_number("tol", tol, open_low=True)
    optimize: Any = importlib.import_module("scipy.optimize")
    leaves, treedef = tree_flatten(params)
    for path, leaf in zip(treedef.paths, leaves, strict=True):
        if not (isinstance(leaf, np.ndarray) and leaf.dtype.kind == "f"):
            raise TypeError(f"params: expected float arrays as leaves, got {type(leaf).__name__} at {path}")
    frozen = state_indices(treedef)
    if frozen:
        raise ValueError(
            f"params: L-BFGS minimises over the trained parameters only and would leave the non-trained state "
            f"at {treedef.paths[frozen[0]]} (batch-norm running statistics) where it is; train this network with "
            "nf.optimizer_step, or use nf.LayerNorm, which has no running statistics"
        )
    shapes = [leaf.shape for leaf in leaves]
    dtypes = [leaf.dtype for leaf in leaves]
    bounds = np.cumsum([0, *(leaf.size for leaf in leaves)])

    def unpack(x: Any) -> N:
        new = []
        for i, (shape, dtype) in enumerate(zip(shapes, dtypes, strict=True)):
            a = np.array(x[bounds[i] : bounds[i + 1]], dtype=dtype).reshape(shape)  # a copy: scipy reuses x
            a.flags.writeable = False
            new.append(a)
        out: N = treedef.unflatten(new)
        return out

    def objective(x: Any) -> tuple[float, Any]:
        value, grads = value_and_grad(unpack(x), batch, cost=cost, l2=l2)
        g = np.concatenate([np.ravel(a) for a in tree_flatten(grads)[0]]).astype(np.float64)
        return float(value), g

    x0 = np.concatenate([np.ravel(leaf) for leaf in leaves]).astype(np.float64)
    result = optimize.minimize(
        objective,
        x0,
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": max_iter, "maxfun": 10 * max_iter + 100, "gtol": tol, "ftol": 0.0},
    )
    trained = unpack(result.x)
    loss, grad = objective(result.x)
    grad_norm = float(np.max(np.abs(grad))) if grad.size else 0.0
    if not math.isfinite(loss):
        raise FloatingPointError(f"loss is {loss}: L-BFGS diverged")
    report = LbfgsReport(
        iterations=int(result.nit),
        evaluations=int(result.nfev),
        loss=loss,
        grad_norm=grad_norm,
        converged=grad_norm <= tol,
        message=str(result.message),
    )
    return trained, report
