"""ANN→SNN conversion (stdplab.conversion, studies.compare) and the field's counting units (stdplab.counting)."""
import warnings

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.neural_network import MLPClassifier

from stdplab import counting, energy, studies
from stdplab.conversion import MARGIN, SETTINGS, ConvertedMLP, layer_scale
from stdplab.counting import OperationCounts, Workload, layer_activations


def fit_mlp(X, y, hidden=(16,), **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return MLPClassifier(hidden, max_iter=300, random_state=0, **kwargs).fit(X, y)


@pytest.fixture(scope="module")
def digits_mlp(digits):
    """An MLP fitted on 1000 of the 8x8 digits (scaled to [0, 1]), the images and their labels."""
    x_train, y_train, x_test, y_test = digits
    X = np.concatenate([x_train, x_test]).reshape(-1, 64) / 255.0
    y = np.concatenate([y_train, y_test])
    return fit_mlp(X[:1000], y[:1000]), X, y


def tiny_mlp(coefs, intercepts):
    """An MLPClassifier with these weights (fitted first so that it is complete, then overwritten)."""
    n_in, n_out = coefs[0].shape[0], coefs[-1].shape[1]
    rng = np.random.default_rng(0)
    mlp = fit_mlp(rng.random((30, n_in)), np.arange(30) % n_out, hidden=[w.shape[1] for w in coefs[:-1]])
    mlp.coefs_ = [np.asarray(w, float) for w in coefs]
    mlp.intercepts_ = [np.asarray(b, float) for b in intercepts]
    return mlp


def test_an_unknown_normalisation_is_refused_not_taken_for_a_percentile():
    with pytest.raises(ValueError, match="normalisation must be one of max, percentile, not 'mx'"):
        layer_scale(np.array([1.0, 2.0]), "mx")


@pytest.mark.parametrize("normalisation", ["max", "percentile"])
def test_normalisation_makes_each_layers_maximum_or_percentile_activation_one(digits_mlp, normalisation):
    mlp, X, _ = digits_mlp
    conv = ConvertedMLP(mlp, normalisation=normalisation, percentile=99.0).fit(X[:1000])
    before = layer_activations(mlp.coefs_, mlp.intercepts_, X[:1000])
    after = layer_activations(conv.weights_, conv.biases_, X[:1000])
    for a in before:  # a real change: no layer was at 1 already
        assert abs(layer_scale(a, normalisation, 99.0) - 1) > 0.05
    for a in after:
        assert layer_scale(a, normalisation, 99.0) == pytest.approx(1.0)
    if normalisation == "percentile":  # a few activations above the percentile exceed the threshold
        assert max(a.max() for a in after) > 1
    np.testing.assert_array_equal(mlp.classes_[after[-1].argmax(axis=1)], mlp.predict(X[:1000]))


def test_spike_rates_approach_the_relu_activations_as_steps_grow(digits_mlp):
    mlp, X, _ = digits_mlp
    images = X[1000:1100]
    conv = ConvertedMLP(mlp, input_mode="current", t_max=200, chunk_size=100).fit(images)
    result = conv.simulate(images)
    target = np.clip(layer_activations(conv.weights_, conv.biases_, images)[-1], 0, 1)
    errors = {t: np.abs(result.output_counts[:, t - 1] / t - target).mean() for t in (20, 200)}
    assert errors[200] < errors[20] / 3
    assert errors[200] < 0.02
    hidden = np.clip(layer_activations(conv.weights_, conv.biases_, images)[0], 0, 1).sum(axis=1)
    np.testing.assert_allclose(result.spikes[1].sum(axis=1) / 200, hidden, rtol=0.05, atol=0.1)


def test_converted_accuracy_approaches_the_mlps_and_poisson_input_fires_at_the_pixel_rate(digits_mlp):
    mlp, X, y = digits_mlp
    images, labels = X[1000:1100], y[1000:1100]
    conv = ConvertedMLP(mlp, t_max=200, chunk_size=100, random_state=0).fit(X[:1000])
    result = conv.simulate(images)
    accuracy = result.accuracy(labels)
    assert accuracy[0] < 0.3 < accuracy[-1]  # one step of latency per layer: nothing to read at first
    assert accuracy[-1] >= mlp.score(images, labels) - 0.03
    # probability x per 1 ms step at 1000 Hz
    assert result.spikes[0].sum(axis=1).mean() == pytest.approx(images.sum(axis=1).mean() * 200, rel=0.02)
    again = conv.simulate(images)
    np.testing.assert_array_equal(again.output_counts, result.output_counts)
    assert not np.array_equal(conv.set_params(random_state=1).simulate(images).spikes[0], result.spikes[0])


@pytest.mark.parametrize("reset, hidden_spikes", [("subtract", 4 + 5), ("zero", 4 + 4)])
def test_operation_counts_on_a_tiny_net_match_a_hand_count(reset, hidden_spikes):
    # 2 inputs, 2 hidden neurons, 3 outputs; input (1, 0) as a current, 8 steps. Hidden neuron 0
    # gets 0.5 from the input (spikes at steps 2, 4, 6, 8), neuron 1 a bias of 0.7 (subtraction:
    # v 0.7, 1.4*, 1.1*, 0.8, 1.5*, 1.2*, 0.9, 1.6* = 5 spikes; reset to zero: every 2nd step = 4).
    w1, b1 = np.array([[0.5, 0.0], [0.0, 0.0]]), np.array([0.0, 0.7])
    w2, b2 = np.zeros((2, 3)), np.zeros(3)
    conv = ConvertedMLP(tiny_mlp([w1, w2], [b1, b2]), input_mode="current", reset=reset, t_max=8, chunk_size=2)
    conv.fit(np.array([[1.0, 0.0]]))
    conv.weights_, conv.biases_ = [w1, w2], [b1, b2]  # exactly the hand's values, not normalised
    result = conv.simulate(np.array([[1.0, 0.0], [1.0, 0.0]]))
    assert result.spikes[0].sum() == 0                        # current input: no input spikes
    np.testing.assert_array_equal(result.spikes[1].sum(axis=1), [hidden_spikes] * 2)
    assert result.output_counts[:, -1].sum() == 0
    np.testing.assert_array_equal(result.synaptic_events()[:, -1], [hidden_spikes * 3] * 2)
    counts = counting.converted_counts(result, conv.weights_)
    assert counts["dense_macs"] == (2 * 2 + 2 * 3) * 8       # every synapse, every step
    assert counts["effective_macs"] == 1 * 2                  # one non-zero pixel x 2 neurons, once
    assert counts["effective_acs"] == hidden_spikes * 3
    assert counts["activation_sparsity"] == pytest.approx(1 - hidden_spikes / (5 * 8))
    assert counts["connection_sparsity"] == pytest.approx(9 / 10)
    assert counts["memory_bytes"] == (10 + 5 + 5) * 4        # weights + biases + membrane potentials
    assert counts["spikes_per_synapse"] == pytest.approx(hidden_spikes * 3 / 10)
    assert counting.converted_counts(result, conv.weights_, step=4)["dense_macs"] == 10 * 4
    # Priced with the memory term: one weight read per AC and per MAC of the constant-current input.
    tiny = Workload("tiny", "SNN (converted)", 1.0, 5, synops=counts["effective_acs"], macs=counts["effective_macs"],
                    neuron_updates=5 * 8)
    rows = energy.priced_rows([tiny], ["cmos45nm", "loihi"])  # Loihi has no MAC figure: left out
    (sram,) = energy.with_weight_fetches(rows, "sram_8kb")
    assert sram["weight_fetches_per_image"] == hidden_spikes * 3 + 2
    assert sram["energy_per_image_j"] == pytest.approx(rows[0]["energy_per_image_j"] + (hidden_spikes * 3 + 2) * 5e-12)


def test_dense_and_effective_macs_of_an_mlp_match_a_hand_count():
    w1 = np.array([[1.0, -1.0], [2.0, 0.0], [0.0, 1.0]])
    w2 = np.ones((2, 3))
    x = np.array([[1.0, 0.0, 0.5]])  # hidden: (1, -0.5) -> ReLU (1, 0)
    counts = counting.mlp_counts([w1, w2], [np.zeros(2), np.zeros(3)], x)
    assert counts["dense_macs"] == 3 * 2 + 2 * 3
    assert counts["effective_macs"] == 2 * 2 + 1 * 3  # non-zero inputs x fan-out, layer by layer
    assert counts["effective_acs"] == 0
    assert counts["activation_sparsity"] == 0.5
    assert counts["connection_sparsity"] == pytest.approx(2 / 12)
    assert counts["memory_bytes"] == (12 + 5) * 4
    assert np.isnan(counts["spikes_per_synapse"])


def test_effective_macs_never_exceed_dense_ones_on_real_images(digits_mlp):
    mlp, X, _ = digits_mlp
    counts = counting.mlp_counts(mlp.coefs_, mlp.intercepts_, X[:200])
    assert 0 < counts["effective_macs"] < counts["dense_macs"]
    assert 0 < counts["activation_sparsity"] < 1


def test_stdp_counts_match_a_hand_count():
    # 4 inputs, 2 excitatory and 2 inhibitory neurons, one 10-step presentation.
    counts = OperationCounts(n_input=4, n_neurons=2, slot_steps=10, learning=False, presentations=[1],
                             input_spikes=[3], exc_spikes=[2], inh_spikes=[1])
    weights = np.array([[0.0, 0.1], [0.2, 0.3], [0.4, 0.5], [0.6, 0.7]])
    row = counting.stdp_counts(counts, weights)
    synapses = 4 * 2 + 2 + 2
    assert row["effective_acs"] == 3 * 2 + 2 * 1 + 1 * 1
    assert row["dense_macs"] == synapses * 10
    assert row["spikes_per_synapse"] == pytest.approx(9 / synapses)
    assert row["activation_sparsity"] == pytest.approx(1 - 3 / 40)
    assert row["connection_sparsity"] == pytest.approx((1 + 2 + 2) / (8 + 4 + 4))


def test_bad_models_and_inputs_are_refused_clearly(digits_mlp):
    from sklearn.linear_model import LogisticRegression

    mlp, X, y = digits_mlp
    with pytest.raises(NotFittedError):
        ConvertedMLP(MLPClassifier()).fit(X)
    with pytest.raises(TypeError, match="MLPClassifier"):
        ConvertedMLP(LogisticRegression().fit(X[:100], y[:100])).fit(X)
    with pytest.raises(ValueError, match="ReLU"):
        ConvertedMLP(fit_mlp(X[:100], y[:100], activation="tanh")).fit(X)
    with pytest.raises(ValueError, match="softmax"):
        ConvertedMLP(fit_mlp(X[:100], y[:100] % 2)).fit(X)
    with pytest.raises(ValueError, match="features"):
        ConvertedMLP(mlp).fit(X[:, :10])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        ConvertedMLP(mlp).fit(X * 16)
    with pytest.raises(ValueError, match="input_mode"):
        ConvertedMLP(mlp, input_mode="analog").fit(X)
    with pytest.raises(NotFittedError):
        ConvertedMLP(mlp).simulate(X)
    with pytest.raises(ValueError, match="reset"):  # a setting changed after fit is checked too
        ConvertedMLP(mlp).fit(X).set_params(reset="none").simulate(X)


def test_compare_converts_an_mlp_and_counts_and_prices_every_model(digits):
    x_train, y_train, x_test, y_test = digits
    x_train, y_train, x_test, y_test = x_train[:1000], y_train[:1000], x_test[:200], y_test[:200]
    net = next(n for n in studies.train_conventional(x_train, y_train, x_test, y_test, hidden_layer_sizes=[(16,)],
                                                     max_iter=300) if n["name"] == "MLP 16")
    settings = {label: SETTINGS[label] for label in ("max-poisson-subtract", "max-current-subtract")}
    # The shape of the tests above (64-16-10, 200 steps, chunks of 100): their binary is reused.
    compared = studies.compare(net, x_train, x_test, y_test, settings, t_max=200, presets=["loihi", "cmos45nm"],
                       chunk_size=100)
    assert compared["name"] == "64-16-10"
    network = compared["network"]
    assert network["ann_accuracy"] == net["accuracy"] > 0.8
    for label, result in network["settings"].items():
        accuracy = np.asarray(result["accuracy"])
        assert accuracy.shape == (200,)
        # Near chance before the first output spikes (one step of latency per layer), then up to the MLP.
        assert accuracy[0] < 0.5 and accuracy[-1] > net["accuracy"] - 0.05, label
        needed = result["steps_within_1_point"]
        assert needed is not None and np.all(accuracy[needed - 1:] >= net["accuracy"] - MARGIN)
        assert accuracy[needed - 2] < net["accuracy"] - MARGIN if needed > 1 else True
        events = result["synaptic_events_per_image"]
        assert np.all(np.diff(events) >= 0) and events[-1] > 0  # cumulative
        assert result["counts"]["t_max"]["effective_acs"] == pytest.approx(events[-1])
    assert len(compared["table"]) == 2 * 200
    models = [row["model"] for row in compared["counts"]]
    assert models[0] == "MLP 64-16-10" and len(models) == 1 + 2 * 2  # after t_max and within 1 point, each
    priced = {(row["model"], row["preset"]) for row in compared["priced"]}
    assert ("MLP 64-16-10", "cmos45nm") in priced and ("MLP 64-16-10, zeros skipped", "cmos45nm") in priced
    converted = {label: f"converted 64-16-10 ({label}, {network['settings'][label]['steps_within_1_point']} steps)"
                 for label in settings}
    assert {(converted["max-poisson-subtract"], p) for p in ("loihi", "cmos45nm")} <= priced
    # Multiply-accumulates have no price on Loihi: the MLPs and the current input are left out there.
    assert (converted["max-current-subtract"], "cmos45nm") in priced
    assert (converted["max-current-subtract"], "loihi") not in priced and ("MLP 64-16-10", "loihi") not in priced
    # One row type for every family.
    assert all(tuple(row) == energy.ROW_FIELDS for row in compared["priced"])
    families = {row["model"]: row["family"] for row in compared["priced"]}
    assert families["MLP 64-16-10"].startswith("conventional")
    assert families[converted["max-poisson-subtract"]].startswith("SNN")


def test_steps_needed_is_the_first_step_from_which_accuracy_stays_up():
    accuracy = np.array([0.1, 0.9, 0.8, 0.95, 0.96])
    assert studies.steps_needed(accuracy, 0.9) == 4  # step 2 reaches 0.9 but step 3 drops below
    assert studies.steps_needed(accuracy, 0.05) == 1
    assert studies.steps_needed(accuracy, 0.97) is None
