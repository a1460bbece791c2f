"""Training with a history, and early stopping, as pure folds (no callbacks, no hidden state).

- :func:`scan` is ``train`` that also collects what each step returns (a loss, a
  metric): ``scan(step_fn, carry, xs) -> (carry, ys)``, like ``jax.lax.scan``.
- :func:`fit` runs epochs, evaluates after each, keeps the per-epoch metrics and
  stops when the monitored metric has not improved for ``patience`` epochs,
  returning the best carry seen (scikit-learn's ``n_iter_no_change``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Generic, Literal, TypeVar

from ._checks import check_count, check_number
from .batch import Batch
from .training import check_batches, check_finite_carry, train

C = TypeVar("C")
X = TypeVar("X")
Y = TypeVar("Y")
B = TypeVar("B")


def scan(step_fn: Callable[[C, X], tuple[C, Y]], carry: C, xs: Iterable[X]) -> tuple[C, tuple[Y, ...]]:
    """Fold ``step_fn(carry, x) -> (carry, y)`` over ``xs``; return the last carry and every ``y`` in order.

    Equal to the loop ``for x in xs: carry, y = step_fn(carry, x); ys.append(y)``.
    A step raising ``FloatingPointError`` (a diverged loss) is reported with its index, and so
    is a last step that returned non-finite float arrays in the carry (as :func:`nnfunc.train`).
    """
    check_batches("xs", xs)
    ys: list[Y] = []
    i = -1
    for i, x in enumerate(xs):
        try:
            carry, y = step_fn(carry, x)
        except FloatingPointError as e:
            raise FloatingPointError(f"step {i}: {e}") from e
        ys.append(y)
    if i >= 0:
        try:
            check_finite_carry(carry)
        except FloatingPointError as e:
            raise FloatingPointError(f"step {i}: {e}") from e
    return carry, tuple(ys)


@dataclass(frozen=True)
class Fit(Generic[C]):
    """What :func:`fit` returns.

    - ``final``: the carry after the last epoch run;
    - ``best``: the carry after epoch ``best_epoch``, the one with the best monitored
      metric (``final`` when ``fit`` ran without ``patience``);
    - ``history``: one read-only ``{metric: value}`` mapping per epoch run, from ``evaluate``;
    - ``best_epoch``: index of that epoch, from 0 (-1 when no epoch ran, or, with ``patience``,
      none gave a finite monitored value: ``best`` is then the starting carry);
    - ``stopped_early``: whether ``patience`` ran out (the stopping rule fired).
    """

    final: C
    best: C
    history: tuple[Mapping[str, float], ...]
    best_epoch: int
    stopped_early: bool

    def curve(self, metric: str) -> tuple[float, ...]:
        """The values of ``metric`` per epoch, e.g. ``fit.curve("val_loss")`` for a loss curve."""
        if self.history and metric not in self.history[0]:
            raise KeyError(f"metric: {metric!r} is not among the recorded metrics {sorted(self.history[0])}")
        return tuple(h[metric] for h in self.history)


def _metrics(values: Mapping[str, float], epoch: int) -> Mapping[str, float]:
    if not isinstance(values, Mapping):
        raise TypeError(f"evaluate: expected a mapping of metric names to numbers, got {type(values).__name__}")
    try:
        return MappingProxyType({str(k): float(v) for k, v in values.items()})
    except (TypeError, ValueError) as e:
        raise TypeError(f"evaluate: expected numbers as metric values, got {dict(values)!r} after epoch {epoch}") from e


EXPECTED_EPOCHS = (
    "an iterable of epochs, each an iterable of batches, e.g. "
    "(nf.batches(k, x, y, batch_size=32) for k in nf.split(key, n_epochs)) or [[batch]] * n_epochs"
)


def _check_epochs(epochs: object) -> None:
    if isinstance(epochs, Batch) or not isinstance(epochs, Iterable):
        got = "a single nf.Batch" if isinstance(epochs, Batch) else type(epochs).__name__
        raise TypeError(f"epochs: expected {EXPECTED_EPOCHS}, got {got}")


def fit(
    step_fn: Callable[[C, B], C],
    carry: C,
    epochs: Iterable[Iterable[B]],
    *,
    evaluate: Callable[[C], Mapping[str, float]],
    patience: int | None = None,
    monitor: str = "val_loss",
    min_delta: float = 0.0,
    mode: Literal["min", "max"] = "min",
) -> Fit[C]:
    """Train epoch by epoch with :func:`nnfunc.train`, calling ``evaluate(carry)`` after each epoch.

    ``epochs`` yields one iterable of batches per epoch (e.g. one ``nf.batches(key_e, ...)``
    per key). ``evaluate`` returns metrics such as ``{"loss": ..., "val_loss": ...}``; they
    are recorded in ``history``.

    With ``patience`` (an integer >= 1), the metric ``monitor`` is watched: lower is better
    (``mode="min"``) or higher (``mode="max"``). An epoch improves when it beats the best
    value so far by more than ``min_delta``; after ``patience`` epochs in a row without
    improvement, training stops. ``best`` is the carry of the epoch with the best value.
    Without ``patience`` every epoch runs and ``best`` is the final carry.
    """
    if not callable(evaluate):
        raise TypeError(f"evaluate: expected a function carry -> metrics, got {type(evaluate).__name__}")
    if patience is not None:
        patience = check_count("patience", patience)
    min_delta = check_number("min_delta", min_delta)
    if mode not in ("min", "max"):
        raise ValueError(f"mode: expected 'min' or 'max', got {mode!r}")
    sign = 1.0 if mode == "min" else -1.0  # compare sign * value: lower is better
    history: list[Mapping[str, float]] = []
    best, best_epoch, best_value, waited, stopped = carry, -1, math.inf, 0, False
    _check_epochs(epochs)
    for epoch, batches in enumerate(epochs):
        if isinstance(batches, Batch):
            raise TypeError(f"epochs: expected {EXPECTED_EPOCHS}, got an iterable of single nf.Batch objects")
        try:
            carry = train(step_fn, carry, batches)
        except FloatingPointError as e:
            raise FloatingPointError(f"epoch {epoch}, {e}") from e
        metrics = _metrics(evaluate(carry), epoch)
        history.append(metrics)
        if patience is None:
            continue
        if monitor not in metrics:
            raise ValueError(f"monitor: {monitor!r} is not among the metrics evaluate returned: {sorted(metrics)}")
        value = sign * metrics[monitor]
        waited = 0 if value < best_value - min_delta else waited + 1
        if value < best_value:
            best, best_epoch, best_value = carry, epoch, value
        if waited >= patience:
            stopped = True
            break
    if patience is None:
        best, best_epoch = carry, len(history) - 1
    return Fit(carry, best, tuple(history), best_epoch, stopped)
