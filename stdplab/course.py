"""The lessons as an nbgrader course: student versions, autograding, the rubric.

The five notebooks in ``notebooks/`` are the instructor's versions: each exercise has a solution cell
(its model answer between ``### BEGIN SOLUTION`` and ``### END SOLUTION``) and an autograded test cell
(nbgrader metadata: ``grade``, ``points``, ``grade_id``; optionally ``### BEGIN HIDDEN TESTS`` …
``### END HIDDEN TESTS``) that calls :mod:`stdplab.exercises`. This module lays them out as an nbgrader
course directory and drives nbgrader's own command line on it, so that what it does is what a teacher
types::

    course/
        nbgrader_config.py
        source/<lesson>/<lesson>.ipynb        the instructor's versions (one assignment per lesson)
        release/<lesson>/<lesson>.ipynb       nbgrader generate_assignment: the student versions
        submitted/<student>/<lesson>/...      what students hand in
        autograded/<student>/<lesson>/...     nbgrader autograde: executed, with scores
        gradebook.db                          nbgrader's gradebook (read with :func:`scores`)

``python -m stdplab.course COURSE`` makes the course folder and releases the five lessons;
``python -m stdplab.course --rubric`` prints the rubric and the model answers. The same steps with
plain nbgrader, from the course folder (see docs/teaching.md)::

    nbgrader generate_assignment 01_neuron_and_stdp --force   # or "*": every lesson
    nbgrader autograde 01_neuron_and_stdp --create --force
    nbgrader generate_feedback 01_neuron_and_stdp

Conventions the lessons follow (checked by tests/test_notebooks.py and used by :func:`rubric`):

- an exercise is announced in a Markdown cell as ``Exercise L.M (KIND, P points)`` (``L`` the lesson,
  ``M`` the exercise; bold or a heading), where KIND begins with ``write code``/``code`` (the student
  writes code), ``predict`` (predict, then run and check), ``multiple choice``, ``explore`` (find a
  value with the widgets) or ``written`` (an answer in words, marked by hand), and P is the sum of
  the exercise's nbgrader points;
- its cells' nbgrader ``grade_id`` begin with ``exL_M_``: ``exL_M_answer`` for the solution cell,
  ``exL_M_check`` for the autograded test cell (more cells: ``exL_M_check2``, ``exL_M_written`` …).
"""
from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ._docstrings import fill_doc

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
# The words of an exercise's announcement that give its kind, in the order they are looked for.
KIND_WORDS = (("predict", "predict"), ("code", "code"), ("choice", "choice"), ("explore", "explore"),
              ("written", "written"), ("explain", "written"), ("in words", "written"))
ANNOUNCEMENT = re.compile(r"Exercise\s+(\d+)\.(\d+)\s*\(([^()]*?)[,;]\s*(\d+(?:\.\d+)?)\s+points?\)")

CONFIG = '''\
# nbgrader's configuration for the stdplab lessons (written by stdplab.course.make_course).
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "stdplab"
c.CourseDirectory.root = {root!r}
# A lesson trains small networks: give each cell time (the first run also compiles the network).
c.Execute.timeout = {timeout}
c.ExecutePreprocessor.timeout = {timeout}
# The student version: solutions become a stub that raises, hidden tests are removed.
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
# Files the notebooks write (runs/) stay out of the student version and the feedback.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "runs", "feedback"]
# nbgrader runs every notebook of a class in one process: wait for each kernel reply in slices, so
# that a reply already received is never missed (stdplab.kernel_replies).
from stdplab.kernel_replies import wait_in_slices  # noqa: E402
wait_in_slices()
'''


