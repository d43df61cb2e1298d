"""Helpers for the tests of the lessons and of the sweeps: nbgrader structure, the student version, how the
exercises answer and what their checks printed, and small notebooks for papermill written by a test."""
import ast
import re
import textwrap
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from stdplab.exercises import digest

try:  # nbgrader is optional: where it is installed, its own checks and student version are used
    from nbgrader.nbgraderformat.v3 import MetadataValidatorV3
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions
except ImportError:
    MetadataValidatorV3 = ClearHiddenTests = ClearSolutions = None

# A region as the notebooks mark it: whole lines from "### BEGIN ..." to "### END ..." (the cell's last line,
# or followed by more code). The group is a solution region's code.
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION\n?", re.S)
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n.*?### END HIDDEN TESTS\n?", re.S)
CHECKS = ("check_close", "check_prediction", "check_choice")
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def answer_cells(nb):
    return [c for c in nb.cells if nbgrader(c).get("solution")]


def check_cells(nb):
    return [c for c in nb.cells if nbgrader(c).get("grade")]


def student_version(nb):
    """What nbgrader's ``generate_assignment`` hands out: solutions replaced, hidden tests removed (by
    nbgrader's own ClearSolutions and ClearHiddenTests where nbgrader is installed, else by the same rules)."""
    nb = nbformat.from_dict(nb)  # a copy
    if ClearSolutions is not None:
        for step in (ClearSolutions(), ClearHiddenTests()):
            nb = step.preprocess(nb, {})[0]
        return nb
    for cell in nb.cells:
        if nbgrader(cell).get("solution"):
            cell.source = SOLUTION.sub("raise NotImplementedError()\n", cell.source).rstrip("\n")
        if nbgrader(cell).get("grade"):
            cell.source = HIDDEN.sub("", cell.source).rstrip("\n")
    return nb


def solution_lines(cell) -> list[str]:
    """The stripped, non-blank lines of a cell's solution region."""
    return [line.strip() for line in SOLUTION.search(cell.source).group(1).splitlines() if line.strip()]


def model_answers(nb) -> dict:
    """{variable: value} assigned by the solution regions' simple assignments (the answers of choices and
    predictions; the literal assigned last where there are several)."""
    answers = {}
    for cell in answer_cells(nb):
        for region in SOLUTION.findall(cell.source):
            for node in ast.parse(textwrap.dedent(region)).body:
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                    answers[node.targets[0].id] = node.value.value
    return answers


def choice_digests(nb) -> dict:
    """{answer variable: digest} of every check_choice call of the check cells."""
    found = {}
    for cell in check_cells(nb):
        for call in ast.walk(ast.parse(cell.source)):
            if isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "check_choice":
                found[call.args[1].id] = next(k.value.value for k in call.keywords if k.arg == "right")
    return found


def check_calls(cell) -> list[ast.Call]:
    if cell.cell_type != "code":
        return []
    return [node for node in ast.walk(ast.parse(cell.source)) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and node.func.attr in CHECKS]


# --- lessons 1 and 2 --------------------------------------------------------------------------------

def assert_nbgrader_structure(nb, lesson: int) -> int:
    """The cells nbgrader needs, consistent with each other; returns the total points."""
    ids = [nbgrader(c)["grade_id"] for c in nb.cells if nbgrader(c)]
    assert len(ids) == len(set(ids)), "grade_ids must be unique"
    for cell in nb.cells:
        meta = nbgrader(cell)
        if not meta:
            continue
        assert meta["schema_version"] == 3 and meta["task"] is False
        if meta["solution"]:
            assert cell.cell_type == "code" and not meta["grade"] and not meta["locked"]
            assert cell.source.count("### BEGIN SOLUTION") == 1 == cell.source.count("### END SOLUTION")
        elif meta["grade"]:
            assert cell.cell_type == "code" and meta["locked"] and meta["points"] > 0
        else:
            assert meta["locked"], meta
    answers, checks = answer_cells(nb), check_cells(nb)
    assert len(answers) == len(checks) >= 3
    for a, c in zip(answers, checks):  # each answer cell comes before its own check
        assert nb.cells.index(a) < nb.cells.index(c)
        assert nbgrader(a)["grade_id"].replace("_answer", "") == nbgrader(c)["grade_id"].replace("_check", "")
        assert nbgrader(a)["grade_id"].startswith(f"ex{lesson}_")
    # The multiple-choice checks carry the digest of the model answer, never the answer itself.
    solutions, digests = model_answers(nb), choice_digests(nb)
    assert digests, "no multiple-choice exercise"
    for name, right in digests.items():
        assert digest(solutions[name]) == right, name
    # Nothing the student sees gives an answer away: outside the solution regions answers are None.
    student = student_version(nb)
    for cell in answer_cells(student):
        assert "BEGIN SOLUTION" not in cell.source and "raise NotImplementedError()" in cell.source
    visible = "\n".join(c.source for c in student.cells if c.cell_type == "code")
    for name, value in solutions.items():
        assert f"{name} = {value!r}" not in visible and f"{name} = {value}" not in visible, name
    return sum(nbgrader(c)["points"] for c in checks)


