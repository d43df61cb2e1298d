"""DiehlCook2015 as a scikit-learn estimator, and learning on real MNIST."""
import copy
import dataclasses
import inspect

import numpy as np
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline

from stdplab import DiehlCook2015, estimator
from stdplab.parameters import Parameters

from conftest import SMALL


def test_every_parameter_is_a_keyword_with_the_paper_default():
    params = DiehlCook2015().get_params()
    assert set(Parameters.names()) <= set(params)
    paper = {"dt": 0.5, "present_time": 350.0, "rest_time": 150.0, "start_intensity": 2.0, "min_spikes": 5,
             "v_rest_e": -65.0, "v_reset_e": -65.0, "v_thresh_e": -52.0, "tau_e": 100.0, "e_inh_e": -100.0,
             "tau_ge": 1.0, "tau_gi": 2.0, "refractory_e": 5.0, "spike_block": 50.0, "theta_init": 20.0,
             "tau_theta": 1e7, "v_rest_i": -60.0, "v_reset_i": -45.0, "v_thresh_i": -40.0,
             "tau_i": 10.0, "e_inh_i": -85.0, "refractory_i": 2.0, "w_exc_inh": 10.4, "w_inh_exc": 17.0,
             "weight_total": 78.0, "tau_pre": 20.0, "tau_post1": 20.0, "tau_post2": 40.0, "nu_pre": 1e-4,
             "learning_rule": "triplet", "max_delay": 10.0, "input_rate_scale": 0.125}
    assert {k: params[k] for k in paper} == paper
    # nu_post: None means the rule's own; the triplet rule's is the paper's 0.01.
    assert params["nu_post"] is None and DiehlCook2015().network_parameters.nu_post == 0.01
    assert DiehlCook2015(learning_rule="power_law").network_parameters.nu_post == 5e-4


def test_theta_plus_defaults_to_the_size_table_and_an_explicit_value_wins():
    # None means the size's own: the published 0.05 at 400 neurons, the measured 0.025 at 100.
    assert DiehlCook2015().get_params()["theta_plus"] is None
    assert DiehlCook2015(n_neurons=400).network_parameters.theta_plus == 0.05
    assert DiehlCook2015(n_neurons=100).network_parameters.theta_plus == 0.025
    assert DiehlCook2015(n_neurons=100, theta_plus=0.05).network_parameters.theta_plus == 0.05
    # Between measured sizes a power law through the two neighbours; set_params(n_neurons=...)
    # moves the value with the size, as a grid search over sizes needs.
    low, high = DiehlCook2015(n_neurons=100), DiehlCook2015(n_neurons=400)
    middle = clone(low).set_params(n_neurons=200).network_parameters.theta_plus
    assert low.network_parameters.theta_plus < middle < high.network_parameters.theta_plus
    assert middle == pytest.approx((0.025 * 0.05) ** 0.5)


def test_clone_and_set_params():
    model = DiehlCook2015(n_neurons=50, nu_post=0.005, random_state=1)
    copy = clone(model)
    assert copy.get_params() == model.get_params() and copy is not model
    copy.set_params(theta_plus=0.1)
    assert copy.theta_plus == 0.1 and model.theta_plus is None
    with pytest.raises(ValueError, match="Invalid parameter"):
        copy.set_params(theta_pluss=0.1)


def test_the_constructor_is_a_real_signature_in_step_with_parameters():
    # Written out (no generated __signature__), so help(), IDEs and type checkers see it.
    assert "__signature__" not in vars(DiehlCook2015.__init__)
    signature = inspect.signature(DiehlCook2015.__init__).parameters
    network = [(f.name, f.default) for f in dataclasses.fields(Parameters)]
    assert [(name, signature[name].default) for name, _ in network] == network
    assert list(signature)[1:len(network) + 1] == [name for name, _ in network]
    assert set(signature) - {"self"} == set(DiehlCook2015._parameter_constraints)
    with pytest.raises(TypeError, match="theta_pluss"):
        DiehlCook2015(theta_pluss=0.1)


