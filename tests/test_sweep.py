"""``sweep``: grid order, one key per setting, the same bits for any number of workers or on Dask."""

from __future__ import annotations

import functools
import io
import threading
from typing import Any

import joblib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import make_moons

import nnfunc as nf
from nnfunc.sweeps import sweep
from nnfunc.testing import strategies as nst

X, Y = make_moons(60, noise=0.2, random_state=0)

Result = tuple[float, float, list[np.ndarray[Any, Any]]]


def train_and_score(hidden: int, key: nf.Key, *, steps: int = 30) -> Result:
    """A tiny 2-hidden-2 tanh network trained by minibatch SGD: (final loss, accuracy, parameter arrays)."""
    init_key, data_key = nf.split(key)
    params = nf.init_mlp(init_key, (2, hidden, 2))
    step = functools.partial(nf.sgd_step, lr=0.5, l2=1e-3)
    params = nf.train(step, params, nf.batches(data_key, X, Y, batch_size=16, epochs=steps // 4))
    return float(nf.loss(params, nf.Batch(X, Y))), nf.accuracy(params, X, Y), nf.tree_leaves(params)


def _same_bits(a: list[Result], b: list[Result]) -> bool:
    """Results equal bit for bit: same floats, same arrays with the same dtypes."""
    if len(a) != len(b):
        return False
    for (la, ca, pa), (lb, cb, pb) in zip(a, b, strict=True):
        if la != lb or ca != cb or len(pa) != len(pb):
            return False
        for u, v in zip(pa, pb, strict=True):
            if u.dtype != v.dtype or u.shape != v.shape or u.tobytes() != v.tobytes():
                return False
    return True


GRID = [1, 2, 3, 5, 8]


def test_results_in_grid_order_with_one_child_key_per_setting() -> None:
    key = nf.Key(7)
    results = sweep(train_and_score, GRID, key=key)
    expected = [train_and_score(h, k) for h, k in zip(GRID, nf.split(key, len(GRID)), strict=True)]
    assert _same_bits(results, expected)
    assert [p[0].size for _, _, p in results] == [2 * h for h in GRID]  # w of layer 0 is (2, h)


def test_same_bits_for_one_and_two_workers() -> None:
    key = nf.Key(3)
    one = sweep(train_and_score, GRID, key=key, n_jobs=1)
    two = sweep(train_and_score, GRID, key=key, n_jobs=2)
    assert _same_bits(one, two)


def test_n_jobs_none_follows_joblib_parallel_config() -> None:
    key = nf.Key(3)
    with joblib.parallel_config(backend="threading", n_jobs=2):
        threaded = sweep(train_and_score, GRID, key=key, n_jobs=None)
        where = sweep(_thread_name, GRID, key=key, n_jobs=None)
    assert _same_bits(threaded, sweep(train_and_score, GRID, key=key))
    assert threading.current_thread().name not in where  # run by joblib's worker threads


def _thread_name(setting: object, key: nf.Key) -> str:
    return threading.current_thread().name


def _echo(setting: object, key: nf.Key) -> tuple[object, nf.Key]:
    return setting, key


@settings(max_examples=25, deadline=None)
@given(grid=st.lists(st.integers() | st.text(max_size=3) | st.none(), max_size=12), key=nst.keys())
def test_each_setting_gets_its_own_key_in_order(grid: list[object], key: nf.Key) -> None:
    out = sweep(_echo, grid, key=key)
    assert [s for s, _ in out] == grid
    if grid:
        assert [k for _, k in out] == list(nf.split(key, len(grid)))
        assert len({k for _, k in out}) == len(grid)


def test_settings_may_be_any_iterable() -> None:
    key = nf.Key(1)
    assert sweep(_echo, (s for s in "abc"), key=key) == sweep(_echo, ["a", "b", "c"], key=key)
    assert sweep(_echo, range(0), key=key) == []


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"fn": 3}, TypeError, "fn"),
        ({"settings": 5}, TypeError, "settings"),
        ({"settings": "abc"}, TypeError, "settings"),
        ({"key": 0}, TypeError, "key"),
        ({"n_jobs": 1.5}, TypeError, "n_jobs"),
        ({"n_jobs": True}, TypeError, "n_jobs"),
        ({"n_jobs": 0}, ValueError, "n_jobs"),
    ],
)
def test_bad_arguments_are_named(kwargs: dict[str, Any], error: type[Exception], name: str) -> None:
    args: dict[str, Any] = {"fn": _echo, "settings": [1, 2], "key": nf.Key(0), "n_jobs": 1, **kwargs}
    with pytest.raises(error, match=name):
        sweep(args.pop("fn"), args.pop("settings"), **args)


def _worker_address(setting: int, key: nf.Key) -> str:
    from distributed import get_worker

    return str(get_worker().address)


def test_dask_cluster_gives_the_local_bits() -> None:
    """The same sweep on a dask.distributed LocalCluster equals the local run bit for bit."""
    distributed = pytest.importorskip("distributed")
    key = nf.Key(2024)
    local = sweep(train_and_score, GRID, key=key)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        distributed.Client(cluster) as client,
        joblib.parallel_config(backend="dask"),
    ):
        on_dask = sweep(train_and_score, GRID, key=key)
        where = sweep(_worker_address, GRID, key=key)  # raises ValueError unless run by a Dask worker
        workers = set(client.scheduler_info()["workers"])
    assert len(workers) == 2
    assert set(where) <= workers
    assert _same_bits(on_dask, local)


def test_tqdm_over_batches_knows_its_total() -> None:
    """The documented progress idiom: ``nf.train(step, params, tqdm(nf.batches(...)))``."""
    tqdm = pytest.importorskip("tqdm").tqdm
    out = io.StringIO()
    data = nf.batches(nf.Key(0), X, Y, batch_size=16, epochs=3)  # 60 samples: 4 batches per epoch
    params = nf.init_mlp(nf.Key(1), (2, 3, 2))
    step = functools.partial(nf.sgd_step, lr=0.5)
    bar = tqdm(data, file=out, disable=False, mininterval=0, ascii=True)
    trained = nf.train(step, params, bar)
    assert bar.total == len(data) == 12
    assert bar.n == 12
    assert "12/12" in out.getvalue()
    plain = nf.train(step, params, data)
    assert all(np.array_equal(a, b) for a, b in zip(nf.tree_leaves(trained), nf.tree_leaves(plain), strict=True))
