"""Spike-based energy: what the operations a network counts would cost on other hardware.

Three things are kept apart on purpose:

1. **Counts** (``stdplab.counting``): spikes, synaptic operations, STDP weight updates and neuron
   state updates of the Diehl & Cook network, taken from the simulation itself, and the
   multiply-accumulates of conventional networks.
2. **Estimates** (this module): those counts multiplied by published per-operation figures
   (``Preset``, ``energy``, ``priced_rows``), optionally with one weight read from memory per
   weight-using operation (``WEIGHT_FETCH``, ``with_weight_fetches``). Linear, and nothing more.
3. **Measurements** of what simulating the network on this CPU actually cost
   (``stdplab.metering``). A clock-driven simulation on a CPU does not spend the energy of
   neuromorphic hardware; never add (2) to (3).

``stdplab.studies`` puts them together: a network trained, tested, counted, priced and measured.
"""
from __future__ import annotations

import math
from numbers import Real
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .counting import NEURON_UPDATE_MODES, OperationCounts, Workload
from .hints import did_you_mean
from .metering import describe_compute
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
    """The caveats as text, one per line.

    Parameters
    ----------
    bullet : str, default "- "
        What starts each line.

    Returns
    -------
    str
    """
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
    """A preset name that is not registered; the message lists the valid names and suggests the
    closest."""


