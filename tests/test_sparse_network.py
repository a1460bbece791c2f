"""Sparse inputs end to end: a ``scipy.sparse`` CSR/CSC ``x`` gives what its dense twin gives.

For an ``nf.MLP`` and a ``Sequential`` of its Dense layers (the fast path), and a ``Sequential`` whose first
layer is an ``nf.Dense`` (the general path: dropout, a residual block, batch norm and layer norm), in float32 and
float64: outputs, labels, probabilities, losses, gradients, SGD and Adam steps, and whole training
runs over shuffled, weighted ``nf.batches``. float32 stays float32, gradients included; the sparse
matrix is never densified (its ``toarray``/``todense`` raise, and a wide matrix trains within the
memory of its nonzeros plus a few copies of the parameters); ``import nnfunc`` imports no scipy.
"""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from typing import Any, TypeVar, cast

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import nnfunc as nf
from nnfunc.testing import strategies as nst

Arr = np.ndarray[Any, Any]
T = TypeVar("T")
DTYPES = (np.float32, np.float64)
NETWORKS = ("mlp", "stack", "sequential", "normed")
FORMATS: dict[str, type[Any]] = {
    "csr_matrix": sp.csr_matrix,
    "csc_matrix": sp.csc_matrix,
    "csr_array": sp.csr_array,
    "csc_array": sp.csc_array,
}
TOL: dict[Any, dict[str, float]] = {
    # float32: sparse and dense products sum in other orders, and batch norm over a few samples amplifies
    # that rounding (1e-4 seen); a sparse-path bug is off by far more
    np.float32: {"rtol": 1e-3, "atol": 1e-4},
    np.float64: {"rtol": 1e-9, "atol": 1e-12},
}
EXAMPLES = settings(max_examples=15, deadline=None)


def _network(kind: str, key: nf.Key, n_in: int, width: int, n_out: int, dtype: Any) -> nf.Layer:
    """An MLP ``n_in-width-width-n_out``; a ``Sequential`` of its Dense layers (``"stack"``); or one with dropout
    and a residual block, and for ``"normed"`` batch norm and layer norm too."""
    mlp = nf.init_mlp(key, (n_in, width, width, n_out), hidden=nf.relu, dtype=dtype)
    if kind == "mlp":
        return mlp
    if kind == "stack":  # Dense layers only: the MLP's fast path
        return nf.Sequential(mlp.layers)
    first, middle, last = mlp.layers
    before: tuple[nf.Layer, ...] = (nf.BatchNorm(width, dtype=dtype),) if kind == "normed" else ()
    after: tuple[nf.Layer, ...] = (nf.LayerNorm(width, dtype=dtype),) if kind == "normed" else ()
    if kind == "normed":
        # tanh, not relu, before batch norm: the bias there gets a gradient that is zero but for rounding, and
        # an all-zero sparse row puts that bias on relu's kink, where rounding would pick the derivative
        first = nf.Dense(first.w, first.b, nf.tanh)
    return nf.Sequential(
        (first, *before, nf.Dropout(0.25), nf.Residual(nf.Dense(middle.w, middle.b, nf.tanh)), *after, last)
    )


def _adam_is_defined(kind: str) -> bool:
    """Whether Adam's steps are fixed by the data rather than by rounding, so sparse and dense runs can agree.

    Batch norm over one or two samples and layer norm over one or two features give outputs that do not
    depend on their inputs (0, or +-1), and the bias before batch norm never matters: the gradients there
    are zero but for rounding, which Adam (dividing by the gradient's own size) turns into steps of up to
    ``lr``. The ``"normed"`` network is compared with SGD steps only, whose steps scale with the gradient.
    """
    return kind != "normed"


def _inputs(key: nf.Key, n: int, n_in: int, density: float, dtype: Any, fmt: str = "csr_matrix") -> tuple[Any, Arr]:
    """A sparse ``(n, n_in)`` matrix of standard normal nonzeros at about ``density``, and its dense twin."""
    g = nf.rng(key)
    dense = (g.standard_normal((n, n_in)) * (g.random((n, n_in)) < density)).astype(dtype)
    return FORMATS[fmt](dense), dense


