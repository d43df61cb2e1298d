"""The life of the compiled network: build once per shape, rerun with new data and parameters.

All contact with Brian 2's (process-global) standalone device is here. A network shape (input
size, ``SHAPE_PARAMETERS`` and chunk size) is generated and compiled once into a cache folder;
afterwards the binary is run directly, any number of times and from any process, with weights,
thresholds, stimuli and every run-time parameter passed on its command line (Brian's ``run_args``
mechanism) and results read back from its output files. One run of the binary presents up to
``chunk_size`` examples with no Python in the loop.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .parameters import MAX_PRESENTATIONS, SI_SCALE, Parameters

# Every file that feeds the generated code (equations, constants and units, the build itself);
# hashed once, at import, so that the key always matches the code this process would generate
# even if the files change while it runs.
CODE_FILES = ("network.py", "rules.py", "parameters.py", "simulator.py")
_compiled: dict[str, "CompiledNetwork"] = {}


def code_hash(names) -> str:
    """The hash of these files of the package: part of a cache key, so that a build always matches
    the code that would generate it."""
    return hashlib.sha256(b"".join((Path(__file__).parent / name).read_bytes() for name in names)).hexdigest()


_CODE_HASH = code_hash(CODE_FILES)


class CompilerNotFoundError(RuntimeError):
    pass


def cache_dir() -> Path:
    """Where compiled networks live: $STDPLAB_CACHE, else ~/.cache/stdplab."""
    root = os.environ.get("STDPLAB_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "stdplab")
    return Path(root) / "build"


@dataclass
class ChunkResult:
    """What one run of the binary gives back, per example and at the end."""

    counts: np.ndarray          # (n, n_neurons) excitatory spikes in each example's accepted presentation
    presentations: np.ndarray   # (n,) times each example was shown (1 + boosts)
    intensity: np.ndarray       # (n,) intensity of the accepted presentation
    input_spikes: np.ndarray    # (n,) over all presentations and rests of the example
    exc_spikes: np.ndarray
    inh_spikes: np.ndarray
    weights: np.ndarray         # (n_input, n_neurons) after the run
    theta: np.ndarray           # (n_neurons,) in mV
    presentation_start: np.ndarray  # (n,) time (s) at which each accepted presentation began
    wall_time: float
    spike_trains: dict | None = None  # population -> (indices, times in s), with record_all_spikes
    profile: dict | None = None  # seconds per code object, when built with STDPLAB_PROFILE=1


def key_digest(shape: dict, code: str) -> str:
    """A short hash of a build's shape, its code's hash and what else changes the binary (Brian's
    version, threads, profiling): the name of its cache folder ends with it."""
    from importlib.metadata import version

    key = {**shape, "profile": _profiling(), "threads": _threads(), "brian2": version("brian2"), "code": code}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


def _shape_key(params: Parameters, n_input: int, chunk_size: int, learning: bool, record_all_spikes: bool) -> str:
    digest = key_digest({"shape": params.shape_key(), "n_input": n_input, "chunk_size": chunk_size,
                         "learning": learning, "record_all_spikes": record_all_spikes}, _CODE_HASH)
    mode = "learn" if learning else "infer"
    return f"{params.learning_rule}-{mode}-{n_input}x{params.n_neurons}-c{chunk_size}-{digest}"


def compiled_network(params: Parameters, n_input: int, chunk_size: int, learning: bool = True,
                     record_all_spikes: bool = False) -> "CompiledNetwork":
    """The compiled binary for this shape, built (once, under a file lock) if not cached.

    ``learning`` selects the binary with STDP, θ adaptation and weight normalisation; without
    it (labelling, testing) the binary has no plasticity code and runs faster.
    ``record_all_spikes`` adds monitors of every input and inhibitory spike (for rasters and
    checks; slower), on top of the excitatory spikes that are always recorded.
    """
    key = _shape_key(params, n_input, chunk_size, learning, record_all_spikes)
    if key not in _compiled:
        _compiled[key] = CompiledNetwork(cached_build(
            key, lambda directory: _build(params, n_input, chunk_size, learning, record_all_spikes, directory)))
    return _compiled[key]


def cached_build(key: str, build) -> Path:
    """The cache folder of the compiled project ``key``; ``build(directory)`` generates and compiles
    it there (once, under a file lock) if no finished build (its manifest) is there yet."""
    directory = cache_dir() / key
    if not (directory / "manifest.json").exists():
        from filelock import FileLock

        directory.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(directory) + ".lock"):
            if not (directory / "manifest.json").exists():
                build(directory)
    return directory


def _threads() -> int:
    """Brian's OpenMP threads, from $STDPLAB_THREADS (default 0: none; slower on 2 cores, README)."""
    return int(os.environ.get("STDPLAB_THREADS", "0"))


