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
(``compute_total``). ``sweep.json`` also holds the notebook swept and the ``format_version`` of
the folder (``FORMAT_VERSION``); a folder written by a newer stdplab is refused. Points recorded
``ok`` are skipped when the same sweep runs again, so an interrupted sweep resumes where it
stopped; failed points run again. Names and value types are checked against the notebook's
``parameters`` cell (as ``papermill.inspect_notebook`` reads it) before anything runs.

Points run in local processes (``workers`` at a time), or on a Dask distributed cluster
(``dask_address`` or ``client``; the workers must see ``out`` and the notebook at the same paths).
Compiled networks are cached per network shape by ``stdplab.simulator`` (under a file lock, shared
by every process on the machine), so points that differ only in run-time parameters reuse one
binary.

The command line (in ``stdplab.cli``) is ``python -m stdplab sweep NOTEBOOK --grid NAME=V1,V2 ... --out DIR``;
a sweep's table is drawn by ``stdplab.plots.sweep`` (every parameter, seeds' range) or
``stdplab.plots.seed_error_bars`` (one parameter, mean ± standard error over seeds; lesson 4).
"""
from __future__ import annotations

import ast
import contextlib
import hashlib
import itertools
import json
import math
import os
import re
import shutil
import time
import warnings
from concurrent.futures import as_completed
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import exercises
from .hints import did_you_mean
from .metering import ComputeCost, ComputeMeter
from .progress import progress_bar
from .records import atomic_write, plain_value, write_json

RESERVED = ("point", "status", "wall_time_s", "error", "notebook", "finished")
TABLE = "results.csv"
PARQUET = "results.parquet"
RECORD = "sweep.json"
# 1: sweep.json without a format_version (before 2); 2: runs measured before codecarbon are kept
# apart, under "runs_before_codecarbon", so that "runs" holds only runs that add up.
FORMAT_VERSION = 2
_NO_DEFAULT = object()


# --- the notebook's parameters cell -----------------------------------------------------------
@dataclass(frozen=True)
class NotebookParameter:
    """One parameter of a notebook's ``parameters`` cell, as papermill reads it.

    Parameters
    ----------
    name : str
        The variable's name.
    default : object, optional
        Its value in the cell when that is a Python literal; otherwise left out.
    annotation : str or None, optional
        Its annotation or ``# type:`` comment (``"float"``, ``"Optional[int]"``), if any.
    """

    name: str
    default: Any = _NO_DEFAULT   # _NO_DEFAULT when the value is not a Python literal
    annotation: str | None = None

    def types(self) -> tuple[type, ...] | None:
        """The value types this parameter accepts.

        Returns
        -------
        tuple of type or None
            From the annotation if it is understood, else from the default's type (an int is
            accepted for a float, ``type(None)`` is among them where None is allowed); None when
            any value is accepted (no understood annotation and no literal default, or None).
        """
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
        """``value`` as the notebook should receive it, if it fits this parameter.

        Parameters
        ----------
        value : object
            A value to inject.

        Returns
        -------
        object
            ``value``, or ``float(value)`` for an int given to a float parameter.

        Raises
        ------
        ValueError
            If ``value`` is not of one of ``types()``.
        """
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
    """The types an annotation names (``int``, ``list[int]``, ``Optional[X]``, ``Union[X, Y]``);
    None for one it does not understand, which then checks nothing."""
    text = annotation.replace(" ", "")
    match = re.fullmatch(r"(Optional|Union)\[(.+)\]", text)
    parts = match.group(2).split(",") if match else [text]
    if match and match.group(1) == "Optional":
        parts.append("None")
    types = []
    for part in parts:
        part = re.sub(r"\[.*\]$", "", part)  # list[int] -> list
        if part not in _TYPE_NAMES:
            return None
        types.append(_TYPE_NAMES[part])
    if float in types and int not in types:
        types.append(int)
    return tuple(types)


def _papermill():
    """papermill, or a clear error where the ``[lab]`` extra is not installed."""
    try:
        import papermill
    except ImportError as exc:
        raise RuntimeError("sweeps run notebooks with papermill, which is not installed:"
                           " pip install 'stdplab[lab]' (or pip install -r requirements.txt)") from exc
    return papermill


def notebook_parameters(notebook) -> dict[str, NotebookParameter]:
    """The parameters of the notebook's cell tagged ``parameters``, as papermill reads them.

    Parameters
    ----------
    notebook : str or Path
        The notebook.

    Returns
    -------
    dict of str to NotebookParameter
        By name, in the cell's order.

    Raises
    ------
    ValueError
        If papermill finds no parameters (no cell tagged ``parameters``, or none of its lines is
        a ``NAME = VALUE`` assignment), or the notebook names no kernel.
    """
    papermill = _papermill()

    found = papermill.inspect_notebook(str(notebook))
    if not found:
        raise ValueError(f"papermill finds no parameters in {notebook} (it reads the cell tagged 'parameters',"
                         " one NAME = VALUE per line), so it cannot be swept")
    return {name: NotebookParameter(name, _literal(info["default"]),
                                    None if info["inferred_type_name"] == "None" else info["inferred_type_name"])
            for name, info in found.items()}


def _literal(text: str):
    """The value of papermill's default text if it is a Python literal, else _NO_DEFAULT."""
    try:
        return ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NO_DEFAULT


