"""Every notebook: stored without outputs, one `parameters` cell, no model code; notebook 02 runs; the course's
conventions (Lesson n of 5, text under every heading, What you learned, three graded exercises)."""
import json
import subprocess
from pathlib import Path

import nbformat
import papermill
import pytest

from stdplab.parameters import size_default
from stdplab.records import notebook_dir
from lesson_checks import verdicts

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
ALL = sorted(NOTEBOOKS.glob("*.ipynb"))


def test_the_five_notebooks_are_there():
    assert [p.name[:3] for p in ALL] == ["01_", "02_", "03_", "04_", "05_"]


# The parameters each notebook's tests and its papermill users rely on.
PARAMETERS = {
    "01_neuron_and_stdp.ipynb": ("input_rate", "duration", "learning_rule", "output_dir"),
    "02_train_diehl_cook.ipynb": ("n_neurons", "n_train", "n_test", "epochs", "seed", "dataset", "theta_plus",
                                  "output_dir", "run_dir"),
    "03_spike_energy.ipynb": ("n_neurons", "n_train", "n_test", "seed", "dataset", "data_dir", "output_dir"),
    "04_sweep.ipynb": ("notebook", "grid", "fixed", "workers", "dask_address", "sweep_dir", "metric", "output_dir"),
    "05_conversion.ipynb": ("n_train", "n_test", "hidden", "max_iter", "t_max", "settings", "stdp_neurons",
                            "stdp_train", "seed", "dataset", "chunk_size", "output_dir", "per_class", "sharpen_start",
                            "epochs_per_layer"),
}


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_stored_clean_with_one_parameters_cell(path):
    nb = nbformat.read(str(path), as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for name in PARAMETERS[path.name]:
        assert f"\n{name} =" in "\n" + tagged[0].source, name
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code), "strip outputs before committing"
    assert nb.metadata["kernelspec"]["name"] == "python3"
    source = "\n".join(c.source for c in code)
    assert "import stdplab" in source or "from stdplab" in source
    assert "NeuronGroup" not in source and "Synapses(" not in source  # the model lives in the package


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_defaults_write_under_the_ignored_runs_folder(path):
    cell = next(c for c in nbformat.read(str(path), as_version=4).cells if "parameters" in c.metadata.get("tags", []))
    assert "\noutput_dir = None " in "\n" + cell.source  # never the tracked figures/
    assert f'notebook_dir(output_dir, "{path.name[:2]}")' in "\n".join(
        c.source for c in nbformat.read(str(path), as_version=4).cells)
    ignored = subprocess.run(["git", "check-ignore", "-q", f"runs/notebooks/{path.name[:2]}/x.png"],
                             cwd=NOTEBOOKS.parent)
    assert ignored.returncode == 0, "runs/ must stay git-ignored"


def test_notebook_dir_is_found_from_the_root_and_from_notebooks(tmp_path, monkeypatch):
    (tmp_path / "repo" / "notebooks").mkdir(parents=True)
    (tmp_path / "repo" / "pyproject.toml").write_text("")
    expected = (tmp_path / "repo" / "runs" / "notebooks" / "02").resolve()
    for cwd in (tmp_path / "repo", tmp_path / "repo" / "notebooks"):
        monkeypatch.chdir(cwd)
        assert notebook_dir(None, "02") == expected
    assert notebook_dir("elsewhere/", "02") == Path("elsewhere")  # a folder given is used as it is
    monkeypatch.chdir(tmp_path)  # outside any repository: the working directory
    assert notebook_dir(None, "03") == tmp_path.resolve() / "runs" / "notebooks" / "03"


