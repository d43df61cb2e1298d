"""Figures that take plain records (the others are exercised by the notebooks): what each figure
promises its reader, checked on the figure object."""
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba

from stdplab import energy, plots

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def unlabelled(fig) -> list[str]:
    """Every visible axis with ticks and no label, every colour bar without a label."""
    fig.canvas.draw()  # tick labels get their text when drawn
    missing = []
    for k, ax in enumerate(fig.axes):
        if not ax.get_visible():
            continue
        name = f"axes {k} ({ax.get_title() or 'untitled'})"
        if hasattr(ax, "_colorbar"):
            if not (ax.get_ylabel() or ax.get_xlabel()):
                missing.append(f"{name}: colour bar")
            continue
        for axis, label in ((ax.xaxis, ax.get_xlabel()), (ax.yaxis, ax.get_ylabel())):
            numbers = [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text()
                       and not t.get_text().replace(" ", "").isalpha()]  # words (names, classes) label themselves
            if (numbers or (ax.images and axis is ax.xaxis)) and not label:
                missing.append(f"{name}: {axis.axis_name}")
    return missing


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
    assert [ax.get_xlabel().split(":")[0] for ax in axes] == ["nu_post", "mu", "beta"]
    assert all("\n" in ax.get_xlabel() for ax in axes)  # what each constant is, known ones with their unit
    assert "w_max = 1" in axes[0].get_xlabel() and "dimensionless" in axes[1].get_xlabel()
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


def run(n, label, accuracy, trained=20000, partial=False):
    examples = list(range(500, trained + 1, 500))
    return {"n_neurons": n, "label": label, "examples": examples,
            "running_accuracy": [None] + [accuracy / 100] * (len(examples) - 1), "examples_trained": trained,
            "test_accuracy_percent": accuracy, "partial": partial, "examples_planned": 900000 if partial else None}


PAPER = {100: (82.9, None), 400: (87.0, 180000), 1600: (91.9, 420000), 6400: (95.0, 900000)}


def test_paper_table_has_one_bar_per_size_beside_the_papers_four():
    runs = [run(100, "100 neurons", 84.5), run(400, "400 neurons", 89.5), run(1600, "1600 neurons", 92.5),
            run(6400, "6400 neurons (partial)", 77.6, trained=10000, partial=True)]
    fig = plots.paper_table(runs, PAPER)
    bars, curves = fig.axes
    paper, lab = bars.containers
    assert [b.get_height() for b in paper] == [82.9, 87.0, 91.9, 95.0]
    assert [b.get_height() for b in lab] == [84.5, 89.5, 92.5, 77.6]
    assert [t.get_text() for t in bars.get_xticklabels()] == ["100", "400", "1,600", "6,400"]
    # the partial run is hatched and says so; the finished ones are not
    assert [b.get_hatch() or "" for b in lab] == ["", "", "", "//"]
    assert any(t.get_text().startswith("partial: 10,000 of 900,000") for t in bars.texts)
    assert not unlabelled(fig)
    with pytest.raises(ValueError, match="one run per size"):
        plots.paper_table(runs + [run(100, "100 neurons, other", 70.0)], PAPER)


def test_paper_table_script_takes_each_sizes_main_run_and_the_papers_figures(benchmark_script):
    script = benchmark_script("paper_table")
    assert {n: accuracy for n, (accuracy, _) in script.PAPER.items()} == {100: 82.9, 400: 87.0, 1600: 91.9, 6400: 95.0}
    runs = script.load_runs(ROOT / "benchmarks" / "results")
    main = script.main_runs(runs)
    sizes = [r["n_neurons"] for r in main]
    assert sizes == sorted(set(sizes))  # one per size
    for r in main:
        assert r["file"] in (f"accuracy_{r['n_neurons']}.json", f"accuracy_{r['n_neurons']}_partial.json")
        assert "=" not in r["file"]  # runs with other settings are set aside
        if r["file"].endswith("_partial.json"):
            assert r["partial"] and not any(o["file"] == f"accuracy_{r['n_neurons']}.json" for o in runs)