@dataclass(frozen=True)
class Preset:
    """Energy per operation on one kind of hardware, with units and a source.

    Parameters
    ----------
    name : str
        Its name in ``PRESETS`` and in tables.
    energy_per_synop, energy_per_neuron_update, energy_per_mac, energy_per_stdp_update : float or None
        Joules per synaptic operation, neuron state update, multiply-accumulate and STDP weight
        update; ``None`` where the source gives no figure (the operation is then not priced, and
        reported as such).
    source : str
        Where the figures come from (required).
    kind : {"neuromorphic", "digital"}, default "neuromorphic"
        An event-driven chip, or CMOS/CPU/GPU.
    notes : str, optional
        What the figures include and assume.
    units : dict, optional
        The unit of every value field (default ``UNITS``).

    Raises
    ------
    ValueError
        Without a name or a source, for a value that is not a finite energy >= 0, or a value
        without a unit.

    Examples
    --------
    >>> chip = Preset("my-chip", energy_per_synop=1e-12, energy_per_neuron_update=2e-12, source="its datasheet")
    >>> float(energy({"synops": 10, "neuron_updates_clock": 10}, chip)["total_j"])
    3e-11
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
            if not (isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value) and value >= 0):
                raise ValueError(f"preset {self.name!r}: {name} must be a finite energy >= 0 J, got {value!r}")
            if not self.units.get(name):
                raise ValueError(f"preset {self.name!r}: no unit given for {name}")

    def values(self) -> dict:
        """Every figure with its unit.

        Returns
        -------
        dict
            ``{field: (value in J or None, unit)}``.
        """
        return {name: (getattr(self, name), self.units.get(name)) for name in _VALUE_FIELDS}


_KERASSPIKING = ("as used by KerasSpiking's ModelEnergy presets (nengo/keras-spiking, "
                 "keras_spiking/model_energy.py)")
_DEGNAN = ("Degnan, Marr & Hasler, 'Assessing trends in performance per watt for signal processing "
           "applications', IEEE TVLSI 24(1):58-66, 2015")

PRESETS: dict[str, Preset] = {}


def register_preset(preset: Preset, overwrite: bool = False) -> Preset:
    """Add a user-defined preset to ``PRESETS``, or replace one.

    Parameters
    ----------
    preset : Preset
    overwrite : bool, default False
        Replace a preset of the same name.

    Returns
    -------
    Preset
        ``preset``.

    Raises
    ------
    TypeError
        If ``preset`` is not a ``Preset``.
    ValueError
        If a preset of that name exists and ``overwrite`` is false.
    """
    if not isinstance(preset, Preset):
        raise TypeError(f"expected a Preset, got {type(preset).__name__}")
    if preset.name in PRESETS and not overwrite:
        raise ValueError(f"a preset named {preset.name!r} exists; pass overwrite=True to replace it")
    PRESETS[preset.name] = preset
    return preset


def get_preset(preset: str | Preset) -> Preset:
    """A registered preset by name.

    Parameters
    ----------
    preset : str or Preset
        A name in ``PRESETS``; a ``Preset`` is passed through.

    Returns
    -------
    Preset

    Raises
    ------
    UnknownPresetError
        For a name that is not registered.
    """
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
    """Energy of reading one 32-bit weight from one kind of memory, with its source.

    Parameters
    ----------
    name : str
        Its key in ``WEIGHT_FETCH``.
    energy_per_fetch : float
        J per 32-bit weight read.
    source : str
        Where the figure comes from.
    """

    name: str
    energy_per_fetch: float
    source: str


WEIGHT_FETCH: dict[str, WeightFetch] = {m.name: m for m in (
    WeightFetch("sram_8kb", 5e-12, f"{_HAN}: 32-bit SRAM read 5 pJ (Horowitz's 8 KB array, 10 pJ per 64 bits). "
                                   f"{_HOROWITZ_MEMORY}. {_CHECKED}"),
    WeightFetch("sram_1mb", 50e-12, f"{_HOROWITZ_MEMORY}; 1 MB halved for 32 bits (our scaling). {_CHECKED}"),
    WeightFetch("dram", 640e-12, f"{_HAN}: 32-bit DRAM read 640 pJ. {_HOROWITZ_MEMORY}. {_CHECKED}"),
)}


def weight_fetches(row: dict) -> float:
    """Weights read per image by the work a priced row counts.

    One read per operation that uses a weight: per MAC (dense or effective, as the row prices
    them) and per synaptic operation (an effective AC: one per spike and synapse it reaches). No
    reuse: a batch of one, and no weight kept in registers across a spiking network's time steps.

    Parameters
    ----------
    row : dict
        A row of ``priced_rows``.

    Returns
    -------
    float
        MACs plus synaptic operations per image; a count the row lacks (None or NaN) adds nothing.
    """
    counts = (row.get(key) for key in ("macs_per_image", "synops_per_image"))
    return float(sum(count for count in counts if count is not None and not math.isnan(count)))


def with_weight_fetches(rows: list[dict], memory: str | None) -> list[dict]:
    """The rows of the digital presets with the weight-fetch term added.

    One read from ``memory`` per weight fetch (``weight_fetches``) is added to each row's energy
    per image and per correct answer. Rows of neuromorphic presets are left out: their per-event
    figures are for chips that keep the weights in their own on-chip memory.

    Parameters
    ----------
    rows : list of dict
        Rows of ``priced_rows``.
    memory : str or None
        A key of ``WEIGHT_FETCH``; None: no memory term (the rows of the digital presets as they are).

    Returns
    -------
    list of dict
        The digital presets' rows, each with ``memory``, ``weight_fetches_per_image`` and
        ``memory_j_per_image`` added.

    Raises
    ------
    ValueError
        For a ``memory`` that is not in ``WEIGHT_FETCH`` (the message lists those that are).

    Examples
    --------
    >>> mlp = Workload.of_dense({"name": "MLP", "accuracy": 0.5, "macs": 12, "activations": 5})
    >>> rows = priced_rows([mlp], ["cmos45nm"])
    >>> with_weight_fetches(rows, "dram")[0]["weight_fetches_per_image"]
    12.0
    """
    if memory is not None and memory not in WEIGHT_FETCH:
        raise ValueError(f"unknown memory {memory!r}{did_you_mean(str(memory), WEIGHT_FETCH)}; choose one of"
                         f" {', '.join(WEIGHT_FETCH)} or None")
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


# --- pricing --------------------------------------------------------------------------------------

ROW_FIELDS = ("model", "family", "n_neurons", "accuracy", "preset", "preset_kind", "synops_per_image",
              "macs_per_image", "neuron_updates_per_image", "spikes_per_image", "energy_per_image_j",
              "energy_per_image_other_mode_j", "neuron_updates_mode", "energy_per_correct_j")


def energy(counts: OperationCounts | dict, preset: str | Preset, neuron_updates: str = "clock",
           include_stdp: bool = True) -> dict:
    """Energy of operation counts on one preset, in joules, by component.

    Linear in the counts: each component is count x the preset's energy per operation; an
    operation the preset does not price (``None``) contributes 0 and is listed in ``unpriced``.

    Parameters
    ----------
    counts : OperationCounts or dict
        Per-example counts (arrays in, arrays out), or a dict with ``synops``,
        ``neuron_updates_clock`` or ``neuron_updates_event`` and optionally ``stdp_updates`` and
        ``macs`` (numbers or arrays).
    preset : str or Preset
    neuron_updates : {"clock", "event"}, default "clock"
        Which neuron updates to price.
    include_stdp : bool, default True
        Price the STDP weight updates (learning).

    Returns
    -------
    dict
        ``synops_j``, ``neuron_updates_j``, ``stdp_j``, ``macs_j`` and their sum ``total_j``;
        ``unpriced`` (operations counted but given no figure), ``preset`` and ``neuron_updates_mode``.

    Raises
    ------
    ValueError
        For an unknown ``neuron_updates`` mode.
    UnknownPresetError
        For an unknown preset name.

    Examples
    --------
    >>> e = energy({"synops": 10**6, "neuron_updates_clock": 10**3}, "loihi")
    >>> round(float(e["synops_j"]) * 1e6, 1)  # µJ
    23.6
    """
    preset = get_preset(preset)
    if neuron_updates not in NEURON_UPDATE_MODES:
        raise ValueError(f"neuron_updates must be one of {NEURON_UPDATE_MODES}, got {neuron_updates!r}")
    c = counts.per_example() if isinstance(counts, OperationCounts) else counts
    counted = (  # (count's name, part's name, count, J per operation)
        ("synops", "synops_j", c["synops"], preset.energy_per_synop),
        ("neuron_updates", "neuron_updates_j", c[f"neuron_updates_{neuron_updates}"], preset.energy_per_neuron_update),
        ("stdp_updates", "stdp_j", c.get("stdp_updates", 0.0) if include_stdp else 0.0, preset.energy_per_stdp_update),
        ("macs", "macs_j", c.get("macs", 0.0), preset.energy_per_mac),
    )
    zero = np.zeros_like(np.asarray(c["synops"], dtype=float))  # every part in the counts' shape
    parts = {part: zero + np.asarray(count, dtype=float) * (per_op or 0.0) for _, part, count, per_op in counted}
    parts["total_j"] = sum(parts.values())
    unpriced = [name for name, _, count, per_op in counted if per_op is None and np.any(count)]
    return {**parts, "unpriced": unpriced, "preset": preset.name, "neuron_updates_mode": neuron_updates}


def conventional_energy(macs: float, activations: float, preset: str | Preset) -> float:
    """Energy of one inference of a dense network on one preset.

    Parameters
    ----------
    macs : float
        Multiply-accumulates, each at the preset's energy per MAC.
    activations : float
        Units computed, each at the preset's energy per neuron update.
    preset : str or Preset

    Returns
    -------
    float
        Joules; NaN if the preset has no MAC figure (spiking hardware).
    """
    e = energy({"synops": 0.0, "neuron_updates_clock": activations, "macs": macs}, preset, include_stdp=False)
    return float("nan") if get_preset(preset).energy_per_mac is None else float(e["total_j"])


def _per_image(workload: Workload, neuron_updates: float, preset: Preset) -> dict:
    # A count that does not apply to the family (NaN) costs nothing; "neuron_updates_clock" is only
    # the key energy() reads the neuron updates from, whatever the workload's mode.
    counts = {"synops": workload.synops, "neuron_updates_clock": neuron_updates, "macs": workload.macs}
    return energy({k: 0.0 if math.isnan(v) else v for k, v in counts.items()}, preset, include_stdp=False)


def priced_rows(workloads, presets=DEFAULT_PRESETS) -> list[dict]:
    """The energy table: every workload priced under every preset that can price it.

    A workload with multiply-accumulates is left out under a preset without a MAC figure (the
    spiking chips). Rows of an SNN price its synaptic events (event-driven) and its neuron
    updates as counted; rows of a dense network its MACs and one update per unit.

    Parameters
    ----------
    workloads : iterable of counting.Workload
    presets : iterable of str or Preset, default DEFAULT_PRESETS

    Returns
    -------
    list of dict
        One per workload and preset, with the keys ``ROW_FIELDS``: the workload's counts per image
        (NaN where they do not apply), ``energy_per_image_j``, ``energy_per_image_other_mode_j``
        (the other neuron-update mode's, NaN where there is none) and ``energy_per_correct_j``
        (per image / accuracy; inf at accuracy 0). ``plots.energy_accuracy``, ``report``,
        ``with_weight_fetches`` and ``write_table`` read them.

    Raises
    ------
    UnknownPresetError
        For an unknown preset name.

    Examples
    --------
    >>> snn = Workload("SNN", "SNN (Diehl & Cook)", accuracy=0.5, n_neurons=20, synops=1e5, neuron_updates=1e6)
    >>> mlp = Workload.of_dense({"name": "MLP 100", "accuracy": 0.97, "macs": 79400, "activations": 110})
    >>> [(r["model"], r["preset"]) for r in priced_rows([snn, mlp], ["loihi", "gpu"])]
    [('SNN', 'loihi'), ('SNN', 'gpu'), ('MLP 100', 'gpu')]
    """
    presets = [get_preset(p) for p in presets]
    rows = []
    for w in workloads:
        for preset in presets:
            e = _per_image(w, w.neuron_updates, preset)
            if "macs" in e["unpriced"]:
                continue
            per_image = float(e["total_j"])
            other = (float("nan") if math.isnan(w.neuron_updates_other_mode)
                     else float(_per_image(w, w.neuron_updates_other_mode, preset)["total_j"]))
            rows.append(dict(zip(ROW_FIELDS, (
                w.model, w.family, w.n_neurons, w.accuracy, preset.name, preset.kind, w.synops, w.macs,
                w.neuron_updates, w.spikes, per_image, other, w.neuron_updates_mode,
                per_image / w.accuracy if w.accuracy else float("inf")))))
    return rows


def preset_table():
    """Every registered preset with its values, units and source.

    Returns
    -------
    pandas.DataFrame
        One row per preset: ``preset``, ``kind``, the value fields (J) and ``source``.
    """
    import pandas as pd

    return pd.DataFrame([{"preset": p.name, "kind": p.kind, **{name: value for name, (value, _) in p.values().items()},
                          "source": p.source} for p in PRESETS.values()])


# --- reporting -------------------------------------------------------------------------------------

def format_energy(joules: float) -> str:
    """An energy with the unit that suits it (J, mJ, µJ, nJ or pJ), to three significant figures.

    Parameters
    ----------
    joules : float or None

    Returns
    -------
    str
        "n/a" for None, NaN or infinity.

    Examples
    --------
    >>> format_energy(2.36e-5)
    '23.6 µJ'
    """
    if joules is None or not np.isfinite(joules):
        return "n/a"
    for unit, scale in (("J", 1), ("mJ", 1e-3), ("µJ", 1e-6), ("nJ", 1e-9), ("pJ", 1e-12)):
        if abs(joules) >= scale:
            return f"{joules / scale:.3g} {unit}"
    return f"{joules:.3g} J"


def report(rows: list[dict], compute: dict | None = None) -> str:
    """Text report: estimates per model and preset, then the measured cost of this lab's own
    simulation (kept apart), then the caveats.

    Parameters
    ----------
    rows : list of dict
        Rows of ``priced_rows``.
    compute : dict, optional
        ``{label: metering.ComputeCost or its dict}``: what simulating cost on this machine.

    Returns
    -------
    str

    Examples
    --------
    >>> mlp = Workload.of_dense({"name": "MLP", "accuracy": 0.9, "macs": 100, "activations": 10})
    >>> text = report(priced_rows([mlp], ["gpu"]))
    >>> text.splitlines()[2].split()
    ['MLP', 'gpu', '90.0%', '33', 'nJ', '36.7', 'nJ']
    """
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
    """Write table rows to a CSV file (pandas), atomically.

    Parameters
    ----------
    rows : list of dict
    path : str or Path

    Returns
    -------
    Path
        ``path``.
    """
    import pandas as pd

    with atomic_write(path) as tmp:
        pd.DataFrame(rows).to_csv(tmp, index=False)
    return Path(path)


__all__ = [
    "CAVEATS", "DEFAULT_PRESETS", "NEURON_UPDATE_MODES", "PRESETS", "Preset", "ROW_FIELDS", "UNITS",
    "UnknownPresetError", "WEIGHT_FETCH", "WeightFetch", "caveats_text", "conventional_energy", "energy",
    "format_energy", "get_preset", "preset_table", "priced_rows", "register_preset", "report", "weight_fetches",
    "with_weight_fetches", "write_table",
]
