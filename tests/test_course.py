"""The lessons as an nbgrader course (stdplab.course): student versions and autograding.

A tiny lesson made here (three exercises: code, predict, choice; one hidden test) tests the machinery by
itself; the five lessons are then released, and the quick ones autograded with small parameters (the
others are autograded by benchmarks/course_check.py, which .ci/run runs).
"""
import ast
import importlib.util
import time

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from stdplab import course
from stdplab.exercises import digest

pytest.importorskip("nbgrader")


def grader(cell, grade_id, **flags):
    cell.metadata["nbgrader"] = {"grade_id": grade_id, "schema_version": 3, "grade": False, "solution": False,
                                 "locked": False, **flags}
    return cell


def tiny_lesson() -> nbformat.NotebookNode:
    """A lesson in miniature with the course's conventions."""
    parameters = new_code_cell("rate = 10.0\nn = 5")
    parameters.metadata["tags"] = ["parameters"]
    cells = [
        new_markdown_cell("# Lesson 0 of 5: a tiny lesson\n\nFor the tests of stdplab.course."),
        parameters,
        new_code_cell("from stdplab.exercises import check_choice, check_close, check_prediction\n"
                      "spikes = rate * n"),
        new_markdown_cell("## Exercise 0.1 (write code, 2 points): `double(x)`"),
        grader(new_code_cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x  # MODEL-ANSWER-1\n"
                             "    ### END SOLUTION"), "ex0_1_answer", solution=True),
        grader(new_code_cell("check_close('Exercise 1', double(spikes), 2 * spikes)\n"
                             "### BEGIN HIDDEN TESTS\ncheck_close('Exercise 1', double(-3.5), -7.0)  # HIDDEN-1\n"
                             "### END HIDDEN TESTS"), "ex0_1_check", grade=True, locked=True, points=2),
        new_markdown_cell("**Exercise 0.2 (predict, then check; 1 point).** Will doubling `rate` double `spikes`?"),
        grader(new_code_cell("### BEGIN SOLUTION\nprediction = 'yes'  # MODEL-ANSWER-2\n### END SOLUTION"),
               "ex0_2_answer", solution=True),
        grader(new_code_cell("outcome = 'yes' if (2 * rate) * n == 2 * spikes else 'no'\n"
                             "check_prediction('Exercise 2', prediction, outcome, 'spikes = rate × n')"),
               "ex0_2_check", grade=True, locked=True, points=1),
        new_markdown_cell("### Exercise 0.3 (multiple choice, 3 points): choose"),
        grader(new_code_cell("### BEGIN SOLUTION\nchoice = 'b'  # MODEL-ANSWER-3\n### END SOLUTION"),
               "ex0_3_answer", solution=True),
        grader(new_code_cell("check_choice('Exercise 3', choice, {'a': 'no', 'b': 'yes'}, "
                             f"{digest('b')!r})"), "ex0_3_check", grade=True, locked=True, points=3),
        new_markdown_cell("### Exercise 0.4 (written, 2 points): explain"),
        grader(new_markdown_cell("### BEGIN SOLUTION\nBecause spikes = rate × n.  MODEL-ANSWER-4\n"
                                 "### END SOLUTION"), "ex0_4_answer", solution=True, grade=True, points=2),
        new_markdown_cell("## What you learned\n\n- nothing new"),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


