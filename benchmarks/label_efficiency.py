"""What unlabelled learning is worth: test accuracy against the number of labelled images.

    python benchmarks/label_efficiency.py --neurons 400 --epochs 3            # trains (resumable), then the study
    python benchmarks/label_efficiency.py --model runs/accuracy_400/model.npz  # a network trained already
    python benchmarks/label_efficiency.py --model 1600                        # the 1,600-neuron network that ships
    python benchmarks/label_efficiency.py --neurons 100 --train 3000 --test 1000 --sizes 10 100 1000 --draws 2 \
        --results runs/label_efficiency_tiny --figure runs/label_efficiency_tiny/label_efficiency.png  # a try-out

The network learns without labels (``--neurons``, ``--epochs`` over ``--train`` images, in
runs/label_efficiency_<neurons>/, checkpointed, ``--resume`` goes on after an interruption) or is
loaded (``--model``). Its spike counts for the training pool and the test set, learning off, are
computed once and cached in <results>/label_efficiency_<neurons>_counts.npz (git-ignored; a trained
run's labelling counts are reused). Then, for each number of labelled images (``--sizes``, class-balanced
draws, ``--draws`` each), ``studies.label_efficiency`` scores the vote and the linear readout on the
counts, and logistic regression and an MLP on the same labelled images' pixels, all on the same test set.

The supervised learners see only pixels, so their rows are the same for every network: they are
cached in <results>/supervised_baselines_<dataset>_<key>.csv (git-ignored; ``--baselines-only`` makes
them ahead of a network) and reused. A finished run's model.npz (``--model runs/accuracy_400/model.npz``)
brings its labelling and test counts, which are that model's: they are reused, not recomputed.

Writes <results>/label_efficiency_<neurons>.csv (one row per size, draw and method) and .json (command,
commit, network, timings, the summary and where the network is ahead or behind), and redraws the figure
(default figures/label_efficiency.png) from every label_efficiency_<neurons>.csv in <results>.
"""
import argparse
import hashlib
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import replot  # noqa: E402  (benchmarks/replot.py: the figure is drawn as replot.py redraws it)
from stdplab import DiehlCook2015, datasets, pretrained, studies  # noqa: E402
from stdplab.cli import parameter_settings  # noqa: E402
from stdplab.experiment import LABEL_COUNTS, run_experiment  # noqa: E402
from stdplab.provenance import command_line, environment  # noqa: E402
from stdplab.records import atomic_write, file_sha256, save_npz, write_json  # noqa: E402


def network(args):
    """The model file and, when trained here or given as a finished run's model.npz, its run folder."""
    if args.model:
        model = pretrained.model_file(args.model)
        finished = model.name == "model.npz" and all(
            (model.parent / name).is_file() for name in ("results.json", LABEL_COUNTS, "test_counts.npz"))
        # A finished run wrote model.npz after labelling and testing with it: its counts are this model's.
        return model, model.parent if finished else None
    params = parameter_settings(args.set)
    run = Path(f"runs/label_efficiency_{args.neurons}")
    run_experiment(run, n_neurons=args.neurons, n_train=args.train, epochs=args.epochs, n_test=args.test,
                   dataset=args.dataset, seed=args.seed, checkpoint_every=5000, resume=args.resume,
                   n_jobs=args.jobs, verbose=not args.quiet, **params)
    return run / "model.npz", run


def spike_counts(model_path: Path, run, data, cache: Path, verbose: bool, jobs):
    """Training-pool and test counts, from the cache if it is of this model and these images."""
    x_train, y_train, x_test, y_test = data
    key = {"model": file_sha256(model_path)[:16], "n_train": len(x_train), "n_test": len(x_test)}
    if cache.exists():
        with np.load(cache) as stored:
            if {k: stored[k].item() for k in key} == key:
                return stored["train"], stored["test"], 0.0
    start = time.perf_counter()
    model = DiehlCook2015.load(model_path).set_params(verbose=verbose, n_jobs=jobs)
    counts = {}
    if run is not None:  # the run labelled on its training images and tested on the test images already
        with np.load(run / LABEL_COUNTS) as labelled, np.load(run / "test_counts.npz") as tested:
            if len(labelled["counts"]) == len(x_train):
                counts["train"] = labelled["counts"]
            if len(tested["counts"]) == len(x_test):
                counts["test"] = tested["counts"].astype(np.int32)
    for name, images in (("train", x_train), ("test", x_test)):
        if name not in counts:
            counts[name] = model.transform(images).astype(np.int32)
    seconds = time.perf_counter() - start
    save_npz(cache, **counts, **{k: np.asarray(v) for k, v in key.items()})
    return counts["train"], counts["test"], seconds


def supervised_baselines(args, data, verbose: bool):
    """The supervised learners' rows (pixels only: the same for every network), from their cache if
    it was made with these images, sizes, draws, seed and scikit-learn; and the seconds spent."""
    import sklearn

    key = {"dataset": args.dataset, "n_train": len(data[1]), "n_test": len(data[3]), "sizes": sorted(args.sizes),
           "draws": args.draws, "seed": args.seed, "sklearn": sklearn.__version__}
    digest = hashlib.sha256(repr(sorted(key.items())).encode()).hexdigest()[:12]
    cache = Path(args.results) / f"supervised_baselines_{args.dataset}_{digest}.csv"
    if cache.exists():
        return pd.read_csv(cache), 0.0, cache
    start = time.perf_counter()
    table = studies.label_efficiency(np.zeros((len(data[1]), 1)), data[1], np.zeros((len(data[3]), 1)), data[3],
                                     x_train=data[0], x_test=data[2], sizes=args.sizes, draws=args.draws,
                                     seed=args.seed, methods=studies.PIXEL_METHODS, verbose=verbose)
    with atomic_write(cache) as tmp:
        table.to_csv(tmp, index=False)
    return table, time.perf_counter() - start, cache


