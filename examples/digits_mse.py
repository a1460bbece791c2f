"""Seed 002, "Programming a neural network from scratch", in nnfunc.

scikit-learn's 8x8 digits; a 64-15-10 network with a relu hidden layer and a
sigmoid output trained on the squared error against one-hot targets, by
minibatch SGD (15 samples a step, reshuffled every epoch) for 100 epochs; then
scikit-learn's classification report on the training set.

    python examples/digits_mse.py [--quick] [--out DIR]
"""

from __future__ import annotations

import functools

import numpy as np
from _common import Args, matches_seed, progress, run, show
from numpy.typing import NDArray
from sklearn.datasets import load_digits
from sklearn.metrics import classification_report

import nnfunc as nf
from nnfunc import plot

TUTORIAL_ACCURACY = 1.00  # "avg / total 1.00" in its classification report on the training set
COST = nf.mean_squared_error  # per sample: the summed squared error over the 10 outputs
BATCH_SIZE = 15

# The tutorial's step is 1e-3 times the gradient *summed* over a batch of 15 of
# (y_pred - y_true) * sigmoid'(.) per sample, i.e. 15/2 times the gradient of our
# mean cost: a learning rate of 1e-3 * 15 / 2 = 0.0075 in our units. But its
# delta evaluates sigmoid' at the output y_pred instead of at z, which keeps it
# near 0.2 even where the sigmoid saturates; on raw 0..16 pixels that is what
# lets it learn. The true gradient of the squared error vanishes on saturated
# outputs, so here the pixels are scaled to [0, 1] and the step is 0.5.
LEARNING_RATE = 0.5


def main(args: Args) -> None:
    epochs = 10 if args.quick else 100
    digits = load_digits()
    x: NDArray[np.float64] = digits.data / 16.0
    labels: NDArray[np.intp] = digits.target
    y = nf.one_hot(labels, 10)  # the tutorial's np.eye(10)[y]
    init_key, shuffle_key = nf.split(nf.Key(1))  # the tutorial's np.random.seed(1)

    # Weights randn / sqrt(fan_in), biases zero, as the tutorial's Network.__init__.
    params = nf.init_mlp(init_key, (64, 15, 10), hidden=nf.relu, output=nf.sigmoid, init=nf.lecun_normal)
    step = functools.partial(nf.sgd_step, lr=LEARNING_RATE, cost=COST)
    # One pass over the shuffled data per epoch; like the tutorial, the last
    # 1797 mod 15 = 12 samples of each shuffle are left out (drop_last).
    per_epoch = [nf.batches(k, x, y, batch_size=BATCH_SIZE, drop_last=True) for k in nf.split(shuffle_key, epochs)]
    everything = nf.Batch(x, y)

    def evaluate(p: nf.MLP) -> dict[str, float]:
        # The tutorial prints np.mean((y_pred - y_true)**2): our cost divided by the 10 outputs.
        return {"loss": float(nf.loss(p, everything, cost=COST)) / 10}

    result = nf.fit(step, params, progress(per_epoch, quick=args.quick, desc="epochs"), evaluate=evaluate)
    params = result.final
    for epoch, row in enumerate(result.history, start=1):
        if epoch % 10 == 0:
            show(f"loss_epoch_{epoch}", row["loss"])

    prediction = nf.predict(params, x)
    print(classification_report(labels, prediction, digits=2))
    train_accuracy = nf.accuracy(params, x, labels)
    show("train_accuracy", train_accuracy)
    show("loss", result.history[-1]["loss"])
    plot.loss_curves(
        result.history,
        ylabel="mean squared error",
        title="64-15-10, relu/sigmoid, MSE",
        path=args.out / "digits_mse_loss.png",
    )
    matches_seed(train_accuracy, TUTORIAL_ACCURACY, kind="accuracy")


if __name__ == "__main__":
    run(main, __doc__)
