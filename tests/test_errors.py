"""Every bad input to a public function raises ValueError/TypeError naming the argument.

One row of ``CASES`` per case: the call, the exception type, and the argument the
message must name. Messages must also say what was expected or needed.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nnfunc as nf
import nnfunc.optim
import nnfunc.schedules
from nnfunc.io import load, save

NF: Any = nf  # the package, untyped: the cases below call it with wrong types on purpose
OPT: Any = nnfunc.optim  # optimisers (issue 3), until they are exported from nnfunc
SCHED: Any = nnfunc.schedules
NET = nf.init_mlp(nf.Key(0), (3, 4, 2))
NET32 = nf.init_mlp(nf.Key(0), (3, 4, 2), dtype=np.float32)
ONE_OUT = nf.init_mlp(nf.Key(0), (3, 4, 1))
ONE_SIGMOID = nf.init_mlp(nf.Key(0), (3, 4, 1), output=nf.sigmoid)
SOFTMAX_OUT = nf.init_mlp(nf.Key(0), (3, 4, 2), output=nf.softmax)
X = nf.rng(nf.Key(1)).standard_normal((5, 3))
Y = np.array([0, 1, 1, 0, 1])
BATCH = nf.Batch(X, Y)
BCE = nf.sigmoid_binary_cross_entropy
_UNWEIGHTED = nf.Cost("mean_out", "real", lambda o, y: o.mean(), lambda o, y: (o.mean(), np.full_like(o, 1 / o.size)))


def _nan_at(a: np.ndarray[Any, Any], value: float = np.nan) -> np.ndarray[Any, Any]:
    b = a.astype(np.float64)
    b[(min(2, b.shape[0] - 1), 1)[: b.ndim]] = value
    return b


def _objects() -> np.ndarray[Any, Any]:
    a = np.empty((5, 3), dtype=object)
    a[...] = 1.0
    return a


Case = tuple[str, Callable[[], object], type[Exception], str]

X_CASES: list[tuple[str, object, type[Exception]]] = [
    ("x_1d", X[0], ValueError),
    ("x_3d", X[None], ValueError),
    ("x_scalar", 1.0, ValueError),
    ("x_no_samples", np.zeros((0, 3)), ValueError),
    ("x_no_features", np.zeros((5, 0)), ValueError),
    ("x_wrong_features", np.zeros((5, 4)), ValueError),
    ("x_strings", np.full((5, 3), "a"), TypeError),
    ("x_objects", _objects(), TypeError),
    ("x_none", None, TypeError),
    ("x_complex", X + 1j, TypeError),
    ("x_ragged", [[1.0, 2.0, 3.0], [1.0]], ValueError),
    ("x_nan", _nan_at(X), ValueError),
    ("x_inf", _nan_at(X, np.inf), ValueError),
    ("x_neg_inf", _nan_at(X, -np.inf), ValueError),
]


def _x_cases() -> list[Case]:
    """Each bad ``x`` through every door it can come in by."""
    cases: list[Case] = []
    for name, x, exc in X_CASES:
        cases.append((f"forward-{name}", functools.partial(NF.forward, NET, x), exc, "x"))
        cases.append((f"predict-{name}", functools.partial(NF.predict, NET, x), exc, "x"))
        cases.append((f"accuracy-{name}", functools.partial(NF.accuracy, NET, x, Y), exc, "x"))
        if name != "x_wrong_features":  # a Batch does not know the network
            cases.append((f"Batch-{name}", functools.partial(NF.Batch, x, Y), exc, "x"))
            cases.append((f"batches-{name}", functools.partial(NF.batches, NF.Key(0), x, Y, batch_size=2), exc, "x"))
    return cases


Y_CASES: list[tuple[str, object, type[Exception]]] = [
    ("y_short", Y[:4], ValueError),
    ("y_long", np.zeros(6, dtype=int), ValueError),
    ("y_negative_labels", np.array([0, -1, 1, 0, 1]), ValueError),
    ("y_nan_targets", np.array([0.0, np.nan, 1.0, 0.0, 1.0]), ValueError),
    ("y_inf_targets", _nan_at(np.eye(2)[Y], np.inf), ValueError),
    ("y_strings", np.array(list("abcab")), TypeError),
    ("y_objects", np.array([0, 1, 1, 0, None], dtype=object), TypeError),
    ("y_complex", Y + 0j, TypeError),
    ("y_3d", np.zeros((5, 2, 1)), ValueError),
    ("y_scalar", 1, ValueError),
    ("y_zero_width", np.zeros((5, 0)), ValueError),
    ("y_ragged", [[0, 1], [1], [0, 1], [1, 0], [0, 1]], ValueError),
]


def _y_cases() -> list[Case]:
    cases: list[Case] = []
    for name, y, exc in Y_CASES:
        cases.append((f"Batch-{name}", functools.partial(NF.Batch, X, y), exc, "y"))
        cases.append((f"batches-{name}", functools.partial(NF.batches, NF.Key(0), X, y, batch_size=None), exc, "y"))
    return cases


def _step_fns() -> list[tuple[str, Callable[..., object]]]:
    return [
        ("loss", NF.loss),
        ("grad", NF.grad),
        ("value_and_grad", NF.value_and_grad),
        ("sgd_step", functools.partial(NF.sgd_step, lr=0.1)),
    ]


def _labels_for_cost_cases() -> list[Case]:
    """Labels that are well-formed arrays but wrong for the cost or the network."""
    rows: list[tuple[str, Any, NF.Batch, dict[str, Any], type[Exception], str]] = [
        ("label_too_large", NET, NF.Batch(X, np.array([0, 1, 2, 0, 1])), {}, ValueError, "y"),
        ("float_labels_for_classes", NET, NF.Batch(X, Y.astype(float)), {}, ValueError, "y"),
        ("onehot_wrong_width", NET, NF.Batch(X, np.eye(3)[Y]), {}, ValueError, "y"),
        ("negative_targets_for_classes", NET, NF.Batch(X, np.eye(2)[Y] - 0.5), {}, ValueError, "y"),
        ("binary_labels_2", ONE_OUT, NF.Batch(X, np.array([0, 2, 1, 0, 1])), {"cost": BCE}, ValueError, "y"),
        ("binary_targets_out_of_01", ONE_OUT, NF.Batch(X, Y * 1.5), {"cost": BCE}, ValueError, "y"),
        (
            "binary_prob_targets_negative",
            ONE_SIGMOID,
            NF.Batch(X, Y - 0.5),
            {"cost": nf.binary_cross_entropy},
            ValueError,
            "y",
        ),
        ("classes_cost_one_output", ONE_OUT, BATCH, {}, ValueError, "y"),
        ("softmax_output_logits_cost", SOFTMAX_OUT, BATCH, {}, ValueError, "cost"),
        ("sigmoid_output_logits_cost", ONE_SIGMOID, NF.Batch(X, Y), {"cost": BCE}, ValueError, "cost"),
        ("identity_output_cross_entropy", NET, BATCH, {"cost": nf.cross_entropy}, ValueError, "cost"),
        ("identity_output_binary_ce", ONE_OUT, BATCH, {"cost": nf.binary_cross_entropy}, ValueError, "cost"),
        (
            "weights_for_unweightable_cost",
            NET,
            NF.Batch(X, Y, np.ones(5)),
            {"cost": _UNWEIGHTED},
            TypeError,
            "sample_weight",
        ),
        ("real_1d_targets_many_outputs", NET, NF.Batch(X, X[:, 0]), {"cost": nf.mean_squared_error}, ValueError, "y"),
        ("x_wrong_features", NET, NF.Batch(X[:, :2], Y), {}, ValueError, "x"),
        ("x_beyond_float32", NET32, NF.Batch(_nan_at(X, 1e300), Y), {}, ValueError, "batch"),
        ("batch_not_batch", NET, (X, Y), {}, TypeError, "batch"),
        ("cost_not_cost", NET, BATCH, {"cost": lambda out, y: 0.0}, TypeError, "cost"),
        ("l2_negative", NET, BATCH, {"l2": -0.1}, ValueError, "l2"),
        ("l2_nan", NET, BATCH, {"l2": float("nan")}, ValueError, "l2"),
        ("l2_inf", NET, BATCH, {"l2": float("inf")}, ValueError, "l2"),
        ("l2_string", NET, BATCH, {"l2": "0.1"}, TypeError, "l2"),
        ("l2_array", NET, BATCH, {"l2": np.array([0.1])}, TypeError, "l2"),
        ("params_not_mlp", {"w": NET.layers[0].w}, BATCH, {}, TypeError, "params"),
        ("params_list_of_layers", list(NET.layers), BATCH, {}, TypeError, "params"),
    ]
    cases: list[Case] = []
    for fn_name, fn in _step_fns():
        for name, params, batch, kwargs, exc, arg in rows:
            cases.append((f"{fn_name}-{name}", functools.partial(fn, params, batch, **kwargs), exc, arg))
    return cases


def _lr_cases() -> list[Case]:
    bad: list[tuple[str, object, type[Exception]]] = [
        ("negative", -0.1, ValueError),
        ("nan", float("nan"), ValueError),
        ("inf", float("inf"), ValueError),
        ("string", "0.1", TypeError),
        ("none", None, TypeError),
        ("bool", True, TypeError),
    ]
    return [(f"sgd_step-lr_{n}", functools.partial(NF.sgd_step, NET, BATCH, lr=v), e, "lr") for n, v, e in bad]


def _f16(gen: np.random.Generator, fan_in: int, fan_out: int, dtype: np.dtype[Any]) -> Any:
    return np.zeros((fan_in, fan_out), dtype=np.float16)


def _init_mlp_cases() -> list[Case]:
    def init(**kw: Any) -> Callable[[], object]:
        args: dict[str, Any] = {"key": NF.Key(0), "sizes": (3, 4, 2), **kw}
        return functools.partial(NF.init_mlp, args.pop("key"), args.pop("sizes"), **args)

    return [
        ("init_mlp-sizes_one_entry", init(sizes=(3,)), ValueError, "sizes"),
        ("init_mlp-sizes_empty", init(sizes=()), ValueError, "sizes"),
        ("init_mlp-sizes_zero", init(sizes=(3, 0, 2)), ValueError, "sizes"),
        ("init_mlp-sizes_negative", init(sizes=(3, -4, 2)), ValueError, "sizes"),
        ("init_mlp-sizes_float", init(sizes=(3, 2.5, 2)), TypeError, "sizes"),
        ("init_mlp-sizes_bool", init(sizes=(3, True, 2)), TypeError, "sizes"),
        ("init_mlp-sizes_not_sequence", init(sizes=3), TypeError, "sizes"),
        ("init_mlp-dtype_int", init(dtype=np.int32), ValueError, "dtype"),
        ("init_mlp-dtype_float16", init(dtype=np.float16), ValueError, "dtype"),
        ("init_mlp-dtype_complex", init(dtype=np.complex128), ValueError, "dtype"),
        ("init_mlp-dtype_nonsense", init(dtype="banana"), TypeError, "dtype"),
        ("init_mlp-key_int", init(key=0), TypeError, "key"),
        ("init_mlp-hidden_numpy_function", init(hidden=np.tanh), TypeError, "hidden"),
        ("init_mlp-output_string", init(output="softmax"), TypeError, "output"),
        ("init_mlp-init_not_callable", init(init=0.01), TypeError, "init"),
        ("init_mlp-init_wrong_dtype", init(init=_f16), TypeError, "w"),
    ]


def _layer_cases() -> list[Case]:
    w, b = NET.layers[0].w, NET.layers[0].b
    return [
        ("Dense-int_weights", lambda: NF.Dense(w.astype(int), b.astype(int)), TypeError, "w"),
        ("Dense-mixed_dtypes", lambda: NF.Dense(w, b.astype(np.float32)), TypeError, "b"),
        ("Dense-bias_wrong_shape", lambda: NF.Dense(w, b[:2]), ValueError, "b"),
        ("Dense-weights_1d", lambda: NF.Dense(b, b), ValueError, "w"),
        ("Dense-activation_not_activation", lambda: NF.Dense(w, b, np.tanh), TypeError, "activation"),
        ("MLP-layers_list", lambda: NF.MLP(list(NET.layers)), TypeError, "layers"),
        ("MLP-layers_empty", lambda: NF.MLP(()), TypeError, "layers"),
        ("MLP-layers_do_not_chain", lambda: NF.MLP((NET.layers[0], NET.layers[0])), ValueError, "layers"),
        ("leaky_relu-alpha_zero", lambda: NF.leaky_relu(0.0), ValueError, "alpha"),
        ("leaky_relu-alpha_nan", lambda: NF.leaky_relu(float("nan")), ValueError, "alpha"),
        ("normal-std_negative", lambda: NF.normal(-1.0), ValueError, "std"),
        ("normal-std_inf", lambda: NF.normal(float("inf")), ValueError, "std"),
    ]


def _batches_cases() -> list[Case]:
    def b(**kw: Any) -> Callable[[], object]:
        args: dict[str, Any] = {"key": NF.Key(0), "batch_size": 2, **kw}
        return functools.partial(NF.batches, args.pop("key"), X, Y, **args)

    return [
        ("batches-key_int", b(key=0), TypeError, "key"),
        ("batches-batch_size_zero", b(batch_size=0), ValueError, "batch_size"),
        ("batches-batch_size_negative", b(batch_size=-3), ValueError, "batch_size"),
        ("batches-batch_size_float", b(batch_size=2.5), TypeError, "batch_size"),
        ("batches-batch_size_bool", b(batch_size=True), TypeError, "batch_size"),
        ("batches-batch_size_over_n_drop_last", b(batch_size=6, drop_last=True), ValueError, "batch_size"),
        ("batches-epochs_negative", b(epochs=-1), ValueError, "epochs"),
        ("batches-epochs_float", b(epochs=1.5), TypeError, "epochs"),
        ("batches-shuffle_string", b(shuffle="False"), TypeError, "shuffle"),
        ("batches-shuffle_int", b(shuffle=0), TypeError, "shuffle"),
        ("batches-drop_last_string", b(drop_last="yes"), TypeError, "drop_last"),
        ("batches-x_masked", lambda: NF.batches(NF.Key(0), np.ma.masked_array(X), Y, batch_size=2), TypeError, "x"),
        ("Batches-batch_size_zero", lambda: NF.Batches(NF.Key(0), BATCH, 0), ValueError, "batch_size"),
        ("Batches-batch_size_float", lambda: NF.Batches(NF.Key(0), BATCH, 1.5), TypeError, "batch_size"),
        ("Batches-data_tuple", lambda: NF.Batches(NF.Key(0), (X, Y), 2), TypeError, "data"),
        ("Batches-key_int", lambda: NF.Batches(0, BATCH, 2), TypeError, "key"),
        ("Batches-shuffle_string", lambda: NF.Batches(NF.Key(0), BATCH, 2, 1, "False"), TypeError, "shuffle"),
        ("Batches-epochs_negative", lambda: NF.Batches(NF.Key(0), BATCH, 2, -1), ValueError, "epochs"),
        ("Batch-x_masked", lambda: NF.Batch(np.ma.masked_array(X, X > 1), Y), TypeError, "x"),
        ("Batch-y_masked", lambda: NF.Batch(X, np.ma.masked_array(Y)), TypeError, "y"),
        ("Batch-key_int", lambda: NF.Batch(X, Y, key=3), TypeError, "key"),
        ("Batch-weight_short", lambda: NF.Batch(X, Y, np.ones(4)), ValueError, "sample_weight"),
        ("Batch-weight_2d", lambda: NF.Batch(X, Y, np.ones((5, 1))), ValueError, "sample_weight"),
        ("Batch-weight_negative", lambda: NF.Batch(X, Y, -np.ones(5)), ValueError, "sample_weight"),
        ("Batch-weight_nan", lambda: NF.Batch(X, Y, _nan_at(np.ones(5))), ValueError, "sample_weight"),
        ("Batch-weight_inf", lambda: NF.Batch(X, Y, _nan_at(np.ones(5), np.inf)), ValueError, "sample_weight"),
        ("Batch-weight_all_zero", lambda: NF.Batch(X, Y, np.zeros(5)), ValueError, "sample_weight"),
        ("Batch-weight_strings", lambda: NF.Batch(X, Y, np.array(list("abcde"))), TypeError, "sample_weight"),
        (
            "Batch-weight_beyond_f32",
            lambda: NF.Batch(X.astype(np.float32), Y, np.full(5, 1e300)),
            ValueError,
            "sample_weight",
        ),
        (
            "batches-weight_negative",
            lambda: NF.batches(NF.Key(0), X, Y, batch_size=2, sample_weight=-np.ones(5)),
            ValueError,
            "sample_weight",
        ),
    ]


def _label_helpers_cases() -> list[Case]:
    return [
        ("one_hot-float_labels", lambda: NF.one_hot(Y.astype(float), 2), TypeError, "y"),
        ("one_hot-string_labels", lambda: NF.one_hot(np.array(list("ab")), 2), TypeError, "y"),
        ("one_hot-2d_labels", lambda: NF.one_hot(Y[:, None], 2), ValueError, "y"),
        ("one_hot-label_too_large", lambda: NF.one_hot(Y, 1), ValueError, "y"),
        ("one_hot-negative_label", lambda: NF.one_hot(Y - 1, 2), ValueError, "y"),
        ("one_hot-n_classes_zero", lambda: NF.one_hot(Y, 0), ValueError, "n_classes"),
        ("one_hot-n_classes_float", lambda: NF.one_hot(Y, 2.0), TypeError, "n_classes"),
        ("one_hot-n_classes_string", lambda: NF.one_hot(Y, "2"), TypeError, "n_classes"),
        ("smooth_labels-alpha_above_1", lambda: NF.smooth_labels(Y, 2, 1.5), ValueError, "alpha"),
        ("smooth_labels-alpha_negative", lambda: NF.smooth_labels(Y, 2, -0.1), ValueError, "alpha"),
        ("smooth_labels-alpha_string", lambda: NF.smooth_labels(Y, 2, "0.1"), TypeError, "alpha"),
        ("smooth_labels-label_too_large", lambda: NF.smooth_labels(Y, 1, 0.1), ValueError, "y"),
        ("huber-delta_zero", lambda: NF.huber(0.0), ValueError, "delta"),
        ("huber-delta_negative", lambda: NF.huber(-1.0), ValueError, "delta"),
        ("huber-delta_string", lambda: NF.huber("1"), TypeError, "delta"),
        ("softmax-vector", lambda: NF.softmax(np.ones(3)), ValueError, "z"),
        ("softmax-strings", lambda: NF.softmax(np.array([["a"]])), TypeError, "z"),
        ("tanh-nan", lambda: NF.tanh(_nan_at(np.ones((2, 2)))), ValueError, "z"),
        *_direct_cost_cases(),
        ("accuracy-y_short", lambda: NF.accuracy(NET, X, Y[:3]), ValueError, "y"),
        ("accuracy-y_strings", lambda: NF.accuracy(NET, X, np.array(list("abcab"))), TypeError, "y"),
        ("accuracy-y_label_too_large", lambda: NF.accuracy(NET, X, Y + 1), ValueError, "y"),
        ("accuracy-y_negative", lambda: NF.accuracy(NET, X, Y - 1), ValueError, "y"),
        ("accuracy-y_fractional", lambda: NF.accuracy(NET, X, Y * 0.5), ValueError, "y"),
        ("accuracy-y_nan", lambda: NF.accuracy(NET, X, _nan_at(np.eye(2)[Y])), ValueError, "y"),
        ("accuracy-y_onehot_wrong_width", lambda: NF.accuracy(NET, X, np.eye(3)[Y]), ValueError, "y"),
        ("accuracy-params_not_mlp", lambda: NF.accuracy(NET.layers, X, Y), TypeError, "params"),
    ]


def _direct_cost_cases() -> list[Case]:
    """Public costs called directly check what they get."""
    z, p = np.zeros((5, 2)), np.full((5, 2), 0.5)
    cases: list[Case] = []
    for cost, out in ((nf.softmax_cross_entropy, z), (nf.cross_entropy, p)):
        for attr in ("value", "value_and_grad", "__call__"):
            call = getattr(cost, attr)
            name = f"{cost.name}.{attr}"
            cases += [
                (f"{name}-label_too_large", functools.partial(call, out, Y + 1), ValueError, "y"),
                (f"{name}-label_negative", functools.partial(call, out, Y - 1), ValueError, "y"),
                (f"{name}-y_short", functools.partial(call, out, Y[:3]), ValueError, "y"),
                (f"{name}-out_nan", functools.partial(call, _nan_at(out), Y), ValueError, "out"),
                (f"{name}-out_1d", functools.partial(call, out[:, 0], Y), ValueError, "out"),
                (f"{name}-out_strings", functools.partial(call, np.full((5, 2), "a"), Y), TypeError, "out"),
                (f"{name}-y_strings", functools.partial(call, out, np.array(list("abcab"))), TypeError, "y"),
            ]
    cases += [
        ("cross_entropy-out_not_probabilities", functools.partial(nf.cross_entropy, z - 1, Y), ValueError, "out"),
        ("bce-targets_out_of_01", functools.partial(BCE, z[:, :1], Y * 2.0), ValueError, "y"),
        ("mse-targets_wrong_width", functools.partial(nf.mean_squared_error, z, np.ones((5, 3))), ValueError, "y"),
        ("huber-y_nan", functools.partial(nf.huber(), z, _nan_at(np.ones((5, 2)))), ValueError, "y"),
    ]
    return cases


def _cost_cases() -> list[Case]:
    v, vg = nf.mean_squared_error.value, nf.mean_squared_error.value_and_grad
    return [
        ("Cost-name_int", lambda: NF.Cost(3, "real", v, vg), TypeError, "name"),
        ("Cost-targets_other", lambda: NF.Cost("c", "regression", v, vg), ValueError, "targets"),
        ("Cost-targets_none", lambda: NF.Cost("c", None, v, vg), TypeError, "targets"),
        ("Cost-output_other", lambda: NF.Cost("c", "real", v, vg, "probabilities"), ValueError, "output"),
        ("Cost-output_bool", lambda: NF.Cost("c", "real", v, vg, True), TypeError, "output"),
        ("Cost-value_not_callable", lambda: NF.Cost("c", "real", 1.0, vg), TypeError, "value"),
        ("Cost-per_sample_not_callable", lambda: NF.Cost("c", "real", v, vg, per_sample=1), TypeError, "per_sample"),
        ("replace-output_other", lambda: dataclasses.replace(NF.mean_squared_error, output="x"), ValueError, "output"),
    ]


def _key_cases() -> list[Case]:
    return [
        ("Key-negative", lambda: NF.Key(-1), ValueError, "seed"),
        ("Key-float", lambda: NF.Key(1.5), TypeError, "seed"),
        ("Key-integral_float", lambda: NF.Key(1.0), TypeError, "seed"),
        ("Key-string", lambda: NF.Key("1"), TypeError, "seed"),
        ("Key-bool", lambda: NF.Key(True), TypeError, "seed"),
        ("Key-none", lambda: NF.Key(None), TypeError, "seed"),
        ("Key-array", lambda: NF.Key(np.array([1, 2])), TypeError, "seed"),
        ("Key-bad_path", lambda: NF.Key(0, (-1,)), TypeError, "path"),
        ("split-key_int", lambda: NF.split(0), TypeError, "key"),
        ("split-n_zero", lambda: NF.split(NF.Key(0), 0), ValueError, "n"),
        ("split-n_float", lambda: NF.split(NF.Key(0), 2.0), TypeError, "n"),
        ("rng-key_int", lambda: NF.rng(0), TypeError, "key"),
        ("rng-key_generator", lambda: NF.rng(np.random.default_rng(0)), TypeError, "key"),
    ]


def _tree_cases() -> list[Case]:
    other = NF.init_mlp(NF.Key(0), (3, 4, 4, 2))
    sigmoid_out = NF.init_mlp(NF.Key(0), (3, 4, 2), output=nf.sigmoid)
    return [
        ("tree_map-f_not_callable", lambda: NF.tree_map(1.0, NET), TypeError, "f"),
        ("tree_map-other_depth", lambda: NF.tree_map(np.add, NET, other), ValueError, ".layers"),
        ("tree_map-other_activation", lambda: NF.tree_map(np.add, NET, sigmoid_out), ValueError, "activation"),
        ("tree_map-dict_keys", lambda: NF.tree_map(np.add, {"a": 1}, {"b": 1}), ValueError, "keys"),
        ("tree_map-leaf_vs_tuple", lambda: NF.tree_map(np.add, (1, 2), (1, (2,))), ValueError, "[1]"),
    ]


def _optimizer_cases() -> list[Case]:
    other = nf.init_mlp(nf.Key(0), (3, 5, 2))
    adam = OPT.adam(0.1)
    bad_numbers: list[tuple[str, float]] = [("negative", -0.1), ("nan", math.nan), ("inf", math.inf)]
    cases: list[Case] = []
    for what, v in bad_numbers:
        for name, make in [
            ("sgd-lr", lambda v: OPT.sgd(v)),
            ("momentum-lr", lambda v: OPT.momentum(v)),
            ("adam-lr", lambda v: OPT.adam(v)),
            ("momentum-beta", lambda v: OPT.momentum(0.1, beta=v)),
            ("adagrad-eps", lambda v: OPT.adagrad(0.1, eps=v)),
            ("rmsprop-decay", lambda v: OPT.rmsprop(0.1, decay=v)),
            ("rmsprop-eps", lambda v: OPT.rmsprop(0.1, eps=v)),
            ("adam-b1", lambda v: OPT.adam(0.1, b1=v)),
            ("adam-b2", lambda v: OPT.adam(0.1, b2=v)),
            ("adam-eps", lambda v: OPT.adam(0.1, eps=v)),
            ("adamw-weight_decay", lambda v: OPT.adamw(0.1, weight_decay=v)),
            ("optimizer_step-l2", lambda v: nf.optimizer_step(OPT.sgd(0.1), l2=v)),
            ("exponential_decay-rate", lambda v: SCHED.exponential_decay(0.1, v, 10)),
            ("inverse_time_decay-init", lambda v: SCHED.inverse_time_decay(v, 0.5)),
            ("cosine_decay-final", lambda v: SCHED.cosine_decay(0.1, 10, v)),
        ]:
            cases.append((f"{name}_{what}", functools.partial(make, v), ValueError, name.split("-")[1]))
    for what, rate in [("nan", math.nan), ("inf", math.inf), ("negative", -1.0)]:
        opt = OPT.sgd(lambda t, rate=rate: rate)
        cases.append(
            (f"schedule_returns_{what}", functools.partial(opt.update, NET, opt.init(NET), NET), ValueError, "lr")
        )
    cases += [
        ("apply_updates-other_shape", functools.partial(OPT.apply_updates, NET, other), ValueError, "updates"),
        ("apply_updates-other_structure", functools.partial(OPT.apply_updates, NET, {"w": 1}), ValueError, "updates"),
        ("update-grads_other_shape", functools.partial(adam.update, other, adam.init(NET), NET), ValueError, "grads"),
        ("update-state_other_shape", functools.partial(adam.update, NET, adam.init(other), NET), ValueError, "state"),
        ("update-state_garbage", functools.partial(adam.update, NET, 3, NET), ValueError, "state"),
    ]
    return cases


CASES: list[Case] = [
    *_x_cases(),
    *_y_cases(),
    *_labels_for_cost_cases(),
    *_lr_cases(),
    *_init_mlp_cases(),
    *_layer_cases(),
    *_batches_cases(),
    *_label_helpers_cases(),
    *_key_cases(),
    *_cost_cases(),
    *_tree_cases(),
    *_optimizer_cases(),
]


def assert_names(message: str, arg: str) -> None:
    """The message names ``arg`` (as a word) and says what was expected or needed."""
    assert re.search(rf"(?<![\w.]){re.escape(arg)}(?!\w)", message), f"{arg!r} not named in: {message}"
    assert re.search(r"expect|need|must|larger than|contains|beyond|differ", message), f"no expectation in: {message}"


@pytest.mark.parametrize(("name", "call", "exc", "arg"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_naming_the_argument(
    name: str, call: Callable[[], object], exc: type[Exception], arg: str
) -> None:
    with pytest.raises(exc) as info:
        call()
    assert type(info.value) is exc
    assert_names(str(info.value), arg)


def test_cases_are_many_and_distinct() -> None:
    names = [c[0] for c in CASES]
    assert len(set(names)) == len(names)
    assert len(names) >= 100


# -- save / load arguments (files themselves: tests/test_io.py) ---------------------------------


def test_save_refuses_a_path_that_is_not_a_file_name(tmp_path: Path) -> None:
    with pytest.raises(TypeError) as info:
        save(NF, NET)
    assert_names(str(info.value), "path")


@pytest.mark.parametrize("leaf", ["text", np.array(["a", "b"]), np.array([None]), object()], ids=repr)
def test_save_refuses_leaves_that_are_not_numeric(tmp_path: Path, leaf: object) -> None:
    with pytest.raises(TypeError) as info:
        save(tmp_path / "p.npz", {"a": np.zeros(2), "b": leaf})
    assert_names(str(info.value), "params")
    assert "['b']" in str(info.value)
    assert not list(tmp_path.iterdir())  # nothing written, no temporary left behind


def test_load_refuses_a_path_that_is_not_a_file_name() -> None:
    with pytest.raises(TypeError) as info:
        load(NF, NET)
    assert_names(str(info.value), "path")


def test_load_of_a_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "absent.npz", NET)


@pytest.mark.parametrize(
    "like",
    [
        nf.init_mlp(nf.Key(0), (3, 4, 4, 2)),
        nf.init_mlp(nf.Key(0), (3, 5, 2)),
        nf.init_mlp(nf.Key(0), (3, 4, 2), dtype=np.float32),
        {"w": NET.layers[0].w},
    ],
    ids=["deeper", "wider", "float32", "dict"],
)
def test_load_refuses_a_skeleton_of_another_structure(tmp_path: Path, like: object) -> None:
    path = tmp_path / "p.npz"
    save(path, NET)
    with pytest.raises(ValueError) as info:
        load(path, like)
    assert str(path) in str(info.value)
    assert re.search(r"missing|extra|expected shape|configured differently", str(info.value)), str(info.value)
