"""Reproduce the paper's accuracy table on the full MNIST test set, and record the result.

    python benchmarks/accuracy.py --neurons 100 --train 40000 --epochs 1
    python benchmarks/accuracy.py --neurons 400 --train 60000 --epochs 3
    python benchmarks/accuracy.py --neurons 100 --train 40000 --set theta_plus=0.025

Each run writes benchmarks/results/accuracy_<neurons>[_<settings>].json (command, commit, wall
time, accuracy, spikes, timings) and keeps its model in runs/accuracy_<neurons>[_<settings>]/
(resumable with --resume); <settings> names the --set values, which depart from the paper's.
Paper (Diehl & Cook 2015, Table 1): 100 neurons 82.9 %, 400 neurons 87.0 %, 1600 neurons 91.9 %.
"""
import argparse
import time
from pathlib import Path

from stdplab.cli import parameter_settings
from stdplab.experiment import command_line, run_experiment, write_json

PAPER = {100: 82.9, 400: 87.0, 1600: 91.9, 6400: 95.0}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--neurons", type=int, required=True)
    p.add_argument("--train", type=int, default=60000)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--test", type=int, default=10000)
    p.add_argument("--label", type=int, default=None, help="training images for label assignment (default all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--set", action="append", metavar="NAME=VALUE", help="a DiehlCook2015 parameter (repeatable)")
    p.add_argument("--results", default="benchmarks/results")
    args = p.parse_args()
    params = parameter_settings(args.set)
    name = "_".join([f"accuracy_{args.neurons}", *(f"{k}={v}" for k, v in params.items())])

    start = time.time()
    results = run_experiment(f"runs/{name}", n_neurons=args.neurons, n_train=args.train,
                             epochs=args.epochs, n_test=args.test, seed=args.seed, n_label=args.label,
                             resume=args.resume, checkpoint_every=5000, **params)
    record = {
        "command": command_line(),
        "commit": results["environment"]["commit"],
        "wall_time_s": time.time() - start,
        "paper_accuracy_percent": PAPER.get(args.neurons),
        "accuracy_percent": 100 * results["accuracy"],
        "accuracy_proportion_percent": 100 * results["accuracy_proportion"],
        **{k: results[k] for k in ("config", "test", "spikes_per_test_example", "presentations_per_test_example",
                                   "timings_s", "train_seconds_per_example", "environment")},
        "running_accuracy": results["history"]["running_accuracy"],
        "history_examples": results["history"]["examples"],
    }
    out = Path(args.results) / f"{name}.json"
    write_json(out, record)
    print(f"{args.neurons} neurons: {record['accuracy_percent']:.2f}% (paper {record['paper_accuracy_percent']}%),"
          f" wall time {record['wall_time_s'] / 60:.1f} min -> {out}")


if __name__ == "__main__":
    main()
