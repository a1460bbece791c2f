"""A layer nnfunc does not ship, written as a user would: PReLU, a leaky relu whose slope is learned.

``PReLU(x) = x`` where ``x > 0`` and ``slope * x`` elsewhere, one slope per unit. The layer is a
frozen dataclass that subclasses ``nf.Layer``: its slope is a ``nf.param()`` field, its forward
pass returns the output and what the backward pass needs, and its backward pass, written beside
it, returns the slope's gradient (a ``PReLU``) and the input's. ``check_layer`` compares that
backward pass with finite differences; the layer then trains inside an ``nf.Sequential`` on
make_moons, is saved with ``nf.save`` and loaded with ``nf.load``.

    python examples/custom_layer.py [--quick] [--out DIR]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from _common import Args, matches_seed, progress, run, show
from numpy.typing import NDArray
from sklearn.datasets import make_moons

import nnfunc as nf
from nnfunc import plot
from nnfunc.testing import check_layer

Floats = NDArray[np.floating[Any]]


# -- The layer: what a user writes ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PReLU(nf.Layer):
    """``x`` where ``x > 0``, ``slope * x`` elsewhere; ``slope`` ``(n,)`` is learned, one per unit."""

    slope: Floats = nf.param()  # noqa: RUF009 (a dataclasses.field, like static_field)

    def forward(self, x: Floats, ctx: nf.Context) -> tuple[Floats, Any]:
        return np.where(x > 0, x, self.slope * x), x  # the backward pass needs the input

    def backward(self, x: Floats, g: Floats, need_input: bool) -> tuple[PReLU, Floats | None]:
        negative = x <= 0
        grad = PReLU(np.where(negative, g * x, 0).sum(axis=0))  # dL/dslope, summed over the batch
        return grad, (np.where(negative, g * self.slope, g) if need_input else None)


# -- Using it ---------------------------------------------------------------------------------------------------
TUTORIAL_ACCURACY = 0.975  # seed 000: build_model(3), a 2-3-2 tanh network, on these 200 moons (train accuracy)
WIDTH = 16


def network(key: nf.Key, *, dtype: Any = np.float64) -> nf.Sequential:
    """2 -> 16 -> PReLU -> 16 -> PReLU -> 2: Glorot-normal weights, slopes starting at 0.25."""
    k1, k2, k3 = nf.split(key, 3)

    def dense(k: nf.Key, n_in: int, n_out: int) -> nf.Dense:
        return nf.Dense(nf.glorot_normal(nf.rng(k), n_in, n_out, np.dtype(dtype)), np.zeros(n_out, dtype=dtype))

    slopes = np.full(WIDTH, 0.25, dtype=dtype)
    return nf.Sequential(
        [dense(k1, 2, WIDTH), PReLU(slopes), dense(k2, WIDTH, WIDTH), PReLU(slopes), dense(k3, WIDTH, 2)]
    )


Carry = tuple[nf.Sequential, nf.OptState]


def main(args: Args) -> None:
    epochs = 20 if args.quick else 300

    # 1. The backward pass against finite differences, in float64. PReLU has a kink at 0: the
    # differences step 2 * eps to either side, so eps (1e-5) stays well below the distance of every
    # unit's input to 0 (here 3e-4 at the closest).
    gen = nf.rng(nf.Key(0))
    report = check_layer(PReLU(gen.uniform(0.05, 0.5, 5)), gen.standard_normal((7, 5)), eps=1e-5)
    show("check_layer_max_rel_error", f"{report.max_rel_error:.2e}")
    stack = check_layer(network(nf.Key(1)), gen.standard_normal((6, 2)), eps=1e-5)
    show("check_layer_network_max_rel_error", f"{stack.max_rel_error:.2e}")

    # 2. Train it inside an nf.Sequential, with Adam, minibatches of 32, tracking the test loss.
    x, y = make_moons(200, noise=0.20, random_state=0)
    x_test, y_test = make_moons(1000, noise=0.20, random_state=1)
    params = network(nf.Key(2))
    opt = nf.adam(0.01)
    test_batch = nf.Batch(x_test, y_test)

    def evaluate(carry: Carry) -> dict[str, float]:
        p = carry[0]
        return {
            "train_loss": float(nf.loss(p, nf.Batch(x, y), training=False)),
            "test_loss": float(nf.loss(p, test_batch, training=False)),
        }

    def per_epoch() -> Iterator[nf.Batches]:
        for k in nf.split(nf.Key(3), epochs):
            yield nf.batches(k, x, y, batch_size=32)

    result = nf.fit(
        nf.optimizer_step(opt),
        (params, opt.init(params)),
        progress(per_epoch(), quick=args.quick, desc="prelu", total=epochs),
        evaluate=evaluate,
    )
    trained, _ = result.final
    train_accuracy = nf.accuracy(trained, x, y)
    show("train_accuracy", train_accuracy)
    show("test_accuracy", nf.accuracy(trained, x_test, y_test))
    slopes = np.concatenate([la.slope for la in trained.layers if isinstance(la, PReLU)])
    show("slope_min", float(slopes.min()))
    show("slope_mean", float(slopes.mean()))
    show("slope_max", float(slopes.max()))

    # 3. Save and load: the skeleton is a fresh network of the same structure.
    path = args.out / "custom_layer_prelu.npz"
    nf.save(path, trained)
    loaded = nf.load(path, network(nf.Key(99)))
    same = np.array_equal(nf.forward(loaded, x_test), nf.forward(trained, x_test))
    show("predictions_equal_after_load", "yes" if same else "no")
    if not same:
        raise SystemExit("predictions differ after nf.load")

    plot.decision_boundary(
        trained, x, y, title="PReLU network on make_moons", path=args.out / "custom_layer_boundary.png"
    )
    plot.loss_curves(result.history, title="PReLU network: loss per epoch", path=args.out / "custom_layer_loss.png")
    matches_seed(train_accuracy, TUTORIAL_ACCURACY, kind="accuracy")


if __name__ == "__main__":
    run(main, __doc__)
