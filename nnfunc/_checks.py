"""Argument checks shared by every module: a clear ``TypeError``/``ValueError`` naming the argument.

Each check runs once, where a value enters (a constructor, a function's boundary),
never per element or in a hot loop.
"""

from __future__ import annotations

import math

import numpy as np


def is_integer(value: object) -> bool:
    """A Python or NumPy integer, not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_scalar(name: str, value: object, *, low: float = 0.0) -> float:
    """``value`` as a float: a real number, finite and ``>= low``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: expected a real number, got {type(value).__name__}")
    v = float(value)
    if not (math.isfinite(v) and v >= low):
        raise ValueError(f"{name}: expected a finite number >= {low}, got {v}")
    return v


def check_number(
    name: str,
    value: object,
    *,
    low: float = 0.0,
    high: float = math.inf,
    open_low: bool = False,
    open_high: bool = False,
) -> float:
    """``value`` as a float in ``[low, high]``, an end excluded when ``open_low``/``open_high``."""
    v = check_scalar(name, value, low=low)
    if (open_low and v == low) or v > high or (open_high and v == high):
        interval = f"{'(' if open_low else '['}{low}, {high}{')' if open_high else ']'}"
        raise ValueError(f"{name}: expected a finite number in {interval}, got {v}")
    return v


def check_count(name: str, value: object, *, low: int = 1) -> int:
    """``value`` as an ``int >= low``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an integer, got {type(value).__name__}")
    count = int(value)
    if count < low:
        raise ValueError(f"{name}: expected an integer >= {low}, got {count}")
    return count
