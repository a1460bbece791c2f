"""A text classifier on a sparse TF-IDF matrix: nnfunc trains on the CSR matrix itself, never densified.

The corpus is made here (no download): short documents about eight topics, each word drawn from
the document's topic vocabulary, from one neighbouring topic that shares its register (sport and
health, space and weather, ...) or from everyday filler words, by a seeded generator.
scikit-learn's ``TfidfVectorizer`` turns them into a float32 CSR matrix of words and word pairs;
a one-hidden-layer relu network trains on it with ``nf.batches`` and ``nf.optimizer_step(nf.adam(...))``,
beside scikit-learn's ``MLPClassifier`` with the same layers, solver, learning rate, batch size,
L2 penalty and epochs on the same matrix.

    python examples/text_classifier.py [--quick] [--out DIR]
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np
from _common import Args, matches_seed, progress, run, show
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

import nnfunc as nf
from nnfunc import plot

TOPICS: dict[str, str] = {
    "sport": "match goal team coach league season striker referee stadium score win defeat "
    "tournament keeper penalty trophy fans training captain transfer",
    "health": "doctor patient hospital nurse treatment symptom vaccine clinic diet fitness "
    "injury recovery therapy surgeon heart sleep blood exercise medicine pain",
    "space": "orbit rocket planet astronaut telescope galaxy launch satellite moon mars "
    "gravity comet nebula probe crater asteroid cosmos station mission star",
    "weather": "rain storm forecast wind cloud snow temperature thunder humidity frost "
    "sunshine flood drought hail breeze pressure climate season heatwave fog",
    "finance": "market stock bank interest inflation investor profit budget loan share "
    "currency bond dividend revenue tax trading fund debt price economy",
    "computing": "software code server database network algorithm laptop program bug "
    "compiler cloud memory processor python linux data encryption browser update cache",
    "cooking": "recipe oven flour garlic sauce kitchen bake onion butter pepper dish "
    "chef salt roast soup dough spice grill taste dinner",
    "music": "guitar concert album band song melody drummer piano lyrics chorus singer "
    "orchestra rhythm festival stage tour violin record chord jazz",
}
NEIGHBOUR = {
    "sport": "health",
    "health": "cooking",
    "space": "weather",
    "weather": "space",
    "finance": "computing",
    "computing": "finance",
    "cooking": "health",
    "music": "sport",
}
FILLER = (
    "the a of and to in is was it for on that with as at this by from they we said have "
    "new about more people after year time day just many very really today last week report says"
)
P_TOPIC, P_NEIGHBOUR = 0.3, 0.1  # the rest of the words are filler

HIDDEN = 64
LR = 1e-3
BATCH_SIZE = 64
ALPHA = 1e-3  # scikit-learn's L2 term alpha/2 * |W|^2 / batch size is nnfunc's l2 = alpha / batch size


def make_corpus(key: nf.Key, n_docs: int) -> tuple[list[str], NDArray[np.intp], list[str]]:
    """``n_docs`` documents of one or two sentences (4 to 11 words each), their topic labels, the topic names."""
    g = nf.rng(key)
    names = sorted(TOPICS)
    vocab = {name: TOPICS[name].split() for name in names}
    filler = FILLER.split()
    labels = g.integers(0, len(names), n_docs)
    docs = []
    for label in labels:
        topic = names[label]
        words: list[str] = []
        for _ in range(int(g.integers(1, 3))):
            for u in g.random(int(g.integers(4, 12))):
                source = (
                    vocab[topic] if u < P_TOPIC else vocab[NEIGHBOUR[topic]] if u < P_TOPIC + P_NEIGHBOUR else filler
                )
                words.append(source[int(g.integers(len(source)))])
        docs.append(" ".join(words))
    return docs, labels.astype(np.intp), names


def sklearn_reference(x_train: Any, y_train: NDArray[np.intp], epochs: int) -> MLPClassifier:
    """scikit-learn's MLPClassifier with our settings (Adam, relu, batch, L2, epochs; no early stopping)."""
    clf = MLPClassifier(
        hidden_layer_sizes=(HIDDEN,),
        activation="relu",
        solver="adam",
        learning_rate_init=LR,
        batch_size=BATCH_SIZE,
        alpha=ALPHA,
        max_iter=epochs,
        shuffle=True,
        random_state=0,
        tol=0.0,
        n_iter_no_change=10**9,
    )
    with warnings.catch_warnings():  # it warns that it stopped at max_iter, which is the point
        warnings.simplefilter("ignore")
        clf.fit(x_train, y_train)
    return clf


