"""Tools to test networks, layers, costs and gradients: the ones nnfunc's own suite uses.

- :func:`check_grad` compares an analytic gradient with central finite differences.
- :func:`check_layer` checks a layer's backward pass (its leaves and its input) the same way.
- :mod:`nnfunc.testing.strategies` has hypothesis strategies for keys, layer sizes,
  networks, stacks of layers and batches (it needs ``hypothesis``, from the ``dev`` extra).
"""

from .gradcheck import GradCheck, check_grad
from .layercheck import LayerCheck, check_layer

__all__ = ["GradCheck", "LayerCheck", "check_grad", "check_layer"]