def _profiling() -> bool:
    return os.environ.get("STDPLAB_PROFILE", "") not in ("", "0")


def _check_compiler() -> None:
    if not any(shutil.which(c) for c in ("g++", "c++", "clang++")) or not shutil.which("make"):
        raise CompilerNotFoundError(
            "stdplab compiles the network to C++ with Brian 2's standalone device and found no C++"
            " compiler or make on PATH. Install one (Debian/Ubuntu: `apt-get install g++ make`;"
            " macOS: `xcode-select --install`) and try again.")


def _build(params: Parameters, n_input: int, chunk_size: int, learning: bool, record_all_spikes: bool,
           directory: Path) -> None:
    import brian2 as b2

    from .network import build_network

    with standalone_project(directory) as project:
        stimulus = b2.TimedArray(np.zeros((chunk_size, n_input)) * b2.Hz, dt=1 * b2.second,
                                 name="stimulus")
        net = build_network(params, n_input, stimulus=stimulus, learning=learning,
                            record_all_spikes=record_all_spikes)
        controller = net.monitors["controller"]
        slot = params.slot_steps * params.si("dt") * b2.second
        synapses = net.input_exc.variables
        project.run(b2.Network(net.objects), chunk_size * MAX_PRESENTATIONS * slot + slot,
                    seed=controller.variables["rng_seed"],
                    setup=project.copy_code(synapses["delivery_target"], synapses["_synaptic_post"]))
        arg, result = project.arg, project.result
        slots, spikes = net.monitors["slots"], net.monitors["spikes"]
        project.finish({
            "params": {name: [arg(g, v) for g, v in targets] for name, targets in net.parameter_targets.items()},
            "inputs": {
                "stimulus": "stimulus.values", "weights": arg(net.input_exc, "w"),
                "delays": arg(net.input_exc.pre, "delay"), "targets": arg(net.input_exc, "delivery_target"),
                "theta": arg(net.exc, "theta"),
                "n_examples": arg(controller, "n_examples"), "rng_seed": arg(controller, "rng_seed"),
                **({"wsum": arg(net.exc, "wsum")} if learning else {}),
            },
            "integer_inputs": ["targets"],
            "results": {
                "weights": result(net.input_exc, "w"), "theta": result(net.exc, "theta"),
                **{f"{population}_spike_{var}": result(monitor, var)
                   for population, monitor in spikes.items() for var in ("i", "t")},
                "slot_t": result(slots, "t"),
                **{f"slot_{name}": result(slots, name) for name in slots.record_variables},
            },
            "n_input": n_input, "n_neurons": params.n_neurons, "chunk_size": chunk_size, "learning": learning,
            "dt": params.si("dt"),
            "slot_steps": params.slot_steps, "present_steps": params.present_steps,
        })