def main(args: Args) -> None:
    n_docs, epochs = (1500, 4) if args.quick else (8000, 15)
    corpus_key, init_key, shuffle_key = nf.split(nf.Key(0), 3)
    docs, y, names = make_corpus(corpus_key, n_docs)
    docs_train, docs_test, y_train, y_test = train_test_split(docs, y, test_size=0.25, random_state=0, stratify=y)

    # -- Words and word pairs, TF-IDF weighted: a float32 CSR matrix ---------------------------------
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, dtype=np.float32)
    x_train = vectorizer.fit_transform(docs_train)
    x_test = vectorizer.transform(docs_test)
    n, n_features = x_train.shape
    show("n_documents", n_docs)
    show("n_features", n_features)
    show("density", x_train.nnz / (n * n_features))
    show("sparse_megabytes", (x_train.data.nbytes + x_train.indices.nbytes + x_train.indptr.nbytes) / 2**20)
    show("dense_megabytes", n * n_features * 4 / 2**20)

    # -- A 64-unit relu network trained by Adam on the sparse rows ------------------------------------
    params = nf.init_mlp(
        init_key, (n_features, HIDDEN, len(names)), hidden=nf.relu, init=nf.he_normal, dtype=np.float32
    )
    opt = nf.adam(LR)
    l2 = ALPHA / BATCH_SIZE
    train, test = nf.Batch(x_train, y_train), nf.Batch(x_test, y_test)  # checked once, still sparse
    per_epoch = [nf.batches(k, x_train, y_train, batch_size=BATCH_SIZE) for k in nf.split(shuffle_key, epochs)]

    def evaluate(carry: tuple[nf.MLP, object]) -> dict[str, float]:
        p = carry[0]
        return {"train": float(nf.loss(p, train, l2=l2)), "test": float(nf.loss(p, test, training=False))}

    began = time.perf_counter()
    result = nf.fit(
        nf.optimizer_step(opt, l2=l2),
        (params, opt.init(params)),
        progress(per_epoch, quick=args.quick, desc="epochs"),
        evaluate=evaluate,
    )
    seconds = time.perf_counter() - began
    params, _ = result.final
    test_accuracy = nf.accuracy(params, x_test, y_test)
    show("train_accuracy", nf.accuracy(params, x_train, y_train))
    show("test_accuracy", test_accuracy)
    show("test_loss", result.history[-1]["test"])
    show("nnfunc_seconds", seconds)

    # -- scikit-learn on the same matrix -------------------------------------------------------------
    began = time.perf_counter()
    clf = sklearn_reference(x_train, y_train, epochs)
    show("sklearn_mlp_seconds", time.perf_counter() - began)
    reference = float(clf.score(x_test, y_test))
    show("sklearn_mlp_test_accuracy", reference)

    curves = {
        "nnfunc train (loss + l2)": result.curve("train"),
        "nnfunc test": result.curve("test"),
        "sklearn train (running, + alpha)": [float(v) for v in clf.loss_curve_],
    }
    plot.loss_curves(
        curves, ylabel="cross-entropy", title="Topic classifier on TF-IDF", path=args.out / "text_classifier_loss.png"
    )
    ax = plot.grid(1, ncols=1, size=(6.0, 5.0))[0]
    ConfusionMatrixDisplay.from_predictions(
        y_test, nf.predict(params, x_test), display_labels=names, ax=ax, colorbar=False, xticks_rotation=45
    )
    plot.save(ax, args.out / "text_classifier_confusion.png")

    matches_seed(test_accuracy, reference, kind="accuracy")


if __name__ == "__main__":
    run(main, __doc__)
