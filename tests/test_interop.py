"""Networks that travel: PyTorch, ONNX (run by onnxruntime) and safetensors, for every layer kind.

Properties: every target computes nnfunc's outputs (within 1e-12 in float64, 1e-5 in float32) for
any network hypothesis draws; ``from_torch(to_torch(net))`` gives the same arrays bit for bit; a
module torch built itself is read; what has no counterpart is refused, naming it.
"""

from __future__ import annotations

import itertools
import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nnfunc as nf
from nnfunc.interop import from_torch, load_safetensors, save_safetensors, to_onnx, to_torch
from nnfunc.io import _config
from nnfunc.layers import ActivationLayer, Context
from nnfunc.testing import strategies as nst

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
safetensors_numpy = pytest.importorskip("safetensors.numpy")

Arr = np.ndarray[Any, Any]
TOL = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-12}
ACTIVATIONS = [nf.identity, nf.tanh, nf.sigmoid, nf.relu, nf.leaky_relu(0.1), nf.softmax]
DTYPES = [np.dtype(np.float32), np.dtype(np.float64)]
FEW = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# -- helpers ----------------------------------------------------------------------------------------------


def _inputs(key: nf.Key, n: int, n_in: int, dtype: Any) -> Arr:
    x: Arr = nf.rng(key).standard_normal((n, n_in)).astype(dtype)
    return x


def _torch_out(module: Any, x: Arr) -> Arr:
    with torch.no_grad():
        out: Arr = module(torch.from_numpy(x.copy())).numpy()
    return out


def _onnx_out(path: Path, x: Arr) -> Arr:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    out: Arr = session.run(None, {"x": x})[0]
    return out


def _max_diff(a: Arr, b: Arr) -> float:
    """The largest difference, relative to the outputs' scale when it exceeds 1 (float32 rounding grows with
    it: outputs of 3.5 after a layer norm differ by 2e-5)."""
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, a.dtype, b.shape, b.dtype)
    diff = float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)), initial=0.0))
    return diff / max(1.0, float(np.max(np.abs(b), initial=0.0)))


def _leaves(net: object) -> list[Arr]:
    return [leaf for leaf in nf.tree_leaves(net) if isinstance(leaf, np.ndarray)]


def _assert_same_arrays(a: object, b: object) -> None:
    la, lb = _leaves(a), _leaves(b)
    assert len(la) == len(lb)
    for u, v in zip(la, lb, strict=True):
        assert u.dtype == v.dtype and u.shape == v.shape and np.array_equal(u, v)
        assert not v.flags.writeable


def _assert_identical(a: object, b: object) -> None:
    """Same kinds, static fields (activations), leaf paths and arrays bit for bit."""
    assert type(a) is type(b)
    assert _config(a) == _config(b)
    assert [p for p, _ in nf.tree_leaves_with_paths(a)] == [p for p, _ in nf.tree_leaves_with_paths(b)]
    _assert_same_arrays(a, b)


def _mlp(key: nf.Key, sizes: tuple[int, ...], acts: list[nf.Activation], dtype: Any) -> nf.MLP:
    """An MLP with its own activation per layer."""
    net = nf.init_mlp(key, sizes, dtype=dtype)
    gen = nf.rng(key)
    return nf.MLP(
        tuple(
            nf.Dense(la.w, gen.standard_normal(la.b.shape).astype(dtype) * 0.5, act)
            for la, act in zip(net.layers, acts, strict=True)
        )
    )


@st.composite
def mlps(draw: st.DrawFn) -> tuple[nf.MLP, nf.Key]:
    key = draw(nst.keys())
    sizes = draw(nst.layer_sizes(max_hidden=3, max_width=6))
    acts = [draw(nst.activations()) for _ in sizes[1:]]
    return _mlp(key, sizes, acts, draw(nst.dtypes())), key


def _vec(gen: np.random.Generator, n: int, dtype: Any, low: float, high: float) -> Arr:
    v: Arr = gen.uniform(low, high, n).astype(dtype)
    return v


def _dense(gen: np.random.Generator, n_in: int, n_out: int, act: nf.Activation, dtype: Any) -> nf.Dense:
    w = (gen.standard_normal((n_in, n_out)) / np.sqrt(n_in)).astype(dtype)
    return nf.Dense(w, _vec(gen, n_out, dtype, -0.5, 0.5), act)


