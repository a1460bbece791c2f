"""Optimisers as pure values: small gradient transformations and their composition (optax's design).

An :class:`Optimizer` is an immutable pair of pure functions, ``init(params) -> state`` and
``update(grads, state, params) -> (updates, state)``; its state is a pytree (NamedTuples of
trees shaped like the parameters and step counts); ``update`` never changes the state it is
given. :func:`apply_updates` adds the updates to the parameters; :func:`nnfunc.optimizer_step`
makes a training step of an optimiser.

- :mod:`.base`: the protocol, the state types, the flat path of nnfunc's own transformations;
- :mod:`.transforms`: the transformations (scalings, momentum, Adam's moments, decay, clipping);
- :mod:`.wrappers`: :func:`chain`, :func:`masked`, :func:`multi_steps`;
- :mod:`.aliases`: :func:`sgd`, :func:`momentum`, :func:`adagrad`, :func:`rmsprop`, :func:`adam`, :func:`adamw`.
"""

from .aliases import adagrad, adam, adamw, momentum, rmsprop, sgd
from .base import (
    AdamState,
    CountState,
    EmptyState,
    InitFn,
    Optimizer,
    OptState,
    RmsState,
    SumOfSquaresState,
    TraceState,
    Transform,
    UpdateFn,
    apply_updates,
)
from .scale_adam import scale_by_adam
from .transforms import (
    add_decayed_weights,
    clip,
    clip_by_global_norm,
    global_norm,
    scale,
    scale_by_learning_rate,
    scale_by_rms,
    scale_by_rss,
    trace,
)
from .wrappers import MaskedState, MultiStepsState, chain, masked, multi_steps

__all__ = [
    "AdamState",
    "CountState",
    "EmptyState",
    "InitFn",
    "MaskedState",
    "MultiStepsState",
    "OptState",
    "Optimizer",
    "RmsState",
    "SumOfSquaresState",
    "TraceState",
    "Transform",
    "UpdateFn",
    "adagrad",
    "adam",
    "adamw",
    "add_decayed_weights",
    "apply_updates",
    "chain",
    "clip",
    "clip_by_global_norm",
    "global_norm",
    "masked",
    "momentum",
    "multi_steps",
    "rmsprop",
    "scale",
    "scale_by_adam",
    "scale_by_learning_rate",
    "scale_by_rms",
    "scale_by_rss",
    "sgd",
    "trace",
]