def in_words(comparison: pd.DataFrame) -> list[str]:
    """Where each readout beats the supervised learners on the same labels, and where it stops."""
    lines = []
    for ours, rows in comparison.groupby("ours", sort=False):
        by_size = rows.groupby("size")["verdict"].agg(set)
        ahead = [int(s) for s, v in by_size.items() if v == {"ahead"}]
        behind = [int(s) for s, v in by_size.items() if v == {"behind"}]
        mixed = [int(s) for s in by_size.index if int(s) not in ahead + behind]
        lines.append(f"{ours}: ahead of both supervised learners in every draw at {ahead or 'no size'};"
                     f" behind both in every draw at {behind or 'no size'}; mixed at {mixed or 'no size'}")
    return lines


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", help="a shipped network's size (400) or a DiehlCook2015.save file (default: train one)")
    p.add_argument("--neurons", type=int, default=400, help="neurons to train (with --model: read from it)")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--train", type=int, default=60000, help="training images: learned from, and the label pool")
    p.add_argument("--test", type=int, default=10000)
    p.add_argument("--dataset", default="mnist")
    p.add_argument("--seed", type=int, default=0, help="the network's random_state and the draws' seed")
    p.add_argument("--resume", action="store_true", help="go on with an interrupted training run")
    p.add_argument("--set", action="append", metavar="NAME=VALUE", help="a DiehlCook2015 parameter (repeatable)")
    p.add_argument("--sizes", type=int, nargs="+", default=list(studies.LABEL_SIZES))
    p.add_argument("--draws", type=int, default=5)
    p.add_argument("--jobs", type=int, default=None, help="runs of the network at once while counting spikes")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--results", default="benchmarks/results")
    p.add_argument("--figure", default="figures/label_efficiency.png")
    p.add_argument("--baselines-only", action="store_true",
                   help="only train the supervised learners on the pixels and cache their rows (no network)")
    args = p.parse_args()

    start = time.time()
    if args.baselines_only:
        x_train, y_train, x_test, y_test = datasets.load(args.dataset)
        data = (x_train[:args.train], y_train[:args.train], x_test[:args.test], y_test[:args.test])
        table, seconds, cache = supervised_baselines(args, data, not args.quiet)
        print(studies.label_efficiency_summary(table).to_string(index=False))
        print(f"supervised baselines in {seconds / 60:.1f} min -> {cache}")
        return
    model_path, run = network(args)
    model = DiehlCook2015.load(model_path)
    neurons = model.network_parameters.n_neurons
    x_train, y_train, x_test, y_test = datasets.load(args.dataset)
    data = (x_train[:args.train], y_train[:args.train], x_test[:args.test], y_test[:args.test])
    name = f"label_efficiency_{neurons}" + ("" if args.dataset == "mnist" else f"_{args.dataset}")
    results = Path(args.results)
    counts_train, counts_test, counting_s = spike_counts(model_path, run, data, results / f"{name}_counts.npz",
                                                         not args.quiet, args.jobs)
    baselines, baselines_s, baselines_cache = supervised_baselines(args, data, not args.quiet)
    study_start = time.perf_counter()
    table = studies.label_efficiency(counts_train, data[1], counts_test, data[3], sizes=args.sizes,
                                     draws=args.draws, seed=args.seed, methods=studies.SNN_METHODS,
                                     verbose=not args.quiet)
    study_s = time.perf_counter() - study_start + baselines_s
    # The same rows and order as one call with every method: each draw's subset depends on (seed, size, draw) only.
    order = {method: k for k, method in enumerate(studies.LABEL_METHODS)}
    table = pd.concat([table, baselines], ignore_index=True).sort_values(
        ["size", "draw", "method"], key=lambda c: c.map(order) if c.name == "method" else c, ignore_index=True)
    summary = studies.label_efficiency_summary(table)
    comparison = studies.label_efficiency_comparison(table)
    with atomic_write(results / f"{name}.csv") as tmp:
        table.to_csv(tmp, index=False)
    record = {
        "command": command_line(),
        "commit": environment()["commit"],
        "model": str(model_path), "model_sha256_16": file_sha256(model_path)[:16],
        "n_neurons": neurons, "examples_trained": model.n_examples_seen_, "dataset": args.dataset,
        "label_pool": len(data[1]), "test_images": len(data[3]), "sizes": sorted(set(table["size"].tolist())),
        "draws": args.draws, "seed": args.seed,
        "linear_readout": "StandardScaler + LogisticRegression(C=1.0), multinomial, lbfgs",
        "supervised": "studies.train_conventional on pixels / 255: LogisticRegression(max_iter=1000),"
                      " MLPClassifier((100,), max_iter=200)",
        "wall_time_s": time.time() - start, "counting_s": counting_s, "study_s": study_s,
        "counts_from_run": str(run) if run is not None else None,
        "supervised_baselines": {"cache": str(baselines_cache), "seconds_this_invocation": baselines_s,
                                 "from_cache": baselines_s == 0.0},
        "summary": summary.to_dict(orient="records"),
        "comparison": comparison.to_dict(orient="records"),
        "in_words": in_words(comparison),
        "environment": environment(),
    }
    write_json(results / f"{name}.json", record)
    figure = Path(args.figure)
    replot.label_efficiency(results, figure.parent, figure.stem)
    print(summary.to_string(index=False))
    print("\n".join(record["in_words"]))
    print(f"wall time {record['wall_time_s'] / 60:.1f} min -> {results / name}.csv/.json, {figure}")


if __name__ == "__main__":
    main()