# --- the grid ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Point:
    """One combination of the grid's values: one execution of the notebook.

    Parameters
    ----------
    id : str
        Its folder's name under ``out/points/`` and its row's key in the table (``point_id``).
    params : dict
        The values injected: the grid's and the fixed ones (``output_dir`` comes on top).
    swept : dict
        The grid's values only.
    """

    id: str
    params: dict
    swept: dict


def _scalar(value):
    """A table cell as a JSON value: numpy scalars as Python ones, NaN (an empty cell) as None."""
    value = plain_value(value)
    return None if isinstance(value, float) and math.isnan(value) else value


def point_id(swept: dict, params: dict) -> str:
    """A stable, readable folder name for a point.

    Parameters
    ----------
    swept : dict
        The point's grid values, shown in the name.
    params : dict
        Every value injected, hashed into the name.

    Returns
    -------
    str
        ``<name>-<value>_..._<hash>``; the same for the same values in any order.
    """
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=repr).encode()).hexdigest()[:10]
    slug = "_".join(f"{name}-{value}" for name, value in sorted(swept.items()))
    slug = re.sub(r"[^A-Za-z0-9.=+-]+", "_", slug).strip("_.")[:80]
    return f"{slug}-{digest}" if slug else digest


def expand_grid(notebook, grid: dict, fixed_params: dict | None = None) -> list[Point]:
    """Every combination of the grid's values, checked against the notebook's parameters.

    Parameters
    ----------
    notebook : str or Path
        The notebook whose ``parameters`` cell the names and values are checked against.
    grid : dict
        Parameter name -> values (a single value counts as a list of one).
    fixed_params : dict, optional
        Parameter name -> value, the same at every point.

    Returns
    -------
    list of Point
        In the grid's order (the last name varies fastest), without repeats.

    Raises
    ------
    ValueError
        On an unknown name, a value of the wrong type, a name both swept and fixed, a name with
        no values, or a notebook without an ``output_dir`` parameter; before anything runs.
    """
    spec = notebook_parameters(notebook)
    grid, fixed = dict(grid or {}), dict(fixed_params or {})
    _check_names(notebook, spec, grid, fixed)
    values = {}
    for name, choices in grid.items():
        if isinstance(choices, (str, bytes)) or not hasattr(choices, "__iter__"):
            choices = [choices]
        values[name] = [spec[name].check(plain_value(v)) for v in choices]
        if not values[name]:
            raise ValueError(f"the grid gives no values for {name!r}")
    fixed = {name: spec[name].check(plain_value(value)) for name, value in fixed.items()}
    points = {}
    for combination in itertools.product(*values.values()):
        swept = dict(zip(values, combination))
        params = {**swept, **fixed}
        pid = point_id(swept, params)
        points.setdefault(pid, Point(pid, params, swept))
    return list(points.values())


