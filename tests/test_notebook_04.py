"""notebooks/04_sweep.ipynb under papermill with tiny parameters: table, figure and metrics."""
import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook

pytest.importorskip("papermill")
import papermill  # noqa: E402

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOK = NOTEBOOKS / "04_sweep.ipynb"
TRAIN = NOTEBOOKS / "02_train_diehl_cook.ipynb"


def run_04(tmp_path, parameters):
    out, sweep_dir = tmp_path / "figures", tmp_path / "sweep"
    papermill.execute_notebook(
        str(NOTEBOOK), str(tmp_path / "executed.ipynb"), kernel_name="python3", progress_bar=False,
        cwd=str(NOTEBOOKS), parameters={"sweep_dir": str(sweep_dir), "output_dir": str(out), **parameters})
    return out, sweep_dir


def test_notebook_is_stored_clean_with_one_parameters_cell():
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for name in ("notebook", "grid", "fixed", "jobs", "dask_address", "sweep_dir", "metric", "output_dir"):
        assert f"\n{name} =" in "\n" + tagged[0].source
    assert 'output_dir = "figures/"' in tagged[0].source
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert "class " not in "".join(c.source for c in code)  # no model code in the notebook


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
    assert (out / "04_sweep_accuracy.png").stat().st_size > 10_000
    assert list(pd.read_csv(sweep_dir / "results.csv")["accuracy"]) == pytest.approx([0.7, 0.8])


@pytest.mark.skipif(not TRAIN.exists(), reason="notebooks/02_train_diehl_cook.ipynb is not there yet")
def test_notebook_sweeps_notebook_02(tmp_path):
    from stdplab.sweep import notebook_parameters

    fixed = {"dataset": "digits", "n_neurons": 20, "n_train": 40, "n_test": 20, "epochs": 1, "seed": 0}
    if "chunk_size" in notebook_parameters(TRAIN):
        fixed["chunk_size"] = 100  # the tiny shape other tests compile (64 inputs, 20 neurons, chunks of 100)
    out, sweep_dir = run_04(tmp_path, {"grid": {"nu_post": [0.005, 0.02]}, "fixed": fixed, "jobs": 2})
    metrics = json.loads((out / "04_sweep_metrics.json").read_text())
    assert (metrics["n_points"], metrics["n_ok"], metrics["n_failed"]) == (2, 2, 0), metrics["points"]
    assert all(0 <= p["accuracy"] <= 1 for p in metrics["points"])
    assert 0 <= metrics["best_accuracy"] <= 1
    assert (out / "04_sweep_accuracy.png").stat().st_size > 10_000
    table = pd.read_csv(sweep_dir / "results.csv")
    assert list(table["nu_post"]) == [0.005, 0.02] and list(table["status"]) == ["ok", "ok"]
    for point in table["point"]:
        folder = sweep_dir / "points" / point
        assert (folder / "02_train_diehl_cook.ipynb").exists()
        assert (folder / "02_train_diehl_cook_metrics.json").exists()
