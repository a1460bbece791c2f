"""``sweep`` gives the same bits for any ``n_jobs`` and backend on a network big enough for BLAS to
split its matrix products over threads (where the thread count changes the last bits)."""

from __future__ import annotations

import functools
import itertools
import pickle
from typing import Any

import joblib
import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import nnfunc as nf
from nnfunc.sweeps import BLAS_THREADS, _Task, sweep

_GEN = np.random.default_rng(0)
X = _GEN.normal(size=(400, 64))
Y = _GEN.integers(0, 10, 400)
GRID = [0.1, 0.05, 0.02]


def train_big(lr: float, key: nf.Key) -> list[bytes]:
    """A 64-300-10 float64 network after 20 full-batch SGD steps on 400 samples: its parameters' bytes."""
    net = nf.init_mlp(key, (64, 300, 10))
    step = functools.partial(nf.sgd_step, lr=lr)
    net = nf.train(step, net, itertools.repeat(nf.Batch(X, Y), 20))
    return [a.tobytes() for a in nf.tree_leaves(net)]


def _blas_threads() -> list[int]:
    return [int(lib["num_threads"]) for lib in threadpool_info() if lib["user_api"] == "blas"]


def _report_threads(lr: float, key: nf.Key) -> list[int]:
    return _blas_threads()


def _reference() -> list[list[bytes]]:
    with threadpool_limits(limits=BLAS_THREADS):
        return [train_big(lr, k) for lr, k in zip(GRID, nf.split(nf.Key(5), len(GRID)), strict=True)]


def test_the_network_is_big_enough_for_the_blas_thread_count_to_change_bits() -> None:
    """Without a fixed count the bits would depend on the threads: 2 BLAS threads differ from 1 here."""
    with threadpool_limits(limits=2):
        if max(_blas_threads(), default=1) < 2:
            pytest.skip("this BLAS runs on one thread only")
        two = train_big(0.1, nf.Key(1))
    with threadpool_limits(limits=1):
        one = train_big(0.1, nf.Key(1))
    assert one != two


def test_same_bits_sequential_processes_and_threads() -> None:
    expected = _reference()
    key = nf.Key(5)
    assert sweep(train_big, GRID, key=key, n_jobs=1) == expected
    assert sweep(train_big, GRID, key=key, n_jobs=2) == expected  # loky processes
    with joblib.parallel_config(backend="threading", n_jobs=2):
        assert sweep(train_big, GRID, key=key, n_jobs=None) == expected


def test_same_bits_whatever_the_callers_blas_thread_count() -> None:
    expected = _reference()
    for threads in (1, 2):
        with threadpool_limits(limits=threads):
            assert sweep(train_big, GRID, key=nf.Key(5), n_jobs=1) == expected


@pytest.mark.parametrize("processes", [True, False], ids=["worker_processes", "workers_in_this_process"])
def test_same_bits_on_dask(processes: bool) -> None:
    distributed = pytest.importorskip("distributed")
    expected = _reference()
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=processes, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster),
        joblib.parallel_config(backend="dask"),
    ):
        assert sweep(train_big, GRID, key=nf.Key(5)) == expected


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_tasks_run_with_one_blas_thread_and_the_callers_count_is_restored(n_jobs: int) -> None:
    before = _blas_threads()
    inside = sweep(_report_threads, GRID, key=nf.Key(0), n_jobs=n_jobs)
    assert all(counts and set(counts) == {BLAS_THREADS} for counts in inside), inside
    assert _blas_threads() == before


def test_the_task_wrapper_pickles() -> None:
    task: Any = pickle.loads(pickle.dumps(_Task(train_big)))
    assert task.fn is train_big
