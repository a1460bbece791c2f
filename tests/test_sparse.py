"""Sparse ``x`` on the data side: ``Batch``, ``batches`` and ``as_features`` keep it CSR, never dense, immutable."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import nnfunc as nf
from nnfunc.batch import as_features, is_sparse
from nnfunc.testing import strategies as nst

Arr = np.ndarray[Any, Any]
FORMATS = ["csr_matrix", "csc_matrix", "csr_array", "csc_array", "coo_matrix"]


def _dense_data(n: int, d: int, key: nf.Key, dtype: Any = np.float64) -> Arr:
    gen = nf.rng(key)
    a = gen.standard_normal((n, d)) * (gen.random((n, d)) < 0.3)
    a[:, 0] = np.arange(n)  # the sample id, so rows can be followed
    return a.astype(dtype)


def _sparse(a: Arr, fmt: str) -> Any:
    return getattr(sp, fmt)(a)


def _rows(batch: nf.Batch) -> Arr:
    assert not isinstance(batch.x, np.ndarray) and is_sparse(batch.x)
    assert batch.x.format == "csr"
    return batch.x.toarray()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_batch_stores_csr_with_float_data_read_only(fmt: str, dtype: Any) -> None:
    a = _dense_data(6, 4, nf.Key(0), dtype)
    batch = nf.Batch(_sparse(a, fmt), np.arange(6) % 2)
    assert not isinstance(batch.x, np.ndarray)
    assert batch.x.dtype == (np.float64 if dtype == np.int64 else dtype)
    assert type(batch.x).__name__.startswith("csr_")
    for part in (batch.x.data, batch.x.indices, batch.x.indptr):
        assert not part.flags.writeable
    np.testing.assert_array_equal(_rows(batch), a.astype(batch.x.dtype))
    assert batch.x.has_canonical_format


@settings(max_examples=40, deadline=None)
@given(fmt=st.sampled_from(FORMATS[:4]), key=nst.keys(), read_only=st.booleans())
def test_writes_to_the_callers_sparse_matrix_change_nothing(fmt: str, key: nf.Key, read_only: bool) -> None:
    a = _dense_data(5, 3, key)
    m = _sparse(a, fmt)
    if read_only:  # read-only parts of writeable memory: still not shared
        for part in (m.data, m.indices, m.indptr):
            part.flags.writeable = False
    batch = nf.Batch(m, np.zeros(5, dtype=int))
    data = nf.batches(key, m, np.zeros(5, dtype=int), batch_size=2)
    if not read_only:
        m.data[...] = 7.0
    m.data = np.full_like(m.data, -1.0)
    np.testing.assert_array_equal(_rows(batch), a)
    got = np.concatenate([_rows(b) for b in data])
    np.testing.assert_array_equal(got[np.argsort(got[:, 0])], a)


def test_an_immutable_canonical_csr_is_shared_not_copied() -> None:
    m = sp.csr_matrix(_dense_data(5, 3, nf.Key(1)))
    m.data, m.indices, m.indptr = m.data.copy(), m.indices.copy(), m.indptr.copy()  # arrays owning their memory
    for part in (m.data, m.indices, m.indptr):
        part.flags.writeable = False
    batch = nf.Batch(m, np.zeros(5, dtype=int))
    assert not isinstance(batch.x, np.ndarray)
    assert batch.x is not m and batch.x.data is m.data


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 15),
    batch_size=st.one_of(st.none(), st.integers(1, 6)),
    shuffle=st.booleans(),
    fmt=st.sampled_from(FORMATS),
    key=nst.keys(),
)
def test_sparse_batches_equal_dense_batches(
    n: int, batch_size: int | None, shuffle: bool, fmt: str, key: nf.Key
) -> None:
    a = _dense_data(n, 4, key)
    y, w = np.arange(n) % 3, np.arange(n) + 1.0
    dense = nf.batches(key, a, y, batch_size=batch_size, shuffle=shuffle, epochs=2, sample_weight=w)
    sparse = nf.batches(key, _sparse(a, fmt), y, batch_size=batch_size, shuffle=shuffle, epochs=2, sample_weight=w)
    assert len(dense) == len(sparse)
    for bd, bs in zip(dense, sparse, strict=True):
        np.testing.assert_array_equal(_rows(bs), bd.x)
        np.testing.assert_array_equal(bs.y, bd.y)
        np.testing.assert_array_equal(np.asarray(bs.sample_weight), np.asarray(bd.sample_weight))
        assert bs.key == bd.key
        assert not isinstance(bs.x, np.ndarray)
        assert not bs.x.data.flags.writeable


def test_sparse_input_is_checked() -> None:
    bad = sp.csr_matrix(np.array([[0.0, np.nan], [1.0, 0.0]]))
    with pytest.raises(ValueError, match="x: contains NaN"):
        nf.Batch(bad, [0, 1])
    with pytest.raises(ValueError, match="x: contains NaN"):
        as_features(bad)
    with pytest.raises(TypeError, match="x: expected a real numeric sparse matrix"):
        nf.Batch(sp.csr_matrix(np.array([[1 + 1j]])), [0])
    with pytest.raises(ValueError, match=r"x: expected at least one sample"):
        nf.Batch(sp.csr_matrix((0, 3)), np.zeros(0, dtype=int))
    with pytest.raises(ValueError, match="y: expected 2 rows"):
        nf.Batch(sp.csr_matrix(np.eye(2)), [0, 1, 1])


def test_as_features_never_densifies() -> None:
    rows = np.arange(0, 100_000, 10)
    big = sp.csr_matrix((np.ones(rows.size), (rows, rows)), shape=(100_000, 100_000))  # 80 GB if dense
    got = as_features(big)
    assert is_sparse(got) and got.shape == big.shape


def test_import_nnfunc_imports_no_scipy() -> None:
    code = "import sys, nnfunc; print(sorted(m for m in sys.modules if m == 'scipy' or m.startswith('scipy.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_each_immutable_part_is_shared_and_only_the_others_copied() -> None:
    m = sp.csr_matrix(_dense_data(6, 4, nf.Key(2)))
    m.indptr = m.indptr.copy()
    m.indptr.flags.writeable = False  # owns its memory: shareable
    m.data = m.data[:]  # a view of writeable memory, read-only view or not: copied
    m.data.flags.writeable = False
    batch = nf.Batch(m, np.zeros(6, dtype=int))
    assert not isinstance(batch.x, np.ndarray)
    assert batch.x.indptr is m.indptr
    assert batch.x.data is not m.data and not batch.x.data.flags.writeable
    assert not batch.x.indices.flags.writeable and m.indices.flags.writeable  # the caller's flags untouched
