"""Adam's scaling, with its elementwise arithmetic in cache-sized blocks.

Adam makes about eleven elementwise passes per update. Done leaf by leaf with NumPy
temporaries, a small network pays eleven NumPy calls per leaf (the per-call cost dominates)
and a large one streams every temporary through memory. Here every pass writes into
preallocated outputs, on blocks of at most ``BLOCK_BYTES`` per array, so the passes over a block
run in cache; a network whose leaves together fit in one block (tabular MLPs) is done as
one block: its leaves are packed into one vector, and the new moments are views of it.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from .._checks import check_number, is_integer
from .._packed import Packed, Plan, plan_of, split
from .base import (
    AdamState,
    Leaves,
    Optimizer,
    Params,
    Sums,
    Transform,
    expect_state,
    freeze,
    state_leaves,
    zeros_like,
)

BLOCK_BYTES = 1 << 20
"""Bytes per array in a block (131 072 float64 or 262 144 float32). Measured in a training loop on the
benchmark machine (``benchmarks/large.py``'s network, where the forward and backward passes share the
cache): 1 MiB beat 64, 256 and 512 KiB and whole 1.6 MB leaves; smaller blocks pay NumPy's per-call
cost more often, larger ones spill."""


def _block(g: Any, m: Any, v: Any, m2: Any, v2: Any, u: Any, c: tuple[float, ...]) -> None:
    """One block: ``m2 = b1 m + (1-b1) g``, ``v2 = b2 v + (1-b2) g**2``, ``u = factor m2 / (sqrt(v2) + eps_t)``
    (``u`` serves as scratch until it is computed, and may be ``g`` itself: ``g`` is read first)."""
    b1, r1, b2, r2, eps_t, factor = c
    np.multiply(g, r1, out=m2)
    np.multiply(g, g, out=v2)
    np.multiply(m, b1, out=u)
    m2 += u  # not m + r1 (g - m): in float32 that loses a small g next to a large m
    v2 *= r2
    np.multiply(v, b2, out=u)
    v2 += u
    np.sqrt(v2, out=u)
    u += eps_t
    np.divide(m2, u, out=u)
    u *= factor


def _leaf(g: Any, m: Any, v: Any, c: tuple[float, ...], p: Any = None, out: Any = None) -> tuple[Any, Any, Any]:
    """New moments and update of one leaf, block by block, in fresh C-ordered arrays (the update into
    ``out`` when given: ``g`` itself, when it is scratch); with ``p`` (the parameter leaf, of ``g``'s
    dtype), ``p + update`` instead of the update, added while the block is in cache."""
    shape, dtype = np.shape(g), g.dtype
    m2, v2 = np.empty(shape, dtype), np.empty(shape, dtype)
    u = np.empty(shape, dtype) if out is None else out
    gf, mf, vf = g.reshape(-1), m.reshape(-1), v.reshape(-1)
    m2f, v2f, uf = m2.reshape(-1), v2.reshape(-1), u.reshape(-1)
    pf = None if p is None else p.reshape(-1)
    n, block = gf.shape[0], BLOCK_BYTES // dtype.itemsize
    for s in range(0, n, block):
        e = min(s + block, n)
        _block(gf[s:e], mf[s:e], vf[s:e], m2f[s:e], v2f[s:e], uf[s:e], c)
        if pf is not None:
            uf[s:e] += pf[s:e]
    return m2, v2, u


def _writable(a: Any) -> bool:
    """Whether ``a`` is an array that can be written in place through ``a.reshape(-1)``."""
    return type(a) is np.ndarray and a.flags.writeable and a.flags.c_contiguous


class _Made(NamedTuple):
    """What a packed update made: its moment trees, their packed vectors, the parameters' structure and
    the leaves' layout."""

    mu: Any
    m: Any
    nu: Any
    v: Any
    treedef: Any
    plan: Plan


def _pack(leaves: Leaves) -> Any:
    """The leaves, flattened and concatenated into one fresh vector."""
    return np.concatenate([a.reshape(-1) for a in leaves])


def _fits(u: Leaves, plan: Plan) -> bool:
    """Whether ``u`` are arrays of the shapes ``plan`` packs."""
    return len(u) == len(plan.shapes) and all(
        type(a) is np.ndarray and a.shape == shape for a, shape in zip(u, plan.shapes, strict=True)
    )


