"""What a run writes down: files written atomically, arrays, JSON records with their format versions,
and metrics (where a result came from is ``provenance``'s).

The experiment, the sweep, the notebooks, the benchmarks, model files and dataset downloads all
write through ``atomic_write``, so a reader (a resumed run, a sweep's table, a crashed process's
successor) sees either the old file or the new one, never half of one.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np


@contextlib.contextmanager
def atomic_write(path):
    """Write a file in one rename: a reader sees the old file or the new one, never half of one.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write (its folder is created if need be).

    Yields
    ------
    pathlib.Path
        A temporary path beside ``path`` (same folder, same suffix) to write. On success it
        replaces ``path``; on an exception it is removed, ``path`` is left as it was and the
        exception goes on.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Same folder: os.replace is atomic only within one file system. Same suffix: writers that infer
    # a format or a compression from the name (pandas) see the target's.
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(handle)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def save_npz(path, *, stored=(), **arrays) -> None:
    """Write arrays to a compressed ``.npz`` atomically, some of them uncompressed.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    stored : collection of str, optional
        Names of arrays written without compression, as ``np.savez`` writes them: for learned
        float64 weights, which compress by about 5 % in about 30 times the time of writing them.
    **arrays
        Name: array. ``np.load`` reads them back, whichever way each was written.
    """
    with atomic_write(path) as tmp, zipfile.ZipFile(tmp, "w", allowZip64=True) as archive:
        for name, array in arrays.items():
            member = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            with archive.open(member, "w", force_zip64=True) as file:
                np.lib.format.write_array(file, np.asanyarray(array), allow_pickle=False)


def write_json(path, data) -> None:
    """Write JSON atomically; numpy scalars and arrays become plain numbers and lists.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    data : object
        What ``json.dump`` takes, with numpy values (``json_value``).
    """
    with atomic_write(path) as tmp, open(tmp, "w") as file:
        json.dump(data, file, indent=1, default=json_value)


class UnsupportedFormatError(ValueError):
    """A file of a format version this stdplab cannot read (unknown, or written by a newer one)."""


def file_sha256(path) -> str:
    """The SHA-256 of a file (a shipped network's manifest records it; benchmarks key caches on it).

    Parameters
    ----------
    path : str or os.PathLike
        Any file; read in blocks of 1 MiB.

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def format_version(record: dict, current: int, what: str) -> int:
    """The format version a file's record says it has, checked against what this stdplab reads.

    Parameters
    ----------
    record : dict
        The file's contents (or its metadata), with its ``format_version``; files written before
        formats were versioned have none, and are version 0.
    current : int
        The newest version this stdplab writes and reads.
    what : str
        The file, as the message names it.

    Returns
    -------
    int
        The version, from 0 to ``current``.

    Raises
    ------
    UnsupportedFormatError
        If the version is not a non-negative integer, or is newer than ``current``.
    """
    version = record.get("format_version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise UnsupportedFormatError(f"{what} has format_version {version!r}, which no stdplab writes")
    if version > current:
        raise UnsupportedFormatError(
            f"{what} has format_version {version}, newer than this stdplab reads ({current}):"
            " read it with the stdplab that wrote it (its commit is in the run's results), or update stdplab")
    return version


def save_metrics(output_dir, name, metrics: dict) -> Path:
    """Write a notebook's metrics where a sweep collects them.

    Parameters
    ----------
    output_dir : str or os.PathLike
        The notebook's output folder.
    name : str
        The notebook's short name.
    metrics : dict
        Metric name: value.

    Returns
    -------
    pathlib.Path
        ``output_dir/<name>_metrics.json``.
    """
    path = Path(output_dir) / f"{name}_metrics.json"
    write_json(path, metrics)
    return path


def notebook_dir(output_dir, notebook: str) -> Path:
    """Where a notebook writes: ``output_dir`` if given, else ``runs/notebooks/<notebook>`` under the
    repository (git-ignored, so a class's runs never overwrite the tracked ``figures/``). The
    repository is the first folder at or above the working directory holding ``notebooks/`` and
    ``pyproject.toml``, so the notebook writes to the same place run from the root or from
    ``notebooks/``; elsewhere, the working directory.

    Parameters
    ----------
    output_dir : str or os.PathLike or None
        The folder the notebook was given, if any.
    notebook : str
        The notebook's short name.

    Returns
    -------
    pathlib.Path
    """
    if output_dir is not None:
        return Path(output_dir)
    here = Path.cwd().resolve()
    root = next((d for d in (here, *here.parents) if (d / "notebooks").is_dir() and (d / "pyproject.toml").is_file()),
                here)
    return root / "runs" / "notebooks" / notebook


def json_value(value):
    """NumPy scalars and arrays as plain JSON values (``json.dump``'s ``default``).

    Parameters
    ----------
    value : object
        What ``json`` cannot write itself.

    Returns
    -------
    object
        A Python number or list.

    Raises
    ------
    TypeError
        For anything but numpy scalars and arrays.
    """
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def plain_value(value):
    """A value that may come from NumPy as a plain Python one (papermill parameters, hashes, JSON).

    Parameters
    ----------
    value : object
        Any value.

    Returns
    -------
    object
        A NumPy scalar or array as ``json_value`` gives it (a number, a list); anything else as it is.
    """
    return json_value(value) if isinstance(value, (np.generic, np.ndarray)) else value
