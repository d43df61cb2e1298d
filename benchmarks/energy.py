"""Spike-based energy at moderate scale: trained SNNs beside conventional networks on MNIST.

    python benchmarks/energy.py --model 400 --model 1600 --test 10000 --train 10000
    python benchmarks/energy.py --model runs/accuracy_100/model.npz --test 10000 --train 60000

For each trained Diehl & Cook model (the networks that ship, by size, or ``DiehlCook2015.save``
files, e.g. from benchmarks/accuracy.py)
the test images are presented with learning off and every spike, synaptic operation and neuron
update is counted by the simulation; the counts are priced under each hardware preset of
``stdplab.energy``. Logistic regression and MLPs are trained on the first ``--train`` training
images and priced per multiply-accumulate. Writes figures/energy_vs_accuracy.png (and .svg),
benchmarks/results/energy.csv (the table) and benchmarks/results/energy.json (command, counts,
estimates, the cost of the simulation on this machine as codecarbon measured it, caveats), and
prints the report.
Training operation counts (STDP updates included) come from the spike totals the model recorded
while learning (``counting.counts_from_training``); compact files (the shipped networks) keep none.
"""
import argparse
import os
import time
from pathlib import Path

import numpy as np

from stdplab import DiehlCook2015, counting, datasets, energy, metering, pretrained, studies
from stdplab.counting import Workload
from stdplab.provenance import command_line, git_commit
from stdplab.records import file_sha256, write_json

import replot  # benchmarks/replot.py


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", action="append", required=True,
                   help="a shipped network's size (400) or a trained model .npz (repeat for several)")
    p.add_argument("--test", type=int, default=10000, help="test images (default 10000)")
    p.add_argument("--train", type=int, default=60000, help="training images for the conventional networks")
    p.add_argument("--mlp-sizes", default="100,800", help="hidden layers of the MLPs: '100,800' or '300-100,800'")
    p.add_argument("--max-iter", type=int, default=50, help="MLP training epochs (max_iter)")
    p.add_argument("--dataset", default="mnist")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--presets", default=",".join(energy.DEFAULT_PRESETS))
    p.add_argument("--neuron-updates", choices=counting.NEURON_UPDATE_MODES, default="clock")
    p.add_argument("--pue", type=float, default=1.0, help="power usage effectiveness for codecarbon (1.0: a desktop)")
    p.add_argument("--grid", type=float, default=metering.WORLD_GRID_GCO2_PER_KWH,
                   help="grid intensity for codecarbon, gCO2e/kWh (default 475, the world average)")
    p.add_argument("--figures", default="figures")
    p.add_argument("--results", default="benchmarks/results")
    p.add_argument("--name", default="energy", help="results file stem (default energy)")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def epochs_learned(n_examples_seen: int, n_train_images: int) -> int:
    """The passes over the training set a model learned, where it learned whole ones (its epochs
    parameter is only its last call's); otherwise 1, its whole training as one unit."""
    whole = n_examples_seen and n_examples_seen % n_train_images == 0
    return n_examples_seen // n_train_images if whole else 1


def training_totals(model) -> dict | None:
    """Operation totals of the model's training, or None where its file kept no per-example
    statistics (compact files, such as the shipped networks)."""
    try:
        return counting.counts_from_training(model).total()
    except counting.UncountedTrainingError:
        return None


def measured_compute(model, cost, n_images: int, n_train_images: int) -> dict:
    """What testing cost as codecarbon measured it, and the sweep total it implies with the training
    time from the model's history."""
    train_wall = float(np.sum(model.history_.get("wall_time", [0])))
    epochs = epochs_learned(model.n_examples_seen_, n_train_images)
    footprint = metering.SweepFootprint(
        n_experiments=1, hours_per_epoch=train_wall / 3600 / epochs, epochs=epochs,
        hardware_kw=cost.hardware_kw, pue=cost.pue, grid_gco2_per_kwh=cost.grid_gco2_per_kwh,
        overhead_kwh=cost.energy_kwh, measured_by=metering.describe_compute(cost)).as_dict()
    footprint["note"] = ("time from the model's training history (binary wall time); hardware power from the test run "
                         "as codecarbon measured it; A = the test run's energy")
    return {"test": cost.as_dict(), "images": n_images, "energy_per_image_j": cost.energy_j / n_images,
            "training_wall_s_from_history": train_wall, "sweep_footprint": footprint}