def _check_names(notebook, spec: dict, grid: dict, fixed: dict) -> None:
    """ValueError unless the grid's and the fixed names are the notebook's, once each."""
    if "output_dir" not in spec:
        raise ValueError(f"{notebook} has no 'output_dir' parameter; the sweep needs one to collect"
                         f" each point's metrics. Its parameters: {', '.join(spec)}")
    if "output_dir" in grid or "output_dir" in fixed:
        raise ValueError("'output_dir' is set by the sweep (each point writes into its own folder)")
    both = set(grid) & set(fixed)
    if both:
        raise ValueError(f"parameter(s) both swept and fixed: {', '.join(sorted(both))}")
    unknown = [name for name in [*grid, *fixed] if name not in spec]
    if unknown:
        hints = [repr(name) + did_you_mean(name, spec) for name in unknown]
        raise ValueError(f"unknown parameter(s) {', '.join(hints)} for {Path(notebook).name};"
                         f" valid names: {', '.join(spec)}")


# --- one point (runs in a worker process or on a Dask worker) -----------------------------------
@contextlib.contextmanager
def _environment(name: str, value: str):
    """Set an environment variable (which the kernels started inside inherit) for a block."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            del os.environ[name]
        else:
            os.environ[name] = before


def run_point(notebook: str, point_dir: str, params: dict, cwd: str | None = None,
              kernel_name: str | None = None, timeout: float | None = None) -> dict:
    """Execute ``notebook`` with ``params`` into ``point_dir``, metered, and record the outcome.

    Parameters
    ----------
    notebook : str
        The notebook to execute.
    point_dir : str
        The point's folder, emptied first; the notebook's ``output_dir`` points there and the
        record is written there as ``point.json``.
    params : dict
        The parameters to inject (``output_dir`` is added).
    cwd : str, optional
        The kernel's working directory.
    kernel_name : str, optional
        The Jupyter kernel, if not the notebook's.
    timeout : float, optional
        papermill's per-cell execution timeout in seconds.

    Returns
    -------
    dict
        ``status`` (``ok`` or ``failed``), ``error``, ``notebook`` (the executed copy),
        ``metrics`` (``read_metrics``), ``wall_time_s``, ``compute`` and ``finished``. A failure of
        the notebook is recorded here, not raised.
    """
    papermill = _papermill()
    from papermill.exceptions import PapermillExecutionError

    from .kernel_replies import wait_in_slices

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
    # A point is an experiment, not coursework: a lesson's exercise checks report instead of raising.
    wait_in_slices()  # a worker runs point after point: see kernel_replies
    with _environment(exercises.MODE_VARIABLE, "report"), ComputeMeter() as meter:
        try:
            papermill.execute_notebook(
                str(notebook), str(output), parameters={**params, "output_dir": str(point_dir) + os.sep},
                cwd=cwd, kernel_name=kernel_name, execution_timeout=timeout, progress_bar=False,
                log_output=False, stdout_file=None, stderr_file=None)
        except PapermillExecutionError as exc:
            record.update(status="failed", error=f"{exc.ename}: {exc.evalue}")
        except Exception as exc:  # the kernel died, timed out, could not start: the point failed
            record.update(status="failed", error=f"{type(exc).__name__}: {exc}".strip())
    record["wall_time_s"] = time.perf_counter() - start
    record["compute"] = meter.cost.as_dict()
    if record["status"] == "ok":
        try:
            record["metrics"] = read_metrics(point_dir)
        except (OSError, ValueError) as exc:
            record.update(status="failed", error=f"unreadable metrics: {exc}")
    record["finished"] = _now()
    write_json(point_dir / "point.json", {**record, "params": params})
    return record


def read_metrics(folder) -> dict:
    """The scalars of every ``*_metrics.json`` in ``folder``, flattened.

    Parameters
    ----------
    folder : str or Path
        A point's folder.

    Returns
    -------
    dict
        Nested keys joined by dots (``a.b``); lists left out. With one metrics file its keys are
        used as they are; with several, each is prefixed by its file's name (``<name>.<key>`` for
        ``<name>_metrics.json``).

    Raises
    ------
    ValueError
        If a metrics file is not valid JSON.
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


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


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
    return {str(row["point"]): {k: _scalar(v) for k, v in row.items()} for row in table.to_dict("records")}


