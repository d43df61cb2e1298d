"""Training and inference speed: the compiled standalone network against the usual one-run()-per-example port.

    python benchmarks/speed.py                       # 100, 400 and 1,600 neurons
    python benchmarks/speed.py --neurons 400 1600 6400 --examples 2000 1000 300 --reference-examples 0 --previous DIR --repeat 3
    python benchmarks/speed.py --neurons 100 --examples 1000 --reference-examples 20
    python benchmarks/speed.py --neurons 6400 --examples 300 --reference-examples 0 --out benchmarks/results/speed_6400.json
    python benchmarks/speed.py --neurons 1600 --examples 2000 --reference-examples 0 --jobs 2 --out benchmarks/results/speed_jobs.json
    python benchmarks/speed.py --neurons 400 1600 6400 --examples 2000 1000 300 --reference-examples 0 --previous DIR --repeat 3 --profile --out benchmarks/results/speed_rewrites.json  # speed_thresholders.json and speed_issue23.json: the same at 15737b1 and 64909b2

For each size, in one process and on the same MNIST images:
- stdplab: ``DiehlCook2015.partial_fit`` (Brian 2 cpp_standalone, compiled once, up to
  ``chunk_size`` examples per run of the binary; compilation timed separately), then
  ``transform`` on the same images (the inference binary, learning off);
- reference: the same network (same equations, from ``stdplab.network``) on Brian 2's runtime
  device with the Cython target, driven from Python as public ports do: per example, normalise
  the weights, set the rates, ``run(350 ms)``, count spikes, boost and repeat if fewer than 5,
  ``run(150 ms)`` of rest.
Both learn (STDP on). With ``--previous DIR`` (a checkout of an earlier stdplab, e.g. made with
``git worktree add DIR COMMIT``) that version's hot loop is timed too, on the same images, in a
subprocess that imports the package from DIR; with ``--repeat R`` both packages are then timed R
times more in turn, each in a subprocess, and the ratios are the medians of the R pairs' (on a
machine with other work, a change of load then falls on both sides alike). The peak memory of the binaries is recorded per size
(``standalone.peak_binary_memory``; for a previous package without it, that of every child process,
compilers included if it compiled). With ``--jobs N`` inference is timed again with N
runs of the binary at once (``n_jobs``; its counts must equal the first's). With ``--profile`` a
build with Brian's profiling (``STDPLAB_PROFILE=1``) trains on the same images once more, from the
estimator's start (its initial weights, delays and θ for random_state 0), and the seconds per example of each code object are recorded: where the time goes
(each code object's share includes its timer, two ``std::clock`` calls per time step, about 0.6 ms
per example). Prints seconds per
example and the ratios; writes benchmarks/results/speed.json with the command and commit.
"""
import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import time

import numpy as np

import stdplab
from stdplab import DiehlCook2015, datasets, standalone
from stdplab.parameters import Parameters


def standalone_seconds_per_example(images, n_neurons, chunk_size, jobs=None):
    """Seconds per example for training, for inference, and for inference with ``jobs`` runs of the
    binary at once (None if not asked), the compile times, presentations."""
    model = DiehlCook2015(n_neurons=n_neurons, random_state=0, chunk_size=chunk_size, verbose=False)
    start = time.perf_counter()
    model.partial_fit(images[:1], reassign=False)  # builds (or loads) the learning binary
    compile_seconds = {"learning": time.perf_counter() - start}
    start = time.perf_counter()
    model.transform(images[:1])  # builds (or loads) the inference binary
    compile_seconds["inference"] = time.perf_counter() - start
    start = time.perf_counter()
    model.partial_fit(images, reassign=False)
    train = (time.perf_counter() - start) / len(images)
    presentations = np.mean(model.history_["presentations_per_example"][1:])
    start = time.perf_counter()
    counts = model.transform(images)
    infer = (time.perf_counter() - start) / len(images)
    infer_jobs = None
    if jobs:
        start = time.perf_counter()
        if not np.array_equal(model.set_params(n_jobs=jobs).transform(images), counts):
            raise RuntimeError(f"inference with {jobs} jobs gave other counts than with one")
        infer_jobs = (time.perf_counter() - start) / len(images)
    return train, infer, infer_jobs, compile_seconds, presentations


