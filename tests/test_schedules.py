"""Learning-rate schedules: their formulas, their endpoints, and refusal of bad arguments."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, cast

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnfunc as nf
from nnfunc.schedules import (
    Schedule,
    constant_schedule,
    cosine_decay,
    exponential_decay,
    inverse_time_decay,
    step_decay,
)

RATES = st.floats(0.0, 10.0)
POSITIVE = st.floats(1e-3, 100.0)
STEPS = st.integers(0, 10_000)


@settings(max_examples=60)
@given(value=RATES, t=STEPS)
def test_constant(value: float, t: int) -> None:
    assert constant_schedule(value)(t) == value


@settings(max_examples=60)
@given(init=RATES, rate=st.floats(1e-3, 1.0), steps=POSITIVE, t=STEPS)
def test_exponential_decay_formula(init: float, rate: float, steps: float, t: int) -> None:
    assert math.isclose(exponential_decay(init, rate, steps)(t), init * rate ** (t / steps), rel_tol=1e-12)


@settings(max_examples=60)
@given(init=RATES, rate=st.floats(0.0, 10.0), steps=POSITIVE, t=STEPS)
def test_inverse_time_decay_formula(init: float, rate: float, steps: float, t: int) -> None:
    assert math.isclose(inverse_time_decay(init, rate, steps)(t), init / (1 + rate * t / steps), rel_tol=1e-12)
    assert inverse_time_decay(init, rate)(t) == inverse_time_decay(init, rate, 1)(t)


@settings(max_examples=60)
@given(init=RATES, factor=st.floats(0.0, 1.0), every=st.integers(1, 500), t=STEPS)
def test_step_decay_is_piecewise_constant(init: float, factor: float, every: int, t: int) -> None:
    schedule = step_decay(init, factor, every)
    assert math.isclose(schedule(t), init * factor ** (t // every), rel_tol=1e-12)
    first_of_period = t - t % every
    assert schedule(t) == schedule(first_of_period)


@settings(max_examples=60)
@given(init=RATES, final=RATES, total=st.integers(1, 1000), t=STEPS)
def test_cosine_decay(init: float, final: float, total: int, t: int) -> None:
    schedule = cosine_decay(init, total, final)
    assert math.isclose(schedule(0), init, rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(schedule(total + t), final, rel_tol=1e-12, abs_tol=1e-12)
    expected = final + (init - final) * (1 + math.cos(math.pi * min(t, total) / total)) / 2
    assert math.isclose(schedule(t), expected, rel_tol=1e-12, abs_tol=1e-12)
    lo, hi = min(init, final), max(init, final)
    assert lo - 1e-12 <= schedule(t) <= hi + 1e-12
    if t < total:  # monotone from init towards final
        assert (schedule(t + 1) - schedule(t)) * (final - init) >= -1e-12


def test_decays_start_at_init() -> None:
    for schedule in (exponential_decay(0.3, 0.5, 10), inverse_time_decay(0.3, 2.0), step_decay(0.3, 0.1, 7)):
        assert schedule(0) == 0.3


def test_growing_exponential_schedule_overflows_to_inf() -> None:
    assert exponential_decay(1.0, 10.0, 1)(10_000) == math.inf
    assert step_decay(1.0, 10.0, 1)(10_000) == math.inf


def test_schedules_are_values() -> None:
    assert exponential_decay(0.1, 0.5, 10) == exponential_decay(0.1, 0.5, 10)
    assert "rate=0.5" in repr(exponential_decay(0.1, 0.5, 10))
    field = "rate"
    with pytest.raises(AttributeError):
        setattr(exponential_decay(0.1, 0.5, 10), field, 2.0)


def test_negative_step_is_refused() -> None:
    schedule: Schedule = cosine_decay(1.0, 10)
    with pytest.raises(ValueError, match="t: "):
        schedule(-1)


BAD: list[tuple[Callable[..., Any], dict[str, Any], str, Any]] = []
for bad in (-1.0, math.nan, math.inf, -math.inf):
    BAD += [
        (constant_schedule, {"value": bad}, "value", ValueError),
        (exponential_decay, {"init": bad, "rate": 0.5, "steps": 10}, "init", ValueError),
        (exponential_decay, {"init": 0.1, "rate": bad, "steps": 10}, "rate", ValueError),
        (exponential_decay, {"init": 0.1, "rate": 0.5, "steps": bad}, "steps", ValueError),
        (inverse_time_decay, {"init": bad, "rate": 0.5}, "init", ValueError),
        (inverse_time_decay, {"init": 0.1, "rate": bad}, "rate", ValueError),
        (inverse_time_decay, {"init": 0.1, "rate": 0.5, "steps": bad}, "steps", ValueError),
        (step_decay, {"init": bad, "factor": 0.5, "every": 10}, "init", ValueError),
        (step_decay, {"init": 0.1, "factor": bad, "every": 10}, "factor", ValueError),
        (cosine_decay, {"init": bad, "total_steps": 10}, "init", ValueError),
        (cosine_decay, {"init": 0.1, "total_steps": 10, "final": bad}, "final", ValueError),
    ]
BAD += [
    (exponential_decay, {"init": 0.1, "rate": 0.0, "steps": 10}, "rate", ValueError),
    (exponential_decay, {"init": 0.1, "rate": 0.5, "steps": 0}, "steps", ValueError),
    (inverse_time_decay, {"init": 0.1, "rate": 0.5, "steps": 0.0}, "steps", ValueError),
    (step_decay, {"init": 0.1, "factor": 0.5, "every": 0}, "every", ValueError),
    (step_decay, {"init": 0.1, "factor": 0.5, "every": 2.5}, "every", TypeError),
    (cosine_decay, {"init": 0.1, "total_steps": 0}, "total_steps", ValueError),
    (cosine_decay, {"init": 0.1, "total_steps": True}, "total_steps", TypeError),
    (constant_schedule, {"value": "0.1"}, "value", TypeError),
    (exponential_decay, {"init": 0.1, "rate": None, "steps": 10}, "rate", TypeError),
]


@pytest.mark.parametrize(("factory", "kwargs", "name", "error"), BAD)
def test_bad_arguments_are_refused_by_name(
    factory: Callable[..., Any], kwargs: dict[str, Any], name: str, error: type[Exception]
) -> None:
    with pytest.raises(error, match=f"^{name}: "):
        factory(**kwargs)


# --- linear_schedule, join_schedules, warmup_cosine_decay ------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(init=RATES, final=RATES, steps=st.integers(1, 1000), t=st.integers(0, 3000))
def test_linear_schedule_is_a_line_then_final(init: float, final: float, steps: int, t: int) -> None:
    s = nf.linear_schedule(init, final, steps)
    assert s(0) == init and s(steps) == final and s(steps + 1) == final
    want = init + (final - init) * min(t, steps) / steps
    assert math.isclose(s(t), want, rel_tol=1e-12, abs_tol=1e-12)
    assert min(init, final) - 1e-12 <= s(t) <= max(init, final) + 1e-12


@settings(max_examples=50, deadline=None)
@given(
    bounds=st.lists(st.integers(1, 50), min_size=1, max_size=4, unique=True).map(sorted),
    t=st.integers(0, 200),
)
def test_join_schedules_counts_each_schedule_from_its_own_start(bounds: list[int], t: int) -> None:
    schedules = [functools.partial(lambda i, u: 100.0 * i + u, i) for i in range(len(bounds) + 1)]
    joined = nf.join_schedules(schedules, bounds)
    starts = [0, *bounds]
    i = max(j for j, b in enumerate(starts) if b <= t)
    assert joined(t) == 100.0 * i + (t - starts[i])
    for j, b in enumerate(bounds, start=1):  # at a boundary the next schedule starts at its own step 0
        assert joined(b) == 100.0 * j
        assert joined(b - 1) == 100.0 * (j - 1) + (b - 1 - starts[j - 1])


@settings(max_examples=50, deadline=None)
@given(
    init=RATES,
    peak=RATES,
    final=RATES,
    warmup=st.integers(1, 100),
    more=st.integers(1, 500),
    t=st.integers(0, 1000),
)
def test_warmup_cosine_decay_at_its_boundaries_and_between(
    init: float, peak: float, final: float, warmup: int, more: int, t: int
) -> None:
    total = warmup + more
    s = nf.warmup_cosine_decay(init, peak, warmup, total, final)
    assert s(0) == init
    assert math.isclose(s(warmup), peak, rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(s(total), final, rel_tol=1e-12, abs_tol=1e-12) and s(total + 7) == s(total)
    if t < warmup:
        want = init + (peak - init) * t / warmup
    else:
        progress = min(t - warmup, more) / more
        want = final + (peak - final) * 0.5 * (1 + math.cos(math.pi * progress))
    assert math.isclose(s(t), want, rel_tol=1e-9, abs_tol=1e-12)


def test_new_schedules_refuse_bad_arguments_by_name() -> None:
    with pytest.raises(ValueError, match=r"^steps: "):
        nf.linear_schedule(0.1, 0.0, 0)
    with pytest.raises(ValueError, match=r"^final: "):
        nf.linear_schedule(0.1, -1.0, 10)
    with pytest.raises(ValueError, match=r"^boundaries: expected 1 boundaries for 2 schedules"):
        nf.join_schedules([nf.constant_schedule(0.1), nf.constant_schedule(0.2)], [])
    with pytest.raises(ValueError, match=r"^boundaries: expected increasing"):
        nf.join_schedules([nf.constant_schedule(0.1)] * 3, [5, 5])
    with pytest.raises(TypeError, match=r"^boundaries\[0\]: expected an integer"):
        nf.join_schedules([nf.constant_schedule(0.1)] * 2, [cast(Any, 2.5)])
    with pytest.raises(TypeError, match=r"^schedules\[1\]: "):
        nf.join_schedules([nf.constant_schedule(0.1), cast(Any, 0.2)], [3])
    with pytest.raises(ValueError, match=r"^total_steps: expected an integer > warmup_steps"):
        nf.warmup_cosine_decay(0.0, 1.0, 10, 10)


def test_a_warmup_schedule_drives_an_optimiser() -> None:
    params = {"w": np.ones(3)}
    lr = nf.warmup_cosine_decay(0.0, 1.0, warmup_steps=2, total_steps=4)
    opt = nf.sgd(lr)
    state, sizes = opt.init(params), []
    for _ in range(5):
        u, state = opt.update(params, state, params)
        sizes.append(float(-u["w"][0]))
    np.testing.assert_allclose(sizes, [0.0, 0.5, 1.0, 0.5, 0.0], atol=1e-15)