def run_snn(path, x_test, y_test, n_train_images, args) -> tuple[Workload, dict, dict]:
    """One trained model on the test images: its workload, its record and the measured compute."""
    model = DiehlCook2015.load(path)
    model.verbose = False
    name = f"SNN {model.n_neurons}"
    with metering.ComputeMeter(pue=args.pue, grid_gco2_per_kwh=args.grid) as meter:
        responses = model.responses(x_test)
    accuracy = float(np.mean(model.predict_from_counts(responses.counts) == y_test))
    counts = counting.counts_from_result(model, responses)
    record = {"model": os.path.relpath(path), "model_sha256": file_sha256(path), "n_neurons": model.n_neurons,
              "accuracy": accuracy, "examples_seen": model.n_examples_seen_,
              "test_per_image": {k: float(v) for k, v in counts.mean().items()},
              "test_total": counts.total(), "training": training_totals(model)}
    print(f"{name}: accuracy {100 * accuracy:.2f}% on {len(x_test)} images,"
          f" {counts.mean()['synops']:.0f} synaptic operations per image", flush=True)
    workload = Workload.of_stdp(name, accuracy, counts, args.neuron_updates)
    return workload, record, measured_compute(model, meter.cost, len(x_test), n_train_images)


def preset_record(presets) -> dict:
    """Every preset's figures with units, source and notes."""
    return {p: {**{k: {"value": v, "unit": u} for k, (v, u) in energy.get_preset(p).values().items()},
                "source": energy.get_preset(p).source, "notes": energy.get_preset(p).notes}
            for p in presets}


def main(argv=None):
    args = parse_args(argv)
    command = command_line(argv)
    print(command, flush=True)
    presets = [energy.get_preset(name).name for name in args.presets.split(",")]  # fails early on a bad name
    model_files = [pretrained.model_file(spec) for spec in args.model]  # and on a missing model

    start = time.time()
    x_train, y_train, x_test, y_test = datasets.load(args.dataset, data_dir=args.data_dir)
    x_test, y_test = x_test[:args.test], y_test[:args.test]

    workloads, snn, compute = [], {}, {}
    for path in model_files:
        workload, record, cost = run_snn(path, x_test, y_test, len(x_train), args)
        if workload.model in snn:  # rows, records and the figure are keyed by name: one model per size
            raise SystemExit(f"two models of {workload.model}: {snn[workload.model]['model']} and {record['model']}")
        snn[workload.model], compute[workload.model] = record, cost
        workloads.append(workload)

    sizes = [tuple(int(h) for h in s.split("-")) for s in args.mlp_sizes.split(",") if s]
    conventional = studies.train_conventional(x_train[:args.train], y_train[:args.train], x_test, y_test,
                                              hidden_layer_sizes=sizes, seed=args.seed, max_iter=args.max_iter)
    workloads += [Workload.of_dense(c) for c in conventional]
    for c in conventional:
        print(f"{c['name']}: accuracy {100 * c['accuracy']:.2f}%, {c['macs']} MACs per image", flush=True)
    rows = energy.priced_rows(workloads, presets)

    results = Path(args.results)
    table = energy.write_table(rows, results / f"{args.name}.csv")
    record = {
        "command": command, "commit": git_commit(), "wall_time_s": time.time() - start,
        "dataset": args.dataset, "n_test": len(x_test), "n_train_conventional": min(args.train, len(x_train)),
        "neuron_updates": args.neuron_updates, "snn": snn,
        "conventional": [{k: v for k, v in c.items() if k != "estimator"} for c in conventional],
        "estimates": rows, "measured_compute": compute, "presets": preset_record(presets),
        "caveats": list(energy.CAVEATS), "table": str(table),
    }
    figure_paths = replot.energy_figure(record, Path(args.figures))  # drawn as replot.py redraws it
    write_json(results / f"{args.name}.json", {**record, "figure": [str(p) for p in figure_paths]})
    print()
    print(energy.report(rows, compute={f"{n} test": c["test"] for n, c in compute.items()}))
    print(f"\nwrote {', '.join(map(str, figure_paths))}, {table}, {results / f'{args.name}.json'}")


if __name__ == "__main__":
    main()
