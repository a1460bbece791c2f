"""Seven optimisers on one digits network: sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw.

The network of the seed-003 example (64-64-32-10, relu hidden layers, Glorot-normal
weights, softmax cross-entropy on the logits), the same initial weights and the
same minibatch order for every optimiser; one training-loss curve each on one
figure, and the test accuracy of each.

    python examples/optimizers.py [--quick] [--out DIR]
"""

from __future__ import annotations

import numpy as np
from _common import Args, matches_seed, progress, run, show
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import nnfunc as nf
from nnfunc import plot

SIZES = (64, 64, 32, 10)
BATCH_SIZE = 32
COST = nf.softmax_cross_entropy
# Learning rates in each optimiser's usual range (the adaptive ones divide by a
# running gradient scale, so they take steps about lr in size).
OPTIMIZERS: dict[str, nf.Optimizer[nf.OptState]] = {
    "sgd": nf.sgd(0.1),
    "momentum": nf.momentum(0.05, beta=0.9),
    "nesterov": nf.momentum(0.05, beta=0.9, nesterov=True),
    "adagrad": nf.adagrad(0.05),
    "rmsprop": nf.rmsprop(1e-3),
    "adam": nf.adam(1e-3),
    "adamw": nf.adamw(1e-3, weight_decay=1e-2),
}
REFERENCE_ACCURACY = 0.96  # every optimiser should reach this on the held-out digits


def main(args: Args) -> None:
    epochs = 3 if args.quick else 30
    digits = load_digits()
    x = digits.data / 16.0
    x_train, x_test, y_train, y_test = train_test_split(
        x, digits.target, test_size=0.25, random_state=0, stratify=digits.target
    )
    init_key, shuffle_key = nf.split(nf.Key(0))
    params = nf.init_mlp(init_key, SIZES, hidden=nf.relu, init=nf.glorot_normal)
    train = nf.Batch(x_train, y_train)
    # The same shuffles for every optimiser: nf.batches is re-iterable and key-determined.
    per_epoch = [nf.batches(k, x_train, y_train, batch_size=BATCH_SIZE) for k in nf.split(shuffle_key, epochs)]

    def evaluate(carry: tuple[nf.MLP, nf.OptState]) -> dict[str, float]:
        return {"loss": float(nf.loss(carry[0], train, cost=COST))}

    curves: dict[str, list[float]] = {}
    accuracies: dict[str, float] = {}
    for name, opt in OPTIMIZERS.items():
        result = nf.fit(
            nf.optimizer_step(opt, cost=COST),
            (params, opt.init(params)),
            progress(per_epoch, quick=args.quick, desc=name),
            evaluate=evaluate,
        )
        trained, _ = result.final
        curves[name] = [row["loss"] for row in result.history]
        accuracies[name] = nf.accuracy(trained, x_test, y_test)
        show(f"{name}_train_loss", curves[name][-1])
        show(f"{name}_test_accuracy", accuracies[name])

    plot.loss_curves(
        curves, ylabel="training loss", log_y=True, title="Seven optimisers, digits", path=args.out / "optimizers.png"
    )
    best = max(accuracies, key=accuracies.__getitem__)
    show("best_optimizer", best)
    matches_seed(float(np.min(list(accuracies.values()))), REFERENCE_ACCURACY, kind="accuracy")


if __name__ == "__main__":
    run(main, __doc__)