def _labels(key: nf.Key, n: int, n_classes: int) -> tuple[Arr, Arr]:
    """Integer labels and integer sample weights in ``[0, 3]`` (zeros included, not all zero)."""
    g = nf.rng(nf.split(key)[1])
    w = g.integers(0, 4, n).astype(np.float64)
    w[0] = max(w[0], 1.0)
    return g.integers(0, n_classes, n), w


def _close(a: object, b: object, dtype: Any) -> None:
    np.testing.assert_allclose(
        np.asarray(a, dtype=np.float64),
        np.asarray(b, dtype=np.float64),
        rtol=TOL[dtype]["rtol"],
        atol=TOL[dtype]["atol"],
    )


def _same_tree(a: object, b: object, dtype: Any) -> None:
    la, lb = nf.tree_leaves(a), nf.tree_leaves(b)
    assert len(la) == len(lb)
    for x, y in zip(la, lb, strict=True):
        if not isinstance(x, np.ndarray) or x.dtype.kind != "f":  # an optimiser's step count
            assert np.array_equal(x, y)
            continue
        assert isinstance(y, np.ndarray) and x.dtype == y.dtype == np.dtype(dtype), (x.dtype, y)
        _close(x, y, dtype)


def _as64(tree: T) -> T:
    """``tree`` with every float array in float64: the reference for a float32 run."""
    return nf.tree_map(lambda a: a.astype(np.float64) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a, tree)


def _agree(sparse: object, dense: object, reference: object, dtype: Any) -> None:
    """The sparse run's result equals the dense run's, up to the rounding of ``dtype``.

    Adam divides by the gradient's own size, so a gradient that is near zero moves its parameter by up to
    ``lr`` whatever its rounding; in float32, rounding (1e-8) is near Adam's ``eps``. A float32 result is
    held to the distance between the dense float32 run and the same run in float64 (``reference``): sparse
    inputs may not add more than float32 rounding does.
    """
    if dtype is np.float64:
        _same_tree(sparse, dense, dtype)
        return
    for s, d, r in zip(nf.tree_leaves(sparse), nf.tree_leaves(dense), nf.tree_leaves(reference), strict=True):
        if not isinstance(s, np.ndarray) or s.dtype.kind != "f":
            assert np.array_equal(s, d)
            continue
        assert s.dtype == d.dtype == np.float32
        noise = float(np.abs(d - r).max(initial=0.0))
        err = float(np.abs(s - d).max(initial=0.0))
        assert err <= 4 * noise + 2e-5 * (1 + float(np.abs(d).max(initial=0.0))), (err, noise)


# -- one pass: outputs, losses, gradients, steps ----------------------------------------------------------------


@pytest.mark.parametrize("kind", NETWORKS)
@pytest.mark.parametrize("dtype", DTYPES)
@EXAMPLES
@given(
    key=nst.keys(),
    n=st.integers(1, 24),
    n_in=st.integers(1, 12),
    width=st.integers(1, 6),
    n_out=st.integers(1, 4),
    density=st.sampled_from([0.0, 0.05, 0.3, 1.0]),
    fmt=st.sampled_from(sorted(FORMATS)),
)
def test_inference_matches_dense(
    kind: str, dtype: Any, key: nf.Key, n: int, n_in: int, width: int, n_out: int, density: float, fmt: str
) -> None:
    params = _network(kind, key, n_in, width, n_out, dtype)
    xs, xd = _inputs(key, n, n_in, density, dtype, fmt)
    out_s, out_d = nf.forward(params, xs), nf.forward(params, xd)
    assert isinstance(out_s, np.ndarray) and out_s.dtype == np.dtype(dtype) and out_s.shape == (n, n_out)
    _close(out_s, out_d, dtype)
    proba_s, proba_d = nf.predict_proba(params, xs), nf.predict_proba(params, xd)
    assert proba_s.dtype == np.dtype(dtype)
    _close(proba_s, proba_d, dtype)
    top = np.sort(proba_d, axis=1)
    clear = top[:, -1] - top[:, -2] > 1e-3  # rows whose label no rounding can flip
    np.testing.assert_array_equal(nf.predict(params, xs)[clear], nf.predict(params, xd)[clear])
    if clear.all():
        y = nf.predict(params, xd)[::-1]
        assert nf.accuracy(params, xs, y) == nf.accuracy(params, xd, y)