# Small parameters for autograding and the browser check: each lesson runs in about a minute or less, with
# the network shapes the test suite compiles anyway (20 neurons on the 8x8 digits, 64-16-10 MLPs).
SMALL = {
    "01_neuron_and_stdp": {"duration": 400.0, "dt_max": 20.0, "dt_step": 10.0, "n_pairs": 3, "wta_duration": 250.0},
    "02_train_diehl_cook": {"dataset": "digits", "n_neurons": 20, "n_train": 200, "n_test": 100, "chunk_size": 100,
                            "snapshot_every": 100, "n_train_collapsed": 100, "n_test_collapsed": 100, "live": False},
    "03_spike_energy": {"dataset": "digits", "n_neurons": 20, "n_train": 100, "n_test": 50, "seed": 0,
                        "chunk_size": 100, "mlp_sizes": [[30], [60]]},
    # Lesson 4 asks what θ+ = 0 does to the silent fraction: 20 neurons are too few to leave any silent,
    # so its points are the test suite's 100-neuron MNIST shape (chunks of 250), on 300 images.
    "04_sweep": {"grid": {"theta_plus": [0.0, 0.025], "seed": [0, 1]},
                 "fixed": {"dataset": "mnist", "n_neurons": 100, "n_train": 300, "n_test": 100, "chunk_size": 250,
                           "live": False, "snapshot_every": 0, "collapse": "none", "label_sizes": []}},
    "05_conversion": {"dataset": "digits", "n_train": 1000, "n_test": 200, "hidden": [16], "max_iter": 300,
                      "t_max": 200, "chunk_size": 100, "stdp_neurons": 20, "stdp_train": 100},
}
# Lesson 4 sweeps lesson 2's notebook: its assignment carries a copy without lesson 2's exercises.
SWEPT = {"04_sweep": ("02_train_diehl_cook", "notebook")}
RUNNER_FOLDER = "runner"


def lessons(notebooks: Path | str = NOTEBOOKS) -> dict[str, Path]:
    """The lessons, by assignment name.

    Parameters
    ----------
    notebooks : path, default=the repository's ``notebooks/``
        Folder of the instructor's notebooks.

    Returns
    -------
    dict of str to Path
        Each notebook's stem (``"01_neuron_and_stdp"``, …), which is also its nbgrader assignment name,
        mapped to its path, in lesson order.

    Raises
    ------
    FileNotFoundError
        If the folder holds no lesson (an installed package has no ``notebooks/``: pass the folder of
        a clone of the repository).
    """
    found = {path.stem: path for path in sorted(Path(notebooks).glob("[0-9][0-9]_*.ipynb"))}
    if not found:
        raise FileNotFoundError(f"no lessons (notebooks named like 01_*.ipynb) in {notebooks}; pass the"
                                " notebooks/ folder of a clone of the stdplab repository")
    return found


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def kind_of(text: str) -> str | None:
    """The exercise kind in an announcement's words or in a ``grade_id`` (see the module's conventions).

    Parameters
    ----------
    text : str
        The words in an announcement's parentheses, or a ``grade_id``.

    Returns
    -------
    str or None
        "predict", "code" or "choice" (``KIND_WORDS``); None if no kind is named.

    Examples
    --------
    >>> kind_of("predict, then check"), kind_of("write code"), kind_of("multiple choice"), kind_of("ex1_1_check")
    ('predict', 'code', 'choice', None)
    """
    words = text.lower()
    return next((kind for word, kind in KIND_WORDS if word in words), None)


def exercise_of(grade_id: str) -> str:
    """The exercise a cell belongs to: ``exL_M`` of its ``grade_id``.

    Parameters
    ----------
    grade_id : str
        nbgrader's cell id, e.g. ``ex1_2_check``.

    Returns
    -------
    str
        ``exL_M`` (``ex1_2_check`` → ``ex1_2``); a ``grade_id`` of no exercise as it is.

    Examples
    --------
    >>> exercise_of("ex1_2_check"), exercise_of("ex10_3_answer"), exercise_of("other")
    ('ex1_2', 'ex10_3', 'other')
    """
    match = re.match(r"ex\d+_\d+", grade_id)
    return match.group(0) if match else grade_id