@pytest.mark.parametrize("images, error, message", [
    (np.zeros((2, 2, 28, 28)), ValueError, "dim 4"),
    (np.zeros(784), ValueError, "Expected 2D array"),
    (np.full((2, 784), np.nan), ValueError, "NaN"),
    (np.full((2, 784), -1.0), ValueError, r"\[0, 255\]"),
    (np.full((2, 784), 300.0), ValueError, r"\[0, 255\]"),
    (np.array([["a"] * 784]), ValueError, "could not convert"),
    (np.zeros((0, 784)), ValueError, "0 sample"),
    (sparse.csr_matrix(np.ones((2, 784))), TypeError, "[Ss]parse"),
    (np.ones((2, 784)) * 1j, ValueError, "Complex"),
])
def test_bad_images_get_clear_errors(images, error, message):
    with pytest.raises(error, match=message):
        DiehlCook2015(**SMALL).fit(images)


@pytest.mark.parametrize("setting, message", [
    ({"learning_rule": "hebb"}, "'learning_rule' parameter of DiehlCook2015 must be a str among"),
    ({"readout": "max"}, "'readout' parameter of DiehlCook2015 must be a str among"),
    ({"dt": 0.0}, r"'dt' parameter of DiehlCook2015 must be a float in the range \(0.0, inf\)"),
    ({"tau_e": -5.0}, "'tau_e' parameter"),
    ({"n_neurons": 2.5}, "'n_neurons' parameter of DiehlCook2015 must be an int"),
    ({"epochs": 0}, "'epochs' parameter"),
    ({"theta_plus": -0.1}, "'theta_plus' parameter"),
    ({"n_jobs": 0}, "'n_jobs' parameter"),
    ({"present_time": 350.25}, "multiple of dt"),  # a cross-parameter rule, from Parameters
])
def test_bad_parameter_values_get_clear_errors(setting, message):
    with pytest.raises(ValueError, match=message):
        DiehlCook2015(**{**SMALL, **setting}).fit(np.zeros((2, 784)))


def test_bad_labels():
    with pytest.raises(ValueError, match="one label per image"):
        DiehlCook2015(**SMALL).fit(np.zeros((2, 784)), [1, 2, 3])
    with pytest.raises(ValueError, match="continuous"):
        DiehlCook2015(**SMALL).fit(np.zeros((2, 784)), [0.5, 1.5])


def test_not_fitted_and_wrong_image_size(trained):
    with pytest.raises(NotFittedError):
        DiehlCook2015().predict(np.zeros((1, 784)))
    with pytest.raises(ValueError, match="expecting 784 features"):
        trained.predict(np.zeros((1, 64)))


@pytest.mark.parametrize("settings, call, message", [
    ({"readout": "bogus"}, "predict", "'readout' parameter"),
    ({"chunk_size": 0}, "transform", "'chunk_size' parameter"),
    ({}, "assign_labels", "one label per image"),
])
def test_bad_settings_and_labels_after_fit_are_refused_before_any_simulation(trained, settings, call, message,
                                                                             monkeypatch):
    def no_simulation(*args, **kwargs):
        raise AssertionError("the network was compiled or simulated before the input was checked")

    monkeypatch.setattr(estimator, "compiled_network", no_simulation)
    model = copy.deepcopy(trained).set_params(**settings)
    images = np.zeros((2, 784))
    with pytest.raises(ValueError, match=message):
        getattr(model, call)(*((images, [1]) if call == "assign_labels" else (images,)))


def test_learns_mnist_far_above_chance(trained, mnist):
    """100 neurons, 1000 training images: 61-63 % on 1000 test images when measured (seeds 0-1)."""
    _, _, x_test, y_test = mnist
    accuracy = trained.score(x_test[:1000], y_test[:1000])
    assert accuracy > 0.45, accuracy
    assert (trained.assignments_ >= 0).sum() > 50  # most neurons learned a class
    assert trained.history_["running_accuracy"][-1] > 0.3


def test_transform_gives_spike_counts(trained, mnist):
    counts = trained.transform(mnist[2][:20])
    assert counts.shape == (20, 100)
    assert (counts >= 0).all() and (counts.sum(axis=1) >= 5).mean() > 0.9
    np.testing.assert_array_equal(counts, trained.transform(mnist[2][:20]))  # deterministic


