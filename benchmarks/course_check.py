"""Autograde every lesson with nbgrader: the model answers score full marks, one wrong answer loses its points.

For each lesson (default: all five) this lays out an nbgrader course with small parameters
(``stdplab.course.SMALL``), releases the student version (``nbgrader generate_assignment``), hands in
two copies of it (every answer the model answer; the same with one multiple-choice answer wrong) and
autogrades both in one ``nbgrader autograde`` run. It fails unless the first scores the lesson's full
marks and the second exactly that exercise's points less. The test suite autogrades lesson 1 only
(tests/test_course.py); .ci/run runs this script for all five.

    .venv/bin/python benchmarks/course_check.py [--lessons 01 03] [--course DIR]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stdplab import course  # noqa: E402


def check_lesson(root: Path, name: str) -> dict:
    """Release, hand in a solved and a wrong copy, autograde; returns what was found (raises on a mismatch)."""
    source = root / "source" / name / f"{name}.ipynb"
    start = time.time()
    student = root / "release" / name / f"{name}.ipynb"
    if not student.exists() or student.stat().st_mtime < source.stat().st_mtime:
        student = course.generate_assignment(root, name)
    released = time.time() - start
    grade_id, wrong, right = course.wrong_answer(source)
    course.submit(root, name, "solved", course.answered(student, source))
    course.submit(root, name, "wrong", course.answered(student, source, {grade_id: wrong}))
    start = time.time()
    grades = course.autograde(root, name)
    graded = time.time() - start
    solved, mistaken = grades["solved"], grades["wrong"]
    check = grade_id.replace("_answer", "_check")
    lost = {g: (s, m) for g, (s, m) in solved.items() if s < m and g != "total"}
    if lost:
        raise AssertionError(f"{name}: the model answers lose points: {lost}")
    if mistaken[check][0] != 0 or mistaken["total"][0] != solved["total"][0] - solved[check][1]:
        raise AssertionError(f"{name}: {wrong!r} (right: {right!r}) should lose exactly {check}'s "
                             f"{solved[check][1]:g} points: {mistaken}")
    return {"lesson": name, "points": solved["total"][1], "wrong": check, "lost": solved[check][1],
            "release_s": released, "autograde_s": graded}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lessons", nargs="*", help="lesson numbers (default: all)")
    parser.add_argument("--course", help="the course folder to write (default: a temporary one)")
    args = parser.parse_args(argv)
    names = [n for n in course.lessons() if not args.lessons or n[:2] in args.lessons]
    # With the small parameters no cell takes minutes: a stalled cell is cut after 5 minutes (and fails).
    root = course.make_course(args.course or tempfile.mkdtemp(prefix="stdplab-course-"), parameters=course.SMALL,
                              timeout=300)
    print(f"course folder: {root}", flush=True)
    start = time.time()
    course.generate_all(root)
    print(f"generate_assignment \"*\": {time.time() - start:.0f} s", flush=True)
    failed = 0
    for name in names:
        try:
            found = check_lesson(root, name)
            print(f"{name}: full marks {found['points']:g}; {found['wrong']} wrong loses {found['lost']:g}; "
                  f"generate_assignment {found['release_s']:.0f} s, autograde of 2 copies {found['autograde_s']:.0f} s",
                  flush=True)
        except Exception as error:  # report every lesson, then fail
            failed += 1
            print(f"{name}: FAILED: {error}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
