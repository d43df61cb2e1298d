"""The sweep runner (stdplab.sweep) on a tiny notebook: table, resume, failures, bad grids, Dask."""
import json
import sys
import types
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

pytest.importorskip("papermill")
from stdplab import sweep  # noqa: E402
from stdplab.cli import main  # noqa: E402
from lesson_checks import parameterised_notebook  # noqa: E402

PARAMETERS = 'x = 1\nscale = 0.5\nfail = False\nlabel = "a"\nlog = ""\noutput_dir = "."'
BODY = """\
import json, os
if log:  # one line per execution, so that tests can count them
    with open(log, "a") as f:
        f.write(f"{x} {scale} {fail}\\n")
if fail:
    raise RuntimeError(f"asked to fail at x={x}")
with open(os.path.join(output_dir, "tiny_metrics.json"), "w") as f:
    json.dump({"y": x * scale, "nested": {"label": label, "ignored_list": [1, 2]}}, f)
"""


@pytest.fixture
def tiny(tmp_path):
    """A notebook whose parameters cell is PARAMETERS; it writes tiny_metrics.json or raises."""
    return parameterised_notebook(tmp_path / "tiny.ipynb", PARAMETERS, BODY)


def executions(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_parameters_cell_is_read_with_types(tiny):
    spec = sweep.notebook_parameters(tiny)
    assert list(spec) == ["x", "scale", "fail", "label", "log", "output_dir"]
    assert spec["x"].default == 1 and spec["x"].types() == (int,)
    assert spec["scale"].check(2) == 2.0 and isinstance(spec["scale"].check(2), float)
    assert spec["fail"].types() == (bool,)


def test_annotations_and_parameters_papermill_cannot_read(tmp_path):
    """Types from annotations as papermill returns them; a cell with nothing papermill reads is refused."""
    path = parameterised_notebook(tmp_path / "annotated.ipynb",
                                  'rate: float = 1\nlimit: Optional[int] = None\ncolours: list[str] = ["red"]\n'
                                  'anything = some_function()\noutput_dir = "."')
    spec = sweep.notebook_parameters(path)
    assert spec["rate"].types() == (float, int) and spec["rate"].check(2) == 2.0
    assert spec["limit"].types() == (int, type(None)) and spec["limit"].check(None) is None
    with pytest.raises(ValueError, match="parameter 'limit' takes int or None"):
        spec["limit"].check(1.5)
    assert spec["colours"].types() == (list,)
    assert spec["anything"].types() is None and spec["anything"].check(object) is object  # no literal: no check
    parameterised_notebook(path, "import os")
    with pytest.raises(ValueError, match="papermill finds no parameters"):
        sweep.notebook_parameters(path)


def test_grid_expansion_and_stable_point_ids(tiny):
    points = sweep.expand_grid(tiny, {"x": [1, 2], "label": ["a", "b"]}, {"scale": 2})
    assert [p.swept for p in points] == [{"x": 1, "label": "a"}, {"x": 1, "label": "b"},
                                         {"x": 2, "label": "a"}, {"x": 2, "label": "b"}]
    assert all(p.params["scale"] == 2.0 and isinstance(p.params["scale"], float) for p in points)
    assert len({p.id for p in points}) == 4
    again = sweep.expand_grid(tiny, {"label": ["b", "a"], "x": [2, 1]}, {"scale": 2.0})
    assert {p.id for p in again} == {p.id for p in points}  # order of the grid does not matter
    other = sweep.expand_grid(tiny, {"x": [1, 2], "label": ["a", "b"]}, {"scale": 3})
    assert not {p.id for p in other} & {p.id for p in points}  # fixed values are part of the id
    from_numpy = sweep.expand_grid(tiny, {"x": np.arange(1, 3), "label": ["a", "b"]}, {"scale": np.float64(2)})
    assert [p.id for p in from_numpy] == [p.id for p in points]  # numpy values are injected as plain ones
    assert all(type(p.params["x"]) is int and type(p.params["scale"]) is float for p in from_numpy)


@pytest.mark.parametrize("grid, fixed, message", [
    ({"xx": [1]}, None, "unknown parameter.*'xx'.*did you mean 'x'.*valid names: x, scale, fail, label, log"),
    ({"x": [1]}, {"n_neurons": 10}, "unknown parameter.*'n_neurons'.*valid names"),
    ({"x": [1, "two"]}, None, "parameter 'x' takes int.*got 'two'"),
    ({"x": [1.5]}, None, "parameter 'x' takes int.*got 1.5"),
    ({"fail": [0]}, None, "parameter 'fail' takes bool"),
    ({"label": [3]}, None, "parameter 'label' takes str"),
    ({"x": []}, None, "no values for 'x'"),
    ({"output_dir": ["a", "b"]}, None, "set by the sweep"),
    ({"x": [1]}, {"x": 2}, "both swept and fixed"),
])
def test_bad_grid_is_rejected_before_anything_runs(tiny, tmp_path, grid, fixed, message):
    out = tmp_path / "out"
    with pytest.raises(ValueError, match=message):
        sweep.run_sweep(tiny, grid, out, fixed_params=fixed, progress=False)
    assert not out.exists()


@pytest.mark.parametrize("workers", [0, -1, 1.5, True, "2"])
def test_bad_workers_are_refused_before_anything_runs(tiny, tmp_path, workers):
    with pytest.raises(ValueError, match=f"workers .* must be an integer of at least 1, got {workers!r}"):
        sweep.run_sweep(tiny, {"x": [1]}, tmp_path / "out", workers=workers, progress=False)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("timeout", [0, -5])
def test_a_timeout_that_papermill_would_read_as_none_is_refused(tiny, tmp_path, timeout):
    with pytest.raises(ValueError, match=f"timeout must be a positive number of seconds or None .*got {timeout}"):
        sweep.run_sweep(tiny, {"x": [1]}, tmp_path / "out", timeout=timeout, progress=False)
    assert not (tmp_path / "out").exists()


def test_table_contents_and_resume(tiny, tmp_path):
    log, out = tmp_path / "log.txt", tmp_path / "out"
    table = sweep.run_sweep(tiny, {"x": [1, 2]}, out, workers=2, fixed_params={"log": str(log), "scale": 0.5},
                            progress=False)
    assert sorted(executions(log)) == ["1 0.5 False", "2 0.5 False"]
    assert list(table["x"]) == [1, 2]
    assert list(table["status"]) == ["ok", "ok"]
    assert list(table["y"]) == [0.5, 1.0]
    assert list(table["nested.label"]) == ["a", "a"]
    assert "nested.ignored_list" not in table.columns  # only scalars go into the table
    assert table["error"].isna().all()
    assert (table["wall_time_s"] > 0).all()
    # Each point metered by codecarbon around its whole execution, stating how.
    assert (table["point_compute.energy_kwh"] > 0).all() and (table["point_compute.pue"] == 1.0).all()
    assert (table["point_compute.grid_gco2_per_kwh"] == 475.0).all() and table["point_compute.mode"].notna().all()
    assert (table["point_compute.wall_s"] <= table["wall_time_s"]).all()
    first = sweep.compute_total(out)
    assert (first["runs"], first["points_run"]) == (1, 2) and first["energy_kwh"] > 0
    assert first["emissions_gco2e"] == pytest.approx(first["energy_kwh"] * 475.0)
    for _, row in table.iterrows():
        assert row["point"].startswith(f"x-{row['x']}-")
        notebook = Path(row["notebook"])
        assert notebook.parent == out / "points" / row["point"] and notebook.exists()
        assert (notebook.parent / "tiny_metrics.json").exists()  # output_dir pointed into the folder
        executed = nbformat.read(str(notebook), as_version=4)
        assert any("injected-parameters" in c.metadata.get("tags", []) for c in executed.cells)
    assert json.loads((out / "sweep.json").read_text())["format_version"] == sweep.FORMAT_VERSION
    csv = pd.read_csv(out / "results.csv")
    assert list(csv["point"]) == list(table["point"]) and list(csv["y"]) == [0.5, 1.0]
    assert {"point", "status", "x", "scale", "log", "y", "wall_time_s", "error", "notebook"} <= set(csv.columns)

    stamps = {p: Path(n).stat().st_mtime_ns for p, n in zip(table["point"], table["notebook"])}
    again = sweep.run_sweep(tiny, {"x": [1, 2, 3]}, out, workers=2,
                            fixed_params={"log": str(log), "scale": 0.5}, progress=False)
    assert sorted(executions(log)) == ["1 0.5 False", "2 0.5 False", "3 0.5 False"]  # only x=3 ran
    assert {p: Path(n).stat().st_mtime_ns for p, n in zip(table["point"], table["notebook"])} == stamps
    assert list(again["x"]) == [1, 2, 3] and list(again["y"]) == [0.5, 1.0, 1.5]
    assert list(again["wall_time_s"][:2]) == pytest.approx(list(table["wall_time_s"]))
    assert len(pd.read_csv(out / "results.csv")) == 3
    total = sweep.compute_total(out)  # both invocations added up
    assert (total["runs"], total["points_run"]) == (2, 3) and total["energy_kwh"] > first["energy_kwh"]


def test_a_failed_point_is_recorded_and_the_others_finish(tiny, tmp_path):
    log, out = tmp_path / "log.txt", tmp_path / "out"
    table = sweep.run_sweep(tiny, {"fail": [True, False], "x": [1, 2]}, out, workers=2,
                            fixed_params={"log": str(log)}, progress=False)
    assert len(executions(log)) == 4
    failed = table[table["status"] == "failed"]
    ok = table[table["status"] == "ok"]
    assert list(failed["fail"]) == [True, True] and list(ok["fail"]) == [False, False]
    assert list(ok["y"]) == [0.5, 1.0] and failed["y"].isna().all()
    for _, row in failed.iterrows():
        assert row["error"] == f"RuntimeError: asked to fail at x={row['x']}"
        notebook = nbformat.read(row["notebook"], as_version=4)  # the failed notebook is kept
        assert any(o.get("ename") == "RuntimeError" for c in notebook.cells for o in c.get("outputs", []))
    csv = pd.read_csv(out / "results.csv")
    assert sorted(csv["status"]) == ["failed", "failed", "ok", "ok"]
    assert csv["error"].notna().sum() == 2
    summary = sweep.summary(table, {"fail": [True, False], "x": [1, 2]}, "y")
    assert (summary["n_points"], summary["n_ok"], summary["n_failed"]) == (4, 2, 2)
    assert summary["best_y"] == 1.0 and summary["best_point"] == {"fail": False, "x": 2}
    assert [p["y"] for p in summary["points"] if p["status"] == "failed"] == [None, None]  # not NaN
    json.dumps(summary, allow_nan=False)  # plain values only
    assert sweep.summary(failed, {"x": [1, 2]}, "y")["best_point"] is None  # nothing finished

    # Running again retries the failed points only.
    sweep.run_sweep(tiny, {"fail": [True, False], "x": [1, 2]}, out, workers=1, fixed_params={"log": str(log)},
                    progress=False)
    assert sorted(executions(log)[4:]) == ["1 0.5 True", "2 0.5 True"]


def test_runs_on_a_dask_local_cluster(tiny, tmp_path):
    distributed = pytest.importorskip("distributed")
    log, out = tmp_path / "log.txt", tmp_path / "out"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        table = sweep.run_sweep(tiny, {"x": [4, 5], "fail": [False, True]}, out, client=client,
                                fixed_params={"log": str(log)}, progress=False)
    assert len(executions(log)) == 4
    assert list(table["status"]) == ["ok", "failed", "ok", "failed"]
    assert list(table["y"].dropna()) == [2.0, 2.5]
    assert json.loads((out / "points" / table["point"][0] / "point.json").read_text())["status"] == "ok"


def test_command_line(tiny, tmp_path, capsys):
    out, log = tmp_path / "out", tmp_path / "log.txt"
    assert main(["sweep", str(tiny), "--grid", "x=2,3", "--grid", "label=b", "-p", "scale", "2",
                 "-p", "log", str(log), "--workers", "2", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "results.csv" in printed and "ok" in printed
    assert "2 points run" in printed and "PUE 1" in printed and "475 gCO2e/kWh" in printed
    assert "point_compute" not in printed  # not mistaken for a metric in the printed table
    csv = pd.read_csv(out / "results.csv")
    assert list(csv["x"]) == [2, 3] and list(csv["y"]) == [4.0, 6.0] and list(csv["label"]) == ["b", "b"]
    assert main(["sweep", str(tiny), "--grid", "nope=1", "--out", str(out)]) == 2
    assert "valid names: x, scale" in capsys.readouterr().err
    assert main(["sweep", str(tiny), "--grid", "x=1", "--workers", "0", "--out", str(out)]) == 2
    assert "workers (points run at once in local processes) must be an integer of at least 1, got 0" \
        in capsys.readouterr().err
    assert main(["sweep", str(tiny), "--grid", "x=1", "--grid", "fail=true", "--out", str(out), "--quiet"]) == 2
    assert "1 of 1 points failed" in capsys.readouterr().err


def test_the_sweep_total_adds_only_invocations_measured_the_same_way(tmp_path):
    def run(kwh, tool, **compute):
        return {"finished": "t", "points_run": 1, "compute": {
            "energy_kwh": kwh, "emissions_gco2e": kwh * 475, "wall_s": 10.0, "cpu_s": 5.0, "mode": "cpu_load",
            "tracking": "machine", "pue": 1.0, "grid_gco2_per_kwh": 475.0, "grid_source": "the figure given",
            "tool": tool, **compute}}
    before_codecarbon = {"finished": "t", "points_run": 4, "compute": {"wall_s": 9.0, "energy_j": 1.0}}
    (tmp_path / "sweep.json").write_text(json.dumps({"runs": [
        before_codecarbon, run(1.0, "codecarbon 3.2"), run(2.0, "codecarbon 3.3"), run(4.0, "codecarbon 3.3")]}))
    total = sweep.compute_total(tmp_path)
    assert total["energy_kwh"] == 6.0 and total["tool"] == "codecarbon 3.3"
    assert (total["runs"], total["runs_measured_otherwise"], total["points_run"]) == (2, 1, 2)


def test_a_sweep_folder_of_a_newer_format_is_refused(tiny, tmp_path, capsys):
    out, log = tmp_path / "out", tmp_path / "log.txt"
    out.mkdir()
    (out / "sweep.json").write_text(json.dumps({"format_version": sweep.FORMAT_VERSION + 1, "notebook": str(tiny)}))
    with pytest.raises(ValueError, match=f"format_version {sweep.FORMAT_VERSION + 1}; this stdplab reads"
                                         f" versions 1 to {sweep.FORMAT_VERSION}"):
        sweep.run_sweep(tiny, {"x": [1]}, out, fixed_params={"log": str(log)}, progress=False)
    assert not executions(log)  # refused before any point ran
    with pytest.raises(ValueError, match="format_version"):
        sweep.compute_total(out)


def test_a_version_1_record_is_read_and_rewritten_as_the_current_version(tmp_path):
    metered = {"energy_kwh": 1.0, "emissions_gco2e": 475.0, "wall_s": 10.0, "cpu_s": 5.0, "mode": "cpu_load",
               "tracking": "machine", "pue": 1.0, "grid_gco2_per_kwh": 475.0, "grid_source": "the figure given",
               "tool": "codecarbon 3.3"}
    before_codecarbon = {"finished": "t", "points_run": 4, "compute": {"wall_s": 9.0, "energy_j": 1.0}}
    (tmp_path / "sweep.json").write_text(json.dumps({"notebook": "tiny.ipynb", "runs": [
        before_codecarbon, {"finished": "t", "points_run": 1, "compute": metered}]}))
    sweep._record_run(tmp_path, 2, sweep.ComputeCost(**metered))
    record = json.loads((tmp_path / "sweep.json").read_text())
    assert record["format_version"] == sweep.FORMAT_VERSION
    assert record["runs_before_codecarbon"] == [before_codecarbon]  # kept, apart from the runs that add up
    assert [run["points_run"] for run in record["runs"]] == [1, 2]
    assert sweep.compute_total(tmp_path)["energy_kwh"] == 2.0


def test_a_parquet_copy_that_cannot_be_written_is_named_in_a_warning(tmp_path, monkeypatch):
    class ArrowException(Exception):
        pass

    def refuse(frame, path, index):
        raise ArrowException("cannot mix int and str in column 'v'")

    monkeypatch.setitem(sys.modules, "pyarrow", types.SimpleNamespace(ArrowException=ArrowException))
    monkeypatch.setattr(pd.DataFrame, "to_parquet", refuse)
    (tmp_path / "results.parquet").write_text("an older table")
    rows = [{"point": "a", "status": "ok", "v": 1}, {"point": "b", "status": "ok", "v": "x"}]
    with pytest.warns(UserWarning, match=r"results\.parquet not written \(ArrowException: cannot mix int and str"
                                         r".*the table is .*results\.csv"):
        sweep._write_table(tmp_path, rows)
    assert not (tmp_path / "results.parquet").exists()  # not left to disagree with the CSV
    assert list(pd.read_csv(tmp_path / "results.csv")["v"]) == ["1", "x"]
