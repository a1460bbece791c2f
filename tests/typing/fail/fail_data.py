"""Mistakes with data, weights and the new costs; each marked line must fail ``mypy --strict``."""

from __future__ import annotations

import pandas as pd

import nnfunc as nf

df = pd.DataFrame({"a": [0.0, 1.0], "b": [1.0, 0.0]})
labels = pd.Series([0, 1])
batch = nf.Batch(df, labels)

# the key is keyword-only and a Key, not a seed
nf.Batch(df, labels, None, nf.Key(0))  # E: call-arg
nf.Batch(df, labels, key=0)  # E: arg-type
# sample weights are spelt sample_weight
nf.Batch(df, labels, weights=[1.0, 1.0])  # E: call-arg
nf.batches(nf.Key(0), df, labels, batch_size=1, weight=[1.0, 1.0])  # E: call-arg
# a DataFrame is not a Batch
nf.loss(nf.init_mlp(nf.Key(0), (2, 2)), df)  # E: arg-type
# huber is a function of delta: call it
nf.loss(nf.init_mlp(nf.Key(0), (2, 1)), batch, cost=nf.huber)  # E: arg-type
# smooth_labels needs n_classes and alpha; alpha is a number
nf.smooth_labels(labels, 2)  # E: call-arg
nf.smooth_labels(labels, 2, "0.1")  # E: arg-type
# shuffle is a bool flag, batch_size is required
nf.batches(nf.Key(0), df, labels)  # E: call-arg
# stored weights are read as arrays or None: check for None first
first = batch.sample_weight[0]  # E: index
