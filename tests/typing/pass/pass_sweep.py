"""``sweep`` returns a list of whatever the function returns, one per setting."""

from __future__ import annotations

from typing import assert_type

import numpy as np

import nnfunc as nf
from nnfunc.sweeps import sweep


def width_score(hidden: int, key: nf.Key) -> float:
    """Mean of a fresh network's first-layer weights (a stand-in for a validation score)."""
    return float(np.mean(nf.init_mlp(key, (2, hidden, 2)).layers[0].w))


assert_type(sweep(width_score, [1, 2, 3], key=nf.Key(0)), list[float])
assert_type(sweep(width_score, range(1, 4), key=nf.Key(0), n_jobs=1), list[float])
