"""Finite-difference gradient checks over any pytree of float arrays."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from .._checks import check_count
from ..random import Key, rng
from ..tree import tree_leaves, tree_leaves_with_paths, tree_map

P = TypeVar("P")


@dataclass(frozen=True)
class GradCheck:
    """The worst entry of a gradient check.

    ``max_rel_error`` is ``|analytic - numeric| / max(|analytic|, |numeric|, floor)``
    at ``where`` (a leaf path and index, e.g. ``.layers[0].w[1, 2]``); ``checked``
    counts the entries compared.
    """

    max_rel_error: float
    where: str
    analytic: float
    numeric: float
    checked: int

    def __str__(self) -> str:
        return (
            f"max relative error {self.max_rel_error:.3g} at {self.where} "
            f"(analytic {self.analytic:.10g}, numeric {self.numeric:.10g}; {self.checked} entries checked)"
        )


def _with_leaf(tree: P, index: int, new: Any) -> P:
    """``tree`` with its ``index``-th leaf (in ``tree_leaves`` order) replaced by ``new``."""
    counter = itertools.count()
    return tree_map(lambda leaf: new if next(counter) == index else leaf, tree)


def check_grad(
    f: Callable[[P], Any],
    params: P,
    grad_f: Callable[[P], P],
    *,
    eps: float = 1e-4,
    floor: float = 1e-4,
    max_entries_per_leaf: int | None = None,
    key: Key | None = None,
    exclude: Collection[str] = (),
) -> GradCheck:
    """Compare ``grad_f(params)`` with fourth-order central differences, entry by entry:
    ``(f(p - 2e) - 8 f(p - e) + 8 f(p + e) - f(p + 2e)) / (12 e)`` with ``e = eps``.

    Their error is O(eps**4) plus rounding O(1e-16 / eps): about 1e-12 in float64,
    so a relative error of 1e-6 is resolved for entries down to ``floor``; below it
    the error is measured against ``floor`` (absolute error / floor).
    Near a kink (relu at 0) finite differences are meaningless: keep pre-activations
    further than ``2 eps * |x|`` from it.

    ``f`` maps parameters to a scalar; ``grad_f`` maps them to a tree of the same
    structure. Every array entry is checked, or at most ``max_entries_per_leaf``
    per leaf chosen by ``key``; leaves whose paths are in ``exclude`` are skipped. Use float64
    parameters: in float32, finite differences themselves are only good to about 1e-3.
    """
    try:  # the gradient's leaves in the parameters' order, whatever the order of its dicts
        analytic = tree_leaves(tree_map(lambda _, g: g, params, grad_f(params)))
    except ValueError as e:
        raise ValueError(f"grad_f: returned a tree unlike params: {e}") from None
    leaves = tree_leaves_with_paths(params)
    if max_entries_per_leaf is not None:
        max_entries_per_leaf = check_count("max_entries_per_leaf", max_entries_per_leaf)
    gen = rng(key if key is not None else Key(0))
    worst = GradCheck(0.0, "<none>", 0.0, 0.0, 0)
    checked = 0
    for j, ((path, leaf), g) in enumerate(zip(leaves, analytic, strict=True)):
        if path in exclude:
            continue
        leaf = np.asarray(leaf)
        g = np.asarray(g)
        if g.shape != leaf.shape:
            raise ValueError(f"grad_f: gradient at {path} has shape {g.shape}, parameters {leaf.shape}")
        indices = list(np.ndindex(leaf.shape))
        if max_entries_per_leaf is not None and len(indices) > max_entries_per_leaf:
            chosen = gen.choice(len(indices), size=max_entries_per_leaf, replace=False)
            indices = [indices[i] for i in sorted(chosen)]
        for idx in indices:
            at = {}
            for step in (-2, -1, 1, 2):
                moved = leaf.copy()
                moved[idx] += step * eps
                at[step] = float(f(_with_leaf(params, j, moved)))
            numeric = (at[-2] - 8 * at[-1] + 8 * at[1] - at[2]) / (12 * eps)
            exact = float(g[idx])
            err = abs(exact - numeric) / max(abs(exact), abs(numeric), floor)
            checked += 1
            if not math.isfinite(err) or err > worst.max_rel_error or worst.where == "<none>":
                worst = GradCheck(err, f"{path}[{', '.join(map(str, idx))}]", exact, numeric, 0)
            if not math.isfinite(err):
                break
    if checked == 0:
        raise ValueError("params: has no array entries to check")
    return GradCheck(worst.max_rel_error, worst.where, worst.analytic, worst.numeric, checked)
