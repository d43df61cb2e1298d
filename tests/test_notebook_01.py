"""notebooks/01_neuron_and_stdp.ipynb under papermill with tiny parameters: figures and sane metrics."""
import json
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("papermill")
import papermill  # noqa: E402
from test_notebooks import exercise_checks, with_answers  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "01_neuron_and_stdp.ipynb"
FIGURES = ("01_neuron_trace", "01_stdp_window", "01_weight_dependence", "01_winner_take_all")


def test_notebook_runs_and_writes_metrics_and_figures(tmp_path):
    out = tmp_path / "figs"
    papermill.execute_notebook(
        str(NOTEBOOK), str(tmp_path / "executed.ipynb"), kernel_name="python3", progress_bar=False,
        parameters={"duration": 400.0, "dt_max": 20.0, "dt_step": 10.0, "n_pairs": 3,
                    "learning_rule": "power_law", "wta_duration": 250.0, "output_dir": str(out)})
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
    executed = nbformat.read(str(tmp_path / "executed.ipynb"), as_version=4)
    assert exercise_checks(executed) == [f"exercise {k}: not attempted yet" for k in (1, 2, 3)]


def test_unknown_rule_fails_clearly(tmp_path):
    with pytest.raises(papermill.PapermillExecutionError, match="valid names are"):
        papermill.execute_notebook(str(NOTEBOOK), str(tmp_path / "bad.ipynb"), kernel_name="python3",
                                   progress_bar=False,
                                   parameters={"learning_rule": "bogus", "output_dir": str(tmp_path)})


SMALL = {"duration": 400.0, "dt_max": 10.0, "dt_step": 10.0, "n_pairs": 3, "compare_rules": False,
         "wta_duration": 250.0}


def test_exercise_checks_pass_right_answers_and_hint_at_wrong_ones(tmp_path):
    right = {"my_input_rate": 20.0, "my_change": {"spike_block": 0.0}, "my_w_inh_exc": 14.0}  # docs/teaching.md
    papermill.execute_notebook(str(with_answers(NOTEBOOK, tmp_path, right)), str(tmp_path / "right.ipynb"), kernel_name="python3",
                               progress_bar=False, parameters={**SMALL, "output_dir": str(tmp_path / "out")})
    executed = nbformat.read(str(tmp_path / "right.ipynb"), as_version=4)
    assert [line.split(" (")[0] for line in exercise_checks(executed)] == [
        "exercise 1: passed", "exercise 2: passed", "exercise 3: passed"]
    with pytest.raises(papermill.PapermillExecutionError) as failed:
        papermill.execute_notebook(str(with_answers(NOTEBOOK, tmp_path, {"my_input_rate": 30.0})), str(tmp_path / "wrong.ipynb"),
                                   kernel_name="python3", progress_bar=False,
                                   parameters={**SMALL, "output_dir": str(tmp_path / "out")})
    assert failed.value.ename == "AssertionError" and "hint: the neuron integrates" in failed.value.evalue