BLOCKS: dict[str, Callable[[np.random.Generator, int, nf.Activation, Any], tuple[nf.Layer, int]]] = {
    "dense": lambda g, n, act, dt: (_dense(g, n, 1 + int(g.integers(5)), act, dt), -1),
    "activation": lambda g, n, act, dt: (ActivationLayer(act), n),
    "dropout": lambda g, n, act, dt: (nf.Dropout(0.25), n),
    "layer_norm": lambda g, n, act, dt: (
        nf.LayerNorm(scale=_vec(g, n, dt, 0.5, 1.5), shift=_vec(g, n, dt, -0.5, 0.5), eps=1e-3),
        n,
    ),
    "batch_norm": lambda g, n, act, dt: (
        nf.BatchNorm(
            scale=_vec(g, n, dt, 0.5, 1.5),
            shift=_vec(g, n, dt, -0.5, 0.5),
            running_mean=_vec(g, n, dt, -0.5, 0.5),
            running_var=_vec(g, n, dt, 0.5, 2.0),
            momentum=0.2,
            eps=1e-4,
        ),
        n,
    ),
    "residual": lambda g, n, act, dt: (nf.Residual(_dense(g, n, n, act, dt)), n),
    "residual_block": lambda g, n, act, dt: (
        nf.Residual(nf.Sequential((_dense(g, n, n, act, dt), nf.Dropout(0.5), nf.LayerNorm(n, dtype=dt)))),
        n,
    ),
    "concatenate": lambda g, n, act, dt: (nf.Concatenate((_dense(g, n, 2, act, dt), ActivationLayer(act))), n + 2),
    "mlp": lambda g, n, act, dt: (nf.init_mlp(nf.Key(int(g.integers(99))), (n, 3, 2), hidden=act, dtype=dt), 2),
}


@st.composite
def layered(draw: st.DrawFn) -> tuple[nf.Sequential, nf.Key, int]:
    """An ``nf.Sequential`` of 1-4 blocks of every layer kind, any activation and dtype."""
    key = draw(nst.keys())
    gen = nf.rng(key)
    dtype = draw(nst.dtypes())
    n_in = width = draw(st.integers(1, 5))
    blocks: list[nf.Layer] = []
    for name in draw(st.lists(st.sampled_from(sorted(BLOCKS)), min_size=1, max_size=4)):
        layer, new_width = BLOCKS[name](gen, width, draw(nst.activations()), dtype)
        blocks.append(layer)
        width = new_width if new_width >= 0 else int(layer.n_out or width)
    return nf.Sequential(tuple(blocks)), key, n_in


# -- PyTorch ------------------------------------------------------------------------------------------------


@FEW
@given(drawn=mlps(), n=st.integers(1, 9))
def test_to_torch_computes_forward_and_from_torch_gives_the_network_back(drawn: tuple[nf.MLP, nf.Key], n: int) -> None:
    net, key = drawn
    module = to_torch(net)
    assert isinstance(module, torch.nn.Sequential) and not module.training
    assert {p.dtype for p in module.parameters()} == {torch.float64 if net.dtype == np.float64 else torch.float32}
    x = _inputs(key, n, net.sizes[0], net.dtype)
    assert _max_diff(_torch_out(module, x), nf.forward(net, x)) <= TOL[net.dtype]
    back = from_torch(module)
    _assert_identical(back, net)
    assert isinstance(back, nf.MLP)
    assert all(layer.w.flags.c_contiguous for layer in back.layers)
    assert np.array_equal(nf.forward(back, x), nf.forward(net, x))  # same arrays, same layout, same bits


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("act", ACTIVATIONS, ids=lambda a: a.name)
def test_each_activation_and_dtype_round_trips(act: nf.Activation, dtype: np.dtype[Any]) -> None:
    net = _mlp(nf.Key(3), (4, 5, 3), [act, act], dtype)
    module = to_torch(net)
    expected = {
        "identity": [],
        "tanh": [torch.nn.Tanh],
        "sigmoid": [torch.nn.Sigmoid],
        "relu": [torch.nn.ReLU],
        "leaky_relu(0.1)": [torch.nn.LeakyReLU],
        "softmax": [torch.nn.Softmax],
    }[act.name]
    assert [type(m) for m in module] == [torch.nn.Linear, *expected] * 2
    for m in module:
        if isinstance(m, torch.nn.LeakyReLU):
            assert m.negative_slope == 0.1
        if isinstance(m, torch.nn.Softmax):
            assert m.dim == 1
    x = _inputs(nf.Key(4), 11, 4, dtype)
    assert _max_diff(_torch_out(module, x), nf.forward(net, x)) <= TOL[dtype]
    _assert_identical(from_torch(module), net)


