"""Converted spiking networks on MNIST: accuracy against time steps, and every model's counts in the
field's units (NeuroBench), beside the conventional MLPs they come from and the STDP network.

    python benchmarks/conversion.py --train 10000 --test 1000 --t-max 200

Trains 784-100-10 and 784-800-10 ReLU MLPs (scikit-learn, the first ``--train`` training images,
as benchmarks/energy.py does), converts each (``stdplab.studies.compare``: ``ConvertedMLP`` normalised on
those training images) under several settings, and runs the first ``--test`` test images for
``--t-max`` steps of 1 ms. With ``--stdp-model`` (a shipped network's size, or a ``DiehlCook2015.save`` file) the STDP networks
see the same test images. Writes benchmarks/results/conversion.json (command, accuracy after every
step, the steps each setting needs to come within 1 point of its MLP, counts), conversion.csv
(accuracy and synaptic events per image after every step), conversion_counts.csv (every model in
the field's units and priced under the presets of ``stdplab.energy``), conversion_memory.csv (the
priced models of the digital presets again with one weight read per weight-using operation from
8 KB SRAM, 1 MB SRAM or DRAM, ranked by energy per image), figures/conversion_accuracy.png
and figures/conversion_energy.png. The run's own compute is metered by codecarbon's offline
tracker (``metering.ComputeMeter``: mode, PUE and grid intensity in the JSON).
"""
import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from stdplab import DiehlCook2015, counting, datasets, energy, metering, plots, pretrained, studies
from stdplab.conversion import MARGIN, SETTINGS
from stdplab.counting import Workload
from stdplab.provenance import command_line, environment
from stdplab.records import file_sha256, write_json


def memory_table(data: dict, results_dir) -> None:
    """The priced models with and without the weight-fetch term, ranked by energy per image within each
    preset and memory (1: cheapest): ``conversion_memory.csv``; prints the 45 nm CMOS ranking."""
    import pandas as pd

    rows = [row for memory in (None, *energy.WEIGHT_FETCH)
            for row in energy.with_weight_fetches(data["priced"], memory)]
    table = pd.DataFrame(rows)[["model", "family", "accuracy", "preset", "memory", "weight_fetches_per_image",
                                "memory_j_per_image", "energy_per_image_j"]]
    table["rank"] = table.groupby(["preset", "memory"])["energy_per_image_j"].rank(method="min").astype(int)
    energy.write_table(table.to_dict("records"), f"{results_dir}/conversion_memory.csv")
    cmos = table[table["preset"] == "cmos45nm"]
    order = ["none", *energy.WEIGHT_FETCH]
    joules = cmos.pivot(index="model", columns="memory", values="energy_per_image_j")[order].sort_values("none")
    ranks = cmos.pivot(index="model", columns="memory", values="rank").loc[joules.index, order]
    print("45 nm CMOS, energy per image (rank) without and with one weight read per operation:")
    print((joules.map(energy.format_energy) + " (" + ranks.astype(str) + ")").to_string())


def make_figures(data: dict, figures_dir) -> None:
    """Both figures from a results file (``conversion.json``)."""
    curves = {(name, label): setting["accuracy"] for name, net in data["networks"].items()
              for label, setting in net["settings"].items()}
    ann = {name: net["ann_accuracy"] for name, net in data["networks"].items()}
    plots.save(plots.conversion_accuracy(curves, ann, title=f"Converted MLPs on {data['n_test']} MNIST test images"),
               figures_dir, "conversion_accuracy")
    plots.save(plots.energy_accuracy(data["priced"], title="Conventional, converted and STDP networks: accuracy "
                                                           "against estimated energy per image"),
               figures_dir, "conversion_energy")


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train", type=int, default=10000, help="training images for the MLPs and the normalisation")
    p.add_argument("--test", type=int, default=1000, help="test images (default 1000)")
    p.add_argument("--t-max", type=int, default=200, help="time steps of 1 ms per image")
    p.add_argument("--mlp-sizes", default="100,800", help="hidden layers: '100,800' or '1200-1200'")
    p.add_argument("--max-iter", type=int, default=50, help="MLP training epochs (max_iter)")
    p.add_argument("--settings", default=",".join(SETTINGS), help="conversion settings, comma-separated")
    p.add_argument("--stdp-model", action="append", default=[],
                   help="a shipped network's size (400) or a trained DiehlCook2015 .npz (repeatable)")
    p.add_argument("--presets", default=",".join(energy.DEFAULT_PRESETS))
    p.add_argument("--chunk-size", type=int, default=500)
    p.add_argument("--figures", default="figures")
    p.add_argument("--replot", action="store_true",
                   help="only remake the figures and the memory table from the results file")
    p.add_argument("--results", default="benchmarks/results")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--pue", type=float, default=1.0, help="power usage effectiveness for codecarbon (1.0: a desktop)")
    p.add_argument("--grid", type=float, default=metering.WORLD_GRID_GCO2_PER_KWH,
                   help="grid intensity for codecarbon, gCO2e/kWh (default 475, the world average)")
    return p.parse_args(argv)


