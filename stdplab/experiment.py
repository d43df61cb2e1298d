"""A whole experiment: learn, assign labels, test; with checkpoints, resume and a results file.

The command line (``python -m stdplab train``), the notebooks and the accuracy benchmark all run
experiments through ``run_experiment``. Everything it writes goes into one folder:
``checkpoint.npz`` (the model, rewritten every ``checkpoint_every`` examples and after labelling),
``label_counts.npz`` (the labelled images' spike counts and labels, when labelled), ``model.npz``
and ``test_counts.npz`` at the end, and ``results.json``. The JSON files carry a
``format_version``; ``read_progress`` and ``read_results`` read every version this stdplab knows and
refuse the others.
"""
from __future__ import annotations

import dataclasses
import json
import time
import warnings
from numbers import Integral
from pathlib import Path

import numpy as np
from sklearn.utils._param_validation import Interval, validate_parameter_constraints

from . import datasets, readout
from ._docstrings import fill_doc
from .metering import ComputeMeter
from .estimator import SPIKE_STATS, DiehlCook2015, check_parameters, upgrade_params
from .parameters import SIZE_TABLE
from .progress import progress_bar
from .provenance import environment, git_commit
from .records import format_version, save_npz, write_json


# The layouts of the run's JSON files; version 0, before files carried one, is read through
# ``read_progress`` and ``read_results``. Version 2 records the estimator's keywords with ``readout``
# where 1 had ``voting`` (``estimator.upgrade_params``). The model and checkpoint files are the
# estimator's (``estimator.MODEL_FORMAT``).
PROGRESS_FORMAT = 2
RESULTS_FORMAT = 2
CHECKPOINT = "checkpoint.npz"
LABEL_COUNTS = "label_counts.npz"

_AT_LEAST_ONE = [Interval(Integral, 1, None, closed="left")]
# Checked before the run's folder is made, so that a refused run leaves nothing behind.
RUN_CONSTRAINTS = {"n_train": _AT_LEAST_ONE, "epochs": _AT_LEAST_ONE, "n_test": _AT_LEAST_ONE,
                   "checkpoint_every": [*_AT_LEAST_ONE, None], "n_label": [*_AT_LEAST_ONE, None],
                   "stop_after": [Interval(Integral, 0, None, closed="left"), None]}


