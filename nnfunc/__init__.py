"""nnfunc: functional, stateless neural networks in pure NumPy.

Parameters are frozen dataclass pytrees; ``forward``, ``loss``, ``grad`` and
``sgd_step`` are pure functions; training is the fold ``train(step_fn, params, batches)``.
"""

from .activations import Activation, identity, leaky_relu, relu, sigmoid, softmax, tanh
from .backprop import grad, loss, sgd_step, value_and_grad
from .batch import Batch, one_hot
from .costs import (
    Cost,
    binary_cross_entropy,
    cross_entropy,
    mean_squared_error,
    sigmoid_binary_cross_entropy,
    softmax_cross_entropy,
)
from .data import Batches, batches
from .initializers import Initializer, glorot_normal, glorot_uniform, he_normal, lecun_normal, normal
from .model import MLP, Dense, accuracy, forward, init_mlp, predict
from .random import Key, rng, split
from .training import train
from .tree import static_field, tree_leaves, tree_leaves_with_paths, tree_map

__all__ = [
    "MLP",
    "Activation",
    "Batch",
    "Batches",
    "Cost",
    "Dense",
    "Initializer",
    "Key",
    "accuracy",
    "batches",
    "binary_cross_entropy",
    "cross_entropy",
    "forward",
    "glorot_normal",
    "glorot_uniform",
    "grad",
    "he_normal",
    "identity",
    "init_mlp",
    "leaky_relu",
    "lecun_normal",
    "loss",
    "mean_squared_error",
    "normal",
    "one_hot",
    "predict",
    "relu",
    "rng",
    "sgd_step",
    "sigmoid",
    "sigmoid_binary_cross_entropy",
    "softmax",
    "softmax_cross_entropy",
    "split",
    "static_field",
    "tanh",
    "train",
    "tree_leaves",
    "tree_leaves_with_paths",
    "tree_map",
    "value_and_grad",
]
