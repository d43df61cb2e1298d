"""Checks for the lessons' exercises.

Each exercise of a lesson has an answer cell (an nbgrader solution cell) and a check cell (an nbgrader
autograded test cell) that calls one of these functions. A check that fails raises
:class:`ExerciseFailed` with feedback for the student; nbgrader counts a cell that raises as zero points.
No function here needs the answer in a student-visible cell: checks compare with a value the lesson
computes while it runs (:func:`check_close`, :func:`check_prediction`) or with a digest of the answer
(:func:`check_choice`, :func:`digest`).

A lesson run as an experiment (a sweep point, whose parameters are not the lesson's) is not
coursework: with the environment variable ``STDPLAB_EXERCISES=report`` (which :mod:`stdplab.sweep`
sets for its points) a check that fails prints its feedback instead of raising, so the run goes on.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping

import numpy as np


MODE_VARIABLE = "STDPLAB_EXERCISES"


class ExerciseFailed(AssertionError):
    """An answer that is not right yet; the message says what to look at."""


def _fail(message: str) -> None:
    if os.environ.get(MODE_VARIABLE) == "report":
        print(f"{message} [reported, not raised: {MODE_VARIABLE}=report]")
        return
    raise ExerciseFailed(message)


def digest(answer) -> str:
    """The SHA-256 digest of an answer, as :func:`check_choice` compares it.

    Parameters
    ----------
    answer : object
        A choice (a letter or a short string); compared case-insensitively, without surrounding spaces.

    Returns
    -------
    str
        The first 16 hexadecimal digits of the digest.

    Examples
    --------
    >>> digest(" B ") == digest("b")
    True
    """
    return hashlib.sha256(str(answer).strip().lower().encode()).hexdigest()[:16]


def _answered(answer, exercise: str) -> bool:
    if answer is None:
        _fail(f"{exercise}: not answered yet: write your answer in the cell above and run it")
    return answer is not None


def check_choice(exercise: str, answer, options: Mapping[str, str], right: str) -> str:
    """Check a multiple-choice answer and give the feedback of the option chosen.

    Parameters
    ----------
    exercise : str
        The exercise's name, as the lesson shows it (e.g. ``"Exercise 2.3"``).
    answer : str
        The option the student chose (one of the keys of `options`).
    options : mapping of str to str
        Each option's key and the feedback shown when it is chosen; the feedback explains why the option is
        right or wrong, so every option teaches something.
    right : str
        :func:`digest` of the right option's key: the answer itself appears nowhere in the notebook.

    Returns
    -------
    str
        The feedback of the option chosen (also printed); empty when there is none.

    Raises
    ------
    ExerciseFailed
        When no answer is given, the answer is not an option, or it is not the right one (with its
        feedback); printed instead under ``STDPLAB_EXERCISES=report``.
    """
    if not _answered(answer, exercise):
        return ""
    keys = {str(key).strip().lower(): key for key in options}
    chosen = str(answer).strip().lower()
    if chosen not in keys:
        _fail(f"{exercise}: {answer!r} is not one of the options {list(options)}")
        return ""
    feedback = options[keys[chosen]]
    if digest(chosen) != right:
        _fail(f"{exercise}: not quite. {feedback}")
    else:
        print(f"{exercise}: right. {feedback}")
    return feedback


def check_close(exercise: str, answer, expected, *, rtol: float = 1e-6, atol: float = 0.0, hint: str = "") -> None:
    """Check a number (or an array) against the value the lesson computed.

    Parameters
    ----------
    exercise : str
        The exercise's name.
    answer : float or array-like
        The student's value.
    expected : float or array-like
        The value computed by the lesson while it ran, never typed in.
    rtol, atol : float, default=1e-6, 0
        Tolerances, as :func:`numpy.allclose` takes them.
    hint : str, default=""
        What to look at when the answer is off.

    Raises
    ------
    ExerciseFailed
        When no answer is given, it is not numeric, the shapes differ, or a value is outside the
        tolerance; printed instead under ``STDPLAB_EXERCISES=report``.
    """
    if not _answered(answer, exercise):
        return
    want = np.asarray(expected, dtype=float)
    try:
        got = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        _fail(f"{exercise}: expected a number{' or an array of numbers' if want.ndim else ''}, got"
              f" {type(answer).__name__} {answer!r}. {hint}".rstrip())
        return
    if got.shape != want.shape:
        _fail(f"{exercise}: expected shape {want.shape}, got {got.shape}. {hint}".rstrip())
    elif not np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=False):
        worst = float(np.max(np.abs(got - want)))
        _fail(f"{exercise}: off by up to {worst:.4g}. {hint}".rstrip())
    else:
        print(f"{exercise}: right.")


def check_prediction(exercise: str, prediction, outcome, explanation: str = "") -> None:
    """Compare a prediction written before running with the outcome measured after.

    Parameters
    ----------
    exercise : str
        The exercise's name.
    prediction : str
        What the student predicted, one of the categories the exercise offers.
    outcome : str
        The category the lesson measured, computed from this run's results.
    explanation : str, default=""
        Why the outcome is what it is; shown whether the prediction was right or not.

    Raises
    ------
    ExerciseFailed
        When no prediction was written, or it differs from the outcome (the message gives both and the
        explanation); printed instead under ``STDPLAB_EXERCISES=report``.
    """
    if not _answered(prediction, exercise):
        return
    said, seen = str(prediction).strip().lower(), str(outcome).strip().lower()
    if said != seen:
        _fail(f"{exercise}: you predicted {said!r}; the run gave {seen!r}. {explanation}".rstrip())
    else:
        print(f"{exercise}: your prediction {said!r} was right. {explanation}".rstrip())
