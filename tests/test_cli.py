"""The command line: a run, and a resume after kill -9 that loses nothing saved."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from stdplab import DiehlCook2015, cli, datasets
from stdplab.cli import main
from stdplab.experiment import RESULTS_FORMAT

# The shape of tests/conftest.py's SMALL (100 neurons, chunks of 250): its binaries are reused.
N_TRAIN = 300
ARGS = ["train", "--neurons", "100", "--train", str(N_TRAIN), "--test", "100", "--checkpoint-every", "100",
        "--set", "chunk_size=250", "--quiet"]


def _binaries(pid: int) -> list[int]:
    """The compiled networks a process is running (its children called ``main``; Linux)."""
    try:
        children = [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        return [child for child in children if Path(f"/proc/{child}/comm").read_text().strip() == "main"]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """One uninterrupted run of ARGS (shared: the tests below copy it before they change anything)."""
    whole = tmp_path_factory.mktemp("cli") / "whole"
    assert main(ARGS + ["--out", str(whole)]) == 0
    return whole


def test_train_writes_results_and_resume_after_kill_matches_an_uninterrupted_run(whole, tmp_path):
    results = json.loads((whole / "results.json").read_text())
    assert 0.1 < results["accuracy"] <= 1 and results["config"]["n_train"] == N_TRAIN
    assert results["format_version"] == RESULTS_FORMAT
    environment = results["environment"]
    assert (environment["spike_queue"], environment["thresholders"]) == ("ranges", "conditions_first")
    assert len(results["test"]["confusion_matrix"]) == 10
    labelled = np.load(whole / "label_counts.npz")  # kept for readouts fitted later (label efficiency)
    assert labelled["counts"].shape == (N_TRAIN, 100) and labelled["counts"].dtype == np.int32
    np.testing.assert_array_equal(labelled["labels"], datasets.load_mnist(download=False)[1][:N_TRAIN])
    compute = results["compute"]  # this run, measured by codecarbon, with how it was measured
    assert compute["energy_kwh"] > 0 and compute["cpu_s"] > 0 and compute["tracking"] == "machine"
    assert (compute["pue"], compute["grid_gco2_per_kwh"]) == (1.0, 475.0)

    cut = tmp_path / "cut"
    process = subprocess.Popen([sys.executable, "-m", "stdplab", *ARGS, "--out", str(cut)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not (cut / "progress.json").exists() and time.time() < deadline:
        time.sleep(0.2)
    binaries = []
    while sys.platform.startswith("linux") and not binaries and time.time() < deadline:
        time.sleep(0.05)
        binaries = _binaries(process.pid)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    if sys.platform.startswith("linux"):  # the binary it was running dies with it (PR_SET_PDEATHSIG)
        assert binaries
        deadline = time.time() + 10
        while any(_alive(pid) for pid in binaries) and time.time() < deadline:
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in binaries)
    progress = json.loads((cut / "progress.json").read_text())
    assert progress["stage"] == "train" and 100 <= progress["examples_seen"] < N_TRAIN
    assert not (cut / "results.json").exists()

    # Labelled and tested two runs of the binary at a time: nothing in the results changes.
    assert main(ARGS + ["--out", str(cut), "--resume", "--jobs", "2"]) == 0
    resumed = DiehlCook2015.load(cut / "model.npz")
    uninterrupted = DiehlCook2015.load(whole / "model.npz")
    assert resumed.n_examples_seen_ == N_TRAIN
    # The checkpoint holds the random generator too: the resumed run is the uninterrupted one.
    np.testing.assert_array_equal(resumed.weights_, uninterrupted.weights_)
    resumed_results = json.loads((cut / "results.json").read_text())
    assert resumed_results["accuracy"] == results["accuracy"]
    assert resumed_results["resumed"] and not results["resumed"]
    assert [i["examples_seen"] for i in resumed_results["invocations"]] == [0, progress["examples_seen"]]

    # A partial run is labelled and tested where it stops, and goes on with --resume.
    part = tmp_path / "part"
    assert main(ARGS + ["--out", str(part), "--stop-after", "200"]) == 0
    partial = json.loads((part / "results.json").read_text())
    assert partial["partial"] and partial["examples_trained"] == 200 and len(partial["history"]["examples"]) >= 1
    assert main(ARGS + ["--out", str(part), "--resume"]) == 0
    finished = json.loads((part / "results.json").read_text())
    assert not finished["partial"] and finished["examples_trained"] == N_TRAIN and finished["resumed"]
    np.testing.assert_array_equal(DiehlCook2015.load(part / "model.npz").weights_, uninterrupted.weights_)


def test_resume_refuses_a_run_whose_size_default_has_changed_since(tmp_path, monkeypatch, capsys):
    from stdplab import parameters

    part = tmp_path / "part"
    assert main(ARGS + ["--out", str(part), "--stop-after", "100"]) == 0
    monkeypatch.setitem(parameters.SIZE_TABLE["theta_plus"], 100, 0.04)  # as if a newer table
    before = json.loads((part / "progress.json").read_text())
    assert main(ARGS + ["--out", str(part), "--resume"]) == 2
    message = capsys.readouterr().err
    assert "started with theta_plus=0.025" in message and "give theta_plus=0.04" in message
    assert json.loads((part / "progress.json").read_text()) == before  # nothing trained on
    # With the value it started with, it goes on, and with that value (for another 100 examples); without
    # --checkpoint-every, with its own interval (100), not the size's default (5000).
    no_interval = ARGS[:7] + ARGS[9:]
    assert "--checkpoint-every" not in no_interval
    assert main(no_interval + ["--out", str(part), "--resume", "--set", "theta_plus=0.025", "--stop-after", "200"]) == 0
    model = DiehlCook2015.load(part / "model.npz")
    assert model.network_parameters.theta_plus == 0.025 and model.n_examples_seen_ == 200
    assert json.loads((part / "progress.json").read_text())["config"]["checkpoint_every"] == 100


def test_status_says_where_a_run_stands_its_pace_and_the_time_left(whole, tmp_path, capsys):
    part = tmp_path / "part"
    assert main(ARGS + ["--out", str(part), "--stop-after", "200"]) == 0
    capsys.readouterr()
    record = tmp_path / "status.json"
    assert main(["status", str(part), "--json", str(record)]) == 0
    shown = capsys.readouterr().out
    status = json.loads(record.read_text())
    history = DiehlCook2015.load(part / "checkpoint.npz").history_
    assert status["partial"] and (status["examples_seen"], status["examples_total"]) == (200, N_TRAIN)
    assert status["command"] == f"python -m stdplab status {part} --recent 10000 --json {record}"
    pace = sum(history["wall_time"]) / 200  # every chunk is within the last 10,000 examples
    assert status["recent_ms_per_example"] == pytest.approx(1e3 * pace)
    # Projected at the binaries' CPU time: on one core, none of it in Python or waiting
    assert all(0 < cpu <= wall for cpu, wall in zip(history["cpu_time"], history["wall_time"]))
    cpu_pace = sum(history["cpu_time"]) / 200
    assert status["projected_at"] == "cpu" and status["recent_cpu_ms_per_example"] == pytest.approx(1e3 * cpu_pace)
    assert status["projected_train_hours_left"] == pytest.approx(100 * cpu_pace / 3600)
    # Labels and test at the pace of its labelling (a stopped run labels and tests what it has)
    progress = json.loads((part / "progress.json").read_text())
    inference_pace = progress["timings"]["labels"] / progress["labelled"]["n_label"]
    assert status["projected_inference_hours"] == pytest.approx(
        (progress["config"]["n_label"] + progress["config"]["n_test"]) * inference_pace / 3600)
    accuracies = [a for a in history["running_accuracy"] if a is not None]
    assert status["running_accuracy"] == pytest.approx(np.mean(accuracies))
    assert "200 of 300 training examples" in shown and "left at the recent pace" in shown

    # A file from before CPU times were kept: projected at the wall time
    model = DiehlCook2015.load(part / "checkpoint.npz")
    del model.history_["cpu_time"]
    model.save(part / "checkpoint.npz")
    assert main(["status", str(part), "--json", str(record)]) == 0
    status = json.loads(record.read_text())
    assert status["projected_at"] == "wall" and status["recent_cpu_ms_per_example"] is None
    assert status["projected_train_hours_left"] == pytest.approx(100 * pace / 3600)
    assert "left at the recent pace (wall time)" in capsys.readouterr().out
    # Trained on by a stdplab that kept no CPU times: the runs it added have none
    model.history_["cpu_time"] = [1.0]
    model.save(tmp_path / "mixed.npz")
    runs = len(model.history_["examples"])
    assert runs > 1 and DiehlCook2015.load(tmp_path / "mixed.npz").history_["cpu_time"] == [1.0] + [None] * (runs - 1)

    # A finished run has nothing left; the pace may be taken over fewer recent examples.
    assert main(["status", str(whole), "--recent", "100"]) == 0
    shown = capsys.readouterr().out
    assert "done, 300 of 300" in shown and "left at" not in shown and "last 100 examples" in shown

    assert main(["status", str(tmp_path / "nothing")]) == 2
    assert "holds no run" in capsys.readouterr().err
    assert main(["status", str(whole), "--recent", "0"]) == 2
    assert "at least 1" in capsys.readouterr().err


def test_resume_refuses_another_configuration(whole, tmp_path, capsys):
    shutil.copytree(whole, tmp_path / "whole")
    before = json.loads((whole / "progress.json").read_text())
    assert main([*ARGS[:2], "50", *ARGS[3:], "--out", str(tmp_path / "whole"), "--resume"]) == 2
    assert "another configuration" in capsys.readouterr().err
    assert json.loads((tmp_path / "whole" / "progress.json").read_text()) == before  # nothing trained on


def test_the_default_run_is_the_train_commands_defaults():
    import argparse

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    cli.train_parser(sub)
    assert parser.parse_args(cli.DEFAULT_RUN) == parser.parse_args(["train"])


def test_the_default_run_ends_with_the_receptive_fields_and_the_next_lesson(tmp_path, monkeypatch, capsys):
    out = tmp_path / "default"
    small = [*ARGS[:4], "100", *ARGS[5:6], "50", *ARGS[7:]]  # 100 examples, tested on 50
    monkeypatch.setattr(cli, "DEFAULT_RUN", small + ["--out", str(out)])  # small, the same path through main
    assert main([]) == 0
    printed = capsys.readouterr().out
    figure = out / "receptive_fields.png"
    assert figure.stat().st_size > 10_000 and (out / "results.json").exists()
    assert f"receptive fields: {figure} (each tile is one neuron's weights from the 28x28 input pixels" in printed
    assert "next: open notebooks/01_neuron_and_stdp.ipynb (Lesson 1 of 5)" in printed
    assert printed.index("test accuracy") < printed.index("receptive fields") < printed.index("next: open")


def test_unknown_parameter_is_a_clear_error(capsys):
    assert main(["train", "--set", "nu_postt=0.1", "--out", "/nonexistent"]) == 2
    assert "did you mean 'nu_post'" in capsys.readouterr().err


def test_settings_with_an_option_of_their_own_are_refused_by_set(capsys):
    assert main(["train", "--set", "n_jobs=2", "--set", "random_state=1", "--out", "/nonexistent"]) == 2
    assert "'n_jobs' is set with --jobs, not --set, 'random_state' is set with --seed" in capsys.readouterr().err


def test_bad_parameter_value_is_a_clear_error_before_any_data_is_read(capsys):
    assert main(["train", "--set", "dt=0", "--out", "/nonexistent"]) == 2
    assert "'dt' parameter of DiehlCook2015 must be a float in the range (0.0, inf)" in capsys.readouterr().err
    assert main(["train", "--set", "present_time=350.2", "--out", "/nonexistent"]) == 2
    assert "multiple of dt" in capsys.readouterr().err


@pytest.mark.parametrize("option, value, name", [("--train", "0", "n_train"), ("--epochs", "0", "epochs"),
                                                  ("--test", "-5", "n_test"), ("--checkpoint-every", "0", "checkpoint_every"),
                                                  ("--label", "0", "n_label"), ("--stop-after", "-1", "stop_after"),
                                                  ("--neurons", "0", "n_neurons")])
def test_bad_counts_are_clear_errors_that_leave_no_folder(tmp_path, capsys, option, value, name):
    out = tmp_path / "run"
    assert main(["train", option, value, "--dataset", "digits", "--out", str(out), "--quiet"]) == 2
    assert f"The '{name}' parameter of " in capsys.readouterr().err
    assert not out.exists()


def test_a_rule_between_parameters_broken_is_refused_before_the_folder_is_made(tmp_path):
    from stdplab.experiment import run_experiment

    with pytest.raises(ValueError, match="present_time must be a positive multiple of dt"):
        run_experiment(tmp_path / "run", dataset="digits", present_time=350.2)
    assert not (tmp_path / "run").exists()


def test_a_file_where_a_folder_belongs_is_a_clear_error(tmp_path, capsys):
    pytest.importorskip("papermill")  # without it the sweep stops earlier, with its own message
    taken = tmp_path / "taken"
    taken.write_text("not a folder")
    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "02_train_diehl_cook.ipynb"
    assert main(["sweep", str(notebook), "--grid", "seed=0", "--out", str(taken), "--quiet"]) == 2
    assert "error: [Errno 20] Not a directory" in capsys.readouterr().err and taken.read_text() == "not a folder"


def test_short_segments_and_a_stop_off_the_checkpoint_grid(tmp_path):
    from stdplab.experiment import run_experiment

    # The first 10 digits hold some classes only: later segments' labels must still be known ones.
    with pytest.warns(UserWarning, match="stop_after=15 is not where an uninterrupted run checkpoints"):
        results = run_experiment(tmp_path / "run", n_neurons=20, n_train=20, n_test=10, dataset="digits",
                                 checkpoint_every=10, stop_after=15, chunk_size=100, verbose=False)
    assert results["examples_trained"] == 15


def test_a_bug_keeps_its_traceback(monkeypatch):
    import pytest

    from stdplab import experiment

    def broken(*args, **kwargs):
        raise TypeError("a programming error")

    monkeypatch.setattr(experiment, "run_experiment", broken)
    with pytest.raises(TypeError, match="a programming error"):
        main(["train", "--out", "/nonexistent"])


def test_a_progress_file_from_before_recorded_parameters_resumes_with_a_warning(tmp_path, monkeypatch):
    from stdplab import parameters

    part = tmp_path / "part"
    assert main(ARGS + ["--out", str(part), "--stop-after", "100"]) == 0
    progress = json.loads((part / "progress.json").read_text())
    del progress["resolved"], progress["format_version"]  # as written before runs recorded them
    (part / "progress.json").write_text(json.dumps(progress))
    monkeypatch.setitem(parameters.SIZE_TABLE["theta_plus"], 100, 0.04)
    with pytest.warns(UserWarning, match="theta_plus=0.04"):
        assert main(ARGS + ["--out", str(part), "--resume", "--stop-after", "200"]) == 0
    assert DiehlCook2015.load(part / "model.npz").n_examples_seen_ == 200


CONFIG = {"n_neurons": 100, "n_train": 500, "epochs": 1, "n_test": 100, "dataset": "mnist", "seed": 0,
          "checkpoint_every": 100, "n_label": 500, "params": {"chunk_size": 250}}


def test_progress_files_before_format_versions_are_read_in_todays_format(tmp_path):
    from stdplab.experiment import PROGRESS_FORMAT, read_progress

    assert read_progress(tmp_path) is None  # no progress file
    (tmp_path / "progress.json").write_text(json.dumps({"stage": "labels", "examples_seen": 300, "config": CONFIG}))
    with pytest.warns(UserWarning, match="predates recorded parameters.*theta_plus=0.025"):
        progress = read_progress(tmp_path)
    assert progress["format_version"] == PROGRESS_FORMAT
    assert progress["labelled"] == {"examples_seen": 300, "n_label": 500}  # the stage said it was labelled
    assert progress["resolved"]["params"]["theta_plus"] == 0.025 and progress["invocations"] == []


def test_results_files_before_format_versions_are_read_in_todays_format(tmp_path):
    from stdplab.experiment import RESULTS_FORMAT, read_results

    (tmp_path / "results.json").write_text(json.dumps({"accuracy": 0.8, "compute": {"cpu_s": 3.0}}))
    results = read_results(tmp_path)
    assert results["format_version"] == RESULTS_FORMAT and results["compute"] is None  # before codecarbon
    metered = {"format_version": RESULTS_FORMAT, "accuracy": 0.8, "compute": {"energy_kwh": 1e-4}}
    (tmp_path / "results.json").write_text(json.dumps(metered))
    assert read_results(tmp_path) == metered


def test_run_files_of_format_1_name_the_readout_as_today(tmp_path):
    # Format 1 recorded the estimator's keywords with voting="all" | "proportion"; a resume compares them with
    # today's readout="vote" | "proportion", so they are read in today's names.
    from stdplab.experiment import PROGRESS_FORMAT, read_progress, read_results

    resolved = {**CONFIG, "params": {"chunk_size": 250, "voting": "all", "theta_plus": 0.025}}
    config = {**CONFIG, "params": {"chunk_size": 250, "voting": "proportion"}}
    (tmp_path / "progress.json").write_text(json.dumps({
        "format_version": 1, "stage": "train", "examples_seen": 100, "config": config, "timings": {},
        "labelled": None, "invocations": [], "resolved": resolved}))
    progress = read_progress(tmp_path)
    assert progress["format_version"] == PROGRESS_FORMAT
    assert progress["resolved"]["params"] == {"chunk_size": 250, "readout": "vote", "theta_plus": 0.025}
    assert progress["config"]["params"] == {"chunk_size": 250, "readout": "proportion"}
    (tmp_path / "results.json").write_text(json.dumps({
        "format_version": 1, "accuracy": 0.8, "config": config, "parameters": {"n_neurons": 100, "voting": "all"}}))
    results = read_results(tmp_path)
    assert results["parameters"] == {"n_neurons": 100, "readout": "vote"}
    assert results["config"]["params"]["readout"] == "proportion" and "voting" not in results["config"]["params"]


@pytest.mark.parametrize("name", ["progress.json", "results.json"])
@pytest.mark.parametrize("version, message", [(99, "format_version 99, newer than this stdplab reads"),
                                              ("1.0", "format_version '1.0', which no stdplab writes")])
def test_run_files_of_a_newer_or_unknown_format_are_refused(tmp_path, name, version, message):
    from stdplab.experiment import read_progress, read_results
    from stdplab.records import UnsupportedFormatError

    (tmp_path / name).write_text(json.dumps({"format_version": version, "stage": "done", "config": CONFIG}))
    with pytest.raises(UnsupportedFormatError, match=message):
        (read_progress if name == "progress.json" else read_results)(tmp_path)


def test_resume_from_a_newer_progress_file_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "checkpoint.npz").write_bytes(b"")
    (tmp_path / "progress.json").write_text(json.dumps({"format_version": 99, "stage": "train", "config": CONFIG}))
    assert main(ARGS + ["--out", str(tmp_path), "--resume"]) == 2
    assert "newer than this stdplab reads" in capsys.readouterr().err


def test_command_line_values_take_json_lists_and_quoted_strings():
    from stdplab.cli import _value

    assert _value("3") == 3 and _value("0.5") == 0.5 and _value("none") is None and _value("True") is True
    assert _value("[]") == [] and _value("[10, 100]") == [10, 100] and _value('{"a": 1}') == {"a": 1}
    assert _value('"none"') == "none"  # quoted: the string, not None
    assert _value("[not json") == "[not json" and _value("triplet") == "triplet"
