"""Learning-rate schedules: plain functions ``step -> rate``.

A schedule is any callable taking the update count ``t`` (0 for the first update)
and returning a learning rate; every optimiser accepts one wherever it accepts a
number. The ones here are frozen dataclasses, so they print their arguments and
compare equal when built from equal arguments. Arguments are checked when the
schedule is made.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

from ._checks import check_count, check_number, check_scalar, is_integer

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


@dataclass(frozen=True)
class LinearSchedule:
    """``init + (final - init) * min(t, steps) / steps``: a straight line, then ``final``."""

    init: float
    final: float
    steps: int

    def __call__(self, t: int) -> float:
        """The rate for update ``t``."""
        _check_step(t)
        if t >= self.steps:
            return self.final
        return self.init + (self.final - self.init) * (t / self.steps)


@dataclass(frozen=True)
class JoinedSchedules:
    """``schedules[i](t - boundaries[i-1])`` for ``boundaries[i-1] <= t < boundaries[i]``."""

    schedules: tuple[Schedule, ...]
    boundaries: tuple[int, ...]

    def __call__(self, t: int) -> float:
        """The rate for update ``t``: the schedule in force, counting from its own start."""
        _check_step(t)
        i = bisect.bisect_right(self.boundaries, t)
        start = self.boundaries[i - 1] if i else 0
        return self.schedules[i](t - start)


def linear_schedule(init: float, final: float, steps: int) -> LinearSchedule:
    """``t -> init + (final - init) * t / steps`` for ``t < steps``, then ``final``; ``init`` and ``final``
    finite and ``>= 0``, ``steps`` an integer ``>= 1``.

        >>> [nf.linear_schedule(0.0, 1.0, 4)(t) for t in range(6)]
        [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
    """
    return LinearSchedule(check_scalar("init", init), check_scalar("final", final), check_count("steps", steps))


def join_schedules(schedules: Sequence[Schedule], boundaries: Sequence[int]) -> JoinedSchedules:
    """Schedule ``i`` from update ``boundaries[i-1]`` on (schedule 0 from update 0), each counting steps from
    its own start: ``t -> schedules[i](t - boundaries[i-1])``. ``boundaries`` are increasing integers
    ``>= 1``, one fewer than the schedules.

        >>> warm_then_decay = nf.join_schedules(
        ...     [nf.linear_schedule(0.0, 0.1, 100), nf.cosine_decay(0.1, 900)], boundaries=[100])
    """
    schedules = tuple(schedules)
    for i, s in enumerate(schedules):
        if not callable(s):
            raise TypeError(f"schedules[{i}]: expected a schedule t -> rate, got {type(s).__name__}")
    if not schedules:
        raise ValueError("schedules: expected at least one schedule, got none")
    bounds = tuple(boundaries)
    for i, b in enumerate(bounds):
        if not is_integer(b):
            raise TypeError(f"boundaries[{i}]: expected an integer, got {type(b).__name__}")
    bounds = tuple(int(b) for b in bounds)
    if len(bounds) != len(schedules) - 1:
        raise ValueError(
            f"boundaries: expected {len(schedules) - 1} boundaries for {len(schedules)} schedules, got {len(bounds)}"
        )
    if any(b < 1 for b in bounds) or any(b >= c for b, c in itertools.pairwise(bounds)):
        raise ValueError(f"boundaries: expected increasing integers >= 1, got {list(bounds)}")
    return JoinedSchedules(schedules, bounds)


def warmup_cosine_decay(
    init: float, peak: float, warmup_steps: int, total_steps: int, final: float = 0.0
) -> JoinedSchedules:
    """Linear warm-up from ``init`` to ``peak`` over ``warmup_steps`` updates, then half a cosine from
    ``peak`` down to ``final`` at update ``total_steps`` (warm-up included), then ``final``.

    Rates finite and ``>= 0``; ``warmup_steps >= 1`` and ``total_steps > warmup_steps`` integers.

        >>> lr = nf.warmup_cosine_decay(0.0, 1e-3, warmup_steps=100, total_steps=1000)
        >>> lr(0), lr(100), lr(1000)
        (0.0, 0.001, 0.0)
    """
    init, peak, final = check_scalar("init", init), check_scalar("peak", peak), check_scalar("final", final)
    warmup = check_count("warmup_steps", warmup_steps)
    total = check_count("total_steps", total_steps)
    if total <= warmup:
        raise ValueError(f"total_steps: expected an integer > warmup_steps = {warmup}, got {total}")
    return JoinedSchedules((LinearSchedule(init, peak, warmup), CosineDecay(peak, total - warmup, final)), (warmup,))
