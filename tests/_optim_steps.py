"""A helper the optimiser tests share (a module pytest does not collect: no ``test_`` prefix)."""

from __future__ import annotations

from typing import Any

import nnfunc as nf

Tree = dict[str, Any]


def run_updates(opt: nf.Optimizer[Any], params: Tree, grads: list[Tree]) -> list[Tree]:
    """The updates ``opt`` makes at each step for these gradients, the parameters moving by them."""
    state, out = opt.init(params), []
    for g in grads:
        u, state = opt.update(g, state, params)
        out.append(u)
        params = nf.apply_updates(params, u)
    return out
