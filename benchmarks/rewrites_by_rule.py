"""The rewrites of the generated code under every learning rule: bit for bit against Brian's own code.

    python benchmarks/rewrites_by_rule.py                # the four rules -> benchmarks/results/rewrites_by_rule.json

The test suite compares the rewritten build with one compiled as Brian generates it for the default
rule (triplet) only, as each comparison compiles two networks. The rewrites of ``code_rewrites`` are
exact only where GCC compiles the loops' arithmetic as before (``-ffast-math`` may reassociate it
differently around new code), and each rule has its own synaptic code: here every rule learns from
the same four MNIST images with both builds (100 neurons, seed 5), and the weights, θ and spike
counts must be equal to the last bit. Exits with status 1 where they are not.
"""
import argparse
import contextlib
import os
import sys
import tempfile
import warnings

import numpy as np

from stdplab import datasets, standalone
from stdplab.parameters import Parameters
from stdplab.provenance import command_line, git_commit
from stdplab.records import write_json
from stdplab.rules import RULES
from stdplab.estimator import initial_state
from stdplab.simulator import compiled_network

N_NEURONS, CHUNK_SIZE, SEED = 100, 250, 5
FIELDS = ("weights", "theta", "counts", "presentations", "input_spikes", "exc_spikes", "inh_spikes")


def learn(rule, images, rewritten: bool):
    """The manifest and the result of one build (in a cache folder of its own) learning ``images``."""
    os.environ["STDPLAB_CACHE"] = tempfile.mkdtemp(prefix=f"stdplab-{rule}-")
    standalone._compiled.clear()
    params = Parameters(n_neurons=N_NEURONS, learning_rule=rule)
    with contextlib.nullcontext() if rewritten else standalone.brians_own_code():
        net = compiled_network(params, images.shape[1], CHUNK_SIZE, learning=True)
    _, _, weights, delays = initial_state(0, images.shape[1], params)  # as fit draws them
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Brian's own build warns at every run, as it should
        result = net.run(images * params.input_rate_scale, weights, delays,
                         np.full(N_NEURONS, params.theta_init), params, seed=SEED)
    return net.manifest, result


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rules", nargs="+", default=list(RULES), choices=list(RULES))
    p.add_argument("--out", default="benchmarks/results/rewrites_by_rule.json")
    args = p.parse_args()
    images = datasets.load_mnist()[0][:4].reshape(4, -1).astype(float)
    rows = []
    for rule in args.rules:
        (ours_manifest, ours), (brians_manifest, brians) = learn(rule, images, True), learn(rule, images, False)
        row = {"rule": rule, "rewritten": {key: ours_manifest[key] for key in standalone.REWRITE_KEYS},
               "as_generated": {key: brians_manifest[key] for key in standalone.REWRITE_KEYS},
               "excitatory_spikes": int(ours.exc_spikes.sum()),
               "equal": {field: bool(np.array_equal(getattr(ours, field), getattr(brians, field))) for field in FIELDS},
               "max_weight_difference": float(np.abs(ours.weights - brians.weights).max())}
        rows.append(row)
        print(f"{rule}: {'bit for bit' if all(row['equal'].values()) else 'DIFFERENT'}"
              f" ({row['excitatory_spikes']} excitatory spikes; rewrites {row['rewritten']})", flush=True)
    write_json(args.out, {"command": command_line(), "commit": git_commit(), "n_neurons": N_NEURONS,
                          "images": len(images), "seed": SEED, "rules": rows})
    sys.exit(0 if all(all(row["equal"].values()) for row in rows) else 1)


if __name__ == "__main__":
    main()
