"""Studies: networks trained, tested, counted, priced and measured, as the notebooks and benchmarks
run them.

- ``measure_snn``: one Diehl & Cook network learns without labels, is labelled and tested; its
  operation counts (``counting``) and the measured cost of each stage (``metering``) come back as a
  ``MeasuredSNN``; ``summary`` gives its headline numbers beside its priced rows (``energy``).
- ``train_conventional``: logistic regression and MLPs on the same images, with their MACs.
- ``compare``: one MLP against its spiking conversions (``conversion.ConvertedMLP``) under several
  settings: accuracy after every step, the steps each needs (``steps_needed``), counts in the
  field's units and priced rows.

This module sits above the estimators and the simulator; ``counting`` and ``energy`` need neither.
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np

from . import counting
from .conversion import MARGIN, SETTINGS, ConvertedMLP
from .counting import OperationCounts, Workload
from .encoding import unit_pixels
from .energy import DEFAULT_PRESETS, get_preset, priced_rows
from .estimator import DiehlCook2015
from .metering import WORLD_GRID_GCO2_PER_KWH, ComputeCost, ComputeMeter, SweepFootprint
from .simulator import compiled_network

STAGES = ("compile", "train", "labels", "test")


# --- one SNN, trained, tested and measured ---------------------------------------------------------

@dataclass
class MeasuredSNN:
    """One Diehl & Cook network trained without labels, labelled and tested, with the operation
    counts of training and test and the measured cost of each stage.

    Parameters
    ----------
    name : str
        "SNN <n_neurons>".
    model : estimator.DiehlCook2015
        The fitted model.
    accuracy : float
        Test accuracy, 0-1.
    train, test : counting.OperationCounts
        Counts of training (learning on) and of the test images (learning off).
    cost : dict
        ``{stage: metering.ComputeCost}`` for each of ``STAGES``.
    """

    name: str
    model: object
    accuracy: float
    train: OperationCounts
    test: OperationCounts
    cost: dict

    @property
    def total_cost(self) -> ComputeCost:
        """The cost of every stage together."""
        return ComputeCost.total(self.cost.values())

    def compute(self) -> dict:
        """Measured cost per stage and in total, as plain dicts.

        Returns
        -------
        dict
            ``{stage: ComputeCost.as_dict(), ..., "total": ...}``.
        """
        return {**{stage: c.as_dict() for stage, c in self.cost.items()}, "total": self.total_cost.as_dict()}

    def footprint(self, n_experiments: int = 1) -> SweepFootprint:
        """The sweep total if every experiment cost what this one did.

        Training gives time and power, the other stages the per-experiment overhead.

        Parameters
        ----------
        n_experiments : int, default 1
            Experiments in the sweep.

        Returns
        -------
        metering.SweepFootprint
        """
        other = ComputeCost.total([c for stage, c in self.cost.items() if stage != "train"])
        return SweepFootprint.from_cost(self.cost["train"], other, n_experiments=n_experiments,
                                        epochs=int(self.model.epochs))

    def workload(self, neuron_updates: str = "clock") -> Workload:
        """Its test counts per image, for ``energy.priced_rows``.

        Parameters
        ----------
        neuron_updates : {"clock", "event"}, default "clock"
            Which neuron updates the rows price.

        Returns
        -------
        counting.Workload
        """
        return Workload.of_stdp(self.name, self.accuracy, self.test, neuron_updates)

    def summary(self) -> dict:
        """Accuracy and operation counts per image and in total, for a metrics file.

        Returns
        -------
        dict
            ``accuracy``, ``test_per_image``, ``test_total``, ``training_per_image``, ``training_total``.
        """
        return {"accuracy": self.accuracy,
                "test_per_image": {k: float(v) for k, v in self.test.mean().items()}, "test_total": self.test.total(),
                "training_per_image": {k: float(v) for k, v in self.train.mean().items()},
                "training_total": self.train.total()}


def measure_snn(n_neurons, x_train, y_train, x_test, y_test, seed=0, chunk_size=500, pue: float = 1.0,
                grid_gco2_per_kwh: float = WORLD_GRID_GCO2_PER_KWH, **params) -> MeasuredSNN:
    """Train, label and test one Diehl & Cook network, counting its operations and metering each stage.

    Compiles both binaries, learns from ``x_train`` without labels, assigns labels on it with
    learning off, and tests on ``x_test``; each of ``STAGES`` is measured apart with a
    ``metering.ComputeMeter``.

    Parameters
    ----------
    n_neurons : int
        Excitatory (and inhibitory) neurons.
    x_train, y_train, x_test, y_test : array_like
        Images (pixels 0-255) and labels.
    seed : int, default 0
        The model's ``random_state``.
    chunk_size : int, default 500
        Examples per run of the compiled binary.
    pue : float, default 1.0
        Power usage effectiveness for the meter.
    grid_gco2_per_kwh : float, default 475
        Grid carbon intensity for the meter.
    **params
        More ``DiehlCook2015`` parameters.

    Returns
    -------
    MeasuredSNN

    Examples
    --------
    >>> run = measure_snn(100, x_train, y_train, x_test, y_test)  # doctest: +SKIP
    >>> rows = energy.priced_rows([run.workload()], ["loihi", "gpu"])  # doctest: +SKIP
    >>> summary(run, rows)["energy_per_image_j"]  # doctest: +SKIP
    """
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
    return MeasuredSNN(f"SNN {n_neurons}", model, accuracy, counting.counts_from_training(model),
                       counting.counts_from_result(model, responses), cost)


def summary(main: MeasuredSNN, rows: list[dict]) -> dict:
    """The headline numbers of one SNN beside its priced rows.

    Parameters
    ----------
    main : MeasuredSNN
    rows : list of dict
        Rows of ``energy.priced_rows``; only those of ``main`` (by model name) are read.

    Returns
    -------
    dict
        ``accuracy``, ``synops_per_image``, ``spikes_per_image``, ``stdp_updates_per_training_image``,
        ``energy_per_image_j`` and ``energy_per_correct_j`` by preset, and ``measured_compute``
        (what simulating it cost on this machine).

    Raises
    ------
    ValueError
        If ``rows`` has no row of ``main``.
    """
    mine = [r for r in rows if r["model"] == main.name]
    if not mine:
        raise ValueError(f"no table rows for {main.name}")
    return {
        "accuracy": main.accuracy,
        "synops_per_image": float(main.test.mean()["synops"]),
        "spikes_per_image": float(mine[0]["spikes_per_image"]),
        "stdp_updates_per_training_image": float(main.train.mean()["stdp_updates"]),
        "energy_per_image_j": {r["preset"]: r["energy_per_image_j"] for r in mine},
        "energy_per_correct_j": {r["preset"]: r["energy_per_correct_j"] for r in mine},
        "measured_compute": main.total_cost.as_dict(),
    }


# --- conventional networks -------------------------------------------------------------------------

def train_conventional(x_train, y_train, x_test, y_test, hidden_layer_sizes=((100,), (800,)),
                       seed: int = 0, max_iter: int = 200) -> list[dict]:
    """Fit and test logistic regression and MLPs on the same images (pixels / 255).

    Parameters
    ----------
    x_train, y_train, x_test, y_test : array_like
        Images (pixels 0-255) and labels.
    hidden_layer_sizes : sequence, default ((100,), (800,))
        One ``MLPClassifier`` per entry (an int or a tuple of ints).
    seed : int, default 0
        The MLPs' ``random_state``.
    max_iter : int, default 200
        MLP training epochs (logistic regression gets five times as many iterations).

    Returns
    -------
    list of dict
        One per network: ``name`` ("logistic regression", "MLP 100", ...), ``estimator``,
        ``accuracy``, ``fit_seconds`` and its ``counting.conventional_ops``.

    Examples
    --------
    >>> nets = train_conventional(x_train, y_train, x_test, y_test, [(100,)])  # doctest: +SKIP
    >>> rows = energy.priced_rows([Workload.of_dense(net) for net in nets])  # doctest: +SKIP
    """
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
                     **counting.conventional_ops(estimator)})
    return rows


# --- an MLP against its spiking conversions --------------------------------------------------------

def steps_needed(accuracy: np.ndarray, target: float) -> int | None:
    """The first step from which accuracy stays at or above ``target``.

    Parameters
    ----------
    accuracy : ndarray, shape (t_max,)
        Accuracy after each step.
    target : float

    Returns
    -------
    int or None
        The step, counted from 1; None if the accuracy never stays there.

    Examples
    --------
    >>> steps_needed(np.array([0.1, 0.9, 0.8, 0.95, 0.96]), 0.9)
    4
    """
    below = np.flatnonzero(accuracy < target - 1e-12)
    first = 0 if below.size == 0 else below[-1] + 1
    return int(first + 1) if first < len(accuracy) else None


def _run_setting(mlp, setting: dict, xtr, xte, y_test, target: float, t_max: int, chunk_size: int,
                 seed: int, verbose: bool) -> tuple[dict, object]:
    """One conversion setting normalised on ``xtr`` and run on ``xte``: its results (``compare``'s
    ``network["settings"]`` entry) and its ``SpikingResult``."""
    conv = ConvertedMLP(mlp, t_max=t_max, chunk_size=chunk_size, random_state=seed, verbose=verbose,
                        **setting).fit(xtr)
    start = time.time()
    result = conv.simulate(xte)
    seconds = time.time() - start
    accuracy = result.accuracy(y_test)
    needed = steps_needed(accuracy, target)
    at = {"t_max": t_max, **({"within_1_point": needed} if needed else {})}
    return {**setting, "scales": conv.scales_, "accuracy": accuracy, "best_accuracy": float(accuracy.max()),
            "steps_within_1_point": needed, "seconds": seconds, "binary_seconds": result.wall_time,
            "synaptic_events_per_image": result.synaptic_events().mean(axis=0),
            "counts": {key: counting.converted_counts(result, conv.weights_, step) for key, step in at.items()}}, result


def _converted_workload(model: str, accuracy: float, result, counts: dict, step: int) -> Workload:
    """A converted network after ``step`` steps, clock-driven: every neuron each step, the Poisson
    inputs included."""
    sizes = result.layer_sizes
    neurons = sum(sizes[1:]) + sizes[0] * (result.input_mode == "poisson")
    spikes = sum(s[:, :step].sum(axis=1).mean() for s in result.spikes)
    return Workload(model, "SNN (converted)", accuracy, sum(sizes[1:]), synops=counts["effective_acs"],
                    macs=counts["effective_macs"], neuron_updates=neurons * step, spikes=spikes)


def compare(net: dict, x_train, x_test, y_test, settings=None, t_max: int = 200, presets=DEFAULT_PRESETS,
            chunk_size: int = 500, seed: int = 0, verbose: bool = False) -> dict:
    """One MLP against its spiking conversions.

    Each setting is normalised on ``x_train`` and run on ``x_test`` for ``t_max`` steps of 1 ms.

    Parameters
    ----------
    net : dict
        An MLP's entry from ``train_conventional`` (images as it takes them, pixels 0-255).
    x_train, x_test, y_test : array_like
        Normalisation images, test images and labels.
    settings : dict, optional
        ``{name: ConvertedMLP keywords}`` (default ``conversion.SETTINGS``); the first is the headline.
    t_max : int, default 200
        Steps per image.
    presets : iterable of str, default energy.DEFAULT_PRESETS
    chunk_size : int, default 500
        Images per run of the compiled binary.
    seed : int, default 0
        Seeds the Poisson input.
    verbose : bool, default False
        Progress bars and a line per setting.

    Returns
    -------
    dict
        ``name`` (e.g. 784-100-10); ``network``: the MLP's accuracy and counts, and per setting
        the accuracy after every step, the steps it needs to stay within ``MARGIN`` (1 point) of
        the MLP, and counts; ``table``: accuracy and synaptic events per image after every step;
        ``counts``: every model in NeuroBench's units; ``priced``: ``energy.priced_rows`` of the MLP
        (dense, and skipping zero inputs) and of the first setting and the current-input ones at
        the step they come within 1 point.

    Examples
    --------
    >>> mlp = train_conventional(x_train, y_train, x_test, y_test, [(100,)])[1]  # doctest: +SKIP
    >>> compared = compare(mlp, x_train, x_test, y_test, t_max=100)  # doctest: +SKIP
    """
    settings = SETTINGS if settings is None else settings
    presets = [get_preset(p).name for p in presets]
    xtr, xte = unit_pixels(x_train), unit_pixels(x_test)
    mlp, name, ann_accuracy = net["estimator"], "-".join(map(str, net["layer_sizes"])), net["accuracy"]
    ann = counting.mlp_counts(mlp.coefs_, mlp.intercepts_, xte)
    counts_rows = [{"model": f"MLP {name}", "family": "conventional", "accuracy": ann_accuracy, "steps": None, **ann}]
    workloads = [Workload.of_dense(net, f"MLP {name}"),  # and skipping zero inputs: effective MACs
                 Workload.of_dense(net, f"MLP {name}, zeros skipped", macs=ann["effective_macs"])]
    network = {"ann_accuracy": ann_accuracy, "ann_fit_seconds": net["fit_seconds"], "ann_counts": ann, "settings": {}}
    table = []
    for label, setting in settings.items():
        run, result = _run_setting(mlp, setting, xtr, xte, y_test, ann_accuracy - MARGIN, t_max, chunk_size, seed,
                                   verbose)
        network["settings"][label] = run
        accuracy, needed = run["accuracy"], run["steps_within_1_point"]
        if verbose:
            print(f"{name} {label}: {100 * accuracy[-1]:.2f} % after {t_max} steps (MLP {100 * ann_accuracy:.2f} %), "
                  f"within 1 point from step {needed}; {run['seconds']:.0f} s", flush=True)
        table += [{"network": name, "setting": label, "step": t + 1, "accuracy": a, "synaptic_events_per_image": e}
                  for t, (a, e) in enumerate(zip(accuracy, run["synaptic_events_per_image"]))]
        for key, counts in run["counts"].items():
            step = t_max if key == "t_max" else needed
            model = f"converted {name} ({label}, {step} steps)"
            counts_rows.append({"model": model, "family": "converted", "accuracy": accuracy[step - 1], "steps": step,
                                **counts})
            # Priced: the headline and the current-input settings, where they come within 1 point.
            if key == "within_1_point" and (label == next(iter(settings)) or setting["input_mode"] == "current"):
                workloads.append(_converted_workload(model, accuracy[step - 1], result, counts, step))
    return {"name": name, "network": network, "table": table, "counts": counts_rows,
            "priced": priced_rows(workloads, presets)}
