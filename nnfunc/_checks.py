"""Argument checks shared by every module: a clear ``TypeError``/``ValueError`` naming the argument.

One rule everywhere in nnfunc:

- a value of the wrong *kind* raises ``TypeError`` (a string where a number goes, a float where an
  integer goes, a list where a ``Batch`` goes, a masked array, string labels);
- a value of the right kind but a wrong *value* raises ``ValueError`` (a negative count, a shape
  that does not fit, NaN, a label out of range).

Messages read ``"<arg>: expected ..., got ..."`` and name the argument. Each check runs once,
where a value enters (a constructor, a function's boundary), never per element or in a hot loop.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray


def all_finite(a: NDArray[Any]) -> bool:
    """Whether every element of the numeric array ``a`` is finite (no NaN, no inf).

    One reduction first: a NaN or inf anywhere makes the sum non-finite; only when the
    sum overflows do we pay for the element-wise check.
    """
    if a.dtype.kind in "biu":
        return True
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.sum(a)):
            return True
    return bool(np.isfinite(a).all())


def is_integer(value: object) -> bool:
    """A Python or NumPy integer, not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_flag(name: str, value: object) -> bool:
    """``value`` as a bool: ``True`` or ``False`` (NumPy's too), nothing else."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, got {type(value).__name__} {value!r}")
    return bool(value)


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
