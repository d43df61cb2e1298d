"""notebooks/05_conversion.ipynb: lesson 5 of the course under papermill with small parameters."""
import json
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("papermill")
import papermill  # noqa: E402
from lesson_checks import exercises_of, passed, run_as_student  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "05_conversion.ipynb"
# The shape of tests/test_conversion.py (64-16-10, 200 steps, chunks of 100) and of
# tests/test_notebook_03.py (20 neurons on the digits, chunks of 100): their binaries are reused.
SMALL = {"dataset": "digits", "n_train": 1000, "n_test": 200, "hidden": [16], "max_iter": 300, "t_max": 200,
         "chunk_size": 100, "stdp_neurons": 20, "stdp_train": 100}


LESSON_PRESETS = ("loihi", "spinnaker2", "cmos45nm", "gpu")  # the lesson's default presets


def test_lesson_structure_and_exercises():
    assert exercises_of(NOTEBOOK, 5) == {"ex5_1_check": 3, "ex5_2_check": 2, "ex5_3_check": 1, "ex5_4_check": 2,
                                         "ex5_5_check": 2}
    source = "\n".join(c.source for c in nbformat.read(str(NOTEBOOK), as_version=4).cells)
    for term in ("Rate coding", "ReLU", "integrate-and-fire", "max normalisation", "reset by subtraction",
                 "reset to zero", r"\lambda_l", "Whetstone", "Severa", "Nature Machine Intelligence", "bounded ReLU",
                 "sharpen", "population", "pipelined"):
        assert term in source, term
    assert "energy_per_mac" not in source  # no exercise asks for a field name


def test_notebook_converts_counts_and_passes_its_solutions(tmp_path):
    papermill.execute_notebook(str(NOTEBOOK), str(tmp_path / "executed.ipynb"), kernel_name="python3",
                               progress_bar=False, parameters={**SMALL, "output_dir": str(tmp_path / "out")})
    executed = nbformat.read(str(tmp_path / "executed.ipynb"), as_version=4)
    assert passed(executed) == [f"Exercise 5.{k}" for k in range(1, 6)]
    metrics = json.loads((tmp_path / "out" / "05_conversion_metrics.json").read_text())
    for name in ("05_conversion_accuracy.png", "05_conversion_energy.png", "05_whetstone_energy.png"):
        assert (tmp_path / "out" / name).stat().st_size > 10_000, name
    mlp, settings = metrics["mlp"], metrics["converted"]["settings"]
    assert mlp["layer_sizes"] == [64, 16, 10] and mlp["accuracy"] > 0.8
    assert list(settings) == ["max-poisson-subtract", "max-poisson-zero", "percentile-poisson-subtract",
                              "max-current-subtract"]
    for label, s in settings.items():
        assert len(s["accuracy"]) == 200
        assert s["accuracy"][0] < 0.5 and s["accuracy"][-1] > mlp["accuracy"] - 0.05, label  # rises to the MLP's
    subtract, zero = (settings[k]["steps_within_1_point"] for k in ("max-poisson-subtract", "max-poisson-zero"))
    assert subtract is not None and (zero is None or zero > subtract)  # exercise 5.2's outcome
    models = {r["model"] for r in metrics["priced"]}
    assert {"MLP 64-16-10", "SNN 20"} <= models
    assert any(m.startswith("converted 64-16-10 (max-poisson-subtract") for m in models)
    assert metrics["stdp"]["test_per_image"]["synops"] > 0

    # Section 8: the sharpened MLP (64-16-(10 x 10)) on Brian 2, beside the rate conversion.
    sharp = metrics["sharpened"]
    assert sharp["layer_sizes"] == [64, 16, 100] and sharp["per_class"] == 10
    assert sharp["sharpening_started_epoch"] == 10 and sharp["epochs"] == 10 + 2 * 5  # stopped once sharp
    assert sharp["agreement_with_keras"] == 1.0  # Brian 2 spikes as the sharpened Keras model computes
    assert sharp["accuracy"] == sharp["keras_accuracy"]["sharpened"] > 0.6  # chance: 0.1
    assert sharp["latency_steps"] == 2 and sharp["steps_simulated"] == 200 + 2 * 2  # two runs of 100, pipelined
    counts = sharp["counts"]
    assert 0 < counts["spikes_per_image"] <= sum(sharp["layer_sizes"])  # each neuron at most once per image
    assert counts["effective_macs"] == 0 and counts["effective_acs"] > 0
    assert sharp["converted_steps_within_1_point"] == subtract > sharp["latency_steps"]  # exercise 5.5's comparison
    assert sharp["converted_spikes_per_image"] > sharp["counts"]["spikes_per_image"]
    assert sharp["converted_synaptic_events_per_image"] > counts["effective_acs"]
    assert {r["model"] for r in sharp["priced"]} == {"sharpened 64-16-100"}
    assert {r["preset"] for r in sharp["priced"]} == set(LESSON_PRESETS)  # binary spikes: every preset prices it


def test_student_version_grades_unanswered_and_wrong_answers_as_zero_with_feedback(tmp_path):
    wrong = {"prediction_5_2": "fewer", "answer_5_3": "b", "prediction_5_5": 3}
    _, graded = run_as_student(NOTEBOOK, tmp_path, wrong, {**SMALL, "stdp_neurons": None,
                                                          "output_dir": str(tmp_path / "out")})
    assert all(error is not None and error[0] == "ExerciseFailed" for error in graded.values()), graded
    assert "you predicted 'fewer'; the run gave 'more'" in graded["ex5_2_check"][1]
    assert "the ratios between activations are kept" in graded["ex5_3_check"][1]
    assert "you predicted '3'; the run gave '2'" in graded["ex5_5_check"][1]
    assert all("not answered yet" in graded[g][1] for g in ("ex5_1_check", "ex5_4_check"))
    assert (tmp_path / "out" / "05_conversion_metrics.json").exists()  # the rest of the lesson ran
