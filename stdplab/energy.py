"""Spike-based energy: operation counts from the simulation, hardware presets, conventional networks
and the lab's own compute.

Three things are kept apart on purpose:

1. **Counts** (``OperationCounts``): spikes, synaptic operations, STDP weight updates and neuron
   state updates of the Diehl & Cook network, per presented image, taken from the simulation's own
   per-slot spike counters (``model.responses(X)``, ``model.training_stats_`` or a
   ``simulator.ChunkResult``), never from rates assumed afterwards.
2. **Estimates** of what those operations would cost on other hardware (``Preset``, ``estimate``),
   and of what a conventional network doing the same task costs (``conventional_ops``). These
   are multiplications of counts by published per-operation figures: linear, and nothing more.
3. **Measurements** of what simulating the network on this CPU actually cost (``ComputeMeter``:
   codecarbon's offline tracker, whose mode, PUE and grid intensity every report states, and CPU
   seconds), and a sweep total (``SweepFootprint``, the NATURE-style formula, built on that
   measured energy). A clock-driven simulation on a CPU does not spend the energy of neuromorphic
   hardware; never add (1) x preset to (3).

Counting rules (``n_input`` inputs, ``n`` excitatory and ``n`` inhibitory neurons):

* synaptic operations: a presynaptic spike costs one operation per synapse it fans out to:
  input -> excitatory ``n`` (all to all), excitatory -> inhibitory ``1`` (one to one),
  inhibitory -> excitatory ``n - 1`` (all but its partner). The instrumentation synapses that
  count spikes for the controller are not part of the model and are not counted.
* STDP weight updates (learning only): each input spike arriving at the plastic synapses touches
  its ``n`` synapses (``on_pre``), each excitatory spike touches its ``n_input`` synapses
  (``on_post``). The per-example weight normalisation (``n_input * n`` weights rescaled at each
  presentation while learning) is counted separately as ``normalisation_updates``; no preset
  prices it.
* neuron state updates, clock-driven: every neuron (inputs included) is updated every time step,
  ``(n_input + 2 n) * steps`` with ``steps = presentations * (present_time + rest_time) / dt``.
* neuron state updates, event-driven estimate: a neuron is updated only when something happens
  to it: once for each synaptic event delivered to it (its state is advanced analytically to the
  event and the input applied; a spike it emits is detected at such an update) and once for each
  spike an input (Poisson) neuron generates. So ``event = synaptic operations + input spikes``.
  It is an upper bound on event-driven work: events reaching one neuron in the same time step
  would be merged by a real implementation.
"""
from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .encoding import unit_pixels
from .hints import did_you_mean
from .metering import WORLD_GRID_GCO2_PER_KWH, ComputeCost, ComputeMeter, SweepFootprint, describe_compute
from .records import atomic_write

# --- caveats ---------------------------------------------------------------------------------------

CAVEATS = (
    "These are estimates from operation counts x per-operation energies. They ignore memory "
    "traffic (weight fetches, spike routing between cores and chips, off-chip I/O), which can "
    "dominate on real hardware (Dampfhoffer et al., IEEE TETCI 2023); weight fetches can be added "
    "as an optional term (with_weight_fetches, one read per weight-using operation).",
    "The Loihi figure (23.6 pJ per synaptic operation) is a pre-silicon minimum (Davies et al., "
    "IEEE Micro 2018); measured workloads cost more.",
    "The TrueNorth figure (26 pJ per synaptic event) is an all-in figure valid at one operating "
    "point (Merolla et al., Science 2014); it does not scale to other voltages, rates or loads.",
    "A clock-driven simulation on a CPU does not spend the energy of neuromorphic hardware: the "
    "measured cost of running this lab's simulation is reported separately and is many orders of "
    "magnitude larger than the neuromorphic estimates.",
    "Clock-driven neuron updates scale with 1/dt of the simulation (here every neuron, inputs "
    "included, every step); a chip's time step need not equal the simulation's dt.",
    "The SNN is priced on CPU/GPU/CMOS presets as an event-driven implementation (only spikes "
    "cause synaptic operations); the conventional networks are priced as dense multiply-accumulates.",
)


