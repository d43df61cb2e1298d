"""notebooks/04_sweep.ipynb under papermill with tiny parameters: table, figure and metrics."""
import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook

pytest.importorskip("papermill")
import papermill  # noqa: E402
from test_notebooks import exercise_checks  # noqa: E402

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOK = NOTEBOOKS / "04_sweep.ipynb"


def run_04(tmp_path, parameters):
    out, sweep_dir = tmp_path / "figures", tmp_path / "sweep"
    papermill.execute_notebook(
        str(NOTEBOOK), str(tmp_path / "executed.ipynb"), kernel_name="python3", progress_bar=False,
        cwd=str(NOTEBOOKS), parameters={"sweep_dir": str(sweep_dir), "output_dir": str(out), **parameters})
    return out, sweep_dir


def test_notebook_sweeps_a_stand_in_notebook(tmp_path):
    """Notebook 04's own code on a stand-in for notebook 02 that only writes an accuracy."""
    stand_in = new_notebook()
    cell = new_code_cell('nu_post = 0.01\nn_neurons = 100\noutput_dir = "figures/"')
    cell.metadata["tags"] = ["parameters"]
    stand_in.cells = [cell, new_code_cell(
        "from stdplab.records import save_metrics\n"
        "save_metrics(output_dir, 'stand_in', {'accuracy': 0.5 + nu_post * 10 + n_neurons / 1000})")]
    stand_in.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "stand_in.ipynb"
    nbformat.write(stand_in, str(path))
    out, sweep_dir = run_04(tmp_path, {"notebook": str(path), "grid": {"nu_post": [0.01, 0.02], "n_neurons": [100]},
                                       "fixed": {}, "jobs": 2})
    metrics = json.loads((out / "04_sweep_metrics.json").read_text())
    assert (metrics["n_points"], metrics["n_ok"], metrics["n_failed"]) == (2, 2, 0)
    assert metrics["best_accuracy"] == pytest.approx(0.8)
    assert metrics["best_point"] == {"nu_post": 0.02, "n_neurons": 100}
    assert [p["accuracy"] for p in metrics["points"]] == pytest.approx([0.7, 0.8])
    compute = metrics["compute"]  # the sweep as codecarbon measured it, stating how
    assert compute["points_run"] == 2 and compute["energy_kwh"] > 0
    assert (compute["pue"], compute["grid_gco2_per_kwh"], compute["tracking"]) == (1.0, 475.0, "machine")
    assert (out / "04_sweep_accuracy.png").stat().st_size > 10_000
    assert list(pd.read_csv(sweep_dir / "results.csv")["accuracy"]) == pytest.approx([0.7, 0.8])
    executed = nbformat.read(str(tmp_path / "executed.ipynb"), as_version=4)
    assert exercise_checks(executed) == ["exercise 1: not attempted yet", "exercise 2: not attempted yet"]

