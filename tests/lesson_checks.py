"""Helpers for the lessons' tests: nbgrader structure, the student version, the checks' printed verdicts."""
import ast
import re
import textwrap

import nbformat

from stdplab.exercises import digest

SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION\n?", re.S)
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n.*?### END HIDDEN TESTS\n?", re.S)


def nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def answer_cells(nb):
    return [c for c in nb.cells if nbgrader(c).get("solution")]


def check_cells(nb):
    return [c for c in nb.cells if nbgrader(c).get("grade")]


def student_version(nb):
    """What nbgrader's ``generate_assignment`` hands out: solutions replaced, hidden tests removed."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if nbgrader(cell).get("solution"):
            cell.source = SOLUTION.sub("raise NotImplementedError()\n", cell.source).rstrip("\n")
        if nbgrader(cell).get("grade"):
            cell.source = HIDDEN.sub("", cell.source).rstrip("\n")
    return nb


def model_answers(nb) -> dict:
    """{variable: value} assigned by the solution regions' simple assignments (the answers of choices and predictions)."""
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


def verdicts(executed) -> list[str]:
    """The first word after 'Exercise N.M:' of every line the check cells printed."""
    text = "".join(o.get("text", "") for c in check_cells(executed) for o in c.get("outputs", []))
    return [line for line in text.splitlines() if line.startswith("Exercise ")]