def test_runs_at_once_give_the_same_counts_as_one_at_a_time(trained, mnist):
    images = mnist[2][:600]  # three runs of the binary (chunk_size 250), the last one short
    one_at_a_time = trained.responses(images)
    at_once = copy.deepcopy(trained).set_params(n_jobs=2).responses(images)
    for key, values in vars(one_at_a_time).items():
        np.testing.assert_array_equal(getattr(at_once, key), values, err_msg=key)
    assert one_at_a_time.counts[500:].sum() > 0  # the last run's images were counted too


def test_images_in_any_layout_and_dtype(trained, mnist):
    images = mnist[2][:10]
    expected = trained.predict(images)
    np.testing.assert_array_equal(trained.predict(images.reshape(10, 784).astype(float)), expected)


def test_save_load_round_trip_gives_identical_predictions(trained, mnist, tmp_path):
    images = mnist[2][:50]
    trained.save(tmp_path / "run.npz")
    loaded = DiehlCook2015.load(tmp_path / "run.npz")
    np.testing.assert_array_equal(loaded.predict(images), trained.predict(images))
    np.testing.assert_array_equal(loaded.weights_, trained.weights_)
    assert loaded.get_params() == trained.get_params()
    assert loaded.history_["running_accuracy"] == trained.history_["running_accuracy"]


@pytest.mark.parametrize("generator", [np.random.default_rng(5), np.random.RandomState(5)])
def test_a_model_seeded_by_a_generator_saves_and_loads(trained, tmp_path, generator):
    model = copy.deepcopy(trained).set_params(random_state=generator)
    model.save(tmp_path / "run.npz")
    loaded = DiehlCook2015.load(tmp_path / "run.npz")
    assert loaded.random_state is None and loaded.seed_ == model.seed_
    np.testing.assert_array_equal(loaded.weights_, model.weights_)


def test_partial_fit_continues_learning(mnist):
    x = mnist[0][:250]
    model = DiehlCook2015(random_state=0, **SMALL).partial_fit(x)
    before = model.weights_.copy()
    model.partial_fit(mnist[0][250:500], mnist[1][250:500])
    assert model.n_examples_seen_ == 500
    assert not np.array_equal(before, model.weights_)
    assert hasattr(model, "assignments_")


def test_labels_need_not_be_integers(mnist):
    x = mnist[0][:250]
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])
    model = DiehlCook2015(random_state=0, **SMALL).fit(x, names[mnist[1][:250]])
    assert set(model.predict(mnist[2][:20])) <= set(names)


def test_pipeline_and_cross_val_score(mnist):
    x = mnist[0][:500].reshape(500, -1)
    y = mnist[1][:500]
    pipe = Pipeline([("snn", DiehlCook2015(random_state=0, **SMALL))])
    scores = cross_val_score(pipe, x, y, cv=2)
    assert scores.shape == (2,) and (scores > 0.2).all()


def test_learning_can_be_observed(mnist, tmp_path):
    model = DiehlCook2015(random_state=0, snapshot_every=250, **SMALL).fit(mnist[0][:500])
    h = model.history_
    assert h["examples"] == [250, 500]
    assert [n for n, _, _ in h["snapshots"]] == [250, 500]
    np.testing.assert_array_equal(h["snapshots"][-1][1], model.weights_.astype(np.float32))
    np.testing.assert_array_equal(h["snapshots"][-1][2], model.theta_)
    assert h["theta_mean"][1] > h["theta_mean"][0] > 20
    assert all(s > 5 for s in h["spikes_per_example"]) and 0 <= h["silent_fraction"][-1] < 1
    assert len(model.training_stats_["exc_spikes"]) == 500
    model.save(tmp_path / "m.npz")
    assert [n for n, _, _ in DiehlCook2015.load(tmp_path / "m.npz").history_["snapshots"]] == [250, 500]


def test_predict_leaves_the_model_unchanged(trained, mnist):
    before = {name: (value.copy() if isinstance(value, np.ndarray) else value)
              for name, value in vars(trained).items() if not name.startswith("_")}
    trained.predict(mnist[2][:10])
    trained.decision_function(mnist[2][:10])
    after = vars(trained)
    assert set(after) >= set(before) and {n for n in after if not n.startswith("_")} == set(before)
    for name, value in before.items():
        np.testing.assert_equal(after[name], value)


