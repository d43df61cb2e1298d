"""The lab's own compute: what running a block of work cost on this machine, as codecarbon's offline
tracker measures it (``ComputeMeter``, ``ComputeCost``), and a sweep's total built on it
(``SweepFootprint``, the NATURE-style formula).

A clock-driven simulation on a CPU does not spend the energy of neuromorphic hardware: these are
measurements of this lab's compute, never to be added to the estimates of ``stdplab.energy``.
"""
from __future__ import annotations

import dataclasses
import resource
from dataclasses import dataclass

WORLD_GRID_GCO2_PER_KWH = 475.0  # world average, IEA 2019: codecarbon's own fallback figure too


@dataclass(frozen=True)
class ComputeCost:
    """What a block of work cost on this machine, as codecarbon's offline tracker measured it.

    Costs add up (``+``, ``total``) only when measured the same way (``method``).

    Parameters
    ----------
    energy_kwh : float
        Energy, the PUE included.
    emissions_gco2e : float
        Energy x ``grid_gco2_per_kwh``.
    wall_s : float
        Wall time.
    cpu_s : float
        CPU seconds of this process and of the children it waited for (where the compiled
        simulation runs): the one thing codecarbon does not give; on a shared machine it says how
        much of the measured time was this work's.
    mode : str
        How codecarbon measured the CPU: ``intel_rapl`` counters, ``cpu_load`` x TDP, or a
        ``constant`` share of TDP.
    tracking : str
        ``machine``: the whole machine, other processes included.
    pue : float
        Power usage effectiveness.
    grid_gco2_per_kwh : float
        Grid carbon intensity.
    grid_source : str
        Where that intensity came from.
    tool : str
        The measuring tool and its version.

    Raises
    ------
    ValueError
        When costs measured in different ways are added.
    """

    energy_kwh: float
    emissions_gco2e: float
    wall_s: float
    cpu_s: float
    mode: str
    tracking: str
    pue: float
    grid_gco2_per_kwh: float
    grid_source: str
    tool: str

    @property
    def energy_j(self) -> float:
        """The energy in joules."""
        return self.energy_kwh * 3.6e6

    @property
    def hardware_kw(self) -> float:
        """Mean power of the hardware while it ran, kW: the energy without its PUE, over the wall time."""
        return self.energy_kwh / self.pue / max(self.wall_s / 3600, 1e-12)

    def as_dict(self) -> dict:
        """Every field, as a plain dict.

        Returns
        -------
        dict
        """
        return dataclasses.asdict(self)

    @classmethod
    def total(cls, costs) -> "ComputeCost":
        """The sum of several costs measured the same way.

        Parameters
        ----------
        costs : iterable of ComputeCost

        Returns
        -------
        ComputeCost

        Raises
        ------
        ValueError
            With no costs, or costs measured in different ways.
        """
        costs = list(costs)
        if not costs:
            raise ValueError("no costs to add up")
        out = costs[0]
        for cost in costs[1:]:
            out = out + cost
        return out

    @property
    def method(self) -> tuple:
        """How it was measured: costs add up only when this is the same."""
        return tuple(getattr(self, name) for name in ("mode", "tracking", "pue", "grid_gco2_per_kwh", "grid_source", "tool"))

    def __add__(self, other: "ComputeCost") -> "ComputeCost":
        if self.method != other.method:
            raise ValueError("cannot add costs measured in different ways: "
                             f"{describe_compute(self)} and {describe_compute(other)}")
        return dataclasses.replace(self, energy_kwh=self.energy_kwh + other.energy_kwh,
                                   emissions_gco2e=self.emissions_gco2e + other.emissions_gco2e,
                                   wall_s=self.wall_s + other.wall_s, cpu_s=self.cpu_s + other.cpu_s)


