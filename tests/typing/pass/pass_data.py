"""Data as users have it (DataFrame, Series, lists, integer arrays, sparse matrices) type-checks where it enters."""

from __future__ import annotations

from typing import assert_type

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import NDArray

import nnfunc as nf

df = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
labels = pd.Series([0, 1, 0, 1])
rows = [[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]]
ints: NDArray[np.int64] = np.array([[0, 1], [1, 0], [2, 1], [3, 0]])
weights = pd.Series([1.0, 2.0, 1.0, 0.5])

assert_type(nf.Batch(df, labels), nf.Batch)
assert_type(nf.Batch(rows, [0, 1, 0, 1], [1.0, 1.0, 2.0, 2.0]), nf.Batch)
assert_type(nf.Batch(ints, labels.to_numpy(), sample_weight=weights, key=nf.Key(0)), nf.Batch)
assert_type(nf.Batch(sp.csr_matrix(ints), labels), nf.Batch)
assert_type(nf.Batch(sp.csc_array(ints), [0, 1, 0, 1]), nf.Batch)
assert_type(nf.batches(nf.Key(0), df, labels, batch_size=2, sample_weight=weights), nf.Batches)
assert_type(nf.batches(nf.Key(0), rows, [0, 1, 0, 1], batch_size=None), nf.Batches)
assert_type(nf.batches(nf.Key(0), sp.csr_matrix(ints), labels, batch_size=2, shuffle=False), nf.Batches)

assert_type(nf.one_hot(labels, 2), NDArray[np.floating])
assert_type(nf.one_hot([0, 1, 1], 2), NDArray[np.floating])
assert_type(nf.smooth_labels(labels, 2, 0.1), NDArray[np.floating])
assert_type(nf.smooth_labels([0, 1], 2, 0.1, np.float32), NDArray[np.floating])

batch = nf.Batch(df, labels, weights)
assert_type(batch.sample_weight, NDArray[np.floating] | None)
assert_type(batch.key, nf.Key | None)
assert_type(len(batch), int)
if isinstance(batch.x, np.ndarray):
    assert_type(batch.x, NDArray[np.floating])

params = nf.init_mlp(nf.Key(1), (2, 3, 2))
assert_type(nf.forward(params, df), NDArray[np.floating])
assert_type(nf.predict(params, rows), NDArray[np.intp])
assert_type(nf.accuracy(params, df, labels), float)
assert_type(nf.loss(params, batch, cost=nf.huber(0.5)), np.floating)
assert_type(nf.loss(params, batch, cost=nf.mean_absolute_error), np.floating)
assert_type(nf.softmax_cross_entropy(np.zeros((2, 2)), np.array([0, 1])), np.floating)
assert_type(nf.softmax([[1.0, 2.0]]), NDArray[np.floating])
