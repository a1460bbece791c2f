"""nnfunc networks to ONNX files (the ``onnx`` package is imported when :func:`to_onnx` is called).

One converter per layer kind (:data:`_TO_ONNX`), each appending nodes to a :class:`_Graph` and
returning the name of its output. Every constant is stored in the network's dtype: ONNX attributes
are float32 (``LeakyRelu``'s ``alpha``, the normalisations' ``epsilon``), so the slope and the
normalisations are written as arithmetic nodes instead, which keeps float64 networks exact to 1e-12.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..io import _check_path
from ..layers import (
    MLP,
    ActivationLayer,
    BatchNorm,
    Concatenate,
    Dense,
    Dropout,
    LayerNorm,
    Residual,
    Sequential,
)
from ..network import forward
from ._common import activation_kind, require, write_atomically
from ._layers import check_network, network_dtype, refuse

OPSET = 17
"""The ONNX opset written (supported by onnxruntime 1.15 and later)."""
IR_VERSION = 8
"""The ONNX IR version that goes with :data:`OPSET`."""


class _Graph:
    """Nodes and constants being collected for one model, in one dtype."""

    def __init__(self, onnx: Any, dtype: np.dtype[Any]) -> None:
        self.onnx = onnx
        self.dtype = dtype
        self.nodes: list[Any] = []
        self.constants: list[Any] = []

    def const(self, name: str, a: object) -> str:
        """A constant (initializer) called ``name`` holding ``a`` in the graph's dtype."""
        array = np.asarray(a, dtype=self.dtype)
        self.constants.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def op(self, op_type: str, inputs: list[str], where: str, **attributes: Any) -> str:
        """Append one node; its output is named ``where/op_type`` (numbered if taken)."""
        out = f"{where}/{op_type}"
        taken = {node.output[0] for node in self.nodes}
        n = 1
        while out in taken:
            n += 1
            out = f"{where}/{op_type}_{n}"
        self.nodes.append(self.onnx.helper.make_node(op_type, inputs, [out], name=out, **attributes))
        return out


def to_onnx(params: object, path: object) -> None:
    """Write ``params`` as an ONNX model (opset :data:`OPSET`) to the file ``path``.

    The graph takes ``x`` ``(batch, n_in)`` and gives ``y`` ``(batch, n_out)``, in the parameters'
    dtype (float32 or float64; float64 for a network without arrays), with a dynamic batch dimension.
    ``nf.Dense`` becomes ``MatMul`` and ``Add`` then its activation (``Tanh``, ``Sigmoid``, ``Relu``,
    ``Softmax(axis=1)``, ``leaky_relu(alpha)`` as ``Max(z, alpha * z)`` with ``alpha`` in the network's dtype);
    ``nf.LayerNorm`` and ``nf.BatchNorm`` (inference: running statistics) the arithmetic nnfunc does;
    ``nf.Dropout`` nothing; ``nf.Residual`` an ``Add``; ``nf.Concatenate`` a ``Concat``. onnxruntime
    runs it to nnfunc's outputs (within 1e-12 in float64). The file is written atomically (temporary
    file, then a rename). Needs the ``interop`` extra.

    Raises ``ValueError`` naming the layer for a layer or activation without an ONNX counterpart.

    >>> import os, tempfile, nnfunc as nf
    >>> from nnfunc.interop import to_onnx
    >>> path = os.path.join(tempfile.mkdtemp(), "net.onnx")
    >>> to_onnx(nf.init_mlp(nf.Key(0), (2, 3, 1)), path)
    >>> import onnxruntime, numpy as np
    >>> session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    >>> session.run(None, {"x": np.zeros((5, 2))})[0].shape
    (5, 1)
    """
    onnx = require("onnx")
    require("onnx.numpy_helper")
    name = _check_path(path)
    check_network(params)
    dtype = network_dtype(params)
    graph = _Graph(onnx, dtype)
    y = _convert(params, "params", graph, "x")
    if y == "x":
        graph.op("Identity", ["x"], "params")
    graph.nodes[-1].output[0] = "y"  # the last node gives the output; nothing else reads it
    n_in, n_out = _widths(params, dtype)
    elem = onnx.helper.np_dtype_to_tensor_dtype(dtype)
    model = onnx.helper.make_model(
        onnx.helper.make_graph(
            graph.nodes,
            "nnfunc",
            [onnx.helper.make_tensor_value_info("x", elem, ["batch", n_in])],
            [onnx.helper.make_tensor_value_info("y", elem, ["batch", n_out])],
            initializer=graph.constants,
        ),
        opset_imports=[onnx.helper.make_opsetid("", OPSET)],
        ir_version=IR_VERSION,
        producer_name="nnfunc",
    )
    onnx.checker.check_model(model)
    write_atomically(name, model.SerializeToString())