def _by_leaf(
    u: Leaves, mu: Leaves, nu: Leaves, c: tuple[float, ...], params: Params, t: int
) -> tuple[Leaves, AdamState]:
    """The update leaf by leaf (large networks, mixed dtypes), each leaf in cache-sized blocks; the sums
    ``params + updates`` (:class:`Sums`) when ``params.add`` and every update leaf has its parameter's
    dtype."""
    gs = [np.asarray(a) for a in u]
    add = params.add and all(
        type(p) is np.ndarray and p.dtype == g.dtype for p, g in zip(params.leaves, gs, strict=True)
    )
    ps = params.leaves if add else [None] * len(gs)
    outs = [g if params.scratch and _writable(g) else None for g in gs]
    results = [_leaf(g, m, v, c, p, o) for g, m, v, p, o in zip(gs, mu, nu, ps, outs, strict=True)]
    new_m, new_v = [r[0] for r in results], [r[1] for r in results]
    for a in (*new_m, *new_v):
        a.setflags(write=False)
    unflatten = params.treedef.unflatten
    state = AdamState(t, unflatten(new_m), unflatten(new_v))
    if add:
        return Sums(freeze([r[2] for r in results])), state
    return [r[2] for r in results], state


def _packable(u: Leaves) -> bool:
    """Several array leaves of one dtype, few elements in all: one block for the whole network."""
    if len(u) < 2 or type(u[0]) is not np.ndarray:
        return False
    dtype, total = u[0].dtype, 0
    for a in u:
        if type(a) is not np.ndarray or a.dtype != dtype:
            return False
        total += a.size
    return bool(total * dtype.itemsize <= BLOCK_BYTES)


def scale_by_adam(b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> Optimizer[AdamState]:
    """Adam's scaling (Kingma & Ba): ``m = b1 * m + (1 - b1) * u``, ``v = b2 * v + (1 - b2) * u**2``,
    ``u = m_hat / (sqrt(v_hat) + eps)`` with ``m_hat = m / (1 - b1**t)``, ``v_hat = v / (1 - b2**t)``
    and ``t = 1`` at the first update. ``b1``, ``b2`` in ``[0, 1)``, ``eps > 0``."""
    b1 = check_number("b1", b1, high=1.0, open_high=True)
    b2 = check_number("b2", b2, high=1.0, open_high=True)
    eps = check_number("eps", eps, open_low=True)
    # what this update made last (moments packed): a memo, identity-checked, results never depend on it
    last: list[_Made | None] = [None]  # one value, replaced whole: safe for threads sharing this optimiser

    def init(params: Any) -> AdamState:
        return AdamState(0, zeros_like(params), zeros_like(params))

    def flat(u: Leaves, state: AdamState, params: Params, f: float) -> tuple[Leaves, AdamState]:
        expect_state(state, AdamState)
        step = state.step
        if (type(step) is not int and not is_integer(step)) or step < 0:
            raise ValueError(f"state: expected a step count >= 0 in AdamState, got {step!r}")
        t = step + 1
        c1, root_c2 = 1 - b1**t, math.sqrt(1 - b2**t)
        # m_hat / (sqrt(v_hat) + eps) == (root_c2 / c1) * m / (sqrt(v) + eps * root_c2): one pass fewer
        c = (b1, 1 - b1, b2, 1 - b2, eps * root_c2, f * root_c2 / c1)
        made = last[0]
        if (
            made is not None
            and state.mu is made.mu
            and state.nu is made.nu
            and made.treedef is params.treedef
            and ((type(u) is Packed and u.plan is made.plan) or _fits(u, made.plan))
        ):
            m, v, plan = made.m, made.v, made.plan  # moments this update made (checked then) for leaves like u
        else:
            mu = state_leaves("AdamState.mu", state.mu, params)
            nu = state_leaves("AdamState.nu", state.nu, params)
            if not _packable(u):
                return _by_leaf(u, mu, nu, c, params, t)
            m, v, plan = _pack(mu), _pack(nu), plan_of(tuple(a.shape for a in u))
        if type(u) is Packed and u.plan is plan:
            g = u.flat
            out = g if params.scratch and g.flags.writeable else np.empty_like(g)
        else:
            g = out = _pack(u)  # a fresh vector: scratch
        n, dtype = g.shape[0], g.dtype
        if dtype != m.dtype:
            raise ValueError(f"updates: expected {m.dtype} leaves like the parameters, got {dtype}")
        m2, v2 = np.empty(n, dtype), np.empty(n, dtype)
        _block(g, m, v, m2, v2, out, c)
        m2.setflags(write=False)
        v2.setflags(write=False)
        unflatten = params.treedef.unflatten
        new = AdamState(t, unflatten(split(m2, plan)), unflatten(split(v2, plan)))
        last[0] = _Made(new.mu, m2, new.nu, v2, params.treedef, plan)
        return Packed(out, plan, read_only=True), new  # out: written once more, by params + updates

    return Optimizer(init, Transform(flat, scratch=True))