def caveats_text(bullet: str = "- ") -> str:
    return "\n".join(bullet + c for c in CAVEATS)


# --- presets ---------------------------------------------------------------------------------------

UNITS = {
    "energy_per_synop": "J per synaptic operation (one presynaptic spike reaching one synapse)",
    "energy_per_neuron_update": "J per neuron state update",
    "energy_per_mac": "J per multiply-accumulate (conventional networks)",
    "energy_per_stdp_update": "J per STDP weight update (one synapse)",
}
_VALUE_FIELDS = tuple(UNITS)


class UnknownPresetError(ValueError):
    """A preset name that is not registered; the message lists the valid names."""


@dataclass(frozen=True)
class Preset:
    """Energy per operation on one kind of hardware, with units and a source.

    Values are in joules; ``None`` means the source gives no figure (the operation is then not
    priced and reported as such). ``units`` maps every value field to its unit.
    """

    name: str
    energy_per_synop: float | None
    energy_per_neuron_update: float | None
    energy_per_mac: float | None = None
    energy_per_stdp_update: float | None = None
    source: str = ""
    kind: str = "neuromorphic"   # "neuromorphic" (event-driven chip) or "digital" (CMOS/CPU/GPU)
    notes: str = ""
    units: dict = field(default_factory=lambda: dict(UNITS))

    def __post_init__(self):
        if not self.name:
            raise ValueError("a preset needs a name")
        if not self.source.strip():
            raise ValueError(f"preset {self.name!r} needs a source (where its figures come from)")
        for name in _VALUE_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"preset {self.name!r}: {name} must be a finite energy >= 0 J, got {value!r}")
            if not self.units.get(name):
                raise ValueError(f"preset {self.name!r}: no unit given for {name}")

    def values(self) -> dict:
        """{field: (value in J or None, unit)}."""
        return {name: (getattr(self, name), self.units.get(name)) for name in _VALUE_FIELDS}


_KERASSPIKING = ("as used by KerasSpiking's ModelEnergy presets (nengo/keras-spiking, "
                 "keras_spiking/model_energy.py)")
_DEGNAN = ("Degnan, Marr & Hasler, 'Assessing trends in performance per watt for signal processing "
           "applications', IEEE TVLSI 24(1):58-66, 2015")

PRESETS: dict[str, Preset] = {}


def register_preset(preset: Preset, overwrite: bool = False) -> Preset:
    """Add a user-defined preset (or replace one, with ``overwrite``); returns it."""
    if not isinstance(preset, Preset):
        raise TypeError(f"expected a Preset, got {type(preset).__name__}")
    if preset.name in PRESETS and not overwrite:
        raise ValueError(f"a preset named {preset.name!r} exists; pass overwrite=True to replace it")
    PRESETS[preset.name] = preset
    return preset


def get_preset(preset: str | Preset) -> Preset:
    """A preset by name (or a ``Preset`` passed through)."""
    if isinstance(preset, Preset):
        return preset
    try:
        return PRESETS[preset]
    except (KeyError, TypeError):
        raise UnknownPresetError(
            f"unknown energy preset {preset!r}{did_you_mean(str(preset), PRESETS)};"
            f" valid names are {', '.join(sorted(PRESETS))}"
            " (or define your own with stdplab.energy.Preset and register_preset)") from None


