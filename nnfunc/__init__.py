"""nnfunc: functional, stateless neural networks in pure NumPy.

Parameters are frozen dataclass pytrees; ``forward``, ``loss``, ``grad`` and
``sgd_step`` are pure functions; training is the fold ``train(step_fn, params, batches)``.
"""

from typing import TYPE_CHECKING

from ._lazy import lazy_names
from .activations import Activation, identity, leaky_relu, relu, sigmoid, softmax, tanh
from .batch import Batch
from .costs import (
    Cost,
    binary_cross_entropy,
    cross_entropy,
    huber,
    mean_absolute_error,
    mean_squared_error,
    one_hot,
    sigmoid_binary_cross_entropy,
    smooth_labels,
    softmax_cross_entropy,
)
from .data import Batches, batches
from .initializers import Initializer, glorot_normal, glorot_uniform, he_normal, lecun_normal, normal
from .layers import (
    MLP,
    ActivationLayer,
    Concatenate,
    Context,
    Dense,
    Layer,
    Residual,
    Sequential,
    init_mlp,
    param,
    state,
)
from .network import forward, grad, l2_mask, loss, sgd_step, value_and_grad, value_grad_and_state
from .optim import (
    Optimizer,
    OptState,
    adagrad,
    adam,
    adamw,
    add_decayed_weights,
    apply_updates,
    chain,
    clip,
    clip_by_global_norm,
    masked,
    momentum,
    multi_steps,
    rmsprop,
    scale,
    scale_by_adam,
    scale_by_learning_rate,
    scale_by_rms,
    scale_by_rss,
    sgd,
    trace,
)
from .random import Key, rng, split
from .training import optimizer_step, train
from .tree import TreeDef, static_field, tree_flatten, tree_leaves, tree_leaves_with_paths, tree_map, tree_match

# Loaded on first use (PEP 562), so that `import nnfunc` stays cheap: what a training script does not
# need at import -- files (zipfile, json, ...), sweeps, histories and early stopping, L-BFGS, the summary
# table, predictions, learning-rate schedules, the normalisation and dropout layers. A lazy name never
# matches its module's name: importing a submodule binds it in this package, which would hide a lazy
# attribute of the same name (hence the private _lbfgs, _predict, _summary).
_LAZY = {
    "BatchNorm": ".layers.norm",
    "Dropout": ".layers.dropout",
    "Fit": ".history",
    "LayerNorm": ".layers.norm",
    "LbfgsReport": "._lbfgs",
    "Schedule": ".schedules",
    "accuracy": "._predict",
    "constant_schedule": ".schedules",
    "cosine_decay": ".schedules",
    "exponential_decay": ".schedules",
    "fit": ".history",
    "inverse_time_decay": ".schedules",
    "join_schedules": ".schedules",
    "lbfgs": "._lbfgs",
    "linear_schedule": ".schedules",
    "load": ".io",
    "predict": "._predict",
    "predict_proba": "._predict",
    "save": ".io",
    "scan": ".history",
    "step_decay": ".schedules",
    "summary": "._summary",
    "sweep": ".sweeps",
    "warmup_cosine_decay": ".schedules",
}

if TYPE_CHECKING:
    from ._lbfgs import LbfgsReport, lbfgs
    from ._predict import accuracy, predict, predict_proba
    from ._summary import summary
    from .history import Fit, fit, scan
    from .io import load, save
    from .layers.dropout import Dropout
    from .layers.norm import BatchNorm, LayerNorm
    from .schedules import (
        Schedule,
        constant_schedule,
        cosine_decay,
        exponential_decay,
        inverse_time_decay,
        join_schedules,
        linear_schedule,
        step_decay,
        warmup_cosine_decay,
    )
    from .sweeps import sweep


if not TYPE_CHECKING:  # hidden from mypy, which sees the imports above: a misspelt name stays an error
    __getattr__, __dir__ = lazy_names(__name__, globals(), _LAZY)


__all__ = [
    "MLP",
    "Activation",
    "ActivationLayer",
    "Batch",
    "BatchNorm",
    "Batches",
    "Concatenate",
    "Context",
    "Cost",
    "Dense",
    "Dropout",
    "Fit",
    "Initializer",
    "Key",
    "Layer",
    "LayerNorm",
    "LbfgsReport",
    "OptState",
    "Optimizer",
    "Residual",
    "Schedule",
    "Sequential",
    "TreeDef",
    "accuracy",
    "adagrad",
    "adam",
    "adamw",
    "add_decayed_weights",
    "apply_updates",
    "batches",
    "binary_cross_entropy",
    "chain",
    "clip",
    "clip_by_global_norm",
    "constant_schedule",
    "cosine_decay",
    "cross_entropy",
    "exponential_decay",
    "fit",
    "forward",
    "glorot_normal",
    "glorot_uniform",
    "grad",
    "he_normal",
    "huber",
    "identity",
    "init_mlp",
    "inverse_time_decay",
    "join_schedules",
    "l2_mask",
    "lbfgs",
    "leaky_relu",
    "lecun_normal",
    "linear_schedule",
    "load",
    "loss",
    "masked",
    "mean_absolute_error",
    "mean_squared_error",
    "momentum",
    "multi_steps",
    "normal",
    "one_hot",
    "optimizer_step",
    "param",
    "predict",
    "predict_proba",
    "relu",
    "rmsprop",
    "rng",
    "save",
    "scale",
    "scale_by_adam",
    "scale_by_learning_rate",
    "scale_by_rms",
    "scale_by_rss",
    "scan",
    "sgd",
    "sgd_step",
    "sigmoid",
    "sigmoid_binary_cross_entropy",
    "smooth_labels",
    "softmax",
    "softmax_cross_entropy",
    "split",
    "state",
    "static_field",
    "step_decay",
    "summary",
    "sweep",
    "tanh",
    "trace",
    "train",
    "tree_flatten",
    "tree_leaves",
    "tree_leaves_with_paths",
    "tree_map",
    "tree_match",
    "value_and_grad",
    "value_grad_and_state",
    "warmup_cosine_decay",
]