def test_refit_on_another_image_size(mnist, digits):
    model = DiehlCook2015(random_state=0, **SMALL).fit(mnist[0][:100], mnist[1][:100])
    assert model.n_features_in_ == 784
    # 20 neurons in chunks of 100 on the digits: the shape other tests compile anyway.
    model.set_params(n_neurons=20, chunk_size=100, weight_total=25.5, input_rate_scale=0.5)
    model.fit(digits[0][:100], digits[1][:100])
    assert model.n_features_in_ == 64 and model.weights_.shape == (64, 20)
    assert model.image_shape_ == (8, 8) and model.n_examples_seen_ == 100


def test_partial_fit_with_a_new_class(mnist):
    x, y = mnist[0][:200], mnist[1][:200]
    first, later = y < 5, y >= 5
    model = DiehlCook2015(random_state=0, **SMALL).partial_fit(x[first], y[first])
    with pytest.raises(ValueError, match="classes="):
        model.partial_fit(x[later], y[later])
    # Declared up front, the classes are fixed and the running-accuracy labels never shift.
    model = DiehlCook2015(random_state=0, **SMALL).partial_fit(x[first], y[first], classes=np.arange(10))
    stored = model._recent_labels.copy()
    model.partial_fit(x[later], y[later])
    np.testing.assert_array_equal(model.classes_, np.arange(10))
    np.testing.assert_array_equal(model._recent_labels[:len(stored)], stored)
    assert set(model.predict(mnist[2][:30])) <= set(range(10))


def test_two_classes_give_one_decision_score_per_image(mnist):
    keep = mnist[1][:300] < 2
    model = DiehlCook2015(random_state=0, **SMALL).fit(mnist[0][:300][keep], mnist[1][:300][keep])
    scores = model.decision_function(mnist[2][:20])
    assert scores.shape == (20,)
    np.testing.assert_array_equal(model.predict(mnist[2][:20]), model.classes_[(scores > 0).astype(int)])


