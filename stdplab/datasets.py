"""Datasets: MNIST and Fashion-MNIST from idx files (local, cached or downloaded), sklearn's digits.

Every loader returns ``X_train, y_train, X_test, y_test`` with images as uint8 arrays
(n, height, width) in [0, 255] and labels as int64.

MNIST is searched for in ``data_dir``, then in the folder named by the environment variable
``STDPLAB_DATA``, then in the lab's cache folder (``cache.cache_dir() / "mnist"``: ``~/.cache/stdplab/mnist``
or ``$STDPLAB_CACHE/mnist``). If it is in none of
them and ``download=True``, the four canonical files are downloaded, checked against their
SHA-256 checksums and cached.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import urllib.request
from pathlib import Path

import numpy as np

from ._docstrings import fill_doc
from .cache import cache_dir
from .records import atomic_write

ENV_VAR = "STDPLAB_DATA"
FASHION_ENV_VAR = "STDPLAB_FASHION_DATA"
FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")

MNIST_FILES = {  # name -> (sha256 of the .gz file, bytes)
    "train-images-idx3-ubyte": ("440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9912422),
    "train-labels-idx1-ubyte": ("3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28881),
    "t10k-images-idx3-ubyte": ("8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1648877),
    "t10k-labels-idx1-ubyte": ("f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4542),
}
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class DatasetError(RuntimeError):
    """Data that is missing, truncated or corrupt; the message says how to fix it."""


class DatasetNotFoundError(DatasetError, FileNotFoundError):
    """Data found in none of the folders searched; the message names them and how to fix it."""


def parse_idx(data: bytes, expected_shape: tuple | None = None, source: str = "idx data") -> np.ndarray:
    """Parse the idx format (LeCun's MNIST files): magic, dimensions, then big-endian values.

    Parameters
    ----------
    data : bytes
        The file's contents (decompressed).
    expected_shape : tuple, optional
        The shape the header must give.
    source : str
        The file, as messages name it.

    Returns
    -------
    numpy.ndarray
        The values, in native byte order.

    Raises
    ------
    DatasetError
        If the data is not idx, is truncated or corrupt, or has another shape than expected.
    """
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise DatasetError(f"{source}: not an idx file (bad magic number)")
    type_code, ndim = data[2], data[3]
    if type_code not in _IDX_DTYPES or ndim == 0:
        raise DatasetError(f"{source}: unknown idx data type 0x{type_code:02x} or no dimensions")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DatasetError(f"{source}: truncated header")
    shape = tuple(int.from_bytes(data[4 + 4 * k: 8 + 4 * k], "big") for k in range(ndim))
    dtype = np.dtype(_IDX_DTYPES[type_code])
    expected_bytes = header + int(np.prod(shape)) * dtype.itemsize
    if len(data) != expected_bytes:
        raise DatasetError(f"{source}: {len(data)} bytes, but its header {shape} needs {expected_bytes}"
                           " (truncated or corrupt file)")
    if expected_shape is not None and shape != tuple(expected_shape):
        raise DatasetError(f"{source}: shape {shape}, expected {tuple(expected_shape)}")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def _find(name: str, folder: Path) -> Path | None:
    for candidate in (folder / (name + ".gz"), folder / name):
        if candidate.is_file():
            return candidate
    return None


def _read(path: Path, sha256: str | None) -> bytes:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        if sha256 and hashlib.sha256(raw).hexdigest() != sha256:
            raise DatasetError(
                f"{path}: checksum mismatch (expected sha256 {sha256}); the file is corrupt or"
                " incomplete. Delete it and load again to download a fresh copy.")
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DatasetError(f"{path}: cannot decompress ({exc}); delete it and download again") from exc
    return raw


def _download(names, checksums: dict, folder: Path, mirrors) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        if _find(name, folder):
            continue
        errors = []
        for mirror in mirrors:
            url = mirror + name + ".gz"
            try:
                with urllib.request.urlopen(url, timeout=30) as response:
                    raw = response.read()
            except OSError as exc:
                errors.append(f"{url}: {exc}")
                continue
            if hashlib.sha256(raw).hexdigest() != checksums[name]:
                errors.append(f"{url}: checksum mismatch")
                continue
            with atomic_write(folder / (name + ".gz")) as tmp:  # no half-written file remains
                tmp.write_bytes(raw)
            break
        else:
            raise DatasetError(f"could not download {name}.gz: " + "; ".join(errors))


def _load_idx_set(label: str, names: dict, folders: list[Path], download_to: Path | None, mirrors,
                  shapes: dict, env_var: str, other_fix: str) -> tuple[np.ndarray, ...]:
    folder = next((f for f in folders if all(_find(n, f) for n in names)), None)
    download_error = None
    if folder is None and download_to is not None:
        try:
            _download(names, {n: c for n, (c, _) in names.items()}, download_to, mirrors)
            folder = download_to
        except DatasetError as exc:
            download_error = str(exc)
    if folder is None:
        searched = "\n  ".join(str(f) for f in folders)
        raise DatasetNotFoundError(
            f"{label} not found. Looked for {', '.join(n + '[.gz]' for n in names)} in:\n  {searched}\n"
            + (f"Download failed: {download_error}\n" if download_error else "")
            + f"Fix: pass data_dir=FOLDER, or set the environment variable {env_var}=FOLDER, to a folder"
            f" holding the four idx files{other_fix}")
    return tuple(parse_idx(_read(_find(n, folder), c), shapes[n], str(_find(n, folder)))
                 for n, (c, _) in names.items())


def _mnist_shapes(prefix_names) -> dict:
    train_img, train_lbl, test_img, test_lbl = prefix_names
    return {train_img: (60000, 28, 28), train_lbl: (60000,), test_img: (10000, 28, 28), test_lbl: (10000,)}


def _as_split(arrays) -> tuple[np.ndarray, ...]:
    x_train, y_train, x_test, y_test = arrays
    return x_train, y_train.astype(np.int64), x_test, y_test.astype(np.int64)


@fill_doc
def load_mnist(data_dir: str | os.PathLike | None = None, download: bool = True, mirrors=MNIST_MIRRORS):
    """MNIST: (60000, 28, 28) training and (10000, 28, 28) test images, uint8, with labels.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        A folder with the four idx files (``.gz`` or not), searched first.
    download : bool, default True
        Download the files into the cache if no folder has them.
    mirrors : tuple of str
        Base URLs to download from, in order.

    %(split_returns)s

    Raises
    ------
    DatasetNotFoundError
        If no folder has the files and they could not be downloaded.
    DatasetError
        If a file is corrupt (its checksum or its header).
    """
    folders = [Path(p) for p in (data_dir, os.environ.get(ENV_VAR)) if p] + [cache_dir() / "mnist"]
    arrays = _load_idx_set("MNIST", MNIST_FILES, folders, cache_dir() / "mnist" if download else None,
                           mirrors, _mnist_shapes(list(MNIST_FILES)), ENV_VAR,
                           "." if download else ", or allow download=True on a machine with internet.")
    return _as_split(arrays)


@fill_doc
def load_fashion_mnist(data_dir: str | os.PathLike | None = None):
    """Fashion-MNIST, in MNIST's format.

    Searched in ``data_dir``, ``$STDPLAB_FASHION_DATA`` (``FASHION_ENV_VAR``) and /usr/share/datasets/fashion-mnist,
    where Debian's ``dataset-fashion-mnist`` installs it; never downloaded.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        A folder with the four idx files, searched first.

    %(split_returns)s

    Raises
    ------
    DatasetNotFoundError
        If no folder has the files.
    """
    folders = [Path(p) for p in (data_dir, os.environ.get(FASHION_ENV_VAR)) if p] + [FASHION_MNIST_DIR]
    names = {n: (None, None) for n in MNIST_FILES}
    arrays = _load_idx_set("Fashion-MNIST", names, folders, None, (), _mnist_shapes(list(names)), FASHION_ENV_VAR,
                           ", or on Debian/Ubuntu: apt-get install dataset-fashion-mnist")
    return _as_split(arrays)


@fill_doc
def load_digits(test_fraction: float = 0.25, random_state: int = 0):
    """scikit-learn's bundled 8x8 digits (1797 images, no download), scaled from 0..16 to 0..255.

    Split into training and test sets, stratified, reproducibly.

    Parameters
    ----------
    test_fraction : float, default 0.25
        The share of the images in the test set.
    random_state : int, default 0
        Seeds the split.

    %(split_returns)s
    """
    from sklearn.datasets import load_digits as sk_load_digits
    from sklearn.model_selection import train_test_split

    digits = sk_load_digits()
    images = np.round(digits.images * (255.0 / 16.0)).astype(np.uint8)
    x_train, x_test, y_train, y_test = train_test_split(
        images, digits.target.astype(np.int64), test_size=test_fraction, random_state=random_state,
        stratify=digits.target)
    return x_train, y_train, x_test, y_test


LOADERS = {"mnist": load_mnist, "fashion_mnist": load_fashion_mnist, "digits": load_digits}

# Network parameters that suit a dataset better than the paper's 28x28 defaults. With 64 inputs the
# paper's weight sum (78) would push every weight to its maximum of 1; these values were chosen by a
# small search (50 neurons, all 1347 training digits: 63 % test accuracy; the paper's: chance).
SUGGESTED_PARAMETERS = {"digits": {"weight_total": 25.5, "input_rate_scale": 0.5}}


def with_suggested_parameters(name: str | None, **params) -> dict:
    """``DiehlCook2015`` keywords for a dataset: those given, the dataset's suggestions for the rest.

    Parameters
    ----------
    name : str or None
        The dataset (a key of ``LOADERS``); None suggests nothing.
    **params
        Keywords given; those that are None count as left out.

    Returns
    -------
    dict
        ``SUGGESTED_PARAMETERS[name]`` updated with the given keywords that are not None.

    Examples
    --------
    >>> with_suggested_parameters("digits", input_rate_scale=1.0)
    {'weight_total': 25.5, 'input_rate_scale': 1.0}
    """
    if name is not None and name not in LOADERS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(LOADERS)}")
    return {**SUGGESTED_PARAMETERS.get(name, {}), **{k: v for k, v in params.items() if v is not None}}


def load(name: str, data_dir: str | os.PathLike | None = None, **kwargs):
    """Load a dataset by name.

    Parameters
    ----------
    name : {"mnist", "fashion_mnist", "digits"}
        The dataset.
    data_dir : str or os.PathLike, optional
        The folder of idx files; the digits ship with scikit-learn and have none, so they ignore it.
    **kwargs
        Further keywords of the dataset's loader.

    Returns
    -------
    tuple of numpy.ndarray
        ``x_train, y_train, x_test, y_test``: images (n, height, width) uint8 in [0, 255], labels int64.

    Raises
    ------
    ValueError
        For an unknown name.
    DatasetError
        If the data is missing or corrupt (the loader's).
    """
    if name not in LOADERS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(LOADERS)}")
    if name != "digits":
        kwargs["data_dir"] = data_dir
    return LOADERS[name](**kwargs)
