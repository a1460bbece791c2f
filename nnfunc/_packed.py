"""Packed leaves: arrays that are views of one 1-D vector, back to back in leaf order.

A small network (a tabular MLP) pays NumPy's per-call cost several times per leaf and step.
Packing its leaves into one vector lets elementwise work run once over the whole network:
Adam's passes, and ``params + updates``. A :class:`Packed` list says its leaves are so laid out,
and by which :data:`Plan`; equal layouts share one plan object (:func:`plan_of` is memoised), so
two packed lists with the same plan can be combined vector to vector, with no check per leaf.
"""

from __future__ import annotations

import functools
from typing import Any, TypeAlias

Plan: TypeAlias = tuple[tuple[int, int, tuple[int, ...]], ...]
"""``(start, end, shape)`` of each leaf in the packed vector, in leaf order."""


@functools.lru_cache(maxsize=256)
def plan_of(shapes: tuple[tuple[int, ...], ...]) -> Plan:
    """The layout of leaves of these ``shapes`` packed back to back (memoised: one object per layout)."""
    out, start = [], 0
    for shape in shapes:
        size = 1
        for d in shape:
            size *= d
        out.append((start, start + size, shape))
        start += size
    return tuple(out)


def split(flat: Any, plan: Plan) -> list[Any]:
    """Views of the 1-D ``flat``, one per leaf of ``plan`` (read-only when ``flat`` is: views inherit it)."""
    return [flat[s:e] if len(shape) == 1 else flat[s:e].reshape(shape) for s, e, shape in plan]


class Packed(list[Any]):
    """Leaves that are views of the 1-D vector ``flat`` laid out by ``plan`` (leaf ``i`` is
    ``flat[start_i:end_i]`` in its shape). Never changed in place: code that edits a leaf list
    makes a plain ``list`` of it first."""

    __slots__ = ("flat", "plan")

    def __init__(self, flat: Any, plan: Plan, *, read_only: bool = False) -> None:
        """``read_only``: the leaves are read-only views (of a read-only view of ``flat``), while ``flat``
        itself stays writeable for its owner (who then marks it read-only once done writing)."""
        if read_only:
            view = flat.view()
            view.flags.writeable = False
            super().__init__(split(view, plan))
        else:
            super().__init__(split(flat, plan))
        self.flat = flat
        self.plan = plan