for _preset in (
    Preset("loihi", energy_per_synop=23.6e-12, energy_per_neuron_update=81e-12,
           source="Davies et al., 'Loihi: a neuromorphic manycore processor with on-chip learning', "
                  "IEEE Micro 38(1):82-99, 2018 (Table 1)",
           notes="23.6 pJ is the minimum energy of a synaptic spike operation (pre-silicon); 81 pJ "
                 "is an active neuron update (inactive: 52 pJ). KerasSpiking adds 3.5 pJ per "
                 "synaptic operation for spike routing; we do not. STDP updates are not priced."),
    Preset("truenorth", energy_per_synop=26e-12, energy_per_neuron_update=0.0,
           source="Merolla et al., 'A million spiking-neuron integrated circuit with a scalable "
                  "communication network and interface', Science 345(6197):668-673, 2014",
           notes="26 pJ per synaptic event is an all-in figure (neuron updates, routing and "
                 "leakage included) at one operating point (0.775 V, 20 Hz mean rate, 128 active "
                 "synapses per neuron); neuron updates are therefore priced at 0. No on-chip learning."),
    Preset("spinnaker", energy_per_synop=13.3e-9, energy_per_neuron_update=26e-9,
           source="Hoeppner et al., 'Dynamic power management for neuromorphic many-core systems', "
                  f"IEEE TCAS-I 66(8):2973-2986, 2019; {_KERASSPIKING}",
           notes="SpiNNaker 1 (ARM968 cores)."),
    Preset("spinnaker2", energy_per_synop=450e-12, energy_per_neuron_update=2.19e-9,
           source="Hoeppner et al., 'Dynamic power management for neuromorphic many-core systems', "
                  f"IEEE TCAS-I 66(8):2973-2986, 2019; {_KERASSPIKING}",
           notes="SpiNNaker 2 prototype."),
    Preset("cmos45nm", energy_per_synop=0.9e-12, energy_per_neuron_update=4.6e-12, energy_per_mac=4.6e-12,
           kind="digital",
           source="Horowitz, 'Computing's energy problem (and what we can do about it)', ISSCC 2014: "
                  "45 nm, 0.9 V; 32-bit float add 0.9 pJ, 32-bit float multiply 3.7 pJ",
           notes="A synaptic operation of the SNN is one accumulate (a 32-bit float add, 0.9 pJ); a "
                 "multiply-accumulate is 3.7 + 0.9 = 4.6 pJ. Assumption (ours): a neuron update "
                 "costs one MAC (a lower bound: the conductance-based neuron needs several)."),
    Preset("cpu", energy_per_synop=8.6e-9, energy_per_neuron_update=8.6e-9, energy_per_mac=8.6e-9,
           kind="digital", source=f"{_DEGNAN} (Intel i7-4960X); {_KERASSPIKING}",
           notes="Every operation (synaptic operation, neuron update, MAC) costs one MAC."),
    Preset("gpu", energy_per_synop=0.3e-9, energy_per_neuron_update=0.3e-9, energy_per_mac=0.3e-9,
           kind="digital", source=f"{_DEGNAN} (Nvidia GTX Titan Black); {_KERASSPIKING}",
           notes="Every operation costs one MAC; assumes large batches (full parallelism)."),
):
    register_preset(_preset)
del _preset

DEFAULT_PRESETS = ("loihi", "truenorth", "spinnaker", "spinnaker2", "cmos45nm", "cpu", "gpu")
CONVENTIONAL_PRESETS = ("cmos45nm", "cpu", "gpu")


# --- memory traffic: the optional weight-fetch term -----------------------------------------------

_HOROWITZ_MEMORY = ("Horowitz, 'Computing's energy problem (and what we can do about it)', ISSCC 2014, 45 nm: a "
                    "64-bit read costs 10 pJ from an 8 KB SRAM, 20 pJ from 32 KB, 100 pJ from 1 MB, and 1.3-2.6 nJ "
                    "from DRAM")
_HAN = ("Han et al.'s energy table for 45 nm after Horowitz (Han, Pool, Tran & Dally, 'Learning both weights "
        "and connections for efficient neural networks', NeurIPS 2015; Han et al., 'EIE', ISCA 2016)")
_CHECKED = ("Checked against secondary copies of these tables (course notes and code quoting them), not "
            "against the papers themselves.")


@dataclass(frozen=True)
class WeightFetch:
    """Energy of reading one 32-bit weight from one kind of memory, with its source."""

    name: str
    energy_per_fetch: float   # J per 32-bit weight read
    source: str


WEIGHT_FETCH: dict[str, WeightFetch] = {m.name: m for m in (
    WeightFetch("sram_8kb", 5e-12, f"{_HAN}: 32-bit SRAM read 5 pJ (Horowitz's 8 KB array, 10 pJ per 64 bits). "
                                   f"{_HOROWITZ_MEMORY}. {_CHECKED}"),
    WeightFetch("sram_1mb", 50e-12, f"{_HOROWITZ_MEMORY}; 1 MB halved for 32 bits (our scaling). {_CHECKED}"),
    WeightFetch("dram", 640e-12, f"{_HAN}: 32-bit DRAM read 640 pJ. {_HOROWITZ_MEMORY}. {_CHECKED}"),
)}