@FEW
@given(drawn=layered(), n=st.integers(2, 9))
def test_every_layer_kind_goes_to_torch_and_back(drawn: tuple[nf.Sequential, nf.Key, int], n: int) -> None:
    net, key, n_in = drawn
    dtype = _leaves(net)[0].dtype if _leaves(net) else np.dtype(np.float64)
    x = _inputs(key, n, n_in, dtype)
    expected = nf.forward(net, x)
    module = to_torch(net)
    assert _max_diff(_torch_out(module, x), expected) <= TOL[dtype]
    back = from_torch(module)
    # The same arrays in the same order; a Sequential of Dense layers alone comes back as an nf.MLP.
    _assert_same_arrays(back, net)
    assert _max_diff(nf.forward(back, x), expected) <= TOL[dtype]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_a_network_of_every_kind_comes_back_identical(dtype: np.dtype[Any]) -> None:
    gen = np.random.default_rng(0)
    bn, _ = BLOCKS["batch_norm"](gen, 4, nf.tanh, dtype)
    net = nf.Sequential(
        (
            nf.init_mlp(nf.Key(1), (3, 5, 4), hidden=nf.sigmoid, output=nf.tanh, dtype=dtype),
            nf.LayerNorm(4, eps=1e-3, dtype=dtype),
            nf.Dropout(0.2),
            bn,
            nf.Residual(nf.Sequential((_dense(gen, 4, 4, nf.relu, dtype), nf.LayerNorm(4, dtype=dtype)))),
            ActivationLayer(nf.softmax),
            nf.Concatenate((_dense(gen, 4, 2, nf.identity, dtype), ActivationLayer(nf.leaky_relu(0.3)))),
            _dense(gen, 6, 2, nf.sigmoid, dtype),
        )
    )
    back = from_torch(to_torch(net))
    _assert_identical(back, net)  # kinds, activations, eps, momentum, rate, arrays: all the same
    x = _inputs(nf.Key(2), 7, 3, dtype)
    assert np.array_equal(nf.forward(back, x), nf.forward(net, x))


def _torch_mlp(seed: int, sizes: list[int], acts: list[Any], bias: list[bool], dtype: Any) -> Any:
    torch.manual_seed(seed)
    mods: list[Any] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        mods.append(torch.nn.Linear(n_in, n_out, bias=bias[i]))
        if acts[i] is not None:
            mods.append(acts[i]())
    return torch.nn.Sequential(*mods).to(dtype)


TORCH_ACTIVATIONS: list[Callable[[], Any] | None] = [
    None,
    lambda: torch.nn.Identity(),
    lambda: torch.nn.Tanh(),
    lambda: torch.nn.Sigmoid(),
    lambda: torch.nn.ReLU(),
    lambda: torch.nn.LeakyReLU(0.2),
    lambda: torch.nn.Softmax(dim=1),
    lambda: torch.nn.Softmax(dim=-1),
]


@FEW
@given(
    seed=st.integers(0, 2**31 - 1),
    sizes=st.lists(st.integers(1, 7), min_size=2, max_size=5),
    acts=st.lists(st.sampled_from(TORCH_ACTIVATIONS), min_size=4, max_size=4),
    bias=st.lists(st.booleans(), min_size=4, max_size=4),
    double=st.booleans(),
    n=st.integers(1, 8),
)
def test_a_module_torch_built_is_read(
    seed: int, sizes: list[int], acts: list[Any], bias: list[bool], double: bool, n: int
) -> None:
    dtype = torch.float64 if double else torch.float32
    module = _torch_mlp(seed, sizes, acts, bias, dtype).eval()
    net = from_torch(module)
    assert isinstance(net, nf.MLP)
    assert net.sizes == tuple(sizes)
    assert net.dtype == (np.float64 if double else np.float32)
    linears = [m for m in module if isinstance(m, torch.nn.Linear)]
    for layer, linear, has_bias in zip(net.layers, linears, bias, strict=False):
        assert np.array_equal(layer.w, linear.weight.detach().numpy().T)
        assert np.array_equal(layer.b, linear.bias.detach().numpy()) if has_bias else not layer.b.any()
    x = _inputs(nf.Key(seed), n, sizes[0], net.dtype)
    assert _max_diff(nf.forward(net, x), _torch_out(module, x)) <= TOL[net.dtype]
    before = net.layers[0].w.copy()
    with torch.no_grad():  # nnfunc holds copies: writing the module's tensors changes nothing
        linears[0].weight.add_(1.0)
    assert np.array_equal(net.layers[0].w, before)