@pytest.mark.parametrize("kind", NETWORKS)
@pytest.mark.parametrize("dtype", DTYPES)
@EXAMPLES
@given(
    key=nst.keys(),
    n=st.integers(1, 24),
    n_in=st.integers(1, 12),
    width=st.integers(1, 6),
    n_classes=st.integers(2, 4),
    density=st.sampled_from([0.0, 0.05, 0.3, 1.0]),
    fmt=st.sampled_from(sorted(FORMATS)),
    weighted=st.booleans(),
    l2=st.sampled_from([0.0, 0.1]),
)
def test_loss_grad_and_steps_match_dense(
    kind: str,
    dtype: Any,
    key: nf.Key,
    n: int,
    n_in: int,
    width: int,
    n_classes: int,
    density: float,
    fmt: str,
    weighted: bool,
    l2: float,
) -> None:
    params = _network(kind, key, n_in, width, n_classes, dtype)
    xs, xd = _inputs(key, n, n_in, density, dtype, fmt)
    y, w = _labels(key, n, n_classes)
    weight = w if weighted else None
    bs, bd = nf.Batch(xs, y, weight, key=key), nf.Batch(xd, y, weight, key=key)
    assert sp.issparse(bs.x)  # the batch keeps the matrix sparse

    loss_s, loss_d = nf.loss(params, bs, l2=l2), nf.loss(params, bd, l2=l2)
    assert np.asarray(loss_s).dtype == np.dtype(dtype)
    _close(loss_s, loss_d, dtype)
    _close(nf.loss(params, bs, training=False), nf.loss(params, bd, training=False), dtype)

    value_s, grad_s = nf.value_and_grad(params, bs, l2=l2)
    _close(value_s, loss_d, dtype)
    _same_tree(grad_s, nf.grad(params, bd, l2=l2), dtype)
    _same_tree(nf.grad(params, bs, l2=l2), grad_s, dtype)

    _same_tree(nf.sgd_step(params, bs, lr=0.3, l2=l2), nf.sgd_step(params, bd, lr=0.3, l2=l2), dtype)

    if not _adam_is_defined(kind):
        return
    opt = nf.adam(0.01)
    step = nf.optimizer_step(opt, l2=l2)
    state = opt.init(params)
    new_s, state_s = step((params, state), bs)
    new_d, state_d = step((params, state), bd)
    p64 = _as64(params)
    new_r, state_r = step((p64, opt.init(p64)), nf.Batch(xd.astype(np.float64), y, weight, key=key))
    _agree(new_s, new_d, new_r, dtype)
    _agree(state_s, state_d, state_r, dtype)


@pytest.mark.parametrize("pairing", nst.PAIRINGS, ids=lambda p: f"{p.cost.name}-{p.output.name}-{p.labels}")
@settings(max_examples=6, deadline=None)
@given(key=nst.keys(), dtype=nst.dtypes(), n=st.integers(1, 12), density=st.sampled_from([0.0, 0.2, 0.6]))
def test_every_cost_has_the_dense_gradient(
    pairing: nst.Pairing, key: nf.Key, dtype: Any, n: int, density: float
) -> None:
    params = nf.init_mlp(key, (7, 5, max(pairing.min_outputs, 3)), hidden=nf.tanh, output=pairing.output, dtype=dtype)
    dense = nst.batch_for(params, key, labels=pairing.labels, n=n)
    mask = nf.rng(nf.split(key)[0]).random(dense.x.shape) < density
    xd = np.where(mask, cast(Arr, dense.x), 0).astype(dtype)
    bs, bd = nf.Batch(sp.csr_matrix(xd), dense.y), nf.Batch(xd, dense.y)
    value_s, grad_s = nf.value_and_grad(params, bs, cost=pairing.cost, l2=0.01)
    value_d, grad_d = nf.value_and_grad(params, bd, cost=pairing.cost, l2=0.01)
    _close(value_s, value_d, np.dtype(dtype).type)
    _same_tree(grad_s, grad_d, np.dtype(dtype).type)


