"""The usual optimisers, each a :func:`~nnfunc.chain` of small transformations (optax's formulas)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._checks import check_number
from .base import Optimizer, OptState
from .scale_adam import scale_by_adam
from .transforms import add_decayed_weights, scale_by_learning_rate, scale_by_rms, scale_by_rss, trace
from .wrappers import Mask, chain, masked

if TYPE_CHECKING:  # annotations only: the schedules module loads on first use
    from ..schedules import Schedule


def sgd(lr: float | Schedule) -> Optimizer[OptState]:
    """Stochastic gradient descent: ``u = -lr_t * g``."""
    return chain(scale_by_learning_rate(lr))


def momentum(lr: float | Schedule, beta: float = 0.9, nesterov: bool = False) -> Optimizer[OptState]:
    """Heavy-ball momentum: ``v = beta * v + g``, ``u = -lr_t * v``; with ``nesterov``,
    ``u = -lr_t * (g + beta * v)``. ``beta`` in ``[0, 1]``; ``beta = 0`` is :func:`sgd`."""
    beta = check_number("beta", beta, high=1.0)
    return chain(trace(beta, nesterov), scale_by_learning_rate(lr))


def adagrad(lr: float | Schedule, eps: float = 1e-8) -> Optimizer[OptState]:
    """Adagrad: ``s = s + g**2``, ``u = -lr_t * g / (sqrt(s) + eps)``, ``s`` from zero; ``eps > 0``."""
    return chain(scale_by_rss(eps), scale_by_learning_rate(lr))


def rmsprop(lr: float | Schedule, decay: float = 0.9, eps: float = 1e-8) -> Optimizer[OptState]:
    """RMSprop: ``s = decay * s + (1 - decay) * g**2``, ``u = -lr_t * g / (sqrt(s) + eps)``;
    ``decay`` in ``[0, 1)``, ``eps > 0``."""
    return chain(scale_by_rms(decay, eps), scale_by_learning_rate(lr))


def adam(lr: float | Schedule, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> Optimizer[OptState]:
    """Adam: ``u = -lr_t * m_hat / (sqrt(v_hat) + eps)`` with bias-corrected moments (see :func:`scale_by_adam`).

    opt = nf.adam(1e-3)
    params, state = nf.train(nf.optimizer_step(opt), (params, opt.init(params)), batches)
    """
    return chain(scale_by_adam(b1, b2, eps), scale_by_learning_rate(lr))


def adamw(
    lr: float | Schedule,
    weight_decay: float = 1e-2,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    *,
    mask: Mask | None = None,
) -> Optimizer[OptState]:
    """AdamW (Loshchilov & Hutter): Adam's update plus ``-lr_t * weight_decay * param``.

    Without ``mask`` every parameter decays, biases included, unlike ``l2``, which never
    touches biases. ``mask`` (see :func:`masked`) restricts the decay, e.g. to the weights
    ``l2`` penalises::

        opt = nf.adamw(1e-3, weight_decay=1e-2, mask=nf.l2_mask)
    """
    decay = add_decayed_weights(weight_decay)
    return chain(
        scale_by_adam(b1, b2, eps),
        decay if mask is None else masked(decay, mask),
        scale_by_learning_rate(lr),
    )
