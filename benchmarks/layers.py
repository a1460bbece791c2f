"""Layers: what composing costs. ``nf.MLP`` (the fast path) against ``nf.Sequential(mlp.layers)``
(the generic path through each layer's forward and backward), side by side in one process.

- tiny: seed 000's step (make_moons(200, noise=0.2, random_state=0), a 2-3-2 tanh network, full
  batch, ``nf.sgd_step`` under ``nf.train``), MLP vs Sequential vs the tutorial's hand loop
  (``benchmarks/tiny.py``). Targets: Sequential <= 1.1x the MLP, MLP <= 0.8x the hand loop.
- large: one float32 epoch of the 784-256-10 relu workload (``benchmarks/large.py``: SGD, batch
  128, read-only data), MLP vs Sequential. Target: Sequential <= 1.1x the MLP.
- large, composed: the same epoch through a Sequential with Dropout and LayerNorm added, for
  scale (no target): what the extra layers cost.

Times are CPU seconds of one thread (BLAS limited to one thread here), medians of rounds in
rotating order: the ratios compare the work done, not the waits on a shared machine.

    python -m benchmarks.layers [--quick] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import itertools
import pstats
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import threadpoolctl
from sklearn.datasets import make_moons

import nnfunc as nf

from . import _timing, large, tiny
from ._timing import read_only_owner
from .peers import Floats, Ints, synthetic_mnist


@dataclass(frozen=True)
class Settings:
    """Steps of the tiny workload, samples of the large one, timed repeats."""

    tiny_steps: int
    n_large: int
    repeats: int
    warmup: int


FULL = Settings(2000, 60_000, 5, 1)
QUICK = Settings(20, 1024, 1, 0)

TINY_TARGETS = {"sequential/mlp": 1.1, "mlp/hand loop": 0.8}
LARGE_TARGET = 1.1


def compare(runs: Mapping[str, Callable[[], object]], *, repeats: int, warmup: int) -> dict[str, float]:
    """Median *CPU* seconds (``time.process_time``) of each run, rotated as ``_timing.compare`` does.

    CPU time, not wall time: on a machine shared with other jobs, wall time counts the waits for a
    core, which fall unevenly on the contenders; the work each does is what is compared here. Every
    contender runs with one BLAS thread (the caller's limit), so CPU time is its single thread's.
    """
    return _timing.compare(runs, repeats=repeats, warmup=warmup, clock=time.process_time)


# -- tiny: seed 000's step ------------------------------------------------------------------------------------------


def tiny_networks() -> tuple[nf.MLP, nf.Sequential]:
    """Seed 000's 2-3-2 tanh network (as ``benchmarks/tiny.py`` makes it) and a Sequential of its layers."""
    mlp = nf.init_mlp(nf.Key(0), (2, 3, 2), hidden=nf.tanh, init=nf.lecun_normal)
    return mlp, nf.Sequential(mlp.layers)


def tiny_runs(steps: int) -> dict[str, Callable[[], object]]:
    """``steps`` full-batch SGD steps under ``nf.train`` on each network, and the tutorial's loop."""
    x, y = make_moons(200, noise=0.20, random_state=0)
    n = len(x)
    batch = nf.Batch(x, y)
    step = functools.partial(nf.sgd_step, lr=tiny.EPSILON * n, cost=nf.softmax_cross_entropy, l2=tiny.REG_LAMBDA / n)
    mlp, seq = tiny_networks()
    return {
        "mlp": lambda: nf.train(step, mlp, itertools.repeat(batch, steps)),
        "sequential": lambda: nf.train(step, seq, itertools.repeat(batch, steps)),
        "hand loop": lambda: tiny.hand_loop(x, y, steps),
    }


def measure_tiny(*, steps: int, repeats: int, warmup: int) -> dict[str, float]:
    """Median seconds per step of each contender."""
    return {k: t / steps for k, t in compare(tiny_runs(steps), repeats=repeats, warmup=warmup).items()}


# -- large: the float32 epoch ---------------------------------------------------------------------------------------


def large_networks() -> tuple[nf.MLP, nf.Sequential, nf.Sequential]:
    """The large workload's MLP, a Sequential of its layers, and one with Dropout and LayerNorm added."""
    mlp = nf.init_mlp(nf.Key(0), large.SIZES, hidden=nf.relu, init=nf.he_normal, dtype=np.float32)
    hidden, out = mlp.layers
    composed = nf.Sequential([hidden, nf.Dropout(0.2), nf.LayerNorm(large.SIZES[1], dtype=np.float32), out])
    return mlp, nf.Sequential(mlp.layers), composed


def epoch(params: nf.Layer, x: Floats, y: Ints) -> object:
    """One SGD epoch (learning rate as the large workload's), minibatches of 128 from read-only data."""
    data = nf.batches(nf.Key(1), x, y, batch_size=large.BATCH)
    step = functools.partial(nf.sgd_step, lr=large.LR["sgd"], cost=nf.softmax_cross_entropy)
    return nf.train(step, params, data)


def large_runs(x: Floats, y: Ints) -> dict[str, Callable[[], object]]:
    x, y = read_only_owner(x), read_only_owner(y)  # nnfunc's idiom for large data: shared, not copied
    mlp, seq, composed = large_networks()
    return {
        "mlp": functools.partial(epoch, mlp, x, y),
        "sequential": functools.partial(epoch, seq, x, y),
        "sequential + dropout + layernorm": functools.partial(epoch, composed, x, y),
    }


def measure_large(x: Floats, y: Ints, *, repeats: int, warmup: int) -> dict[str, float]:
    """Median epoch seconds of each network."""
    return compare(large_runs(x, y), repeats=repeats, warmup=warmup)


# -- the table ------------------------------------------------------------------------------------------------------


def _ratio(values: Mapping[str, float], a: str, b: str) -> float:
    return values[a] / values[b]


def rows(t: Mapping[str, float], big: Mapping[str, float]) -> list[list[str]]:
    """Rows ``[workload, case, unit, mlp, sequential, other, sequential/mlp, mlp/hand loop]``."""
    composed = "sequential + dropout + layernorm"
    return [
        [
            "tiny",
            "2-3-2 tanh, 200 moons, full-batch sgd_step",
            "us/step",
            f"{t['mlp'] * 1e6:.3g}",
            f"{t['sequential'] * 1e6:.3g}",
            f"hand loop {t['hand loop'] * 1e6:.3g}",
            f"{_ratio(t, 'sequential', 'mlp'):.3g}",
            f"{_ratio(t, 'mlp', 'hand loop'):.3g}",
        ],
        [
            "large",
            f"784-256-10 relu, float32 sgd, batch {large.BATCH}",
            "s/epoch",
            f"{big['mlp']:.3g}",
            f"{big['sequential']:.3g}",
            f"+dropout+layernorm {big[composed]:.3g} ({_ratio(big, composed, 'mlp'):.3g}x)",
            f"{_ratio(big, 'sequential', 'mlp'):.3g}",
            "-",
        ],
    ]


HEADER = ("workload", "case", "unit", "mlp", "sequential", "other", "sequential/mlp", "mlp/hand loop")


def targets(t: Mapping[str, float], big: Mapping[str, float]) -> list[tuple[str, float, float]]:
    """``(name, measured ratio, goal)``: every goal is an upper bound."""
    return [
        ("layers tiny: sequential / mlp step", _ratio(t, "sequential", "mlp"), TINY_TARGETS["sequential/mlp"]),
        ("layers tiny: mlp / hand loop step", _ratio(t, "mlp", "hand loop"), TINY_TARGETS["mlp/hand loop"]),
        ("layers large f32: sequential / mlp epoch", _ratio(big, "sequential", "mlp"), LARGE_TARGET),
    ]


def profile_sequential_step(steps: int = 5000, top: int = 18) -> str:
    """cProfile of ``steps`` tiny Sequential steps: where the per-step Python time goes."""
    run = tiny_runs(steps)["sequential"]
    profiler = cProfile.Profile()
    profiler.runcall(run)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main() -> None:
    """Print the table of ratios and the targets (judged only outside ``--quick``)."""
    from .run import markdown

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one repeat: a smoke run")
    parser.add_argument("--profile", action="store_true", help="also profile the tiny Sequential step")
    args = parser.parse_args()
    s = QUICK if args.quick else FULL
    threadpoolctl.threadpool_limits(1)
    t = measure_tiny(steps=s.tiny_steps, repeats=2 * s.repeats + 1, warmup=s.warmup)
    x, y = synthetic_mnist(s.n_large)
    big = measure_large(x, y, repeats=s.repeats, warmup=s.warmup)
    print(markdown(rows(t, big), HEADER))
    print()
    judged = [
        [name, f"{value:.3g}", f"<= {goal:g}", "n/a (--quick)" if args.quick else ("yes" if value <= goal else "NO")]
        for name, value, goal in targets(t, big)
    ]
    print(markdown(judged, ("target", "measured", "goal", "met")))
    if args.profile:
        print()
        print(profile_sequential_step())


if __name__ == "__main__":
    main()
