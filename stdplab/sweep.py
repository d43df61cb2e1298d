"""Parameter sweeps: run a notebook over a grid of parameters with papermill, collect one table.

``run_sweep(notebook, grid, out)`` executes the notebook once per combination of the grid's values
(the *points*), each under papermill into its own folder ``out/points/<id>/`` (the executed
notebook, and everything the notebook writes: its ``output_dir`` parameter points there). Each
point's metrics are read from the ``*_metrics.json`` files the notebook writes there
(``stdplab.records.save_metrics``) and go into one table, ``out/results.csv`` (and
``out/results.parquet`` when pyarrow is installed), rewritten atomically after every point:

    point, status, <parameters>, <metrics>, wall_time_s, error, notebook, finished

``status`` is ``ok`` or ``failed``; a failed point keeps its error message and the path of its
executed (failed) notebook, and the other points go on. Each point's compute, measured by
codecarbon around its whole execution (``metering.ComputeMeter``), goes into ``point_compute.*``
columns; the sweep's own total, measured once around all its points, into ``out/sweep.json``
(``compute_total``). Points recorded ``ok`` are skipped when
the same sweep runs again, so an interrupted sweep resumes where it stopped; failed points run
again. Names and value types are checked against the notebook's ``parameters`` cell before
anything runs.

Points run in local processes (``jobs`` at a time), or on a Dask distributed cluster
(``dask_address`` or ``client``; the workers must see ``out`` and the notebook at the same paths).
Compiled networks are cached per network shape by ``stdplab.simulator`` (under a file lock, shared
by every process on the machine), so points that differ only in run-time parameters reuse one
binary.

The command line (in ``stdplab.cli``) is ``python -m stdplab sweep NOTEBOOK --grid NAME=V1,V2 ... --out DIR``;
the figure of a sweep's table is ``stdplab.plots.sweep``.
"""
from __future__ import annotations

import ast
import hashlib
import itertools
import json
import math
import os
import re
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .metering import ComputeCost, ComputeMeter
from .hints import did_you_mean
from .progress import progress_bar
from .records import atomic_write, write_json

RESERVED = ("point", "status", "wall_time_s", "error", "notebook", "finished")
TABLE = "results.csv"
_NO_DEFAULT = object()


# --- the notebook's parameters cell -----------------------------------------------------------
@dataclass(frozen=True)
class NotebookParameter:
    """One assignment of a notebook's ``parameters`` cell: name, literal default, annotation."""

    name: str
    default: Any = _NO_DEFAULT   # _NO_DEFAULT when the value is not a Python literal
    annotation: str | None = None

    def types(self) -> tuple[type, ...] | None:
        """Accepted value types (``type(None)`` among them where None is allowed); None: any."""
        if self.annotation:
            types = _annotation_types(self.annotation)
            if types is not None:
                return types
        if self.default is _NO_DEFAULT or self.default is None:
            return None
        if isinstance(self.default, bool):
            return (bool,)
        if isinstance(self.default, int):
            return (int,)
        if isinstance(self.default, float):
            return (float, int)
        if isinstance(self.default, (list, tuple)):
            return (list, tuple)
        return (type(self.default),)

    def check(self, value):
        """``value`` if it fits (an int given for a float becomes a float), else ValueError."""
        types = self.types()
        if types is None:
            return value
        if isinstance(value, bool) and bool not in types:
            ok = False
        else:
            ok = isinstance(value, types)
        if not ok:
            expected = " or ".join("None" if t is type(None) else t.__name__ for t in types)
            shown = f"default {self.default!r}" if self.default is not _NO_DEFAULT else "no literal default"
            raise ValueError(f"parameter {self.name!r} takes {expected} ({shown} in the parameters cell),"
                             f" got {value!r} ({type(value).__name__})")
        if type(value) is int and float in types and type(self.default) is not int \
                and "int" not in (self.annotation or ""):
            return float(value)  # a float parameter: inject 1.0, not 1
        return value


_TYPE_NAMES = {"int": int, "float": float, "str": str, "bool": bool, "list": list, "tuple": tuple,
               "dict": dict, "None": type(None), "NoneType": type(None)}


