"""Every example runs in quick mode: exit 0, its figures printed as ``name: value``, its PNGs written.

Each runs in a subprocess the way a user runs it (``python examples/NAME.py --quick
--out DIR``), headless (MPLBACKEND=Agg) and with stdout a pipe, so no progress bar.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("tqdm")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
LINE = re.compile(r"^([a-z][a-z0-9_.]*): (\S.*)$")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# example -> (figures it must print, PNG files it must write)
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    "moons": (
        {
            "logistic_regression_accuracy",
            "train_accuracy",
            "loss",
            *(f"hidden_{h}_accuracy" for h in (1, 2, 3, 4, 5, 20, 50)),
            "minibatch_sgd_accuracy",
            "annealed_lr_accuracy",
            "three_classes_accuracy",
            "two_hidden_layers_accuracy",
        },
        {
            "moons_logistic.png",
            "moons_network.png",
            "moons_hidden_sizes.png",
            "moons_three.png",
            "moons_two_hidden.png",
        },
    ),
    "moons_lbfgs": (
        {
            *(f"lbfgs_{k}" for k in ("accuracy", "loss", "iterations", "evaluations", "converged", "seconds")),
            *(f"sgd_{k}" for k in ("steps", "accuracy", "loss", "seconds")),
        },
        {"moons_lbfgs.png"},
    ),
    "moons_sigmoid": (
        {"cost_after_iteration_0", "cost", "train_accuracy", "n_h_4_cost", "n_h_4_train_accuracy"},
        {"moons_sigmoid_cost.png"},
    ),
    "digits_mse": ({"train_accuracy", "loss", "loss_epoch_10"}, {"digits_mse_loss.png"}),
    "digits_momentum": (
        {"grad_max_abs_difference", "train_accuracy", "test_accuracy", "sklearn_mlp_test_accuracy"},
        {"digits_momentum_loss.png"},
    ),
    "digits_lambda_sweep": (
        {"best_lambda", "best_validation_accuracy", "validation_accuracy", "test_accuracy"},
        {"digits_lambda_accuracy.png", "digits_lambda_losses.png"},
    ),
    "optimizers": (
        {
            f"{name}_{what}"
            for name in ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
            for what in ("train_loss", "test_accuracy")
        },
        {"optimizers.png"},
    ),
    "interop": (
        {"mlp_train_accuracy", "sequential_train_accuracy"}
        | {
            f"{net}_{dtype}_{target}_max_abs_diff"
            for net in ("mlp", "sequential")
            for dtype in ("float64", "float32")
            for target in ("torch", "from_torch", "onnx", "safetensors", "safetensors_numpy")
        },
        set(),
    ),
    "diabetes_regression": (
        {"huber_train_loss", "huber_test_r2", "mse_train_loss", "mse_test_r2", "sklearn_mlp_test_r2"},
        {"diabetes_regression.png"},
    ),
    "custom_layer": (
        {
            "check_layer_max_rel_error",
            "check_layer_network_max_rel_error",
            "train_accuracy",
            "test_accuracy",
            "slope_mean",
        },
        {"custom_layer_boundary.png", "custom_layer_loss.png"},
    ),
    "digits_regularised": (
        {
            "plain_validation_accuracy",
            "plain_test_accuracy",
            "regularised_validation_accuracy",
            "regularised_test_accuracy",
            "test_accuracy_gain",
        },
        {"digits_regularised_curves.png"},
    ),
    "text_classifier": (
        {
            "n_features",
            "density",
            "train_accuracy",
            "test_accuracy",
            "test_loss",
            "sklearn_mlp_test_accuracy",
        },
        {"text_classifier_loss.png", "text_classifier_confusion.png"},
    ),
}


def test_every_example_is_tested() -> None:
    scripts = {p.stem for p in EXAMPLES.glob("*.py") if not p.stem.startswith("_")}
    assert scripts == set(EXPECTED)


def _run(name: str, out: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs_quick_and_prints_its_figures(name: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = _run(name, out)
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout}\n{proc.stderr}"

    figures = {m.group(1): m.group(2) for m in map(LINE.match, proc.stdout.splitlines()) if m}
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert lines[-1] in ("matches_seed: yes", "matches_seed: no"), lines[-1]
    names, pngs = EXPECTED[name]
    missing = names - set(figures)
    assert not missing, f"{name} did not print {sorted(missing)}"
    for key in names:
        value = float(figures[key])  # every expected figure is a number
        assert math.isfinite(value), f"{key}: {figures[key]}"
    for key, text in figures.items():
        if key.endswith("accuracy"):
            assert 0.0 <= float(text) <= 1.0, f"{key}: {text}"

    for png in pngs:
        path = out / png
        assert path.is_file(), f"{name} did not write {png}"
        assert path.stat().st_size > 1000 and path.read_bytes()[:8] == PNG_MAGIC
    assert "it/s" not in proc.stderr, "progress bar shown although stdout is not a terminal"