def test_replot_draws_label_efficiency_from_every_csv_in_size_order(benchmark_script, tmp_path, monkeypatch):
    replot = benchmark_script("replot")
    for stem in ("label_efficiency_1600", "label_efficiency_400", "label_efficiency_400_fashion_mnist"):
        (tmp_path / f"{stem}.csv").write_text("size,draw,method,accuracy\n10,0,vote,0.5\n")
    drawn = {}
    draw = plots.label_efficiency
    monkeypatch.setattr(replot.plots, "label_efficiency", lambda tables: drawn.update(tables) or draw(tables))
    paths = replot.label_efficiency(tmp_path, tmp_path / "figures")
    assert list(drawn) == ["400 neurons", "400 neurons, fashion_mnist", "1600 neurons"]  # numeric, not lexical
    assert [p.name for p in paths] == ["label_efficiency.png"] and paths[0].stat().st_size > 0
    with pytest.raises(FileNotFoundError, match="no label_efficiency_<neurons>.csv in"):
        replot.label_efficiency(tmp_path / "figures", tmp_path / "figures")


def test_training_runs_marks_each_run_and_the_papers_figures():
    runs = [run(100, "100 neurons", 80.0), run(100, "100 neurons, other", 70.0), run(400, "400 neurons", 88.0)]
    # a partial run with fewer records than the smoothing window
    runs.append({"n_neurons": 6400, "label": "6400 neurons (partial)", "examples": [500, 1000, 1500],
                 "running_accuracy": [None, 0.1, 0.2], "examples_trained": 1500, "test_accuracy_percent": 30.0,
                 "partial": True})
    fig = plots.training_runs(runs, {100: (82.9, None), 400: (87.0, 180000)}, smooth=5)
    ax = fig.axes[0]
    markers = {line.get_label(): line for line in ax.lines if line.get_marker() not in ("None", "")}
    # one marker per run at its test accuracy, the two runs of a size told apart by shape, one colour per size
    assert markers["100 neurons: 80.0 %"].get_marker() != markers["100 neurons, other: 70.0 %"].get_marker()
    assert markers["100 neurons: 80.0 %"].get_color() == markers["100 neurons, other: 70.0 %"].get_color()
    assert markers["400 neurons: 88.0 %"].get_color() != markers["100 neurons: 80.0 %"].get_color()
    assert markers["400 neurons: 88.0 %"].get_ydata()[0] == 88.0
    assert markers["6400 neurons (partial): 30.0 %"].get_markerfacecolor() == "white"  # open: partial
    star = markers["paper, 400 neurons: 87.0 %"]
    assert (star.get_xdata()[0], star.get_ydata()[0]) == (180000, 87.0)
    # a paper figure without its training is a level across the plot; the smoothed line skips the gap
    assert any(line.get_label().startswith("paper, 100 neurons") and line.get_linestyle() == "--" for line in ax.lines)
    curves = [line for line in ax.lines if line.get_marker() in ("None", "") and not line.get_label().startswith("paper")]
    assert len(curves) == 4 and np.allclose(curves[0].get_ydata(), 80.0)
    np.testing.assert_allclose(curves[3].get_ydata(), [15.0])


# --- energy figures: one style per hardware preset --------------------------------------------------

def priced(model, family, accuracy, presets):
    return [{"model": model, "family": family, "accuracy": accuracy, "preset": p,
             "energy_per_image_j": 1e-6 * (k + 1)} for k, p in enumerate(presets)]


def preset_marks(fig):
    """{preset: (marker path vertices, edge colour)} from the scatter points, and the legend's
    {preset: (marker, colour)}."""
    ax = fig.axes[0]
    points = {}
    for c in ax.collections:
        if c.get_gid():
            vertices = c.get_paths()[0].vertices.round(6).tolist()
            preset = c.get_gid().removeprefix("preset_").rsplit("_row", 1)[0]
            points.setdefault(preset, set()).add((str(vertices), tuple(c.get_edgecolor()[0])))
    legend = {}
    for lg in [child for child in fig.axes[1].get_children() if type(child).__name__ == "Legend"]:
        if lg.get_title().get_text() == "hardware preset":
            for handle, text in zip(lg.legend_handles, lg.get_texts()):
                legend[text.get_text()] = (handle.get_marker(), to_rgba(handle.get_color()))
    return points, legend