def describe_compute(cost: ComputeCost | dict) -> str:
    """One line that states what a cost was and how it was measured (mode, PUE, grid intensity).

    Parameters
    ----------
    cost : ComputeCost or dict
        A cost or its ``as_dict()``.

    Returns
    -------
    str
    """
    c = cost.as_dict() if isinstance(cost, ComputeCost) else cost
    return (f"{1000 * c['energy_kwh']:.3g} Wh, {c['emissions_gco2e']:.3g} gCO2e ({c['wall_s']:.1f} s wall, "
            f"{c['cpu_s']:.1f} CPU s; {c['tool']}, mode {c['mode']}, tracking {c['tracking']}, PUE {c['pue']:g}, "
            f"grid {c['grid_gco2_per_kwh']:.0f} gCO2e/kWh from {c['grid_source']})")


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class ComputeMeter:
    """codecarbon's ``OfflineEmissionsTracker`` around a block of work, as a context manager.

    It tracks the whole machine (codecarbon's ``machine`` mode): its ``process`` mode samples the
    CPU time of the process tree every ``measure_power_secs`` and misses children that start and
    end between samples, which is how the compiled simulation runs. It needs no internet, writes
    no file (no emissions.csv, no lock) and logs only errors. After the block, ``cost`` holds the
    ``ComputeCost``.

    Parameters
    ----------
    pue : float, default 1.0
        Power usage effectiveness (1.0: a desktop).
    grid_gco2_per_kwh : float, optional
        Grid carbon intensity. Default: codecarbon's bundled figure for ``country_iso_code`` if
        given, else the world average ``WORLD_GRID_GCO2_PER_KWH``.
    country_iso_code : str, optional
        Three-letter country code, for codecarbon's bundled figure.
    measure_power_secs : float, default 15
        codecarbon's sampling interval.

    Raises
    ------
    ValueError
        For a PUE below 1 or a negative grid intensity.

    Examples
    --------
    >>> with ComputeMeter(pue=1.0) as meter:  # doctest: +SKIP
    ...     model.fit(X, y)
    >>> print(describe_compute(meter.cost))  # doctest: +SKIP
    """

    def __init__(self, pue: float = 1.0, grid_gco2_per_kwh: float | None = None,
                 country_iso_code: str | None = None, measure_power_secs: float = 15.0):
        if pue < 1:
            raise ValueError(f"pue is at least 1, got {pue}")
        if grid_gco2_per_kwh is None and not country_iso_code:  # neither given: the world average
            grid_gco2_per_kwh = WORLD_GRID_GCO2_PER_KWH
        if grid_gco2_per_kwh is not None and grid_gco2_per_kwh < 0:
            raise ValueError(f"grid_gco2_per_kwh must be >= 0, got {grid_gco2_per_kwh}")
        self.pue, self.grid_gco2_per_kwh, self.country_iso_code = float(pue), grid_gco2_per_kwh, country_iso_code
        self.measure_power_secs = measure_power_secs
        self.cost: ComputeCost | None = None

    def __enter__(self):
        import logging

        from codecarbon import OfflineEmissionsTracker

        # codecarbon logs at INFO until the tracker applies log_level, after its first messages.
        logging.getLogger("codecarbon").setLevel(logging.ERROR)
        self._tracker = OfflineEmissionsTracker(
            country_iso_code=self.country_iso_code, pue=self.pue, measure_power_secs=self.measure_power_secs,
            force_carbon_intensity_g_co2e_kwh=self.grid_gco2_per_kwh, tracking_mode="machine",
            output_methods=[], allow_multiple_runs=True, log_level="error")
        self._cpu = _cpu_seconds()
        self._tracker.start()
        return self

    def __exit__(self, *exc):
        self._tracker.stop()
        data = self._tracker.final_emissions_data
        # codecarbon names the CPU's measuring mode only on its CPU object.
        cpu = next((h for h in getattr(self._tracker, "_hardware", []) if type(h).__name__ == "CPU"), None)
        if self.grid_gco2_per_kwh is not None:
            grid, source = self.grid_gco2_per_kwh, "the figure given"
        else:
            grid = 1000 * data.emissions / data.energy_consumed if data.energy_consumed else float("nan")
            source = f"codecarbon's bundled figure for {data.country_name}"
        self.cost = ComputeCost(
            energy_kwh=data.energy_consumed, emissions_gco2e=1000 * data.emissions, wall_s=data.duration,
            cpu_s=_cpu_seconds() - self._cpu, mode=getattr(cpu, "_mode", "not reported"),
            tracking=data.tracking_mode, pue=data.pue, grid_gco2_per_kwh=grid, grid_source=source,
            tool=f"codecarbon {data.codecarbon_version} OfflineEmissionsTracker")
        return False


# --- sweep total (NATURE-style, Chharia et al.) ----------------------------------------------------

