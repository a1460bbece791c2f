"""nnfunc: functional, stateless neural networks in pure NumPy.

Parameters are frozen dataclass pytrees; ``forward``, ``loss``, ``grad`` and
``sgd_step`` are pure functions; training is the fold ``train(step_fn, params, batches)``.
"""

from .activations import Activation, identity, leaky_relu, relu, sigmoid, softmax, tanh
from .backprop import grad, loss, sgd_step, value_and_grad
from .batch import Batch
from .costs import (
    Cost,
    binary_cross_entropy,
    cross_entropy,
    mean_squared_error,
    one_hot,
    sigmoid_binary_cross_entropy,
    softmax_cross_entropy,
)
from .data import Batches, batches
from .history import Fit, fit, scan
from .initializers import Initializer, glorot_normal, glorot_uniform, he_normal, lecun_normal, normal
from .io import load, save
from .model import MLP, Dense, accuracy, forward, init_mlp, predict
from .optim import (
    Optimizer,
    OptState,
    adagrad,
    adam,
    adamw,
    add_decayed_weights,
    apply_updates,
    chain,
    momentum,
    optimizer_step,
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
from .schedules import Schedule, constant_schedule, cosine_decay, exponential_decay, inverse_time_decay, step_decay
from .sweeps import sweep
from .training import train
from .tree import static_field, tree_leaves, tree_leaves_with_paths, tree_map

__all__ = [
    "MLP",
    "Activation",
    "Batch",
    "Batches",
    "Cost",
    "Dense",
    "Fit",
    "Initializer",
    "Key",
    "OptState",
    "Optimizer",
    "Schedule",
    "accuracy",
    "adagrad",
    "adam",
    "adamw",
    "add_decayed_weights",
    "apply_updates",
    "batches",
    "binary_cross_entropy",
    "chain",
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
    "identity",
    "init_mlp",
    "inverse_time_decay",
    "leaky_relu",
    "lecun_normal",
    "load",
    "loss",
    "mean_squared_error",
    "momentum",
    "normal",
    "one_hot",
    "optimizer_step",
    "predict",
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
    "softmax",
    "softmax_cross_entropy",
    "split",
    "static_field",
    "step_decay",
    "sweep",
    "tanh",
    "trace",
    "train",
    "tree_leaves",
    "tree_leaves_with_paths",
    "tree_map",
    "value_and_grad",
]