# -- training over nf.batches -----------------------------------------------------------------------------------


def _train_adam(params: nf.Layer, data: nf.Batches) -> nf.Layer:
    opt = nf.adam(0.02)
    carry: tuple[Any, Any] = (params, opt.init(params))
    trained, _ = nf.train(nf.optimizer_step(opt), carry, data)
    return cast(nf.Layer, trained)


# Batch norm over a batch of one or two and layer norm over two features pass on gradients that are zero
# but for rounding, divided by a tiny spread: over many steps that is chaos, not a property of sparse inputs.
# The normed network trains on batches of 4 or more (drop_last) and 3 or more features, in float64 only:
# in float32 the spread of a few samples still amplifies rounding (its steps are compared one at a time above).
TRAINING = [(kind, dtype) for kind in NETWORKS for dtype in DTYPES if kind != "normed" or dtype is np.float64]


@pytest.mark.parametrize(("kind", "dtype"), TRAINING)
@EXAMPLES
@given(
    key=nst.keys(),
    n=st.integers(2, 40),
    n_in=st.integers(1, 12),
    width=st.integers(2, 6),
    n_classes=st.integers(2, 4),
    batch_size=st.integers(1, 16),
    density=st.sampled_from([0.05, 0.3]),
    fmt=st.sampled_from(sorted(FORMATS)),
)
def test_training_over_shuffled_weighted_batches_matches_dense(
    kind: str,
    dtype: Any,
    key: nf.Key,
    n: int,
    n_in: int,
    width: int,
    n_classes: int,
    batch_size: int,
    density: float,
    fmt: str,
) -> None:
    normed = kind == "normed"
    if normed:  # batch norm over 4 or more samples, layer norm over 3 or more features (see TRAINING)
        width, batch_size = max(width, 3), max(batch_size, 4)
        n = max(n, batch_size)
    params = _network(kind, key, n_in, width, n_classes, dtype)
    xs, xd = _inputs(key, n, n_in, density, dtype, fmt)
    y, w = _labels(key, n, n_classes)
    data_key = nf.split(key, 3)[2]
    kw: dict[str, Any] = {"batch_size": batch_size, "epochs": 2, "sample_weight": w, "drop_last": normed}
    sparse, dense = nf.batches(data_key, xs, y, **kw), nf.batches(data_key, xd, y, **kw)
    assert len(sparse) == len(dense)
    for bs, bd in zip(sparse, dense, strict=True):  # the same rows, labels, weights and keys, in the same order
        assert sp.issparse(bs.x) and bs.x.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(bs.x.toarray(), bd.x)
        np.testing.assert_array_equal(bs.y, bd.y)
        assert bs.sample_weight is not None and bd.sample_weight is not None
        np.testing.assert_array_equal(bs.sample_weight, bd.sample_weight)
        assert bs.key == bd.key

    sgd = nf.train(lambda p, b: nf.sgd_step(p, b, lr=0.1), params, sparse)
    _same_tree(sgd, nf.train(lambda p, b: nf.sgd_step(p, b, lr=0.1), params, dense), dtype)
    if not _adam_is_defined(kind):
        return
    trained = _train_adam(params, sparse)
    reference = _train_adam(_as64(params), nf.batches(data_key, xd.astype(np.float64), y, **kw))
    _agree(trained, _train_adam(params, dense), reference, dtype)
    _close(nf.forward(trained, xs), nf.forward(trained, xd), dtype)


