"""Seed 000's moons by full-batch L-BFGS: the tutorial's accuracy in a few hundred evaluations.

make_moons(200, noise=0.20), a 2-3-2 network (tanh hidden layer, softmax output), the
tutorial's L2 (``l2 = 0.01 / 200``). ``nf.lbfgs`` hands the flattened parameters and
``nf.value_and_grad`` to scipy's L-BFGS-B (scikit-learn's solver for small data sets);
beside it, the tutorial's 20 000 full-batch gradient steps from the same start.

    python examples/moons_lbfgs.py [--quick] [--out DIR]
"""

from __future__ import annotations

import functools
import itertools
import time

from _common import Args, matches_seed, run, show
from sklearn.datasets import make_moons

import nnfunc as nf
from nnfunc import plot

N = 200
LR, L2 = 0.01 * N, 0.01 / N  # the tutorial's epsilon and reg_lambda, for a mean loss (see moons.py)
TUTORIAL_ACCURACY = 0.975
COST = nf.softmax_cross_entropy


def main(args: Args) -> None:
    x, y = make_moons(N, noise=0.20, random_state=0)
    batch = nf.Batch(x, y)
    start = nf.init_mlp(nf.Key(0), (2, 3, 2), hidden=nf.tanh, init=nf.lecun_normal)

    began = time.perf_counter()
    params, report = nf.lbfgs(start, batch, cost=COST, l2=L2, tol=1e-5)
    lbfgs_seconds = time.perf_counter() - began
    show("lbfgs_accuracy", nf.accuracy(params, x, y))
    show("lbfgs_loss", report.loss)
    show("lbfgs_iterations", report.iterations)
    show("lbfgs_evaluations", report.evaluations)
    show("lbfgs_converged", int(report.converged))  # 1: gradient entries all within tol
    show("lbfgs_seconds", lbfgs_seconds)

    steps = 2_000 if args.quick else 20_000
    began = time.perf_counter()
    step = functools.partial(nf.sgd_step, lr=LR, cost=COST, l2=L2)
    sgd = nf.train(step, start, itertools.repeat(batch, steps))
    sgd_seconds = time.perf_counter() - began
    show("sgd_steps", steps)
    show("sgd_accuracy", nf.accuracy(sgd, x, y))
    show("sgd_loss", float(nf.loss(sgd, batch, cost=COST, l2=L2)))
    show("sgd_seconds", sgd_seconds)

    plot.decision_boundary(
        params, x, y, title=f"L-BFGS, {report.evaluations} evaluations", path=args.out / "moons_lbfgs.png"
    )
    matches_seed(nf.accuracy(params, x, y), TUTORIAL_ACCURACY, kind="accuracy")


if __name__ == "__main__":
    run(main, __doc__)