def _annotation_types(annotation: str) -> tuple[type, ...] | None:
    text = annotation.replace(" ", "")
    match = re.fullmatch(r"(?:typing\.)?Optional\[(.+)\]", text)
    parts = (match.group(1) + "|None").split("|") if match else text.split("|")
    types = []
    for part in parts:
        part = re.sub(r"\[.*\]$", "", part)  # list[int] -> list
        if part not in _TYPE_NAMES:
            return None  # an annotation we do not understand: no check
        types.append(_TYPE_NAMES[part])
    if float in types and int not in types:
        types.append(int)
    return tuple(types)


def notebook_parameters(notebook) -> dict[str, NotebookParameter]:
    """The assignments of the notebook's cell tagged ``parameters``, by name, in order.

    Raises ValueError when the notebook has no such cell. A cell that is not plain Python (magics)
    falls back to ``papermill.inspect_notebook``.
    """
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        raise ValueError(f"{notebook} has no cell tagged 'parameters', so it cannot be swept")
    params: dict[str, NotebookParameter] = {}
    for cell in cells:
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            import papermill

            for name, info in papermill.inspect_notebook(str(notebook)).items():
                annotation = info.get("inferred_type_name")
                params[name] = NotebookParameter(name, _literal_text(info.get("default")),
                                                 None if annotation in (None, "None") else annotation)
            return params
        for node in tree.body:
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                default = _literal(node.value) if node.value is not None else _NO_DEFAULT
                params[node.target.id] = NotebookParameter(node.target.id, default,
                                                           ast.unparse(node.annotation))
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        params[target.id] = NotebookParameter(target.id, _literal(node.value))
                    elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple) \
                            and len(target.elts) == len(node.value.elts):
                        for name, value in zip(target.elts, node.value.elts):
                            if isinstance(name, ast.Name):
                                params[name.id] = NotebookParameter(name.id, _literal(value))
    return params


def _literal(node):
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NO_DEFAULT


def _literal_text(text):
    try:
        return ast.literal_eval(text) if text is not None else _NO_DEFAULT
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NO_DEFAULT


# --- the grid ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Point:
    id: str
    params: dict        # grid values and fixed parameters, as injected (output_dir comes on top)
    swept: dict         # the grid values only


def _plain(value):
    """numpy scalars to Python ones (papermill and JSON want plain values)."""
    item = getattr(value, "item", None)
    if item is not None and getattr(value, "shape", None) == ():
        return item()
    return value


def _scalar(value):
    """A table cell as a JSON value: numpy scalars as Python ones, NaN (an empty cell) as None."""
    value = _plain(value)
    return None if isinstance(value, float) and math.isnan(value) else value


