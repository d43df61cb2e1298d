"""From spike counts to labels: assign each neuron a class, let the neurons vote, or read the counts
out with a linear classifier; score the result.

The vote follows the authors' code: a neuron's class is the one for which its mean spike count over
the labelled examples is highest (neurons that never fired stay unassigned, -1); an example's class
is the one whose assigned neurons have the highest mean spike count ("all activity"). Proportion
weighting lets every neuron vote for every class in proportion to its share of responses to it.

The linear readout is what the field reports beside the vote since about 2018 (Falez et al. 2019
use a linear SVM): a linear classifier on the standardised spike counts of the labelled examples.
Here it is multinomial logistic regression (``fit_linear``), for its class probabilities and its
deterministic solver.
"""
from __future__ import annotations

import numpy as np
from scipy.special import softmax
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ._docstrings import fill_doc

VOTING = ("all", "proportion")
# The estimator's readouts (``DiehlCook2015(readout=...)``) and the vote each one uses: for the
# network's own state (the running accuracy while it learns) "linear" uses the paper's vote.
READOUTS = ("vote", "proportion", "linear")
VOTING_OF = {"vote": "all", "proportion": "proportion", "linear": "all"}
# The linear readout's regularisation: scikit-learn's default C on standardised counts, the same for
# every number of labels (nothing is tuned on the test set); lbfgs converges well within max_iter.
LINEAR_C = 1.0
LINEAR_MAX_ITER = 1000


