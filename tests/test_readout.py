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
    with pytest.raises(ValueError, match="no neuron is assigned a class"):
        readout.vote(counts, np.full(counts.shape[1], -1), None, "all")


def test_evaluation_counts_every_true_and_predicted_pair():
    # Class 3 is in the test labels only: it still gets a row, all of it wrong.
    result = readout.evaluation(predicted=[0, 0, 1, 2, 1, 0], labels=[0, 1, 1, 2, 3, 0], classes=[0, 1, 2])
    assert result["classes"] == [0, 1, 2, 3]
    assert result["confusion_matrix"] == [[2, 0, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]]
    assert result["per_class_accuracy"] == [1.0, 0.5, 1.0, 0.0]
    assert result["accuracy"] == pytest.approx(4 / 6)


def test_linear_readout_fits_standardised_counts_and_scores_every_class():
    counts, labels = synthetic()
    pipe = readout.fit_linear(counts, labels)
    assert list(pipe.named_steps) == ["scaler", "classifier"]
    np.testing.assert_allclose(pipe.named_steps["scaler"].mean_, counts.mean(axis=0))
    assert list(pipe.predict(counts)) == list(labels)
    # Classes 0 and 2 only: class 1, with no labelled example, scores -inf and has probability 0.
    keep = labels != 1
    scores = readout.linear_scores(readout.fit_linear(counts[keep], labels[keep]), counts, 3)
    assert scores.shape == (5, 3) and np.isneginf(scores[:, 1]).all()
    proba = readout.probabilities(scores)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (proba[:, 1] == 0).all()


def test_linear_readout_with_two_classes_scores_as_logistic_regression_does():
    counts, labels = synthetic()
    keep = labels < 2
    pipe = readout.fit_linear(counts[keep], labels[keep])
    scores = readout.linear_scores(pipe, counts, 2)
    np.testing.assert_allclose(scores[:, 1] - scores[:, 0], pipe.decision_function(counts))
    np.testing.assert_allclose(readout.probabilities(scores), pipe.predict_proba(counts))


def test_linear_readout_state_round_trip_predicts_the_same():
    rng = np.random.default_rng(0)
    counts, labels = rng.poisson(2.0, (60, 8)), rng.integers(0, 3, 60)
    pipe = readout.fit_linear(counts, labels)
    state = {key: np.asarray(value) for key, value in readout.linear_state(pipe).items()}
    again = readout.linear_from_state(state)
    np.testing.assert_array_equal(readout.linear_scores(again, counts, 3), readout.linear_scores(pipe, counts, 3))
    with pytest.raises(ValueError, match="do not fit"):
        readout.linear_from_state({**state, "mean": state["mean"][:3]})


def test_linear_readout_needs_two_classes():
    counts, labels = synthetic()
    with pytest.raises(ValueError, match="at least two classes"):
        readout.fit_linear(counts, np.zeros(5, int))