@contextlib.contextmanager
def standalone_project(directory: Path):
    """Brian's standalone device, set up to generate the project of ``directory`` in a staging folder
    beside it. Yields a ``StandaloneProject``: the body creates its Brian objects, calls ``run`` and
    then ``finish(manifest)``, which compiles the project and moves it into place. On any error the
    staging folder is removed and ``directory`` is left as it was; the device is reset either way."""
    import brian2 as b2
    from brian2.devices.device import device, reset_device

    _check_compiler()
    staging = Path(tempfile.mkdtemp(prefix=directory.name + ".", dir=directory.parent))
    b2.set_device("cpp_standalone", build_on_run=False, directory=str(staging))
    link_args = b2.prefs.codegen.cpp.extra_link_args
    try:
        b2.prefs.devices.cpp_standalone.openmp_threads = _threads()
        # Brian's default is an unbounded `make -j`: dozens of compilers at once on a small machine.
        b2.prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{os.cpu_count() or 1}"]
        # Linking with -ffast-math flushes subnormal numbers to zero (FTZ/DAZ). Decaying traces and
        # conductances otherwise spend thousands of steps as subnormals, each operation on one
        # costing ~100 cycles; the values lost are below 1e-307.
        b2.prefs.codegen.cpp.extra_link_args = [*link_args, "-ffast-math"]
        yield StandaloneProject(staging, directory, device)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        b2.prefs.codegen.cpp.extra_link_args = link_args
        device.reinit()
        reset_device("runtime")


@dataclass
class StandaloneProject:
    """A standalone project being generated (see ``standalone_project``)."""

    staging: Path
    directory: Path
    device: object

    def run(self, network, duration, seed, setup: str = "") -> None:
        """Record ``network.run(duration)``; run arguments given on the binary's command line apply
        after every initial value set so far. ``seed``: an integer Brian variable from which the
        binary re-seeds its random generators. ``setup``: C++ run after that, before the network."""
        self.device.apply_run_args()
        seed_array = self.device.get_array_name(seed)
        self.device.insert_code("main", f"for (size_t k = 0; k < brian::_random_generators.size(); k++)"
                                        f" brian::_random_generators[k].seed((unsigned long) brian::{seed_array}[0] + k);")
        if setup:
            self.device.insert_code("main", setup)
        network.run(duration, profile=_profiling())

    def copy_code(self, source, target) -> str:
        """C++ that copies one synaptic variable into another of the same length (a ``setup``)."""
        source, target = (f"brian::{self.device.get_array_name(v, access_data=False)}" for v in (source, target))
        return f"std::copy({source}.begin(), {source}.end(), {target}.begin());"

    @staticmethod
    def arg(group, var) -> str:
        """How the binary's command line names ``group.var`` (a run argument)."""
        variable = group.variables[var]
        return f"{variable.owner.name}.{variable.name}"

    def result(self, group, var) -> list:
        """[file name, numpy dtype] of ``group.var`` in the binary's results folder."""
        variable = group.variables[var]
        return [self.device.get_array_filename(variable), np.dtype(variable.dtype).str]

    def finish(self, manifest: dict) -> None:
        """Compile, write the manifest (``inputs``: run-argument names, ``results``: files; and which
        spike queue was compiled) and move the project into place."""
        from brian2.codegen.cpp_prefs import get_compiler_and_args

        self.device.build(directory=str(self.staging), compile=False, run=False)
        queue = "runs" if push_runs_of_equal_delay(self.staging / "brianlib" / "spikequeue.h") else "brian"
        self.device.compile_source(str(self.staging), get_compiler_and_args()[0], debug=False, clean=False)
        (self.staging / "manifest.json").write_text(json.dumps({**manifest, "spike_queue": queue}, indent=1))
        os.replace(self.staging, self.directory)