def test_every_energy_figure_draws_a_preset_with_the_one_marker_and_colour():
    assert set(energy.PRESETS) <= set(plots.PRESET_STYLE)  # a new preset needs its style here
    styles = [(s["marker"], s["color"]) for s in plots.PRESET_STYLE.values()]
    assert len(set(m for m, _ in styles)) == len(styles) and len(set(c for _, c in styles)) == len(styles)
    # energy.py's rows (every preset) and conversion.py's (fewer, in another order, other models)
    snn_first = priced("SNN 100", "SNN (Diehl & Cook)", 0.84, energy.DEFAULT_PRESETS) + priced(
        "MLP 100", "conventional (scikit-learn)", 0.95,
        [p for p in energy.DEFAULT_PRESETS if energy.get_preset(p).energy_per_mac is not None])
    other_order = priced("MLP 784-100-10", "conventional (scikit-learn)", 0.94, ["gpu", "cpu", "cmos45nm"]) + priced(
        "converted 784-100-10", "SNN (converted)", 0.93, ["cmos45nm", "gpu", "spinnaker", "loihi"])
    figs = [plots.energy_accuracy(snn_first), plots.energy_accuracy(pd.DataFrame(other_order))]
    marks = [preset_marks(fig) for fig in figs]
    for points, legend in marks:
        for preset, (marker, colour) in legend.items():
            assert (marker, colour) == (plots.PRESET_STYLE[preset]["marker"], to_rgba(plots.PRESET_STYLE[preset]["color"]))
            assert all(edge == colour for _, edge in points[preset])
            assert len({vertices for vertices, _ in points[preset]}) == 1
    (points_a, _), (points_b, _) = marks
    for preset in set(points_a) & set(points_b):
        assert points_a[preset] == points_b[preset]
    assert points_a["gpu"] != points_a["cpu"]
    assert figs[0].axes[0].get_xscale() == "log"
    # most accurate at the top; filled for spiking networks, open for conventional ones
    assert [t.get_text() for t in figs[1].axes[0].get_yticklabels()] == ["MLP 784-100-10", "converted 784-100-10"]
    for fig in figs:
        assert not unlabelled(fig)


def test_a_preset_a_user_registers_gets_a_spare_style_kept_for_later_figures():
    try:
        style = plots.preset_style("my_chip")
        assert (style["marker"], style["color"]) not in [(s["marker"], s["color"]) for p, s in
                                                         plots.PRESET_STYLE.items() if p != "my_chip"]
        assert plots.preset_style("my_chip") is style
    finally:
        plots.PRESET_STYLE.pop("my_chip", None)


def test_conversion_accuracy_is_one_panel_per_network_on_one_scale():
    settings = ["max-poisson-subtract", "max-current-subtract"]
    curves = {(net, s): np.linspace(0.5, 0.9 + k / 100, 50) for k, net in enumerate(["784-100-10", "784-800-10"])
              for s in settings}
    fig = plots.conversion_accuracy(curves, {"784-100-10": 0.92, "784-800-10": 0.95})
    axes = fig.axes
    assert len(axes) == 2 and axes[0].get_ylim() == axes[1].get_ylim()
    assert [len(ax.lines) for ax in axes] == [3, 3]
    # a setting has one colour and style in every panel; one legend, one entry per setting and the MLP
    for k in (1, 2):
        assert (axes[0].lines[k].get_color(), axes[0].lines[k].get_linestyle()) == \
               (axes[1].lines[k].get_color(), axes[1].lines[k].get_linestyle())
    assert len(fig.legends) == 1 and len(fig.legends[0].get_texts()) == 3
    assert not unlabelled(fig)


# --- notebook 01: rules on one scale -----------------------------------------------------------------

def test_stdp_panels_share_one_y_scale_and_say_each_ones_size():
    dts = np.arange(-50, 51, 10.0)
    strong = np.where(dts >= 0, 0.02 * np.exp(-dts / 20), -0.015)
    windows = {"triplet": strong / 10, "power_law": strong, "exponential": strong / 3}
    fig = plots.stdp_window(dts, windows)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 3 and len({ax.get_ylim() for ax in visible}) == 1
    titles = [ax.get_title() for ax in visible]
    assert titles[0] == "triplet\nmax |Δw| = 0.002 (×0.1 of the largest)"
    assert titles[1] == "power_law\nmax |Δw| = 0.02 (the largest)"
    assert not unlabelled(fig)
    w0s = np.linspace(0.1, 0.9, 5)
    fig = plots.weight_dependence(w0s, {rule: np.outer(1 - w0s, [-1, 1]) * scale
                                        for rule, scale in (("triplet", 0.001), ("power_law", 0.01))})
    assert fig.axes[0].get_ylim() == fig.axes[1].get_ylim()
    assert not unlabelled(fig)