def assert_lesson_layout(nb, lesson: int, of: int = 5) -> None:
    """Lesson number, text under every heading, class minutes, a Think! prompt and the closing summary."""
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    assert markdown[0].source.startswith(f"# Lesson {lesson} of {of}")
    assert f"**Lesson {lesson} of {of}**" in markdown[0].source
    for cell in markdown:
        lines = [line for line in cell.source.splitlines() if line.strip()]
        if lines and lines[-1].startswith("#"):
            raise AssertionError(f"a heading with no text under it: {lines[-1]}")
    sections = [c for c in markdown if c.source.startswith("## ")]
    assert all("Estimated time:" in c.source for c in sections), [c.source.splitlines()[0] for c in sections
                                                                   if "Estimated time:" not in c.source]
    assert sum("**Think!**" in c.source for c in markdown) >= 2
    assert markdown[-1].source.startswith("## What you learned") and f"Lesson {lesson + 1} of {of}" in markdown[-1].source


# --- lessons 3 to 5 ---------------------------------------------------------------------------------

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
    solutions, tests = answer_cells(nb), check_cells(nb)
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
    for cell in answer_cells(student):
        assert "raise NotImplementedError()" in cell.source and "BEGIN SOLUTION" not in cell.source
    return points


def write_student_version(path: Path, tmp_path: Path, answers: dict) -> Path:
    """The student version of a lesson, with some exercises answered (a cell ``name = value`` each)."""
    nb = student_version(nbformat.read(str(path), as_version=4))
    for cell in answer_cells(nb):
        for name, value in answers.items():
            if re.search(rf"^{name} = None", cell.source, re.M):
                cell.source = cell.source.replace("raise NotImplementedError()", f"{name} = {value!r}")
    out = tmp_path / f"student_{path.name}"
    nbformat.write(nb, str(out))
    return out


def run_as_student(path: Path, tmp_path: Path, answers: dict, parameters: dict, **kwargs):
    """Run the student version with ``answers`` filled in, every cell, errors kept (as nbgrader's
    autograder runs a submission, though hidden tests stay out here); returns the executed notebook and
    {grade_id: (ename, evalue) or None} of its autograded cells."""
    import papermill

    executed_path = tmp_path / f"graded_{path.name}"
    with pytest.raises(papermill.PapermillExecutionError):
        papermill.execute_notebook(str(write_student_version(path, tmp_path, answers)), str(executed_path),
                                   kernel_name="python3", progress_bar=False, parameters=parameters,
                                   allow_errors=True, **kwargs)
    executed = nbformat.read(str(executed_path), as_version=4)
    graded = {}
    for cell in check_cells(executed):
        errors = [(o.ename, o.evalue) for o in cell.outputs if o.output_type == "error"]
        graded[nbgrader(cell)["grade_id"]] = errors[0] if errors else None
    return executed, graded


# --- what the checks printed ------------------------------------------------------------------------

def verdicts(executed) -> list[str]:
    """The lines 'Exercise N.M...' the check cells of an executed notebook printed."""
    text = "".join(o.get("text", "") for c in check_cells(executed) for o in c.get("outputs", []))
    return [line for line in text.splitlines() if line.startswith("Exercise ")]


def passed(executed) -> list[str]:
    """The exercises whose checks passed in an executed notebook."""
    return sorted({line.split(":")[0].split(" (")[0] for line in verdicts(executed)
                   if re.match(r"Exercise \d\.\d.*: (right|your prediction)", line)})


# --- notebooks for papermill ------------------------------------------------------------------------

def parameterised_notebook(path: Path, parameters: str, *cells: str) -> Path:
    """Write a Python 3 notebook to ``path``: a cell tagged ``parameters`` (papermill's) with the source
    ``parameters``, then a code cell for each of ``cells``; returns ``path``."""
    tagged = new_code_cell(parameters)
    tagged.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[tagged, *map(new_code_cell, cells)])
    nb.metadata["kernelspec"] = KERNELSPEC
    nbformat.write(nb, str(path))
    return path
