"""notebooks/05_conversion.ipynb under papermill with tiny parameters: metrics, figures, exercise checks."""
import json
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("papermill")
import papermill  # noqa: E402
from test_notebooks import exercise_checks, with_answers  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "05_conversion.ipynb"
# The shape of tests/test_conversion.py (64-16-10, 200 steps, chunks of 100) and of
# tests/test_notebook_03.py (20 neurons on the digits, chunks of 100): their binaries are reused.
SMALL = {"dataset": "digits", "n_train": 1000, "n_test": 200, "hidden": [16], "max_iter": 300, "t_max": 200,
         "chunk_size": 100, "stdp_neurons": 20, "stdp_train": 100}


def run(tmp_path, name, nb_path=NOTEBOOK, **parameters):
    papermill.execute_notebook(str(nb_path), str(tmp_path / f"{name}.ipynb"), kernel_name="python3",
                               progress_bar=False, parameters={**SMALL, "output_dir": str(tmp_path / name),
                                                               **parameters})
    return (json.loads((tmp_path / name / "05_conversion_metrics.json").read_text()),
            nbformat.read(str(tmp_path / f"{name}.ipynb"), as_version=4))


def test_notebook_converts_counts_and_places_it_beside_the_stdp_network(tmp_path):
    metrics, executed = run(tmp_path, "out")
    for name in ("05_conversion_accuracy.png", "05_conversion_energy.png"):
        assert (tmp_path / "out" / name).stat().st_size > 10_000, name
    mlp, settings = metrics["mlp"], metrics["converted"]["settings"]
    assert mlp["layer_sizes"] == [64, 16, 10] and mlp["accuracy"] > 0.8
    assert list(settings) == ["max-poisson-subtract", "max-current-subtract"]
    for label, s in settings.items():
        assert len(s["accuracy"]) == 200
        assert s["accuracy"][0] < 0.5 and s["accuracy"][-1] > mlp["accuracy"] - 0.05, label  # rises to the MLP's
        assert s["steps_within_1_point"] is not None
    models = {r["model"] for r in metrics["priced"]}
    assert {"MLP 64-16-10", "SNN 20"} <= models
    assert any(m.startswith("converted 64-16-10 (max-poisson-subtract") for m in models)
    assert metrics["stdp"]["test_per_image"]["synops"] > 0
    assert exercise_checks(executed) == [f"exercise {k}: not attempted yet" for k in (1, 2, 3)]


def test_exercise_checks_pass_right_answers_and_hint_at_wrong_ones(tmp_path):
    metrics, _ = run(tmp_path, "plain", stdp_neurons=None)  # the answers depend on the run: read them off it
    assert metrics["stdp"] is None and not any(r["model"].startswith("SNN") for r in metrics["priced"])
    needed = {s["input_mode"]: s["steps_within_1_point"] for s in metrics["converted"]["settings"].values()}
    right = {"my_steps": needed["poisson"], "my_faster_input": min(needed, key=needed.get),
             "my_missing_field": "energy_per_mac"}  # docs/teaching.md
    _, executed = run(tmp_path, "right", with_answers(NOTEBOOK, tmp_path, right), stdp_neurons=None)
    assert [line.split(" (")[0] for line in exercise_checks(executed)] == [
        "exercise 1: passed", "exercise 2: passed", "exercise 3: passed"]
    with pytest.raises(papermill.PapermillExecutionError) as failed:
        run(tmp_path, "wrong", with_answers(NOTEBOOK, tmp_path, {"my_steps": needed["poisson"] + 1}), stdp_neurons=None)
    assert failed.value.ename == "AssertionError" and "hint: the step asked for" in failed.value.evalue
    assert str(needed["poisson"]) not in failed.value.evalue  # a hint, never the answer