def class_rates(counts: np.ndarray, labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Mean spike count of each neuron for each class.

    Parameters
    ----------
    counts : ndarray, shape (n_examples, n_neurons)
        Spike counts.
    labels : ndarray, shape (n_examples,)
        Classes 0 .. n_classes - 1.
    n_classes : int

    Returns
    -------
    ndarray, shape (n_classes, n_neurons)
        0 for a class with no examples.

    Raises
    ------
    ValueError
        If ``counts`` is not 2-D or does not match the labels in length.
    """
    counts = np.asarray(counts, dtype=float)
    labels = np.asarray(labels)
    if counts.ndim != 2 or len(counts) != len(labels):
        raise ValueError(f"counts must be (n_examples, n_neurons) matching {len(labels)} labels,"
                         f" got shape {counts.shape}")
    rates = np.zeros((n_classes, counts.shape[1]))
    for c in range(n_classes):
        members = labels == c
        if members.any():
            rates[c] = counts[members].mean(axis=0)
    return rates


def assign_labels(counts: np.ndarray, labels: np.ndarray, n_classes: int | None = None):
    """Each neuron's class, and its share of responses to every class.

    Parameters
    ----------
    counts : ndarray, shape (n_examples, n_neurons)
        Spike counts on labelled examples.
    labels : ndarray, shape (n_examples,)
        Classes 0 .. n_classes - 1.
    n_classes : int, optional
        Default: the largest label + 1.

    Returns
    -------
    assignments : ndarray, shape (n_neurons,)
        The class of highest mean response; -1 for neurons that never fired.
    proportions : ndarray, shape (n_classes, n_neurons)
        Each neuron's mean responses divided by their sum (0 for silent neurons).

    Raises
    ------
    ValueError
        As ``class_rates``.

    Examples
    --------
    >>> assignments, _ = assign_labels(np.array([[3, 0], [0, 2]]), np.array([0, 1]))
    >>> assignments.tolist()
    [0, 1]
    """
    n_classes = int(np.max(labels)) + 1 if n_classes is None else n_classes
    rates = class_rates(counts, labels, n_classes)
    assignments = np.where(rates.max(axis=0) > 0, rates.argmax(axis=0), -1)
    totals = rates.sum(axis=0)
    proportions = np.divide(rates, totals, out=np.zeros_like(rates), where=totals > 0)
    return assignments, proportions


@fill_doc
def vote(counts: np.ndarray, assignments: np.ndarray, proportions: np.ndarray | None = None,
         voting: str = "all") -> np.ndarray:
    """Class scores from spike counts; the prediction is their argmax.

    %(vote_inputs_parameters)s

    Returns
    -------
    ndarray, shape (n_examples, n_classes)
        Each class's score for each example.

    Raises
    ------
    ValueError
        For an unknown ``voting``, "proportion" without proportions, or, without proportions, no
        neuron assigned a class.
    """
    counts = np.asarray(counts, dtype=float)
    if voting == "all":
        n_classes = len(proportions) if proportions is not None else int(np.max(assignments, initial=-1)) + 1
        if n_classes < 1:
            raise ValueError("no neuron is assigned a class (every one was silent on the labelled images),"
                             " and without proportions the number of classes is unknown")
        scores = np.zeros((len(counts), n_classes))
        for c in range(n_classes):
            members = assignments == c
            if members.any():
                scores[:, c] = counts[:, members].mean(axis=1)
        return scores
    if voting == "proportion":
        if proportions is None:
            raise ValueError("proportion voting needs the proportions from assign_labels")
        return counts @ proportions.T
    raise ValueError(f"unknown voting {voting!r}; choose one of {', '.join(VOTING)}")


@fill_doc
def predict(counts, assignments, proportions=None, voting: str = "all") -> np.ndarray:
    """The class of highest score (``vote``) of each example.

    %(vote_inputs_parameters)s

    Returns
    -------
    ndarray, shape (n_examples,)
        Class indices.

    Raises
    ------
    ValueError
        As ``vote``.

    Examples
    --------
    >>> predict(np.array([[0, 4], [5, 1]]), np.array([0, 1]), np.zeros((2, 2))).tolist()
    [1, 0]
    """
    return vote(counts, assignments, proportions, voting).argmax(axis=1)


def fit_linear(counts: np.ndarray, labels: np.ndarray) -> Pipeline:
    """Fit the linear readout: standardised spike counts into multinomial logistic regression.

    Parameters
    ----------
    counts : ndarray, shape (n_examples, n_neurons)
        Spike counts of the labelled examples only.
    labels : ndarray, shape (n_examples,)
        Their class indices.

    Returns
    -------
    sklearn.pipeline.Pipeline
        ``StandardScaler`` then ``LogisticRegression(C=LINEAR_C)``, fitted; its ``classes_`` are the
        class indices present in ``labels``.

    Raises
    ------
    ValueError
        If the labels hold fewer than two classes, or ``counts`` does not match them.

    Examples
    --------
    >>> pipe = fit_linear(np.array([[3, 0], [4, 1], [0, 2], [1, 5]]), np.array([0, 0, 1, 1]))
    >>> pipe.predict(np.array([[5, 0], [0, 5]])).tolist()
    [0, 1]
    """
    counts = np.asarray(counts, dtype=float)
    labels = np.asarray(labels)
    if counts.ndim != 2 or len(counts) != len(labels):
        raise ValueError(f"counts must be (n_examples, n_neurons) matching {len(labels)} labels,"
                         f" got shape {counts.shape}")
    if len(np.unique(labels)) < 2:
        raise ValueError("the linear readout needs labelled examples of at least two classes, got one class")
    pipe = Pipeline([("scaler", StandardScaler()),
                     ("classifier", LogisticRegression(C=LINEAR_C, max_iter=LINEAR_MAX_ITER))])
    return pipe.fit(counts, labels)


def linear_scores(pipe: Pipeline, counts: np.ndarray, n_classes: int) -> np.ndarray:
    """Class scores of the linear readout: its logits, one column per class.

    Parameters
    ----------
    pipe : sklearn.pipeline.Pipeline
        From ``fit_linear``.
    counts : ndarray, shape (n_examples, n_neurons)
        Spike counts.
    n_classes : int
        All the classes; one that no labelled example had scores -inf (probability 0).

    Returns
    -------
    ndarray, shape (n_examples, n_classes)
        Their softmax is the readout's class probabilities; with two classes, the second column
        minus the first is logistic regression's own decision function.
    """
    logits = pipe.decision_function(np.asarray(counts, dtype=float))
    if logits.ndim == 1:  # two classes: logistic regression gives the second class's logit only
        logits = np.column_stack([np.zeros_like(logits), logits])
    scores = np.full((len(logits), n_classes), -np.inf)
    scores[:, pipe.classes_] = logits
    return scores


def probabilities(scores: np.ndarray) -> np.ndarray:
    """Class probabilities from ``linear_scores`` (their softmax).

    Parameters
    ----------
    scores : ndarray, shape (n_examples, n_classes)

    Returns
    -------
    ndarray, shape (n_examples, n_classes)
        Rows sum to 1.
    """
    return softmax(scores, axis=1)


def linear_state(pipe: Pipeline) -> dict:
    """The fitted linear readout as plain arrays, for a model file (no pickle).

    Parameters
    ----------
    pipe : sklearn.pipeline.Pipeline
        From ``fit_linear``.

    Returns
    -------
    dict
        ``mean``, ``scale``, ``var``, ``n_samples``, ``coef``, ``intercept``, ``classes`` and
        ``n_iter``; ``linear_from_state`` turns them back into the readout.
    """
    scaler, classifier = pipe.named_steps["scaler"], pipe.named_steps["classifier"]
    return {"mean": scaler.mean_, "scale": scaler.scale_, "var": scaler.var_,
            "n_samples": np.asarray(scaler.n_samples_seen_), "coef": classifier.coef_,
            "intercept": classifier.intercept_, "classes": classifier.classes_, "n_iter": classifier.n_iter_}


def linear_from_state(state: dict) -> Pipeline:
    """The linear readout of ``linear_state``'s arrays, ready to predict as when it was saved.

    Parameters
    ----------
    state : dict
        ``linear_state``'s arrays.

    Returns
    -------
    sklearn.pipeline.Pipeline
        As ``fit_linear`` returned it.

    Raises
    ------
    ValueError
        If the arrays do not fit together.
    """
    coef, mean = np.asarray(state["coef"], float), np.asarray(state["mean"], float)
    if coef.ndim != 2 or coef.shape[1] != len(mean) or len(state["intercept"]) != len(coef):
        raise ValueError(f"linear readout arrays do not fit: coef {coef.shape}, mean {mean.shape}")
    scaler = StandardScaler()
    scaler.mean_, scaler.scale_, scaler.var_ = mean, np.asarray(state["scale"], float), np.asarray(state["var"], float)
    scaler.n_samples_seen_ = int(state["n_samples"])
    scaler.n_features_in_ = len(mean)
    classifier = LogisticRegression(C=LINEAR_C, max_iter=LINEAR_MAX_ITER)
    classifier.coef_, classifier.intercept_ = coef, np.asarray(state["intercept"], float)
    classifier.classes_, classifier.n_iter_ = np.asarray(state["classes"]), np.asarray(state["n_iter"])
    classifier.n_features_in_ = len(mean)
    return Pipeline([("scaler", scaler), ("classifier", classifier)])


def evaluation(predicted, labels, classes) -> dict:
    """Accuracy, per-class accuracy and the confusion matrix.

    Parameters
    ----------
    predicted, labels : array_like, shape (n_examples,)
        Predicted and true classes.
    classes : array_like
        The model's classes; a test class never seen in training is added.

    Returns
    -------
    dict
        ``accuracy``; ``classes``; ``per_class_accuracy`` (0 for a class with no examples);
        ``confusion_matrix`` (rows: true class, columns: predicted, in the order of ``classes``).

    Examples
    --------
    >>> evaluation([0, 1, 1], [0, 1, 0], [0, 1])["confusion_matrix"]
    [[1, 1], [0, 1]]
    """
    classes = np.union1d(classes, labels)  # a test class never seen in training is still a row
    matrix = confusion_matrix(labels, predicted, labels=classes)
    per_class = matrix.diagonal() / np.maximum(matrix.sum(axis=1), 1)
    return {"accuracy": float(np.mean(np.asarray(predicted) == np.asarray(labels))),
            "classes": list(classes), "per_class_accuracy": per_class.tolist(),
            "confusion_matrix": matrix.tolist()}
