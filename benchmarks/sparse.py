"""The sparse workload: one epoch of a 50 000-64-20 relu MLP on a bag-of-words-shaped CSR matrix.

20 000 documents x 50 000 words at about 0.2 % density (2 million nonzeros, 16 MB; a dense
float32 copy would be 4 GB, float64 8 GB), 20 classes, float32, minibatch 200, SGD and Adam:
nnfunc side by side with scikit-learn's ``MLPClassifier`` on the same CSR matrix, whole
epochs, plus the peak memory each one allocates during an epoch (``tracemalloc``, in a fresh process).

    python -m benchmarks.sparse [--quick]

The matrix is made here from a seeded generator (no download): word frequencies follow a Zipf
law, and each document draws a third of its words from its class's own block of topic words;
entries are ``log(1 + count)``, rows scaled to unit length, as ``TfidfVectorizer`` would give.
"""

from __future__ import annotations

import argparse
import functools
import json
import subprocess
import sys
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

import nnfunc as nf

from ._timing import compare

ROOT = Path(__file__).resolve().parent.parent
N, N_FEATURES, DENSITY, N_CLASSES = 20_000, 50_000, 0.002, 20
QUICK_N, QUICK_FEATURES = 1_000, 5_000
HIDDEN = 64
BATCH = 200
LR = {"sgd": 0.1, "adam": 1e-3}
SOLVERS = ("sgd", "adam")
MEMORY_BUDGET = {"sgd": 4, "adam": 12}
"""Target: an epoch's peak memory beyond the data is at most this many times the parameters' bytes
(SGD: parameters, gradient, new parameters; Adam also its two moments and their successors)."""

Labels = np.ndarray[Any, np.dtype[np.int64]]


