"""The life of the compiled Diehl & Cook network: build once per shape, rerun with new data and parameters.

A network shape (input size, ``SHAPE_PARAMETERS`` and chunk size) is generated and compiled once
into a cache folder by the standalone machinery (``standalone.py``); afterwards the binary is run
directly, any number of times and from any process, with weights, thresholds, stimuli and every
run-time parameter passed on its command line (Brian's ``run_args`` mechanism) and results read
back from its output files. One run of the binary presents up to ``chunk_size`` examples with no
Python in the loop.

The smallest compiled input layer has ``MIN_INPUTS`` (64) inputs: a network with fewer inputs runs
on the 64-input binary, padded with silent inputs (zero rate, zero weights, zero delays), and
``CompiledNetwork.run`` cuts the weights it gives back to the real inputs. A padded input never
spikes (its next spike is never drawn at rate 0), and its zero weights stay zero: normalisation
scales them (0 stays 0), and with the parameters' domains (nu_post, x_tar >= 0, w_max > 0) every
rule in ``rules.py`` proposes a weight <= 0 for an input that never spiked (the triplet rule's
trace of such an input is 0 while tau_pre is below about 1.3 million time steps; beyond that it
underflows to a tiny positive number, as a real pixel's that never spiked does), which the clip to [0, w_max] keeps at 0; ``run`` checks this and
raises if a padded weight comes back nonzero. Padding spares a compile per input count (tests and
scikit-learn's checks use 1-10 inputs) at the price of simulating the silent inputs. Networks with
64 or more inputs run exactly as before; with fewer, the extra inputs draw random numbers too, so
results differ from an unpadded build's (statistically alike, not bit for bit).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._docstrings import fill_doc
from .parameters import MAX_PRESENTATIONS, SI_SCALE, Parameters
from .standalone import CompiledProject, code_hash, compiled_project, key_digest, standalone_project

# Every file that feeds the generated code (equations, constants and units, the build itself and
# the standalone machinery); hashed once, at import, so that the key always matches the code this
# process would generate even if the files change while it runs.
CODE_FILES = ("network.py", "rules.py", "parameters.py", "simulator.py", "standalone.py", "code_rewrites.py",
              "cache.py")
_CODE_HASH = code_hash(CODE_FILES)
# The smallest input layer compiled; fewer inputs are padded with silent ones (the module's description).
MIN_INPUTS = 64


@fill_doc
@dataclass
class ChunkResult:  # numpydoc ignore=PR01
    """What one run of the binary gives back, per example and at the end.

    Attributes
    ----------
    %(example_counts)s
    intensity : numpy.ndarray
        (n,) intensity of the accepted presentation.
    weights : numpy.ndarray
        (n_input, n_neurons) after the run, the real inputs' only (padded inputs cut off).
    theta : numpy.ndarray
        (n_neurons,) in mV, after the run.
    presentation_start : numpy.ndarray
        (n,) time (s) at which each accepted presentation began.
    wall_time : float
        Seconds the run took.
    cpu_time : float or None
        Seconds the binary spent on a CPU (``standalone.BinaryRun``; None with OpenMP threads).
    spike_trains : dict or None
        Population ("input", "exc", "inh") -> (indices, times in s); all three with
        ``record_all_spikes``. Padded inputs never spike, so input indices are real inputs'.
    profile : dict or None
        Seconds per code object, when built with ``STDPLAB_PROFILE=1``.
    """

    counts: np.ndarray
    presentations: np.ndarray
    intensity: np.ndarray
    input_spikes: np.ndarray
    exc_spikes: np.ndarray
    inh_spikes: np.ndarray
    weights: np.ndarray
    theta: np.ndarray
    presentation_start: np.ndarray
    wall_time: float
    cpu_time: float | None = None
    spike_trains: dict | None = None
    profile: dict | None = None


def _shape_key(params: Parameters, n_input: int, chunk_size: int, learning: bool, record_all_spikes: bool) -> str:
    digest = key_digest({"shape": params.shape_key(), "n_input": n_input, "chunk_size": chunk_size,
                         "learning": learning, "record_all_spikes": record_all_spikes}, _CODE_HASH)
    mode = "learn" if learning else "infer"
    return f"{params.learning_rule}-{mode}-{n_input}x{params.n_neurons}-c{chunk_size}-{digest}"


def compiled_network(params: Parameters, n_input: int, chunk_size: int, learning: bool = True,
                     record_all_spikes: bool = False) -> "CompiledNetwork":
    """The compiled binary for this shape, built (once, under a file lock) if not cached.

    Parameters
    ----------
    params : Parameters
        The network; only its ``SHAPE_PARAMETERS`` choose the build, the rest is given to each run.
    n_input : int
        Input neurons (pixels). Below ``MIN_INPUTS`` the ``MIN_INPUTS``-input binary is used, and
        its ``run`` pads the inputs with silent ones (the module's description).
    chunk_size : int
        Examples one run of the binary presents at most.
    learning : bool, default True
        The binary with STDP, θ adaptation and weight normalisation; without it (labelling,
        testing) the binary has no plasticity code and runs faster.
    record_all_spikes : bool, default False
        Also monitor every input and inhibitory spike (for rasters and checks; slower), on top of
        the excitatory spikes that are always recorded.

    Returns
    -------
    CompiledNetwork
        The build, loaded once per process; its ``n_input`` is ``max(n_input, MIN_INPUTS)``.

    Raises
    ------
    standalone.CompilerNotFoundError
        If it must be built and there is no C++ compiler.
    """
    built_input = max(int(n_input), MIN_INPUTS)
    key = _shape_key(params, built_input, chunk_size, learning, record_all_spikes)
    return compiled_project(
        key, lambda directory: _build(params, built_input, chunk_size, learning, record_all_spikes, directory),
        kind=CompiledNetwork)


def _build(params: Parameters, n_input: int, chunk_size: int, learning: bool, record_all_spikes: bool,
           directory: Path) -> None:
    import brian2 as b2

    from .network import build_network

    with standalone_project(directory) as project:
        # delivery_order makes each input's synapses of one delay consecutive: one range each
        project.ranges = ("input_exc_pre",)
        # A neuron's spike reaches one synapse of every input: a row (n_neurons synapses) apart
        project.prefetched = ("input_exc_post",) if learning else ()
        stimulus = b2.TimedArray(np.zeros((chunk_size, n_input)) * b2.Hz, dt=1 * b2.second,
                                 name="stimulus")
        net = build_network(params, n_input, stimulus=stimulus, learning=learning,
                            record_all_spikes=record_all_spikes)
        slot = params.slot_steps * params.si("dt") * b2.second
        synapses = net.input_exc.variables
        project.run(b2.Network(net.objects), chunk_size * MAX_PRESENTATIONS * slot + slot,
                    seed=net.monitors["controller"].variables["rng_seed"],
                    setup=project.copy_code(synapses["delivery_target"], synapses["_synaptic_post"]))
        project.finish({**_manifest(project, net), "n_input": n_input, "n_neurons": params.n_neurons,
                        "chunk_size": chunk_size, "learning": learning, "dt": params.si("dt"),
                        "slot_steps": params.slot_steps, "present_steps": params.present_steps})


def _manifest(project, net) -> dict:
    """Where each run-time parameter and input goes on the binary's command line, and each result."""
    arg, result = project.arg, project.result
    controller, slots, spikes = (net.monitors[name] for name in ("controller", "slots", "spikes"))
    return {
        "params": {name: [arg(g, v) for g, v in targets] for name, targets in net.parameter_targets.items()},
        "inputs": {
            "stimulus": "stimulus.values", "weights": arg(net.input_exc, "w"),
            "delays": arg(net.input_exc.pre, "delay"), "targets": arg(net.input_exc, "delivery_target"),
            "theta": arg(net.exc, "theta"),
            "n_examples": arg(controller, "n_examples"), "rng_seed": arg(controller, "rng_seed"),
            **({"wsum": arg(net.exc, "wsum")} if net.learning else {}),
        },
        "integer_inputs": ["targets"],
        "results": {
            "weights": result(net.input_exc, "w"), "theta": result(net.exc, "theta"),
            **{f"{population}_spike_{var}": result(monitor, var)
               for population, monitor in spikes.items() for var in ("i", "t")},
            "slot_t": result(slots, "t"),
            **{f"slot_{name}": result(slots, name) for name in slots.record_variables},
        },
    }


def delivery_order(delays: np.ndarray, n_input: int, dt: float) -> np.ndarray:
    """Each input's targets sorted by delay in time steps (stable).

    Standalone runs connect input i's k-th synapse to target ``order[i, k]``. The synapses one
    input spike reaches in one time step then lie side by side in memory, instead of scattered over
    the row, and Brian still delivers them in the same order (by target, as with the plain row), so
    every result is the same bit for bit. (With OpenMP threads whose share of the synapses splits an
    input's row, e.g. 3, the order within that row can differ: results then agree to rounding.)

    Parameters
    ----------
    delays : numpy.ndarray
        (n_input * n_neurons,) delays in seconds, synapse k joining input k // n_neurons to
        neuron k % n_neurons.
    n_input : int
        Input neurons.
    dt : float
        The time step in seconds.

    Returns
    -------
    numpy.ndarray
        (n_input, n_neurons) int32: row i lists input i's targets in the order of their delays.
    """
    steps = np.floor(np.reshape(delays, (n_input, -1)) / dt + 0.5)  # Brian's rounding (spikequeue.h)
    if steps.size and 0 <= steps.min() and steps.max() < 2 ** 15:
        steps = steps.astype(np.int16)  # numpy sorts 16-bit integers stably by radix: 3x faster at 6,400 neurons
    return np.argsort(steps, axis=1, kind="stable").astype(np.int32)


class CompiledNetwork(CompiledProject):
    """The compiled Diehl & Cook network of one shape (``compiled_network``).

    Parameters
    ----------
    directory : pathlib.Path
        The build's folder in the cache.
    """

    @property
    def learning(self) -> bool:
        """Whether the binary learns (STDP, θ adaptation, normalisation)."""
        return self.manifest["learning"]

    @property
    def n_input(self) -> int:
        """Input neurons of the build (``run`` takes up to this many, padding the rest)."""
        return self.manifest["n_input"]

    def run(self, rates: np.ndarray, weights: np.ndarray, delays: np.ndarray, theta: np.ndarray,
            params: Parameters, seed: int) -> ChunkResult:
        """Present examples in order, learning if the binary was built to.

        ``n_input`` may be below the build's (``self.n_input``): the inputs are then padded with
        silent ones (zero rates, weights and delays), and the weights given back are cut to the
        ``n_input`` real ones (the module's description).

        Parameters
        ----------
        rates : numpy.ndarray
            (n, n_input) input rates in Hz at unit intensity, 0 < n <= ``chunk_size``,
            n_input <= ``self.n_input``.
        weights : numpy.ndarray
            (n_input, n_neurons) input weights at the start.
        delays : numpy.ndarray
            (n_input * n_neurons,) input delays in seconds.
        theta : numpy.ndarray
            (n_neurons,) adaptive thresholds in mV at the start.
        params : Parameters
            The run-time parameters (its shape must be the build's).
        seed : int
            Seeds the binary's random generators.

        Returns
        -------
        ChunkResult
            Counts, per-example spike totals and the state at the end.

        Raises
        ------
        ValueError
            If n is not within 1 to ``chunk_size``, or n_input exceeds the build's.
        RuntimeError
            If the binary fails or stops before presenting every example, or a padded input's
            weight comes back nonzero.
        """
        m = self.manifest
        n = len(rates)
        if not 0 < n <= self.chunk_size:
            raise ValueError(f"a run presents 1 to {self.chunk_size} examples, got {n}")
        n_input = np.shape(rates)[1]
        if n_input > m["n_input"]:
            raise ValueError(f"this build has {m['n_input']} inputs, got {n_input}")
        if n_input < m["n_input"]:  # pad with silent inputs: zero rates, weights and delays
            padded = np.zeros((m["n_input"], m["n_neurons"]))
            padded[:n_input] = weights
            padded_delays = np.zeros((m["n_input"], m["n_neurons"]))
            padded_delays[:n_input] = np.reshape(delays, (n_input, m["n_neurons"]))
            weights, delays = padded, padded_delays.ravel()
        stimulus = np.zeros((self.chunk_size, m["n_input"]))
        stimulus[:n, :n_input] = rates
        order = delivery_order(delays, m["n_input"], m["dt"])
        arrays = {"stimulus": stimulus, "weights": np.take_along_axis(np.asarray(weights), order, axis=1),
                  "delays": np.take_along_axis(np.reshape(delays, order.shape), order, axis=1),
                  "targets": order, "theta": np.asarray(theta) * SI_SCALE["mV"]}
        if self.learning:
            arrays["wsum"] = np.asarray(weights).sum(axis=0)
        values = [f"{m['inputs']['n_examples']}={n}", f"{m['inputs']['rng_seed']}={int(seed)}"]
        for name, targets in m["params"].items():
            values += [f"{target}={params.si(name)!r}" for target in targets]
        run = self.run_binary(arrays, values)
        out = run.results
        learned = np.empty(order.shape)
        np.put_along_axis(learned, order, out["weights"].reshape(order.shape), axis=1)
        if np.any(np.abs(learned[n_input:]) > 0):  # NaN (all weights zero at a normalisation) passes, as for real inputs
            raise RuntimeError("a padded (silent) input's weight became nonzero; padding would change the results")
        out["weights"] = learned[:n_input]
        result = self._collect(out, n, run.wall_time)
        result.profile, result.cpu_time = run.profile, run.cpu_time
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