# -- dtypes -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", NETWORKS)
@pytest.mark.parametrize("x_dtype", [np.float32, np.float64, np.int64])
def test_float32_network_stays_float32_whatever_the_sparse_dtype(kind: str, x_dtype: Any) -> None:
    key = nf.Key(4)
    params = _network(kind, key, 9, 5, 3, np.float32)
    g = nf.rng(key)
    xs: Any = sp.random(30, 9, density=0.3, format="csr", random_state=g, dtype=np.float64) * 4
    xs = xs.astype(x_dtype)
    y, w = _labels(key, 30, 3)
    batch = nf.Batch(xs, y, w, key=key)
    assert nf.forward(params, xs).dtype == np.float32
    assert nf.predict_proba(params, xs).dtype == np.float32
    assert np.asarray(nf.loss(params, batch)).dtype == np.float32
    value, grads = nf.value_and_grad(params, batch, l2=0.1)
    assert np.asarray(value).dtype == np.float32
    assert {leaf.dtype for leaf in nf.tree_leaves(grads)} == {np.dtype(np.float32)}
    stepped = nf.sgd_step(params, batch, lr=0.1)
    assert {leaf.dtype for leaf in nf.tree_leaves(stepped)} == {np.dtype(np.float32)}
    trained = _train_adam(params, nf.batches(key, xs, y, batch_size=8, sample_weight=w))
    assert {leaf.dtype for leaf in nf.tree_leaves(trained)} == {np.dtype(np.float32)}


def test_sparse_input_is_left_as_it_was() -> None:
    key = nf.Key(5)
    params = _network("sequential", key, 8, 4, 2, np.float64)
    xs, _ = _inputs(key, 20, 8, 0.3, np.float64)
    before = (xs.data.copy(), xs.indices.copy(), xs.indptr.copy())
    y, w = _labels(key, 20, 2)
    _train_adam(params, nf.batches(key, xs, y, batch_size=6, epochs=2, sample_weight=w))
    nf.forward(params, xs)
    for a, b in zip((xs.data, xs.indices, xs.indptr), before, strict=True):
        np.testing.assert_array_equal(a, b)
    assert xs.data.flags.writeable  # the caller's arrays are not frozen under them


def test_non_canonical_sparse_input_means_its_sum() -> None:
    """Duplicate entries add up and unsorted indices do not matter, as in scipy's own ``toarray``."""
    rows, cols = np.array([0, 0, 1, 2, 2, 0]), np.array([3, 1, 0, 2, 2, 3])
    vals = np.array([1.0, -2.0, 0.5, 0.25, 0.75, 2.0])
    xs = sp.csr_matrix((vals, (rows, cols)), shape=(3, 4))
    xs.has_canonical_format = False
    dense = np.zeros((3, 4))
    np.add.at(dense, (rows, cols), vals)
    params = _network("mlp", nf.Key(6), 4, 3, 2, np.float64)
    _close(nf.forward(params, xs), nf.forward(params, dense), np.float64)
    _same_tree(nf.grad(params, nf.Batch(xs, [0, 1, 1])), nf.grad(params, nf.Batch(dense, [0, 1, 1])), np.float64)


# -- never densified ----------------------------------------------------------------------------------------------


