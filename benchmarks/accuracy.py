"""Reproduce the paper's accuracy table on the full MNIST test set, and record the result.

    python benchmarks/accuracy.py --neurons 100 --train 40000 --epochs 1
    python benchmarks/accuracy.py --neurons 400 --train 60000 --epochs 3
    python benchmarks/accuracy.py --neurons 1600 --train 60000 --epochs 7 [--resume]
    python benchmarks/accuracy.py --neurons 6400 --train 60000 --epochs 15 --stop-after 10000 --label 10000
    python benchmarks/accuracy.py --neurons 400 --train 60000 --epochs 3 --dataset fashion_mnist

Each run writes benchmarks/results/accuracy_<neurons>[_<settings>].json (command, commit, wall
time of this invocation, time in training over all invocations plus the last labelling and test,
accuracy of the vote, the proportion vote and the linear readout, spikes, timings, whether it was
resumed, and what it replaces when another run was recorded there before: a retrain) and keeps
its model in runs/accuracy_<neurons>[_<settings>]/ (resumable with --resume); <settings> names the
--set values, and a data set other than MNIST (--dataset fashion_mnist:
accuracy_400_fashion_mnist.json); --jobs labels and tests on several CPUs, with the same results.
With --stop-after the run is labelled and tested where it stops and its file is ..._partial.json;
--resume (without --stop-after, or with a later one) goes on training the same run; each later
record keeps the figures of the run's earlier partial ones (earlier_partials), and the finished
record replaces the run's partial file (deleted).
Paper (Diehl & Cook 2015, Table 1): 100 neurons 82.9 %, 400 neurons 87.0 % (3 epochs),
1600 neurons 91.9 % (7 epochs), 6400 neurons 95.0 % (15 epochs).
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np

from stdplab import DiehlCook2015
from stdplab.cli import parameter_settings
from stdplab.experiment import LABEL_COUNTS, run_experiment
from stdplab.provenance import command_line
from stdplab.records import write_json

# Diehl & Cook (2015), Table 1: neurons -> (test accuracy %, epochs of 60,000; None: not given).
PAPER = {100: (82.9, None), 400: (87.0, 3), 1600: (91.9, 7), 6400: (95.0, 15)}


def linear_accuracy(run) -> float:
    """Percent correct of the linear readout, fitted on the run's labelling counts, on its test counts."""
    model = DiehlCook2015.load(run / "model.npz").set_params(readout="linear")
    with np.load(run / LABEL_COUNTS) as labelled, np.load(run / "test_counts.npz") as tested:
        model.fit_readout(labelled["counts"], labelled["labels"])
        return 100 * float(np.mean(model.predict_from_counts(tested["counts"]) == tested["labels"]))


SUMMARY = ("command", "commit", "examples_trained", "accuracy_percent", "accuracy_proportion_percent",
           "accuracy_linear_percent")