# --- colour bars and axes labelled ---------------------------------------------------------------------

def test_every_colour_bar_and_axis_is_labelled():
    rng = np.random.default_rng(0)
    weights, theta = rng.random((64, 10)), rng.random(10) * 20
    history = {"examples": [100, 200], "running_accuracy": [None, 0.5], "theta_mean": [1, 2],
               "spikes_per_example": [5, 6], "silent_fraction": [0.5, 0.2]}
    figures = {
        "receptive_fields": plots.receptive_fields(weights, (8, 8)),
        "theta_map": plots.theta_map(theta),
        "confusion_matrix": plots.confusion_matrix(rng.integers(0, 50, (3, 3)), ["0", "1", "2"]),
        "training_state": plots.training_state(weights, (8, 8), theta, history),
        "learning_record": plots.learning_record(history),
        "accuracy_curve": plots.accuracy_curve({"a": ([100, 200], [0.5, 0.6])}, paper=82.9),
        "raster": plots.raster({"input": ([0, 1], [0.01, 0.02]), "exc": ([0], [0.015])}, 0, 0.5, 350),
        "neuron_trace": plots.neuron_trace(np.arange(10.0), np.zeros(10), np.ones(10), np.zeros(10), [3.0],
                                           ([0, 1], [1.0, 2.0])),
        "winner_take_all": plots.winner_take_all({"on": {"counts": np.array([3, 0]), "exc": ([0, 0], [10, 20]),
                                                         "inh": ([0], [11]), "duration": 350}}),
    }
    colour_bars = {name: [ax.get_ylabel() for ax in fig.axes if hasattr(ax, "_colorbar")] for name, fig in figures.items()}
    assert colour_bars["theta_map"] == colour_bars["training_state"] == [plots.THETA_LABEL]
    assert colour_bars["receptive_fields"] == [plots.WEIGHT_LABEL] and colour_bars["confusion_matrix"] == ["test images (count)"]
    assert all("(" in label for labels in colour_bars.values() for label in labels)  # a unit or what is counted
    assert {name: unlabelled(fig) for name, fig in figures.items()} == {name: [] for name in figures}


def test_theta_grid_has_one_home():
    theta = np.arange(7.0)
    from_map = plots.theta_map(theta).axes[0].images[0].get_array()
    from_state = plots.training_state(np.ones((4, 7)), (2, 2), theta, {"examples": [], "running_accuracy": []}).axes[1]
    assert np.array_equal(from_map.filled(-1), from_state.images[0].get_array().filled(-1))
    assert from_map.shape == (3, 3) and from_map.mask.sum() == 2  # 7 neurons in a 3x3 grid, two cells blank


# --- notebook 04: the sweep ------------------------------------------------------------------------------

def test_sweep_shows_the_mean_over_seeds_with_their_range_in_percent():
    table = pd.DataFrame([{"point": f"p{k}", "status": "ok", "nu_post": nu, "seed": seed, "accuracy": acc}
                          for k, (nu, seed, acc) in enumerate([(0.005, 0, 0.40), (0.005, 1, 0.50), (0.02, 0, 0.60),
                                                               (0.02, 1, 0.64), (0.02, 2, 0.62)])]
                         + [{"point": "p9", "status": "failed", "nu_post": 0.01, "seed": 0, "accuracy": None}])
    fig = plots.sweep(table, ["nu_post", "seed"], "accuracy")
    assert len(fig.axes) == 1  # the seeds are averaged over, not a panel of their own
    ax = fig.axes[0]
    assert ax.get_ylabel() == "accuracy (%)"
    mean_line = ax.containers[0].lines[0]
    np.testing.assert_allclose(mean_line.get_ydata(), [45.0, 62.0])
    low, high = ax.containers[0].lines[2][0].get_segments()[1][:, 1]
    assert (round(low, 6), round(high, 6)) == (60.0, 64.0)
    assert "1 failed" in fig._suptitle.get_text()
    # without seeds: the plain mean, and a metric that is not an accuracy is left as it is
    plain = plots.sweep(table.drop(columns="seed").assign(spikes=[1, 2, 3, 4, 5, 6]), "nu_post", "spikes")
    assert plain.axes[0].get_ylabel() == "spikes" and not plain.axes[0].containers