@pytest.fixture
def no_densify(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every way scipy turns a sparse matrix dense raises while the test runs."""

    def refuse(self: object, *args: object, **kwargs: object) -> None:
        raise AssertionError(f"densified a {type(self).__name__}")

    classes: tuple[type[Any], ...] = (*FORMATS.values(), sp.coo_matrix, sp.coo_array)
    for fmt in classes:
        for klass in fmt.__mro__:
            for name in ("toarray", "todense", "__array__"):
                if name in vars(klass):
                    monkeypatch.setattr(klass, name, refuse)
    yield


@pytest.mark.parametrize("kind", NETWORKS)
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_nothing_densifies_the_input(kind: str, fmt: str, no_densify: None) -> None:
    key = nf.Key(7)
    params = _network(kind, key, 30, 6, 3, np.float32)
    g = nf.rng(key)
    xs = FORMATS[fmt](sp.random(50, 30, density=0.1, format="coo", random_state=g, dtype=np.float64))
    with pytest.raises(AssertionError, match="densified"):
        xs.toarray()  # the trap is armed
    y, w = _labels(key, 50, 3)
    batch = nf.Batch(xs, y, w, key=key)
    nf.forward(params, xs)
    nf.predict(params, xs)
    nf.predict_proba(params, xs)
    nf.accuracy(params, xs, y)
    nf.loss(params, batch, l2=0.1)
    nf.value_and_grad(params, batch, l2=0.1)
    nf.sgd_step(params, batch, lr=0.1, l2=0.1)
    data = nf.batches(key, xs, y, batch_size=16, epochs=2, sample_weight=w)
    nf.train(lambda p, b: nf.sgd_step(p, b, lr=0.1), params, data)
    _train_adam(params, data)


# Peak bytes of an epoch in units of the parameters' bytes (beyond twice the sparse data: nf.batches'
# copy of a writeable matrix and one shuffled minibatch). SGD holds the parameters, the gradient and the
# new parameters; Adam also its two moments, their successors and a few temporaries of the update.
BUDGET = {"sgd": 4, "adam": 14}


@pytest.mark.parametrize("solver", sorted(BUDGET))
def test_a_wide_matrix_trains_in_the_memory_of_its_nonzeros(solver: str) -> None:
    """1024 x 200 000 float32 at 0.05 %: 819 MB dense, 0.8 MB of nonzeros; the first weight is 3.2 MB.

    An epoch over shuffled, weighted minibatches and the predictions on every row stay within the
    sparse data plus a few times the parameters (``BUDGET``), far below one dense copy.
    """
    n, n_in, width = 1024, 200_000, 4
    key = nf.Key(8)
    xs: Any = sp.random(n, n_in, density=5e-4, format="csr", random_state=nf.rng(key), dtype=np.float32)
    y, w = _labels(key, n, 3)
    params = nf.init_mlp(key, (n_in, width, 3), hidden=nf.relu, dtype=np.float32)
    param_bytes = sum(leaf.nbytes for leaf in nf.tree_leaves(params))
    sparse_bytes = xs.data.nbytes + xs.indices.nbytes + xs.indptr.nbytes
    tracemalloc.start()
    try:
        data = nf.batches(key, xs, y, batch_size=64, sample_weight=w)
        if solver == "sgd":
            trained = nf.train(lambda p, b: nf.sgd_step(p, b, lr=0.1), params, data)
        else:
            trained = cast(nf.MLP, _train_adam(params, data))
        probabilities = nf.predict_proba(trained, xs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert probabilities.shape == (n, 3)
    budget = 2 * sparse_bytes + BUDGET[solver] * param_bytes
    assert peak < budget < n * n_in * 4 / 10, (peak, sparse_bytes, param_bytes)


# -- no scipy at import ---------------------------------------------------------------------------------------------


def test_import_and_dense_use_import_no_scipy() -> None:
    code = (
        "import sys, numpy as np, nnfunc as nf\n"
        "p = nf.init_mlp(nf.Key(0), (3, 4, 2))\n"
        "b = nf.Batch(np.ones((5, 3)), [0, 1, 0, 1, 1])\n"
        "nf.forward(p, b.x); nf.grad(p, b); nf.predict_proba(p, b.x)\n"
        "nf.train(lambda q, c: nf.sgd_step(q, c, lr=0.1), p, nf.batches(nf.Key(1), b.x, b.y, batch_size=2))\n"
        "loaded = sorted(m for m in sys.modules if m == 'scipy' or m.startswith('scipy.'))\n"
        "print(loaded)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]", proc.stdout


@pytest.mark.parametrize(
    "first",
    [nf.LayerNorm(3), nf.Residual(nf.Dense(np.eye(3), np.zeros(3))), nf.Dropout(0.5)],
    ids=["layer_norm", "residual", "dropout"],
)
def test_a_network_that_cannot_take_sparse_input_says_so(first: nf.Layer) -> None:
    x = sp.random(20, 3, density=0.3, format="csr", random_state=0)
    net = nf.Sequential([first, nf.Dense(np.ones((3, 2)), np.zeros(2))])
    with pytest.raises(TypeError, match=r"^x: a scipy\.sparse matrix needs"):
        nf.forward(net, x)
    with pytest.raises(TypeError, match=r"^x: a scipy\.sparse matrix needs"):
        nf.grad(net, nf.Batch(x, np.arange(20) % 2, key=nf.Key(0)))