def weight_fetches(row: dict) -> float:
    """Weights read per image by the work a priced row counts: one per operation that uses a weight,
    i.e. per MAC (dense or effective, as the row prices them) and per synaptic operation (an effective
    AC: one per spike and synapse it reaches). No reuse: a batch of one, and no weight kept in
    registers across a spiking network's time steps."""
    counts = (row.get(key) for key in ("macs_per_image", "synops_per_image"))
    return float(sum(count for count in counts if count is not None and not math.isnan(count)))


def with_weight_fetches(rows: list[dict], memory: str | None) -> list[dict]:
    """The rows of the digital presets with one read from ``memory`` (a key of ``WEIGHT_FETCH``; None:
    no memory term) priced per weight fetch and added to their energy per image and per correct
    answer; each gains ``memory``, ``weight_fetches_per_image`` and ``memory_j_per_image``. Rows of
    neuromorphic presets are left out: their per-event figures are for chips that keep the weights
    in their own on-chip memory."""
    per_fetch = 0.0 if memory is None else WEIGHT_FETCH[memory].energy_per_fetch
    out = []
    for row in rows:
        if get_preset(row["preset"]).kind != "digital":
            continue
        fetches = weight_fetches(row)
        per_image = row["energy_per_image_j"] + fetches * per_fetch
        out.append({**row, "memory": memory or "none", "weight_fetches_per_image": fetches,
                    "memory_j_per_image": fetches * per_fetch, "energy_per_image_j": per_image,
                    "energy_per_correct_j": per_image / row["accuracy"] if row["accuracy"] else float("inf")})
    return out


# --- counts ----------------------------------------------------------------------------------------

_COUNT_FIELDS = ("presentations", "steps", "input_spikes", "exc_spikes", "inh_spikes",
                 "synops_input_exc", "synops_exc_inh", "synops_inh_exc", "synops",
                 "stdp_updates_pre", "stdp_updates_post", "stdp_updates", "normalisation_updates",
                 "neuron_updates_clock", "neuron_updates_event")


@dataclass
class OperationCounts:
    """Per-example operation counts (each field an int64 array of length n_examples)."""

    n_input: int
    n_neurons: int
    slot_steps: int            # time steps per presentation slot (present + rest)
    learning: bool
    presentations: np.ndarray
    input_spikes: np.ndarray
    exc_spikes: np.ndarray
    inh_spikes: np.ndarray

    def __post_init__(self):
        for name in ("presentations", "input_spikes", "exc_spikes", "inh_spikes"):
            setattr(self, name, np.asarray(getattr(self, name), dtype=np.int64).ravel())
        lengths = {len(getattr(self, n)) for n in ("presentations", "input_spikes", "exc_spikes", "inh_spikes")}
        if len(lengths) != 1:
            raise ValueError(f"per-example arrays differ in length: {sorted(lengths)}")

    # Fan-out of each projection (synapses per presynaptic spike).
    @property
    def fan_out(self) -> dict:
        return {"input_exc": self.n_neurons, "exc_inh": 1, "inh_exc": self.n_neurons - 1}

    @property
    def n_examples(self) -> int:
        return len(self.presentations)

    @property
    def steps(self):
        return self.presentations * self.slot_steps

    @property
    def synops_input_exc(self):
        return self.input_spikes * self.fan_out["input_exc"]

    @property
    def synops_exc_inh(self):
        return self.exc_spikes * self.fan_out["exc_inh"]

    @property
    def synops_inh_exc(self):
        return self.inh_spikes * self.fan_out["inh_exc"]

    @property
    def synops(self):
        return self.synops_input_exc + self.synops_exc_inh + self.synops_inh_exc

    @property
    def stdp_updates_pre(self):
        return self.input_spikes * self.n_neurons * int(self.learning)

    @property
    def stdp_updates_post(self):
        return self.exc_spikes * self.n_input * int(self.learning)

    @property
    def stdp_updates(self):
        return self.stdp_updates_pre + self.stdp_updates_post

    @property
    def normalisation_updates(self):
        return self.presentations * self.n_input * self.n_neurons * int(self.learning)

    @property
    def neuron_updates_clock(self):
        return (self.n_input + 2 * self.n_neurons) * self.steps

    @property
    def neuron_updates_event(self):
        return self.synops + self.input_spikes

    def per_example(self) -> dict:
        """Every count as {name: int array per example}."""
        return {name: np.asarray(getattr(self, name), dtype=np.int64) for name in _COUNT_FIELDS}

    def total(self) -> dict:
        return {name: int(values.sum()) for name, values in self.per_example().items()}

    def mean(self) -> dict:
        n = max(self.n_examples, 1)
        return {name: values.sum() / n for name, values in self.per_example().items()}

    def __add__(self, other: "OperationCounts") -> "OperationCounts":
        same = ("n_input", "n_neurons", "slot_steps", "learning")
        if any(getattr(self, a) != getattr(other, a) for a in same):
            raise ValueError("can only add counts of the same network and mode")
        return OperationCounts(self.n_input, self.n_neurons, self.slot_steps, self.learning,
                               *(np.concatenate([getattr(self, f), getattr(other, f)])
                                 for f in ("presentations", "input_spikes", "exc_spikes", "inh_spikes")))


