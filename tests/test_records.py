"""Provenance: which commit a result came from; arrays written atomically."""
import subprocess
import zipfile

import numpy as np

from stdplab.provenance import git_commit
from stdplab.records import save_npz


def test_git_commit_names_the_checkout_and_says_when_its_code_differs_from_it(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))  # tmp_path is no checkout's
    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path, check=True,
                       capture_output=True)

    assert git_commit(tmp_path) is None  # not a checkout
    git("init")
    (tmp_path / "stdplab").mkdir()
    (tmp_path / "stdplab" / "code.py").write_text("a = 1\n")
    (tmp_path / "README.md").write_text("notes\n")
    git("add", ".")
    git("commit", "-m", "first")
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=tmp_path, capture_output=True,
                          text=True).stdout.strip()
    assert git_commit(tmp_path) == head
    (tmp_path / "stdplab" / "new.py").write_text("untracked files are not the code")
    (tmp_path / "README.md").write_text("a document is not the code\n")
    assert git_commit(tmp_path) == head
    (tmp_path / "stdplab" / "code.py").write_text("a = 2\n")
    assert git_commit(tmp_path) == f"{head}-dirty"
    assert git_commit(tmp_path / "stdplab") == f"{head}-dirty"  # from anywhere in the checkout


def test_save_npz_stores_the_named_arrays_uncompressed_and_reads_back_every_one(tmp_path):
    arrays = {"weights": np.random.default_rng(0).random((30, 20)), "counts": np.zeros((50, 20), np.int32),
              "meta": np.array('{"a": 1}')}
    save_npz(tmp_path / "model.npz", stored=("weights",), **arrays)
    with zipfile.ZipFile(tmp_path / "model.npz") as archive:
        methods = {member.filename: member.compress_type for member in archive.infolist()}
    assert methods == {"weights.npy": zipfile.ZIP_STORED, "counts.npy": zipfile.ZIP_DEFLATED,
                       "meta.npy": zipfile.ZIP_DEFLATED}
    with np.load(tmp_path / "model.npz") as loaded:
        assert sorted(loaded.files) == sorted(arrays)
        for name, array in arrays.items():
            np.testing.assert_array_equal(loaded[name], array)
            assert loaded[name].dtype == array.dtype
    save_npz(tmp_path / "again.npz", stored=("weights",), **arrays)  # the same arrays, the same bytes
    assert (tmp_path / "again.npz").read_bytes() == (tmp_path / "model.npz").read_bytes()
