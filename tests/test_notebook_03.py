"""notebooks/03_spike_energy.ipynb: a lesson of the course (nbgrader exercises) that runs under papermill."""
import json
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

pytest.importorskip("papermill")
import papermill  # noqa: E402
from lesson_checks import exercises_of, passed, run_as_student  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "03_spike_energy.ipynb"

TINY = {"dataset": "digits", "n_neurons": 20, "n_train": 100, "n_test": 50, "seed": 0, "chunk_size": 100,
        "mlp_sizes": [[30], [60]]}  # the shape of tests/test_energy.py (64 inputs, 20 neurons): binary reused


def test_lesson_structure_and_exercises():
    points = exercises_of(NOTEBOOK, 3)
    assert points == {"ex3_1_check": 2, "ex3_3_check": 3, "ex3_2_check": 2, "ex3_4_check": 1, "ex3_5_check": 2}
    source = "\n".join(c.source for c in nbformat.read(str(NOTEBOOK), as_version=4).cells)
    for term in ("synaptic operation", "MAC", "accumulate", "clock-driven", "event-driven", "preset",
                 "per correct answer", "PUE", "grid intensity", "RAPL", "codecarbon"):
        assert term.lower() in source.lower(), term
    assert "NATURE-style" not in source


def test_notebook_runs_with_its_solutions_and_writes_metrics_table_and_figure(tmp_path):
    out = tmp_path / "out"
    papermill.execute_notebook(str(NOTEBOOK), str(tmp_path / "executed.ipynb"), kernel_name="python3",
                               progress_bar=False, parameters={**TINY, "output_dir": str(out)})
    executed = nbformat.read(str(tmp_path / "executed.ipynb"), as_version=4)
    assert passed(executed) == [f"Exercise 3.{k}" for k in range(1, 6)]
    metrics = json.loads((out / "03_spike_energy_metrics.json").read_text())
    for name in ("energy_vs_accuracy.png", "energy_vs_accuracy.svg", "energy_table.csv"):
        assert (out / name).stat().st_size > 0, name

    assert 0 <= metrics["accuracy"] <= 1
    snn = metrics["snn"]["20"]
    test, train = snn["test_per_image"], snn["training_per_image"]
    assert test["input_spikes"] > 0 and test["synops"] > test["input_spikes"]
    assert test["stdp_updates"] == 0 and train["stdp_updates"] > 0
    assert test["neuron_updates_clock"] == (64 + 40) * 1000 * test["presentations"]
    split = metrics["loihi_split_per_image_j"]  # exercise 3.1's outcome: the clock dominates
    assert split["neuron updates"] == pytest.approx(test["neuron_updates_clock"] * 81e-12)
    assert split["synops"] == pytest.approx(test["synops"] * 23.6e-12)
    energies = metrics["summary"]["energy_per_image_j"]
    assert set(energies) == {"loihi", "truenorth", "spinnaker", "spinnaker2", "cmos45nm", "cpu", "gpu"}
    assert all(e > 0 for e in energies.values())
    assert energies["loihi"] < energies["spinnaker2"] < energies["spinnaker"]
    assert energies["loihi"] == pytest.approx(sum(split.values()))
    conventional = {c["name"]: c for c in metrics["conventional"]}
    assert conventional["MLP 30"]["macs"] == 64 * 30 + 30 * 10
    assert conventional["logistic regression"]["accuracy"] > 0.5
    compute = metrics["measured_compute"]["SNN 20"]
    assert compute["total"]["cpu_s"] > 0 and compute["total"]["wall_s"] > 0
    assert compute["total"]["pue"] == 1.0 and compute["total"]["grid_gco2_per_kwh"] == 475.0
    assert compute["total"]["mode"] and compute["total"]["tool"].startswith("codecarbon")
    # One experiment (sweep_experiments = 1): the sweep's footprint is what codecarbon measured.
    assert metrics["sweep_footprint"]["energy_kwh"] == pytest.approx(compute["total"]["energy_kwh"])
    assert metrics["sweep_footprint"]["carbon_gco2e"] == pytest.approx(compute["total"]["emissions_gco2e"])
    assert any("memory traffic" in c for c in metrics["caveats"])

    table = pd.read_csv(out / "energy_table.csv")
    assert set(table["model"]) == {"SNN 20", "logistic regression", "MLP 30", "MLP 60"}
    assert np.allclose(table["energy_per_correct_j"], table["energy_per_image_j"] / table["accuracy"])


def test_student_version_grades_unanswered_and_wrong_answers_as_zero_with_feedback(tmp_path):
    wrong = {"prediction_3_1": "synops", "energy_per_correct_3_3": 1.0, "answer_3_4": "d"}
    executed, graded = run_as_student(NOTEBOOK, tmp_path, wrong, {**TINY, "output_dir": str(tmp_path / "out")})
    assert all(error is not None and error[0] == "ExerciseFailed" for error in graded.values()), graded
    assert "you predicted 'synops'; the run gave 'neuron updates'" in graded["ex3_1_check"][1]
    assert "off by" in graded["ex3_3_check"][1] and "divide" in graded["ex3_3_check"][1]
    assert "it can go either way" in graded["ex3_4_check"][1]
    for grade_id in ("ex3_2_check", "ex3_5_check"):
        assert "not answered yet" in graded[grade_id][1]
    # The autograder runs on past the failures: the lesson's results are all there.
    assert (tmp_path / "out" / "03_spike_energy_metrics.json").exists()