def counts_from_stats(stats: dict, n_input: int, params, learning: bool = False) -> OperationCounts:
    """Counts from per-example spike totals: a dict (``model.training_stats_``) or any object with
    ``presentations``, ``input_spikes``, ``exc_spikes`` and ``inh_spikes`` (``Responses``, ``ChunkResult``)."""
    get = (lambda k: stats[k]) if isinstance(stats, dict) else (lambda k: getattr(stats, k))
    return OperationCounts(int(n_input), int(params.n_neurons), params.slot_steps, bool(learning),
                           get("presentations"), get("input_spikes"), get("exc_spikes"), get("inh_spikes"))


def counts_from_result(model, result, learning: bool = False) -> OperationCounts:
    """Counts of ``model.responses(X)`` (inference, learning off) or of one ``simulator.ChunkResult``
    (e.g. from ``model.simulate``)."""
    return counts_from_stats(result, model.n_features_in_, model.network_parameters, learning)


def counts_from_training(model) -> OperationCounts:
    """Counts of every example the model learned from (learning on), from ``model.training_stats_``."""
    if not hasattr(model, "training_stats_"):
        raise AttributeError("the model has not learned yet: fit it first")
    return counts_from_stats(model.training_stats_, model.n_features_in_, model.network_parameters,
                             learning=True)


# --- energy ----------------------------------------------------------------------------------------

NEURON_UPDATE_MODES = ("clock", "event")


def energy(counts: OperationCounts | dict, preset: str | Preset, neuron_updates: str = "clock",
           include_stdp: bool = True) -> dict:
    """Energy of ``counts`` on ``preset``, in joules: {component: per-example array or total}.

    ``counts`` is an ``OperationCounts`` (per-example arrays in, per-example arrays out) or a dict
    with ``synops``, ``neuron_updates_clock``/``neuron_updates_event`` and optionally
    ``stdp_updates`` (numbers or arrays). Linear in the counts: components are count x energy per
    operation; an operation the preset does not price (``None``) contributes 0 and is listed in
    ``unpriced``.
    """
    preset = get_preset(preset)
    if neuron_updates not in NEURON_UPDATE_MODES:
        raise ValueError(f"neuron_updates must be one of {NEURON_UPDATE_MODES}, got {neuron_updates!r}")
    c = counts.per_example() if isinstance(counts, OperationCounts) else counts
    synops = np.asarray(c["synops"], dtype=float)
    neurons = np.asarray(c[f"neuron_updates_{neuron_updates}"], dtype=float)
    stdp = np.asarray(c.get("stdp_updates", 0.0), dtype=float) if include_stdp else np.zeros_like(synops)
    unpriced = []

    def price(count, per_op, name):
        if per_op is None:
            if np.any(count):
                unpriced.append(name)
            return np.zeros_like(count)
        return count * per_op

    parts = {
        "synops_j": price(synops, preset.energy_per_synop, "synops"),
        "neuron_updates_j": price(neurons, preset.energy_per_neuron_update, "neuron_updates"),
        "stdp_j": price(stdp, preset.energy_per_stdp_update, "stdp_updates"),
    }
    parts["total_j"] = parts["synops_j"] + parts["neuron_updates_j"] + parts["stdp_j"]
    parts["unpriced"] = unpriced
    parts["preset"] = preset.name
    parts["neuron_updates_mode"] = neuron_updates
    return parts


