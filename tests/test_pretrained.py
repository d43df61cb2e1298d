"""The compact model file and the trained networks that ship in stdplab/models/."""
import copy
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from stdplab import DiehlCook2015, pretrained
from stdplab.records import file_sha256


@pytest.fixture(scope="module")
def labelled(trained, mnist):
    """The conftest network with every readout fitted (vote, proportion, linear) on 1000 images."""
    return copy.deepcopy(trained).set_params(readout="linear").assign_labels(mnist[0][:1000], mnist[1][:1000])


@pytest.mark.parametrize("dtype", ["float16", "float32"])
def test_compact_round_trip_predicts_as_the_network_with_its_weights_rounded(labelled, mnist, tmp_path, dtype):
    labelled.save(tmp_path / "full.npz")
    labelled.save(tmp_path / "compact.npz", compact=True, weights_dtype=dtype)
    assert (tmp_path / "compact.npz").stat().st_size < (tmp_path / "full.npz").stat().st_size / 3
    loaded = DiehlCook2015.load(tmp_path / "compact.npz")
    assert loaded.get_params() == labelled.get_params()
    assert loaded.weights_.dtype == np.float64
    np.testing.assert_array_equal(loaded.weights_, labelled.weights_.astype(dtype).astype(np.float64))
    for name in ("theta_", "assignments_", "proportions_", "classes_", "_ever_fired"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(labelled, name))
    assert (loaded.seed_, loaded.n_examples_seen_) == (labelled.seed_, labelled.n_examples_seen_)
    images = mnist[2][:250]
    rounded = copy.deepcopy(labelled)
    rounded.weights_ = loaded.weights_.copy()
    counts = loaded.transform(images)
    np.testing.assert_array_equal(counts, rounded.transform(images))
    original = labelled.transform(images)
    for readout in ("vote", "proportion", "linear"):
        predicted = copy.deepcopy(loaded).set_params(readout=readout).predict_from_counts(counts)
        np.testing.assert_array_equal(predicted, rounded.set_params(readout=readout).predict_from_counts(counts))
        # Rounding the weights moves a few images at most.
        assert np.mean(predicted == rounded.predict_from_counts(original)) >= 0.97
    # A compact file saved again from its loaded model is the same network.
    loaded.save(tmp_path / "again.npz", compact=True, weights_dtype=dtype)
    again = DiehlCook2015.load(tmp_path / "again.npz")
    np.testing.assert_array_equal(again.weights_, loaded.weights_)
    np.testing.assert_array_equal(again.delays_, loaded.delays_)


def test_compact_files_regenerate_the_delays_bit_for_bit(labelled, tmp_path):
    labelled.save(tmp_path / "compact.npz", compact=True)
    with np.load(tmp_path / "compact.npz") as data:
        assert "delays_" not in data.files
        meta = json.loads(str(data["meta"]))
    assert meta["compact"]["delays"] == "regenerated"
    loaded = DiehlCook2015.load(tmp_path / "compact.npz")
    assert loaded.delays_.dtype == labelled.delays_.dtype
    assert loaded.delays_.tobytes() == labelled.delays_.tobytes()
    assert loaded.training_stats_["exc_spikes"].size == 0  # the per-example record is left out


def test_compact_files_keep_the_delays_a_seed_cannot_regenerate(labelled, tmp_path):
    unseeded = copy.deepcopy(labelled).set_params(random_state=None)
    unseeded.save(tmp_path / "compact.npz", compact=True)
    with np.load(tmp_path / "compact.npz") as data:
        assert "delays_" in data.files
    assert DiehlCook2015.load(tmp_path / "compact.npz").delays_.tobytes() == labelled.delays_.tobytes()
    # random_state changed after fitting: the seed no longer draws these delays, so they are stored.
    reseeded = copy.deepcopy(labelled).set_params(random_state=1)
    reseeded.save(tmp_path / "reseeded.npz", compact=True)
    assert DiehlCook2015.load(tmp_path / "reseeded.npz").delays_.tobytes() == labelled.delays_.tobytes()


def test_compact_files_refuse_delays_that_do_not_match_their_digest(labelled, tmp_path):
    labelled.save(tmp_path / "compact.npz", compact=True)
    data = dict(np.load(tmp_path / "compact.npz"))
    meta = json.loads(str(data["meta"]))
    meta["params"]["random_state"] = 1  # another seed draws other delays
    np.savez(tmp_path / "other.npz", **{**data, "meta": np.array(json.dumps(meta))})
    with pytest.raises(ValueError, match="delays do not match their SHA-256"):
        DiehlCook2015.load(tmp_path / "other.npz")
    with pytest.raises(ValueError, match="weights_dtype must be"):
        labelled.save(tmp_path / "x.npz", compact=True, weights_dtype="int8")