def run_experiment(out, n_neurons=100, n_train=1000, epochs=1, n_test=1000, dataset="mnist",
                   data_dir=None, seed=0, checkpoint_every=None, n_label=None, resume=False,
                   stop_after=None, n_jobs=None, verbose=True, callback=None, **params) -> dict:
    """Train, assign labels and test, writing everything into one folder.

    Parameters
    ----------
    out : str or os.PathLike
        The run's folder (created if need be).
    n_neurons : int, default 100
        Excitatory neurons.
    n_train : int, default 1000
        Training images: the first ``n_train`` of the dataset's training set.
    epochs : int, default 1
        Passes over the training images.
    n_test : int, default 1000
        Test images: the first ``n_test`` of the test set.
    dataset : str, default "mnist"
        A name in ``datasets.LOADERS``.
    data_dir : str or os.PathLike, optional
        The folder of the dataset's idx files (``datasets.load``).
    seed : int, default 0
        The model's ``random_state``.
    checkpoint_every : int, optional
        Training examples between checkpoints. Part of the run (a checkpoint that falls inside a run of
        ``chunk_size`` examples splits it, which changes the weights), so a resumed run keeps its own;
        a new one takes ``checkpoint_interval(n_neurons)``.
    n_label : int, optional
        Training images labels are assigned on (default: all ``n_train``).
    resume : bool, default False
        Go on from the folder's checkpoint, if it has one; a finished run returns its results.
    stop_after : int, optional
        End training after that many examples in all: the run is labelled and tested there, its
        results say ``partial``, and a later ``resume`` goes on training.
    n_jobs : int, optional
        Runs of the binary at once while labelling and testing (``DiehlCook2015``'s; the results do
        not depend on it).
    verbose : bool, default True
        Progress bars.
    callback : callable, optional
        ``callback(model)`` after every run of the binary (``DiehlCook2015.fit``'s, e.g.
        ``live.LiveView()``).
    **params
        Further ``DiehlCook2015`` keywords; those left out or ``None`` take the dataset's suggested
        value (``datasets.SUGGESTED_PARAMETERS``), else the paper's.

    Returns
    -------
    dict
        The results, as written to ``results.json``.

    Raises
    ------
    ValueError
        If a count is below one (``stop_after`` below zero), a ``DiehlCook2015`` keyword is out of
        its range, the dataset is unknown or has fewer images than asked for (all before the folder
        is made), or ``resume`` finds a run with another configuration (the message says how to go
        on as it started).
    records.UnsupportedFormatError
        If the folder's files are of a format this stdplab cannot read.

    Examples
    --------
    >>> results = run_experiment("runs/small", n_neurons=100, n_train=2000, n_test=1000)  # doctest: +SKIP
    >>> results["accuracy"]  # doctest: +SKIP
    """
    params = datasets.with_suggested_parameters(dataset, **params)
    validate_parameter_constraints(RUN_CONSTRAINTS, {"n_train": n_train, "epochs": epochs, "n_test": n_test,
                                                     "checkpoint_every": checkpoint_every, "n_label": n_label,
                                                     "stop_after": stop_after}, caller_name="run_experiment")
    check_parameters(n_neurons=n_neurons, **params)
    x_train, y_train, x_test, y_test = _data(dataset, data_dir, n_train, n_test)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    resuming = resume and (out / CHECKPOINT).exists()
    progress = read_progress(out) if resuming else None
    if checkpoint_every is None:
        checkpoint_every = progress["config"]["checkpoint_every"] if progress else checkpoint_interval(n_neurons)
    config = {"n_neurons": n_neurons, "n_train": n_train, "epochs": epochs, "n_test": n_test,
              "dataset": dataset, "seed": seed, "checkpoint_every": checkpoint_every,
              "n_label": n_label or n_train, "params": params}
    if progress and progress["stage"] == "done" and progress["config"] == config and (out / "results.json").exists():
        return read_results(out)  # finished: nothing to redo
    run = _Run(out, config, progress, resuming, n_jobs=n_jobs, verbose=verbose)
    total = n_train * epochs
    stops_early = stop_after is not None and stop_after < total
    if stops_early and stop_after not in segment_ends(n_train, checkpoint_every, total):
        warnings.warn(f"stop_after={stop_after} is not where an uninterrupted run checkpoints (every"
                      f" {checkpoint_every} examples and at each epoch's end): a run resumed from this stop splits"
                      " its presentations differently and ends close to, not bit for bit at, its weights",
                      stacklevel=2)
    meter = ComputeMeter()  # this invocation's cost, measured by codecarbon (a resumed run: the rest)
    with meter:
        run.train(x_train, y_train, total if stop_after is None else min(int(stop_after), total), total, callback)
        run.label(x_train[: config["n_label"]], y_train[: config["n_label"]])
        responses = run.test(x_test)
    return run.finish(responses, y_test, meter.cost, total)


def segment_ends(n_train: int, every: int, total: int) -> set[int]:
    """Where an uninterrupted run checkpoints: every ``every`` examples within an epoch, and at each
    epoch's end (``_Run.train`` learns one such segment per call of the binary's loop).

    Parameters
    ----------
    n_train, every, total : int
        Training images per epoch, examples between checkpoints, and examples in all.

    Returns
    -------
    set of int
        The examples seen at each checkpoint.

    Examples
    --------
    >>> sorted(segment_ends(5, 2, 10))
    [2, 4, 5, 7, 9, 10]
    """
    ends, seen = set(), 0
    while seen < total:
        seen = _segment_end(seen, n_train, every, total)
        ends.add(seen)
    return ends


def _segment_end(seen: int, n_train: int, every: int, target: int) -> int:
    """Where the segment that starts at ``seen`` ends: ``every`` on, the epoch's end or ``target``."""
    return seen + min(every, n_train - seen % n_train, target - seen)