def profiled_seconds_per_example(images, n_neurons, chunk_size):
    """Training seconds per example of each code object, largest first, from a profiling build."""
    from stdplab.estimator import initial_state
    from stdplab.simulator import compiled_network

    params = Parameters(n_neurons=n_neurons)
    _, seed, weights, delays = initial_state(0, images.shape[1], params)
    before = os.environ.get("STDPLAB_PROFILE")
    os.environ["STDPLAB_PROFILE"] = "1"  # part of the build's key: a build of its own
    try:
        network = compiled_network(params, images.shape[1], chunk_size)
    finally:
        if before is None:
            del os.environ["STDPLAB_PROFILE"]
        else:
            os.environ["STDPLAB_PROFILE"] = before
    profile, theta = {}, np.full(n_neurons, params.theta_init)  # as DiehlCook2015 starts
    for start in range(0, len(images), chunk_size):
        rates = images[start:start + chunk_size] * params.input_rate_scale
        result = network.run(rates, weights, delays, theta, params, seed + start)
        weights, theta = result.weights, result.theta
        for name, seconds in result.profile.items():
            name = re.sub(r"_\d+$", "", name)  # Brian numbers the objects of a process's later networks
            profile[name] = profile.get(name, 0.0) + seconds / len(images)
    return dict(sorted(profile.items(), key=lambda item: -item[1]))


def package_seconds_per_example(directory, n_neurons, examples, chunk_size):
    """The same measurement with the stdplab package found in ``directory``, in a subprocess."""
    env = {**os.environ, "PYTHONPATH": os.path.abspath(directory)}
    out = subprocess.run([sys.executable, __file__, "--measure", "--neurons", str(n_neurons),
                          "--examples", str(examples), "--chunk-size", str(chunk_size)],
                         env=env, capture_output=True, text=True, check=True).stdout
    from stdplab.provenance import git_commit  # this checkout's, not the measured package's

    # The checkout's own commit: its package need not have git_commit to report it.
    return {**json.loads(out.strip().splitlines()[-1]), "commit": git_commit(directory)}