def test_damaged_or_foreign_model_files_get_clear_errors(trained, tmp_path):
    with pytest.raises(FileNotFoundError, match="no model file"):
        DiehlCook2015.load(tmp_path / "missing.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="not a stdplab model file"):
        DiehlCook2015.load(tmp_path / "junk.npz")
    np.savez(tmp_path / "foreign.npz", weights=np.zeros(3))
    with pytest.raises(ValueError, match="not a stdplab model file"):
        DiehlCook2015.load(tmp_path / "foreign.npz")
    trained.save(tmp_path / "good.npz")
    data = dict(np.load(tmp_path / "good.npz"))
    np.savez(tmp_path / "cut.npz", **{**data, "theta_": data["theta_"][:3]})
    with pytest.raises(ValueError, match="theta_ has shape"):
        DiehlCook2015.load(tmp_path / "cut.npz")


def test_model_files_carry_a_format_version_and_refuse_unknown_or_newer_ones(trained, tmp_path):
    import json

    from stdplab.estimator import MODEL_FORMAT
    from stdplab.records import UnsupportedFormatError

    trained.save(tmp_path / "good.npz")
    data = dict(np.load(tmp_path / "good.npz"))
    meta = json.loads(str(data["meta"]))
    assert meta["format_version"] == MODEL_FORMAT

    def with_version(name, version):
        changed = {k: v for k, v in meta.items() if k != "format_version"}
        if version is not None:
            changed["format_version"] = version
        np.savez(tmp_path / name, **{**data, "meta": np.array(json.dumps(changed))})
        return tmp_path / name

    with pytest.raises(UnsupportedFormatError, match=f"newer than this stdplab reads \\({MODEL_FORMAT}\\)"):
        DiehlCook2015.load(with_version("newer.npz", MODEL_FORMAT + 1))
    with pytest.raises(UnsupportedFormatError, match="'two', which no stdplab writes"):
        DiehlCook2015.load(with_version("unknown.npz", "two"))
    # Files from before format versions (version 0) have the same layout and still load.
    old = DiehlCook2015.load(with_version("old.npz", None))
    np.testing.assert_array_equal(old.weights_, trained.weights_)


# --- readouts ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def linear(trained, mnist):
    """The trained network of conftest, its readout refitted as the linear one on the same 1000 images."""
    return copy.deepcopy(trained).set_params(readout="linear").assign_labels(mnist[0][:1000], mnist[1][:1000])


def test_the_default_readout_is_the_papers_all_activity_vote(trained, mnist):
    from stdplab import readout

    counts = trained.transform(mnist[2][:200])
    expected = readout.predict(counts, trained.assignments_, trained.proportions_, "all")
    assert trained.readout == "vote"
    np.testing.assert_array_equal(trained.predict_from_counts(counts), trained.classes_[expected])
    proportion = copy.deepcopy(trained).set_params(readout="proportion")  # the same fitted state, another vote
    np.testing.assert_array_equal(proportion.predict_from_counts(counts), trained.classes_[
        readout.predict(counts, trained.assignments_, trained.proportions_, "proportion")])
    assert not hasattr(trained, "predict_proba") and not hasattr(trained, "linear_readout_")


def test_the_linear_readout_beats_the_vote_on_the_same_counts(trained, linear, mnist):
    """Measured on 1000 test images: vote 48.7 %, linear readout 61.4 % (seed 1: 56.2 % and 63.3 %)."""
    x_test, y_test = mnist[2][:1000], mnist[3][:1000]
    vote, read = trained.score(x_test, y_test), linear.score(x_test, y_test)
    assert read >= vote + 0.05, (read, vote)
    np.testing.assert_array_equal(linear.assignments_, trained.assignments_)  # the vote's state is kept beside it


def test_the_linear_readouts_scores_probabilities_and_predictions_agree(linear, mnist):
    images = mnist[2][:100]
    proba, scores, predicted = linear.predict_proba(images), linear.decision_function(images), linear.predict(images)
    assert proba.shape == scores.shape == (100, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(linear.classes_[proba.argmax(axis=1)], predicted)
    np.testing.assert_array_equal(linear.classes_[scores.argmax(axis=1)], predicted)


def test_the_linear_readout_is_fitted_on_the_labelled_images_only(mnist):
    from stdplab import readout

    x, y = mnist[0][:250], mnist[1][:250]
    model = DiehlCook2015(random_state=0, readout="linear", n_label_examples=100, **SMALL).fit(x, y)
    scaler, classifier = model.linear_readout_.named_steps.values()
    assert scaler.n_samples_seen_ == 100
    expected = readout.fit_linear(model.transform(x[:100]), np.searchsorted(model.classes_, y[:100]))
    np.testing.assert_allclose(classifier.coef_, expected.named_steps["classifier"].coef_)
    # Labelled again with a vote, the linear readout fitted on other labels is dropped.
    model.set_params(readout="vote").assign_labels(x[:50], y[:50])
    assert not hasattr(model, "linear_readout_")
    with pytest.raises(NotFittedError, match="readout='linear'"):
        model.set_params(readout="linear").predict(x[:5])


def test_fit_readout_takes_counts_already_computed(trained, mnist):
    x, y = mnist[0][:300], mnist[1][:300]
    from_counts = copy.deepcopy(trained).fit_readout(trained.transform(x), y)
    from_images = copy.deepcopy(trained).assign_labels(x, y)
    np.testing.assert_array_equal(from_counts.assignments_, from_images.assignments_)
    assert not np.array_equal(from_counts.assignments_, trained.assignments_)  # labelled on other images
    with pytest.raises(ValueError, match=r"\(n, 100\) spike counts"):
        from_counts.fit_readout(np.zeros((300, 5)), y)


def test_save_load_keeps_the_linear_readout(linear, mnist, tmp_path):
    images = mnist[2][:50]
    linear.save(tmp_path / "linear.npz")
    loaded = DiehlCook2015.load(tmp_path / "linear.npz")
    assert loaded.readout == "linear"
    np.testing.assert_array_equal(loaded.predict(images), linear.predict(images))
    np.testing.assert_array_equal(loaded.predict_proba(images), linear.predict_proba(images))


def test_model_files_of_format_1_name_their_vote_as_today(trained, tmp_path):
    import json

    trained.save(tmp_path / "good.npz")
    data = dict(np.load(tmp_path / "good.npz"))
    meta = json.loads(str(data["meta"]))
    for voting, expected in (("all", "vote"), ("proportion", "proportion")):
        params = {k: v for k, v in meta["params"].items() if k != "readout"}
        old = {**meta, "format_version": 1, "params": {**params, "voting": voting}}
        np.savez(tmp_path / "old.npz", **{**data, "meta": np.array(json.dumps(old))})
        assert DiehlCook2015.load(tmp_path / "old.npz").readout == expected
