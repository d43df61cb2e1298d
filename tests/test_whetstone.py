"""Whetstone: sharpening ends in steps, the sharpened network spikes on Brian 2 as it computes in
Keras, and its counts add up. Tiny networks on scikit-learn's 8x8 digits (the [deep] extra)."""
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")  # as stdplab.sharpening does, before Keras is imported
pytest.importorskip("jax")
pytest.importorskip("keras")

from stdplab import counting, datasets, energy  # noqa: E402
from stdplab import sharpening as sh  # noqa: E402
from stdplab import threshold_network as tn  # noqa: E402


@pytest.fixture(scope="module")
def binary_digits():
    x_train, y_train, x_test, y_test = datasets.load_digits()
    return sh.binarise(x_train), y_train, sh.binarise(x_test), y_test


@pytest.fixture(scope="module")
def sharpened_cnn(binary_digits):
    """conv 3x3 x4, OR pool, dense 24, 10 x 3 outputs; sharpened from epoch 8 over 2 epochs a layer."""
    x, y, _, _ = binary_digits
    model = sh.cnn(input_shape=(8, 8, 1), filters=(4,), kernel_size=3, dense=(24,), per_class=3,
                   learning_rate=3e-3, seed=0)
    sharpener = sh.Sharpener(start=8, epochs_per_layer=2)
    model.fit(x, y, epochs=60, batch_size=32, callbacks=[sharpener], verbose=0)
    return model, sharpener


def test_bounded_relu_ramps_then_steps():
    import keras

    x = np.linspace(-0.5, 1.5, 41, dtype=np.float32)[None, :]
    layer = sh.BoundedReLU()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x)), np.clip(x, 0, 1), atol=1e-6)
    layer.sharpness.assign(0.5)  # bounds 0.25 and 0.75
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x)), np.clip((x - 0.25) / 0.5, 0, 1), atol=1e-6)
    layer.sharpness.assign(1.0)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x)), (x >= 0.5).astype(np.float32))


def test_binarise_spikes_at_half():
    np.testing.assert_array_equal(sh.binarise(np.array([[[0, 127, 128, 255]]], np.uint8))[0, 0, :, 0], [0, 0, 1, 1])


def test_sharpening_goes_bottom_up_and_ends_in_steps(sharpened_cnn, binary_digits):
    model, sharpener = sharpened_cnn
    assert sh.is_sharp(model) and sharpener.start_epoch_ == 8
    levels = np.array([h["sharpness"] for h in sharpener.history_])  # (epochs, layers)
    assert (levels[:8] == 0).all()
    for lower, upper in zip(levels.T[:-1], levels.T[1:]):  # a layer starts once the one below is a step
        assert (lower[upper > 0] == 1).all()
    assert len(sharpener.history_) < 60  # stopped once sharp
    # The sharpened network's units are binary; the unsharpened one's are not.
    x = binary_digits[2]
    assert all(np.isin(a, (0.0, 1.0)).all() for a in sh.activations(model, x))
    twin = sh.cnn(input_shape=(8, 8, 1), filters=(4,), kernel_size=3, dense=(24,), per_class=3)
    twin.set_weights(sharpener.unsharpened_weights_)
    assert not all(np.isin(a, (0.0, 1.0)).all() for a in sh.activations(twin, x))
    with pytest.raises(ValueError, match="not fully sharpened"):
        sh.export(twin)


def test_plateau_starts_sharpening(binary_digits):
    x, y, _, _ = binary_digits
    model = sh.mlp(input_shape=(8, 8, 1), hidden=(16,), per_class=2, seed=1)
    sharpener = sh.Sharpener(start=sh.PLATEAU, epochs_per_layer=1, patience=1, min_delta=10.0, latest_start=50)
    model.fit(x, y, epochs=10, batch_size=64, callbacks=[sharpener], verbose=0)
    # Epoch 0 sets the best loss, epoch 1 does not beat it by 10: a plateau; sharpening starts in epoch 2.
    assert sharpener.start_epoch_ == 2
    assert sh.is_sharp(model) and sharpener.done_epoch_ == 3


def test_conv_and_pool_expand_as_keras_computes(sharpened_cnn, binary_digits):
    model, _ = sharpened_cnn
    network = sh.export(model)
    assert [layer.kind for layer in network.layers] == ["conv", "or_pool", "dense", "dense"]
    assert network.layer_sizes == [64, 6 * 6 * 4, 3 * 3 * 4, 24, 30]
    assert network.layers[0].n_synapses == 6 * 6 * 4 * 3 * 3 * 1 and network.layers[1].n_synapses == 6 * 6 * 4
    steps = [(v >= tn.V_THRESHOLD).astype(float) for v in network.potentials(binary_digits[2])]
    for keras_layer, numpy_layer in zip(sh.activations(model, binary_digits[2]), steps):
        np.testing.assert_array_equal(keras_layer, numpy_layer)


