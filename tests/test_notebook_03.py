"""notebooks/03_spike_energy.ipynb under papermill with tiny parameters: files and sane numbers."""
import json
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

pytest.importorskip("papermill")
import papermill  # noqa: E402
from test_notebooks import exercise_checks  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "03_spike_energy.ipynb"


def test_notebook_runs_and_writes_metrics_table_and_figure(tmp_path):
    out = tmp_path / "out"
    # Same tiny shape as tests/test_energy.py (64 inputs, 20 neurons, chunks of 100): binary reused.
    papermill.execute_notebook(
        str(NOTEBOOK), str(tmp_path / "executed.ipynb"), kernel_name="python3", progress_bar=False,
        parameters={"dataset": "digits", "n_neurons": 20, "n_train": 100, "n_test": 50, "seed": 0,
                    "chunk_size": 100, "mlp_sizes": [[30], [60]], "output_dir": str(out)})
    metrics = json.loads((out / "03_spike_energy_metrics.json").read_text())
    for name in ("energy_vs_accuracy.png", "energy_vs_accuracy.svg", "energy_table.csv"):
        assert (out / name).stat().st_size > 0, name

    assert 0 <= metrics["accuracy"] <= 1
    snn = metrics["snn"]["20"]
    test, train = snn["test_per_image"], snn["training_per_image"]
    assert test["input_spikes"] > 0 and test["synops"] > test["input_spikes"]
    assert test["stdp_updates"] == 0 and train["stdp_updates"] > 0
    assert test["neuron_updates_clock"] == (64 + 40) * 1000 * test["presentations"]
    energies = metrics["summary"]["energy_per_image_j"]
    assert set(energies) == {"loihi", "truenorth", "spinnaker", "spinnaker2", "cmos45nm", "cpu", "gpu"}
    assert all(e > 0 for e in energies.values())
    assert energies["loihi"] < energies["spinnaker2"] < energies["spinnaker"]
    conventional = {c["name"]: c for c in metrics["conventional"]}
    assert conventional["MLP 30"]["macs"] == 64 * 30 + 30 * 10
    assert conventional["logistic regression"]["accuracy"] > 0.5
    compute = metrics["measured_compute"]["SNN 20"]
    assert compute["total"]["cpu_s"] > 0 and compute["total"]["wall_s"] > 0
    assert compute["total"]["pue"] == 1.0 and compute["total"]["grid_gco2_per_kwh"] == 475.0
    assert compute["total"]["mode"] and compute["total"]["tool"].startswith("codecarbon")
    # One experiment (sweep_experiments = 1): the NATURE-style total is what codecarbon measured.
    assert metrics["sweep_footprint"]["energy_kwh"] == pytest.approx(compute["total"]["energy_kwh"])
    assert metrics["sweep_footprint"]["carbon_gco2e"] == pytest.approx(compute["total"]["emissions_gco2e"])
    assert any("memory traffic" in c for c in metrics["caveats"])

    executed = nbformat.read(str(tmp_path / "executed.ipynb"), as_version=4)
    assert exercise_checks(executed) == ["exercise 1: not attempted yet", "exercise 2: not attempted yet"]

    table = pd.read_csv(out / "energy_table.csv")
    assert set(table["model"]) == {"SNN 20", "logistic regression", "MLP 30", "MLP 60"}
    assert np.allclose(table["energy_per_correct_j"], table["energy_per_image_j"] / table["accuracy"])
