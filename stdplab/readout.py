"""From spike counts to labels: assign each neuron a class, let the neurons vote, score the votes.

Both follow the authors' code: a neuron's class is the one for which its mean spike count over the
labelled examples is highest (neurons that never fired stay unassigned, -1); an example's class is
the one whose assigned neurons have the highest mean spike count ("all activity"). Proportion
weighting lets every neuron vote for every class in proportion to its share of responses to it.
"""
from __future__ import annotations

import numpy as np
from sklearn.metrics import confusion_matrix

from ._docstrings import fill_doc

VOTING = ("all", "proportion")


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
        For an unknown ``voting``, or "proportion" without proportions.
    """
    counts = np.asarray(counts, dtype=float)
    if voting == "all":
        n_classes = len(proportions) if proportions is not None else int(assignments.max()) + 1
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
