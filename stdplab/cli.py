"""Command line: ``python -m stdplab train ...``, ``python -m stdplab sweep ...``, ``python -m stdplab
status RUN``, and with no arguments the default experiment, which ends with the receptive fields it
learned and the lesson to open next."""
from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path

from ._docstrings import fill_doc


def _value(text: str):
    """A command-line value as int, float, bool, None, a JSON list, object or quoted string, else a string."""
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    if text.lower() in ("true", "false", "none"):
        return {"true": True, "false": False, "none": None}[text.lower()]
    if text[:1] in '[{"':  # e.g. -p label_sizes "[10, 100]", -p collapse '"none"' (the string, not None)
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            pass
    return text


def _assignments(pairs, what) -> dict:
    """``NAME=VALUE`` strings -> {name: value string}; SystemExit on one without ``=``."""
    values = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"{what} must look like NAME=VALUE, got {pair!r}")
        values[name.strip()] = value
    return values


# Estimator settings that the commands take as options of their own.
OWN_OPTIONS = {"n_jobs": "--jobs", "random_state": "--seed", "verbose": "--quiet"}
# What ``python -m stdplab`` runs without arguments: the train command's defaults, spelled out.
DEFAULT_RUN = ["train", "--neurons", "100", "--train", "2000", "--test", "1000", "--out", "runs/default"]
NEXT_LESSON = "notebooks/01_neuron_and_stdp.ipynb"


def parameter_settings(pairs, what="--set") -> dict:
    """``--set`` values, checked against the model's parameters before any data is read.

    Parameters
    ----------
    pairs : list of str or None
        ``NAME=VALUE`` strings.
    what : str, default "--set"
        The option, as messages name it.

    Returns
    -------
    dict
        Name: value (int, float, bool, None or string).

    Raises
    ------
    ValueError
        For an unknown name (with a hint), a setting with an option of its own, or a value outside
        its domain.
    SystemExit
        For a string that is not ``NAME=VALUE``.
    """
    from .estimator import DiehlCook2015, check_parameters
    from .hints import did_you_mean

    params = {name: _value(v) for name, v in _assignments(pairs, what).items()}
    valid = DiehlCook2015._get_param_names()
    unknown = [name for name in params if name not in valid]
    if unknown:
        raise ValueError("unknown parameter(s): " + ", ".join(f"{name!r}{did_you_mean(name, valid)}" for name in unknown))
    own = [name for name in params if name in OWN_OPTIONS]
    if own:
        raise ValueError(", ".join(f"{name!r} is set with {OWN_OPTIONS[name]}, not {what}" for name in own))
    check_parameters(**params)
    return params


