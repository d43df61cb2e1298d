import numpy as np
import pytest

from stdplab import readout


def synthetic():
    # Neurons 0-1 answer class 0, neuron 2 class 1, neuron 3 class 2, neuron 4 never fires.
    counts = np.array([
        [5, 3, 0, 1, 0],
        [4, 4, 1, 0, 0],
        [0, 1, 6, 0, 0],
        [1, 0, 5, 1, 0],
        [0, 0, 1, 7, 0],
    ])
    labels = np.array([0, 0, 1, 1, 2])
    return counts, labels


def test_assignment_is_the_class_with_highest_mean_response():
    counts, labels = synthetic()
    assignments, proportions = readout.assign_labels(counts, labels, 3)
    np.testing.assert_array_equal(assignments, [0, 0, 1, 2, -1])
    # neuron 0: mean 4.5 for class 0, 0.5 for class 1, 0 for class 2
    np.testing.assert_allclose(proportions[:, 0], [0.9, 0.1, 0.0])
    np.testing.assert_allclose(proportions[:, 4], 0)


def test_all_activity_vote_uses_mean_count_of_assigned_neurons():
    assignments = np.array([0, 0, 1, 2, -1])
    counts = np.array([[2, 0, 1.5, 0, 9]])  # class 0 mean 1.0, class 1 1.5, class 2 0
    np.testing.assert_allclose(readout.vote(counts, assignments, np.zeros((3, 5))), [[1.0, 1.5, 0.0]])
    assert readout.predict(counts, assignments, np.zeros((3, 5))) == [1]


def test_all_activity_averages_rather_than_sums():
    # Three weak class-0 neurons must not outvote one strong class-1 neuron.
    assignments = np.array([0, 0, 0, 1])
    counts = np.array([[2, 2, 2, 3]])
    assert readout.predict(counts, assignments, np.zeros((2, 4))) == [1]


def test_proportion_weighting_lets_every_neuron_vote():
    counts, labels = synthetic()
    assignments, proportions = readout.assign_labels(counts, labels, 3)
    scores = readout.vote(counts, assignments, proportions, "proportion")
    np.testing.assert_allclose(scores, counts @ proportions.T)
    assert list(scores.argmax(axis=1)) == [0, 0, 1, 1, 2]


def test_bad_voting_and_shapes():
    counts, labels = synthetic()
    with pytest.raises(ValueError, match="all, proportion"):
        readout.vote(counts, np.zeros(5, int), None, "majority")
    with pytest.raises(ValueError, match="labels"):
        readout.assign_labels(counts, labels[:3], 3)


def test_evaluation_counts_every_true_and_predicted_pair():
    # Class 3 is in the test labels only: it still gets a row, all of it wrong.
    result = readout.evaluation(predicted=[0, 0, 1, 2, 1, 0], labels=[0, 1, 1, 2, 3, 0], classes=[0, 1, 2])
    assert result["classes"] == [0, 1, 2, 3]
    assert result["confusion_matrix"] == [[2, 0, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]]
    assert result["per_class_accuracy"] == [1.0, 0.5, 1.0, 0.0]
    assert result["accuracy"] == pytest.approx(4 / 6)