def test_consecutive_linears_get_the_identity_and_an_identity_module_is_no_activation() -> None:
    torch.manual_seed(0)
    module = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.Linear(4, 4), torch.nn.Identity(), torch.nn.ReLU(), torch.nn.Linear(4, 2)
    )
    net = from_torch(module)
    assert isinstance(net, nf.MLP)
    assert [la.activation for la in net.layers] == [nf.identity, nf.relu, nf.identity]


@pytest.mark.parametrize("double", [False, True])
def test_a_torch_built_module_with_normalisation_and_dropout_is_read(double: bool) -> None:
    dtype = torch.float64 if double else torch.float32
    torch.manual_seed(1)
    module = torch.nn.Sequential(
        torch.nn.Linear(4, 6),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.3),
        torch.nn.BatchNorm1d(6, eps=1e-3, momentum=0.3),
        torch.nn.LayerNorm(6, eps=1e-4),
        torch.nn.Linear(6, 3, bias=False),
        torch.nn.Sigmoid(),
    ).to(dtype)
    module.train()
    with torch.no_grad():  # a few training passes move the running statistics off their start
        for _ in range(3):
            module(torch.randn(16, 4, dtype=dtype) * 2 + 1)
    module.eval()
    net = from_torch(module)
    assert isinstance(net, nf.Sequential)
    kinds = [type(layer) for layer in net.layers]
    assert kinds == [nf.Dense, nf.Dropout, nf.BatchNorm, nf.LayerNorm, nf.Dense]
    bn = net.layers[2]
    assert isinstance(bn, nf.BatchNorm) and bn.eps == 1e-3 and bn.momentum == 0.3
    assert np.array_equal(bn.running_var, module[3].running_var.numpy())
    x = _inputs(nf.Key(5), 9, 4, np.float64 if double else np.float32)
    assert _max_diff(nf.forward(net, x), _torch_out(module, x)) <= TOL[np.dtype(x.dtype)]


UNSUPPORTED: list[tuple[Callable[[], Any], str, str]] = [
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.GELU()), "module[1]", "GELU"),
    (lambda: torch.nn.Sequential(torch.nn.Conv2d(1, 1, 3)), "module[0]", "Conv2d"),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Sequential(torch.nn.ELU())), "module[1][0]", "ELU"),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Softmax(dim=0)), "module[1]", "Softmax(dim=0)"),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.LeakyReLU(1.5)), "module[1]", "LeakyReLU"),
    (lambda: torch.nn.Sequential(torch.nn.BatchNorm1d(2, track_running_stats=False)), "module[0]", "running"),
    (lambda: torch.nn.Sequential(torch.nn.BatchNorm1d(2, momentum=None)), "module[0]", "momentum"),
    (lambda: torch.nn.Sequential(torch.nn.LayerNorm((2, 3))), "module[0]", "LayerNorm"),
    (lambda: torch.nn.Sequential(torch.nn.Dropout(1.0)), "module[0]", "rate"),
]


@pytest.mark.parametrize(("make", "where", "what"), UNSUPPORTED, ids=[w for _, _, w in UNSUPPORTED])
def test_modules_without_an_nnfunc_counterpart_are_refused(make: Callable[[], Any], where: str, what: str) -> None:
    with pytest.raises(ValueError) as info:
        from_torch(make())
    message = str(info.value)
    assert message.startswith(f"{where}:") and what in message, message


def test_an_unsupported_module_error_lists_what_is_supported() -> None:
    with pytest.raises(ValueError, match=r"module\[1\]: GELU has no nnfunc counterpart; supported modules: .*Linear"):
        from_torch(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.GELU()))


