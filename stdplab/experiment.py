"""A whole experiment: learn, assign labels, test; with checkpoints, resume and a results file.

The command line (``python -m stdplab train``), the notebooks and the accuracy benchmark all run
experiments through ``run_experiment``. Everything it writes goes into one folder:
``checkpoint.npz`` (the model, rewritten every ``checkpoint_every`` examples and after labelling),
``model.npz`` and ``test_counts.npz`` at the end, and ``results.json``.
"""
from __future__ import annotations

import dataclasses
import json
import time
import warnings
from pathlib import Path

import numpy as np

from . import datasets, readout
from .metering import ComputeMeter
from .estimator import SPIKE_STATS, DiehlCook2015
from .parameters import SIZE_TABLE
from .progress import progress_bar
from .records import environment, git_commit, save_npz, write_json


def run_experiment(out, n_neurons=100, n_train=1000, epochs=1, n_test=1000, dataset="mnist",
                   data_dir=None, seed=0, checkpoint_every=5000, n_label=None, resume=False,
                   stop_after=None, n_jobs=None, verbose=True, callback=None, **params) -> dict:
    """Train ``n_neurons`` on the first ``n_train`` training images for ``epochs`` passes, assign
    labels on the first ``n_label`` (default: all ``n_train``), test on the first ``n_test`` test
    images. ``params`` are any further ``DiehlCook2015`` keywords; those left out or ``None`` take the
    dataset's suggested value (``datasets.SUGGESTED_PARAMETERS``), else the paper's. ``stop_after``
    ends training after that many examples in all: the run is labelled and tested there, its results
    say ``partial``, and a later ``resume`` goes on training. ``n_jobs``: runs of the binary at once
    while labelling and testing (``DiehlCook2015``'s; the results do not depend on it).
    ``callback(model)`` is called after every run of the binary (``DiehlCook2015.fit``'s, e.g.
    ``live.LiveView()``). Returns the results dict."""
    params = {**datasets.SUGGESTED_PARAMETERS.get(dataset, {}),
              **{k: v for k, v in params.items() if v is not None}}
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    checkpoint = out / "checkpoint.npz"
    config = {"n_neurons": n_neurons, "n_train": n_train, "epochs": epochs, "n_test": n_test,
              "dataset": dataset, "seed": seed, "checkpoint_every": checkpoint_every,
              "n_label": n_label or n_train, "params": params}
    x_train, y_train, x_test, y_test = datasets.load(dataset, data_dir=data_dir)
    x_train, y_train = x_train[:n_train], y_train[:n_train]
    x_test, y_test = x_test[:n_test], y_test[:n_test]
    if len(x_train) < n_train or len(x_test) < n_test:
        raise ValueError(f"{dataset} has {len(x_train)} training and {len(x_test)} test images;"
                         f" asked for {n_train} and {n_test}")
    total = n_train * epochs
    target = total if stop_after is None else min(int(stop_after), total)

    timings = {"train": 0.0, "labels": 0.0, "test": 0.0}
    progress = {}
    resolved = _resolved(config)
    if resume and checkpoint.exists():
        progress = _read_progress(out)
        finished = progress.get("stage") == "done" and progress.get("config") == config
        if finished and (out / "results.json").exists():
            return json.loads((out / "results.json").read_text())  # finished: nothing to redo
        # As resolved when the run started, so that a size default changed since, in a newer
        # stdplab, cannot slip into the rest of the run.
        started = progress.get("resolved") or _resolved_before_records(progress.get("config", config), resolved)
        _check_same_training(started, resolved, out)
        model = DiehlCook2015.load(checkpoint).set_params(n_jobs=n_jobs, verbose=verbose, **params)
        resolved = started
        timings.update(progress.get("timings", {}))
    else:
        model = DiehlCook2015(n_neurons=n_neurons, random_state=seed, n_jobs=n_jobs, verbose=verbose, **params)
    # Each invocation of a run, so that a results file says whether (and where) it was resumed.
    invocations = progress.get("invocations", []) + [
        {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "examples_seen": getattr(model, "n_examples_seen_", 0),
         "commit": git_commit()}]
    labelled = progress.get("labelled")
    if labelled is None and progress.get("stage") in ("labels", "done"):  # progress files before "labelled"
        labelled = {"examples_seen": progress["examples_seen"], "n_label": progress["config"]["n_label"]}

    def save_progress(stage):
        model.save(checkpoint)
        write_json(out / "progress.json", {"stage": stage, "examples_seen": model.n_examples_seen_,
                                           "config": config, "timings": timings, "labelled": labelled,
                                           "invocations": invocations, "resolved": resolved})

    meter = ComputeMeter()  # this invocation's cost, measured by codecarbon (a resumed run: the rest)
    with meter:
        seen = getattr(model, "n_examples_seen_", 0)
        bar = progress_bar(total, "training", "ex", initial=seen, enabled=verbose)
        while seen < target:
            position = seen % n_train
            stop = min(position + checkpoint_every, n_train, position + target - seen)
            start_time = time.perf_counter()
            model.partial_fit(x_train[position:stop], y_train[position:stop], progress=bar, reassign=False,
                              callback=callback)
            timings["train"] += time.perf_counter() - start_time
            seen = model.n_examples_seen_
            save_progress("train")
        if bar is not None:
            bar.close()

        if labelled != {"examples_seen": seen, "n_label": config["n_label"]}:
            start_time = time.perf_counter()
            model.assign_labels(x_train[: config["n_label"]], y_train[: config["n_label"]])
            timings["labels"] = time.perf_counter() - start_time
            labelled = {"examples_seen": seen, "n_label": config["n_label"]}
            save_progress("labels")

        start_time = time.perf_counter()
        responses = model.responses(x_test)
        timings["test"] = time.perf_counter() - start_time
    counts = responses.counts
    stats = {k: getattr(responses, k) for k in SPIKE_STATS}
    results = {
        "config": config,
        "accuracy": _accuracy(model, counts, y_test, "all"),
        "accuracy_proportion": _accuracy(model, counts, y_test, "proportion"),
        "test": readout.evaluation(model.predict_from_counts(counts), y_test, model.classes_),
        "spikes_per_test_example": {k: float(np.mean(stats[k])) for k in ("input_spikes", "exc_spikes", "inh_spikes")},
        "presentations_per_test_example": float(np.mean(stats["presentations"])),
        "timings_s": timings,
        "compute": meter.cost.as_dict(),
        "train_seconds_per_example": timings["train"] / max(seen, 1),
        "examples_trained": seen,
        "partial": seen < total,
        "resumed": len(invocations) > 1,
        "invocations": invocations,
        "history": {k: v for k, v in model.history_.items() if k != "snapshots"},
        "parameters": model.get_params(),
        "network_parameters": dataclasses.asdict(model.network_parameters),  # with every default resolved
        "environment": environment(),
    }
    model.save(out / "model.npz")
    save_npz(out / "test_counts.npz", counts=counts, labels=y_test, **{k: np.asarray(v) for k, v in stats.items()})
    write_json(out / "results.json", results)
    save_progress("train" if results["partial"] else "done")
    return results


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


def _resolved_before_records(config: dict, now: dict) -> dict:
    """For progress files from before runs recorded their resolved parameters: the size defaults
    they started with are unknown, so those left to the size take today's (with a warning)."""
    started = _resolved(config)
    unknown = [name for name in SIZE_TABLE if name not in config["params"]]
    started["params"].update({name: now["params"][name] for name in unknown})
    today = ", ".join(f"{name}={now['params'][name]}" for name in unknown)
    warnings.warn(f"this run's progress file predates recorded parameters: the size defaults it started with"
                  f" cannot be checked, and it goes on with {today}", stacklevel=3)
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


def _read_progress(out: Path) -> dict:
    try:
        return json.loads((out / "progress.json").read_text())
    except (OSError, ValueError):
        return {}
