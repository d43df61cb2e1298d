"""How much each STDP rule's accuracy depends on the constants the paper does not give.

    python benchmarks/rule_constants.py      # 100 neurons, 5000 training images per point (about an hour)
    python benchmarks/rule_constants.py --neurons 20 --train 200 --test 100 --rules power_law  # a quick check

For the power-law, exponential and pre-and-post rules the paper gives no learning rates, target
trace or weight-dependence constants (x_tar, mu, beta). Each of them is moved, one at a time, over
the values in VALUES while the others keep their defaults (``stdplab.Parameters``). The default
point also runs with --seeds seeds, which shows how much of a difference the seed alone makes.
Labels are assigned on the training images of each point and accuracy is measured on the first
--test test images. Every point is one ``run_experiment`` in
runs/rule_constants_<neurons>x<train>/<rule>/<point>/; finished points are read back, so an
interrupted run picks up where it stopped. Writes benchmarks/results/rule_constants.json and
figures/rule_constants.png.
"""
import argparse
from pathlib import Path

from stdplab.experiment import run_experiment
from stdplab.parameters import Parameters
from stdplab.provenance import command_line, git_commit
from stdplab.records import write_json

import replot  # benchmarks/replot.py
from rules import rule_list  # benchmarks/rules.py

# Values tried per rule and constant; each range spans the rule's default.
VALUES = {
    "power_law": {"nu_post": (1e-4, 5e-4, 2e-3), "x_tar": (0.1, 0.2, 0.4, 0.6, 0.8), "mu": (0.05, 0.2, 0.5, 1.0)},
    "exponential": {"nu_post": (5e-4, 2e-3, 5e-3), "x_tar": (0.2, 0.4, 0.6, 0.8), "beta": (1.0, 3.0, 5.0, 8.0)},
    "pre_and_post": {"nu_post": (1e-4, 5e-4, 2e-3), "nu_pre": (1e-5, 1e-4, 1e-3),
                     "x_tar": (0.2, 0.4, 0.6, 0.8), "mu": (0.05, 0.2, 0.5, 1.0)},
}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--neurons", type=int, default=100)
    p.add_argument("--train", type=int, default=5000)
    p.add_argument("--test", type=int, default=1000)
    p.add_argument("--rules", default=",".join(VALUES), help="comma-separated rule names")
    p.add_argument("--seeds", type=int, default=3, help="seeds for each rule's default point")
    p.add_argument("--runs", default="runs")
    p.add_argument("--results", default="benchmarks/results")
    p.add_argument("--figures", default="figures")
    args = p.parse_args(argv)
    rules = rule_list(args.rules, VALUES)

    record = {
        "command": command_line(argv),
        "commit": git_commit(),
        "neurons": args.neurons, "n_train": args.train, "n_label": args.train, "n_test": args.test,
        "rules": {},
    }
    root = Path(args.runs) / f"rule_constants_{args.neurons}x{args.train}"

    def accuracy(rule, seed=0, **constants):
        name = "_".join(f"{k}={v:g}" for k, v in constants.items()) or "default"
        results = run_experiment(root / rule / f"{name}_seed{seed}", n_neurons=args.neurons, n_train=args.train,
                                 n_test=args.test, seed=seed, resume=True, checkpoint_every=args.train,
                                 verbose=False, learning_rule=rule, **constants)
        print(f"{rule:13s} {name:16s} seed {seed}: {100 * results['accuracy']:.1f}%", flush=True)
        return {"accuracy_percent": 100 * results["accuracy"],
                "accuracy_proportion_percent": 100 * results["accuracy_proportion"],
                "exc_spikes_per_test_image": results["spikes_per_test_example"]["exc_spikes"],
                "silent_fraction": results["history"]["silent_fraction"][-1]}

    for rule in rules:
        defaults = Parameters(learning_rule=rule)
        at_defaults = [accuracy(rule, seed) for seed in range(max(args.seeds, 1))]
        entry = {"defaults": {name: getattr(defaults, name) for name in VALUES[rule]},
                 "default_accuracy_percent": [point["accuracy_percent"] for point in at_defaults],
                 "constants": {}}
        for name, values in VALUES[rule].items():
            entry["constants"][name] = [
                {"value": value, **(at_defaults[0] if value == getattr(defaults, name) else accuracy(rule, **{name: value}))}
                for value in values]
        record["rules"][rule] = entry
        write_json(Path(args.results) / "rule_constants.json", record)  # keeps what it has so far

    paths = replot.rule_constants_figure(record, Path(args.figures))  # drawn as replot.py redraws it
    print(f"-> {Path(args.results) / 'rule_constants.json'}, {paths[0]}")
    return record


if __name__ == "__main__":
    main()