@fill_doc
def announcements(notebook) -> dict[str, tuple[str | None, float, str]]:
    """The exercises a notebook announces in its Markdown (``Exercise L.M (KIND, P points)``).

    %(lesson_notebook_parameters)s

    Returns
    -------
    dict of str to (str or None, float, str)
        ``exL_M`` → (kind, points announced, the words in the parentheses), in order.
    """
    found = {}
    for cell in _read(notebook).cells:
        if cell.cell_type != "markdown":
            continue
        for match in ANNOUNCEMENT.finditer(cell.source):
            name = f"ex{match.group(1)}_{match.group(2)}"
            found.setdefault(name, (kind_of(match.group(3)), float(match.group(4)), match.group(3).strip(" *")))
    return found


@dataclass(frozen=True)
class GradedCell:  # numpydoc ignore=PR01
    """One cell of a notebook that carries points.

    Attributes
    ----------
    grade_id : str
        nbgrader's cell id.
    points : float
        Its points.
    autograded : bool
        True for a test cell (nbgrader scores it: full points unless it raises); False for an answer cell
        graded by hand (a written answer or a task).
    kind : str or None
        The exercise's kind, from its announcement (:func:`announcements`); None if not announced.
    exercise : str
        The exercise it belongs to (:func:`exercise_of`).
    cell_type : str
        ``"code"`` or ``"markdown"``.
    """

    grade_id: str
    points: float
    autograded: bool
    kind: str | None
    exercise: str
    cell_type: str


def graded_cells(notebook) -> list[GradedCell]:
    """The cells of a notebook that carry points, in order.

    Parameters
    ----------
    notebook : path or nbformat.NotebookNode
        An instructor's (or student's) notebook.

    Returns
    -------
    list of GradedCell
        In the notebook's order.
    """
    nb = _read(notebook)
    announced = announcements(nb)
    found = []
    for cell in nb.cells:
        meta = _meta(cell)
        if not (meta.get("grade") or meta.get("task")):
            continue
        autograded = bool(meta.get("grade")) and not meta.get("solution") and not meta.get("task") \
            and cell.cell_type == "code"
        grade_id = meta.get("grade_id", "")
        exercise = exercise_of(grade_id)
        kind = announced[exercise][0] if exercise in announced else None
        found.append(GradedCell(grade_id, float(meta.get("points", 0)), autograded, kind, exercise, cell.cell_type))
    return found


@fill_doc
def solution_cells(notebook) -> dict[str, str]:
    """The solution cells of an instructor's notebook and their model answers.

    %(lesson_notebook_parameters)s

    Returns
    -------
    dict of str to str
        Each solution cell's ``grade_id`` mapped to its source without the solution delimiters: what a
        student who answers everything as the model answer would have written.
    """
    nb = _read(notebook)
    return {_meta(c)["grade_id"]: strip_delimiters(c.source) for c in nb.cells if _meta(c).get("solution")}


def strip_delimiters(source: str) -> str:
    """A cell's source without nbgrader's delimiter lines.

    Parameters
    ----------
    source : str
        A cell's source.

    Returns
    -------
    str
        ``source`` without the lines that hold nbgrader's solution and hidden-test delimiters.
    """
    marks = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN)
    return "\n".join(line for line in source.split("\n") if line.strip() not in marks)


def regions(source: str, begin: str = BEGIN_SOLUTION, end: str = END_SOLUTION) -> list[str]:
    """The texts between delimiter lines of a cell: nbgrader's solution regions by default.

    Parameters
    ----------
    source : str
        A cell's source.
    begin, end : str
        The delimiter lines (``BEGIN_SOLUTION`` and ``END_SOLUTION``, or the hidden tests' ones).

    Returns
    -------
    list of str
        Each region's lines between a ``begin`` and the next ``end``, joined; an unclosed region is
        left out.
    """
    found, inside = [], None
    for line in source.split("\n"):
        if line.strip() == begin:
            inside = []
        elif line.strip() == end and inside is not None:
            found.append("\n".join(inside))
            inside = None
        elif inside is not None:
            inside.append(line)
    return found


