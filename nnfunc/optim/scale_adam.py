"""Adam's scaling, with its elementwise arithmetic in cache-sized blocks.

Adam makes about eleven elementwise passes per update. Done leaf by leaf with NumPy
temporaries, a small network pays eleven NumPy calls per leaf (the per-call cost dominates)
and a large one streams every temporary through memory. Here every pass writes into
preallocated outputs, on blocks of at most ``BLOCK`` elements, so the passes over a block
run in cache; a network whose leaves together fit in one block (tabular MLPs) is done as
one block: its leaves are packed into one vector, and the new moments are views of it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._checks import check_number, is_integer
from .base import AdamState, Leaves, Optimizer, Params, Transform, expect_state, state_leaves, zeros_like

BLOCK = 1 << 15
"""Elements per block: seven arrays of this many float64 (g, m, v, new m, new v, update, scratch) fit in L2."""


def _block(g: Any, m: Any, v: Any, m2: Any, v2: Any, u: Any, tmp: Any, c: tuple[float, ...]) -> None:
    """One block: ``m2 = b1 m + (1-b1) g``, ``v2 = b2 v + (1-b2) g**2``, ``u = factor m2 / (sqrt(v2) + eps_t)``."""
    b1, r1, b2, r2, eps_t, factor = c
    np.multiply(g, r1, out=m2)
    np.multiply(m, b1, out=tmp)
    m2 += tmp  # not m + r1 (g - m): in float32 that loses a small g next to a large m
    np.multiply(g, g, out=v2)
    v2 *= r2
    np.multiply(v, b2, out=tmp)
    v2 += tmp
    np.sqrt(v2, out=u)
    u += eps_t
    np.divide(m2, u, out=u)
    u *= factor


def _leaf(g: Any, m: Any, v: Any, c: tuple[float, ...]) -> tuple[Any, Any, Any]:
    """New moments and update of one leaf, in fresh C-ordered arrays, block by block."""
    shape, dtype = np.shape(g), g.dtype
    m2, v2, u = np.empty(shape, dtype), np.empty(shape, dtype), np.empty(shape, dtype)
    gf, mf, vf = g.reshape(-1), m.reshape(-1), v.reshape(-1)
    m2f, v2f, uf = m2.reshape(-1), v2.reshape(-1), u.reshape(-1)
    n = gf.shape[0]
    tmp = np.empty(min(n, BLOCK), dtype)
    for s in range(0, n, BLOCK):
        e = min(s + BLOCK, n)
        _block(gf[s:e], mf[s:e], vf[s:e], m2f[s:e], v2f[s:e], uf[s:e], tmp[: e - s], c)
    return m2, v2, u


def _plan(like: Leaves) -> list[tuple[int, int, tuple[int, ...]]]:
    """``(start, end, shape)`` of each leaf in the packed vector."""
    out, start = [], 0
    for a in like:
        end = start + a.size
        out.append((start, end, a.shape))
        start = end
    return out


def _split(flat: Any, plan: list[tuple[int, int, tuple[int, ...]]], writeable: bool) -> Leaves:
    """Views of ``flat``, one per leaf (read-only unless ``writeable``)."""
    out = [flat[s:e].reshape(shape) for s, e, shape in plan]
    if not writeable:
        for a in out:
            a.flags.writeable = False
    return out


def _packable(u: Leaves) -> bool:
    """Several array leaves of one dtype, few elements in all: one block for the whole network."""
    if len(u) < 2 or type(u[0]) is not np.ndarray:
        return False
    dtype, total = u[0].dtype, 0
    for a in u:
        if type(a) is not np.ndarray or a.dtype != dtype:
            return False
        total += a.size
    return total <= BLOCK


def scale_by_adam(b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> Optimizer[AdamState]:
    """Adam's scaling (Kingma & Ba): ``m = b1 * m + (1 - b1) * u``, ``v = b2 * v + (1 - b2) * u**2``,
    ``u = m_hat / (sqrt(v_hat) + eps)`` with ``m_hat = m / (1 - b1**t)``, ``v_hat = v / (1 - b2**t)``
    and ``t = 1`` at the first update. ``b1``, ``b2`` in ``[0, 1)``, ``eps > 0``."""
    b1 = check_number("b1", b1, high=1.0, open_high=True)
    b2 = check_number("b2", b2, high=1.0, open_high=True)
    eps = check_number("eps", eps, open_low=True)
    # the moments this update made last, packed: a memo (identity-checked, results never depend on it)
    last: list[Any] = [((), None, (), None)]  # one tuple, replaced whole: safe for threads sharing this optimiser

    def init(params: Any) -> AdamState:
        return AdamState(0, zeros_like(params), zeros_like(params))

    def packed(leaves: Leaves, memo: tuple[Any, ...], which: int) -> Any:
        mine, flat = memo[2 * which], memo[2 * which + 1]
        if len(mine) == len(leaves) and all(a is b for a, b in zip(leaves, mine, strict=True)):
            return flat
        return np.concatenate([a.reshape(-1) for a in leaves])

    def flat(u: Leaves, state: AdamState, params: Params, f: float) -> tuple[Leaves, AdamState]:
        expect_state(state, AdamState)
        if not is_integer(state.step) or state.step < 0:
            raise ValueError(f"state: expected a step count >= 0 in AdamState, got {state.step!r}")
        mu = state_leaves("AdamState.mu", state.mu, params)
        nu = state_leaves("AdamState.nu", state.nu, params)
        t = state.step + 1
        c1, root_c2 = 1 - b1**t, math.sqrt(1 - b2**t)
        # m_hat / (sqrt(v_hat) + eps) == (root_c2 / c1) * m / (sqrt(v) + eps * root_c2): one pass fewer
        c = (b1, 1 - b1, b2, 1 - b2, eps * root_c2, f * root_c2 / c1)
        if _packable(u):
            g = np.concatenate([a.reshape(-1) for a in u])
            memo = last[0]
            n, dtype = g.shape[0], g.dtype
            m2, v2, out, tmp = np.empty(n, dtype), np.empty(n, dtype), np.empty(n, dtype), np.empty(n, dtype)
            _block(g, packed(mu, memo, 0), packed(nu, memo, 1), m2, v2, out, tmp, c)
            m2.flags.writeable = v2.flags.writeable = False
            plan = _plan(u)
            new_m, new_v, updates = _split(m2, plan, False), _split(v2, plan, False), _split(out, plan, True)
            last[0] = (tuple(new_m), m2, tuple(new_v), v2)
        else:
            results = [_leaf(np.asarray(a), m, v, c) for a, m, v in zip(u, mu, nu, strict=True)]
            new_m, new_v, updates = [r[0] for r in results], [r[1] for r in results], [r[2] for r in results]
            for a in (*new_m, *new_v):
                a.flags.writeable = False
        unflatten = params.treedef.unflatten
        return updates, AdamState(t, unflatten(new_m), unflatten(new_v))

    return Optimizer(init, Transform(flat))