def point_id(swept: dict, params: dict) -> str:
    """A stable, readable folder name: the swept values, then a hash of every injected value."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=repr).encode()).hexdigest()[:10]
    slug = "_".join(f"{name}-{value}" for name, value in sorted(swept.items()))
    slug = re.sub(r"[^A-Za-z0-9.=+-]+", "_", slug).strip("_.")[:80]
    return f"{slug}-{digest}" if slug else digest


def expand_grid(notebook, grid: dict, fixed_params: dict | None = None) -> list[Point]:
    """Every combination of the grid's values (in the grid's order) on top of ``fixed_params``,
    checked against the notebook's parameters cell. Raises ValueError on an unknown name or a
    value of the wrong type, before anything runs."""
    spec = notebook_parameters(notebook)
    grid = dict(grid or {})
    fixed = dict(fixed_params or {})
    if "output_dir" not in spec:
        raise ValueError(f"{notebook} has no 'output_dir' parameter; the sweep needs one to collect"
                         f" each point's metrics. Its parameters: {', '.join(spec) or 'none'}")
    for name in ("output_dir",):
        if name in grid or name in fixed:
            raise ValueError(f"{name!r} is set by the sweep (each point writes into its own folder)")
    both = set(grid) & set(fixed)
    if both:
        raise ValueError(f"parameter(s) both swept and fixed: {', '.join(sorted(both))}")
    unknown = [name for name in [*grid, *fixed] if name not in spec]
    if unknown:
        hints = [repr(name) + did_you_mean(name, spec) for name in unknown]
        raise ValueError(f"unknown parameter(s) {', '.join(hints)} for {Path(notebook).name};"
                         f" valid names: {', '.join(spec)}")
    values = {}
    for name, choices in grid.items():
        if isinstance(choices, (str, bytes)) or not hasattr(choices, "__iter__"):
            choices = [choices]
        choices = [spec[name].check(_plain(v)) for v in choices]
        if not choices:
            raise ValueError(f"the grid gives no values for {name!r}")
        values[name] = choices
    fixed = {name: spec[name].check(_plain(value)) for name, value in fixed.items()}
    points, seen = [], set()
    for combination in itertools.product(*values.values()):
        swept = dict(zip(values, combination))
        params = {**swept, **fixed}
        pid = point_id(swept, params)
        if pid not in seen:
            seen.add(pid)
            points.append(Point(pid, params, swept))
    return points


# --- one point (runs in a worker process or on a Dask worker) -----------------------------------
def run_point(notebook: str, point_dir: str, params: dict, cwd: str | None = None,
              kernel_name: str | None = None, timeout: float | None = None) -> dict:
    """Execute ``notebook`` with ``params`` into ``point_dir``; returns the point's record.

    Never raises for a failure of the notebook: the record says ``failed`` with the error.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    point_dir = Path(point_dir)
    if point_dir.exists():  # left over from a failed or interrupted attempt
        shutil.rmtree(point_dir)
    point_dir.mkdir(parents=True)
    output = point_dir / Path(notebook).name
    record = {"status": "ok", "error": None, "notebook": str(output), "metrics": {}}
    start = time.perf_counter()
    # Metered here, around papermill, not inside the notebook: the point's work is the kernel's
    # start, imports, data, compilation and the compiled simulation (grandchild processes), and
    # only this process sees all of it. A failed point is metered too: its energy was spent.
    with ComputeMeter() as meter:
        try:
            papermill.execute_notebook(
                str(notebook), str(output), parameters={**params, "output_dir": str(point_dir) + os.sep},
                cwd=cwd, kernel_name=kernel_name, execution_timeout=timeout, progress_bar=False,
                log_output=False, stdout_file=None, stderr_file=None)
        except PapermillExecutionError as exc:
            record.update(status="failed", error=f"{exc.ename}: {exc.evalue}")
        except Exception as exc:  # the kernel died, timed out, could not start...
            record.update(status="failed", error=f"{type(exc).__name__}: {exc}".strip())
    record["wall_time_s"] = time.perf_counter() - start
    record["compute"] = meter.cost.as_dict()
    if record["status"] == "ok":
        try:
            record["metrics"] = read_metrics(point_dir)
        except (OSError, ValueError) as exc:
            record.update(status="failed", error=f"unreadable metrics: {exc}")
    record["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    write_json(point_dir / "point.json", {**record, "params": params})
    return record


def read_metrics(folder) -> dict:
    """The scalars of every ``*_metrics.json`` in ``folder``, flattened (``a.b`` for nested keys).

    With one metrics file the keys are used as they are; with several, each is prefixed by its
    file's name (``<name>.<key>`` for ``<name>_metrics.json``).
    """
    files = sorted(Path(folder).glob("*_metrics.json"))
    metrics = {}
    for path in files:
        prefix = path.name[: -len("_metrics.json")] + "." if len(files) > 1 else ""
        metrics.update(_flatten(json.loads(path.read_text()), prefix))
    return metrics


def _flatten(data, prefix="") -> dict:
    flat = {}
    if isinstance(data, dict):
        for key, value in data.items():
            flat.update(_flatten(value, f"{prefix}{key}."))
    elif data is None or isinstance(data, (bool, int, float, str)):
        flat[prefix[:-1]] = data
    return flat  # lists and other non-scalars are left out of the table


# --- the table ----------------------------------------------------------------------------------
def _row(point_id_: str, params: dict, record: dict) -> dict:
    row = {"point": point_id_, "status": record["status"], **params}
    for key, value in record.get("metrics", {}).items():
        row[f"metric.{key}" if key in row or key in RESERVED else key] = value
    row.update({f"point_compute.{key}": value for key, value in record.get("compute", {}).items()})
    row.update(wall_time_s=record.get("wall_time_s"), error=record.get("error"),
               notebook=record.get("notebook"), finished=record.get("finished"))
    return row


def _frame(rows: list[dict]):
    import pandas as pd

    columns = ["point", "status"]
    for row in rows:
        columns += [c for c in row if c not in columns and c not in RESERVED]
    columns += [c for c in RESERVED if c not in columns]
    return pd.DataFrame(rows, columns=columns)


def _read_table(out: Path) -> dict[str, dict]:
    import pandas as pd

    path = out / TABLE
    if not path.exists():
        return {}
    table = pd.read_csv(path, keep_default_na=False, na_values=[""])
    rows = {}
    for row in table.to_dict("records"):
        rows[str(row["point"])] = {k: _scalar(v) for k, v in row.items()}
    return rows


def _write_table(out: Path, rows: list[dict]) -> None:
    frame = _frame(rows)
    with atomic_write(out / TABLE) as tmp:
        frame.to_csv(tmp, index=False)
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return
    try:
        with atomic_write(out / "results.parquet") as tmp:
            frame.to_parquet(tmp, index=False)
    except Exception:  # mixed-type columns and the like: the CSV is the table of record
        pass


# --- the sweep ----------------------------------------------------------------------------------
def run_sweep(notebook, grid: dict, out, jobs: int = 2, client=None, dask_address: str | None = None,
              fixed_params: dict | None = None, progress: bool = True, kernel_name: str | None = None,
              timeout: float | None = None):
    """Run ``notebook`` at every combination of ``grid`` (name -> list of values) and return the
    table of those points (a pandas DataFrame, one row per point, in grid order).

    ``fixed_params`` are passed to every point. ``out`` gets ``results.csv`` (all points ever run
    there) and ``points/<id>/`` per point. Points already recorded ``ok`` are not run again.
    ``jobs`` local processes run points at once, unless ``client`` (a ``dask.distributed.Client``)
    or ``dask_address`` (a scheduler address) sends them to a Dask cluster. ``timeout`` is
    papermill's per-cell execution timeout in seconds; ``kernel_name`` overrides the notebook's.
    """
    notebook = Path(notebook).resolve()
    if not notebook.is_file():
        raise FileNotFoundError(f"no notebook {notebook}")
    points = expand_grid(notebook, grid, fixed_params)  # checks before anything runs
    out = Path(out).resolve()
    (out / "points").mkdir(parents=True, exist_ok=True)
    from filelock import FileLock, Timeout

    lock = FileLock(str(out / ".sweep.lock"))
    try:
        lock.acquire(timeout=1)
    except Timeout:
        raise RuntimeError(f"another sweep is running in {out}") from None
    try:
        _check_sweep_file(out, notebook)
        rows = _read_table(out)
        for point in points:  # a point finished after the table was last written
            if rows.get(point.id, {}).get("status") != "ok":
                saved = _read_point_record(out / "points" / point.id)
                if saved and saved.get("status") == "ok":
                    rows[point.id] = _row(point.id, point.params, saved)
        todo = [p for p in points if rows.get(p.id, {}).get("status") != "ok"]
        bar = progress_bar(len(points), "sweep", "point", initial=len(points) - len(todo), enabled=progress)
        failed = 0

        def finished(point, record):
            nonlocal failed
            rows[point.id] = _row(point.id, point.params, record)
            _write_table(out, _ordered(rows, points))
            failed += record["status"] != "ok"
            if bar is not None:
                bar.update(1)
                bar.set_postfix(failed=failed, refresh=False)

        _write_table(out, _ordered(rows, points))
        try:
            if todo:
                tasks = [(p, (str(notebook), str(out / "points" / p.id), p.params, str(notebook.parent),
                              kernel_name, timeout)) for p in todo]
                # One meter around all the points: codecarbon tracks the whole machine, so points
                # running at once each see the others' load, and only this total counts it once.
                with ComputeMeter() as meter:
                    if client is not None or dask_address:
                        _run_dask(tasks, finished, client, dask_address)
                    else:
                        _run_local(tasks, finished, jobs)
                _record_run(out, len(todo), meter.cost)
        finally:
            if bar is not None:
                bar.close()
        frame = _frame(_ordered(rows, points))
        ids = [p.id for p in points]
        frame = frame[frame["point"].isin(ids)].copy()
        frame["_order"] = frame["point"].map({pid: k for k, pid in enumerate(ids)})
        frame = frame.sort_values("_order").drop(columns="_order").reset_index(drop=True)
        empty = [c for c in frame.columns if c not in RESERVED and frame[c].isna().all()]
        return frame.drop(columns=empty)  # columns of other sweeps in the same folder
    finally:
        lock.release()


def summary(table, grid, metric: str = "accuracy") -> dict:
    """A sweep's table (``run_sweep``'s) in plain values, for a metrics file: points run, finished and
    failed; the best finished point by ``metric`` (highest) and its value; every point's swept
    values, status, metric and wall time."""
    names = list(grid)
    ok = table[table["status"] == "ok"]
    values = ok[metric].dropna() if metric in ok.columns else ok.iloc[0:0, 0]
    best = ok.loc[values.idxmax()] if len(values) else None
    return {
        "n_points": len(table), "n_ok": len(ok), "n_failed": len(table) - len(ok),
        f"best_{metric}": None if best is None else _scalar(best[metric]),
        "best_point": None if best is None else {name: _scalar(best[name]) for name in names},
        "points": [{**{name: _scalar(row[name]) for name in names}, "status": row["status"],
                    metric: _scalar(row.get(metric)), "wall_time_s": _scalar(row["wall_time_s"])}
                   for _, row in table.iterrows()],
    }


def _ordered(rows: dict, points: list[Point]) -> list[dict]:
    """This grid's points in grid order, then any other points the table already held."""
    ids = [p.id for p in points]
    return [rows[i] for i in ids if i in rows] + [r for i, r in rows.items() if i not in set(ids)]


def _check_sweep_file(out: Path, notebook: Path) -> None:
    path = out / "sweep.json"
    if path.exists():
        previous = json.loads(path.read_text()).get("notebook")
        if previous and Path(previous).name != notebook.name:
            raise ValueError(f"{out} holds a sweep of {previous}; use another --out for {notebook.name}")
    else:
        write_json(path, {"notebook": str(notebook)})


def _record_run(out: Path, n_points: int, cost) -> None:
    """Add one invocation of the sweep and its measured compute to ``out/sweep.json``."""
    record = json.loads((out / "sweep.json").read_text())
    record.setdefault("runs", []).append({"finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                          "points_run": n_points, "compute": cost.as_dict()})
    write_json(out / "sweep.json", record)


def compute_total(out) -> dict | None:
    """The sweep's compute in ``out``, every invocation added up (None before any point ran): what
    codecarbon measured on this machine while the points ran, with its mode, PUE and grid
    intensity. With a Dask cluster the points ran elsewhere: their ``point_compute.*`` columns,
    each measured on its worker, are the record then."""
    runs = [(run["points_run"], ComputeCost(**run["compute"]))
            for run in json.loads((Path(out) / "sweep.json").read_text()).get("runs", [])
            if "energy_kwh" in run["compute"]]  # earlier records, before codecarbon, are left out
    if not runs:
        return None
    # Invocations measured another way (another codecarbon version or mode) do not add up with the
    # latest: the total covers the latest's way, and says how many were left out.
    same = [(points, cost) for points, cost in runs if cost.method == runs[-1][1].method]
    total = ComputeCost.total(cost for _, cost in same)
    return {**total.as_dict(), "runs": len(same), "runs_measured_otherwise": len(runs) - len(same),
            "points_run": sum(points for points, _ in same)}


def _read_point_record(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "point.json").read_text())
    except (OSError, ValueError):
        return None


def _failure(exc: BaseException, point_dir: str, notebook: str) -> dict:
    return {"status": "failed", "error": f"{type(exc).__name__}: {exc}".strip(), "metrics": {},
            "notebook": str(Path(point_dir) / Path(notebook).name), "wall_time_s": None,
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def _run_local(tasks, finished, jobs: int) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    if int(jobs) < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs!r}")
    # spawn: no fork of a process that may hold threads (Jupyter kernels, Dask clients, tqdm)
    with ProcessPoolExecutor(max_workers=min(int(jobs), len(tasks)),
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(run_point, *args): (point, args) for point, args in tasks}
        try:
            for future in as_completed(futures):
                point, args = futures[future]
                try:
                    record = future.result()
                except Exception as exc:  # the worker process died
                    record = _failure(exc, args[1], args[0])
                finished(point, record)
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def _run_dask(tasks, finished, client, address) -> None:
    from distributed import Client, as_completed

    own = None
    if client is None:
        own = client = Client(address)
    try:
        futures = {}
        for point, args in tasks:
            future = client.submit(run_point, *args, key=f"stdplab-point-{point.id}-{os.urandom(4).hex()}",
                                   pure=False)
            futures[future] = (point, args)
        try:
            for future in as_completed(list(futures)):
                point, args = futures[future]
                try:
                    record = future.result()
                except Exception as exc:  # the worker died or the task could not run
                    record = _failure(exc, args[1], args[0])
                finished(point, record)
        except BaseException:
            client.cancel(list(futures))
            raise
    finally:
        if own is not None:
            own.close()