def bag_of_words(
    n: int = N,
    n_features: int = N_FEATURES,
    *,
    density: float = DENSITY,
    n_classes: int = N_CLASSES,
    topic_share: float = 1 / 3,
    seed: int = 0,
) -> tuple[sp.csr_matrix, Labels]:
    """A float32 CSR matrix ``(n, n_features)`` of about ``density`` and labels ``(n,)`` in ``[0, n_classes)``.

    Each document has ``density * n_features`` word draws: a share ``topic_share`` from its class's block
    of ``n_features // (4 * n_classes)`` topic words, the rest from a Zipf law over the whole vocabulary.
    Counts become ``log(1 + count)``, rows unit length. The arrays are read-only and canonical, so
    ``nf.Batch``/``nf.batches`` share them instead of copying (nnfunc's idiom for large data).
    """
    g = nf.rng(nf.Key(seed))
    y = g.integers(0, n_classes, n).astype(np.int64)
    k = max(1, round(density * n_features * 1.16))  # a few draws repeat a word: aim a little high
    rows = np.repeat(np.arange(n), k)
    zipf = 1.0 / np.arange(1, n_features + 1)
    background = g.choice(n_features, size=n * k, p=zipf / zipf.sum())
    background = g.permutation(n_features)[background]  # frequent words spread over the vocabulary
    block = max(1, n_features // (4 * n_classes))
    topic = y[rows] * block + g.integers(0, block, n * k)
    cols = np.where(g.random(n * k) < topic_share, topic, background)
    counts = np.ones(n * k, dtype=np.float32)
    x = sp.csr_matrix((counts, (rows, cols)), shape=(n, n_features), dtype=np.float32)
    x.sum_duplicates()
    np.log1p(x.data, out=x.data)
    norms = np.sqrt(np.add.reduceat(x.data * x.data, x.indptr[:-1]))
    x.data /= np.repeat(norms, np.diff(x.indptr)).astype(np.float32)
    x.data, x.indices = x.data.copy(), x.indices.copy()  # scipy leaves them views of writeable arrays
    for a in (x.data, x.indices, x.indptr):
        a.flags.writeable = False  # read-only owners: nf.batches shares them
    return x, y


def sparse_bytes(x: Any) -> int:
    """Bytes of a CSR matrix's three arrays."""
    return int(x.data.nbytes + x.indices.nbytes + x.indptr.nbytes)


def param_bytes(n_features: int, n_classes: int = N_CLASSES, itemsize: int = 4) -> int:
    """Bytes of the ``n_features-HIDDEN-n_classes`` network's weights and biases."""
    return (n_features * HIDDEN + HIDDEN + HIDDEN * n_classes + n_classes) * itemsize


def nnfunc_epoch(x: Any, y: Labels, *, solver: str, seed: int = 0) -> object:
    """One epoch with ``nf.train`` over shuffled ``nf.batches`` of the CSR matrix (never densified)."""
    params = nf.init_mlp(
        nf.Key(seed), (x.shape[1], HIDDEN, N_CLASSES), hidden=nf.relu, init=nf.he_normal, dtype=x.dtype
    )
    data = nf.batches(nf.Key(seed + 1), x, y, batch_size=BATCH)
    if solver == "sgd":
        return nf.train(functools.partial(nf.sgd_step, lr=LR["sgd"]), params, data)
    opt = nf.adam(LR["adam"])
    return nf.train(nf.optimizer_step(opt), (params, opt.init(params)), data)


def sklearn_epoch(x: Any, y: Labels, *, solver: str, seed: int = 0) -> MLPClassifier:
    """One epoch of ``MLPClassifier`` (``max_iter=1``, no momentum, no L2, no early stopping) on the CSR matrix."""
    clf = MLPClassifier(
        hidden_layer_sizes=(HIDDEN,),
        activation="relu",
        solver=solver,
        alpha=0.0,
        batch_size=BATCH,
        learning_rate_init=LR[solver],
        max_iter=1,
        shuffle=True,
        random_state=seed,
        momentum=0.0,
        nesterovs_momentum=False,
        tol=0.0,
        n_iter_no_change=10**9,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(x, y)
    return clf


EPOCHS: dict[str, Callable[..., object]] = {"nnfunc": nnfunc_epoch, "sklearn": sklearn_epoch}


@dataclass(frozen=True)
class Result:
    """Median epoch seconds per solver and contender; per solver and contender, the epoch's memory (bytes)."""

    n: int
    n_features: int
    nnz: int
    seconds: dict[str, dict[str, float]]
    memory: dict[str, dict[str, dict[str, int]]]

    @property
    def label(self) -> str:
        return f"{self.n}x{self.n_features} CSR {100 * self.nnz / (self.n * self.n_features):.2g}%"


def memory_main(who: str, solver: str, n: int, n_features: int) -> dict[str, int]:
    """In this (fresh) process: make the data, then run one epoch under ``tracemalloc``; the bytes it took.

    ``epoch`` is the peak of the bytes allocated during the epoch and not yet freed (NumPy and SciPy
    arrays included): what the epoch needs beyond the data. The process's RSS cannot tell it, as the
    epoch reuses memory that making the data freed.
    """
    x, y = bag_of_words(n, n_features)
    tracemalloc.start()
    try:
        EPOCHS[who](x, y, solver=solver)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {
        "epoch": peak,
        "data": sparse_bytes(x) + y.nbytes,
        "params": param_bytes(n_features),
        "dense": n * n_features * 4,
    }


def measure_memory(who: str, solver: str, n: int, n_features: int) -> dict[str, int] | None:
    """:func:`memory_main` in a subprocess; ``None`` when it fails."""
    cmd = [sys.executable, "-m", "benchmarks.sparse", "--memory", who, "--solver", solver]
    cmd += ["--n", str(n), "--features", str(n_features)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)
    if proc.returncode != 0:
        print(proc.stderr[-2000:], file=sys.stderr)
        return None
    result: dict[str, int] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def measure(*, quick: bool, repeats: int, warmup: int) -> Result:
    """Epoch times (side by side, alternating, median of ``repeats``) and each contender's epoch memory."""
    n, n_features = (QUICK_N, QUICK_FEATURES) if quick else (N, N_FEATURES)
    x, y = bag_of_words(n, n_features)
    seconds = {}
    for solver in SOLVERS:
        runs = {who: functools.partial(epoch, x, y, solver=solver) for who, epoch in EPOCHS.items()}
        seconds[solver] = compare(runs, repeats=repeats, warmup=warmup)
    memory: dict[str, dict[str, dict[str, int]]] = {}
    for solver in SOLVERS:
        for who in ("nnfunc",) if quick else EPOCHS:  # each is a fresh process: a smoke run measures ours only
            got = measure_memory(who, solver, n, n_features)
            if got is not None:
                memory.setdefault(solver, {})[who] = got
    return Result(n, n_features, x.nnz, seconds, memory)


def memory_ratio(m: dict[str, int], solver: str) -> float:
    """An epoch's peak memory over its budget: the data plus ``MEMORY_BUDGET[solver]`` times the parameters."""
    return m["epoch"] / (m["data"] + MEMORY_BUDGET[solver] * m["params"])


def rows(result: Result) -> list[tuple[str, str, dict[str, float]]]:
    """``(case, unit, values by contender)`` for the suite's table: epoch seconds, then epoch memory in MB."""
    out = [
        (f"{result.label}, {HIDDEN} relu, f32 {solver}, batch {BATCH}", "s/epoch", times)
        for solver, times in result.seconds.items()
    ]
    for solver, by in result.memory.items():
        mb = {who: m["epoch"] / 2**20 for who, m in by.items()}
        out.append((f"{result.label}: epoch peak (tracemalloc), f32 {solver}", "MB", mb))
    return out


def targets(result: Result) -> list[tuple[str, float | None, float]]:
    """``(name, measured, goal)``: nnfunc's epoch over scikit-learn's, and nnfunc's memory over its budget."""
    out: list[tuple[str, float | None, float]] = []
    for solver, times in result.seconds.items():
        out.append((f"sparse f32 {solver}: nnfunc / sklearn epoch", times["nnfunc"] / times["sklearn"], 0.8))
    for solver, by in result.memory.items():
        if "nnfunc" in by:
            name = f"sparse f32 {solver} memory: epoch peak / (data + {MEMORY_BUDGET[solver]} params)"
            out.append((name, memory_ratio(by["nnfunc"], solver), 1.0))
    return out


def report(result: Result) -> list[str]:
    """Lines: times, ratios and memory against the targets."""
    lines = [f"# sparse: {result.label}, {result.nnz} nonzeros, 64 relu hidden, float32, batch {BATCH}"]
    for solver, times in result.seconds.items():
        ratio = times["nnfunc"] / times["sklearn"]
        lines.append(
            f"{solver}: nnfunc {times['nnfunc']:.3f} s/epoch, sklearn {times['sklearn']:.3f} s/epoch, "
            f"ratio {ratio:.2f} (target <= 0.8)"
        )
    for solver, by in result.memory.items():
        for who, m in by.items():
            lines.append(
                f"{solver} memory {who}: epoch peak {m['epoch'] / 2**20:.1f} MB; data {m['data'] / 2**20:.1f} MB, "
                f"params {m['params'] / 2**20:.1f} MB, dense copy {m['dense'] / 2**20:.0f} MB; "
                f"peak / (data + {MEMORY_BUDGET[solver]} params) = {memory_ratio(m, solver):.2f} (target <= 1)"
            )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 1 000 x 5 000 matrix, one repeat: a smoke run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory", choices=sorted(EPOCHS), help=argparse.SUPPRESS)
    parser.add_argument("--solver", choices=SOLVERS, default="sgd", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=N, help=argparse.SUPPRESS)
    parser.add_argument("--features", type=int, default=N_FEATURES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory:
        print(json.dumps(memory_main(args.memory, args.solver, args.n, args.features)))
        return
    result = measure(quick=args.quick, repeats=1 if args.quick else args.repeats, warmup=0 if args.quick else 1)
    print("\n".join(report(result)))


if __name__ == "__main__":
    main()
