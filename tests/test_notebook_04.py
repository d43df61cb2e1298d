"""notebooks/04_sweep.ipynb: lesson 4 of the course on a stand-in for notebook 02 (fast, deterministic)."""
import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

pytest.importorskip("papermill")
import papermill  # noqa: E402
from lesson_checks import exercises_of, parameterised_notebook, passed, run_as_student  # noqa: E402

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOK = NOTEBOOKS / "04_sweep.ipynb"
GRID = {"theta_plus": [0.0, 0.025, 0.1], "seed": [0, 1, 2]}
# θ+ = 0: 40 points less accurate and 60 points more silent than the others, a spread of 1 point per seed.
# It writes stand_in_metrics.json as stdplab.records.save_metrics would (test_stand_in_writes_what_save_metrics_writes)
# without importing stdplab: each of the sweep's nine points starts a kernel, and the import takes seconds.
STAND_IN = ("import json, os\n"
            "off = theta_plus == 0\n"
            "with open(os.path.join(output_dir, 'stand_in_metrics.json'), 'w') as f:\n"
            "    json.dump({'accuracy': 0.6 - 0.4 * off + 0.01 * seed + theta_plus / 10,\n"
            "               'silent_fraction': 0.1 + 0.6 * off + 0.01 * seed}, f)")


def parameters(tmp_path):
    stand_in = parameterised_notebook(tmp_path / "stand_in.ipynb",
                                      'theta_plus = None\nseed = 0\nn_neurons = 100\noutput_dir = "figures/"',
                                      STAND_IN)
    return {"notebook": str(stand_in), "grid": GRID, "fixed": {"n_neurons": 20}, "workers": 2,
            "sweep_dir": str(tmp_path / "sweep"), "output_dir": str(tmp_path / "figures")}


def test_stand_in_writes_what_save_metrics_writes(tmp_path):
    from stdplab.records import save_metrics

    ours, theirs = tmp_path / "stand_in", tmp_path / "save_metrics"
    ours.mkdir()
    theirs.mkdir()
    exec(STAND_IN, {"theta_plus": 0.025, "seed": 1, "output_dir": str(ours)})
    (written,) = ours.iterdir()
    metrics = json.loads(written.read_text())
    assert metrics == pytest.approx({"accuracy": 0.6 + 0.01 + 0.0025, "silent_fraction": 0.1 + 0.01})
    assert save_metrics(theirs, "stand_in", metrics) == theirs / written.name
    assert json.loads((theirs / written.name).read_text()) == metrics


def test_lesson_structure_and_exercises():
    points = exercises_of(NOTEBOOK, 4)
    assert points == {"ex4_3_check": 2 + 1, "ex4_1_check": 2, "ex4_2_check": 2, "ex4_4_check": 2, "ex4_5_check": 1}
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    namespace = {}
    exec(cell.source, namespace)  # the defaults ask a question: θ+ with three seeds per point
    assert namespace["grid"] == {"theta_plus": [0.0, 0.025, 0.1], "seed": [0, 1, 2]}
    assert namespace["workers"] == 2 and namespace["fixed"]["n_neurons"] == 100
    assert "workers=workers" in "\n".join(c.source for c in nb.cells)
    researchers = nb.cells[-1].source
    assert researchers.startswith("## For researchers") and all(
        word in researchers for word in ("Resume", "Failed", "Dask", "codecarbon"))


def test_sweep_with_seeds_aggregates_plots_and_passes_its_solutions(tmp_path):
    papermill.execute_notebook(str(NOTEBOOK), str(tmp_path / "executed.ipynb"), kernel_name="python3",
                               progress_bar=False, cwd=str(NOTEBOOKS), parameters=parameters(tmp_path))
    executed = nbformat.read(str(tmp_path / "executed.ipynb"), as_version=4)
    assert passed(executed) == [f"Exercise 4.{k}" for k in range(1, 6)]
    metrics = json.loads((tmp_path / "figures" / "04_sweep_metrics.json").read_text())
    assert (metrics["n_points"], metrics["n_ok"], metrics["n_failed"]) == (9, 9, 0)
    assert metrics["parameter"] == "theta_plus" and metrics["reference"] == 0.025
    by_value = metrics["by_value_percent"]
    assert by_value["0.0"]["accuracy_mean"] == pytest.approx(21.0)  # 100 x (0.2 + 0.01 x mean seed 1)
    assert by_value["0.0"]["accuracy_sem"] == pytest.approx(1 / 3 ** 0.5)  # seeds 0, 1, 2 points: s = 1, n = 3
    assert by_value["0.025"]["silent_fraction_mean"] == pytest.approx(11.0)
    assert by_value["0.1"]["accuracy_count"] == 3
    compute = metrics["compute"]  # the sweep as codecarbon measured it, stating how
    assert compute["points_run"] == 9 and compute["energy_kwh"] > 0
    assert (compute["pue"], compute["grid_gco2_per_kwh"], compute["tracking"]) == (1.0, 475.0, "machine")
    assert (tmp_path / "figures" / "04_sweep_theta_plus.png").stat().st_size > 10_000
    table = pd.read_csv(tmp_path / "sweep" / "results.csv")
    assert len(table) == 9 and set(table["seed"]) == {0, 1, 2} and set(table["n_neurons"]) == {20}

    # The student version, graded as nbgrader would: the sweep resumes (nothing runs again).
    wrong = {"prediction_4_1": "lower", "answer_4_4": "a"}
    _, graded = run_as_student(NOTEBOOK, tmp_path, wrong, parameters(tmp_path), cwd=str(NOTEBOOKS))
    assert all(error is not None and error[0] == "ExerciseFailed" for error in graded.values()), graded
    assert "you predicted 'lower'; the run gave 'higher'" in graded["ex4_1_check"][1]
    assert "another three seeds could well reverse" in graded["ex4_4_check"][1]
    assert all("not answered yet" in graded[g][1] for g in ("ex4_2_check", "ex4_3_check", "ex4_5_check"))
    assert json.loads((tmp_path / "sweep" / "sweep.json").read_text())["runs"][-1]["points_run"] == 9  # not rerun
