"""The label-efficiency study (studies.label_efficiency) and its figure, on synthetic spike counts beside the
8x8 digits' pixels: quick, and with outcomes known in advance."""
import numpy as np
import pytest

from stdplab import plots, studies


def test_balanced_subset_takes_as_many_of_each_class_as_it_can():
    labels = np.array([0] * 50 + [1] * 30 + [2] * 4)
    rng = np.random.default_rng(0)
    subset = studies.balanced_subset(labels, 30, rng)
    assert len(subset) == len(set(subset)) == 30
    counts = np.bincount(labels[subset], minlength=3)
    assert counts[2] == 4 and counts[0] >= 10 and counts[1] >= 10  # class 2 has only 4: the rest fill in
    np.testing.assert_array_equal(studies.balanced_subset(labels, 30, np.random.default_rng(0)), subset)
    assert np.bincount(labels[studies.balanced_subset(labels, 9, rng)]).tolist() == [3, 3, 3]
    np.testing.assert_array_equal(studies.balanced_subset(labels, 500, rng), np.arange(len(labels)))


@pytest.fixture(scope="module")
def study(digits):
    """Counts in which neurons 3k..3k+2 answer class k (so the network's features are good), the digits' pixels."""
    x_train, y_train, x_test, y_test = digits
    rng = np.random.default_rng(0)

    def counts(labels):
        rates = np.full((len(labels), 30), 0.3)
        for k in range(3):
            rates[np.arange(len(labels)), 3 * labels + k] = 4.0
        return rng.poisson(rates)

    table = studies.label_efficiency(counts(y_train), y_train, counts(y_test), y_test, x_train=x_train,
                                     x_test=x_test, sizes=(10, 100, 5000), draws=3, seed=1, max_iter=50)
    return table, len(y_train)


def test_every_method_every_draw_on_one_row_and_the_whole_pool_once(study):
    table, n_train = study
    assert list(table.columns) == ["size", "draw", "method", "accuracy", "fit_seconds"]
    assert sorted(set(table["size"])) == [10, 100, n_train]  # 5000 is more than the pool: the whole pool
    per_size = table.groupby("size").size().to_dict()
    assert per_size == {10: 12, 100: 12, n_train: 4}  # 3 draws x 4 methods; the whole pool drawn once
    assert set(table["method"]) == set(studies.LABEL_METHODS)
    assert table["accuracy"].between(0, 1).all()


def test_informative_counts_are_read_out_almost_perfectly_from_few_labels(study):
    table, _ = study
    summary = studies.label_efficiency_summary(table)
    at_100 = summary[summary["size"] == 100].set_index("method")["mean"]
    assert at_100["vote"] > 0.95 and at_100["linear readout"] > 0.95
    assert at_100["logistic regression (pixels)"] < at_100["vote"]  # pixels with 100 labels: about 85-90 %
    assert list(summary["method"][:4]) == list(studies.LABEL_METHODS)
    vote = summary[summary["method"] == "vote"].set_index("size")["mean"]
    assert studies.labels_needed(table, "vote", 0.95) == min(size for size, mean in vote.items() if mean >= 0.95)
    assert studies.labels_needed(table, "vote", 1.01) is None
    with pytest.raises(ValueError, match="no rows of 'svm'"):
        studies.labels_needed(table, "svm", 0.5)


def test_the_comparison_is_paired_draw_by_draw(study):
    table, _ = study
    comparison = studies.label_efficiency_comparison(table)
    row = comparison[(comparison["size"] == 100) & (comparison["ours"] == "vote")
                     & (comparison["theirs"] == "logistic regression (pixels)")].iloc[0]
    wide = table[table["size"] == 100].pivot(index="draw", columns="method", values="accuracy")
    expected = (wide["vote"] - wide["logistic regression (pixels)"]).mean()
    assert row["difference"] == pytest.approx(expected) and row["draws"] == 3
    assert row["verdict"] == "ahead" and row["wins"] == 3


def test_bad_methods_and_missing_pixels_are_refused():
    counts, labels = np.ones((20, 4)), np.arange(20) % 2
    with pytest.raises(ValueError, match="unknown methods"):
        studies.label_efficiency(counts, labels, counts, labels, methods=("svm",))
    with pytest.raises(ValueError, match="need the images"):
        studies.label_efficiency(counts, labels, counts, labels)
    only = studies.label_efficiency(counts, labels, counts, labels, sizes=(4,), draws=2, methods=studies.SNN_METHODS)
    assert set(only["method"]) == set(studies.SNN_METHODS) and len(only) == 4


def test_the_figure_has_a_log_axis_a_panel_per_network_and_a_line_per_method(study):
    table, _ = study
    fig = plots.label_efficiency({"100 neurons": table, "400 neurons": table})
    panels = [ax for ax in fig.axes if ax.get_xlabel() == "labelled training images"]
    assert len(panels) == 2 and all(ax.get_xscale() == "log" for ax in panels)
    assert panels[0].get_title().startswith("100 neurons: 3 draws per size")
    lines = {line.get_label(): line for line in panels[0].lines}
    assert set(lines) == set(studies.LABEL_METHODS)
    vote = table[table["method"] == "vote"].groupby("size")["accuracy"].mean()
    np.testing.assert_allclose(lines["vote"].get_ydata(), 100 * vote.to_numpy())