def _write_table(out: Path, rows: list[dict]) -> None:
    frame = _frame(rows)
    with atomic_write(out / TABLE) as tmp:
        frame.to_csv(tmp, index=False)
    try:
        import pyarrow
    except ImportError:
        return  # the parquet copy is optional
    try:
        with atomic_write(out / PARQUET) as tmp:
            frame.to_parquet(tmp, index=False)
    except pyarrow.ArrowException as exc:  # e.g. a column of numbers and strings
        (out / PARQUET).unlink(missing_ok=True)  # an older copy would disagree with the CSV
        warnings.warn(f"{out / PARQUET} not written ({type(exc).__name__}: {exc}); the table is"
                      f" {out / TABLE}", stacklevel=2)


def _ordered(rows: dict, points: list[Point]) -> list[dict]:
    """This grid's points in grid order, then any other points the table already held."""
    ids = [p.id for p in points]
    return [rows[i] for i in ids if i in rows] + [r for i, r in rows.items() if i not in set(ids)]


def _grid_frame(rows: dict, points: list[Point]):
    """The table of this grid's points, in grid order, without other sweeps' empty columns."""
    frame = _frame(_ordered(rows, points))
    ids = [p.id for p in points]
    frame = frame[frame["point"].isin(ids)].copy()
    frame["_order"] = frame["point"].map({pid: k for k, pid in enumerate(ids)})
    frame = frame.sort_values("_order").drop(columns="_order").reset_index(drop=True)
    empty = [c for c in frame.columns if c not in RESERVED and frame[c].isna().all()]
    return frame.drop(columns=empty)


# --- the sweep's record, sweep.json -------------------------------------------------------------
def _read_record(out: Path) -> dict:
    """``out/sweep.json`` in the current format: the one reader, so older formats are read here only."""
    path = out / RECORD
    record = json.loads(path.read_text())
    version = record.get("format_version", 1)
    if type(version) is not int or not 1 <= version <= FORMAT_VERSION:
        raise ValueError(f"{path} has format_version {version!r}; this stdplab reads versions 1 to"
                         f" {FORMAT_VERSION} (a newer stdplab wrote it: update stdplab, or use another --out)")
    if version == 1:  # runs measured before codecarbon (no energy_kwh) do not add up with the others
        runs = record.get("runs", [])
        record["runs"] = [run for run in runs if "energy_kwh" in run["compute"]]
        record["runs_before_codecarbon"] = [run for run in runs if "energy_kwh" not in run["compute"]]
    return {**record, "format_version": FORMAT_VERSION}


def _check_sweep_file(out: Path, notebook: Path) -> None:
    """ValueError if ``out`` holds another notebook's sweep or a newer format; start the record if none."""
    if not (out / RECORD).exists():
        write_json(out / RECORD, {"format_version": FORMAT_VERSION, "notebook": str(notebook)})
        return
    previous = _read_record(out).get("notebook")
    if previous and Path(previous).name != notebook.name:
        raise ValueError(f"{out} holds a sweep of {previous}; use another --out for {notebook.name}")


def _record_run(out: Path, n_points: int, cost: ComputeCost) -> None:
    """Add one invocation of the sweep and its measured compute to ``out/sweep.json``."""
    record = _read_record(out)
    record.setdefault("runs", []).append({"finished": _now(), "points_run": n_points, "compute": cost.as_dict()})
    write_json(out / RECORD, record)


