"""Studies: networks trained, tested, counted, priced and measured, as the notebooks and benchmarks
run them.

- ``measure_snn``: one Diehl & Cook network learns without labels, is labelled and tested; its
  operation counts (``counting``) and the measured cost of each stage (``metering``) come back as a
  ``MeasuredSNN``; ``summary`` gives its headline numbers beside its priced rows (``energy``).
- ``collapse_settings`` and ``run_health``: lesson 2's collapsed runs, and the signs that tell
  them from a healthy one.
- ``train_conventional``: logistic regression and MLPs on the same images, with their MACs.
- ``compare``: one MLP against its spiking conversions (``conversion.ConvertedMLP``) under several
  settings: accuracy after every step, the steps each needs (``steps_needed``), counts in the
  field's units and priced rows.
- ``label_efficiency``: what unlabelled learning is worth: test accuracy against the number of
  labelled images, for the vote and the linear readout on a network's spike counts, beside
  logistic regression and an MLP given the same labelled images' pixels
  (``label_efficiency_comparison`` says where each is ahead).

This module sits above the estimators and the simulator; ``counting`` and ``energy`` need neither.
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np

from . import counting, datasets, readout
from .conversion import MARGIN, SETTINGS, ConvertedMLP
from .counting import OperationCounts, Workload
from .encoding import unit_pixels
from .energy import DEFAULT_PRESETS, get_preset, priced_rows
from .estimator import DiehlCook2015
from .metering import WORLD_GRID_GCO2_PER_KWH, ComputeCost, ComputeMeter, SweepFootprint
from .simulator import compiled_network
from .progress import progress_bar

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

    @property
    def images_presented(self) -> int:
        """Images simulated in all: the training images twice (learning, then labels) and the test images."""
        return 2 * self.train.n_examples + self.test.n_examples

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
                grid_gco2_per_kwh: float = WORLD_GRID_GCO2_PER_KWH, dataset=None, **params) -> MeasuredSNN:
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
    dataset : str, optional
        The dataset the images come from: its suggested parameters
        (``datasets.SUGGESTED_PARAMETERS``) fill in those that ``params`` leave out.
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
    params = datasets.with_suggested_parameters(dataset, **params)
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


# --- lesson 2: a healthy run beside a collapsed one -------------------------------------------------

# Lesson 2's collapsed runs: the settings that take away homeostasis or lateral inhibition.
COLLAPSES = {"theta_plus": {"theta_plus": 0.0}, "inhibition": {"w_inh_exc": 0.0}}


def collapse_settings(collapse: str) -> dict:
    """The ``DiehlCook2015`` keywords of one of lesson 2's collapsed runs.

    Parameters
    ----------
    collapse : {"theta_plus", "inhibition", "none"}
        What the run does without: the adaptive threshold's rise, lateral inhibition, or nothing
        (no collapsed run).

    Returns
    -------
    dict
        The keywords (empty for ``"none"``).

    Examples
    --------
    >>> collapse_settings("inhibition")
    {'w_inh_exc': 0.0}
    """
    if collapse == "none":
        return {}
    if collapse not in COLLAPSES:
        raise ValueError(f"collapse must be one of {', '.join(COLLAPSES)} or 'none', not {collapse!r}")
    return dict(COLLAPSES[collapse])


def run_health(model, results: dict) -> dict:
    """The signs that tell a healthy run from a collapsed one (lesson 2), for one finished run.

    Parameters
    ----------
    model : DiehlCook2015
        The run's trained and labelled network (its ``model.npz``).
    results : dict
        Its results (``experiment.run_experiment``'s return value or ``results.json``).

    Returns
    -------
    dict
        Images trained, test accuracy, the share of neurons that never fired, θ's mean and spread
        (mV), spikes per training image (last chunk) and per test image, and unassigned neurons.
    """
    return {
        "images trained": results["examples_trained"], "test accuracy": results["accuracy"],
        "never fired": model.history_["silent_fraction"][-1], "mean θ (mV)": float(np.mean(model.theta_)),
        "θ spread, max - min (mV)": float(np.ptp(model.theta_)),
        "spikes per training image (last chunk)": model.history_["spikes_per_example"][-1],
        "spikes per test image": results["spikes_per_test_example"]["exc_spikes"],
        "unassigned neurons": int(np.sum(model.assignments_ < 0)),
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


# --- label efficiency: accuracy against the number of labelled images ------------------------------

# The numbers of labelled images (MNIST's whole training set last).
LABEL_SIZES = (10, 30, 100, 300, 1000, 3000, 10000, 60000)
# On the network's spike counts (``readout``), then on the same images' pixels (``train_conventional``).
SNN_METHODS = ("vote", "linear readout")
PIXEL_METHODS = ("logistic regression (pixels)", "MLP (pixels)")
LABEL_METHODS = SNN_METHODS + PIXEL_METHODS


def balanced_subset(labels, size: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``size`` labelled examples, as many of each class as the number and the classes allow.

    Parameters
    ----------
    labels : array_like, shape (n,)
        The labels of the pool to draw from.
    size : int
        Examples to draw; the whole pool if it has no more.
    rng : numpy.random.Generator
        The draw's generator.

    Returns
    -------
    ndarray
        Sorted indices into ``labels``: ``size // n_classes`` of each class (all of a class that has
        fewer), the rest drawn at random from the remaining examples.

    Examples
    --------
    >>> labels = np.repeat([0, 1, 2], 10)
    >>> np.bincount(labels[balanced_subset(labels, 9, np.random.default_rng(0))]).tolist()
    [3, 3, 3]
    """
    labels = np.asarray(labels)
    if size >= len(labels):
        return np.arange(len(labels))
    classes = np.unique(labels)
    per_class = size // len(classes)
    chosen = np.concatenate([rng.choice(members, min(per_class, len(members)), replace=False)
                             for members in (np.flatnonzero(labels == c) for c in classes)])
    rest = np.setdiff1d(np.arange(len(labels)), chosen)
    return np.sort(np.concatenate([chosen, rng.choice(rest, size - len(chosen), replace=False)]))


def label_efficiency(counts_train, y_train, counts_test, y_test, *, x_train=None, x_test=None,
                     sizes=LABEL_SIZES, draws: int = 5, seed: int = 0, methods=LABEL_METHODS,
                     mlp_hidden=(100,), max_iter: int = 200, verbose: bool = False):
    """Test accuracy against the number of labelled images, for a network's readouts and for
    supervised learners given the same labelled images.

    For each number of labels and each draw, one class-balanced subset of the training pool is
    drawn (``balanced_subset``) and every method learns from that subset alone, so the methods are
    compared on the same labels (paired). "vote": neurons assigned classes from the subset's spike
    counts, then the paper's "all activity" vote (``readout.assign_labels``, ``readout.predict``);
    "linear readout": ``readout.fit_linear`` on the subset's counts; "logistic regression
    (pixels)" and "MLP (pixels)": ``train_conventional`` on the subset's images. Every method is
    tested on the whole test set.

    Parameters
    ----------
    counts_train : array_like, shape (n_train, n_neurons)
        Spike counts of the training pool (``DiehlCook2015.transform``, learning off).
    y_train : array_like, shape (n_train,)
        Its labels.
    counts_test : array_like, shape (n_test, n_neurons)
        Spike counts of the test images.
    y_test : array_like, shape (n_test,)
        Their labels.
    x_train, x_test : array_like, optional
        The same images' pixels (0-255), needed by the pixel methods.
    sizes : sequence of int, default ``LABEL_SIZES``
        Numbers of labelled images; one at or above the pool's size is the whole pool (drawn once).
    draws : int, default 5
        Random subsets per number of labels (one for the whole pool: every draw would be the same).
    seed : int, default 0
        Seeds every draw (``[seed, size, draw]``) and the MLPs.
    methods : sequence of str, default ``LABEL_METHODS``
        Which of ``LABEL_METHODS`` to run.
    mlp_hidden : tuple of int, default (100,)
        The MLP's hidden layers.
    max_iter : int, default 200
        MLP epochs (``train_conventional``'s, which gives logistic regression five times as many).
    verbose : bool, default False
        A progress bar over the draws.

    Returns
    -------
    pandas.DataFrame
        One row per number of labels, draw and method: ``size`` (labelled images), ``draw``,
        ``method``, ``accuracy`` (0-1) and ``fit_seconds``.

    Raises
    ------
    ValueError
        For an unknown method, pixel methods without pixels, or inputs that do not match.

    Examples
    --------
    >>> table = label_efficiency(model.transform(x_train), y_train, model.transform(x_test), y_test,
    ...                          x_train=x_train, x_test=x_test, sizes=(10, 100), draws=3)  # doctest: +SKIP
    >>> label_efficiency_summary(table)  # doctest: +SKIP
    """
    import pandas as pd

    unknown = [m for m in methods if m not in LABEL_METHODS]
    if unknown:
        raise ValueError(f"unknown methods {unknown}; choose among {list(LABEL_METHODS)}")
    pixels = [m for m in methods if m in PIXEL_METHODS]
    if pixels and (x_train is None or x_test is None):
        raise ValueError(f"{pixels} need the images: pass x_train and x_test")
    counts_train, counts_test = np.asarray(counts_train, float), np.asarray(counts_test, float)
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    if len(counts_train) != len(y_train) or len(counts_test) != len(y_test):
        raise ValueError("counts and labels must match in length")
    if pixels and (len(x_train) != len(y_train) or len(x_test) != len(y_test)):
        raise ValueError("images and labels must match in length")
    classes = np.unique(y_train)
    index_train = np.searchsorted(classes, y_train)
    plan = []
    for size in sorted({min(int(size), len(y_train)) for size in sizes}):
        plan += [(size, draw) for draw in range(1 if size == len(y_train) else int(draws))]
    rows = []
    with progress_bar(len(plan), "label efficiency", "draw", enabled=verbose) as bar:
        for size, draw in plan:
            subset = balanced_subset(y_train, size, np.random.default_rng([seed, size, draw]))
            row = {"size": size, "draw": draw}
            for method, (accuracy, seconds) in _snn_readouts(
                    counts_train[subset], index_train[subset], counts_test, y_test, classes, methods).items():
                rows.append({**row, "method": method, "accuracy": accuracy, "fit_seconds": seconds})
            if pixels:
                mlp_seed = int(np.random.SeedSequence([seed, size, draw]).generate_state(1)[0])
                for net, method in zip(train_conventional(np.asarray(x_train)[subset], y_train[subset], x_test,
                                                          y_test, hidden_layer_sizes=(mlp_hidden,), seed=mlp_seed,
                                                          max_iter=max_iter), PIXEL_METHODS):
                    if method in methods:
                        rows.append({**row, "method": method, "accuracy": net["accuracy"],
                                     "fit_seconds": net["fit_seconds"]})
            bar.update(1)
    return pd.DataFrame(rows, columns=["size", "draw", "method", "accuracy", "fit_seconds"])


def _snn_readouts(counts, labels, counts_test, y_test, classes, methods) -> dict:
    """{method: (test accuracy, fit seconds)} of the readouts fitted on one labelled subset's counts."""
    out = {}
    if "vote" in methods:
        start = time.perf_counter()
        assignments, proportions = readout.assign_labels(counts, labels, len(classes))
        seconds = time.perf_counter() - start
        predicted = classes[readout.predict(counts_test, assignments, proportions, "all")]
        out["vote"] = (float(np.mean(predicted == y_test)), seconds)
    if "linear readout" in methods:
        if len(np.unique(labels)) < 2:
            out["linear readout"] = (float("nan"), 0.0)  # one class: nothing to separate
        else:
            from sklearn.exceptions import ConvergenceWarning

            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                pipe = readout.fit_linear(counts, labels)
            seconds = time.perf_counter() - start
            predicted = classes[readout.linear_scores(pipe, counts_test, len(classes)).argmax(axis=1)]
            out["linear readout"] = (float(np.mean(predicted == y_test)), seconds)
    return out


def label_efficiency_summary(table):
    """Each method's accuracy per number of labels over the draws.

    Parameters
    ----------
    table : pandas.DataFrame
        ``label_efficiency``'s.

    Returns
    -------
    pandas.DataFrame
        One row per number of labels and method: ``size``, ``method``, ``draws``, ``mean``, ``std``
        (sample standard deviation; NaN with one draw), ``min`` and ``max``, in ``LABEL_METHODS``' order.
    """
    grouped = table.groupby(["size", "method"])["accuracy"]
    summary = grouped.agg(draws="count", mean="mean", std="std", min="min", max="max").reset_index()
    order = {method: k for k, method in enumerate(LABEL_METHODS)}
    return summary.sort_values(["size", "method"], key=lambda c: c.map(order) if c.name == "method" else c,
                               ignore_index=True)


def labels_needed(table, method: str, target: float) -> int | None:
    """The fewest labelled images with which a method's mean accuracy reaches a target.

    Parameters
    ----------
    table : pandas.DataFrame
        ``label_efficiency``'s.
    method : str
        One of its methods.
    target : float
        Accuracy, 0-1.

    Returns
    -------
    int or None
        The smallest ``size`` whose mean over the draws is at least ``target``; None if none is.

    Raises
    ------
    ValueError
        If the table has no rows of ``method``.
    """
    rows = table[table["method"] == method]
    if rows.empty:
        raise ValueError(f"no rows of {method!r}; the table has {sorted(set(table['method']))}")
    means = rows.groupby("size")["accuracy"].mean()
    reached = means.index[means.to_numpy() >= target]
    return int(reached.min()) if len(reached) else None


def label_efficiency_comparison(table, ours=SNN_METHODS, theirs=PIXEL_METHODS):
    """Where the network's readouts beat supervised learning on the same labels, draw by draw.

    Parameters
    ----------
    table : pandas.DataFrame
        ``label_efficiency``'s.
    ours, theirs : sequence of str
        The methods compared, each of ``ours`` against each of ``theirs``.

    Returns
    -------
    pandas.DataFrame
        One row per number of labels and pair: ``size``, ``ours``, ``theirs``, ``difference`` (mean
        over draws of ours minus theirs on the same subset, in accuracy 0-1), ``wins`` (draws where
        ours is ahead), ``draws`` and ``verdict``: "ahead" when ours wins every draw, "behind" when
        it loses every draw, else "mixed".
    """
    import pandas as pd

    wide = table.pivot_table(index=["size", "draw"], columns="method", values="accuracy")
    rows = []
    for size, group in wide.groupby(level="size"):
        for mine in ours:
            for other in theirs:
                if mine not in group or other not in group:
                    continue
                difference = (group[mine] - group[other]).dropna()
                wins, n = int((difference > 0).sum()), len(difference)
                verdict = "ahead" if wins == n else "behind" if (difference < 0).all() else "mixed"
                rows.append({"size": int(size), "ours": mine, "theirs": other, "difference": float(difference.mean()),
                             "wins": wins, "draws": n, "verdict": verdict})
    return pd.DataFrame(rows, columns=["size", "ours", "theirs", "difference", "wins", "draws", "verdict"])