def checkpoint_interval(n_neurons: int) -> int:
    """Training examples between checkpoints for a network size: a few minutes of training.

    Parameters
    ----------
    n_neurons : int
        Excitatory neurons.

    Returns
    -------
    int
        5,000 up to 1,600 neurons (at most about 4 minutes on one core), 1,000 above (about 1.5 minutes
        at 6,400 neurons alone, and 40 minutes for 5,000 examples on a machine that is busy otherwise).
    """
    return 5000 if n_neurons <= 1600 else 1000


def _data(dataset, data_dir, n_train, n_test):
    x_train, y_train, x_test, y_test = datasets.load(dataset, data_dir=data_dir)
    if len(x_train) < n_train or len(x_test) < n_test:
        raise ValueError(f"{dataset} has {len(x_train)} training and {len(x_test)} test images;"
                         f" asked for {n_train} and {n_test}")
    return x_train[:n_train], y_train[:n_train], x_test[:n_test], y_test[:n_test]


class _Run:
    """One invocation of an experiment in its folder: the model, what it has done and its record."""

    def __init__(self, out: Path, config: dict, progress: dict | None, resuming: bool, n_jobs, verbose):
        self.out, self.config, self.verbose = out, config, verbose
        resolved = _resolved(config)
        record = progress or {"resolved": resolved, "timings": {}, "labelled": None, "invocations": []}
        if resuming:
            # As resolved when the run started, so that a size default changed since, in a newer
            # stdplab, cannot slip into the rest of the run.
            _check_same_training(record["resolved"], resolved, out)
            self.model = DiehlCook2015.load(out / CHECKPOINT).set_params(n_jobs=n_jobs, verbose=verbose,
                                                                         **config["params"])
        else:
            self.model = DiehlCook2015(n_neurons=config["n_neurons"], random_state=config["seed"], n_jobs=n_jobs,
                                       verbose=verbose, **config["params"])
        self.resolved = record["resolved"]
        self.timings = {"train": 0.0, "labels": 0.0, "test": 0.0, **record["timings"]}
        self.labelled = record["labelled"]
        # Each invocation of a run, so that a results file says whether (and where) it was resumed.
        self.invocations = record["invocations"] + [
            {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "examples_seen": self.seen, "commit": git_commit()}]

    @property
    def seen(self) -> int:
        return getattr(self.model, "n_examples_seen_", 0)

    def save_progress(self, stage: str) -> None:
        self.model.save(self.out / CHECKPOINT)
        write_json(self.out / "progress.json", {
            "format_version": PROGRESS_FORMAT, "stage": stage, "examples_seen": self.seen, "config": self.config,
            "timings": self.timings, "labelled": self.labelled, "invocations": self.invocations,
            "resolved": self.resolved})

    def train(self, x_train, y_train, target: int, total: int, callback) -> None:
        """Learn up to ``target`` examples in all, checkpointing every ``checkpoint_every``."""
        n_train, every = len(x_train), self.config["checkpoint_every"]
        classes = np.unique(y_train)  # every label, whichever the first segment holds
        # The bar runs to where this invocation stops, so that its time left is the wait's.
        desc = "training" if target == total else f"training (a stop at {target:,} of {total:,})"
        with progress_bar(target, desc, "ex", initial=self.seen, enabled=self.verbose) as bar:
            while self.seen < target:
                position = self.seen % n_train
                stop = position + _segment_end(self.seen, n_train, every, target) - self.seen
                start_time = time.perf_counter()
                self.model.partial_fit(x_train[position:stop], y_train[position:stop], classes=classes, progress=bar,
                                       reassign=False, callback=callback)
                self.timings["train"] += time.perf_counter() - start_time
                self.save_progress("train")

    def label(self, images, labels) -> None:
        """Assign labels, unless the model was labelled on these images at this point already."""
        wanted = {"examples_seen": self.seen, "n_label": self.config["n_label"]}
        if self.labelled == wanted:
            return
        start_time = time.perf_counter()
        counts = self.model.transform(images)
        self.model.fit_readout(counts, labels)
        self.timings["labels"] = time.perf_counter() - start_time
        # Kept for other readouts fitted later on these images (studies.label_efficiency): counts are small ints.
        save_npz(self.out / LABEL_COUNTS, counts=counts.astype(np.int32), labels=labels)
        self.labelled = wanted
        self.save_progress("labels")

    def test(self, images):
        start_time = time.perf_counter()
        responses = self.model.responses(images)
        self.timings["test"] = time.perf_counter() - start_time
        return responses

    def finish(self, responses, y_test, cost, total: int) -> dict:
        """Write the model, the test counts and the results; returns the results."""
        model, counts = self.model, responses.counts
        stats = {k: getattr(responses, k) for k in SPIKE_STATS}
        results = {
            "format_version": RESULTS_FORMAT,
            "config": self.config,
            "accuracy": _accuracy(model, counts, y_test, "all"),
            "accuracy_proportion": _accuracy(model, counts, y_test, "proportion"),
            "test": readout.evaluation(model.predict_from_counts(counts), y_test, model.classes_),
            "spikes_per_test_example": {k: float(np.mean(stats[k])) for k in ("input_spikes", "exc_spikes",
                                                                               "inh_spikes")},
            "presentations_per_test_example": float(np.mean(stats["presentations"])),
            "timings_s": self.timings,
            "compute": cost.as_dict(),
            "train_seconds_per_example": self.timings["train"] / max(self.seen, 1),
            "examples_trained": self.seen,
            "partial": self.seen < total,
            "resumed": len(self.invocations) > 1,
            "invocations": self.invocations,
            "history": {k: v for k, v in model.history_.items() if k != "snapshots"},
            "parameters": model.get_params(),
            "network_parameters": dataclasses.asdict(model.network_parameters),  # with every default resolved
            "environment": environment(),
        }
        model.save(self.out / "model.npz")
        save_npz(self.out / "test_counts.npz", counts=counts, labels=y_test,
                 **{k: np.asarray(v) for k, v in stats.items()})
        write_json(self.out / "results.json", results)
        self.save_progress("train" if results["partial"] else "done")
        return results