def compute_total(out) -> dict | None:
    """The sweep's compute in ``out``, every invocation added up.

    What codecarbon measured on this machine while the points ran, with its mode, PUE and grid
    intensity. With a Dask cluster the points ran elsewhere: their ``point_compute.*`` columns,
    each measured on its worker, are the record then.

    Parameters
    ----------
    out : str or Path
        The sweep's folder.

    Returns
    -------
    dict or None
        ``ComputeCost.as_dict()`` of the total, with ``runs`` (invocations added up),
        ``runs_measured_otherwise`` (left out: measured another way than the latest) and
        ``points_run``; None before any point ran.

    Raises
    ------
    ValueError
        If ``sweep.json`` has a format_version this stdplab does not know.
    """
    runs = [(run["points_run"], ComputeCost(**run["compute"])) for run in _read_record(Path(out)).get("runs", [])]
    if not runs:
        return None
    # Invocations measured another way (another codecarbon version or mode) do not add up with the
    # latest: the total covers the latest's way, and says how many were left out.
    same = [(points, cost) for points, cost in runs if cost.method == runs[-1][1].method]
    total = ComputeCost.total(cost for _, cost in same)
    return {**total.as_dict(), "runs": len(same), "runs_measured_otherwise": len(runs) - len(same),
            "points_run": sum(points for points, _ in same)}


# --- the sweep ----------------------------------------------------------------------------------
def run_sweep(notebook, grid: dict, out, workers: int = 2, client=None, dask_address: str | None = None,
              fixed_params: dict | None = None, progress: bool = True, kernel_name: str | None = None,
              timeout: float | None = None):
    """Run ``notebook`` at every combination of ``grid`` and return the table of those points.

    Parameters
    ----------
    notebook : str or Path
        The notebook to run; it needs an ``output_dir`` parameter and writes its metrics there.
    grid : dict
        Parameter name -> list of values; every combination is one point.
    out : str or Path
        The sweep's folder: ``results.csv`` (every point ever run there), ``sweep.json`` and
        ``points/<id>/`` per point. Points already recorded ``ok`` there are not run again.
    workers : int, default 2
        Points run at once in local processes; at least 1. Not used with a Dask cluster, whose
        own workers run the points.
    client : distributed.Client, optional
        Run the points on this Dask cluster.
    dask_address : str, optional
        Or on the cluster of this scheduler address (a client is opened and closed here).
    fixed_params : dict, optional
        Parameters passed to every point.
    progress : bool, default True
        Show a progress bar.
    kernel_name, timeout : optional
        As :func:`run_point` takes them, for every point.

    Returns
    -------
    pandas.DataFrame
        One row per point, in grid order (columns as in the module's description).

    Raises
    ------
    ValueError
        On a bad ``workers`` or ``timeout``, grid or fixed value (``expand_grid``), or an ``out``
        holding another notebook's sweep or a newer format; before any point runs.
    FileNotFoundError
        If there is no ``notebook``.
    RuntimeError
        If another sweep is running in ``out``, or papermill is not installed.

    Examples
    --------
    >>> table = run_sweep("notebooks/02_train_diehl_cook.ipynb", {"nu_post": [0.005, 0.01]},
    ...                   "sweeps/nu_post", fixed_params={"n_train": 1000})  # doctest: +SKIP
    >>> table[["nu_post", "status", "accuracy"]]  # doctest: +SKIP
    """
    if type(workers) is not int or workers < 1:
        raise ValueError(f"workers (points run at once in local processes) must be an integer of at least 1,"
                         f" got {workers!r}")
    if timeout is not None and not timeout > 0:  # papermill would take 0 or less for no timeout at all
        raise ValueError(f"timeout must be a positive number of seconds or None (no timeout), got {timeout!r}")
    notebook = Path(notebook).resolve()
    if not notebook.is_file():
        raise FileNotFoundError(f"no notebook {notebook}")
    points = expand_grid(notebook, grid, fixed_params)  # checks before anything runs
    out = Path(out).resolve()
    (out / "points").mkdir(parents=True, exist_ok=True)
    with _sweep_lock(out):
        _check_sweep_file(out, notebook)
        rows = _known_rows(out, points)
        _write_table(out, _ordered(rows, points))
        todo = [p for p in points if rows.get(p.id, {}).get("status") != "ok"]
        bar = progress_bar(len(points), "sweep", "point", initial=len(points) - len(todo), enabled=progress)
        failed = 0

        def finished(point, record):
            nonlocal failed
            rows[point.id] = _row(point.id, point.params, record)
            _write_table(out, _ordered(rows, points))
            failed += record["status"] != "ok"
            bar.update(1)
            bar.set_postfix(failed=failed, refresh=False)

        with contextlib.closing(bar):
            if todo:
                tasks = [(p, (str(notebook), str(out / "points" / p.id), p.params, str(notebook.parent),
                              kernel_name, timeout)) for p in todo]
                # One meter around all the points: codecarbon tracks the whole machine, so points
                # running at once each see the others' load, and only this total counts it once.
                with ComputeMeter() as meter:
                    with _executor(workers, len(tasks), client, dask_address) as executor:
                        _run_points(executor, tasks, finished)
                _record_run(out, len(todo), meter.cost)
        return _grid_frame(rows, points)