@dataclass(frozen=True)
class SweepFootprint:
    """Total energy and carbon of a sweep: ``n_experiments x [A + time x (PUE x hardware power) x
    epochs]``, carbon = energy x grid intensity.

    This follows the NATURE-style reporting metric proposed by Chharia et al. as described in this
    lab's issue; every term is an explicit input.

    Parameters
    ----------
    n_experiments : int
        Runs in the sweep (every configuration and seed, failed runs included).
    hours_per_epoch : float
        Wall time of one training epoch, hours.
    epochs : int
        Training epochs per experiment.
    hardware_kw : float
        Hardware term: mean power of the hardware while running, kW (measured by codecarbon, its
        PUE taken out).
    pue : float, default 1.0
        Data-centre term: power usage effectiveness of the facility, >= 1 (1.0 for a desktop with
        no cooling overhead).
    grid_gco2_per_kwh : float, default 475
        Grid term: carbon intensity of the electricity, gCO2e/kWh.
    overhead_kwh : float, default 0
        A: energy per experiment that does not scale with epochs (compiling the network, loading
        data, label assignment and testing), kWh.
    assumptions : str, optional
        What the terms assume, stated in every record.
    measured_by : str, optional
        How the terms were measured (``describe_compute``), when they were.

    Raises
    ------
    ValueError
        For a PUE below 1 or a negative term.

    Examples
    --------
    >>> SweepFootprint(n_experiments=12, hours_per_epoch=0.5, epochs=3, hardware_kw=0.1).energy_kwh
    1.8000000000000003
    """

    n_experiments: int
    hours_per_epoch: float
    epochs: int
    hardware_kw: float
    pue: float = 1.0
    grid_gco2_per_kwh: float = WORLD_GRID_GCO2_PER_KWH
    overhead_kwh: float = 0.0
    assumptions: str = ("pue 1.0 (no data-centre overhead) and a grid intensity of 475 gCO2e/kWh "
                        "(about the world average, IEA 2019) unless set")
    measured_by: str = ""

    def __post_init__(self):
        if self.pue < 1:
            raise ValueError(f"pue is at least 1, got {self.pue}")
        for name in ("n_experiments", "hours_per_epoch", "epochs", "hardware_kw", "grid_gco2_per_kwh",
                     "overhead_kwh"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")

    @property
    def energy_per_experiment_kwh(self) -> float:
        """Energy of one experiment, kWh."""
        return self.overhead_kwh + self.hours_per_epoch * self.pue * self.hardware_kw * self.epochs

    @property
    def energy_kwh(self) -> float:
        """Energy of the sweep, kWh."""
        return self.n_experiments * self.energy_per_experiment_kwh

    @property
    def carbon_g(self) -> float:
        """Carbon of the sweep, gCO2e."""
        return self.energy_kwh * self.grid_gco2_per_kwh

    def as_dict(self) -> dict:
        """Every term, the totals and the formula, as a plain dict.

        Returns
        -------
        dict
        """
        return {**dataclasses.asdict(self), "energy_per_experiment_kwh": self.energy_per_experiment_kwh,
                "energy_kwh": self.energy_kwh, "carbon_gco2e": self.carbon_g,
                "formula": "n_experiments x [overhead_kwh + hours_per_epoch x pue x hardware_kw x epochs]; "
                           "carbon = energy x grid_gco2_per_kwh"}

    @classmethod
    def from_cost(cls, train_cost: ComputeCost, other_cost: ComputeCost | None, n_experiments: int,
                  epochs: int) -> "SweepFootprint":
        """The sweep total from one experiment measured by codecarbon.

        Its training gives time and hardware power, everything else (compilation, labels,
        testing) gives A; PUE and grid intensity are the ones codecarbon used, so one experiment's
        total is what was measured.

        Parameters
        ----------
        train_cost : ComputeCost
            The training's cost.
        other_cost : ComputeCost or None
            Everything else's cost (None: no overhead).
        n_experiments : int
            Experiments in the sweep.
        epochs : int
            Training epochs per experiment.

        Returns
        -------
        SweepFootprint

        Raises
        ------
        ValueError
            If the two costs were measured in different ways.
        """
        hours = train_cost.wall_s / 3600 / max(epochs, 1)
        measured = train_cost if other_cost is None else train_cost + other_cost
        return cls(n_experiments=n_experiments, hours_per_epoch=hours, epochs=epochs,
                   hardware_kw=train_cost.hardware_kw,
                   pue=train_cost.pue, grid_gco2_per_kwh=train_cost.grid_gco2_per_kwh,
                   overhead_kwh=other_cost.energy_kwh if other_cost is not None else 0.0,
                   assumptions="the PUE and grid intensity of the measurement",
                   measured_by=describe_compute(measured))