def run_status(out, recent: int = 10000) -> dict:
    """Where a run stands: examples learned, the running accuracy, its pace and the time left.

    Read from the folder's ``progress.json`` and checkpoint, without running anything, so it can be
    asked while the run goes on (``python -m stdplab status``) and recorded when a long run stops
    short of its end.

    Parameters
    ----------
    out : str or os.PathLike
        The run's folder.
    recent : int, default 10000
        Training examples the running accuracy, the spike rate and the recent pace are taken over:
        the runs of the binary (``chunk_size`` examples or fewer) that end within the last
        ``recent`` examples before the checkpoint, whole, so a few more where a run straddles the
        boundary (``recent_examples`` says how many).

    Returns
    -------
    dict
        ``run``, ``stage``, ``examples_seen``, ``examples_total``, ``epochs_done`` (fractional),
        ``epochs``, ``config``, ``running_accuracy`` (the original's measure, over ``recent``
        examples; None before labels were seen), ``exc_spikes_per_example``, ``train_hours``
        (all invocations), ``ms_per_example`` (over the whole run, Python included),
        ``recent_ms_per_example`` (the binaries' own wall time over the recent examples, a little
        less) and ``recent_cpu_ms_per_example`` (their CPU time, over the recent runs that kept it:
        the binaries only, without pauses and waits for a core; None for files from before it was
        kept and for builds with OpenMP threads), ``projected_train_hours_left`` (at the recent CPU
        pace where known, else the wall pace, as ``projected_at`` says: "cpu" or "wall"; the Python
        between runs comes on top), ``projected_inference_hours`` (labels and test, at the wall
        pace of the run's last labelling, readout fit and ``n_jobs`` as then; None if it has not
        labelled yet), ``checkpoint_time``
        (ISO 8601), ``invocations`` and ``partial`` (True until the run is done).

    Raises
    ------
    ValueError
        If ``recent`` is below 1.
    FileNotFoundError
        If the folder holds no run.
    records.UnsupportedFormatError
        If its files are of a format this stdplab cannot read.
    """
    if recent < 1:
        raise ValueError(f"recent must be at least 1 example, got {recent}")
    out = Path(out)
    progress = read_progress(out)
    if progress is None or not (out / CHECKPOINT).exists():
        raise FileNotFoundError(f"{out} holds no run (no readable progress.json and {CHECKPOINT})")
    config = progress["config"]
    # The checkpoint is written before progress.json: its own count goes with its history.
    model = DiehlCook2015.load(out / CHECKPOINT)
    history, seen = model.history_, model.n_examples_seen_
    total = config["n_train"] * config["epochs"]
    chunks = [i for i, examples in enumerate(history["examples"]) if examples > seen - recent]
    accuracies = [history["running_accuracy"][i] for i in chunks if history["running_accuracy"][i] is not None]
    first = history["examples"][chunks[0] - 1] if chunks and chunks[0] > 0 else 0
    recent_seconds = sum(history["wall_time"][i] for i in chunks)
    recent_pace = recent_seconds / (seen - first) if seen > first else None
    cpu_pace = _cpu_pace(history, chunks)
    pace = cpu_pace or recent_pace
    train_seconds = progress["timings"].get("train", 0.0)
    # Labels and test run the inference binary: at the pace of the run's last labelling, if any.
    labelled = progress.get("labelled") or {}
    label_seconds = progress["timings"].get("labels")
    inference_pace = label_seconds / labelled["n_label"] if label_seconds and labelled.get("n_label") else None
    return {
        "run": str(out), "stage": progress["stage"], "partial": progress["stage"] != "done",
        "examples_seen": seen, "examples_total": total, "epochs": config["epochs"],
        "epochs_done": seen / config["n_train"],
        "config": config,
        "running_accuracy": float(np.mean(accuracies)) if accuracies else None,
        "exc_spikes_per_example": (float(np.mean([history["spikes_per_example"][i] for i in chunks]))
                                   if chunks else None),
        "recent_examples": seen - first,
        "train_hours": train_seconds / 3600,
        "ms_per_example": 1e3 * train_seconds / seen if seen and train_seconds else None,
        "recent_ms_per_example": 1e3 * recent_pace if recent_pace else None,
        "recent_cpu_ms_per_example": 1e3 * cpu_pace if cpu_pace else None,
        "projected_train_hours_left": (total - seen) * pace / 3600 if pace else None,
        "projected_at": "cpu" if cpu_pace else "wall" if recent_pace else None,
        "projected_inference_hours": ((config["n_label"] + config["n_test"]) * inference_pace / 3600
                                      if inference_pace else None),
        "checkpoint_time": time.strftime("%Y-%m-%dT%H:%M:%S%z",
                                         time.localtime((out / CHECKPOINT).stat().st_mtime)),
        "invocations": progress["invocations"],
    }