@contextlib.contextmanager
def _sweep_lock(out: Path):
    from filelock import FileLock, Timeout

    lock = FileLock(str(out / ".sweep.lock"))
    try:
        lock.acquire(timeout=1)
    except Timeout:
        raise RuntimeError(f"another sweep is running in {out}") from None
    try:
        yield
    finally:
        lock.release()


def _known_rows(out: Path, points: list[Point]) -> dict[str, dict]:
    """The table's rows, with the points that finished after the table was last written."""
    rows = _read_table(out)
    for point in points:
        if rows.get(point.id, {}).get("status") != "ok":
            saved = _read_point_record(out / "points" / point.id)
            if saved and saved.get("status") == "ok":
                rows[point.id] = _row(point.id, point.params, saved)
    return rows


def _read_point_record(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "point.json").read_text())
    except (OSError, ValueError):  # no record, or half of one from a killed process: run it again
        return None


@contextlib.contextmanager
def _executor(workers: int, n_tasks: int, client, dask_address: str | None):
    """A ``concurrent.futures`` executor: the Dask cluster's if one is given, else local processes."""
    if client is not None or dask_address:
        from distributed import Client

        with contextlib.ExitStack() as stack:
            if client is None:
                client = stack.enter_context(Client(dask_address))
            with client.get_executor(pure=False) as executor:
                yield executor
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn: no fork of a process that may hold threads (Jupyter kernels, Dask clients, tqdm)
    with ProcessPoolExecutor(max_workers=min(workers, n_tasks),
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


def _run_points(executor, tasks, finished) -> None:
    """Submit every task to ``executor`` and pass each point's record to ``finished`` as it comes."""
    futures = {executor.submit(run_point, *args): (point, args) for point, args in tasks}
    try:
        for future in as_completed(futures):
            point, args = futures[future]
            try:
                record = future.result()
            except Exception as exc:  # the worker died or could not run the task: the point failed
                record = _failure(exc, args[1], args[0])
            finished(point, record)
    except BaseException:
        for future in futures:
            future.cancel()
        raise


def _failure(exc: BaseException, point_dir: str, notebook: str) -> dict:
    return {"status": "failed", "error": f"{type(exc).__name__}: {exc}".strip(), "metrics": {},
            "notebook": str(Path(point_dir) / Path(notebook).name), "wall_time_s": None, "finished": _now()}


def summary(table, grid, metric: str = "accuracy") -> dict:
    """A sweep's table in plain values, for a metrics file.

    Parameters
    ----------
    table : pandas.DataFrame
        ``run_sweep``'s table.
    grid : dict or list
        The swept parameters (their names are used).
    metric : str, default "accuracy"
        The metric that picks the best point (highest).

    Returns
    -------
    dict
        ``n_points``, ``n_ok``, ``n_failed``; ``best_<metric>`` and ``best_point`` (its swept
        values), None when no point finished; ``points``: every point's swept values, status,
        metric and wall time. Empty cells are None, never NaN.
    """
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
