"""Lesson 1 (notebooks/01_neuron_and_stdp.ipynb): its nbgrader exercises, and a papermill run with tiny
parameters in which every check passes on the model answers and the figures and metrics are written."""
import json
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("papermill")
import papermill  # noqa: E402
from lesson_checks import assert_lesson_layout, assert_nbgrader_structure, student_version, verdicts  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "01_neuron_and_stdp.ipynb"
FIGURES = ("01_neuron_trace", "01_stdp_window", "01_weight_dependence", "01_winner_take_all")
SMALL = {"duration": 400.0, "dt_max": 20.0, "dt_step": 10.0, "n_pairs": 3, "wta_duration": 250.0}


def test_lesson_layout_and_nbgrader_exercises():
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    assert_lesson_layout(nb, 1)
    assert assert_nbgrader_structure(nb, 1) == 10  # the points docs/teaching.md lists
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for doi in ("10.3389/fncom.2015.00099", "10.1523/JNEUROSCI.18-24-10464.1998",
                "10.1523/JNEUROSCI.1425-06.2006", "10.1016/j.cell.2008.10.008"):
        assert f"https://doi.org/{doi}" in text
    assert "0.025 mV at 100 neurons, 0.05 mV at 400" in text and "raises θ by 0.05" not in text
    for rule in ("triplet", "power_law", "exponential", "pre_and_post"):
        assert f"**{rule}**" in text


def test_notebook_runs_every_check_passes_and_writes_metrics_and_figures(tmp_path):
    out = tmp_path / "figs"
    papermill.execute_notebook(
        str(NOTEBOOK), str(tmp_path / "executed.ipynb"), kernel_name="python3", progress_bar=False,
        parameters={**SMALL, "learning_rule": "power_law", "output_dir": str(out)})
    metrics = json.loads((out / "01_neuron_and_stdp_metrics.json").read_text())
    for name in FIGURES:
        assert (out / f"{name}.png").stat().st_size > 10_000, name

    assert metrics["learning_rule"] == "power_law"
    assert metrics["rules"][0] == "power_law"
    assert set(metrics["rules"]) == {"triplet", "power_law", "exponential", "pre_and_post"}
    neuron = metrics["neuron"]
    assert neuron["spikes"] >= 2
    assert neuron["theta_plus_mV"] == 0.025  # the 100-neuron network's own (SIZE_TABLE)
    assert neuron["theta_rise_mV"] == pytest.approx(neuron["theta_plus_mV"] * neuron["spikes"], abs=0.005)
    assert neuron["min_isi_ms"] >= 50.0  # the spike block
    for rule, stdp in metrics["stdp"].items():
        assert stdp["dw_at_plus_10ms"] > 0, rule  # pre before post potentiates
        assert stdp["dw_at_minus_10ms"] < 0, rule  # post before pre depresses
    wta = metrics["winner_take_all"]
    inhibited, free = wta["with lateral inhibition"]["counts"], wta["without (w_inh_exc = 0)"]["counts"]
    assert inhibited[0] > 0 and sum(inhibited[1:]) == 0
    assert all(c > 0 for c in free)
    half = metrics["half_rate_spikes"]
    assert half["15 Hz"] < half["30 Hz"] / 3  # the outcome Exercise 1.2 compares the prediction with

    executed = nbformat.read(str(tmp_path / "executed.ipynb"), as_version=4)
    passed = [line.split(":")[0] for line in verdicts(executed) if ": right" in line or "was right" in line]
    assert passed == ["Exercise 1.1", "Exercise 1.1 (other time step, no input)", "Exercise 1.2", "Exercise 1.3",
                      "Exercise 1.4", "Exercise 1.5"]


def test_checks_give_feedback_on_wrong_answers(tmp_path):
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex1_1_answer")
    answer.source = answer.source.replace("(p.e_inh_e - v)", "(v - p.e_inh_e)")  # a sign error
    path = tmp_path / "wrong.ipynb"
    nbformat.write(nb, str(path))
    with pytest.raises(papermill.PapermillExecutionError) as failed:
        papermill.execute_notebook(str(path), str(tmp_path / "wrong_out.ipynb"), kernel_name="python3",
                                   progress_bar=False, parameters={**SMALL, "output_dir": str(tmp_path / "out")})
    assert failed.value.ename == "ExerciseFailed"
    assert "Exercise 1.1: off by up to" in failed.value.evalue and "sign of each driving force" in failed.value.evalue


def test_student_version_stops_at_the_first_exercise(tmp_path):
    path = tmp_path / "student.ipynb"
    nbformat.write(student_version(nbformat.read(str(NOTEBOOK), as_version=4)), str(path))
    with pytest.raises(papermill.PapermillExecutionError) as failed:
        papermill.execute_notebook(str(path), str(tmp_path / "student_out.ipynb"), kernel_name="python3",
                                   progress_bar=False, parameters={**SMALL, "output_dir": str(tmp_path / "out")})
    assert failed.value.ename == "NotImplementedError"


def test_unknown_rule_fails_clearly(tmp_path):
    with pytest.raises(papermill.PapermillExecutionError, match="valid names are"):
        papermill.execute_notebook(str(NOTEBOOK), str(tmp_path / "bad.ipynb"), kernel_name="python3",
                                   progress_bar=False,
                                   parameters={"learning_rule": "bogus", "output_dir": str(tmp_path)})
