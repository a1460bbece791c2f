"""Tools to test networks, costs and gradients: the ones nnfunc's own suite uses.

- :func:`check_grad` compares an analytic gradient with central finite differences.
- :mod:`nnfunc.testing.strategies` has hypothesis strategies for keys, layer sizes,
  networks and batches (it needs ``hypothesis``, from the ``dev`` extra).
"""

from .gradcheck import GradCheck, check_grad

__all__ = ["GradCheck", "check_grad"]