def test_notebook_02_runs_and_writes_its_figures_and_metrics(tmp_path):
    out = tmp_path / "figures"
    small = {"dataset": "digits", "n_neurons": 20, "n_train": 200, "n_test": 100, "chunk_size": 100,
             "snapshot_every": 100, "n_train_collapsed": 100, "n_test_collapsed": 100, "output_dir": str(out)}
    papermill.execute_notebook(
        str(NOTEBOOKS / "02_train_diehl_cook.ipynb"), str(tmp_path / "executed.ipynb"), kernel_name="python3",
        progress_bar=False, cwd=str(NOTEBOOKS), parameters=small)
    metrics = json.loads((out / "02_train_diehl_cook_metrics.json").read_text())
    assert 0.15 < metrics["accuracy"] <= 1  # chance is 0.1; measured 0.3-0.4 at this size
    assert len(metrics["per_class_accuracy"]) == 10
    assert metrics["spikes_per_test_example"]["exc_spikes"] >= 5
    for name in ("receptive_fields", "theta_map", "raster", "accuracy_during_training", "confusion_matrix",
                 "learning_record"):
        assert (out / f"02_{name}.png").stat().st_size > 10_000, name
    assert (out / "02_receptive_fields.svg").exists() and (out / "02_receptive_fields.gif").exists()
    assert metrics["theta_plus"] == pytest.approx(size_default("theta_plus", 20))  # the size's own
    executed = nbformat.read(str(tmp_path / "executed.ipynb"), as_version=4)
    training = next(c for c in executed.cells if "run_experiment(" in c.source)
    live = [o for o in training.outputs if "image/png" in o.get("data", {})]
    assert len(live) == 1  # the live view: one image, updated in place, left as the last frame
    passed = [line.split(":")[0] for line in verdicts(executed) if ": right" in line or "was right" in line]
    assert passed == ["Exercise 2.1", "Exercise 2.1 (unassigned neurons, a class with none)", "Exercise 2.2",
                      "Exercise 2.3", "Exercise 2.4", "Exercise 2.5"]  # lesson 2's checks, on its model answers
    collapsed = metrics["collapsed"]
    assert collapsed["n_train"] == 100 and collapsed["accuracy"] <= 0.2 < metrics["accuracy"]  # θ+ = 0 collapses
    assert (out / "02_healthy_and_collapsed.png").stat().st_size > 10_000
    study = metrics["label_efficiency"]  # section 6, on the run's own labelling counts: 200 images, one draw of all
    assert study["sizes"] == [10, 30, 100, 200] and study["vote_reaches_80_percent_with"] is None
    assert set(study["mean_accuracy"]) == {"vote", "linear readout", "logistic regression (pixels)", "MLP (pixels)"}
    assert (out / "02_label_efficiency.png").stat().st_size > 10_000

    # Other parameters, the same folder: it trains again instead of resuming the first run. Only the lesson up to
    # its training runs: its exercises are graded on the outcomes of the parameters above (at 100 images the
    # healthy run is near chance too, so Exercise 2.2's right answer changes).
    lesson = nbformat.read(str(NOTEBOOKS / "02_train_diehl_cook.ipynb"), as_version=4)
    lesson.cells = lesson.cells[: next(k for k, c in enumerate(lesson.cells) if "run_experiment(" in c.source) + 1]
    nbformat.write(lesson, str(tmp_path / "training.ipynb"))
    papermill.execute_notebook(
        str(tmp_path / "training.ipynb"), str(tmp_path / "again.ipynb"), kernel_name="python3",
        progress_bar=False, cwd=str(NOTEBOOKS), parameters={**small, "n_train": 100, "live": False})
    results = json.loads((out / "run" / "results.json").read_text())
    assert results["config"]["n_train"] == 100 and results["examples_trained"] == 100 and not results["resumed"]


# The course's conventions (issue 21): stdplab.course reads them, docs/teaching.md's rubric comes from them.

def headings_without_text(nb) -> list[str]:
    """Markdown headings followed by another heading (or the end) with no prose between them."""
    empty, open_heading = [], None
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.split("\n"):
            if line.startswith("#"):
                if open_heading is not None:
                    empty.append(open_heading)
                open_heading = line
            elif line.strip():
                open_heading = None
    return empty + ([open_heading] if open_heading else [])


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_each_lesson_says_its_number_has_text_under_its_headings_and_ends_with_what_you_learned(path):
    nb = nbformat.read(str(path), as_version=4)
    assert nb.cells[0].cell_type == "markdown" and f"Lesson {int(path.name[:2])} of 5" in nb.cells[0].source
    assert headings_without_text(nb) == []
    headings = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.split("\n")
                if line.startswith("## ")]
    learned = [i for i, h in enumerate(headings) if h.lower().startswith("## what you learned")]
    assert learned, "a 'What you learned' section"
    after = headings[learned[-1] + 1:]
    assert all("optional" in h.lower() for h in after), f"only optional sections may follow: {after}"


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_each_lesson_has_three_graded_exercises_one_writing_code_and_one_predict_then_check(path):
    from stdplab import course

    nb = nbformat.read(str(path), as_version=4)
    cells, announced = course.graded_cells(nb), course.announcements(nb)
    points = {}
    for cell in cells:
        points[cell.exercise] = points.get(cell.exercise, 0) + cell.points
    assert len([e for e, p in points.items() if p > 0]) >= 3, points
    assert set(points) == set(announced), "every graded exercise announced as 'Exercise L.M (KIND, P points)'"
    for exercise, (kind, announced_points, words) in announced.items():
        assert exercise.startswith(f"ex{int(path.name[:2])}_"), exercise
        assert kind is not None, f"{exercise}: kind not recognised in {words!r}"
        assert points[exercise] == announced_points, f"{exercise}: announced {announced_points}, nbgrader {points[exercise]}"
        if kind != "written":
            assert any(c.autograded for c in cells if c.exercise == exercise), f"{exercise}: no autograded check"
    kinds = {kind for kind, _, _ in announced.values()}
    assert "code" in kinds and "predict" in kinds, kinds
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids)), "grade_ids are unique"
    solutions = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert all("### BEGIN SOLUTION" in c.source for c in solutions if c.cell_type == "code")