@pytest.fixture(scope="module")
def tiny_course(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    nbformat.write(tiny_lesson(), str(folder / "00_tiny.ipynb"))
    root = course.make_course(folder / "course", {"00_tiny": folder / "00_tiny.ipynb"}, parameters={"00_tiny": {"n": 4}})
    student = course.generate_assignment(root, "00_tiny")
    return root, student


def assert_student_version(source, student):
    """No solution or hidden test of ``source`` is left in ``student``; solution cells are stubs that raise."""
    src, out = nbformat.read(str(source), as_version=4), nbformat.read(str(student), as_version=4)
    text = "\n".join(c.source for c in out.cells)
    for mark in (course.BEGIN_SOLUTION, course.END_SOLUTION, course.BEGIN_HIDDEN, course.END_HIDDEN):
        assert mark not in text, mark
    outside = "\n".join(course.strip_delimiters(c.source) for c in src.cells if not course._meta(c).get("solution"))
    for cell in src.cells:
        for region in course.regions(cell.source) + course.regions(cell.source, course.BEGIN_HIDDEN,
                                                                      course.END_HIDDEN):
            for line in region.split("\n"):  # a model answer's line that the lesson does not show elsewhere
                if len(line.strip()) > 3 and line.strip() not in outside and line.strip() not in "# YOUR CODE HERE":
                    assert line.strip() not in text, f"left in the student version: {line.strip()!r}"
    stubs = {course._meta(c)["grade_id"]: c for c in out.cells if course._meta(c).get("solution")}
    assert set(stubs) == {course._meta(c)["grade_id"] for c in src.cells if course._meta(c).get("solution")}
    for grade_id, cell in stubs.items():
        if cell.cell_type == "code":
            raises = [node for node in ast.walk(ast.parse(cell.source)) if isinstance(node, ast.Raise)
                      and "NotImplementedError" in ast.unparse(node)]
            assert raises, f"{grade_id}: no stub raising NotImplementedError"
        else:
            assert "YOUR ANSWER HERE" in cell.source
    assert all(c.get("outputs", []) == [] for c in out.cells if c.cell_type == "code")
    return out


def test_a_student_version_has_stubs_and_no_solutions_or_hidden_tests(tiny_course):
    root, student = tiny_course
    out = assert_student_version(root / "source" / "00_tiny" / "00_tiny.ipynb", student)
    text = "\n".join(c.source for c in out.cells)
    assert "MODEL-ANSWER" not in text and "HIDDEN-1" not in text
    assert "n = 4" in text  # the parameters set for the course
    assert len([c for c in out.cells if "parameters" in c.metadata.get("tags", [])]) == 1


def test_the_rubric_reads_points_and_kinds(tiny_course):
    root, _ = tiny_course
    rows = course.rubric({"00_tiny": root / "source" / "00_tiny" / "00_tiny.ipynb"})
    assert [(r["exercise"], r["kind"], r["points"], r["autograded"], r["by_hand"]) for r in rows] == [
        ("ex0_1", "code", 2, 2, 0), ("ex0_2", "predict", 1, 1, 0), ("ex0_3", "choice", 3, 3, 0),
        ("ex0_4", "written", 2, 0, 2)]
    assert "| 00 | ex0_1 | code | 2 | 2 | 0 |" in course.rubric_markdown({"00_tiny": root / "source" / "00_tiny" /
                                                                       "00_tiny.ipynb"})


WRONG = {"ex0_1_answer": "def double(x):\n    return x + x if x > 0 else x",  # the hidden test catches it
         "ex0_2_answer": "prediction = 'no'", "ex0_3_answer": "choice = 'a'"}


@pytest.fixture(scope="module")
def tiny_grades(tiny_course):
    """Every submission to the tiny lesson, autograded in one nbgrader run."""
    root, student = tiny_course
    source = root / "source" / "00_tiny" / "00_tiny.ipynb"
    course.submit(root, "00_tiny", "solved", course.answered(student, source))
    for grade_id, answer in WRONG.items():
        course.submit(root, "00_tiny", f"wrong_{grade_id}", course.answered(student, source, {grade_id: answer}))
    course.submit(root, "00_tiny", "blank", student)
    cheat = course.answered(student, source, {"ex0_3_answer": "choice = 'a'"})
    for cell in cheat.cells:
        if course._meta(cell).get("grade_id") == "ex0_3_check":
            cell.source = "print('all good')"  # an attempt to pass without the answer
    course.submit(root, "00_tiny", "cheat", cheat)
    start = time.time()
    grades = course.autograde(root, "00_tiny")
    print(f"autograde, {len(grades)} submissions of the tiny lesson: {time.time() - start:.1f} s")
    return grades


def test_autograde_gives_full_marks_to_the_model_answers_and_takes_exactly_a_wrong_answers_points(tiny_grades):
    got = tiny_grades["solved"]
    assert [got[g] for g in ("ex0_1_check", "ex0_2_check", "ex0_3_check")] == [(2, 2), (1, 1), (3, 3)]
    assert got["ex0_4_answer"] == (0, 2)  # marked by hand: nbgrader leaves it to the teacher
    assert got["total"] == (6, 8)
    for grade_id in WRONG:
        scored, check = tiny_grades[f"wrong_{grade_id}"], grade_id.replace("_answer", "_check")
        assert scored[check][0] == 0, check
        assert scored["total"][0] == got["total"][0] - got[check][1], grade_id


def test_an_unanswered_student_version_raises_not_implemented_and_scores_nothing(tiny_course, tiny_grades):
    root, _ = tiny_course
    assert tiny_grades["blank"]["total"] == (0, 8)
    executed = nbformat.read(str(root / "autograded" / "blank" / "00_tiny" / "00_tiny.ipynb"), as_version=4)
    errors = {course._meta(c).get("grade_id"): o["ename"] for c in executed.cells if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"}
    assert errors["ex0_2_answer"] == errors["ex0_3_answer"] == "NotImplementedError"
    assert errors["ex0_1_check"] == "NotImplementedError"  # double() is the stub


def test_a_student_who_edits_a_test_cell_gets_the_original_test_back(tiny_grades):
    assert tiny_grades["cheat"]["ex0_3_check"] == (0, 3)


# The five lessons ----------------------------------------------------------------------------------------

LESSONS = course.lessons()


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    root = course.make_course(tmp_path_factory.mktemp("lessons") / "course", parameters=course.SMALL)
    start = time.time()
    students = course.generate_all(root)
    print(f"generate_assignment, five lessons: {time.time() - start:.1f} s")
    return root, students


def test_the_five_lessons_are_assignments(released):
    assert list(released[1]) == list(LESSONS) == [
        "01_neuron_and_stdp", "02_train_diehl_cook", "03_spike_energy", "04_sweep", "05_conversion"]


@pytest.mark.parametrize("name", list(LESSONS))
def test_each_lesson_releases_a_student_version_with_three_graded_exercises(released, name):
    root, students = released
    source = root / "source" / name / f"{name}.ipynb"
    assert_student_version(source, students[name])
    cells = course.graded_cells(source)
    assert len({c.exercise for c in cells if c.points > 0}) >= 3, name
    assert {c.exercise for c in cells if c.autograded and c.points > 0}, f"{name}: no autograded exercise"
    assert "ex" in course.wrong_answer(source)[0]  # a multiple-choice exercise the autograde checks can get wrong


def test_lesson_4_carries_lesson_2_without_its_exercises(released, monkeypatch):
    root, students = released
    copy = students["04_sweep"].parent / course.RUNNER_FOLDER / "02_train_diehl_cook.json"
    nb = nbformat.read(str(copy), as_version=4)
    assert not [c for c in nb.cells if "nbgrader" in c.metadata] and "BEGIN SOLUTION" not in str(nb)
    assert f"notebook = '{course.RUNNER_FOLDER}/02_train_diehl_cook.json'" in "".join(
        c.source for c in nbformat.read(str(students["04_sweep"]), as_version=4).cells)
    from nbgrader.api import Gradebook  # one notebook per assignment: the copy is a plain file

    monkeypatch.setenv("PATH", course._environment()["PATH"])  # the gradebook runs `alembic`
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "stdplab") as gradebook:
        assert [n.name for n in gradebook.find_assignment("04_sweep").notebooks] == ["04_sweep"]


# Lesson 1 is autograded here (it needs no data and runs in seconds); benchmarks/course_check.py, run by
# .ci/run, autogrades all five the same way.
def test_lesson_1_autograded_full_marks_and_one_wrong_answer(released):
    spec = importlib.util.spec_from_file_location("course_check", course.ROOT / "benchmarks" / "course_check.py")
    check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check)
    root, _ = released
    start = time.time()
    found = check.check_lesson(root, "01_neuron_and_stdp")  # raises unless full marks and exactly one loss
    print(f"lesson 1 autograded twice: {time.time() - start:.1f} s")
    assert found["points"] >= 3 and found["lost"] > 0


def test_a_folder_without_lessons_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no lessons .* in "):
        course.lessons(tmp_path)
