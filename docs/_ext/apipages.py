"""Write the API reference pages and the import graph from the package itself.

Called from ``docs/conf.py`` before Sphinx looks for source files. For every module of
``MODULES`` (the package's public modules) it writes ``api/<module>.rst`` (git-ignored): the module's
docstring, a summary table of its public names and each name documented by autodoc. A public
name is one in the module's ``__all__`` or, without one, a top-level function, class or
UPPER_CASE constant whose name does not start with an underscore. Names a module only re-exports
are linked to the module that defines them, never documented twice.

The import graph covers every module of the package, the private ones (``_docstrings``) too. A
module of ``MODULES`` the package lacks, a public module of the package missing from ``MODULES``
and an import cycle are errors.
"""
from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import pkgutil
from pathlib import Path

PACKAGE = "stdplab"

# The public modules: (group title, [(module, what it holds)]), in the order the pages are listed.
MODULES = [
    ("The model", [
        ("parameters", "every constant of the paper, its default, unit and domain; the size table of θ+"),
        ("rules", "the four STDP rules as Brian 2 equation strings"),
        ("network", "the Brian 2 groups and synapses, equations as in the paper"),
    ]),
    ("Running it", [
        ("standalone", "generic Brian 2 standalone machinery: build once per shape, rerun with run_args"),
        ("code_rewrites", "faster loops in the C++ Brian generates, with the same results"),
        ("simulator", "the Diehl & Cook network compiled: chunks of examples, delay order, spike queue"),
        ("estimator", "DiehlCook2015, the scikit-learn estimator"),
        ("pretrained", "the trained networks that ship: manifests, SHA-256 checks, DiehlCook2015.pretrained"),
        ("readout", "label assignment, voting, the linear readout and scoring"),
        ("encoding", "images to Poisson rates; pixels in [0, 1]"),
        ("datasets", "MNIST, Fashion-MNIST and digits: idx files, checksums, download and cache"),
        ("cache", "where compiled networks and downloaded datasets are kept"),
    ]),
    ("Runs and what they write", [
        ("experiment", "a whole run with checkpoints, resume and partial stops"),
        ("records", "atomic writes, metrics files, where a notebook writes, a file's SHA-256"),
        ("provenance", "where a result came from: the command, the commit and the environment"),
    ]),
    ("Counting, energy and conversion", [
        ("counting", "operation counts in NeuroBench's units"),
        ("energy", "hardware presets and energy estimates per image"),
        ("metering", "the lab's own compute, measured by codecarbon"),
        ("studies", "measure_snn, train_conventional, compare, label_efficiency: studies built on the rest"),
        ("conversion", "ANN→SNN conversion of a fitted ReLU MLP"),
        ("sharpening", "Whetstone sharpening in Keras 3 (the [deep] extra): bRELU, Sharpener, output code, export"),
        ("threshold_network", "networks of binary threshold units (sharpened networks) on Brian 2 standalone"),
    ]),
    ("The lab around it", [
        ("plots", "figures"),
        ("probes", "small simulations for teaching"),
        ("sweep", "papermill sweeps over a parameter grid"),
        ("cli", "the command line: train, sweep and status"),
        ("live", "the live training view"),
        ("progress", "progress bars"),
        ("hints", "'did you mean' hints"),
        ("exercises", "checks for the lessons' exercises"),
        ("course", "the lessons as an nbgrader course: release, hand in, autograde, rubric"),
        ("kernel_replies", "waiting for Jupyter kernel replies in slices, so that none is missed"),
    ]),
]


def _package_modules() -> list[str]:
    """Every module of the package, private ones included."""
    return [m.name for m in pkgutil.iter_modules(importlib.import_module(PACKAGE).__path__)]


def _public_names(modname: str):
    """(documented here: [(kind, name)], re-exported: [(name, home module)])."""
    mod = importlib.import_module(modname)
    source = Path(inspect.getsourcefile(mod)).read_text(encoding="utf-8")
    tree = ast.parse(source)
    constants = []
    for node in tree.body:
        targets = []
        if isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets = [node.target.id]
        constants += [t for t in targets if t.isupper() and not t.startswith("_")]
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [n for n, o in vars(mod).items()
                 if not n.startswith("_") and (inspect.isclass(o) or inspect.isfunction(o))
                 and getattr(o, "__module__", None) == modname]
        names += [c for c in constants if c not in names]
    here, elsewhere = [], []
    for name in names:
        obj = getattr(mod, name)
        home = getattr(obj, "__module__", None) if (inspect.isclass(obj) or inspect.isfunction(obj)) else None
        if home is not None and home != modname:
            elsewhere.append((name, home))
        elif inspect.isclass(obj):
            kind = "exception" if issubclass(obj, BaseException) else "class"
            here.append((kind, name))
        elif inspect.isfunction(obj):
            here.append(("function", name))
        elif name in constants:
            here.append(("data", name))
        else:  # an imported non-class object (a module, an instance defined elsewhere)
            elsewhere.append((name, None))
    return here, elsewhere


