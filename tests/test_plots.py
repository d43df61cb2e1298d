"""Figures that take plain records (the others are exercised by the notebooks)."""
import numpy as np

from stdplab import plots


def test_sensitivity_has_one_panel_per_constant_and_marks_the_defaults():
    rules = {
        "power_law": {"defaults": {"nu_post": 5e-4, "mu": 0.2}, "default_accuracy_percent": [50.0, 54.0, 52.0],
                      "constants": {"nu_post": [{"value": 1e-4, "accuracy_percent": 40.0},
                                                {"value": 5e-4, "accuracy_percent": 50.0}],
                                    "mu": [{"value": 0.2, "accuracy_percent": 50.0},
                                           {"value": 1.0, "accuracy_percent": 30.0}]}},
        "exponential": {"defaults": {"beta": 3.0}, "default_accuracy_percent": [60.0],
                        "constants": {"beta": [{"value": 1.0, "accuracy_percent": 55.0},
                                               {"value": 3.0, "accuracy_percent": 60.0}]}},
    }
    fig = plots.sensitivity(rules)
    axes = fig.axes
    assert [ax.get_xlabel() for ax in axes] == ["nu_post", "mu", "beta"]
    assert [ax.get_xscale() for ax in axes] == ["log", "linear", "linear"]
    # the power-law default on the nu_post panel sits at the mean over seeds
    default_marker = [line for line in axes[0].lines if line.get_marker() == "*"][0]
    assert default_marker.get_xdata()[0] == 5e-4
    assert np.isclose(default_marker.get_ydata()[0], 52.0)
    assert len(axes[2].get_lines()) >= 2 and not any(line.get_label() == "power_law" for line in axes[2].lines)


def test_variants_course_draws_one_line_per_seed_coloured_by_variant():
    def run(offset):
        return {"examples": [500, 1000], "theta_mean_course": [20 + offset, 21 + offset],
                "spikes_per_example_course": [10 + offset, 11 + offset]}

    fig = plots.variants_course({"stepped": {"0": run(0), "1": run(1)}, "current": {"0": run(2)}})
    theta, spikes = fig.axes
    assert len(theta.lines) == len(spikes.lines) == 3
    assert [line.get_color() for line in theta.lines] == ["C0", "C0", "C1"]
    assert list(spikes.lines[2].get_ydata()) == [12, 13]
    assert [t.get_text() for t in theta.get_legend().get_texts()] == ["stepped", "current"]


def test_paper_table_marks_each_run_and_the_papers_figures():
    examples = list(range(500, 20001, 500))
    runs = [{"n_neurons": n, "label": label, "examples": examples, "running_accuracy": [None] + [acc / 100] * 39,
             "examples_trained": 20000, "test_accuracy_percent": acc}
            for n, label, acc in ((100, "100 neurons", 80.0), (100, "100 neurons, other", 70.0), (400, "400 neurons", 88.0))]
    # a partial run with fewer records than the smoothing window
    runs.append({"n_neurons": 6400, "label": "6400 neurons (partial)", "examples": [500, 1000, 1500],
                 "running_accuracy": [None, 0.1, 0.2], "examples_trained": 1500, "test_accuracy_percent": 30.0})
    fig = plots.paper_table(runs, {100: (82.9, None), 400: (87.0, 180000)}, smooth=5)
    ax = fig.axes[0]
    markers = {line.get_label(): line for line in ax.lines if line.get_marker() not in ("None", "")}
    # one marker per run at its test accuracy, the two runs of a size told apart by shape, one colour per size
    assert markers["100 neurons: 80.0 %"].get_marker() != markers["100 neurons, other: 70.0 %"].get_marker()
    assert markers["100 neurons: 80.0 %"].get_color() == markers["100 neurons, other: 70.0 %"].get_color()
    assert markers["400 neurons: 88.0 %"].get_color() != markers["100 neurons: 80.0 %"].get_color()
    assert markers["400 neurons: 88.0 %"].get_ydata()[0] == 88.0
    star = markers["paper, 400 neurons: 87.0 %"]
    assert (star.get_xdata()[0], star.get_ydata()[0]) == (180000, 87.0)
    # a paper figure without its training is a level across the plot; the smoothed line skips the gap
    assert any(line.get_label().startswith("paper, 100 neurons") and line.get_linestyle() == "--" for line in ax.lines)
    curves = [line for line in ax.lines if line.get_marker() in ("None", "") and not line.get_label().startswith("paper")]
    assert len(curves) == 4 and np.allclose(curves[0].get_ydata(), 80.0)
    np.testing.assert_allclose(curves[3].get_ydata(), [15.0])