def conventional_energy(macs: float, activations: float, preset: str | Preset) -> float:
    """Energy (J) of one inference of a dense network: MACs x energy per MAC + activations x
    energy per neuron update. NaN if the preset has no MAC figure (spiking hardware)."""
    preset = get_preset(preset)
    if preset.energy_per_mac is None:
        return float("nan")
    per_activation = preset.energy_per_neuron_update or 0.0
    return float(macs) * preset.energy_per_mac + float(activations) * per_activation


# --- conventional networks -------------------------------------------------------------------------

def layer_macs(layer_sizes) -> dict:
    """Multiply-accumulates of one inference of a dense network with these layer sizes
    (input first): sum of in x out over layers; activations = units after the input."""
    sizes = [int(s) for s in layer_sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"need at least an input and an output layer of positive sizes, got {sizes}")
    return {"layer_sizes": sizes, "macs": int(sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))),
            "activations": int(sum(sizes[1:])), "parameters": int(sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:])))}


def conventional_ops(estimator) -> dict:
    """MACs per inference of a fitted scikit-learn ``MLPClassifier`` or linear classifier (e.g.
    ``LogisticRegression``), from its weight matrices. Bias additions are not counted."""
    if hasattr(estimator, "coefs_"):
        sizes = [estimator.coefs_[0].shape[0]] + [w.shape[1] for w in estimator.coefs_]
    elif hasattr(estimator, "coef_"):
        coef = np.atleast_2d(estimator.coef_)
        sizes = [coef.shape[1], coef.shape[0]]
    else:
        raise TypeError(f"cannot count operations of {type(estimator).__name__}: expected a fitted "
                        "MLPClassifier or linear model (coefs_ or coef_)")
    return layer_macs(sizes)