def reference_seconds_per_example(images, n_neurons):
    import brian2 as b2

    from stdplab.estimator import initial_state
    from stdplab.network import build_network

    b2.prefs.codegen.target = "cython"
    params = Parameters(n_neurons=n_neurons)
    _, _, weights, delays = initial_state(0, images.shape[1], params)  # as fit draws them
    net = build_network(params, images.shape[1])
    net.set_parameters()
    net.input_exc.w = weights.ravel()
    net.input_exc.delay = delays * b2.second
    spikes = b2.SpikeMonitor(net.exc, record=False)
    network = b2.Network(*net.objects, spikes)
    present, rest = params.present_time * b2.ms, params.rest_time * b2.ms

    def train_one(pixels):
        intensity = params.start_intensity
        while True:
            weights = np.asarray(net.input_exc.w[:]).reshape(-1, n_neurons)
            net.input_exc.w = (weights * params.weight_total / weights.sum(axis=0)).ravel()
            before = int(spikes.num_spikes)
            net.inputs.rate = pixels * params.input_rate_scale * intensity * b2.Hz
            network.run(present)
            fired = int(spikes.num_spikes) - before
            net.inputs.rate = 0 * b2.Hz
            network.run(rest)
            if fired >= params.min_spikes or intensity >= params.max_intensity:
                return
            intensity += params.intensity_step

    start = time.perf_counter()
    train_one(images[0])  # Cython compilation happens here
    compile_seconds = time.perf_counter() - start
    start = time.perf_counter()
    for pixels in images[1:]:
        train_one(pixels)
    return (time.perf_counter() - start) / (len(images) - 1), compile_seconds


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--neurons", type=int, nargs="+", default=[100, 400, 1600])
    p.add_argument("--examples", type=int, nargs="+", default=[2000],
                   help="stdplab training examples: one for every size, or one per size")
    p.add_argument("--reference-examples", type=int, default=21, help="reference examples per size (first one compiles; 0: no reference)")
    p.add_argument("--chunk-size", type=int, default=500)
    p.add_argument("--jobs", type=int, default=None, help="also time inference with this many runs of the binary at once")
    p.add_argument("--previous", metavar="DIR", help="also time the stdplab package in this checkout")
    p.add_argument("--repeat", type=int, default=1,
                   help="with --previous: time both packages this many times in turn (subprocesses) and take the"
                        " median of the pairs' ratios")
    p.add_argument("--profile", action="store_true", help="also record the seconds per example of each code object")
    p.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)  # one stdplab measurement, as JSON
    p.add_argument("--out", default="benchmarks/results/speed.json")
    args = p.parse_args()
    if args.reference_examples == 1 or args.reference_examples < 0:
        p.error("--reference-examples must be 0 (no reference) or at least 2 (the first one compiles, the rest are timed)")
    if len(args.examples) not in (1, len(args.neurons)) or min(args.examples) < 1:
        p.error("--examples takes one positive count for every size, or one per size in --neurons")

    x_train = datasets.load_mnist()[0].reshape(60000, -1).astype(float)
    if args.measure:

        train, infer, _, compile_seconds, presentations = standalone_seconds_per_example(
            x_train[: args.examples[0]], args.neurons[0], args.chunk_size)
        # A package from before issue 23 has no standalone module of its own (the import finds this
        # checkout's, whose meter its binaries never reach): every child process, the compiler too.
        if os.path.dirname(standalone.__file__) == os.path.dirname(stdplab.__file__):
            peak, source = standalone.peak_binary_memory(), "the binaries"
        else:
            peak, source = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, "child processes"
        print(json.dumps({"s_per_example": train, "inference_s_per_example": infer, "compile_s": compile_seconds,
                          "peak_memory_gb": peak / 1e9, "peak_memory_of": source,
                          "presentations_per_example": presentations, "package": os.path.dirname(stdplab.__file__)}))
        return
    # Here, not at the top: a --measure child runs this file under an older package, which may lack them.
    from stdplab.provenance import command_line, git_commit
    from stdplab.records import write_json

    record = {"command": command_line(), "commit": git_commit(),
              "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                          "python": platform.python_version()},
              "sizes": {}}
    for n, examples in zip(args.neurons, args.examples * len(args.neurons) if len(args.examples) == 1 else args.examples):
        standalone.peak_binary_memory(reset=True)
        fast, infer, infer_jobs, fast_compile, presentations = standalone_seconds_per_example(
            x_train[:examples], n, args.chunk_size, args.jobs)
        peak_memory = standalone.peak_binary_memory()
        slow, slow_compile = (reference_seconds_per_example(x_train[: args.reference_examples], n)
                              if args.reference_examples else (None, None))
        row = {"stdplab_s_per_example": fast, "stdplab_inference_s_per_example": infer,
               "stdplab_compile_s": fast_compile,
               "stdplab_examples": examples, "presentations_per_example": presentations,
               "peak_memory_gb": peak_memory / 1e9, "peak_memory_of": "the binaries",
               "reference_s_per_example": slow, "reference_compile_s": slow_compile,
               "reference_examples": max(args.reference_examples - 1, 0), "speedup": slow and slow / fast,
               "epoch_60000_minutes": fast * 60000 / 60}
        line = (f"{n} neurons: training {fast * 1e3:.2f} ms/example, inference {infer * 1e3:.2f} ms/example,"
                + (f" reference {slow * 1e3:.0f} ms/example (training), speed-up {slow / fast:.0f}x;" if slow else "")
                + f" a 60,000-example epoch takes {row['epoch_60000_minutes']:.1f} min")
        if infer_jobs:
            row.update(inference_jobs=args.jobs, stdplab_inference_jobs_s_per_example=infer_jobs,
                       inference_jobs_speedup=infer / infer_jobs)
            line += f"; inference with {args.jobs} jobs {infer_jobs * 1e3:.2f} ms/example ({infer / infer_jobs:.1f}x)"
        if args.previous:
            previous = package_seconds_per_example(args.previous, n, examples, args.chunk_size)
            row["previous"] = previous
            row["speedup_over_previous"] = previous["s_per_example"] / fast
            row["inference_speedup_over_previous"] = previous["inference_s_per_example"] / infer
            if args.repeat > 1:  # pairs in turn, so that a change of load falls on both sides alike
                here = os.path.dirname(os.path.dirname(os.path.abspath(stdplab.__file__)))
                pairs = [[package_seconds_per_example(directory, n, examples, args.chunk_size)
                          for directory in (here, args.previous)] for _ in range(args.repeat)]
                row["pairs"] = [{"current": current, "previous": old} for current, old in pairs]
                for key, name in (("s_per_example", "speedup_over_previous"),
                                  ("inference_s_per_example", "inference_speedup_over_previous")):
                    row[name] = float(np.median([old[key] / current[key] for current, old in pairs]))
            line += (f"; previous loop {previous['s_per_example'] * 1e3:.2f} / {previous['inference_s_per_example'] * 1e3:.2f}"
                     f" ms/example ({row['speedup_over_previous']:.1f}x / {row['inference_speedup_over_previous']:.1f}x)")
        if args.profile:
            row["profile_s_per_example"] = profiled_seconds_per_example(x_train[:examples], n, args.chunk_size)
            line += "; most time in " + ", ".join(f"{name} {seconds * 1e3:.1f} ms"
                                                  for name, seconds in list(row["profile_s_per_example"].items())[:3])
        record["sizes"][str(n)] = row
        print(line, flush=True)
    write_json(args.out, record)


if __name__ == "__main__":
    main()
