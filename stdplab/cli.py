"""Command line: ``python -m stdplab train ...`` and ``python -m stdplab sweep ...``."""
from __future__ import annotations

import argparse
import sys


def _value(text: str):
    """A command-line value as int, float, bool or string."""
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False, "none": None}.get(text.lower(), text)


def _assignments(pairs, what) -> dict:
    values = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"{what} must look like NAME=VALUE, got {pair!r}")
        values[name.strip()] = value
    return values


def parameter_settings(pairs, what="--set") -> dict:
    """``NAME=VALUE`` strings -> {name: value}, checked against the model's parameter names."""
    from .estimator import DiehlCook2015

    params = {name: _value(v) for name, v in _assignments(pairs, what).items()}
    DiehlCook2015(**params)  # unknown names fail here, before any data is read
    return params


def train_parser(sub):
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
    p.add_argument("--checkpoint-every", type=int, default=5000, help="examples between checkpoints")
    p.add_argument("--out", default="runs/default", help="output folder (default runs/default)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted or partial run in --out")
    p.add_argument("--stop-after", type=int, default=None, metavar="N",
                   help="stop training after N examples in all, then label and test (a partial run; --resume goes on)")
    p.add_argument("--set", action="append", metavar="NAME=VALUE",
                   help="any DiehlCook2015 parameter, e.g. --set nu_post=0.005 (repeatable)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


def train(args) -> dict:
    from .experiment import run_experiment

    params = parameter_settings(args.set)
    results = run_experiment(args.out, n_neurons=args.neurons, n_train=args.train, epochs=args.epochs,
                             n_test=args.test, dataset=args.dataset, data_dir=args.data_dir, seed=args.seed,
                             checkpoint_every=args.checkpoint_every, n_label=args.label, resume=args.resume,
                             stop_after=args.stop_after,
                             verbose=not args.quiet, **params)
    print(f"test accuracy {results['accuracy']:.4f} (proportion weighting {results['accuracy_proportion']:.4f})"
          f" on {args.test} images; {results['train_seconds_per_example'] * 1e3:.1f} ms per training example;"
          f" results in {args.out}/results.json")
    compute = results.get("compute")
    if compute:
        print(f"this run: {compute['wall_s']:.0f} s wall, {compute['cpu_s']:.0f} CPU s,"
              f" {compute['energy_j']:.0f} J ({compute['energy_source']})")
    return results


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="python -m stdplab", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    train_parser(sub)
    try:
        from .sweep import sweep_parser
    except ImportError:  # the sweep runner needs the optional lab dependencies
        sweep_parser = None
    if sweep_parser:
        sweep_parser(sub)
    if not argv:
        argv = ["train"]  # the small default experiment
        print("stdplab: no command given, running the default experiment"
              " (python -m stdplab train --neurons 100 --train 2000 --test 1000 --out runs/default)")
    args = parser.parse_args(argv)
    try:
        if args.command == "train":
            train(args)
        else:
            args.run(args)
    except (ValueError, TypeError, FileNotFoundError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
