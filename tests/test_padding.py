"""Fewer than 64 inputs run on the 64-input binary, padded with silent inputs (simulator.py).

The model here has the shape the other tests compile (20 neurons, chunks of 100), so no test
here compiles a binary of its own.
"""
import numpy as np
import pytest

from stdplab import DiehlCook2015
from stdplab.simulator import MIN_INPUTS, compiled_network

N_FEATURES = 10
TINY = {"n_neurons": 20, "chunk_size": 100, "verbose": False}


@pytest.fixture(scope="module")
def narrow(digits):
    x_train = digits[0][:40].reshape(40, -1)[:, 20:20 + N_FEATURES]  # central pixels: some inputs spike
    return DiehlCook2015(random_state=0, **TINY).fit(x_train), x_train


def test_a_fit_on_few_features_gives_weights_for_the_real_inputs_only(narrow):
    model, x_train = narrow
    assert model.n_features_in_ == N_FEATURES
    assert model.weights_.shape == (N_FEATURES, TINY["n_neurons"])
    assert model.delays_.shape == (N_FEATURES * TINY["n_neurons"],)
    assert np.isfinite(model.weights_).all()
    assert model.transform(x_train[:5]).shape == (5, TINY["n_neurons"])


@pytest.mark.parametrize("learning", [True, False])
def test_the_64_input_build_runs_it(narrow, learning):
    model, _ = narrow
    net = compiled_network(model.network_parameters, N_FEATURES, TINY["chunk_size"], learning=learning)
    assert net.n_input == MIN_INPUTS
    mode = "learn" if learning else "infer"
    assert net.directory.name.startswith(f"triplet-{mode}-{MIN_INPUTS}x{TINY['n_neurons']}-c{TINY['chunk_size']}-")


def test_padded_inputs_stay_at_zero_weight_and_padding_by_hand_gives_the_same(narrow):
    model, x_train = narrow
    params = model.network_parameters
    net = compiled_network(params, N_FEATURES, TINY["chunk_size"], learning=True)
    rates = x_train[:20] * params.input_rate_scale
    padded = net.run(np.pad(rates, ((0, 0), (0, MIN_INPUTS - N_FEATURES))),
                     np.pad(model.weights_, ((0, MIN_INPUTS - N_FEATURES), (0, 0))),
                     np.pad(model.delays_.reshape(N_FEATURES, -1), ((0, MIN_INPUTS - N_FEATURES), (0, 0))).ravel(),
                     model.theta_, params, seed=3)
    assert padded.weights.shape == (MIN_INPUTS, TINY["n_neurons"])  # the full weights: nothing to cut
    assert padded.exc_spikes.sum() > 0  # the neurons spiked, so STDP ran on every synapse
    assert not padded.weights[N_FEATURES:].any()
    assert not np.array_equal(padded.weights[:N_FEATURES], model.weights_)  # it learned
    cut = net.run(rates, model.weights_, model.delays_, model.theta_, params, seed=3)
    assert cut.weights.shape == (N_FEATURES, TINY["n_neurons"])
    np.testing.assert_array_equal(cut.weights, padded.weights[:N_FEATURES])
    np.testing.assert_array_equal(cut.counts, padded.counts)
    np.testing.assert_array_equal(cut.input_spikes, padded.input_spikes)


def test_padded_inputs_never_spike(narrow):
    model, x_train = narrow
    result = model.simulate(x_train[:20], learn=True, record_spikes=True)
    indices, _ = result.spike_trains["input"]
    assert len(indices) > 0 and len(indices) == result.input_spikes.sum()
    assert np.max(indices) < N_FEATURES
    assert result.weights.shape == (N_FEATURES, TINY["n_neurons"])


def test_more_inputs_than_the_build_are_refused(narrow):
    model, _ = narrow
    net = compiled_network(model.network_parameters, N_FEATURES, TINY["chunk_size"], learning=False)
    with pytest.raises(ValueError, match="inputs"):
        net.run(np.zeros((1, MIN_INPUTS + 1)), np.zeros((MIN_INPUTS + 1, TINY["n_neurons"])),
                np.zeros((MIN_INPUTS + 1) * TINY["n_neurons"]), model.theta_, model.network_parameters, seed=0)
