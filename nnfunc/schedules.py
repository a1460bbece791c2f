"""Learning-rate schedules: plain functions ``step -> rate``.

A schedule is any callable taking the update count ``t`` (0 for the first update)
and returning a learning rate; every optimiser accepts one wherever it accepts a
number. The ones here are frozen dataclasses, so they print their arguments and
compare equal when built from equal arguments. Arguments are checked when the
schedule is made.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from ._checks import check_count, check_number, check_scalar

Schedule: TypeAlias = Callable[[int], float]
"""``t -> learning rate`` for the ``t``-th update, ``t = 0, 1, 2, ...``."""


def _power(base: float, exponent: float) -> float:
    """``base ** exponent``, ``inf`` where a growing schedule overflows (callers then refuse the rate)."""
    try:
        return float(base**exponent)
    except OverflowError:
        return math.inf


def _check_step(t: int) -> None:
    if t < 0:
        raise ValueError(f"t: expected a step count >= 0, got {t}")


@dataclass(frozen=True)
class ConstantSchedule:
    """``value`` at every step."""

    value: float

    def __call__(self, t: int) -> float:
        """The rate for update ``t``."""
        _check_step(t)
        return self.value


@dataclass(frozen=True)
class ExponentialDecay:
    """``init * rate ** (t / steps)``: the rate is multiplied by ``rate`` every ``steps`` updates, smoothly."""

    init: float
    rate: float
    steps: float

    def __call__(self, t: int) -> float:
        """The rate for update ``t`` (``inf`` if a growing schedule overflows)."""
        _check_step(t)
        return self.init * _power(self.rate, t / self.steps)


@dataclass(frozen=True)
class InverseTimeDecay:
    """``init / (1 + rate * t / steps)``."""

    init: float
    rate: float
    steps: float

    def __call__(self, t: int) -> float:
        """The rate for update ``t``."""
        _check_step(t)
        return self.init / (1 + self.rate * t / self.steps)


@dataclass(frozen=True)
class StepDecay:
    """``init * factor ** (t // every)``: the rate is multiplied by ``factor`` after every ``every`` updates."""

    init: float
    factor: float
    every: int

    def __call__(self, t: int) -> float:
        """The rate for update ``t``."""
        _check_step(t)
        return self.init * _power(self.factor, t // self.every)


@dataclass(frozen=True)
class CosineDecay:
    """``final + (init - final) * (1 + cos(pi * min(t, total_steps) / total_steps)) / 2``:
    from ``init`` at ``t = 0`` down to ``final`` at ``t = total_steps``, then ``final``."""

    init: float
    total_steps: int
    final: float

    def __call__(self, t: int) -> float:
        """The rate for update ``t``."""
        _check_step(t)
        progress = min(t, self.total_steps) / self.total_steps
        return self.final + (self.init - self.final) * 0.5 * (1 + math.cos(math.pi * progress))


def constant_schedule(value: float) -> ConstantSchedule:
    """``t -> value``; ``value`` finite and ``>= 0``."""
    return ConstantSchedule(check_scalar("value", value))


def exponential_decay(init: float, rate: float, steps: float) -> ExponentialDecay:
    """``t -> init * rate ** (t / steps)``; ``init >= 0``, ``rate > 0``, ``steps > 0`` (all finite).

    A ``rate`` above 1 grows the learning rate; an optimiser refuses it once it overflows.
    """
    return ExponentialDecay(
        check_scalar("init", init),
        check_number("rate", rate, open_low=True),
        check_number("steps", steps, open_low=True),
    )


def inverse_time_decay(init: float, rate: float, steps: float = 1) -> InverseTimeDecay:
    """``t -> init / (1 + rate * t / steps)``; ``init >= 0``, ``rate >= 0``, ``steps > 0`` (all finite)."""
    return InverseTimeDecay(
        check_scalar("init", init), check_scalar("rate", rate), check_number("steps", steps, open_low=True)
    )


def step_decay(init: float, factor: float, every: int) -> StepDecay:
    """``t -> init * factor ** (t // every)``; ``init >= 0``, ``factor >= 0`` finite, ``every`` an integer ``>= 1``."""
    return StepDecay(check_scalar("init", init), check_scalar("factor", factor), check_count("every", every))


def cosine_decay(init: float, total_steps: int, final: float = 0.0) -> CosineDecay:
    """Half a cosine from ``init`` (``t = 0``) to ``final`` (``t >= total_steps``); both finite and ``>= 0``,
    ``total_steps`` an integer ``>= 1``."""
    return CosineDecay(
        check_scalar("init", init), check_count("total_steps", total_steps), check_scalar("final", final)
    )