def _module_page(module: str) -> str:
    modname = f"{PACKAGE}.{module}"
    here, elsewhere = _public_names(modname)
    title = f"``{modname}``"
    lines = [title, "=" * len(title), "", f".. automodule:: {modname}", "   :no-members:", "",
             f".. currentmodule:: {modname}", ""]
    if here:
        lines += [".. autosummary::", "   :nosignatures:", ""]
        lines += [f"   {name}" for _, name in here]
        lines += [""]
    if elsewhere:
        links = ", ".join(f":py:obj:`{name} <{home}.{name}>`" if home else f"``{name}``"
                          for name, home in elsewhere)
        lines += [f"Also importable from here: {links}.", ""]
    sections = [("Classes", ("class",)), ("Exceptions", ("exception",)),
                ("Functions", ("function",)), ("Constants", ("data",))]
    for heading, kinds in sections:
        members = [(k, n) for k, n in here if k in kinds]
        if not members:
            continue
        lines += [heading, "-" * len(heading), ""]
        for kind, name in members:
            if kind in ("class", "exception"):
                lines += [f".. auto{kind}:: {name}", "   :members:", "   :show-inheritance:", ""]
            elif kind == "function":
                lines += [f".. autofunction:: {name}", ""]
            else:
                lines += [f".. autodata:: {name}", "   :no-value:", ""]
    return "\n".join(lines)


def _package_page() -> str:
    mod = importlib.import_module(PACKAGE)
    links = []
    for name in getattr(mod, "__all__", []):
        obj = getattr(mod, name)
        target = obj.__name__ if inspect.ismodule(obj) else f"{obj.__module__}.{name}"
        role = "py:mod" if inspect.ismodule(obj) else "py:obj"
        links.append(f"- :{role}:`{PACKAGE}.{name} <{target}>`")
    title = f"``{PACKAGE}``"
    return "\n".join([title, "=" * len(title), "", f".. automodule:: {PACKAGE}", "   :no-members:", "",
                      "Importable from the package itself:", ""] + links + [""])


def _index_page() -> str:
    lines = ["API reference", "=============", "",
             "Every public name of every module, from its docstring. The pages are written by",
             "``docs/_ext/apipages.py`` at each build from the package itself.", "",
             ".. toctree::", "   :maxdepth: 1", "   :hidden:", "", "   stdplab"]
    lines += [f"   {m}" for _, mods in MODULES for m, _ in mods]
    lines += ["", "- :doc:`stdplab` — the package: ``DiehlCook2015``, ``Parameters`` and a few modules", ""]
    for group, mods in MODULES:
        lines += [group, "-" * len(group), ""]
        lines += [f"- :doc:`{m}` — {what}" for m, what in mods]
        lines.append("")
    return "\n".join(lines)


def _imports(module: str, present: set[str]) -> set[str]:
    """The modules of the package that ``module`` imports (top-level or inside functions)."""
    spec = importlib.util.find_spec(f"{PACKAGE}.{module}")
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 1:
                found.update(a.name for a in node.names)
            elif node.module and node.module.startswith(PACKAGE + "."):
                found.add(node.module.split(".")[1])
            elif node.module == PACKAGE:
                found.update(a.name for a in node.names)
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith(PACKAGE + "."):
                    found.add(a.name.split(".")[1])
    return {m for m in found if m in present and m != module}


def import_graph(present: list[str]) -> str:
    """A Markdown page fragment: layers of the import graph and a table of imports.

    Raises RuntimeError naming the modules of an import cycle, where there is one.
    """
    deps = {m: _imports(m, set(present)) for m in present}
    layer: dict[str, int] = {}

    def depth(m, path=()):
        if m in path:
            cycle = " -> ".join(path[path.index(m):] + (m,))
            raise RuntimeError(f"an import cycle in {PACKAGE} (imports inside functions count): {cycle}")
        if m not in layer:
            layer[m] = 1 + max((depth(n, path + (m,)) for n in deps[m]), default=-1)
        return layer[m]

    for m in present:
        depth(m)
    by_layer: dict[int, list[str]] = {}
    for m in present:
        by_layer.setdefault(layer[m], []).append(m)
    out = ["Layers (a module imports only modules of lower layers):", "", "```text"]
    for d in sorted(by_layer):
        out.append(f"{d}: " + ", ".join(sorted(by_layer[d])))
    out += ["```", "", "| module | imports (within the package) | imported by |", "|---|---|---|"]
    for m in sorted(present, key=lambda m: (layer[m], m)):
        users = sorted(u for u in present if m in deps[u])
        out.append(f"| `{m}` | {', '.join(f'`{d}`' for d in sorted(deps[m])) or '–'} | "
                   f"{', '.join(f'`{u}`' for u in users) or '–'} |")
    return "\n".join(out) + "\n"


def _write(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_pages(docs: Path) -> None:
    """Write the API pages of the public modules and the import graph of every module.

    Raises RuntimeError if ``MODULES`` and the package's public modules differ, or on an import cycle.
    """
    modules = _package_modules()
    public = [m for _, mods in MODULES for m, _ in mods]
    missing = [m for m in public if m not in modules]
    unlisted = [m for m in modules if not m.startswith("_") and m not in public]
    if missing:
        raise RuntimeError(f"docs/_ext/apipages.py: MODULES names modules {PACKAGE} does not have: {missing}")
    if unlisted:
        raise RuntimeError(f"docs/_ext/apipages.py: public modules of {PACKAGE} missing from MODULES "
                           f"(they would get no API page): {unlisted}")
    out = docs / "api"
    out.mkdir(parents=True, exist_ok=True)
    for m in public:
        _write(out / f"{m}.rst", _module_page(m))
    _write(out / "stdplab.rst", _package_page())
    _write(out / "index.rst", _index_page())
    _write(out / "import_graph.md", import_graph(modules))
    for stale in out.glob("*.rst"):
        if stale.stem not in set(public) | {"stdplab", "index"}:
            stale.unlink()