def run_stdp(path, x_test, y_test, presets) -> tuple[str, dict, dict, list[dict]]:
    """A trained STDP network on the test images: its name, record, counts row and priced rows."""
    model = DiehlCook2015.load(path)
    model.verbose = False
    responses = model.responses(x_test)
    accuracy = float(np.mean(model.predict_from_counts(responses.counts) == y_test))
    ops = counting.counts_from_result(model, responses)
    c = counting.stdp_counts(ops, model.weights_)
    name = f"STDP {model.n_neurons} ({os.path.relpath(path)})"
    row = {"model": name, "family": "STDP", "accuracy": accuracy, "steps": ops.mean()["steps"], **c}
    priced = energy.priced_rows([Workload.of_stdp(f"STDP {model.n_neurons}", accuracy, ops)], presets)
    return name, {"accuracy": accuracy, "counts": c, "model_sha256": file_sha256(path)}, row, priced


def run(args, settings, presets) -> dict:
    """Train the MLPs, compare each with its conversions and run the STDP networks: the results."""
    x_train, y_train, x_test, y_test = datasets.load("mnist")
    x_train, y_train = x_train[:args.train], y_train[:args.train]
    x_test, y_test = x_test[:args.test], y_test[:args.test]
    hidden = [tuple(int(h) for h in size.split("-")) for size in args.mlp_sizes.split(",")]
    mlps = [net for net in studies.train_conventional(x_train, y_train, x_test, y_test, hidden_layer_sizes=hidden,
                                                      seed=args.seed, max_iter=args.max_iter)
            if net["name"].startswith("MLP")]
    out = {"n_train": len(x_train), "n_test": len(x_test), "networks": {}, "stdp": {}, "table": [], "counts": [],
           "priced": []}
    for net in mlps:
        compared = studies.compare(net, x_train, x_test, y_test, settings, t_max=args.t_max, presets=presets,
                                   chunk_size=args.chunk_size, seed=args.seed, verbose=True)
        out["networks"][compared["name"]] = compared["network"]
        for key in ("table", "counts", "priced"):
            out[key] += compared[key]
    for path in args.stdp_model:
        name, out["stdp"][name], row, priced = run_stdp(path, x_test, y_test, presets)
        out["counts"].append(row)
        out["priced"] += priced
    return out


def main(argv=None):
    args = parse_args(argv)
    if args.replot:
        data = json.loads(Path(f"{args.results}/conversion.json").read_text())
        make_figures(data, args.figures)
        memory_table(data, args.results)
        return
    command = command_line(argv)
    print(command, flush=True)
    env = environment()  # the commit that runs, not the one checked out when it ends
    settings = {label: SETTINGS[label] for label in args.settings.split(",")}
    presets = [energy.get_preset(name).name for name in args.presets.split(",")]
    args.stdp_model = [pretrained.model_file(spec) for spec in args.stdp_model]  # a missing one fails now

    # This run's own compute, metered by codecarbon (offline), is kept apart from the hardware estimates.
    with metering.ComputeMeter(pue=args.pue, grid_gco2_per_kwh=args.grid) as meter:
        start = time.time()
        out = run(args, settings, presets)

    energy.write_table(out["table"], f"{args.results}/conversion.csv")
    energy.write_table(out["counts"], f"{args.results}/conversion_counts.csv")
    write_json(f"{args.results}/conversion.json", {
        "command": command, **env, "wall_time_s": time.time() - start, "dataset": "mnist",
        "n_train": out["n_train"], "n_test": out["n_test"], "t_max": args.t_max, "dt_ms": 1.0, "margin": MARGIN,
        "readout": "most output spikes so far, ties broken by the higher membrane potential",
        "networks": out["networks"], "stdp": out["stdp"], "priced": out["priced"],
        "break_even_spikes_per_synapse": {"range": counting.BREAK_EVEN_SPIKES_PER_SYNAPSE,
                                          "source": counting.BREAK_EVEN_SOURCE},
        "caveats": energy.CAVEATS, "compute": meter.cost.as_dict(),
        "figures": [f"{args.figures}/conversion_accuracy.png", f"{args.figures}/conversion_energy.png"],
    })
    data = json.loads(Path(f"{args.results}/conversion.json").read_text())
    make_figures(data, args.figures)
    memory_table(data, args.results)
    print(f"done in {time.time() - start:.0f} s; this run: {metering.describe_compute(meter.cost)}")


if __name__ == "__main__":
    main()
