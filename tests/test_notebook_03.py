"""notebooks/03_spike_energy.ipynb: a lesson of the course (nbgrader exercises) that runs under papermill.

Also the course's shared checks of lessons 3-5 (imported by test_notebook_04.py and test_notebook_05.py):
the nbgrader cells, the student version nbgrader would hand out, and how its exercises answer.
"""
import ast
import copy
import json
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

pytest.importorskip("papermill")
import papermill  # noqa: E402

from stdplab.exercises import digest  # noqa: E402

try:  # nbgrader is optional: where it is installed, its own checks and student version are used
    from nbgrader.nbgraderformat.v3 import MetadataValidatorV3
    from nbgrader.preprocessors import ClearSolutions
except ImportError:
    MetadataValidatorV3 = ClearSolutions = None

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOK = NOTEBOOKS / "03_spike_energy.ipynb"
SOLUTION = re.compile(r"### BEGIN SOLUTION\n.*?### END SOLUTION", re.S)
CHECKS = ("check_close", "check_prediction", "check_choice")


# --- the course's shared checks ---------------------------------------------------------------------

def nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def student_version(nb):
    """What nbgrader hands the students: each solution region replaced (by nbgrader's own
    ClearSolutions where nbgrader is installed, else by the same rule)."""
    nb = copy.deepcopy(nb)
    if ClearSolutions is not None:
        return ClearSolutions().preprocess(nb, {})[0]
    for cell in nb.cells:
        if nbgrader(cell).get("solution"):
            cell.source = SOLUTION.sub("raise NotImplementedError()", cell.source)
    return nb


def solution_lines(cell) -> list[str]:
    region = SOLUTION.search(cell.source).group(0).splitlines()[1:-1]
    return [line.strip() for line in region if line.strip()]


def model_answers(nb) -> dict:
    """Each answer variable's model value (the literal assigned last in its solution region)."""
    answers = {}
    for cell in nb.cells:
        if nbgrader(cell).get("solution"):
            for node in ast.parse("\n".join(solution_lines(cell))).body:
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                    answers[node.targets[0].id] = node.value.value
    return answers


def check_calls(cell) -> list[ast.Call]:
    if cell.cell_type != "code":
        return []
    return [node for node in ast.walk(ast.parse(cell.source)) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and node.func.attr in CHECKS]


