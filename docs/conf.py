"""Sphinx configuration of stdplab's site.

Build (from the repository root, warnings are errors):

    .venv/bin/python -m sphinx -W --keep-going -b html docs docs/_build/html
"""
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "_ext"))

import apipages  # noqa: E402
import stdplab  # noqa: E402

project = "stdplab"
author = "the stdplab authors"
copyright = "2026, the stdplab authors"
release = version = stdplab.__version__

extensions = [
    "myst_nb",  # Markdown pages (MyST) and the notebooks, not executed
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
]

# The API pages and the import graph, written from the package (docs/_ext/apipages.py).
apipages.write_pages(DOCS)

# The lessons: the notebooks of notebooks/, copied beside their pages (stored without outputs; not run).
_lessons = DOCS / "lessons" / "notebooks"
_lessons.mkdir(parents=True, exist_ok=True)
for _nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
    _copy = _lessons / _nb.name
    if not _copy.exists() or _copy.read_bytes() != _nb.read_bytes():
        shutil.copyfile(_nb, _copy)
for _copy in _lessons.glob("*.ipynb"):  # a notebook renamed or removed since the last build
    if not (ROOT / "notebooks" / _copy.name).exists():
        _copy.unlink()

exclude_patterns = ["_build", "_ext", "api/import_graph.md", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
templates_path = []

# MyST and myst-nb
myst_enable_extensions = ["colon_fence", "dollarmath", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "off"
nb_merge_streams = True

# autodoc and numpydoc. Every docstring autodoc renders is validated; a failed check is a warning,
# so an error under -W (tests/test_docstrings.py runs the same checks without Sphinx). Records
# (dataclasses that functions return) list their fields under Attributes, not as constructor
# parameters, and say so with ``# numpydoc ignore=PR01`` on their class line.
numpydoc_validation_checks = {
    "GL06",  # unknown section
    "GL07",  # sections out of order
    "GL08",  # no docstring
    "PR01",  # a parameter not documented
    "PR02",  # a documented parameter the signature lacks
    "PR03",  # parameters documented out of order
    "PR04",  # a parameter without a type
    "PR10",  # "name: type" without the space before the colon
    "RT01",  # no Returns section where the function returns something
    "YD01",  # no Yields section in a generator
}
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"
autosummary_generate = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
nitpicky = False

html_theme = "pydata_sphinx_theme"
html_title = "stdplab"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"changelog": [], "index": []}


def _skip_foreign_members(app, what, name, obj, skip, options):
    """Leave out what a class inherits from scikit-learn (get_params, set_fit_request, ...)."""
    module = getattr(obj, "__module__", None) or ""
    if what == "class" and callable(obj) and module and not module.startswith("stdplab"):
        return True
    return None


def _drop_type_docstrings(app, what, name, obj, options, lines):
    """A constant without a docstring of its own would show its type's (a tuple's, a dict's)."""
    if what in ("data", "attribute"):
        doc = type(obj).__doc__  # a slot, not a string, for some types (a named tuple's fields)
        own = doc.strip().splitlines() if isinstance(doc, str) else []
        text = [line.strip() for line in lines if line.strip()]
        if own and text and text[0] == own[0].strip():
            lines.clear()


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_members)
    app.connect("autodoc-process-docstring", _drop_type_docstrings)
