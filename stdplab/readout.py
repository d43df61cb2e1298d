"""From spike counts to labels: assign each neuron a class, let the neurons vote, score the votes.

Both follow the authors' code: a neuron's class is the one for which its mean spike count over the
labelled examples is highest (neurons that never fired stay unassigned, -1); an example's class is
the one whose assigned neurons have the highest mean spike count ("all activity"). Proportion
weighting lets every neuron vote for every class in proportion to its share of responses to it.
"""
from __future__ import annotations

import numpy as np

VOTING = ("all", "proportion")


def class_rates(counts: np.ndarray, labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Mean spike count of each neuron for each class: (n_classes, n_neurons)."""
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
    """Returns (assignments (n_neurons,) with -1 for silent neurons, proportions (n_classes, n_neurons))."""
    n_classes = int(np.max(labels)) + 1 if n_classes is None else n_classes
    rates = class_rates(counts, labels, n_classes)
    assignments = np.where(rates.max(axis=0) > 0, rates.argmax(axis=0), -1)
    totals = rates.sum(axis=0)
    proportions = np.divide(rates, totals, out=np.zeros_like(rates), where=totals > 0)
    return assignments, proportions


def vote(counts: np.ndarray, assignments: np.ndarray, proportions: np.ndarray | None = None,
         voting: str = "all") -> np.ndarray:
    """Class scores (n_examples, n_classes) from spike counts; the prediction is their argmax."""
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


def predict(counts, assignments, proportions=None, voting: str = "all") -> np.ndarray:
    return vote(counts, assignments, proportions, voting).argmax(axis=1)


def evaluation(predicted, labels, classes) -> dict:
    """Accuracy, per-class accuracy and the confusion matrix (rows: true class)."""
    classes = np.union1d(classes, labels)  # a test class never seen in training is still a row
    index = {c: k for k, c in enumerate(classes)}
    matrix = np.zeros((len(classes), len(classes)), np.int64)
    for true, guess in zip(labels, predicted):
        matrix[index[true], index[guess]] += 1
    per_class = matrix.diagonal() / np.maximum(matrix.sum(axis=1), 1)
    return {"accuracy": float(np.mean(np.asarray(predicted) == np.asarray(labels))),
            "classes": list(classes), "per_class_accuracy": per_class.tolist(),
            "confusion_matrix": matrix.tolist()}