def run_project(directory: Path, manifest: dict, arrays: dict, values: list[str]) -> tuple[dict, dict | None, float]:
    """Run a compiled project's binary once, in a temporary folder.

    ``arrays``: {input name in ``manifest["inputs"]``: values, written as float64 files (int32, Brian's
    integer, for the names in ``manifest["integer_inputs"]``) and given to every target of that name};
    ``values``: further ``target=value`` run arguments. Returns
    ({result name: array}, seconds per code object when built with profiling else None, wall seconds).
    """
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="stdplab-run-") as tmp:
        tmp = Path(tmp)
        args = []
        for name, data in arrays.items():
            path = tmp / f"{name}.dat"
            dtype = np.int32 if name in manifest.get("integer_inputs", ()) else np.float64
            np.ascontiguousarray(data, dtype=dtype).tofile(path)
            targets = manifest["inputs"][name]
            args += [f"{target}={path}" for target in ([targets] if isinstance(targets, str) else targets)]
        results = tmp / "results"
        results.mkdir()
        proc = subprocess.run([str(Path(directory) / "main"), "--results_dir", str(results) + os.sep, *args, *values],
                              cwd=directory, capture_output=True, text=True)
        if proc.returncode:
            raise RuntimeError(f"the compiled network failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        out = {name: np.fromfile(results / fname, dtype=dtype) for name, (fname, dtype) in manifest["results"].items()}
        profile_file = results / "profiling_info.txt"
        profile = None
        if profile_file.exists():
            rows = (line.split("\t") for line in profile_file.read_text().splitlines() if line)
            profile = {name: float(seconds) for name, seconds in rows}
    return out, profile, time.perf_counter() - start


# Brian's push of one spike into its heterogeneous-delay queue: synapse by synapse, a 64-bit
# division (the modulo) and a push_back each (brian2/synapses/cspikequeue.cpp, 2.9.0).
_BRIAN_PUSH = re.compile(
    r"for\s*\(int idx_indices=0; idx_indices<num_indices; idx_indices\+\+\)\s*\{\s*"
    r"const int synaptic_index = cur_indices\[idx_indices\];\s*int delay = rdelays\[synaptic_index\];\s*"
    r"queue\[\(offset\+delay\)%queue\.size\(\)\]\.push_back\(synaptic_index\);\s*\}")
# The same events in the same order, a run of equal delays at a time: in delay order (below) a run
# is a whole time step's worth of one input's synapses, one slot (and one division) per run.
_PUSH_RUNS = """const int n_slots = queue.size();
                for(int first=0; first<num_indices;)
                {
                    const int delay = rdelays[cur_indices[first]];
                    int last = first + 1;
                    while(last<num_indices && rdelays[cur_indices[last]]==delay) last++;
                    vector<int32_t> &slot = queue[(offset+delay)%n_slots];
                    slot.insert(slot.end(), cur_indices + first, cur_indices + last);
                    first = last;
                }"""


def push_runs_of_equal_delay(header: Path) -> bool:
    """Rewrite the push loop of a project's copy of Brian's spike queue to insert runs of synapses
    with equal delays at once. Returns False, with a warning, if the loop is not Brian's as
    known: the project then keeps Brian's own queue, with the same results, only slower."""
    text = header.read_text()
    rewritten, found = _BRIAN_PUSH.subn(lambda _: _PUSH_RUNS, text)
    if found != 1:
        warnings.warn(f"{header}: Brian's spike queue is not the one stdplab knows (another Brian version?);"
                      " it is compiled unchanged, which gives the same results more slowly", stacklevel=2)
        return False
    header.write_text(rewritten)
    return True


def delivery_order(delays: np.ndarray, n_input: int, dt: float) -> np.ndarray:
    """(n_input, n_neurons) int32: each input's targets sorted by delay in time steps (stable).

    Standalone runs connect input i's k-th synapse to target ``order[i, k]``. The synapses one
    input spike reaches in one time step then lie side by side in memory, instead of scattered over
    the row, and Brian still delivers them in the same order (by target, as with the plain row), so
    every result is the same bit for bit. (With OpenMP threads whose share of the synapses splits an
    input's row, e.g. 3, the order within that row can differ: results then agree to rounding.)
    """
    steps = np.floor(np.reshape(delays, (n_input, -1)) / dt + 0.5)  # Brian's rounding (spikequeue.h)
    return np.argsort(steps, axis=1, kind="stable").astype(np.int32)


class CompiledNetwork:
    """A compiled standalone project for one network shape."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.manifest = json.loads((self.directory / "manifest.json").read_text())

    @property
    def chunk_size(self) -> int:
        return self.manifest["chunk_size"]

    @property
    def learning(self) -> bool:
        return self.manifest["learning"]

    def run(self, rates: np.ndarray, weights: np.ndarray, delays: np.ndarray, theta: np.ndarray,
            params: Parameters, seed: int) -> ChunkResult:
        """Present ``rates`` (n, n_input) Hz at unit intensity, n <= chunk_size, in order.

        ``weights`` (n_input, n_neurons), ``delays`` (n_input * n_neurons,) in seconds and ``theta``
        (n_neurons,) in mV are the state at the start; the network learns if it was built to.
        """
        m = self.manifest
        n = len(rates)
        if not 0 < n <= self.chunk_size:
            raise ValueError(f"a run presents 1 to {self.chunk_size} examples, got {n}")
        stimulus = np.zeros((self.chunk_size, m["n_input"]))
        stimulus[:n] = rates
        order = delivery_order(delays, m["n_input"], m["dt"])
        arrays = {"stimulus": stimulus, "weights": np.take_along_axis(np.asarray(weights), order, axis=1),
                  "delays": np.take_along_axis(np.reshape(delays, order.shape), order, axis=1),
                  "targets": order, "theta": np.asarray(theta) * SI_SCALE["mV"]}
        if self.learning:
            arrays["wsum"] = np.asarray(weights).sum(axis=0)
        values = [f"{m['inputs']['n_examples']}={n}", f"{m['inputs']['rng_seed']}={int(seed)}"]
        for name, targets in m["params"].items():
            values += [f"{target}={params.si(name)!r}" for target in targets]
        out, profile, wall_time = run_project(self.directory, m, arrays, values)
        learned = np.empty(order.shape)
        np.put_along_axis(learned, order, out["weights"].reshape(order.shape), axis=1)
        out["weights"] = learned
        result = self._collect(out, n, wall_time)
        result.profile = profile
        return result

    def _collect(self, out: dict, n: int, wall_time: float) -> ChunkResult:
        m = self.manifest
        # Slot monitor row k + 1 describes slot k (row 0 is the state before the first slot).
        slot_example = out["slot_example"][1:]
        if len(slot_example) == 0 or slot_example.max() < n - 1:
            raise RuntimeError("the compiled network stopped before presenting every example")
        n_slots = len(slot_example)
        final_slot = np.append(slot_example[1:] != slot_example[:-1], True)  # examples come in order
        steps = np.rint(out["exc_spike_t"] / m["dt"]).astype(np.int64)
        slot = steps // m["slot_steps"]
        keep = (steps % m["slot_steps"] < m["present_steps"]) & (slot < n_slots)
        keep[keep] &= final_slot[slot[keep]]
        counts = np.zeros((n, m["n_neurons"]), np.int32)
        np.add.at(counts, (slot_example[slot[keep]], out["exc_spike_i"][keep]), 1)

        def per_example(values):
            return np.bincount(slot_example, weights=values, minlength=n)[:n].astype(np.int64)

        return ChunkResult(
            counts=counts,
            presentations=np.bincount(slot_example, minlength=n)[:n],
            intensity=out["slot_intensity"][1:][final_slot],
            input_spikes=per_example(out["slot_input_spikes"][1:]),
            exc_spikes=per_example(out["slot_exc_spikes"][1:]),
            inh_spikes=per_example(out["slot_inh_spikes"][1:]),
            weights=out["weights"],
            theta=out["theta"] / SI_SCALE["mV"],
            presentation_start=np.flatnonzero(final_slot) * m["slot_steps"] * m["dt"],
            wall_time=wall_time,
            spike_trains={population: (out[f"{population}_spike_i"], out[f"{population}_spike_t"])
                          for population in ("input", "exc", "inh") if f"{population}_spike_i" in out},
        )

