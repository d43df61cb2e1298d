"""The training callback and the live view: called once per run of the binary, off by default."""
import numpy as np
import pytest

from stdplab import DiehlCook2015, live, plots

# test_energy's tiny shape (digits: 64 inputs, 20 neurons, chunks of 100): its binaries are reused.
TINY = {"n_neurons": 20, "chunk_size": 100, "verbose": False}


@pytest.fixture(scope="module")
def watched(digits):
    x, y = digits[0][:250], digits[1][:250]
    calls = []

    def callback(model):
        calls.append({"seen": model.n_examples_seen_, "weights": model.weights_.copy(), "theta": model.theta_.copy(),
                      "accuracy": model.history_["running_accuracy"][-1]})

    return DiehlCook2015(random_state=0, **TINY).fit(x, y, callback=callback), calls, (x, y)


def test_callback_sees_the_model_after_every_run_of_the_binary(watched):
    model, calls, (x, y) = watched
    assert [c["seen"] for c in calls] == [100, 200, 250]  # chunks of 100, then the rest
    assert calls[0]["accuracy"] is None and calls[-1]["accuracy"] is not None  # labels of earlier chunks
    assert not np.array_equal(calls[0]["weights"], calls[-1]["weights"])  # learning, seen as it goes
    assert np.array_equal(calls[-1]["weights"], model.weights_) and np.array_equal(calls[-1]["theta"], model.theta_)
    unwatched = DiehlCook2015(random_state=0, **TINY).fit(x, y)  # no callback: the same learning
    assert np.array_equal(unwatched.weights_, model.weights_)


def test_live_view_redraws_one_image_in_place(watched, monkeypatch):
    model, _, _ = watched
    shown = []

    class Handle:
        def update(self, image):
            shown.append(("update", image))

    def display(image, display_id):
        assert display_id is True
        shown.append(("display", image))
        return Handle()

    monkeypatch.setattr(live, "display", display)
    monkeypatch.setattr(live, "get_ipython", lambda: None)
    view = live.LiveView()
    view(model)  # a plain script: nothing drawn
    assert shown == [] and view.frames == 0
    monkeypatch.setattr(live, "get_ipython", lambda: object())
    view(model)
    view(model)
    assert [kind for kind, _ in shown] == ["display", "update"] and view.frames == 2
    assert all(image.data[:8] == b"\x89PNG\r\n\x1a\n" for _, image in shown)


def test_training_state_figure(watched):
    model, _, _ = watched
    fig = plots.training_state(model.weights_, model.image_shape_, model.theta_, model.history_, max_fields=8)
    rf, theta, accuracy, _ = fig.axes  # the colorbar comes last
    assert rf.get_title() == "Receptive fields (8 neurons)"
    assert rf.images[0].get_array().shape == (3 * 8, 3 * 8)  # 8 tiles of 8x8 in a 3x3 grid
    assert theta.images[0].get_array().compressed().tolist() == pytest.approx(model.theta_.tolist())
    assert list(accuracy.lines[0].get_xdata()) == [200, 250]  # the first run has no accuracy yet
    assert fig._suptitle.get_text() == "After 250 training examples"


@pytest.mark.parametrize("settings, message", [({"max_fields": 0}, "whole number >= 1"),
                                               ({"max_fields": -3}, "whole number >= 1"),
                                               ({"max_fields": 2.5}, "whole number >= 1"), ({"dpi": 0}, "> 0")])
def test_bad_live_view_settings_are_refused_before_any_training(settings, message):
    with pytest.raises(ValueError, match=message):
        live.LiveView(**settings)
    assert live.LiveView(dpi=72.5).dpi == 72.5  # a resolution need not be whole
