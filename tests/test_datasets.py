import gzip
import hashlib
import http.server
import os
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from stdplab import datasets
from stdplab.datasets import DatasetError, DatasetNotFoundError, MNIST_FILES, parse_idx

SHARED = Path(os.environ["STDPLAB_DATA"])  # conftest's default: the shared folder beside the repository


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def test_parse_idx_round_trip():
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    np.testing.assert_array_equal(parse_idx(idx_bytes(array), (2, 3, 4)), array)


@pytest.mark.parametrize("mutate, message", [
    (lambda b: b"\x01" + b[1:], "magic"),
    (lambda b: b[:-1], "truncated"),
    (lambda b: b + b"\x00", "truncated or corrupt"),
    (lambda b: b[:2] + b"\x42" + b[3:], "data type"),
])
def test_parse_idx_rejects_bad_files(mutate, message):
    good = idx_bytes(np.zeros((2, 3), np.uint8))
    with pytest.raises(DatasetError, match=message):
        parse_idx(mutate(good), (2, 3))


def test_parse_idx_checks_expected_shape():
    with pytest.raises(DatasetError, match="expected"):
        parse_idx(idx_bytes(np.zeros((2, 3), np.uint8)), (3, 2))


def test_load_mnist_from_shared_folder():
    x_train, y_train, x_test, y_test = datasets.load_mnist(SHARED, download=False)
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert set(np.unique(y_train)) == set(range(10))
    assert x_train.max() == 255 and x_train.min() == 0


def test_environment_variable_names_the_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("STDPLAB_DATA", str(SHARED))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert datasets.load_mnist(download=False)[0].shape == (60000, 28, 28)


def test_missing_data_error_names_folders_and_fix(monkeypatch, tmp_path):
    monkeypatch.delenv("STDPLAB_DATA", raising=False)
    monkeypatch.delenv("STDPLAB_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(DatasetNotFoundError) as error:
        datasets.load_mnist(tmp_path / "empty", download=False)
    text = str(error.value)
    assert str(tmp_path / "empty") in text and "STDPLAB_DATA" in text and "data_dir" in text
    assert str(tmp_path / "cache") in text


def test_stdplab_cache_holds_the_downloads_as_it_holds_the_builds(monkeypatch, tmp_path):
    from stdplab.cache import cache_dir

    monkeypatch.delenv("STDPLAB_DATA", raising=False)
    monkeypatch.setenv("STDPLAB_CACHE", str(tmp_path / "lab"))
    assert cache_dir() == tmp_path / "lab"
    with pytest.raises(DatasetNotFoundError) as error:
        datasets.load_mnist(tmp_path / "empty", download=False)
    assert str(tmp_path / "lab" / "mnist") in str(error.value)
    monkeypatch.delenv("STDPLAB_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "stdplab"


def test_corrupt_file_fails_its_checksum(monkeypatch, tmp_path):
    monkeypatch.delenv("STDPLAB_DATA", raising=False)
    for name in MNIST_FILES:
        shutil.copy(SHARED / f"{name}.gz", tmp_path / f"{name}.gz")
    broken = tmp_path / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(broken.read_bytes())
    data[100] ^= 0xFF
    broken.write_bytes(bytes(data))
    with pytest.raises(DatasetError, match="checksum"):
        datasets.load_mnist(tmp_path, download=False)


class _Server:
    def __init__(self, folder):
        handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(folder), **k)  # noqa: E731
        http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


def test_download_verifies_and_caches(monkeypatch, tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    for name in MNIST_FILES:
        shutil.copy(SHARED / f"{name}.gz", served / f"{name}.gz")
    monkeypatch.delenv("STDPLAB_DATA", raising=False)
    monkeypatch.delenv("STDPLAB_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    server = _Server(served)
    try:
        x_train, y_train, x_test, y_test = datasets.load_mnist(mirrors=(server.url,))
    finally:
        server.close()
    assert x_train.shape == (60000, 28, 28) and y_test.shape == (10000,)
    cached = tmp_path / "cache" / "stdplab" / "mnist"
    for name, (sha256, size) in MNIST_FILES.items():
        raw = (cached / f"{name}.gz").read_bytes()
        assert len(raw) == size and hashlib.sha256(raw).hexdigest() == sha256
    # Now cached: no server needed.
    assert datasets.load_mnist(download=False)[1].shape == (60000,)


def test_download_rejects_a_tampered_file(monkeypatch, tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    for name in MNIST_FILES:
        shutil.copy(SHARED / f"{name}.gz", served / f"{name}.gz")
    (served / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(b"not mnist"))
    monkeypatch.delenv("STDPLAB_DATA", raising=False)
    monkeypatch.delenv("STDPLAB_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    server = _Server(served)
    try:
        with pytest.raises(DatasetNotFoundError, match="checksum mismatch"):
            datasets.load_mnist(mirrors=(server.url,))
    finally:
        server.close()
    assert not (tmp_path / "cache" / "stdplab" / "mnist" / "t10k-labels-idx1-ubyte.gz").exists()


def test_load_digits_needs_no_download():
    x_train, y_train, x_test, y_test = datasets.load_digits()
    assert x_train.shape[1:] == (8, 8) and x_train.dtype == np.uint8 and x_train.max() == 255
    assert len(x_train) + len(x_test) == 1797
    assert set(np.unique(y_test)) == set(range(10))


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="mnist, fashion_mnist, digits"):
        datasets.load("cifar")


@pytest.mark.skipif(not datasets.FASHION_MNIST_DIR.exists(), reason="apt-get install dataset-fashion-mnist")
def test_load_fashion_mnist_from_the_debian_package():
    x_train, y_train, x_test, y_test = datasets.load_fashion_mnist()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert list(y_train[:5]) == [9, 0, 0, 3, 0]  # ankle boot, T-shirt, T-shirt, dress, T-shirt


def test_fashion_mnist_missing_says_which_package(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "FASHION_MNIST_DIR", tmp_path / "none")
    monkeypatch.delenv(datasets.FASHION_ENV_VAR, raising=False)
    with pytest.raises(DatasetNotFoundError, match="dataset-fashion-mnist") as raised:
        datasets.load_fashion_mnist(tmp_path)
    # The fix names the variable this loader reads, and no download, which it never tries.
    message = str(raised.value)
    assert f"{datasets.FASHION_ENV_VAR}=FOLDER" in message and "download" not in message.lower()