def read_record(path: Path) -> dict | None:
    """A results file, or None if there is none or it cannot be read."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def started(record: dict):
    """When the run behind a record started (None for records from before invocations were kept)."""
    return (record.get("invocations") or [{}])[0].get("started")


def summary(record: dict, path: Path) -> dict:
    return {"file": path.name, "started": started(record), **{k: record.get(k) for k in SUMMARY}}


def read_records(paths) -> dict:
    """Each of ``paths`` (once, however often given): its results file, or None (``read_record``)."""
    return {path: read_record(path) for path in dict.fromkeys(paths)}


def replaced_record(path: Path, old: dict | None, record: dict) -> dict | None:
    """What a retrain's record replaces: the other run recorded at ``path`` (``old``, as read there:
    its command, commit, start, examples and accuracy), or what that run's own record replaced when
    it is the same run resumed. None where nothing was recorded there."""
    if old is None:
        return None
    if started(old) == started(record):
        return old.get("replaces")
    return summary(old, path)


def earlier_partials(olds: dict, record: dict) -> list[dict]:
    """The partial records this run wrote before (examples and accuracy where it stopped), from the
    records ``olds`` (``read_records`` of its own file and its partial one), so that a later record
    keeps them."""
    partials = []
    for path, old in olds.items():
        if old is None or started(old) != started(record):
            continue
        kept = old.get("earlier_partials", [])
        if old.get("partial") and old.get("examples_trained") != record["examples_trained"]:
            kept = [*kept, summary(old, path)]
        partials += [p for p in kept if p not in partials]
    return partials


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--neurons", type=int, required=True)
    p.add_argument("--train", type=int, default=60000)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--test", type=int, default=10000)
    p.add_argument("--dataset", default="mnist", help="a name of stdplab.datasets.LOADERS (default mnist)")
    p.add_argument("--label", type=int, default=None, help="training images for label assignment (default all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--stop-after", type=int, default=None, metavar="N",
                   help="stop training after N examples in all; label and test there (a partial result)")
    p.add_argument("--set", action="append", metavar="NAME=VALUE", help="a DiehlCook2015 parameter (repeatable)")
    p.add_argument("--jobs", type=int, default=None,
                   help="runs of the network at once while labelling and testing (default 1; -1: every CPU)")
    p.add_argument("--checkpoint-every", type=int, default=None, metavar="N",
                   help="training examples between checkpoints (default experiment.checkpoint_interval: 5000,"
                        " 1000 above 1600 neurons; a resumed run keeps its own)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--results", default="benchmarks/results")
    args = p.parse_args()
    params = parameter_settings(args.set)
    name = "_".join([f"accuracy_{args.neurons}", *([args.dataset] if args.dataset != "mnist" else []),
                     *(f"{k}={v}" for k, v in params.items())])
    paper = PAPER.get(args.neurons, (None,))[0] if args.dataset == "mnist" else None

    start = time.time()
    results = run_experiment(f"runs/{name}", n_neurons=args.neurons, n_train=args.train,
                             epochs=args.epochs, n_test=args.test, dataset=args.dataset, seed=args.seed,
                             n_label=args.label,
                             resume=args.resume, stop_after=args.stop_after,
                             checkpoint_every=args.checkpoint_every,
                             n_jobs=args.jobs,
                             verbose=not args.quiet, **params)
    record = {
        "command": command_line(),
        "commit": results["environment"]["commit"],
        "wall_time_s": time.time() - start,  # this invocation's
        # Training over every invocation, plus the last labelling and test (compiling and loading left out).
        "stage_time_s": sum(results["timings_s"].values()),
        "paper_accuracy_percent": paper,
        "accuracy_percent": 100 * results["accuracy"],
        "accuracy_proportion_percent": 100 * results["accuracy_proportion"],
        # The linear readout (readout="linear") on the same labelling and test counts.
        "accuracy_linear_percent": linear_accuracy(Path(f"runs/{name}")),
        **{k: results[k] for k in ("config", "network_parameters", "examples_trained", "partial", "resumed",
                                   "invocations", "test", "spikes_per_test_example", "presentations_per_test_example",
                                   "timings_s", "train_seconds_per_example", "environment")},
        "running_accuracy": results["history"]["running_accuracy"],
        "history_examples": results["history"]["examples"],
    }
    partial = Path(args.results) / f"{name}_partial.json"
    out = partial if results["partial"] else Path(args.results) / f"{name}.json"
    olds = read_records([out, partial])
    record["replaces"] = replaced_record(out, olds[out], record)
    record["earlier_partials"] = earlier_partials(olds, record)
    write_json(out, record)
    if out != partial and started(olds[partial] or {}) == started(record):
        partial.unlink()  # the finished result replaces this run's partial one, whose figures it keeps
    print(f"{args.neurons} neurons ({args.dataset}) after {results['examples_trained']} examples:"
          f" {record['accuracy_percent']:.2f}% (linear readout {record['accuracy_linear_percent']:.2f}%)"
          f" (paper {record['paper_accuracy_percent']}%),"
          f" wall time {record['wall_time_s'] / 60:.1f} min -> {out}")


if __name__ == "__main__":
    main()