def _cpu_pace(history: dict, chunks: list) -> float | None:
    """CPU seconds per example over the chunks that kept their CPU time (None if none did)."""
    timed = [i for i in chunks if history["cpu_time"][i] is not None]
    examples = sum(history["examples"][i] - (history["examples"][i - 1] if i else 0) for i in timed)
    return sum(history["cpu_time"][i] for i in timed) / examples if examples else None


@fill_doc
def read_progress(out) -> dict | None:
    """A run's ``progress.json``, in the current format whatever format it was written in.

    %(run_folder_parameters)s

    Returns
    -------
    dict or None
        ``stage``, ``examples_seen``, ``config``, ``timings``, ``labelled``, ``invocations`` and
        ``resolved``; None if the folder has no readable progress file.

    %(unsupported_format_raises)s

    Warns
    -----
    UserWarning
        For a file from before runs recorded their resolved parameters.
    """
    path = Path(out) / "progress.json"
    try:
        progress = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    version = format_version(progress, PROGRESS_FORMAT, str(path))
    if version == 0:
        progress = _progress_before_versions(progress)
    if version < 2:
        progress = {**progress, "format_version": PROGRESS_FORMAT,
                    "config": _config_before_readout(progress["config"]),
                    "resolved": _config_before_readout(progress["resolved"])}
    return progress


