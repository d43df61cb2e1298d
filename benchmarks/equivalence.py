"""Does a new hot loop learn what the old one learned? Seeds, spikes, theta and accuracy side by side.

    python benchmarks/equivalence.py --variant current --seeds 0 1 2
    PYTHONPATH=/path/to/old/checkout python benchmarks/equivalence.py --variant stepped --seeds 0 1 2
    python benchmarks/equivalence.py --seeds            # comparison and figure from the results file

Each variant trains 100 neurons on the first 5,000 MNIST training images with 3 seeds, assigns labels
on those images with learning off and tests on the full test set. It records per seed the
excitatory spikes and presentations per training example, the course of mean theta, the
running accuracy, the input spikes and the test accuracy, and merges them into
benchmarks/results/equivalence.json under the variant's name (with the command and the commit of
the ``stdplab`` package that ran; a later run with other ``--seeds`` adds to the same variant). Only the public estimator API is used, so an older checkout of
the package (on PYTHONPATH) records the reference. With two variants recorded, each statistic of
the new one is checked against the seed-to-seed range of the reference (``--reference``), and
figures/equivalence.png shows the course of mean theta and spikes per example of every seed.
``--seeds`` with no value only remakes the comparison and the figure from the results file.
"""
import argparse
import json
from pathlib import Path

import numpy as np

import stdplab
from stdplab import DiehlCook2015, datasets, plots
from stdplab.provenance import command_line, git_commit
from stdplab.records import write_json

# Statistics compared between variants: one number per seed.
SUMMARY = ("accuracy", "exc_spikes_per_example", "presentations_per_example", "input_spikes_per_example",
           "theta_mean_final")


def run_seed(seed, n_neurons, x_train, y_train, x_test, y_test):
    model = DiehlCook2015(n_neurons=n_neurons, random_state=seed, verbose=False)
    model.fit(x_train, y_train)
    stats = model.training_stats_
    return {
        "accuracy": float(model.score(x_test, y_test)),
        "exc_spikes_per_example": float(np.mean(stats["exc_spikes"])),
        "presentations_per_example": float(np.mean(stats["presentations"])),
        "input_spikes_per_example": float(np.mean(stats["input_spikes"])),
        "theta_mean_final": float(model.theta_.mean()),
        "theta_mean_course": model.history_["theta_mean"],
        "spikes_per_example_course": model.history_["spikes_per_example"],
        "examples": model.history_["examples"],
        "train_seconds": float(sum(model.history_["wall_time"])),
    }


def compare(reference: dict, new: dict) -> dict:
    """For each statistic: the reference's seed range and whether the new mean lies inside it."""
    verdict = {}
    for key in SUMMARY:
        old = [seed[key] for seed in reference["seeds"].values()]
        values = [seed[key] for seed in new["seeds"].values()]
        verdict[key] = {"reference_min": min(old), "reference_max": max(old), "reference_mean": float(np.mean(old)),
                        "new_mean": float(np.mean(values)), "new_min": min(values), "new_max": max(values),
                        "within_reference_spread": bool(min(old) <= np.mean(values) <= max(old))}
    return verdict


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--variant", default="current", help="name to record this run under (e.g. current, stepped)")
    p.add_argument("--reference", default="stepped", help="variant to compare against")
    p.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    p.add_argument("--neurons", type=int, default=100)
    p.add_argument("--train", type=int, default=5000)
    p.add_argument("--test", type=int, default=10000)
    p.add_argument("--out", default="benchmarks/results/equivalence.json")
    p.add_argument("--figure", default="figures/equivalence.png")
    args = p.parse_args()

    seeds = {}
    if args.seeds:
        x_train, y_train, x_test, y_test = datasets.load_mnist()
        x_train, y_train, x_test, y_test = (x_train[: args.train], y_train[: args.train], x_test[: args.test],
                                            y_test[: args.test])
    for seed in args.seeds:
        seeds[str(seed)] = run_seed(seed, args.neurons, x_train, y_train, x_test, y_test)
        print(f"{args.variant} seed {seed}: " + ", ".join(f"{k} {seeds[str(seed)][k]:.4g}" for k in SUMMARY), flush=True)

    out = Path(args.out)
    record = json.loads(out.read_text()) if out.exists() else {"variants": {}}
    if seeds:
        variant = record["variants"].setdefault(args.variant, {"runs": [], "seeds": {}})
        setting = {"neurons": args.neurons, "train": args.train, "test": args.test}
        if variant["runs"] and any(variant["runs"][0][k] != v for k, v in setting.items()):
            raise SystemExit(f"{out} holds {args.variant} runs with other settings: {variant['runs'][0]}")
        # Seeds accumulate over runs (more seeds, same setting); each run keeps its command and commit.
        variant["runs"].append({"command": command_line(), "commit": git_commit(),
                                "package": str(Path(stdplab.__file__).parent), "seeds": args.seeds, **setting})
        variant["seeds"].update(seeds)
    others = [name for name in record["variants"] if name != args.reference]
    if args.reference in record["variants"]:
        record["comparison"] = {name: compare(record["variants"][args.reference], record["variants"][name])
                                for name in others}
        for name, verdict in record["comparison"].items():
            print(f"\n{name} against {args.reference} (mean of the seeds, reference seed range):")
            for key, row in verdict.items():
                print(f"  {key:28s} {row['new_mean']:10.4g}  [{row['reference_min']:.4g}, {row['reference_max']:.4g}]"
                      f"  {'inside' if row['within_reference_spread'] else 'OUTSIDE'}")
    write_json(out, record)
    if args.variant != args.reference and len(record["variants"]) > 1:  # a reference run may be an older package
        plots.save(plots.variants_course({name: v["seeds"] for name, v in record["variants"].items()}),
                   Path(args.figure).parent, Path(args.figure).stem)


if __name__ == "__main__":
    main()
