"""Packed leaves: arrays that are views of one 1-D vector, back to back in leaf order.

A small network (a tabular MLP) pays NumPy's per-call cost several times per leaf and step.
Packing its leaves into one vector lets elementwise work run once over the whole network:
Adam's passes, and ``params + updates``. A :class:`Packed` list says its leaves are so laid out,
and by which :class:`Plan`; equal layouts share one plan object (:func:`plan_of` is memoised), so
two packed lists with the same plan can be combined vector to vector, with no check per leaf.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any


class Plan:
    """The layout of leaves of ``shapes`` packed back to back: ``size`` elements in all, and ``split``,
    ``flat -> [views of flat, one per leaf]`` (generated once per layout, as straight-line code)."""

    __slots__ = ("shapes", "size", "split")

    def __init__(self, shapes: tuple[tuple[int, ...], ...]) -> None:
        views, start = [], 0
        for shape in shapes:
            stop = start + math.prod(shape)
            views.append(f"f[{start}:{stop}]" + ("" if len(shape) == 1 else f".reshape({shape!r})"))
            start = stop
        self.shapes = shapes
        self.size = start
        # generated from integers alone (offsets and shapes): one slice and at most one reshape per leaf
        self.split: Callable[[Any], list[Any]] = eval(f"lambda f: [{', '.join(views)}]")

    def __repr__(self) -> str:
        return f"Plan({self.shapes!r})"


@functools.lru_cache(maxsize=256)
def plan_of(shapes: tuple[tuple[int, ...], ...]) -> Plan:
    """The layout of leaves of these ``shapes`` packed back to back (memoised: one object per layout)."""
    return Plan(tuple(tuple(int(d) for d in shape) for shape in shapes))


def split(flat: Any, plan: Plan) -> list[Any]:
    """Views of the 1-D ``flat``, one per leaf of ``plan`` (read-only when ``flat`` is: views inherit it)."""
    return plan.split(flat)


class Packed(list[Any]):
    """Leaves that are views of the 1-D vector ``flat`` laid out by ``plan`` (leaf ``i`` is the
    ``i``-th stretch of ``flat`` in its shape). Never changed in place: code that edits a leaf list
    makes a plain ``list`` of it first."""

    __slots__ = ("flat", "plan")

    def __init__(self, flat: Any, plan: Plan, *, read_only: bool = False) -> None:
        """``read_only``: the leaves are read-only views (of a read-only view of ``flat``), while ``flat``
        itself stays writeable for its owner (who then marks it read-only once done writing)."""
        if read_only:
            view = flat.view()
            view.setflags(write=False)
            super().__init__(plan.split(view))
        else:
            super().__init__(plan.split(flat))
        self.flat = flat
        self.plan = plan