@fill_doc
def set_parameters(notebook, parameters: dict):
    """A copy of a notebook whose parameters cell ends by setting ``parameters``.

    The assignments are appended to the cell tagged ``parameters`` (papermill's), so the notebook keeps
    one parameters cell and nbgrader sees the same cells as before. Used to make autograding fast.

    %(lesson_notebook_parameters)s
    parameters : dict
        Names and values (written with :func:`repr`); names the cell does not assign are left out (the
        lessons' parameters differ).

    Returns
    -------
    nbformat.NotebookNode
        The copy; the notebook given is left unchanged.
    """
    nb = _read(notebook)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    known = set(re.findall(r"^([A-Za-z_]\w*)\s*=", cell.source, re.M))
    lines = [f"{name} = {value!r}" for name, value in (parameters or {}).items() if name in known]
    if not lines:
        return nb
    cell.source = cell.source.rstrip("\n") + "\n# Set for this course (stdplab.course.set_parameters):\n" + \
        "\n".join(lines)
    return nb


@fill_doc
def runner(notebook):
    """A lesson without its exercises: the cells with nbgrader metadata (answers, checks) removed.

    What another lesson runs as a step (lesson 4's sweep runs lesson 2 at every point): it runs top
    to bottom and gives away no answer.

    %(lesson_notebook_parameters)s

    Returns
    -------
    nbformat.NotebookNode
        A copy; the notebook given is left unchanged.
    """
    nb = _read(notebook)
    nb.cells = [cell for cell in nb.cells if not _meta(cell)]
    return nb


@fill_doc
def wrong_answer(notebook) -> tuple[str, str, str]:
    """A wrong answer to a multiple-choice exercise of an instructor's notebook, for tests.

    %(lesson_notebook_parameters)s

    Returns
    -------
    (str, str, str)
        The solution cell's ``grade_id``, the wrong answer (its model answer with another option)
        and the right one (the model answer).

    Raises
    ------
    ValueError
        If the notebook has no multiple-choice exercise whose answer is one letter.
    """
    announced = announcements(notebook)
    for grade_id, answer in solution_cells(notebook).items():
        if announced.get(exercise_of(grade_id), (None,))[0] != "choice":
            continue
        region = "\n".join(regions(next(c.source for c in _read(notebook).cells if _meta(c).get("grade_id") == grade_id)))
        match = re.fullmatch(r"\s*(\w+)\s*=\s*([\"'])([a-e])\2\s*", region)
        if match:
            other = "a" if match.group(3) != "a" else "b"
            return grade_id, f"{match.group(1)} = {match.group(2)}{other}{match.group(2)}", region.strip()
    raise ValueError("no multiple-choice exercise with a one-letter answer")


def _read(notebook):
    if isinstance(notebook, (str, Path)):
        return nbformat.read(str(notebook), as_version=4)
    return nbformat.from_dict(copy.deepcopy(dict(notebook)))  # a copy: the caller's notebook is left alone


