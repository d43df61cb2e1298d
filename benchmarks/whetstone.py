"""Whetstone on MNIST: a sharpened 784-800-10 MLP and a small CNN, trained in Keras 3 (JAX), run as
spiking networks of threshold units on Brian 2, counted and priced beside the lab's other models.

    taskset -c 1 python benchmarks/whetstone.py --models runs/whetstone

For each network (``--nets``): trains it on the first 55,000 training images, binarised
(``sharpening.binarise``), with the last 5,000 as validation data whose loss plateau starts the
sharpening (``sharpening.Sharpener``), and saves it (``--models``: ``NAME.keras``, the unsharpened
weights ``NAME_unsharpened.npz`` and ``NAME_training.json``); a saved network is reused unless
``--retrain``. Then on the first ``--test`` test images: the unsharpened and the sharpened Keras
accuracy; the sharpened network exported (``sharpening.export``) and run on Brian 2's standalone
device (``threshold_network``), its predictions and per-layer spike counts compared with Keras's
image by image, and every disagreement's closest potential to the threshold (float64) recorded;
its counts in NeuroBench's units (``counting.threshold_counts``) priced under every preset of
``stdplab.energy``, beside the unsharpened networks as dense MACs and the models priced in
benchmarks/results/conversion.json. Writes benchmarks/results/whetstone.json,
benchmarks/results/whetstone_energy.csv and figures/whetstone_energy.png.
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np

from stdplab import counting, datasets, energy, plots
from stdplab import sharpening as sh
from stdplab.counting import Workload
from stdplab.provenance import command_line, environment
from stdplab.records import atomic_write, save_npz, write_json

N_VALIDATION = 5000


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nets", default="mlp,cnn", help="networks: mlp, cnn (comma-separated)")
    p.add_argument("--models", default="runs/whetstone", help="where trained networks are saved and reused")
    p.add_argument("--retrain", action="store_true", help="train even if a saved network exists")
    p.add_argument("--test", type=int, default=10000, help="test images (default 10000)")
    p.add_argument("--max-epochs", type=int, default=40, help="epochs at most (training stops once sharp)")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--epochs-per-layer", type=float, default=4.0, help="epochs to sharpen one layer")
    p.add_argument("--learning-rate", type=float, default=1e-3, help="Adam's, at the first epoch")
    p.add_argument("--decay", type=float, default=0.9, help="the learning rate's factor per epoch")
    p.add_argument("--patience", type=int, default=2, help="epochs without validation-loss improvement")
    p.add_argument("--latest-start", type=int, default=15, help="sharpening starts after this epoch at the latest")
    p.add_argument("--per-class", type=int, default=10, help="output neurons per class")
    p.add_argument("--chunk-size", type=int, default=1000, help="images per run of the compiled binary")
    p.add_argument("--presets", default=",".join(energy.DEFAULT_PRESETS))
    p.add_argument("--conversion", default="benchmarks/results/conversion_test10000/conversion.json",
                   help="priced MLPs and conversions to show beside (benchmarks/conversion.py, full test set)")
    p.add_argument("--energy", default="benchmarks/results/energy.json",
                   help="priced STDP networks to show beside (benchmarks/energy.py, full test set)")
    p.add_argument("--results", default="benchmarks/results")
    p.add_argument("--figures", default="figures")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--replot", action="store_true", help="only remake the figure from whetstone.json")
    return p.parse_args(argv)


def build(name: str, args):
    """A fresh, unsharpened network of the given name; Adam's learning rate decays by ``--decay`` per epoch."""
    import keras

    steps = -(-(60000 - N_VALIDATION) // args.batch_size)
    rate = keras.optimizers.schedules.ExponentialDecay(args.learning_rate, decay_steps=steps, decay_rate=args.decay)
    if name == "mlp":
        return sh.mlp(hidden=(800,), per_class=args.per_class, learning_rate=rate, seed=args.seed)
    if name == "cnn":
        return sh.cnn(filters=(16, 32), kernel_size=5, dense=(256,), per_class=args.per_class, learning_rate=rate,
                      seed=args.seed)
    raise ValueError(f"unknown network {name!r}: mlp or cnn")


def train(name: str, x, y, args) -> tuple:
    """Train and sharpen one network, or load the saved one: the model, the unsharpened weights and
    the training record."""
    import keras

    folder = Path(args.models)
    paths = [folder / f"{name}.keras", folder / f"{name}_unsharpened.npz", folder / f"{name}_training.json"]
    if all(p.exists() for p in paths) and not args.retrain:
        print(f"{name}: reusing {paths[0]}", flush=True)
        with np.load(paths[1]) as f:
            weights = [f[f"w{k}"] for k in range(len(f.files))]
        return keras.saving.load_model(paths[0]), weights, json.loads(paths[2].read_text())
    model = build(name, args)
    n = len(x) - N_VALIDATION
    sharpener = sh.Sharpener(start=sh.PLATEAU, epochs_per_layer=args.epochs_per_layer, monitor="val_loss",
                             patience=args.patience, latest_start=args.latest_start)
    start = time.time()
    model.fit(x[:n], y[:n], validation_data=(x[n:], y[n:]), epochs=args.max_epochs, batch_size=args.batch_size,
              callbacks=[sharpener], verbose=2)
    seconds = time.time() - start
    if not sh.is_sharp(model):
        raise RuntimeError(f"{name} is not fully sharpened after {args.max_epochs} epochs: {sh.sharpness(model)}")
    record = {"train_images": n, "validation_images": N_VALIDATION, "training_s": seconds,
              "epochs": len(sharpener.history_), "sharpening_started_epoch": sharpener.start_epoch_,
              "sharp_at_epoch": sharpener.done_epoch_, "history": sharpener.history_,
              "parameters": int(model.count_params()), "batch_size": args.batch_size,
              "epochs_per_layer": args.epochs_per_layer, "patience": args.patience,
              "learning_rate": args.learning_rate, "decay_per_epoch": args.decay,
              "latest_start": args.latest_start, "trigger": "validation-loss plateau (Sharpener start='plateau')"}
    # Each file whole or absent, the record last: a run killed here is trained again, not half reused.
    with atomic_write(paths[0]) as tmp:
        model.save(tmp)
    save_npz(paths[1], **{f"w{k}": w for k, w in enumerate(sharpener.unsharpened_weights_)})
    write_json(paths[2], record)
    print(f"{name}: trained and sharpened in {seconds:.0f} s ({record['epochs']} epochs)", flush=True)
    return model, sharpener.unsharpened_weights_, record


def layer_sums(model, x, batch_size: int = 1000) -> np.ndarray:
    """(n, layers) units active per image and spiking layer of the Keras model, in batches."""
    return np.concatenate([np.stack([a.sum(axis=1) for a in sh.activations(model, x[k:k + batch_size])], axis=1)
                           for k in range(0, len(x), batch_size)]).round().astype(np.int64)


def evaluate(name: str, model, unsharpened, record, x_test, y_test, args, presets) -> tuple[dict, list]:
    """One trained network on the test images: Keras against Brian 2, counts and priced rows."""
    twin = build(name, args)
    twin.set_weights(unsharpened)
    unsharpened_accuracy = float(np.mean(sh.decode(twin.predict(x_test, batch_size=1000, verbose=0)) == y_test))

    start = time.time()
    keras_predictions = sh.decode(model.predict(x_test, batch_size=1000, verbose=0))
    keras_s = time.time() - start
    keras_layers = layer_sums(model, x_test)

    network = sh.export(model)
    start = time.time()
    from stdplab.threshold_network import compiled_threshold_network
    compiled_threshold_network(network, args.chunk_size)
    build_s = time.time() - start
    start = time.time()
    result = network.simulate(x_test, chunk_size=args.chunk_size, verbose=True)
    brian_s = time.time() - start
    predictions = result.predictions

    disagree = np.flatnonzero(predictions != keras_predictions)
    layer_mismatch = np.flatnonzero((result.layer_spikes[:, 1:] != keras_layers).any(axis=1))
    suspects = np.union1d(disagree, layer_mismatch)
    margins = network.threshold_margins(x_test[suspects]) if len(suspects) else np.zeros(0)
    accuracy = float(np.mean(predictions == y_test))
    counts = counting.threshold_counts(result, network)
    label = {"mlp": "Whetstone MLP 784-800-100", "cnn": "Whetstone CNN 16c5-p2-32c5-p2-256-100"}[name]
    rows = energy.priced_rows([Workload.of_threshold(label, accuracy, counts, network.layer_sizes)], presets)
    dense_layers = [layer for layer in network.layers if layer.kind != "or_pool"]
    unsharpened_net = {"name": f"{label} unsharpened (dense)", "accuracy": unsharpened_accuracy,
                       "macs": sum(layer.n_synapses for layer in dense_layers),
                       "activations": sum(layer.n_neurons for layer in dense_layers)}
    rows += energy.priced_rows([Workload.of_dense(unsharpened_net, family="conventional (Keras, bRELU)")], presets)
    record = {
        **record, "model": label, "layer_sizes": network.layer_sizes,
        "layers": [{"name": layer.name, "kind": layer.kind, "shape": list(layer.shape), "synapses": layer.n_synapses,
                    "parameters": layer.parameters} for layer in network.layers],
        "neurons": int(sum(network.layer_sizes[1:])), "synapses": network.n_synapses,
        "per_class": network.per_class, "steps_per_image": 1, "latency_steps": network.depth,
        "accuracy": {"unsharpened_keras": unsharpened_accuracy,
                     "sharpened_keras": float(np.mean(keras_predictions == y_test)), "brian2": accuracy},
        "agreement": {"predictions": float(np.mean(predictions == keras_predictions)),
                      "images_disagreeing": disagree.tolist(),
                      "images_with_a_layer_spike_count_differing": layer_mismatch.tolist(),
                      "closest_potential_to_threshold_float64": dict(zip(map(str, suspects.tolist()),
                                                                         map(float, margins)))},
        "times_s": {"keras_inference": keras_s, "brian2_build": build_s, "brian2_simulate": brian_s,
                    "brian2_binary": result.wall_time},
        "steps_simulated": result.steps, "counts": counts,
        "unsharpened_dense": {k: v for k, v in unsharpened_net.items() if k != "name"},
    }
    print(f"{label}: unsharpened {100 * unsharpened_accuracy:.2f}%, sharpened Keras "
          f"{100 * record['accuracy']['sharpened_keras']:.2f}%, Brian 2 {100 * accuracy:.2f}%, agreement "
          f"{100 * record['agreement']['predictions']:.2f}% ({len(disagree)} images differ); "
          f"{counts['effective_acs']:.0f} ACs, activation sparsity {counts['activation_sparsity']:.3f}", flush=True)
    return record, rows


def beside_rows(conversion: str, stdp: str) -> list[dict]:
    """The priced rows to draw beside: MLPs and their conversions, and the STDP networks (their
    records' own rows, on the full test set)."""
    rows = []
    if Path(conversion).exists():
        rows += json.loads(Path(conversion).read_text())["priced"]
    if Path(stdp).exists():
        rows += [r for r in json.loads(Path(stdp).read_text())["estimates"] if r["family"].startswith("SNN")]
    return rows


def make_figure(priced: list[dict], args) -> list[Path]:
    """figures/whetstone_energy.png: the Whetstone rows beside the records' other models."""
    fig = plots.energy_accuracy([*priced, *beside_rows(args.conversion, args.energy)],
                                title="Whetstone (sharpened, binary spikes) beside the conventional, converted and "
                                      "STDP networks (MNIST, 10,000 test images)")
    return plots.save(fig, Path(args.figures), "whetstone_energy")


def main(argv=None):
    args = parse_args(argv)
    if args.replot:
        print(make_figure(json.loads((Path(args.results) / "whetstone.json").read_text())["priced"], args))
        return
    command = command_line(argv)
    print(command, flush=True)
    env = environment()
    presets = [energy.get_preset(p).name for p in args.presets.split(",")]
    start = time.time()
    x_train, y_train, x_test, y_test = datasets.load_mnist()
    x_train, x_test = sh.binarise(x_train), sh.binarise(x_test[:args.test])
    y_test = y_test[:args.test]
    networks, priced = {}, []
    for name in args.nets.split(","):
        model, unsharpened, record = train(name, x_train, y_train, args)
        networks[name], rows = evaluate(name, model, unsharpened, record, x_test, y_test, args, presets)
        priced += rows
    from importlib.metadata import version

    results = Path(args.results)
    table = energy.write_table(priced, results / "whetstone_energy.csv")
    figure = make_figure(priced, args)
    write_json(results / "whetstone.json", {
        "command": command, **env, "keras": version("keras"), "jax": version("jax"),
        "wall_time_s": time.time() - start, "dataset": "mnist", "n_test": len(x_test),
        "input": "binary: a pixel spikes if >= 128 of 255 (sharpening.binarise)",
        "output_code": f"{args.per_class} step neurons per class; most spikes wins, ties to the lower class",
        "networks": networks, "priced": priced, "beside": [args.conversion, args.energy],
        "caveats": list(energy.CAVEATS),
        "table": str(table), "figure": [str(p) for p in figure],
    })
    print(f"\n{energy.report(priced)}\nwrote {results / 'whetstone.json'}, {table}, {figure[0]} "
          f"in {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
