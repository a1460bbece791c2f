"""``summary(params)``: a network as a table, one row per layer, without printing arrays."""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import numpy as np

from .layers.base import STATE, Layer
from .network import check_network


def _rows(layer: Layer, path: str) -> list[tuple[str, Layer]]:
    """``(path, layer)`` for every layer that holds no other layer, in order."""
    children: list[tuple[str, Layer]] = []
    for f in dataclasses.fields(cast(Any, layer)):
        value = getattr(layer, f.name)
        if isinstance(value, Layer):
            children.append((f".{f.name}", value))
        elif isinstance(value, (tuple, list)):
            children.extend((f".{f.name}[{i}]", v) for i, v in enumerate(value) if isinstance(v, Layer))
    if not children:
        return [(path or "<root>", layer)]
    return [row for step, child in children for row in _rows(child, path + step)]


def _arrays(layer: Layer) -> list[tuple[str, np.ndarray[Any, Any], bool]]:
    """``(field, array, is_state)`` for the layer's own array fields."""
    out = []
    for f in dataclasses.fields(cast(Any, layer)):
        value = getattr(layer, f.name)
        if isinstance(value, np.ndarray):
            out.append((f.name, value, bool(f.metadata.get(STATE, False))))
    return out


def summary(params: Layer) -> str:
    """One row per layer -- path, kind, shapes of its arrays, trained parameter count, dtype, activation
    -- and the totals, as text.

    >>> import nnfunc as nf
    >>> print(nf.summary(nf.init_mlp(nf.Key(0), (2, 3, 1))))  # doctest: +NORMALIZE_WHITESPACE
    path        kind   shapes             params  dtype    activation
    .layers[0]  Dense  w (2, 3), b (3,)        9  float64  tanh
    .layers[1]  Dense  w (3, 1), b (1,)        4  float64  identity
    total: 13 trained parameters
    """
    params = check_network(params)
    table = [("path", "kind", "shapes", "params", "dtype", "activation")]
    trained = state = 0
    for path, layer in _rows(params, ""):
        arrays = _arrays(layer)
        count = sum(a.size for _, a, is_state in arrays if not is_state)
        trained += count
        state += sum(a.size for _, a, is_state in arrays if is_state)
        dtypes = sorted({str(a.dtype) for _, a, _ in arrays})
        act = layer.output_activation
        table.append(
            (
                path,
                type(layer).__name__,
                ", ".join(f"{name} {a.shape}" for name, a, _ in arrays) or "-",
                str(count),
                "/".join(dtypes) or "-",
                act.name if act is not None else "-",
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = [
        "  ".join(
            cell.rjust(w) if i == 3 else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in table
    ]
    total = f"total: {trained} trained parameters"
    if state:
        total += f", {state} non-trained (running statistics)"
    return "\n".join([*lines, total])