def test_brian2_spikes_as_keras_computes_and_counts_add_up(sharpened_cnn, binary_digits, tmp_path, monkeypatch):
    monkeypatch.setenv("STDPLAB_CACHE", str(tmp_path))
    model, _ = sharpened_cnn
    _, _, x, y = binary_digits
    network = sh.export(model)
    result = network.simulate(x, chunk_size=len(x), record_spikes=True)
    keras_predictions = sh.decode(model.predict(x, verbose=0))
    assert (keras_predictions == y).mean() > 0.6  # it learned something
    np.testing.assert_array_equal(result.predictions, keras_predictions)
    np.testing.assert_array_equal(result.spikes[0], x.reshape(len(x), -1) == 1)
    for keras_layer, spikes in zip(sh.activations(model, x), result.spikes[1:]):
        np.testing.assert_array_equal(spikes, keras_layer == 1)
    assert result.steps == len(x) + network.depth  # pipelined: one image per step, depth steps of latency
    # A chunk not filled: the same binary, the same answers, and the steps of these images only.
    fewer = network.simulate(x[:-3], chunk_size=len(x))
    np.testing.assert_array_equal(fewer.predictions, result.predictions[:-3])
    assert fewer.steps == len(x) - 3 + network.depth

    # Counts: each spike costs one AC per synapse it reaches.
    events = np.stack([s @ fan for s, fan in zip(result.spikes[:-1], network.fan_out)], axis=1)
    np.testing.assert_array_equal(result.synaptic_events, events)
    np.testing.assert_array_equal(result.layer_spikes, np.stack([s.sum(axis=1) for s in result.spikes], axis=1))
    counts = counting.threshold_counts(result, network)
    assert counts["effective_acs"] == pytest.approx(events.sum(axis=1).mean())
    assert counts["dense_macs"] == network.n_synapses == sum(layer.n_synapses for layer in network.layers)
    neurons = sum(network.layer_sizes[1:])
    active = sum(s.sum() for s in result.spikes[1:]) / len(x)
    assert counts["activation_sparsity"] == pytest.approx(1 - active / neurons)
    assert counts["effective_macs"] == 0 and counts["state_values"] == neurons
    # Binary spikes only: every preset prices it, spiking chips included.
    workload = counting.Workload.of_threshold("whetstone", 0.9, counts, network.layer_sizes)
    rows = energy.priced_rows([workload])
    assert {r["preset"] for r in rows} == set(energy.DEFAULT_PRESETS)


def test_threshold_network_refuses_what_does_not_fit():
    layer = tn.dense_layer(kernel=np.ones((4, 6)), bias=np.zeros(6))
    with pytest.raises(ValueError, match="output layer"):
        tn.ThresholdNetwork(input_shape=(4,), layers=[layer], n_classes=4, per_class=2)
    network = tn.ThresholdNetwork(input_shape=(4,), layers=[layer], n_classes=3, per_class=2)
    with pytest.raises(ValueError, match="binary"):
        network.simulate(np.full((2, 4), 0.3))
    with pytest.raises(ValueError, match="do not fit"):
        network.simulate(np.ones((2, 5)))


def test_or_pool_is_max_of_spikes():
    pool = tn.or_pool_layer(input_shape=(4, 4, 2), pool=2)
    network = tn.ThresholdNetwork(input_shape=(4, 4, 2), layers=[pool], n_classes=8, per_class=1)
    x = np.random.default_rng(0).random((20, 4, 4, 2)) < 0.2
    expected = x.reshape(20, 2, 2, 2, 2, 2).max(axis=(2, 4)).reshape(20, -1)
    np.testing.assert_array_equal(network.potentials(x.astype(float))[0] >= tn.V_THRESHOLD, expected)


def test_a_kernel_or_bias_that_does_not_fit_is_refused():
    with pytest.raises(ValueError, match="a 5x5 kernel does not fit a 4x4 input"):
        tn.conv_connectivity((4, 4, 1), (5, 5, 1, 2))
    with pytest.raises(ValueError, match="a kernel for 2 channels cannot read an input of 1"):
        tn.conv_connectivity((4, 4, 1), (3, 3, 2, 2))
    with pytest.raises(ValueError, match="biases of shape \\(3,\\) for 2 units"):
        tn.dense_layer(kernel=np.ones((4, 2)), bias=np.zeros(3))
    with pytest.raises(ValueError, match="biases of shape \\(3,\\) for 2 channels out"):
        tn.conv_layer(kernel=np.ones((3, 3, 1, 2)), bias=np.zeros(3), input_shape=(4, 4, 1))