def test_what_is_not_a_sequential_of_float_tensors_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"module: expected a torch.nn.Sequential"):
        from_torch(torch.nn.Linear(2, 3))
    with pytest.raises(TypeError, match=r"module: expected a torch.nn.Sequential"):
        from_torch("net")
    with pytest.raises(TypeError, match=r"module\[0\]: Linear.weight has dtype torch.float16"):
        from_torch(torch.nn.Sequential(torch.nn.Linear(2, 3)).to(torch.float16))
    mixed = torch.nn.Sequential(torch.nn.Linear(2, 3).double(), torch.nn.Linear(3, 1))
    with pytest.raises(TypeError, match=r"module\[1\]: .*one dtype"):
        from_torch(mixed)


def _swish_forward(z: Arr, out: Arr | None) -> Arr:
    result: Arr = z / (1 + np.exp(-z))
    return result


def _swish_backward(a: Arr, g: Arr, out: Arr | None) -> Arr:
    return g


SWISH = nf.Activation("swish", _swish_forward, _swish_backward)
FAKE_SIGMOID = nf.Activation("sigmoid", _swish_forward, _swish_backward)


class _Scale(nf.Layer):
    """A user's own layer: no counterpart anywhere."""

    __slots__ = ()

    def forward(self, x: Arr, ctx: Context) -> tuple[Arr, Any]:
        return x * 2, None


@pytest.mark.parametrize("act", [SWISH, FAKE_SIGMOID], ids=["swish", "user_sigmoid"])
def test_activations_of_the_users_own_are_refused_by_every_exporter(act: nf.Activation, tmp_path: Path) -> None:
    net = nf.Sequential((nf.init_mlp(nf.Key(0), (2, 3)), nf.Dense(np.ones((3, 1)), np.zeros(1), act)))
    pattern = rf"params.layers\[1\].activation: activation '{act.name}' has no counterpart; supported: nf.identity"
    with pytest.raises(ValueError, match=pattern):
        to_torch(net)
    with pytest.raises(ValueError, match=pattern):
        to_onnx(net, tmp_path / "net.onnx")
    assert not (tmp_path / "net.onnx").exists()


def test_layers_of_the_users_own_are_refused_naming_them(tmp_path: Path) -> None:
    net = nf.Sequential((nf.init_mlp(nf.Key(0), (2, 3)), _Scale()))
    with pytest.raises(ValueError, match=r"params.layers\[1\]: _Scale has no torch counterpart; supported layers: "):
        to_torch(net)
    with pytest.raises(ValueError, match=r"params.layers\[1\]: _Scale has no ONNX counterpart; .*nf.BatchNorm"):
        to_onnx(net, tmp_path / "net.onnx")
    with pytest.raises(TypeError, match=r"params: expected an nf network"):
        to_torch({"w": np.ones(2)})


def test_to_torch_leaves_the_torch_random_state_and_the_parameters_alone() -> None:
    net = nf.init_mlp(nf.Key(0), (3, 4, 2))
    state = torch.random.get_rng_state()
    module = to_torch(net)
    assert torch.equal(torch.random.get_rng_state(), state)
    before = [leaf.copy() for leaf in _leaves(net)]
    with torch.no_grad():
        for p in module.parameters():
            p.add_(1.0)
    assert all(np.array_equal(a, b) for a, b in zip(_leaves(net), before, strict=True))


def test_residual_and_concatenate_modules_pickle_by_name() -> None:
    module = to_torch(
        nf.Sequential((nf.Residual(nf.tanh), nf.Concatenate((ActivationLayer(nf.relu), ActivationLayer(nf.sigmoid)))))
    )
    again = pickle.loads(pickle.dumps(module))
    x = np.linspace(-1, 1, 6).reshape(2, 3)
    assert np.array_equal(_torch_out(again, x), _torch_out(module, x))


# -- ONNX -----------------------------------------------------------------------------------------------------


@FEW
@given(drawn=mlps(), sizes=st.tuples(st.integers(1, 4), st.integers(5, 33)))
def test_onnxruntime_computes_forward_at_two_batch_sizes(
    drawn: tuple[nf.MLP, nf.Key], sizes: tuple[int, int], tmp_path: Path
) -> None:
    net, key = drawn
    path = tmp_path / "net.onnx"
    to_onnx(net, path)
    model = onnx.load(str(path))
    batch = model.graph.input[0].type.tensor_type.shape.dim[0]
    assert batch.dim_param == "batch" and not batch.HasField("dim_value")
    for n in sizes:
        x = _inputs(key, n, net.sizes[0], net.dtype)
        assert _max_diff(_onnx_out(path, x), nf.forward(net, x)) <= TOL[net.dtype]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("act", ACTIVATIONS, ids=lambda a: a.name)