def _config_before_readout(config: dict) -> dict:
    return {**config, "params": upgrade_params(config["params"], 1)}


def _progress_before_versions(progress: dict) -> dict:
    progress = {"timings": {}, "invocations": [], **progress, "format_version": PROGRESS_FORMAT}
    if progress.get("labelled") is None:  # files before "labelled": the stage says whether labels were assigned
        labelled = progress["stage"] in ("labels", "done")
        progress["labelled"] = ({"examples_seen": progress["examples_seen"], "n_label": progress["config"]["n_label"]}
                                if labelled else None)
    if "resolved" not in progress:
        progress["resolved"] = _resolved_before_records(progress["config"])
    return progress


@fill_doc
def read_results(out) -> dict:
    """A run's ``results.json``, in the current format whatever format it was written in.

    %(run_folder_parameters)s

    Returns
    -------
    dict
        The results (``run_experiment``'s); ``compute`` is None for runs from before the lab
        metered its compute with codecarbon.

    %(unsupported_format_raises)s
    """
    path = Path(out) / "results.json"
    results = json.loads(path.read_text())
    version = format_version(results, RESULTS_FORMAT, str(path))
    if version == 0 and "energy_kwh" not in (results.get("compute") or {}):
        results["compute"] = None  # before codecarbon metered every run
    if version < 2 and "parameters" in results:
        results["config"] = _config_before_readout(results["config"])
        results["parameters"] = upgrade_params(results["parameters"], version)
    return {**results, "format_version": RESULTS_FORMAT}


def _accuracy(model, counts, labels, voting) -> float:
    predicted = model.classes_[readout.predict(counts, model.assignments_, model.proportions_, voting)]
    return float(np.mean(predicted == labels))


def _check_same_training(started: dict, now: dict, out: Path) -> None:
    if _training(started) == _training(now):
        return
    differ = [key for key in dict.fromkeys([*_training(started), *_training(now)])
              if key != "params" and now.get(key) != started.get(key)]
    if differ:
        raise ValueError(f"{out} holds a run with another configuration: "
                         + ", ".join(f"{key} {started.get(key)} (now {now.get(key)})" for key in differ))
    names = dict.fromkeys([*started["params"], *now["params"]])
    changed = {name: (started["params"].get(name), now["params"].get(name)) for name in names
               if now["params"].get(name) != started["params"].get(name)}
    raise ValueError(
        f"{out} holds a run that started with {', '.join(f'{n}={old}' for n, (old, _) in changed.items())};"
        f" these settings give {', '.join(f'{n}={new}' for n, (_, new) in changed.items())}. To go on as it"
        f" started, resume with {' '.join(f'--set {n}={old}' for n, (old, _) in changed.items())}")


def _resolved_before_records(config: dict) -> dict:
    """For progress files from before runs recorded their resolved parameters: the size defaults
    they started with are unknown, so those left to the size take today's (with a warning)."""
    started = _resolved(config)
    unknown = [name for name in SIZE_TABLE if name not in config["params"]]
    today = ", ".join(f"{name}={started['params'][name]}" for name in unknown)
    warnings.warn(f"this run's progress file predates recorded parameters: the size defaults it started with"
                  f" cannot be checked, and it goes on with {today}", stacklevel=4)
    return started


def _resolved(config: dict) -> dict:
    """A configuration with every model parameter spelled out (size and rule defaults resolved), so
    defaults given explicitly and defaults left out compare equal."""
    model = DiehlCook2015(n_neurons=config["n_neurons"], random_state=config["seed"], **config["params"])
    params = {k: v for k, v in model.get_params().items() if k not in ("n_jobs", "verbose")}  # no effect on results
    return {**config, "params": {**params, **dataclasses.asdict(model.network_parameters)}}


def _training(config: dict) -> dict:
    """What decides the training itself; labelling and test sizes may change on resume."""
    return {k: v for k, v in config.items() if k not in ("n_label", "n_test")}
