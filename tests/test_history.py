"""``scan`` and ``fit``: folds with a history, and early stopping that returns the best carry."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnfunc as nf
from nnfunc.history import Fit, fit, scan
from nnfunc.optim import OptState, adam
from nnfunc.training import optimizer_step

# ---------------------------------------------------------------------------------------------------------------
# scan


@settings(max_examples=60)
@given(start=st.integers(-100, 100), xs=st.lists(st.integers(-100, 100), max_size=20))
def test_scan_equals_the_loop(start: int, xs: list[int]) -> None:
    def step(carry: int, x: int) -> tuple[int, tuple[int, int]]:
        return carry * 2 % 1009 + x, (carry, x * carry)

    carry, ys = start, []
    for x in xs:
        carry, y = step(carry, x)
        ys.append(y)
    assert scan(step, start, xs) == (carry, tuple(ys))
    assert scan(step, start, iter(xs)) == (carry, tuple(ys))


def test_scan_reports_the_diverging_step() -> None:
    def step(carry: float, x: float) -> tuple[float, float]:
        if x > 2:
            raise FloatingPointError("loss is nan")
        return carry + x, carry

    with pytest.raises(FloatingPointError, match=r"^step 3: loss is nan"):
        scan(step, 0.0, [0.0, 1.0, 2.0, 3.0])


def test_scan_collects_losses_of_real_training() -> None:
    params = nf.init_mlp(nf.Key(0), (2, 4, 2))
    batch = nf.Batch(nf.rng(nf.Key(1)).standard_normal((20, 2)), np.arange(20) % 2)

    def step(p: nf.MLP, b: nf.Batch) -> tuple[nf.MLP, float]:
        value, g = nf.value_and_grad(p, b)
        return nf.MLP(
            tuple(
                nf.Dense(la.w - 0.5 * d.w, la.b - 0.5 * d.b, la.activation)
                for la, d in zip(p.layers, g.layers, strict=True)
            )
        ), float(value)

    final, losses = scan(step, params, [batch] * 30)
    assert len(losses) == 30 and losses[-1] < losses[0]
    for a, b in zip(
        nf.tree_leaves(final), nf.tree_leaves(nf.train(lambda p, b: step(p, b)[0], params, [batch] * 30)), strict=True
    ):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------------------------------------------
# fit on scripted metrics: the carry counts epochs, ``evaluate`` reads the script.


def _count(carry: int, batch: int) -> int:
    return carry + batch


def _epochs(n: int) -> list[list[int]]:
    return [[1] for _ in range(n)]  # one batch per epoch: after epoch e the carry is e + 1


def _script(values: list[float], name: str = "val_loss") -> Any:
    def evaluate(carry: int) -> Mapping[str, float]:
        return {name: values[carry - 1], "epoch": float(carry - 1)}

    return evaluate


@pytest.mark.parametrize(
    ("values", "patience", "min_delta", "epochs_run", "best_epoch"),
    [
        ([5, 4, 3, 3.5, 3.2, 3.1, 1, 0], 3, 0.0, 6, 2),  # no better than 3 for three epochs: stop after epoch 5
        ([5, 4, 3, 3.5, 3.2, 1, 0, 0], 3, 0.0, 8, 6),  # improves in time; ties do not count (best stays 6)
        ([5, 4, 3, 2.95, 2.92, 2.9, 1], 3, 0.1, 6, 5),  # small gains are not improvements, but the best is kept
        ([1, 2, 3, 4], 1, 0.0, 2, 0),
        ([3, 2, 1], 5, 0.0, 3, 2),  # runs out of epochs first
        ([math.nan, 2, 1, 1], 2, 0.0, 4, 2),
    ],
)
def test_fit_stops_after_patience_epochs_without_improvement(
    values: list[float], patience: int, min_delta: float, epochs_run: int, best_epoch: int
) -> None:
    result = fit(_count, 0, _epochs(len(values)), evaluate=_script(values), patience=patience, min_delta=min_delta)
    assert len(result.history) == epochs_run
    assert result.final == epochs_run
    assert result.best_epoch == best_epoch and result.best == best_epoch + 1
    assert result.stopped_early == (epochs_run < len(values))
    assert result.curve("epoch") == tuple(float(e) for e in range(epochs_run))


def _reference_stop(values: list[float], patience: int, min_delta: float) -> tuple[int, int]:
    """(epochs run, best epoch) straight from the definition, re-scanning the prefix at every epoch."""
    for e in range(len(values)):
        best_before = [min(values[:i], default=math.inf) for i in range(e + 1)]
        improved = [values[i] < best_before[i] - min_delta for i in range(e + 1)]
        if e + 1 >= patience and not any(improved[e + 1 - patience :]):
            return e + 1, int(np.argmin(values[: e + 1]))
    return len(values), int(np.argmin(values))


@settings(max_examples=200)
@given(
    values=st.lists(st.integers(0, 6).map(float), min_size=1, max_size=15),
    patience=st.integers(1, 4),
    min_delta=st.sampled_from([0.0, 0.5, 1.0, 1.5]),
    maximise=st.booleans(),
)
def test_fit_matches_the_definition_of_early_stopping(
    values: list[float], patience: int, min_delta: float, maximise: bool
) -> None:
    epochs_run, best_epoch = _reference_stop(values, patience, min_delta)
    shown = [-v for v in values] if maximise else values
    result = fit(
        _count,
        0,
        _epochs(len(values)),
        evaluate=_script(shown, "score"),
        patience=patience,
        monitor="score",
        min_delta=min_delta,
        mode="max" if maximise else "min",
    )
    assert (len(result.history), result.best_epoch) == (epochs_run, best_epoch)
    assert result.best == best_epoch + 1 and result.final == epochs_run


@settings(max_examples=30)
@given(values=st.lists(st.floats(0, 10), max_size=10))
def test_fit_without_patience_runs_every_epoch(values: list[float]) -> None:
    result = fit(_count, 0, _epochs(len(values)), evaluate=_script(values))
    assert result.final == result.best == len(values)
    assert result.best_epoch == len(values) - 1 and not result.stopped_early
    assert result.curve("val_loss") == tuple(values)


def test_fit_consumes_no_epoch_after_stopping() -> None:
    made: list[int] = []

    def epochs() -> Iterator[list[int]]:
        for e in range(100):
            made.append(e)
            yield [1]

    result = fit(_count, 0, epochs(), evaluate=_script([1.0] * 100), patience=2)
    assert result.stopped_early and len(result.history) == 3 and made == [0, 1, 2]


def test_history_is_read_only() -> None:
    result = fit(_count, 0, _epochs(2), evaluate=_script([1.0, 2.0]))
    entry: Any = result.history[0]
    with pytest.raises(TypeError):
        entry["val_loss"] = 0.0
    field = "best"
    with pytest.raises(AttributeError):
        setattr(result, field, 3)


def test_fit_refuses_bad_arguments_by_name() -> None:
    evaluate = _script([1.0, 2.0])
    half: Any = 1.5
    best: Any = "best"

    def not_a_mapping(carry: int) -> Any:
        return [1.0]

    with pytest.raises(ValueError, match=r"^patience: "):
        fit(_count, 0, _epochs(2), evaluate=evaluate, patience=0)
    with pytest.raises(TypeError, match=r"^patience: "):
        fit(_count, 0, _epochs(2), evaluate=evaluate, patience=half)
    with pytest.raises(ValueError, match=r"^min_delta: "):
        fit(_count, 0, _epochs(2), evaluate=evaluate, patience=1, min_delta=-1.0)
    with pytest.raises(ValueError, match=r"^monitor: 'loss' is not among"):
        fit(_count, 0, _epochs(2), evaluate=evaluate, patience=1, monitor="loss")
    with pytest.raises(ValueError, match=r"^mode: "):
        fit(_count, 0, _epochs(2), evaluate=evaluate, patience=1, mode=best)
    with pytest.raises(TypeError, match=r"^evaluate: "):
        fit(_count, 0, _epochs(2), evaluate=not_a_mapping)


def test_fit_reports_epoch_and_step_of_divergence() -> None:
    def step(carry: int, batch: int) -> int:
        if carry == 4:
            raise FloatingPointError("loss is inf")
        return carry + batch

    with pytest.raises(FloatingPointError, match=r"^epoch 1, step 1: loss is inf"):
        fit(step, 0, [[1, 1, 1], [1, 1, 1]], evaluate=lambda c: {"val_loss": 0.0})


def test_fit_trains_a_network_with_early_stopping() -> None:
    gen = nf.rng(nf.Key(0))
    x = gen.standard_normal((120, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(int)
    params = nf.init_mlp(nf.Key(1), (2, 8, 2), dtype=np.float32)
    opt = adam(0.05)
    val = nf.Batch(x[80:], y[80:])

    def evaluate(carry: tuple[nf.MLP, OptState]) -> dict[str, float]:
        return {"val_loss": float(nf.loss(carry[0], val)), "val_accuracy": nf.accuracy(carry[0], val.x, val.y)}

    epochs = (nf.batches(k, x[:80], y[:80], batch_size=16) for k in nf.split(nf.Key(2), 200))
    result: Fit[tuple[nf.MLP, OptState]] = fit(
        optimizer_step(opt), (params, opt.init(params)), epochs, evaluate=evaluate, patience=5
    )
    losses = result.curve("val_loss")
    assert result.stopped_early and len(losses) < 200
    assert losses[result.best_epoch] == min(losses) < losses[0]
    assert evaluate(result.best)["val_loss"] == min(losses)
    assert result.best[0].dtype == np.float32
