import numpy as np
import pytest

from stdplab.exercises import ExerciseFailed, check_choice, check_close, check_prediction, digest

OPTIONS = {"a": "no: inhibition does not change the threshold", "b": "yes: each spike raises θ"}


def test_choice_passes_only_for_the_option_whose_digest_is_given(capsys):
    assert check_choice("Exercise 1", " B ", OPTIONS, digest("b")) == OPTIONS["b"]
    assert "right" in capsys.readouterr().out
    with pytest.raises(ExerciseFailed, match="inhibition does not change"):
        check_choice("Exercise 1", "a", OPTIONS, digest("b"))


def test_choice_refuses_no_answer_and_answers_that_are_not_options():
    with pytest.raises(ExerciseFailed, match="not answered yet"):
        check_choice("Exercise 1", None, OPTIONS, digest("b"))
    with pytest.raises(ExerciseFailed, match="not one of the options"):
        check_choice("Exercise 1", "c", OPTIONS, digest("b"))


def test_close_compares_values_and_shapes():
    check_close("Exercise 2", [1.0, 2.0], np.array([1.0, 2.0 + 1e-9]))
    with pytest.raises(ExerciseFailed, match="off by up to 0.5"):
        check_close("Exercise 2", [1.0, 2.5], [1.0, 2.0], hint="look at the units")
    with pytest.raises(ExerciseFailed, match="shape"):
        check_close("Exercise 2", [1.0], [1.0, 2.0])
    # An answer that is no number is feedback too, not a crash inside the check.
    with pytest.raises(ExerciseFailed, match="expected a number, got str '61.2%'"):
        check_close("Exercise 2", "61.2%", 61.2)
    with pytest.raises(ExerciseFailed, match="expected a number or an array of numbers, got dict"):
        check_close("Exercise 2", {"a": 1}, [1.0, 2.0])


def test_prediction_fails_when_it_differs_from_the_outcome_and_explains():
    check_prediction("Exercise 3", "Lower", "lower")
    with pytest.raises(ExerciseFailed, match="you predicted 'higher'; the run gave 'lower'. traces"):
        check_prediction("Exercise 3", "higher", "lower", "traces carry over")


def test_report_mode_prints_failures_instead_of_raising(monkeypatch, capsys):
    monkeypatch.setenv("STDPLAB_EXERCISES", "report")
    check_prediction("Exercise 3", "higher", "lower")
    check_close("Exercise 2", [1.0, 2.5], [1.0, 2.0])
    assert check_choice("Exercise 1", "a", OPTIONS, digest("b")) == OPTIONS["a"]
    out = capsys.readouterr().out
    assert out.count("reported, not raised") == 3 and "you predicted 'higher'" in out


def test_a_sweep_point_reports_a_failing_check_and_goes_on(tmp_path, monkeypatch):
    import os

    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from stdplab import sweep

    monkeypatch.delenv("STDPLAB_EXERCISES", raising=False)
    nb = new_notebook()
    parameters = new_code_cell('prediction = "higher"\noutput_dir = "."')
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [parameters, new_code_cell(
        "import json, os\nfrom stdplab.exercises import check_prediction\n"
        'check_prediction("Exercise 1", prediction, "lower")\n'
        'json.dump({"y": 1}, open(os.path.join(output_dir, "x_metrics.json"), "w"))')]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(tmp_path / "lesson.ipynb"))
    record = sweep.run_point(str(tmp_path / "lesson.ipynb"), str(tmp_path / "point"), {"prediction": "higher"})
    assert record["status"] == "ok" and record["metrics"]["y"] == 1
    assert "reported, not raised" in (tmp_path / "point" / "lesson.ipynb").read_text()
    assert "STDPLAB_EXERCISES" not in os.environ  # only the point's kernel ran in report mode