@fill_doc
def train_parser(sub):
    """Add the ``train`` subcommand.

    %(subcommands_parameters)s

    Returns
    -------
    argparse.ArgumentParser
        The ``train`` parser.
    """
    p = sub.add_parser("train", help="learn, assign labels and test; writes results.json",
                       description="Train the Diehl & Cook (2015) network and test it.")
    p.add_argument("--neurons", type=int, default=100, help="excitatory neurons (default 100)")
    p.add_argument("--train", type=int, default=2000, help="training images (default 2000)")
    p.add_argument("--epochs", type=int, default=1, help="passes over the training images (default 1)")
    p.add_argument("--test", type=int, default=1000, help="test images (default 1000)")
    p.add_argument("--label", type=int, default=None,
                   help="training images used to assign labels (default: all of --train)")
    p.add_argument("--dataset", default="mnist", choices=["mnist", "fashion_mnist", "digits"])
    p.add_argument("--data-dir", default=None, help="folder with the idx files (else $STDPLAB_DATA, cache, download)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--checkpoint-every", type=int, default=None, metavar="N",
                   help="examples between checkpoints (default 5000, 1000 above 1600 neurons; a resumed run keeps"
                        " its own)")
    p.add_argument("--out", default="runs/default", help="output folder (default runs/default)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted or partial run in --out")
    p.add_argument("--stop-after", type=int, default=None, metavar="N",
                   help="stop training after N examples in all, then label and test (a partial run; --resume goes on)")
    p.add_argument("--set", action="append", metavar="NAME=VALUE",
                   help="any DiehlCook2015 parameter, e.g. --set nu_post=0.005 (repeatable)")
    p.add_argument("--jobs", type=int, default=None,
                   help="runs of the network at once while labelling and testing (default 1; -1: every CPU)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


def train(args) -> dict:
    """Run ``python -m stdplab train``: an experiment (``experiment.run_experiment``) in ``args.out``.

    Parameters
    ----------
    args : argparse.Namespace
        The ``train`` options.

    Returns
    -------
    dict
        The results, as written to ``results.json``.
    """
    from .metering import describe_compute
    from .experiment import run_experiment

    params = parameter_settings(args.set)
    results = run_experiment(args.out, n_neurons=args.neurons, n_train=args.train, epochs=args.epochs,
                             n_test=args.test, dataset=args.dataset, data_dir=args.data_dir, seed=args.seed,
                             checkpoint_every=args.checkpoint_every, n_label=args.label, resume=args.resume,
                             stop_after=args.stop_after, n_jobs=args.jobs, verbose=not args.quiet, **params)
    print(f"test accuracy {results['accuracy']:.4f} (proportion weighting {results['accuracy_proportion']:.4f})"
          f" on {args.test} images; {results['train_seconds_per_example'] * 1e3:.1f} ms per training example;"
          f" results in {args.out}/results.json")
    if results["compute"]:  # None for runs from before codecarbon metered them (experiment.read_results)
        print(f"this run: {describe_compute(results['compute'])}")
    return results


@fill_doc
def sweep_parser(sub):
    """Add the ``sweep`` subcommand, as :func:`train_parser` adds ``train``.

    %(subcommands_parameters)s

    Returns
    -------
    argparse.ArgumentParser
        The ``sweep`` parser.
    """
    p = sub.add_parser(
        "sweep", help="run a notebook over a parameter grid with papermill; one table of results",
        description="Run NOTEBOOK (with papermill) at every combination of the --grid values. Each point"
                    " writes into OUT/points/<id>/; the table of parameters, metrics, wall time and status"
                    " is OUT/results.csv. Finished points are skipped when the sweep runs again.")
    p.add_argument("notebook", help="the notebook to run, e.g. notebooks/02_train_diehl_cook.ipynb")
    p.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2,...",
                   help="a swept parameter and its values (repeatable; every combination runs)")
    p.add_argument("-p", "--parameter", action="append", nargs=2, default=[], metavar=("NAME", "VALUE"),
                   help="a parameter fixed for every point (repeatable)")
    p.add_argument("--out", default=None, help="output folder (default sweeps/<notebook name>)")
    p.add_argument("--workers", type=int, default=2,
                   help="points run at once in local processes (at least 1; default 2; not used with --dask-address)")
    p.add_argument("--dask-address", default=None,
                   help="run the points on this Dask scheduler (e.g. tcp://host:8786) instead")
    p.add_argument("--timeout", type=float, default=None, help="per-cell timeout in seconds")
    p.add_argument("--kernel", default=None, help="Jupyter kernel (default: the notebook's)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=sweep_command)
    return p


def parse_grid(items) -> dict:
    """``--grid`` strings as a sweep's grid.

    Parameters
    ----------
    items : list of str
        ``NAME=V1,V2,...`` strings; values are read as int, float, bool, None or str.

    Returns
    -------
    dict
        Name -> list of values.

    Raises
    ------
    ValueError
        On a string not of that form.

    Examples
    --------
    >>> parse_grid(["n_neurons=100,400", "dataset=digits"])
    {'n_neurons': [100, 400], 'dataset': ['digits']}
    """
    grid = {}
    for item in items:
        name, sep, values = item.partition("=")
        if not sep or not name.strip() or not values.strip():
            raise ValueError(f"--grid must look like NAME=V1,V2,..., got {item!r}")
        grid[name.strip()] = [_value(v.strip()) for v in values.split(",") if v.strip()]
    return grid


def sweep_command(args) -> None:
    """Run ``python -m stdplab sweep``: the sweep, then its table, compute and failed points.

    Parameters
    ----------
    args : argparse.Namespace
        ``sweep_parser``'s arguments.

    Raises
    ------
    ValueError
        On a bad grid, parameter or ``--workers`` (``stdplab.sweep.run_sweep``).
    RuntimeError
        If any point failed (after the table is printed).
    """
    import pandas as pd

    from .metering import describe_compute
    from .sweep import TABLE, compute_total, run_sweep

    grid = parse_grid(args.grid)
    fixed = {name: _value(value) for name, value in args.parameter}
    out = args.out or os.path.join("sweeps", Path(args.notebook).stem)
    table = run_sweep(args.notebook, grid, out, workers=args.workers, dask_address=args.dask_address,
                      fixed_params=fixed, progress=not args.quiet, kernel_name=args.kernel, timeout=args.timeout)
    shown = [c for c in table.columns if c not in ("point", "error", "notebook", "finished")]
    metric_columns = [c for c in shown if c not in grid and c not in fixed and c not in ("status", "wall_time_s")
                      and not c.startswith("point_compute.")]
    shown = ["status", *grid, *[c for c in ("accuracy",) if c in metric_columns], "wall_time_s"]
    if "accuracy" not in metric_columns:
        shown[-1:-1] = metric_columns[:4]
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(table[[c for c in shown if c in table.columns]].to_string(index=False))
    print(f"table: {Path(out) / TABLE}")
    total = compute_total(out)
    if total:
        print(f"this sweep's compute ({total['points_run']} points run): {describe_compute(total)}")
    bad = table[table["status"] != "ok"]
    for _, row in bad.iterrows():
        print(f"failed {row['point']}: {row['error']}\n  notebook: {row['notebook']}")
    if len(bad):
        raise RuntimeError(f"{len(bad)} of {len(table)} points failed")


@fill_doc
def status_parser(sub):
    """Add the ``status`` subcommand, as :func:`train_parser` adds ``train``.

    %(subcommands_parameters)s

    Returns
    -------
    argparse.ArgumentParser
        The ``status`` parser.
    """
    p = sub.add_parser("status", help="where a run stands: examples, running accuracy, pace, time left",
                       description="Say where each run stands, from its progress file and checkpoint (it may"
                                   " be running): examples learned, the running accuracy, its pace and the"
                                   " training time left at that pace.")
    p.add_argument("runs", nargs="+", metavar="RUN", help="a run's folder (the --out of train)")
    p.add_argument("--recent", type=int, default=10000, metavar="N",
                   help="examples the running accuracy and the recent pace are taken over (at least 1;"
                        " default 10000)")
    p.add_argument("--json", default=None, metavar="FILE",
                   help="also write the status as JSON (one run: an object; several: a list), with this command")
    p.set_defaults(run=status_command)
    return p


def status_command(args) -> list[dict]:
    """Run ``python -m stdplab status``: print where each run stands, and write it with ``--json``.

    Parameters
    ----------
    args : argparse.Namespace
        ``status_parser``'s arguments.

    Returns
    -------
    list of dict
        Each run's ``experiment.run_status``.

    Raises
    ------
    FileNotFoundError
        If a folder holds no run.
    """
    from .experiment import run_status
    from .provenance import git_commit
    from .records import write_json

    statuses = [run_status(run, recent=args.recent) for run in args.runs]
    for s in statuses:
        print(describe_status(s))
    if args.json:
        options = ["--recent", str(args.recent), "--json", args.json]
        stamp = {"command": "python -m stdplab " + shlex.join(["status", *args.runs, *options]),
                 "commit": git_commit()}
        write_json(args.json, {**stamp, **statuses[0]} if len(statuses) == 1
                   else [{**stamp, **s} for s in statuses])
    return statuses


def describe_status(status: dict) -> str:
    """A run's status (``experiment.run_status``) in a few lines of text.

    Parameters
    ----------
    status : dict
        ``experiment.run_status``'s result.

    Returns
    -------
    str
        What it has done, how well it does, its pace and what is left.
    """
    s = status
    lines = [f"{s['run']}: {'done' if not s['partial'] else s['stage']}, {s['examples_seen']:,} of"
             f" {s['examples_total']:,} training examples ({s['epochs_done']:.2f} of {s['epochs']} epochs);"
             f" checkpoint {s['checkpoint_time']}"]
    if s["running_accuracy"] is not None:
        lines.append(f"  running accuracy {s['running_accuracy']:.3f} and {s['exc_spikes_per_example']:.1f}"
                     f" excitatory spikes per example over the last {s['recent_examples']:,} examples")
    if s["ms_per_example"] is not None:
        recent = (f"; {s['recent_ms_per_example']:.0f} ms over the last {s['recent_examples']:,}"
                  if s["recent_ms_per_example"] is not None else "")
        cpu = (f", {s['recent_cpu_ms_per_example']:.0f} ms of it on a CPU"
               if s["recent_cpu_ms_per_example"] is not None else "")
        lines.append(f"  {s['train_hours']:.1f} h of training in {len(s['invocations'])} invocation(s)"
                     f" ({s['ms_per_example']:.0f} ms per example{recent}{cpu})")
    if s["partial"] and s["stage"] == "labels":
        lines.append(f"  labelled; the test on {s['config']['n_test']:,} images is left: go on with the command"
                     " that started it and --resume")
    elif s["partial"] and s["projected_train_hours_left"] is not None:
        pace = "on one core (its CPU time)" if s["projected_at"] == "cpu" else "(wall time)"
        inference = (f" (about {s['projected_inference_hours']:.1f} h at the wall pace of its last labelling)"
                     if s["projected_inference_hours"] is not None else "")
        lines.append(f"  left at the recent pace {pace}: {s['projected_train_hours_left']:.1f} h of training, then"
                     f" labels on {s['config']['n_label']:,} and a test on {s['config']['n_test']:,}"
                     f" images{inference}; go on with the command that started it and --resume")
    return "\n".join(lines)


def default_run(parser) -> dict:
    """The default experiment (``DEFAULT_RUN``), ending with what it learned and what to open next.

    Writes the receptive-field grid beside ``results.json``, says in one line what it shows, and
    names the first lesson.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The command line's parser (``main``'s).

    Returns
    -------
    dict
        The run's results.
    """
    print("stdplab: no command given, running the default experiment (python -m stdplab "
          + " ".join(DEFAULT_RUN) + ")")
    args = parser.parse_args(DEFAULT_RUN)
    results = train(args)
    show_receptive_fields(args.out)
    print(f"next: open {NEXT_LESSON} (Lesson 1 of 5): one neuron and the STDP rule that shaped these weights")
    return results


def show_receptive_fields(out) -> Path:
    """Write the receptive fields of the model in ``out`` as ``out/receptive_fields.png`` and say
    what they show.

    Parameters
    ----------
    out : str or Path
        A run's folder, holding ``model.npz``.

    Returns
    -------
    Path
        The figure.
    """
    import matplotlib.pyplot as plt

    from . import plots
    from .estimator import DiehlCook2015

    model = DiehlCook2015.load(Path(out) / "model.npz")
    fig = plots.receptive_fields(model.weights_, model.image_shape_)
    (path,) = plots.save(fig, out, "receptive_fields")
    plt.close(fig)
    height, width = model.image_shape_
    print(f"receptive fields: {path} (each tile is one neuron's weights from the {height}x{width} input"
          " pixels: learned by STDP alone, without labels, they look like the digits that neuron fires for)")
    return path


def main(argv=None) -> int:
    """The command line: ``train``, ``sweep``, ``status``, or with no arguments the default experiment.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0, or 2 after a one-line error for bad input (a value, a file, a failed simulation or
        sweep point). Anything else is a bug and raises with its traceback.

    Examples
    --------
    >>> main(["train", "--neurons", "100", "--train", "500", "--out", "runs/small"])  # doctest: +SKIP
    0
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="python -m stdplab", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    train_parser(sub)
    sweep_parser(sub)
    status_parser(sub)
    try:
        if not argv:
            default_run(parser)
        else:
            args = parser.parse_args(argv)
            if args.command == "train":
                train(args)
            else:
                args.run(args)
    # Bad input (values, files and folders, a missing compiler, a failed simulation or sweep point)
    # is one line; anything else is a bug and keeps its traceback.
    except (ValueError, OSError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
