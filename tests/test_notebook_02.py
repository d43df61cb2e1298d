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
    assert assert_nbgrader_structure(nb, 2) == 8  # the points docs/teaching.md lists
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "All activity" in text or "all activity" in text
    assert r"p_{c,j} = \frac{r_{c,j}}{\sum_{c'} r_{c',j}}" in text  # proportion weighting, as readout.py
    cells = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    run = next(k for k, c in enumerate(nb.cells) if "collapsed_results = run_experiment(" in c.source)
    assert cells.index("ex2_2_answer") < run < cells.index("ex2_2_check")  # the prediction comes first


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