def test_onnx_each_activation_and_dtype(act: nf.Activation, dtype: np.dtype[Any], tmp_path: Path) -> None:
    net = _mlp(nf.Key(7), (4, 6, 3), [act, act], dtype)
    path = tmp_path / "net.onnx"
    to_onnx(net, path)
    ops = [node.op_type for node in onnx.load(str(path)).graph.node]
    assert "LeakyRelu" not in ops  # its float32 alpha would cost float64 networks their precision
    for n in (1, 12):
        x = _inputs(nf.Key(n), n, 4, dtype)
        assert _max_diff(_onnx_out(path, x), nf.forward(net, x)) <= TOL[dtype]


@FEW
@given(drawn=layered(), sizes=st.tuples(st.integers(2, 4), st.integers(5, 20)))
def test_onnx_every_layer_kind(
    drawn: tuple[nf.Sequential, nf.Key, int], sizes: tuple[int, int], tmp_path: Path
) -> None:
    net, key, n_in = drawn
    dtype = _leaves(net)[0].dtype if _leaves(net) else np.dtype(np.float64)
    path = tmp_path / "net.onnx"
    to_onnx(net, path)
    graph = onnx.load(str(path)).graph
    (x_dims, y_dims) = (v.type.tensor_type.shape.dim for v in (graph.input[0], graph.output[0]))
    for n in sizes:
        x = _inputs(key, n, n_in, dtype)
        expected = nf.forward(net, x)
        assert _max_diff(_onnx_out(path, x), expected) <= TOL[dtype]
    # The declared widths are the real ones where the network fixes them.
    assert x_dims[1].dim_param == "n_in" if net.n_in is None else x_dims[1].dim_value == n_in
    assert y_dims[1].dim_param == "n_out" if net.n_in is None else y_dims[1].dim_value == expected.shape[1]


def test_onnx_of_a_network_that_passes_its_input_through(tmp_path: Path) -> None:
    path = tmp_path / "net.onnx"
    to_onnx(nf.Sequential((nf.Dropout(0.5),)), path)
    x = _inputs(nf.Key(0), 3, 4, np.float64)
    assert np.array_equal(_onnx_out(path, x), x)


def test_to_onnx_replaces_a_file_whole_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "net.onnx"
    path.write_bytes(b"old")
    to_onnx(nf.init_mlp(nf.Key(0), (2, 3, 1)), path)
    to_onnx(nf.init_mlp(nf.Key(1), (2, 5, 1)), str(path))
    assert sorted(os.listdir(tmp_path)) == ["net.onnx"]
    assert onnx.load(str(path)).graph.initializer[0].dims == [2, 5]
    with pytest.raises(TypeError, match=r"path: expected a str or os\.PathLike"):
        to_onnx(nf.init_mlp(nf.Key(0), (2, 1)), 3)


# -- safetensors ----------------------------------------------------------------------------------------------


@FEW
@given(drawn=st.one_of(mlps().map(lambda d: d[0]), layered().map(lambda d: d[0])))
def test_safetensors_round_trip_is_exact_and_any_reader_opens_the_file(drawn: nf.Layer, tmp_path: Path) -> None:
    path = tmp_path / "net.safetensors"
    save_safetensors(path, drawn)
    _assert_identical(load_safetensors(path, drawn), drawn)
    tensors = safetensors_numpy.load_file(str(path))
    leaves = {p: leaf for p, leaf in nf.tree_leaves_with_paths(drawn)}
    assert tensors.keys() == leaves.keys()
    for name, a in tensors.items():
        assert a.dtype == leaves[name].dtype and np.array_equal(a, leaves[name])


def test_safetensors_keeps_numbers_and_scalars(tmp_path: Path) -> None:
    tree: dict[str, Any] = {
        "step": 3,
        "rate": 0.5,
        "scale": np.float32(2.0),
        "mask": np.array([True, False]),
        "i": np.arange(3),
    }
    save_safetensors(tmp_path / "t.safetensors", tree)
    back = load_safetensors(tmp_path / "t.safetensors", tree)
    assert back == {**tree, "mask": back["mask"], "i": back["i"]}
    assert type(back["scale"]) is np.float32 and type(back["step"]) is int
    assert np.array_equal(back["mask"], tree["mask"]) and np.array_equal(back["i"], tree["i"])


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "net.safetensors"
    save_safetensors(path, nf.init_mlp(nf.Key(0), (3, 4, 2), hidden=nf.tanh))
    return path


