"""Provenance: which commit a result came from."""
import subprocess

from stdplab.records import git_commit


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
