"""PyTorch peers (optional). torch is loaded through ``importlib`` so it stays an optional,
untyped dependency: every torch object here is ``Any`` and mypy never analyses torch itself."""

from __future__ import annotations

import importlib
import itertools
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray


def load_torch() -> Any | None:
    """The ``torch`` module, or ``None`` when it is not installed."""
    try:
        return importlib.import_module("torch")
    except ImportError:
        return None


def _mlp(torch: Any, sizes: tuple[int, ...], hidden: str, dtype: np.dtype[Any], seed: int) -> Any:
    nn = torch.nn
    torch.manual_seed(seed)
    act = {"tanh": nn.Tanh, "relu": nn.ReLU}[hidden]
    mods: list[Any] = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        mods.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            mods.append(act())
    return nn.Sequential(*mods).to(torch.float64 if dtype == np.float64 else torch.float32)


def full_batch_steps(
    torch: Any,
    x: NDArray[np.float64],
    y: NDArray[np.int64],
    *,
    sizes: tuple[int, ...],
    lr: float,
    l2: float,
    steps: int,
) -> Any:
    """``steps`` full-batch SGD steps (weight decay ``l2``) of a tanh MLP with softmax cross-entropy."""
    model = _mlp(torch, sizes, "tanh", np.dtype(np.float64), 0)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    opt = torch.optim.SGD(model.parameters(), lr=lr, weight_decay=l2)
    loss_fn = torch.nn.CrossEntropyLoss()
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(model(xt), yt).backward()
        opt.step()
    return model


def epoch(
    torch: Any,
    x: NDArray[np.floating[Any]],
    y: NDArray[np.int64],
    *,
    sizes: tuple[int, ...],
    solver: str,
    lr: float,
    batch_size: int,
    seed: int = 0,
) -> Any:
    """One shuffled minibatch epoch of a relu MLP with softmax cross-entropy, SGD or Adam."""
    model = _mlp(torch, sizes, "relu", x.dtype, seed)
    with warnings.catch_warnings():  # read-only data (shared with nnfunc): torch only reads them
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    params = model.parameters()
    opt = torch.optim.SGD(params, lr=lr) if solver == "sgd" else torch.optim.Adam(params, lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(x), generator=gen)
    for start in range(0, len(x), batch_size):
        idx = order[start : start + batch_size]
        opt.zero_grad()
        loss_fn(model(xt[idx]), yt[idx]).backward()
        opt.step()
    return model