def train_conventional(x_train, y_train, x_test, y_test, hidden_layer_sizes=((100,), (800,)),
                       seed: int = 0, max_iter: int = 200) -> list[dict]:
    """Fit ``LogisticRegression`` and an ``MLPClassifier`` per entry of ``hidden_layer_sizes`` on the
    same images (pixels / 255), and test them. Returns one dict per network: name, accuracy, ops."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    xtr, xte = unit_pixels(x_train), unit_pixels(x_test)
    networks = [("logistic regression", LogisticRegression(max_iter=max_iter * 5))]
    for hidden in hidden_layer_sizes:
        hidden = tuple(int(h) for h in np.atleast_1d(hidden))
        networks.append((f"MLP {'-'.join(map(str, hidden))}",
                         MLPClassifier(hidden_layer_sizes=hidden, max_iter=max_iter, random_state=seed)))
    rows = []
    for name, estimator in networks:
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            estimator.fit(xtr, y_train)
        fit_s = time.perf_counter() - start
        accuracy = float(np.mean(estimator.predict(xte) == np.asarray(y_test)))
        rows.append({"name": name, "estimator": estimator, "accuracy": accuracy, "fit_seconds": fit_s,
                     **conventional_ops(estimator)})
    return rows


# --- the comparison table --------------------------------------------------------------------------

def snn_rows(name: str, accuracy: float, counts: OperationCounts, presets=DEFAULT_PRESETS,
             neuron_updates: str = "clock") -> list[dict]:
    """Table rows for one SNN (inference counts, learning off) under each preset."""
    mean = counts.mean()
    n_correct = accuracy * counts.n_examples
    rows = []
    for p in presets:
        p = get_preset(p)
        e = energy(counts, p, neuron_updates=neuron_updates, include_stdp=False)
        alt = energy(counts, p, neuron_updates="event" if neuron_updates == "clock" else "clock",
                     include_stdp=False)
        total = float(np.sum(e["total_j"]))
        rows.append({
            "model": name, "family": "SNN (Diehl & Cook)", "n_neurons": counts.n_neurons,
            "accuracy": accuracy, "preset": p.name, "preset_kind": p.kind,
            "synops_per_image": mean["synops"], "macs_per_image": float("nan"),
            "neuron_updates_per_image": mean[f"neuron_updates_{neuron_updates}"],
            "spikes_per_image": mean["input_spikes"] + mean["exc_spikes"] + mean["inh_spikes"],
            "energy_per_image_j": total / max(counts.n_examples, 1),
            "energy_per_image_other_mode_j": float(np.sum(alt["total_j"])) / max(counts.n_examples, 1),
            "neuron_updates_mode": neuron_updates,
            "energy_per_correct_j": total / n_correct if n_correct else float("inf"),
        })
    return rows


def conventional_rows(networks: list[dict], presets=CONVENTIONAL_PRESETS) -> list[dict]:
    """Table rows for conventional networks (from ``train_conventional``) under each preset."""
    rows = []
    for net in networks:
        for p in presets:
            p = get_preset(p)
            per_image = conventional_energy(net["macs"], net["activations"], p)
            rows.append({
                "model": net["name"], "family": "conventional (scikit-learn)", "n_neurons": net["activations"],
                "accuracy": net["accuracy"], "preset": p.name, "preset_kind": p.kind,
                "synops_per_image": float("nan"), "macs_per_image": net["macs"],
                "neuron_updates_per_image": net["activations"], "spikes_per_image": float("nan"),
                "energy_per_image_j": per_image, "energy_per_image_other_mode_j": float("nan"),
                "neuron_updates_mode": "dense",
                "energy_per_correct_j": per_image / net["accuracy"] if net["accuracy"] else float("inf"),
            })
    return rows


def preset_table():
    """Every registered preset with its values, units and source (a pandas DataFrame)."""
    import pandas as pd

    rows = []
    for p in PRESETS.values():
        row = {"preset": p.name, "kind": p.kind}
        for name, (value, unit) in p.values().items():
            row[name] = value
        row["source"] = p.source
        rows.append(row)
    return pd.DataFrame(rows)


# --- one SNN, trained, tested and measured ---------------------------------------------------------

STAGES = ("compile", "train", "labels", "test")


@dataclass
class MeasuredSNN:
    """One Diehl & Cook network trained without labels, labelled and tested, with the operation
    counts of training and test and the measured cost of each stage (``STAGES``)."""

    name: str
    model: object
    accuracy: float
    train: OperationCounts
    test: OperationCounts
    cost: dict

    @property
    def total_cost(self) -> ComputeCost:
        return ComputeCost.total(self.cost.values())

    def compute(self) -> dict:
        """Measured cost per stage and in total, as plain dicts."""
        return {**{stage: c.as_dict() for stage, c in self.cost.items()}, "total": self.total_cost.as_dict()}

    def footprint(self, n_experiments: int = 1) -> SweepFootprint:
        """The sweep total if every experiment cost what this one did: training gives time and power,
        the other stages the per-experiment overhead."""
        other = ComputeCost.total([c for stage, c in self.cost.items() if stage != "train"])
        return SweepFootprint.from_cost(self.cost["train"], other, n_experiments=n_experiments,
                                        epochs=int(self.model.epochs))

    def summary(self) -> dict:
        """Accuracy and operation counts per image and in total, for a metrics file."""
        return {"accuracy": self.accuracy,
                "test_per_image": {k: float(v) for k, v in self.test.mean().items()}, "test_total": self.test.total(),
                "training_per_image": {k: float(v) for k, v in self.train.mean().items()},
                "training_total": self.train.total()}


def measure_snn(n_neurons, x_train, y_train, x_test, y_test, seed=0, chunk_size=500, pue: float = 1.0,
                grid_gco2_per_kwh: float = WORLD_GRID_GCO2_PER_KWH, **params) -> MeasuredSNN:
    """Compile (both binaries), learn from ``x_train`` without labels, assign labels on it with
    learning off, and test on ``x_test``; each stage measured apart with a ``ComputeMeter`` (its
    ``pue`` and ``grid_gco2_per_kwh``)."""
    from .estimator import DiehlCook2015  # here: counting and pricing need no Brian 2
    from .simulator import compiled_network

    model = DiehlCook2015(n_neurons=n_neurons, random_state=seed, chunk_size=chunk_size, verbose=False, **params)
    n_input = int(np.prod(np.shape(x_train)[1:]))
    stages = {
        "compile": lambda: [compiled_network(model.network_parameters, n_input, chunk_size, learning=learning)
                            for learning in (True, False)],
        "train": lambda: model.fit(x_train),                      # STDP, no labels
        "labels": lambda: model.assign_labels(x_train, y_train),  # learning off
        "test": lambda: model.responses(x_test),
    }
    cost, outcome = {}, {}
    for stage in STAGES:
        with ComputeMeter(pue=pue, grid_gco2_per_kwh=grid_gco2_per_kwh) as meter:
            outcome[stage] = stages[stage]()
        cost[stage] = meter.cost
    responses = outcome["test"]
    accuracy = float(np.mean(model.predict_from_counts(responses.counts) == np.asarray(y_test)))
    return MeasuredSNN(f"SNN {n_neurons}", model, accuracy, counts_from_training(model),
                       counts_from_result(model, responses), cost)


def summary(main: MeasuredSNN, rows: list[dict]) -> dict:
    """The headline numbers of one SNN: accuracy, operations and estimated energy per image (its
    table ``rows``, by preset), and what simulating it measured on this machine."""
    mine = [r for r in rows if r["model"] == main.name]
    if not mine:
        raise ValueError(f"no table rows for {main.name}")
    total = main.total_cost
    return {
        "accuracy": main.accuracy,
        "synops_per_image": float(main.test.mean()["synops"]),
        "spikes_per_image": float(mine[0]["spikes_per_image"]),
        "stdp_updates_per_training_image": float(main.train.mean()["stdp_updates"]),
        "energy_per_image_j": {r["preset"]: r["energy_per_image_j"] for r in mine},
        "energy_per_correct_j": {r["preset"]: r["energy_per_correct_j"] for r in mine},
        "measured_compute": total.as_dict(),
    }


# --- reporting -------------------------------------------------------------------------------------

def format_energy(joules: float) -> str:
    if joules is None or not np.isfinite(joules):
        return "n/a"
    for unit, scale in (("J", 1), ("mJ", 1e-3), ("µJ", 1e-6), ("nJ", 1e-9), ("pJ", 1e-12)):
        if abs(joules) >= scale:
            return f"{joules / scale:.3g} {unit}"
    return f"{joules:.3g} J"


def report(rows: list[dict], compute: dict | None = None) -> str:
    """Text report: estimates per model and preset, then the measured cost of this lab's own
    simulation (kept apart), then the caveats."""
    lines = ["ESTIMATES (operation counts x published energy per operation; not measurements)",
             f"{'model':<24}{'preset':<12}{'accuracy':>9}{'energy/image':>15}{'energy/correct':>16}"]
    for r in rows:
        lines.append(f"{r['model']:<24}{r['preset']:<12}{100 * r['accuracy']:>8.1f}%"
                     f"{format_energy(r['energy_per_image_j']):>15}{format_energy(r['energy_per_correct_j']):>16}")
    if compute:
        lines += ["", "MEASURED: this lab simulating the SNN on this CPU (not comparable with the above)"]
        lines += [f"  {stage:<10} {describe_compute(cost)}" for stage, cost in compute.items()]
    lines += ["", "CAVEATS", caveats_text()]
    return "\n".join(lines)


def write_table(rows: list[dict], path) -> Path:
    """Write table rows to CSV (pandas); returns the path."""
    import pandas as pd

    with atomic_write(path) as tmp:
        pd.DataFrame(rows).to_csv(tmp, index=False)
    return Path(path)


__all__ = [
    "CAVEATS", "MeasuredSNN", "OperationCounts", "PRESETS", "Preset", "STAGES",
    "UnknownPresetError", "WEIGHT_FETCH", "WeightFetch", "conventional_energy", "conventional_ops",
    "conventional_rows", "counts_from_result", "counts_from_stats", "counts_from_training",
    "energy", "get_preset", "layer_macs", "measure_snn", "preset_table", "register_preset", "report", "snn_rows",
    "summary", "train_conventional", "weight_fetches", "with_weight_fetches", "write_table",
]
