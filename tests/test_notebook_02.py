"""Lesson 2 (notebooks/02_train_diehl_cook.ipynb): its layout and nbgrader exercises. The notebook's run under
papermill, with every check passing on the model answers, is tests/test_notebooks.py's notebook-02 test."""
from pathlib import Path

import nbformat
import numpy as np
import pytest

from lesson_checks import assert_lesson_layout, assert_nbgrader_structure, student_version
from stdplab import readout

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "02_train_diehl_cook.ipynb"


def test_lesson_layout_and_nbgrader_exercises():
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    assert_lesson_layout(nb, 2)
    assert assert_nbgrader_structure(nb, 2) == 10  # the points docs/teaching.md lists
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "All activity" in text or "all activity" in text
    assert r"p_{c,j} = \frac{r_{c,j}}{\sum_{c'} r_{c',j}}" in text  # proportion weighting, as readout.py
    cells = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    run = next(k for k, c in enumerate(nb.cells) if "collapsed_results = run_experiment(" in c.source)
    assert cells.index("ex2_2_answer") < run < cells.index("ex2_2_check")  # the prediction comes first
    study = next(k for k, c in enumerate(nb.cells) if "studies.label_efficiency(" in c.source)
    assert cells.index("ex2_5_answer") < study < cells.index("ex2_5_check")  # the prediction comes first


def _model_vote():
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    source = next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex2_1_answer")
    namespace = {"np": np}
    exec(source, namespace)
    return namespace["all_activity_vote"], student_version(nb)


def test_model_answer_of_the_vote_is_readouts_and_the_student_version_is_not():
    vote, student = _model_vote()
    rng = np.random.default_rng(0)
    counts = rng.poisson(2.0, (50, 12))
    assignments = np.array([0, 1, 1, 2, -1, 4, 4, 4, 0, -1, 6, 1])  # classes 3, 5, 7-9 have no neuron
    np.testing.assert_allclose(vote(counts, assignments, 10), readout.vote(counts, assignments, np.zeros((10, 12))))
    source = next(c.source for c in student.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex2_1_answer")
    namespace = {"np": np}
    exec(source, namespace)
    with pytest.raises(NotImplementedError):
        namespace["all_activity_vote"](counts, assignments, 10)


def test_healthy_and_collapsed_figure_draws_both_runs():
    from stdplab import plots

    rng = np.random.default_rng(0)
    history = {"examples": [500], "silent_fraction": [0.5]}
    runs = {label: {"weights": rng.random((64, 9)), "theta": rng.random(9) + 20, "history": history,
                    "counts": rng.poisson(1.0, (30, 9))} for label in ("healthy", "θ+ = 0")}
    fig = plots.healthy_and_collapsed(runs, image_shape=(8, 8))
    fields = [ax for ax in fig.axes if ax.images and ax.get_title().endswith("receptive fields")]
    assert [ax.get_title() for ax in fields] == ["healthy: receptive fields", "θ+ = 0: receptive fields"]
    share = next(ax for ax in fig.axes if ax.get_ylabel() == "share of the test spikes (%)")
    assert [round(line.get_ydata().sum()) for line in share.lines] == [100, 100]  # each run's shares add up
