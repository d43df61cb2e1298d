"""The paper's four STDP rules side by side (the analogue of Diehl & Cook 2015, Fig. 2B).

    python benchmarks/rules.py                      # 400 neurons, one epoch of 60000, full test set
    python benchmarks/rules.py --neurons 20 --train 200 --test 100 --rules triplet,power_law  # a quick check

Each rule is trained with ``stdplab.experiment.run_experiment`` (its model and checkpoints in
runs/rules_<rule>_<neurons>/, resumable with --resume), labels are assigned on the first
--label training images (default 10000) and the test accuracy is measured on the first --test test
images. Writes benchmarks/results/rules_<neurons>.json (command, commit, and per rule: accuracy,
spikes per test image, wall time, the running accuracy during training) and
figures/rules_accuracy_<neurons>.png.
Rule constants that are not given on the command line (--set name=value, repeatable, or
name@rule=value for one rule only) are the defaults of ``stdplab.Parameters``.
Paper: all four rules reach similar accuracy (about 95 % for 6400 neurons).
"""
import argparse
from pathlib import Path

from stdplab import DiehlCook2015
from stdplab.experiment import run_experiment
from stdplab.parameters import Parameters
from stdplab.provenance import command_line, git_commit
from stdplab.records import write_json
from stdplab.rules import RULES

import replot  # benchmarks/replot.py


def rule_list(text, valid):
    """Comma-separated rule names, each one of ``valid``."""
    rules = [r.strip() for r in text.split(",") if r.strip()]
    unknown = [r for r in rules if r not in valid]
    if unknown:
        raise SystemExit(f"unknown rule(s) {', '.join(unknown)}; valid names are {', '.join(valid)}")
    return rules


def parse_settings(items):
    """``name=value`` (all rules) or ``name@rule=value`` -> {rule or None: {name: float}}."""
    settings = {}
    for item in items:
        key, _, value = item.partition("=")
        name, _, rule = key.partition("@")
        if not value or name not in Parameters.names():
            raise SystemExit(f"--set {item!r}: expected name=value or name@rule=value with a Parameters name")
        if rule and rule not in RULES:
            raise SystemExit(f"--set {item!r}: unknown rule {rule!r}; valid names are {', '.join(RULES)}")
        settings.setdefault(rule or None, {})[name] = float(value)
    return settings


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--neurons", type=int, default=400)
    p.add_argument("--train", type=int, default=60000)
    p.add_argument("--test", type=int, default=10000)
    p.add_argument("--label", type=int, default=10000, help="training images for label assignment")
    p.add_argument("--rules", default=",".join(RULES), help="comma-separated rule names")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--set", action="append", default=[], metavar="NAME[@RULE]=VALUE")
    p.add_argument("--checkpoint-every", type=int, default=5000)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--runs", default="runs", help="folder for each rule's model and checkpoints")
    p.add_argument("--results", default="benchmarks/results")
    p.add_argument("--figures", default="figures")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)

    rules = rule_list(args.rules, RULES)
    settings = parse_settings(args.set)
    n_label = min(args.label, args.train)

    record = {
        "command": command_line(argv),
        "commit": git_commit(),
        "neurons": args.neurons, "n_train": args.train, "n_test": args.test, "n_label": n_label,
        "epochs": 1, "seed": args.seed,
        "rules": {},
    }
    results_path = Path(args.results) / f"rules_{args.neurons}.json"
    for rule in rules:
        params = {**settings.get(None, {}), **settings.get(rule, {})}
        results = run_experiment(Path(args.runs) / f"rules_{rule}_{args.neurons}", n_neurons=args.neurons,
                                 n_train=args.train, n_test=args.test, n_label=n_label, seed=args.seed,
                                 resume=args.resume, checkpoint_every=args.checkpoint_every,
                                 verbose=not args.quiet, learning_rule=rule, **params)
        history = results["history"]
        resolved = DiehlCook2015(**results["parameters"]).network_parameters  # nu_post per rule
        record["rules"][rule] = {
            "accuracy_percent": 100 * results["accuracy"],
            "accuracy_proportion_percent": 100 * results["accuracy_proportion"],
            "spikes_per_test_image": results["spikes_per_test_example"],
            "presentations_per_test_image": results["presentations_per_test_example"],
            # from the run's own timings, so that a finished run read back keeps its cost
            "wall_time_s": sum(results["timings_s"].values()),
            "timings_s": results["timings_s"],
            "constants": {name: getattr(resolved, name)
                          for name in ("nu_pre", "nu_post", "x_tar", "mu", "beta", "tau_pre", "w_max")},
            "history_examples": history["examples"],
            "running_accuracy": history["running_accuracy"],
            "silent_fraction": history["silent_fraction"],
        }
        record["environment"] = results["environment"]
        # Written after every rule, so that a long run shows its progress and keeps what it has.
        write_json(results_path, record)
        print(f"{rule}: {record['rules'][rule]['accuracy_percent']:.2f}% on {args.test} test images,"
              f" {results['spikes_per_test_example']['exc_spikes']:.1f} excitatory spikes per image,"
              f" {record['rules'][rule]['wall_time_s'] / 60:.1f} min", flush=True)

    paths = replot.rules_figure(record, Path(args.figures))  # drawn as replot.py redraws it
    print(f"-> {results_path}, {paths[0]}")
    return record


if __name__ == "__main__":
    main()