def _widths(params: Any, dtype: np.dtype[Any]) -> tuple[int | str, int | str]:
    """``(n_in, n_out)`` of the network, a symbolic name where the network does not fix it. ``n_out``
    comes from running the network on one row of zeros (a layer's own ``n_out`` may not know it)."""
    n_in = params.n_in
    if n_in is None:
        return "n_in", "n_out"
    return int(n_in), int(forward(params, np.zeros((1, n_in), dtype=dtype)).shape[1])


def _convert(layer: object, where: str, graph: _Graph, x: str) -> str:
    convert = _TO_ONNX.get(type(layer))
    if convert is None:
        raise refuse(layer, where, "ONNX", _TO_ONNX)
    return convert(layer, where, graph, x)


def _chain(layer: Any, where: str, graph: _Graph, x: str) -> str:
    for i, child in enumerate(layer.layers):
        x = _convert(child, f"{where}.layers[{i}]", graph, x)
    return x


def _activation(act: Any, where: str, graph: _Graph, z: str) -> str:
    name, alpha = activation_kind(act, where)
    if name == "identity":
        return z
    if name == "leaky_relu":
        scaled = graph.op("Mul", [z, graph.const(f"{where}.alpha", alpha)], where)
        return graph.op("Max", [z, scaled], where)
    if name == "softmax":
        return graph.op("Softmax", [z], where, axis=1)
    return graph.op({"tanh": "Tanh", "sigmoid": "Sigmoid", "relu": "Relu"}[name], [z], where)


def _dense(layer: Any, where: str, graph: _Graph, x: str) -> str:
    z = graph.op("MatMul", [x, graph.const(f"{where}.w", layer.w)], where)
    z = graph.op("Add", [z, graph.const(f"{where}.b", layer.b)], where)
    return _activation(layer.activation, f"{where}.activation", graph, z)


def _scale_shift(layer: Any, where: str, graph: _Graph, xhat: str) -> str:
    scaled = graph.op("Mul", [xhat, graph.const(f"{where}.scale", layer.scale)], where)
    return graph.op("Add", [scaled, graph.const(f"{where}.shift", layer.shift)], where)


def _layer_norm(layer: Any, where: str, graph: _Graph, x: str) -> str:
    # nnfunc's arithmetic: xhat = (x - mean) * (1 / sqrt(mean((x - mean)^2) + eps)), over the features.
    mean = graph.op("ReduceMean", [x], where, axes=[1], keepdims=1)
    centred = graph.op("Sub", [x, mean], where)
    var = graph.op("ReduceMean", [graph.op("Mul", [centred, centred], where)], where, axes=[1], keepdims=1)
    std = graph.op("Sqrt", [graph.op("Add", [var, graph.const(f"{where}.eps", layer.eps)], where)], where)
    xhat = graph.op("Mul", [centred, graph.op("Reciprocal", [std], where)], where)
    return _scale_shift(layer, where, graph, xhat)


def _batch_norm(layer: Any, where: str, graph: _Graph, x: str) -> str:
    # Inference: the running statistics are constants, and so is 1 / sqrt(var + eps), computed as nnfunc does.
    inv_std = 1 / np.sqrt(layer.running_var + layer.eps)
    centred = graph.op("Sub", [x, graph.const(f"{where}.running_mean", layer.running_mean)], where)
    xhat = graph.op("Mul", [centred, graph.const(f"{where}.inv_std", inv_std)], where)
    return _scale_shift(layer, where, graph, xhat)


def _residual(layer: Any, where: str, graph: _Graph, x: str) -> str:
    y = _convert(layer.inner, f"{where}.inner", graph, x)
    return graph.op("Add", [y, x], where)


def _concatenate(layer: Any, where: str, graph: _Graph, x: str) -> str:
    outs = [_convert(b, f"{where}.branches[{i}]", graph, x) for i, b in enumerate(layer.branches)]
    return graph.op("Concat", outs, where, axis=1)


_TO_ONNX: dict[type, Callable[[Any, str, _Graph, str], str]] = {
    MLP: _chain,
    Dense: _dense,
    ActivationLayer: lambda layer, where, graph, x: _activation(layer.activation, f"{where}.activation", graph, x),
    Sequential: _chain,
    Residual: _residual,
    Concatenate: _concatenate,
    Dropout: lambda layer, where, graph, x: x,
    LayerNorm: _layer_norm,
    BatchNorm: _batch_norm,
}
