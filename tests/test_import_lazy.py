"""``import nnfunc`` loads what a training script needs and nothing else: the peripheral modules load on
first use (see ``nf._LAZY`` and ``benchmarks/importtime.py`` for what that saves)."""

from __future__ import annotations

import subprocess
import sys

# loaded on first use, never by `import nnfunc`
PERIPHERAL = (
    "nnfunc._lbfgs",
    "nnfunc._predict",
    "nnfunc._summary",
    "nnfunc.history",
    "nnfunc.interop",
    "nnfunc.io",
    "nnfunc.layers.dropout",
    "nnfunc.layers.norm",
    "nnfunc.schedules",
    "nnfunc.plot",
    "nnfunc.sweeps",
    "nnfunc.testing",
)


def _loaded_after(code: str) -> list[str]:
    script = f"import sys\n{code}\nprint('\\n'.join(sorted(m for m in sys.modules if m.startswith('nnfunc'))))\n"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.split()


def test_import_nnfunc_leaves_the_peripheral_modules_unloaded() -> None:
    loaded = _loaded_after("import nnfunc")
    assert not set(PERIPHERAL) & set(loaded), sorted(set(PERIPHERAL) & set(loaded))


def test_a_training_script_loads_no_peripheral_module() -> None:
    code = (
        "import numpy as np, nnfunc as nf\n"
        "x = np.random.default_rng(0).normal(size=(32, 2)); y = (x[:, 0] > 0).astype(int)\n"
        "net = nf.init_mlp(nf.Key(0), (2, 4, 2))\n"
        "opt = nf.adam(1e-2)\n"
        "net, _ = nf.train(nf.optimizer_step(opt), (net, opt.init(net)), nf.batches(nf.Key(1), x, y, batch_size=8))\n"
    )
    loaded = _loaded_after(code)
    assert not set(PERIPHERAL) & set(loaded), sorted(set(PERIPHERAL) & set(loaded))


def test_using_a_lazy_name_loads_its_module() -> None:
    loaded = _loaded_after("import nnfunc as nf\nnf.BatchNorm\nnf.accuracy")
    assert {"nnfunc.layers.norm", "nnfunc._predict"} <= set(loaded)
    assert "nnfunc._lbfgs" not in loaded
