"""Where a result came from: the command that ran, the commit of the code, and the environment
(interpreter, library versions, the rewritten loops the compiled networks ran, the machine).

Every results file, benchmark record and shipped network's manifest records these.
"""
from __future__ import annotations

import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np

from .standalone import spike_queue, thresholders


def command_line(argv=None) -> str:
    """The command that is running, as a results file records it.

    Parameters
    ----------
    argv : list of str, optional
        Its arguments (default: ``sys.argv``'s).

    Returns
    -------
    str
        ``python <script> <arguments>``, quoted for a shell.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    return "python " + " ".join(shlex.quote(a) for a in [sys.argv[0], *args])


def git_commit(directory=None) -> str | None:
    """The commit a result comes from.

    Parameters
    ----------
    directory : str or os.PathLike, optional
        A folder in the checkout (default: this package's).

    Returns
    -------
    str or None
        The short commit, with "-dirty" when its code (``stdplab/``, ``benchmarks/*.py``) differs
        from the commit's, so that a result from uncommitted code says so; None outside a checkout.
    """
    def git(*args):
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=directory or Path(__file__).parent,
                              env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"}, check=True).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no", "--", ":/stdplab", ":/benchmarks/*.py")
        return commit + ("-dirty" if changed else "") if commit else None
    except (OSError, subprocess.CalledProcessError):
        return None


def environment() -> dict:
    """The commit, interpreter, library versions, rewritten loops and machine a result came from.

    Returns
    -------
    dict
        ``commit``, ``python``, ``brian2``, ``numpy``, ``spike_queue`` (which spike queue the
        compiled networks ran, ``standalone.spike_queue``: "runs", the rewritten one, or "brian",
        Brian's as shipped), ``thresholders`` (``standalone.thresholders``: "conditions_first", the
        rewritten ones, "brian", both joined by ", " if the process ran both, or "none run"),
        ``machine`` and ``cpus``.
    """
    from importlib.metadata import version

    return {"commit": git_commit(), "python": platform.python_version(), "brian2": version("brian2"),
            "numpy": np.__version__, "spike_queue": spike_queue(), "thresholders": thresholders(),
            "machine": platform.machine(), "cpus": os.cpu_count()}
