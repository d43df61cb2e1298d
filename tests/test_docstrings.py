"""Every public function, class, method and property of stdplab has a numpydoc docstring that passes
the checks the documentation build enforces (``numpydoc_validation_checks`` in docs/conf.py): the
same rules, in a second rather than a whole Sphinx build."""
import ast
from pathlib import Path

import pytest

validate = pytest.importorskip("numpydoc.validate").validate

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "stdplab"


def _checks() -> set:
    """The set assigned to ``numpydoc_validation_checks`` in docs/conf.py."""
    tree = ast.parse((ROOT / "docs" / "conf.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "numpydoc_validation_checks"
                                                for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("docs/conf.py sets no numpydoc_validation_checks")


def public_names() -> list[str]:
    """Dotted names of the public functions and classes of every public module, and of the public
    methods and properties of those classes, found in the source with ``ast``."""
    names = []
    for path in sorted(PACKAGE.glob("*.py")):
        if path.stem.startswith("_"):
            continue
        module = f"stdplab.{path.stem}"
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, (ast.FunctionDef, ast.ClassDef)) or node.name.startswith("_"):
                continue
            names.append(f"{module}.{node.name}")
            if isinstance(node, ast.ClassDef):
                names += [f"{module}.{node.name}.{item.name}" for item in node.body
                          if isinstance(item, ast.FunctionDef) and not item.name.startswith("_")]
    return names


def test_the_scan_finds_the_main_entry_points():
    names = public_names()
    assert {"stdplab.estimator.DiehlCook2015", "stdplab.estimator.DiehlCook2015.fit",
            "stdplab.plots.receptive_fields", "stdplab.course.main"} <= set(names)
    assert not any(".__init__" in name or "._" in name for name in names)


def test_every_public_docstring_passes_the_docs_checks():
    checks = _checks()
    assert {"PR01", "PR02", "RT01"} <= checks
    failures = []
    for name in public_names():
        errors = [f"{code} {message}" for code, message in validate(name)["errors"] if code in checks]
        failures += [f"{name}: {error}" for error in errors]
    assert not failures, "\n".join(failures)