def exercises_of(path: Path, lesson: int) -> dict:
    """Check a lesson's structure; returns {grade_id: points} of its autograded cells."""
    nb = nbformat.read(str(path), as_version=4)
    assert f"**Lesson {lesson} of 5**" in nb.cells[0].source
    headings = [c for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("## ")]
    assert any(c.source.startswith("## What you learned") for c in headings)
    for cell in headings:  # text under every heading, and its class minutes for the numbered sections
        assert len([line for line in cell.source.splitlines()[1:] if line.strip()]) >= 1, cell.source[:60]
        if re.match(r"## \d", cell.source):
            assert re.search(r"\(\d+ min\)", cell.source.splitlines()[0]), cell.source.splitlines()[0]
    assert sum("**Think!**" in c.source for c in nb.cells) >= 2
    learned = next(c.source for c in nb.cells if c.source.startswith("## What you learned"))
    assert re.search(r"Lesson \d of 5|last lesson", learned)  # a pointer onwards

    if MetadataValidatorV3 is not None:
        MetadataValidatorV3().validate_nb(nb)
    solutions = [c for c in nb.cells if nbgrader(c).get("solution")]
    tests = [c for c in nb.cells if nbgrader(c).get("grade")]
    ids = [nbgrader(c)["grade_id"] for c in solutions + tests]
    assert len(ids) == len(set(ids)), "grade_ids must be unique"
    for cell in solutions:
        assert nbgrader(cell) == {"grade": False, "solution": True, "locked": False, "task": False,
                                  "grade_id": nbgrader(cell)["grade_id"], "schema_version": 3}
        assert cell.source.count("### BEGIN SOLUTION") == 1 and cell.source.count("### END SOLUTION") == 1
    points = {}
    for cell in tests:
        meta = nbgrader(cell)
        assert (meta["grade"], meta["solution"], meta["locked"], meta["task"], meta["schema_version"]) == (
            True, False, True, False, 3)
        assert meta["points"] > 0 and len(check_calls(cell)) >= 1, meta["grade_id"]
        points[meta["grade_id"]] = meta["points"]
    assert len(tests) >= 3 and len(solutions) == len(tests)
    kinds = {call.func.attr for cell in tests for call in check_calls(cell)}
    assert kinds == set(CHECKS), "a code exercise, a prediction and a multiple choice"

    answers = model_answers(nb)
    for cell in tests:
        for call in check_calls(cell):
            if call.func.attr == "check_choice":  # the digest is the model answer's, never the answer in clear
                options = call.args[2]
                assert isinstance(options, ast.Dict) and len(options.keys) >= 3
                right = next(k.value.value for k in call.keywords if k.arg == "right")
                assert right == digest(answers[call.args[1].id]), nbgrader(cell)["grade_id"]
                assert answers[call.args[1].id] in [k.value for k in options.keys]

    # Predictions are written before the run they are about: above the first cell that uses the lab.
    order = {c.source.split(" = ")[0]: k for k, c in enumerate(nb.cells) if nbgrader(c).get("solution")}
    for k, cell in enumerate(nb.cells):
        for call in check_calls(cell):
            if call.func.attr == "check_prediction":
                assert order[call.args[1].id] < k

    student = student_version(nb)
    visible = "\n".join(c.source for c in student.cells)
    for cell in solutions:
        for line in solution_lines(cell):
            assert line not in visible, f"{nbgrader(cell)['grade_id']}: {line!r} is visible to students"
    for cell in student.cells:
        if nbgrader(cell).get("solution"):
            assert "raise NotImplementedError()" in cell.source and "BEGIN SOLUTION" not in cell.source
    return points


def write_student_version(path: Path, tmp_path: Path, answers: dict) -> Path:
    """The student version of a lesson, with some exercises answered (a cell ``name = value`` each)."""
    nb = student_version(nbformat.read(str(path), as_version=4))
    for cell in nb.cells:
        for name, value in answers.items():
            if nbgrader(cell).get("solution") and re.search(rf"^{name} = None", cell.source, re.M):
                cell.source = cell.source.replace("raise NotImplementedError()", f"{name} = {value!r}")
    out = tmp_path / f"student_{path.name}"
    nbformat.write(nb, str(out))
    return out


def run_as_student(path: Path, tmp_path: Path, answers: dict, parameters: dict, **kwargs):
    """Run the student version as nbgrader's autograder does (every cell, errors kept); returns the
    executed notebook and {grade_id: (ename, evalue) or None} of its autograded cells."""
    executed_path = tmp_path / f"graded_{path.name}"
    with pytest.raises(papermill.PapermillExecutionError):
        papermill.execute_notebook(str(write_student_version(path, tmp_path, answers)), str(executed_path),
                                   kernel_name="python3", progress_bar=False, parameters=parameters,
                                   allow_errors=True, **kwargs)
    executed = nbformat.read(str(executed_path), as_version=4)
    graded = {}
    for cell in executed.cells:
        if nbgrader(cell).get("grade"):
            errors = [(o.ename, o.evalue) for o in cell.outputs if o.output_type == "error"]
            graded[nbgrader(cell)["grade_id"]] = errors[0] if errors else None
    return executed, graded


def printed(executed) -> str:
    return "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))


def passed(executed) -> list[str]:
    """The exercises whose checks passed in an executed notebook."""
    return sorted({line.split(":")[0].split(" (")[0] for line in printed(executed).splitlines()
                   if re.match(r"Exercise \d\.\d.*: (right|your prediction)", line)})


# --- lesson 3 ---------------------------------------------------------------------------------------

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