MISMATCHED: list[tuple[nf.Layer, str]] = [
    (
        nf.init_mlp(nf.Key(0), (3, 4, 2), hidden=nf.relu),
        r"`.layers\[0\].activation`: file has 'tanh', skeleton has 'relu'",
    ),
    (nf.init_mlp(nf.Key(0), (3, 5, 2)), r".layers\[0\].w has shape \(3, 4\) and dtype F64, expected shape \(3, 5\)"),
    (nf.init_mlp(nf.Key(0), (3, 4, 2), dtype=np.float32), r"F64, expected shape \(3, 4\) and dtype float32"),
    (nf.init_mlp(nf.Key(0), (3, 4, 4, 2)), r"`.layers\[2\]`: file has no dataclass node, skeleton has a nnfunc.Dense"),
    (nf.Sequential(nf.init_mlp(nf.Key(0), (3, 4, 2)).layers), r"`<root>`: file has a nnfunc.MLP, skeleton has"),
]


@pytest.mark.parametrize(("like", "message"), MISMATCHED, ids=["activation", "shape", "dtype", "depth", "kind"])
def test_safetensors_refuses_a_mismatched_skeleton(saved: Path, like: nf.Layer, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_safetensors(saved, like)


def test_safetensors_refuses_files_it_did_not_write(saved: Path, tmp_path: Path) -> None:
    like = nf.init_mlp(nf.Key(0), (3, 4, 2), hidden=nf.tanh)
    foreign = tmp_path / "foreign.safetensors"
    safetensors_numpy.save_file({p: np.asarray(a) for p, a in nf.tree_leaves_with_paths(like)}, str(foreign))
    with pytest.raises(ValueError, match=r"not written by nnfunc.interop.save_safetensors: .*no 'nnfunc.format'"):
        load_safetensors(foreign, like)
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(saved.read_bytes()[:40])
    with pytest.raises(ValueError, match=r"not a readable safetensors file"):
        load_safetensors(garbage, like)
    with pytest.raises(FileNotFoundError):
        load_safetensors(tmp_path / "missing.safetensors", like)


def test_safetensors_refuses_missing_and_extra_tensors(tmp_path: Path) -> None:
    tree = {"a": np.ones(2), "b": np.zeros(3)}
    save_safetensors(tmp_path / "t.safetensors", tree)
    with pytest.raises(ValueError, match=r"extra tensors \[\"\['b'\]\"\]"):
        load_safetensors(tmp_path / "t.safetensors", {"a": np.ones(2)})
    with pytest.raises(ValueError, match=r"missing tensors \[\"\['c'\]\"\]"):
        load_safetensors(tmp_path / "t.safetensors", {**tree, "c": np.ones(1)})


# -- the optional extra -----------------------------------------------------------------------------------


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)


def test_import_nnfunc_and_nnfunc_interop_import_none_of_the_libraries() -> None:
    code = (
        "import sys, nnfunc, nnfunc.interop\n"
        "print(sorted(m for m in ('torch', 'onnx', 'onnxruntime', 'safetensors') if m in sys.modules))\n"
    )
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("missing", "call"),
    [
        ("torch", "to_torch(net)"),
        ("torch", "from_torch(None)"),
        ("onnx", "to_onnx(net, 'x.onnx')"),
        ("safetensors", "save_safetensors('x.st', net)"),
        ("safetensors", "load_safetensors('x.st', net)"),
    ],
)
def test_a_missing_library_names_the_extra(missing: str, call: str) -> None:
    code = (
        f"import sys; sys.modules[{missing!r}] = None\n"
        "import nnfunc as nf\n"
        "from nnfunc.interop import *\n"
        "net = nf.init_mlp(nf.Key(0), (2, 1))\n"
        f"try:\n    {call}\nexcept ImportError as e:\n    print(e)\n"
    )
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr
    assert f"nnfunc.interop needs {missing}, which is not installed: pip install 'nnfunc[interop]'" in proc.stdout
