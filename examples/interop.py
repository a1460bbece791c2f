"""Networks that travel: train with nnfunc, run the same network in PyTorch and onnxruntime, and read
it back from a safetensors file.

Two networks learn the moons with minibatch SGD: the tutorials' MLP (2-16-16-2, tanh hidden layers,
softmax cross-entropy on the logits) and an ``nf.Sequential`` with layer norm, dropout, batch norm
(its running statistics threaded through training) and a residual block. Each, in float64 and in a
float32 copy, goes to PyTorch (``to_torch``, and back with ``from_torch``), to ONNX (``to_onnx``, run
by onnxruntime at two batch sizes) and to safetensors (``save_safetensors``, read back by
``load_safetensors`` and by ``safetensors.numpy.load_file``). The example prints the largest absolute
difference from nnfunc's own outputs for each, and ``matches_seed: yes`` when every difference is
within 1e-12 (float64) or 1e-5 (float32) and both networks learned the moons.

    python examples/interop.py [--quick] [--out DIR]

Needs the ``interop`` extra: ``pip install 'nnfunc[interop]'``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _common import Args, run, show
from numpy.typing import NDArray
from sklearn.datasets import make_moons

import nnfunc as nf
from nnfunc.interop import from_torch, load_safetensors, save_safetensors, to_onnx, to_torch

TOLERANCE = {"float64": 1e-12, "float32": 1e-5}
LEARNED = 0.9  # train accuracy both networks should reach on the moons


def networks() -> dict[str, nf.Layer]:
    """The two networks, freshly initialised (float64)."""
    k1, k2, k3 = nf.split(nf.Key(0), 3)
    mlp = nf.init_mlp(k1, (2, 16, 16, 2), hidden=nf.tanh)
    first, last = nf.init_mlp(k2, (2, 16, 2), hidden=nf.relu).layers
    block = nf.init_mlp(k3, (16, 16), hidden=nf.tanh, output=nf.tanh).layers[0]
    sequential = nf.Sequential(
        (first, nf.LayerNorm(16), nf.Dropout(0.1), nf.Residual(block), nf.BatchNorm(16, momentum=0.1), last)
    )
    return {"mlp": mlp, "sequential": sequential}


def as_float32(net: nf.Layer) -> nf.Layer:
    """A float32 copy of a float64 network."""
    copy: nf.Layer = nf.tree_map(lambda a: a.astype(np.float32), net)
    return copy


def max_diff(a: NDArray[Any], b: NDArray[Any]) -> float:
    """Largest absolute difference, computed in float64; the dtypes must agree."""
    if a.dtype != b.dtype or a.shape != b.shape:
        raise ValueError(f"outputs differ in kind: {a.dtype}{a.shape} vs {b.dtype}{b.shape}")
    return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))


def differences(net: nf.Layer, x: NDArray[Any], out: Path, stem: str) -> dict[str, float]:
    """``{target: max abs difference from nf.forward(net, x)}`` for each interchange target."""
    import onnxruntime
    import safetensors.numpy
    import torch

    expected = nf.forward(net, x)
    module = to_torch(net)
    with torch.no_grad():
        torch_out = module(torch.from_numpy(x.copy())).numpy()
    onnx_path = out / f"{stem}.onnx"
    to_onnx(net, onnx_path)
    session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    half = len(x) // 2  # a second batch size: the ONNX batch dimension is dynamic
    onnx_out = np.concatenate([session.run(None, {"x": part})[0] for part in (x[:half], x[half:])])
    st_path = out / f"{stem}.safetensors"
    save_safetensors(st_path, net)
    stored = safetensors.numpy.load_file(str(st_path))
    read_back = [stored[path] for path, leaf in nf.tree_leaves_with_paths(net) if isinstance(leaf, np.ndarray)]
    originals = [leaf for leaf in nf.tree_leaves(net) if isinstance(leaf, np.ndarray)]
    return {
        "torch": max_diff(torch_out, expected),
        "from_torch": max_diff(nf.forward(from_torch(module), x), expected),
        "onnx": max_diff(onnx_out, expected),
        "safetensors": max_diff(nf.forward(load_safetensors(st_path, net), x), expected),
        "safetensors_numpy": max(max_diff(a, b) for a, b in zip(read_back, originals, strict=True)),
    }


def train(net: nf.Layer, x: NDArray[np.float64], y: NDArray[np.intp], *, epochs: int) -> nf.Layer:
    """Minibatch SGD on softmax cross-entropy (batch norm's running statistics move with each step)."""
    step: Callable[[nf.Layer, nf.Batch], nf.Layer] = functools.partial(nf.sgd_step, lr=0.1)
    trained: nf.Layer = nf.train(step, net, nf.batches(nf.Key(1), x, y, batch_size=20, epochs=epochs))
    return trained


def main(args: Args) -> None:
    epochs = 30 if args.quick else 300
    x, y = make_moons(400, noise=0.2, random_state=0)
    ok = True
    for name, net in networks().items():
        trained = train(net, x, y, epochs=epochs)
        accuracy = nf.accuracy(trained, x, y)
        show(f"{name}_train_accuracy", accuracy)
        ok &= accuracy >= LEARNED
        for dtype, version in (("float64", trained), ("float32", as_float32(trained))):
            for target, diff in differences(version, x.astype(dtype), args.out, f"{name}_{dtype}").items():
                show(f"{name}_{dtype}_{target}_max_abs_diff", f"{diff:.3e}")
                ok &= diff <= TOLERANCE[dtype]
    show("matches_seed", "yes" if ok else "no")


if __name__ == "__main__":
    run(main, __doc__)
