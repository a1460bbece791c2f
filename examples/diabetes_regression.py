"""Regression on scikit-learn's diabetes data: Huber and squared error side by side, beside MLPRegressor.

Ten standardised features, a standardised target (both scaled with ``StandardScaler`` fitted on the
training part), a 10-16-1 network with relu hidden units and an identity output, trained by Adam in
minibatches with ``nf.train`` and ``nf.optimizer_step``. Test R^2 (``sklearn.metrics.r2_score``) is
measured on the original target scale, beside ``sklearn.neural_network.MLPRegressor`` with the same
hidden sizes, L2 strength, learning rate, epochs and batch size.

scikit-learn's loss is ``mean((y - p)**2) / 2 + alpha / (2 * batch) * sum(w**2)``. nnfunc's
``mean_squared_error`` has no ``1/2``, so ``l2 = 2 * alpha / batch`` gives the same objective up to a
factor 2 (Adam is insensitive to it); ``huber`` is half the squared error for small residuals, so it
takes ``l2 = alpha / batch``.

    python examples/diabetes_regression.py [--quick] [--out DIR]
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from _common import Args, matches_seed, progress, run, show
from numpy.typing import NDArray
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler

import nnfunc as nf
from nnfunc import plot

HIDDEN = 16
ALPHA = 3.0  # scikit-learn's L2 strength: strong, 442 samples overfit a network quickly
LR = 1e-3
BATCH_SIZE = 32


def main(args: Args) -> None:
    epochs = 10 if args.quick else 60
    x, y = load_diabetes(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0)
    x_scaler, y_scaler = StandardScaler().fit(x_train), StandardScaler().fit(y_train[:, None])
    xs_train, xs_test = x_scaler.transform(x_train), x_scaler.transform(x_test)
    ys_train = y_scaler.transform(y_train[:, None])  # (n, 1) targets for the one output

    def original_scale(pred: NDArray[Any]) -> NDArray[np.float64]:
        return np.asarray(y_scaler.inverse_transform(pred.reshape(-1, 1))).ravel()

    init_key, shuffle_key = nf.split(nf.Key(0))
    params = nf.init_mlp(init_key, (x.shape[1], HIDDEN, 1), hidden=nf.relu, init=nf.glorot_uniform)
    train = nf.Batch(xs_train, ys_train)
    per_epoch = [nf.batches(k, xs_train, ys_train, batch_size=BATCH_SIZE) for k in nf.split(shuffle_key, epochs)]
    costs = {"huber": (nf.huber(1.0), ALPHA / BATCH_SIZE), "mse": (nf.mean_squared_error, 2 * ALPHA / BATCH_SIZE)}

    curves: dict[str, list[float]] = {}
    predictions: dict[str, NDArray[np.float64]] = {}
    for name, (cost, l2) in costs.items():
        opt = nf.adam(LR)
        step = nf.optimizer_step(opt, cost=cost, l2=l2)
        carry = (params, opt.init(params))
        curves[name] = []
        for data in progress(per_epoch, quick=args.quick, desc=name):
            carry = nf.train(step, carry, data)
            curves[name].append(float(nf.loss(carry[0], train, cost=cost)))
        predictions[name] = original_scale(nf.forward(carry[0], xs_test))
        show(f"{name}_train_loss", curves[name][-1])
        show(f"{name}_test_r2", float(r2_score(y_test, predictions[name])))

    sk = MLPRegressor(
        hidden_layer_sizes=(HIDDEN,),
        activation="relu",
        solver="adam",
        alpha=ALPHA,
        learning_rate_init=LR,
        batch_size=BATCH_SIZE,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs,  # run every epoch, as nnfunc does
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk.fit(xs_train, ys_train.ravel())
    predictions["sklearn_mlp"] = original_scale(sk.predict(xs_test))
    sk_r2 = float(r2_score(y_test, predictions["sklearn_mlp"]))
    show("sklearn_mlp_test_r2", sk_r2)

    loss_ax, fit_ax = plot.grid(2, ncols=2)
    plot.loss_curves(curves, ax=loss_ax, ylabel="training cost (standardised target)", log_y=True, title="Training")
    for name, pred in predictions.items():
        fit_ax.scatter(y_test, pred, s=12, alpha=0.7, label=f"{name} (R^2 {r2_score(y_test, pred):.3f})")
    lo, hi = float(y_test.min()), float(y_test.max())
    fit_ax.plot([lo, hi], [lo, hi], color="k", linewidth=0.8)
    fit_ax.set_xlabel("true disease progression")
    fit_ax.set_ylabel("predicted")
    fit_ax.set_title("Test set")
    fit_ax.legend()
    plot.save(fit_ax, args.out / "diabetes_regression.png")
    best = max(float(r2_score(y_test, predictions[name])) for name in costs)
    matches_seed(best, sk_r2, kind="accuracy")  # as good as scikit-learn's MLP, within 0.01 of R^2


if __name__ == "__main__":
    run(main, __doc__)
