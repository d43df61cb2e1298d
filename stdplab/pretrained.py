"""Trained networks that ship with stdplab, in ``stdplab/models/``: load one with a single call.

Each network is two files: a compact model file (``DiehlCook2015.save(compact=True)``: float32
weights, delays regenerated from the seed) and its manifest, ``diehl_cook_2015_<neurons>.json``:
the command and commit that trained it, the protocol (neurons, epochs, examples, labels, test set),
its accuracy on the full MNIST test set with every readout, its accuracy on the first images of the
test set (which the test suite checks), and the model file's size and SHA-256, which ``model_path``
verifies before ``DiehlCook2015.pretrained`` reads the file. ``benchmarks/ship.py`` writes both from a finished run.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from ._docstrings import fill_doc
from .records import file_sha256, format_version

MODELS_DIR = Path(__file__).resolve().parent / "models"
# The manifest's layout; ``manifest`` refuses a newer one.
MANIFEST_FORMAT = 1
_PREFIX = "diehl_cook_2015_"


def available(directory=None) -> list[int]:
    """The sizes of the networks that ship.

    Parameters
    ----------
    directory : str or os.PathLike, optional
        A folder of networks and their manifests (default: ``MODELS_DIR``, the package's own).

    Returns
    -------
    list of int
        Their numbers of excitatory neurons, smallest first; empty if there are none.

    Examples
    --------
    >>> from stdplab import pretrained
    >>> 400 in pretrained.available()
    True
    """
    folder = Path(directory) if directory is not None else MODELS_DIR
    sizes = []
    for path in folder.glob(f"{_PREFIX}*.json"):
        suffix = path.stem[len(_PREFIX):]
        if suffix.isdigit():
            sizes.append(int(suffix))
    return sorted(sizes)


@fill_doc
def manifest(n_neurons: int, directory=None) -> dict:
    """The manifest of the shipped network of ``n_neurons`` neurons.

    %(shipped_network_parameters)s

    Returns
    -------
    dict
        ``n_neurons``; ``file``, ``bytes`` and ``sha256`` of the model file; ``weights_dtype`` and
        ``delays``; ``command``, ``commit`` and ``protocol`` of the training; ``accuracy_percent``
        per readout on the full test set (``vote``, ``proportion``, ``linear``) with the shipped
        weights, beside ``record_accuracy_percent`` (float64 weights, from the run's record);
        ``slice`` (the same on the first ``images`` test images); ``dtype_measurement``;
        ``ship_command`` and ``ship_commit``.

    Raises
    ------
    ValueError
        If no network of that size ships (the message lists those that do), or the manifest is of
        a newer format than this stdplab reads.
    FileNotFoundError
        If ``directory`` is not a folder.
    """
    folder = Path(directory) if directory is not None else MODELS_DIR
    if not folder.is_dir():
        raise FileNotFoundError(f"no folder of trained networks at {folder}")
    sizes = available(folder)
    if isinstance(n_neurons, str) and re.fullmatch(r"[0-9]+", n_neurons):
        n_neurons = int(n_neurons)
    if not isinstance(n_neurons, int) or isinstance(n_neurons, bool) or n_neurons not in sizes:
        shipped = ", ".join(str(s) for s in sizes) or "none"
        raise ValueError(f"no trained network of {n_neurons!r} neurons ships with stdplab; available sizes:"
                         f" {shipped}. Train one with: python -m stdplab train --neurons {n_neurons} ...")
    record = json.loads((folder / f"{_PREFIX}{n_neurons}.json").read_text(encoding="utf-8"))
    format_version(record, MANIFEST_FORMAT, f"the manifest of the {n_neurons}-neuron network")
    return record


@fill_doc
def model_path(n_neurons: int, directory=None) -> Path:
    """The model file of a shipped network, checked against its manifest's size and SHA-256.

    %(shipped_network_parameters)s

    Returns
    -------
    pathlib.Path
        The compact model file, ready for ``DiehlCook2015.load``.

    Raises
    ------
    ValueError
        If no network of that size ships, or its file is not the one its manifest describes
        (damaged, truncated, changed, or a Git LFS pointer instead of the file).
    FileNotFoundError
        If ``directory`` is not a folder, or the manifest names a file that is not there.
    """
    folder = Path(directory) if directory is not None else MODELS_DIR
    record = manifest(n_neurons, folder)
    path = folder / record["file"]
    if not path.is_file():
        raise FileNotFoundError(f"the {n_neurons}-neuron network's file {path} is missing; reinstall stdplab"
                                " (or git checkout the file)")
    size, digest = path.stat().st_size, file_sha256(path)
    if digest != record["sha256"]:
        raise ValueError(f"the {n_neurons}-neuron network's file {path} is damaged or was changed: its SHA-256 is"
                         f" {digest} ({size} bytes), its manifest says {record['sha256']} ({record['bytes']} bytes)."
                         " Refusing to load it; reinstall stdplab (or git checkout the file)")
    return path


def model_file(spec) -> Path:
    """A model file named by a shipped network's size or by its path (benchmarks' ``--model``).

    Parameters
    ----------
    spec : str, int or os.PathLike
        The path of a ``DiehlCook2015.save`` file, or, where no such file exists, the size of a
        shipped network (``400`` or ``"400"``: its file, checked as in ``model_path``).

    Returns
    -------
    pathlib.Path
        The model file, ready for ``DiehlCook2015.load``.

    Raises
    ------
    ValueError
        If a size is given and no network of that size ships, or its file fails its SHA-256 check.
    FileNotFoundError
        If there is no such file (or it is a folder).

    Examples
    --------
    >>> from stdplab import pretrained
    >>> pretrained.model_file("400").name
    'diehl_cook_2015_400.npz'
    """
    path = Path(str(spec))
    if path.is_file():
        return path
    if isinstance(spec, int) or re.fullmatch(r"[0-9]+", str(spec)):
        return model_path(int(spec))
    hint = (f"{path} is a folder: give the model file in it (e.g. {path / 'model.npz'})" if path.is_dir()
            else f"no model file {path}")
    raise FileNotFoundError(f"{hint}; give a DiehlCook2015.save file or the size of a shipped network"
                            f" ({', '.join(map(str, available())) or 'none ship'})")
