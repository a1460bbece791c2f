"""Moved: the loss, gradient and steps of any network live in :mod:`nnfunc.network` (kept as an alias
while modules migrate)."""

from .network import check_finite as check_finite_loss
from .network import grad, loss, sgd_step, value_and_grad

__all__ = ["check_finite_loss", "grad", "loss", "sgd_step", "value_and_grad"]