# --- the shipped networks ---------------------------------------------------------------------------

def test_pretrained_lists_the_sizes_that_ship_when_asked_for_another():
    assert 400 in pretrained.available()
    with pytest.raises(ValueError, match=r"no trained network of 123 neurons.*available sizes: .*400"):
        DiehlCook2015.pretrained(123)
    assert DiehlCook2015.pretrained("400").n_neurons == 400  # as on the command line
    with pytest.raises(FileNotFoundError, match="no folder of trained networks at"):
        DiehlCook2015.pretrained(400, directory=Path("/nonexistent"))


def test_a_compact_networks_training_is_not_counted_as_zero():
    from stdplab import counting

    with pytest.raises(ValueError, match="keeps the spike statistics of 0 of the 180,000 examples"):
        counting.counts_from_training(DiehlCook2015.pretrained(400))


def test_each_manifest_describes_its_file():
    for n in pretrained.available():
        record = pretrained.manifest(n)
        path = pretrained.MODELS_DIR / record["file"]
        assert record["n_neurons"] == n and path.stat().st_size == record["bytes"]
        assert file_sha256(path) == record["sha256"]
        assert {"command", "commit", "protocol", "accuracy_percent", "slice"} <= set(record)
        # The shipped weights keep the run's full-test accuracy to 0.1 point.
        for readout in ("vote", "proportion", "linear"):
            assert abs(record["accuracy_percent"][readout] - record["record_accuracy_percent"][readout]) <= 0.1


def test_pretrained_refuses_a_damaged_file(tmp_path):
    record = pretrained.manifest(400)
    shutil.copy(pretrained.MODELS_DIR / record["file"], tmp_path / record["file"])
    shutil.copy(pretrained.MODELS_DIR / "diehl_cook_2015_400.json", tmp_path)
    assert DiehlCook2015.pretrained(400, directory=tmp_path).network_parameters.n_neurons == 400
    with open(tmp_path / record["file"], "r+b") as file:
        file.seek(record["bytes"] // 2)
        byte = file.read(1)
        file.seek(record["bytes"] // 2)
        file.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ValueError, match="damaged or was changed: its SHA-256 is .* Refusing to load it"):
        DiehlCook2015.pretrained(400, directory=tmp_path)
    (tmp_path / record["file"]).unlink()
    with pytest.raises(FileNotFoundError, match="is missing"):
        DiehlCook2015.pretrained(400, directory=tmp_path)


def test_model_file_takes_a_shipped_size_or_a_path(tmp_path):
    shipped = pretrained.MODELS_DIR / pretrained.manifest(400)["file"]
    assert pretrained.model_file("400") == pretrained.model_file(400) == shipped
    assert pretrained.model_file(str(shipped)) == shipped
    with pytest.raises(ValueError, match="no trained network of 123 neurons"):
        pretrained.model_file("123")
    with pytest.raises(FileNotFoundError, match=r"no model file .*missing\.npz.*shipped network \(400"):
        pretrained.model_file(tmp_path / "missing.npz")
    with pytest.raises(FileNotFoundError, match=r"is a folder: give the model file in it"):
        pretrained.model_file(tmp_path)
    with pytest.raises(FileNotFoundError, match="no model file ²"):
        pretrained.model_file("²")  # a digit to str.isdigit, not a size
    named_like_a_size = tmp_path / "400"
    shutil.copy(shipped, named_like_a_size)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        assert pretrained.model_file("400") == Path("400")  # a file of that name wins


@pytest.mark.parametrize("n_neurons", pretrained.available())
def test_each_shipped_network_reproduces_its_recorded_slice(mnist, n_neurons):
    record = pretrained.manifest(n_neurons)
    model = DiehlCook2015.pretrained(n_neurons).set_params(verbose=False)
    n = record["slice"]["images"]
    images, labels = mnist[2][:n], mnist[3][:n]
    counts = model.transform(images)
    for readout, expected in record["slice"]["accuracy_percent"].items():
        accuracy = 100 * np.mean(model.set_params(readout=readout).predict_from_counts(counts) == labels)
        # Exact on the machine that shipped it; another compiler may round a spike differently: one image.
        assert abs(accuracy - expected) <= 100 / n + 1e-9, readout