@fill_doc
def make_course(course: Path | str, notebooks: Path | str | dict = NOTEBOOKS, parameters: dict | None = None,
                timeout: int = 1800) -> Path:
    """Lay out an nbgrader course directory with one assignment per lesson.

    Parameters
    ----------
    course : path
        The course folder to write (created; an existing ``source/`` is replaced).
    notebooks : path or dict, default=the repository's ``notebooks/``
        A folder of lessons (:func:`lessons`), or a dict of assignment name to notebook path.
    parameters : dict, optional
        Assignment name → parameters to set in that lesson's parameters cell (:func:`set_parameters`),
        e.g. small sizes so that autograding is quick. Lessons not named keep their defaults.
    timeout : int, default=1800
        Seconds one cell may run when nbgrader executes a notebook (autograde): lesson 4's sweep runs in
        one cell, about 8½ minutes with the defaults. A cell that runs longer is interrupted and counted
        as an error (the rest of the notebook still runs).

    Returns
    -------
    Path
        The course folder, holding ``nbgrader_config.py`` and ``source/``.

    Notes
    -----
    Lesson 4 sweeps lesson 2's notebook: its assignment folder gets ``runner/02_train_diehl_cook.json``,
    lesson 2 without its exercises (:func:`runner`), stored as ``.json`` because nbgrader leaves other
    ``.ipynb`` files out of the student version (papermill runs it all the same), and its ``notebook``
    parameter names that copy.
    """
    course = Path(course).resolve()
    found = notebooks if isinstance(notebooks, dict) else lessons(notebooks)
    shutil.rmtree(course / "source", ignore_errors=True)
    for name, path in found.items():
        settings = dict((parameters or {}).get(name, {}))
        folder = course / "source" / name
        folder.mkdir(parents=True, exist_ok=True)
        if name in SWEPT:  # the notebook it runs, beside it, without that lesson's exercises
            swept, parameter = SWEPT[name]
            swept_path = found.get(swept, Path(path).parent / f"{swept}.ipynb")
            (folder / RUNNER_FOLDER).mkdir(exist_ok=True)
            # nbgrader leaves every .ipynb file out of the student version but the assignment's own
            # notebooks; papermill reads a notebook stored as .json as well.
            nbformat.write(runner(swept_path), str(folder / RUNNER_FOLDER / f"{swept}.json"))
            settings.setdefault(parameter, f"{RUNNER_FOLDER}/{swept}.json")
        nbformat.write(set_parameters(path, settings), str(folder / f"{name}.ipynb"))
    (course / "nbgrader_config.py").write_text(CONFIG.format(root=str(course), timeout=int(timeout)))
    return course


def _environment() -> dict:
    """This process's environment with this Python's scripts first on PATH: nbgrader's gradebook runs the
    ``alembic`` command, installed beside it (a virtual environment used without activating it)."""
    env = dict(os.environ)
    scripts = str(Path(sys.executable).parent)
    if scripts not in env.get("PATH", "").split(os.pathsep):
        env["PATH"] = os.pathsep.join(filter(None, [scripts, env.get("PATH")]))
    return env


def nbgrader(course: Path | str, *arguments: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run nbgrader's command line in a course folder, with this Python.

    Parameters
    ----------
    course : path
        The course folder (its ``nbgrader_config.py`` is read).
    *arguments : str
        nbgrader's arguments, e.g. ``"generate_assignment", "01_neuron_and_stdp", "--force"``.
    check : bool, default=True
        Raise when nbgrader fails.

    Returns
    -------
    subprocess.CompletedProcess
        With ``stdout`` and ``stderr`` as text.

    Raises
    ------
    RuntimeError
        When ``check`` and nbgrader exits with an error (its log in the message).
    """
    env = _environment()
    # The kernels nbgrader starts import this checkout's stdplab.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("MPLBACKEND", "Agg")
    done = subprocess.run([sys.executable, "-m", "nbgrader", *arguments], cwd=course, env=env,
                          capture_output=True, text=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(arguments)} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return done


@fill_doc
def generate_assignment(course: Path | str, assignment: str) -> Path:
    """Make the student version of one lesson (``nbgrader generate_assignment NAME --force``).

    Solutions are replaced by a stub that raises ``NotImplementedError``, hidden tests are removed,
    outputs cleared, graded cells locked; the tests are saved into the gradebook for autograding.

    %(course_folder_parameters)s
    %(assignment)s

    Returns
    -------
    Path
        The student notebook, ``release/<assignment>/<assignment>.ipynb``.
    """
    nbgrader(course, "generate_assignment", assignment, "--force", "--create")
    return Path(course).resolve() / "release" / assignment / f"{assignment}.ipynb"


@fill_doc
def generate_all(course: Path | str) -> dict[str, Path]:
    """Make the student versions of every lesson of the course in one nbgrader run.

    ``nbgrader generate_assignment "*" --force --create``: nbgrader starts once (a few seconds) instead
    of once per lesson.

    %(course_folder_parameters)s

    Returns
    -------
    dict of str to Path
        Each lesson's name → its student notebook, ``release/<lesson>/<lesson>.ipynb``.
    """
    root = Path(course).resolve()
    nbgrader(root, "generate_assignment", "*", "--force", "--create")
    return {folder.name: root / "release" / folder.name / f"{folder.name}.ipynb"
            for folder in sorted((root / "source").iterdir()) if (folder / f"{folder.name}.ipynb").exists()}


def answered(student, instructor, answers: dict[str, str] | None = None):
    """A student's notebook with its solution cells filled in, as a submission.

    Parameters
    ----------
    student : path or nbformat.NotebookNode
        The student version (from :func:`generate_assignment`).
    instructor : path or nbformat.NotebookNode
        The instructor's version: every solution cell not in ``answers`` gets its model answer.
    answers : dict of str to str, optional
        Solution cell ``grade_id`` → the source to write there instead (e.g. a wrong answer).

    Returns
    -------
    nbformat.NotebookNode
        A copy of the student version, answered.
    """
    nb, model = _read(student), solution_cells(instructor)
    answers = {**model, **(answers or {})}
    for cell in nb.cells:
        grade_id = _meta(cell).get("grade_id")
        if _meta(cell).get("solution") and grade_id in answers:
            cell.source = answers[grade_id]
    return nb


@fill_doc
def submit(course: Path | str, assignment: str, student: str, notebook) -> Path:
    """Place a student's notebook where nbgrader collects it (``submitted/<student>/<assignment>/``).

    %(course_folder_parameters)s
    %(assignment)s
    student : str
        The student's id.
        The student's id.
    notebook : path or nbformat.NotebookNode
        The student's notebook (e.g. :func:`answered`'s).

    Returns
    -------
    Path
        The submitted notebook.
    """
    folder = Path(course).resolve() / "submitted" / student / assignment
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    path = folder / f"{assignment}.ipynb"
    nbformat.write(_read(notebook), str(path))
    return path


@fill_doc
def autograde(course: Path | str, assignment: str, student: str | None = None) -> dict:
    """Autograde submissions (``nbgrader autograde NAME [--student ID] --create --force``).

    nbgrader restores the test cells (hidden tests included) from the gradebook, executes each notebook
    and gives each test cell its points unless it raises.

    %(course_folder_parameters)s
    %(assignment)s
    student : str, optional
        One student's id; by default every submission of the assignment, in one nbgrader run.

    Returns
    -------
    dict
        With ``student``: :func:`scores` of that submission; without: each student's id → its scores.
    """
    if student is not None:
        nbgrader(course, "autograde", assignment, "--student", student, "--create", "--force")
        return scores(course, assignment, student)
    nbgrader(course, "autograde", assignment, "--create", "--force")
    submitted = Path(course).resolve() / "submitted"
    return {folder.name: scores(course, assignment, folder.name) for folder in sorted(submitted.iterdir())
            if (folder / assignment).is_dir()}


@fill_doc
def scores(course: Path | str, assignment: str, student: str) -> dict[str, tuple[float, float]]:
    """A submission's scores, read from nbgrader's gradebook.

    %(course_folder_parameters)s
    %(assignment)s
    student : str
        The student's id.

    Returns
    -------
    dict of str to (float, float)
        Each graded cell's ``grade_id`` → (score, max_score), and ``"total"`` → the submission's
        (score, max_score). Hand-marked cells not yet marked score 0.
    """
    from nbgrader.api import Gradebook

    path = os.environ.get("PATH")
    os.environ["PATH"] = _environment()["PATH"]  # the gradebook checks its schema with `alembic`
    try:
        with Gradebook(f"sqlite:///{Path(course).resolve() / 'gradebook.db'}", "stdplab") as gradebook:
            submission = gradebook.find_submission(assignment, student)
            found = {"total": (float(submission.score), float(submission.max_score))}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    found[grade.name] = (float(grade.score), float(grade.max_score))
    finally:
        if path is None:
            os.environ.pop("PATH", None)
        else:
            os.environ["PATH"] = path
    return found


@fill_doc
def rubric(notebooks: Path | str | dict = NOTEBOOKS) -> list[dict]:
    """Points per exercise, from the notebooks' nbgrader metadata.

    %(lesson_notebooks_parameters)s

    Returns
    -------
    list of dict
        One row per exercise: ``lesson``, ``exercise``, ``kind``, ``points``, ``autograded`` (points
        given by test cells) and ``by_hand`` (points of answers marked by hand).
    """
    found = notebooks if isinstance(notebooks, dict) else lessons(notebooks)
    rows = []
    for lesson, path in found.items():
        by_exercise: dict[str, dict] = {}
        for cell in graded_cells(path):
            row = by_exercise.setdefault(cell.exercise, {"lesson": lesson, "exercise": cell.exercise,
                                                         "kind": cell.kind, "points": 0.0, "autograded": 0.0,
                                                         "by_hand": 0.0})
            row["points"] += cell.points
            row["autograded" if cell.autograded else "by_hand"] += cell.points
            row["kind"] = row["kind"] or cell.kind
        rows.extend(sorted(by_exercise.values(), key=lambda row: [int(n) if n.isdigit() else n for n in
                                                                 re.split(r"(\d+)", row["exercise"])]))
    return rows


@fill_doc
def rubric_markdown(notebooks: Path | str | dict = NOTEBOOKS) -> str:
    """:func:`rubric` as a Markdown table (docs/teaching.md's rubric is made with it).

    %(lesson_notebooks_parameters)s

    Returns
    -------
    str
        One row per exercise: lesson, exercise, kind, points, autograded and by hand.
    """
    lines = ["| lesson | exercise | kind | points | autograded | by hand |", "|---|---|---|---|---|---|"]
    for row in rubric(notebooks):
        lines.append(f"| {row['lesson'][:2]} | {row['exercise']} | {row['kind'] or '?'} | {row['points']:g} | "
                     f"{row['autograded']:g} | {row['by_hand']:g} |")
    return "\n".join(lines)


@fill_doc
def model_answers_markdown(notebooks: Path | str | dict = NOTEBOOKS) -> str:
    """The model answers in short, as a Markdown list: one-line answers as they are, code by its length.

    %(lesson_notebooks_parameters)s

    Returns
    -------
    str
        One item per lesson, its exercises' answers separated by semicolons.
    """
    found = notebooks if isinstance(notebooks, dict) else lessons(notebooks)
    lines = []
    for lesson, path in found.items():
        announced, cells = announcements(path), _read(path).cells
        items = []
        for cell in cells:
            grade_id = _meta(cell).get("grade_id", "")
            if not _meta(cell).get("solution"):
                continue
            exercise = exercise_of(grade_id)
            kind, _, _ = announced.get(exercise, (None, 0, ""))
            answer = "\n".join(regions(cell.source)).strip()
            name = exercise.replace("ex", "Exercise ").replace("_", ".")
            if "\n" not in answer and len(answer) < 90:
                items.append(f"{name} ({kind}): `{answer}`")
            else:
                items.append(f"{name} ({kind}): {len(answer.splitlines())} lines of code in `{grade_id}`")
        lines.append(f"- **Lesson {int(lesson[:2])}**: " + "; ".join(items) + ".")
    return "\n".join(lines)


def main(argv=None) -> int:
    """``python -m stdplab.course COURSE_DIR [--rubric]``: lay out the course and release every lesson.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: the command line's).

    Returns
    -------
    int
        The exit status, 0; bad arguments exit through argparse with status 2.
    """
    import argparse

    parser = argparse.ArgumentParser(description="Make an nbgrader course of the lessons and release them.")
    parser.add_argument("course", nargs="?", help="the course folder to write")
    parser.add_argument("--rubric", action="store_true", help="print the rubric and the model answers (Markdown)")
    args = parser.parse_args(argv)
    if args.rubric:
        print(rubric_markdown() + "\n\n" + model_answers_markdown())
        return 0
    if not args.course:
        parser.error("a course folder is needed")
    course = make_course(args.course)
    for path in generate_all(course).values():
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
