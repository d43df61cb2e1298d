"""Operation counts: what a network does per inference, for the STDP, conventional and converted
networks alike. Counts only: prices live in ``energy.py``.

**The Diehl & Cook network** (``OperationCounts``): spikes, synaptic operations, STDP weight updates
and neuron state updates per presented image, taken from the simulation's own per-slot spike
counters (``model.responses(X)``, ``model.training_stats_`` or a ``simulator.ChunkResult``), never
from rates assumed afterwards. With ``n_input`` inputs, ``n`` excitatory and ``n`` inhibitory neurons:

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

**Dense networks** (``layer_sizes``, ``layer_macs``, ``conventional_ops``, ``layer_activations``):
multiply-accumulates of a scikit-learn MLP or linear model, and its forward pass.

**The field's units** (``mlp_counts``, ``converted_counts``, ``stdp_counts``, ``threshold_counts``),
after NeuroBench (Yik et al., "The neurobench framework for benchmarking neuromorphic computing
algorithms and systems", Nature Communications 16:1545, 2025), per inference:

- **dense MACs**: every synapse's operation, zero inputs included (a dense implementation; for a
  spiking network, every synapse that exists at every time step);
- **effective MACs**: multiply-accumulates with a non-zero, non-binary input (an ANN skipping
  zeros; the converted network's constant-current input, computed once per image because the
  input is constant while it is shown);
- **effective ACs**: accumulates driven by a binary input, i.e. spikes: each spike costs one per
  synapse it reaches;
- **activation sparsity**: the fraction of zero activations over the neurons of the activation
  layers (ANN: the ReLU layers; SNN: every spiking layer, inputs excluded) and, for spiking
  networks, over every time step;
- **connection sparsity**: the fraction of zero weights, with fixed one-to-one or all-but-one
  projections counted as the dense matrices they sit in;
- **memory footprint**: bytes of parameters (weights, biases, thresholds) and of persistent state
  (membrane potentials, conductances), at ``bytes_per_value`` (4: 32-bit) each.

And for spiking networks, **spikes per synapse per inference** (effective ACs / synapses), which can
be set against the break-even range ``BREAK_EVEN_SPIKES_PER_SYNAPSE`` that Dampfhoffer et al.
derive once memory accesses are counted: below it, an SNN can cost less energy than the ANN it
replaces.

**What a priced row prices** (``Workload``): one model's operations per inference, whatever its
family; ``energy.priced_rows`` turns workloads into the rows of the energy tables and figures.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

NEURON_UPDATE_MODES = ("clock", "event")
BREAK_EVEN_SPIKES_PER_SYNAPSE = (0.15, 1.38)
BREAK_EVEN_SOURCE = ("Dampfhoffer, Mesquida, Valentian & Anghel, 'Are SNNs really more energy-efficient than "
                     "ANNs? An in-depth hardware-aware study', IEEE Transactions on Emerging Topics in "
                     "Computational Intelligence 7(3):731-741, 2023 (range as quoted in issue 11)")


# --- the Diehl & Cook network ----------------------------------------------------------------------

_COUNT_FIELDS = ("presentations", "steps", "input_spikes", "exc_spikes", "inh_spikes",
                 "synops_input_exc", "synops_exc_inh", "synops_inh_exc", "synops",
                 "stdp_updates_pre", "stdp_updates_post", "stdp_updates", "normalisation_updates",
                 "neuron_updates_clock", "neuron_updates_event")
_SPIKE_FIELDS = ("presentations", "input_spikes", "exc_spikes", "inh_spikes")


@dataclass
class OperationCounts:
    """Per-example operation counts of the Diehl & Cook network, from its recorded spikes.

    The recorded spike totals are fields; every other count (``synops``, ``stdp_updates``,
    ``neuron_updates_clock``, ... : the names of ``per_example()``) is a property derived from them
    by the counting rules of this module's docstring, an int64 array of length ``n_examples``.

    Parameters
    ----------
    n_input : int
        Input neurons (pixels).
    n_neurons : int
        Excitatory neurons (and as many inhibitory ones).
    slot_steps : int
        Time steps per presentation slot (present + rest).
    learning : bool
        Whether STDP was on (learning counts STDP and normalisation updates).
    presentations, input_spikes, exc_spikes, inh_spikes : array_like of int
        Per example: presentations (more than one when an image was shown again for too few
        spikes) and spikes of the input, excitatory and inhibitory populations.

    Raises
    ------
    ValueError
        If the per-example arrays differ in length.

    Examples
    --------
    >>> counts = OperationCounts(n_input=4, n_neurons=2, slot_steps=10, learning=False,
    ...                          presentations=[1], input_spikes=[3], exc_spikes=[2], inh_spikes=[1])
    >>> counts.synops.tolist()  # 3 x 2 + 2 x 1 + 1 x 1
    [9]
    """

    n_input: int
    n_neurons: int
    slot_steps: int
    learning: bool
    presentations: np.ndarray
    input_spikes: np.ndarray
    exc_spikes: np.ndarray
    inh_spikes: np.ndarray

    def __post_init__(self):
        for name in _SPIKE_FIELDS:
            setattr(self, name, np.asarray(getattr(self, name), dtype=np.int64).ravel())
        lengths = {len(getattr(self, name)) for name in _SPIKE_FIELDS}
        if len(lengths) != 1:
            raise ValueError(f"per-example arrays differ in length: {sorted(lengths)}")

    @property
    def fan_out(self) -> dict:
        """Synapses each presynaptic spike reaches, per projection."""
        return {"input_exc": self.n_neurons, "exc_inh": 1, "inh_exc": self.n_neurons - 1}

    @property
    def n_examples(self) -> int:
        """Examples counted."""
        return len(self.presentations)

    @property
    def steps(self):
        """Time steps simulated per example."""
        return self.presentations * self.slot_steps

    @property
    def synops_input_exc(self):
        """Synaptic operations of the input -> excitatory projection."""
        return self.input_spikes * self.fan_out["input_exc"]

    @property
    def synops_exc_inh(self):
        """Synaptic operations of the excitatory -> inhibitory projection."""
        return self.exc_spikes * self.fan_out["exc_inh"]

    @property
    def synops_inh_exc(self):
        """Synaptic operations of the inhibitory -> excitatory projection."""
        return self.inh_spikes * self.fan_out["inh_exc"]

    @property
    def synops(self):
        """Synaptic operations of all three projections."""
        return self.synops_input_exc + self.synops_exc_inh + self.synops_inh_exc

    @property
    def stdp_updates_pre(self):
        """STDP updates triggered by input spikes (0 without learning)."""
        return self.input_spikes * self.n_neurons * int(self.learning)

    @property
    def stdp_updates_post(self):
        """STDP updates triggered by excitatory spikes (0 without learning)."""
        return self.exc_spikes * self.n_input * int(self.learning)

    @property
    def stdp_updates(self):
        """All STDP weight updates."""
        return self.stdp_updates_pre + self.stdp_updates_post

    @property
    def normalisation_updates(self):
        """Weights rescaled by the per-presentation normalisation (0 without learning)."""
        return self.presentations * self.n_input * self.n_neurons * int(self.learning)

    @property
    def neuron_updates_clock(self):
        """Neuron state updates of a clock-driven implementation."""
        return (self.n_input + 2 * self.n_neurons) * self.steps

    @property
    def neuron_updates_event(self):
        """Neuron state updates of an event-driven implementation (an upper bound)."""
        return self.synops + self.input_spikes

    def per_example(self) -> dict:
        """Every count per example.

        Returns
        -------
        dict
            ``{name: int64 array of length n_examples}``.
        """
        return {name: np.asarray(getattr(self, name), dtype=np.int64) for name in _COUNT_FIELDS}

    def total(self) -> dict:
        """Every count summed over the examples.

        Returns
        -------
        dict
            ``{name: int}``.
        """
        return {name: int(values.sum()) for name, values in self.per_example().items()}

    def mean(self) -> dict:
        """Every count per example, on average.

        Returns
        -------
        dict
            ``{name: float}`` (0 for no examples).
        """
        n = max(self.n_examples, 1)
        return {name: values.sum() / n for name, values in self.per_example().items()}

    def __add__(self, other: "OperationCounts") -> "OperationCounts":
        same = ("n_input", "n_neurons", "slot_steps", "learning")
        if any(getattr(self, a) != getattr(other, a) for a in same):
            raise ValueError("can only add counts of the same network and mode")
        return OperationCounts(self.n_input, self.n_neurons, self.slot_steps, self.learning,
                               *(np.concatenate([getattr(self, f), getattr(other, f)]) for f in _SPIKE_FIELDS))


def counts_from_stats(stats, n_input: int, params, learning: bool = False) -> OperationCounts:
    """Counts from per-example spike totals.

    Parameters
    ----------
    stats : dict or object
        A dict (``model.training_stats_``) or any object with ``presentations``, ``input_spikes``,
        ``exc_spikes`` and ``inh_spikes`` (``Responses``, ``ChunkResult``).
    n_input : int
        Input neurons.
    params : parameters.Parameters
        The network's parameters (``n_neurons``, ``slot_steps``).
    learning : bool, default False
        Whether STDP was on while the spikes were recorded.

    Returns
    -------
    OperationCounts
    """
    get = (lambda k: stats[k]) if isinstance(stats, dict) else (lambda k: getattr(stats, k))
    return OperationCounts(int(n_input), int(params.n_neurons), params.slot_steps, bool(learning),
                           *(get(name) for name in _SPIKE_FIELDS))


def counts_from_result(model, result, learning: bool = False) -> OperationCounts:
    """Counts of one simulation of a fitted model.

    Parameters
    ----------
    model : estimator.DiehlCook2015
        The fitted model that was simulated.
    result : Responses or simulator.ChunkResult
        ``model.responses(X)`` (inference) or one ``ChunkResult`` (e.g. from ``model.simulate``).
    learning : bool, default False
        Whether STDP was on during that simulation.

    Returns
    -------
    OperationCounts

    Examples
    --------
    >>> counts = counts_from_result(model, model.responses(x_test))  # doctest: +SKIP
    >>> counts.mean()["synops"]  # doctest: +SKIP
    """
    return counts_from_stats(result, model.n_features_in_, model.network_parameters, learning)


class UncountedTrainingError(ValueError):
    """A model whose file kept no per-example statistics of its training (``counts_from_training``)."""


def counts_from_training(model) -> OperationCounts:
    """Counts of every example the model learned from (learning on), from ``model.training_stats_``.

    Parameters
    ----------
    model : estimator.DiehlCook2015
        A fitted model.

    Returns
    -------
    OperationCounts

    Raises
    ------
    AttributeError
        If the model has not learned yet.
    UncountedTrainingError
        If the model keeps no statistics of every example it learned from (a compact file, such as
        the shipped networks): counting what it has would undercount.
    """
    if not hasattr(model, "training_stats_"):
        raise AttributeError("the model has not learned yet: fit it first")
    kept = len(model.training_stats_["presentations"])
    if kept != model.n_examples_seen_:
        raise UncountedTrainingError(f"the model keeps the spike statistics of {kept:,} of the"
                                     f" {model.n_examples_seen_:,} examples it learned from (a compact file keeps"
                                     " none): its training cannot be counted")
    return counts_from_stats(model.training_stats_, model.n_features_in_, model.network_parameters,
                             learning=True)


# --- dense networks --------------------------------------------------------------------------------

def layer_sizes(weights) -> list[int]:
    """Layer sizes of a dense network, input first.

    Parameters
    ----------
    weights : sequence of ndarray
        Its weight matrices, each (inputs, outputs), as ``MLPClassifier.coefs_``.

    Returns
    -------
    list of int
    """
    return [int(weights[0].shape[0]), *(int(w.shape[1]) for w in weights)]


def layer_macs(sizes) -> dict:
    """Operations and parameters of one inference of a dense network.

    Parameters
    ----------
    sizes : sequence of int
        Layer sizes, input first.

    Returns
    -------
    dict
        ``layer_sizes``; ``macs``: the sum of inputs x outputs over the layers; ``activations``:
        the units after the input; ``parameters``: weights and biases.

    Raises
    ------
    ValueError
        With fewer than two layers or a layer of no units.

    Examples
    --------
    >>> layer_macs([784, 100, 10])["macs"]
    79400
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"need at least an input and an output layer of positive sizes, got {sizes}")
    pairs = list(zip(sizes[:-1], sizes[1:]))
    return {"layer_sizes": sizes, "macs": sum(a * b for a, b in pairs), "activations": sum(sizes[1:]),
            "parameters": sum((a + 1) * b for a, b in pairs)}


def conventional_ops(estimator) -> dict:
    """``layer_macs`` of a fitted scikit-learn ``MLPClassifier`` or linear classifier, from its weights.

    Bias additions are not counted as operations.

    Parameters
    ----------
    estimator : MLPClassifier or linear model
        Fitted (``coefs_`` or ``coef_``), e.g. ``LogisticRegression``.

    Returns
    -------
    dict
        As ``layer_macs``.

    Raises
    ------
    TypeError
        If the estimator has neither ``coefs_`` nor ``coef_``.
    """
    if hasattr(estimator, "coefs_"):
        weights = estimator.coefs_
    elif hasattr(estimator, "coef_"):
        weights = [np.atleast_2d(estimator.coef_).T]
    else:
        raise TypeError(f"cannot count operations of {type(estimator).__name__}: expected a fitted "
                        "MLPClassifier or linear model (coefs_ or coef_)")
    return layer_macs(layer_sizes(weights))


def layer_activations(coefs, intercepts, X) -> list[np.ndarray]:
    """The forward pass of a ReLU MLP: each layer's activations.

    Parameters
    ----------
    coefs, intercepts : sequence of ndarray
        Weights (inputs, outputs) and biases per layer, as ``MLPClassifier.coefs_`` and ``intercepts_``.
    X : array_like, shape (n, inputs)
        The inputs.

    Returns
    -------
    list of ndarray
        Per layer, (n, units): ReLU for the hidden layers, the linear pre-softmax values for the
        output layer.
    """
    out, a = [], np.asarray(X, dtype=np.float64)
    for k, (w, b) in enumerate(zip(coefs, intercepts)):
        a = a @ w + b
        if k < len(coefs) - 1:
            a = np.maximum(a, 0.0)
        out.append(a)
    return out


# --- the field's units (NeuroBench) ----------------------------------------------------------------

def _row(dense_macs, effective_macs, effective_acs, activation_sparsity, connection_sparsity, synapses, parameters,
         state_values, bytes_per_value, spiking) -> dict:
    return {
        "dense_macs": float(dense_macs), "effective_macs": float(effective_macs),
        "effective_acs": float(effective_acs), "activation_sparsity": float(activation_sparsity),
        "connection_sparsity": float(connection_sparsity), "synapses": int(synapses),
        "parameters": int(parameters), "state_values": int(state_values),
        "memory_bytes": int((parameters + state_values) * bytes_per_value),
        "spikes_per_synapse": float(effective_acs / synapses) if spiking else float("nan"),
    }


def _dense(weights) -> tuple[int, float]:
    """Synapses (= weights) and connection sparsity of dense weight matrices."""
    size = sum(w.size for w in weights)
    return size, sum(int(np.count_nonzero(w == 0)) for w in weights) / size


def mlp_counts(coefs, intercepts, X, bytes_per_value: int = 4) -> dict:
    """Mean counts per inference of a ReLU MLP on the inputs X, in NeuroBench's units.

    Biases are parameters, not operations; an ANN keeps no state between inferences.

    Parameters
    ----------
    coefs, intercepts : sequence of ndarray
        ``mlp.coefs_`` and ``mlp.intercepts_``.
    X : array_like, shape (n, inputs)
        The inputs.
    bytes_per_value : int, default 4
        Bytes per stored value (4: 32-bit).

    Returns
    -------
    dict
        ``dense_macs``, ``effective_macs``, ``effective_acs``, ``activation_sparsity``,
        ``connection_sparsity``, ``synapses``, ``parameters``, ``state_values``, ``memory_bytes``
        and ``spikes_per_synapse`` (NaN: not spiking).
    """
    outputs = layer_activations(coefs, intercepts, X)
    inputs = [np.asarray(X, dtype=np.float64), *outputs[:-1]]
    effective = sum(np.count_nonzero(a, axis=1).mean() * w.shape[1] for a, w in zip(inputs, coefs))
    hidden = outputs[:-1]  # the ReLU layers
    units = sum(a.size for a in hidden)
    zeros = sum(int(np.count_nonzero(a == 0)) for a in hidden)
    synapses, sparsity = _dense(coefs)
    return _row(synapses, effective, 0.0, zeros / units if units else 0.0, sparsity, synapses,
                synapses + sum(b.size for b in intercepts), 0, bytes_per_value, spiking=False)


def converted_counts(result, weights, step: int | None = None, bytes_per_value: int = 4) -> dict:
    """Mean counts per inference of a converted network after ``step`` steps, in NeuroBench's units.

    Each spike of layer l is one AC per neuron of layer l + 1 (``SpikingResult.synaptic_events``);
    with the constant-current input, layer 1's input is non-zero pixels x its neurons MACs (once
    per image); the state is one membrane potential per neuron.

    Parameters
    ----------
    result : conversion.SpikingResult
        What the converted network did.
    weights : sequence of ndarray
        Its normalised weights (``ConvertedMLP.weights_``).
    step : int, optional
        Steps counted, from 1 to ``result.t_max`` (default: all).
    bytes_per_value : int, default 4
        Bytes per stored value.

    Returns
    -------
    dict
        As ``mlp_counts``, ``spikes_per_synapse`` included.

    Raises
    ------
    ValueError
        If ``step`` lies outside [1, t_max].
    """
    step = result.t_max if step is None else int(step)
    if not 1 <= step <= result.t_max:
        raise ValueError(f"step must lie in [1, {result.t_max}], got {step}")
    sizes = result.layer_sizes
    acs = result.synaptic_events()[:, step - 1].mean()
    layer_spikes = sum(s[:, :step].sum(axis=1).mean() for s in result.spikes[1:])
    macs = result.nonzero_inputs.mean() * sizes[1] if result.input_mode == "current" else 0.0
    neurons = sum(sizes[1:])
    synapses, sparsity = _dense(weights)
    return _row(synapses * step, macs, acs, 1 - layer_spikes / (neurons * step), sparsity, synapses,
                synapses + neurons, neurons, bytes_per_value, spiking=True)


def stdp_counts(counts: OperationCounts, weights, bytes_per_value: int = 4) -> dict:
    """Mean counts per inference of the Diehl & Cook network, in NeuroBench's units.

    Its projections, as dense matrices: input→excitatory (learned), excitatory→inhibitory (one to
    one), inhibitory→excitatory (all but one). Parameters: the input weights, θ per neuron and the
    two fixed weights; state: v, ge and gi of every neuron and the excitatory neurons' refractory
    timer.

    Parameters
    ----------
    counts : OperationCounts
        Counts of test images, learning off.
    weights : array_like, shape (n_input, n_neurons)
        The input weights.
    bytes_per_value : int, default 4
        Bytes per stored value.

    Returns
    -------
    dict
        As ``converted_counts``.
    """
    n_input, n = counts.n_input, counts.n_neurons
    mean = counts.mean()
    synapses = n_input * n + n + n * (n - 1)
    zero_weights = int(np.count_nonzero(np.asarray(weights) == 0)) + (n * n - n) + n
    return _row(synapses * mean["steps"], 0.0, mean["synops"],
                1 - (mean["exc_spikes"] + mean["inh_spikes"]) / (2 * n * mean["steps"]),
                zero_weights / (n_input * n + 2 * n * n), synapses,
                n_input * n + n + 2, 3 * 2 * n + n, bytes_per_value, spiking=True)



def threshold_counts(result, network, bytes_per_value: int = 4) -> dict:
    """Mean counts per inference of a network of binary threshold units (a sharpened Whetstone
    network, ``threshold_network``), in NeuroBench's units.

    One step per layer and image: each neuron spikes at most once per image, and each spike (the
    binary input's included) is one AC per synapse it reaches (``ThresholdResult.synaptic_events``,
    from the simulation's spikes). Dense MACs: every synapse once. Connection sparsity: zero weights
    among the synapses as expanded (a convolution's synapses, not the dense matrix they sit in).
    Parameters: the trained weights and biases, a shared kernel counted once; state: one summed
    input per unit.

    Parameters
    ----------
    result : threshold_network.ThresholdResult
        What the network did with the images.
    network : threshold_network.ThresholdNetwork
        The network.
    bytes_per_value : int, default 4
        Bytes per stored value.

    Returns
    -------
    dict
        As ``converted_counts``, with ``spikes_per_image`` (the input's included) and
        ``layer_activity`` (per layer after the input, the fraction of its units that spiked).
    """
    sizes = np.asarray(network.layer_sizes)
    mean_spikes = result.layer_spikes.mean(axis=0)
    neurons = int(sizes[1:].sum())
    weights = np.concatenate([layer.weights for layer in network.layers])
    row = _row(network.n_synapses, 0.0, result.synaptic_events.sum(axis=1).mean(),
               1 - mean_spikes[1:].sum() / neurons, np.count_nonzero(weights == 0) / weights.size,
               network.n_synapses, sum(layer.parameters for layer in network.layers), neurons, bytes_per_value,
               spiking=True)
    return {**row, "spikes_per_image": float(mean_spikes.sum()),
            "layer_activity": [float(a) for a in mean_spikes[1:] / sizes[1:]]}

# --- what a priced row prices ----------------------------------------------------------------------

@dataclass(frozen=True)
class Workload:
    """One model's operations per inference: what ``energy.priced_rows`` prices, whatever the family.

    A count that does not apply to the family (MACs of an event-driven SNN, synaptic events and
    spikes of a dense network) is NaN: shown as missing in the tables, priced as none.

    Parameters
    ----------
    model : str
        The model's name in tables and legends.
    family : str
        Its family; one starting with "SNN" is drawn filled by ``plots.energy_accuracy``.
    accuracy : float
        Test accuracy, 0-1.
    n_neurons : int
        Its neurons (a dense network's: units after the input).
    synops : float
        Synaptic events (effective ACs) per inference.
    macs : float
        Multiply-accumulates per inference.
    neuron_updates : float
        Neuron state updates per inference, counted as ``neuron_updates_mode`` says.
    neuron_updates_mode : str
        "clock", "event" (``OperationCounts``) or "dense" (one per unit of a dense network).
    neuron_updates_other_mode : float
        The other of "clock" and "event" for the Diehl & Cook network; NaN otherwise.
    spikes : float
        Spikes per inference, inputs included.

    Examples
    --------
    >>> Workload.of_dense({"name": "MLP 100", "accuracy": 0.97, **layer_macs([784, 100, 10])}).macs
    79400.0
    """

    model: str
    family: str
    accuracy: float
    n_neurons: int
    synops: float = math.nan
    macs: float = math.nan
    neuron_updates: float = 0.0
    neuron_updates_mode: str = "clock"
    neuron_updates_other_mode: float = math.nan
    spikes: float = math.nan

    def __post_init__(self):
        for name in ("accuracy", "synops", "macs", "neuron_updates", "neuron_updates_other_mode", "spikes"):
            object.__setattr__(self, name, float(getattr(self, name)))

    @classmethod
    def of_stdp(cls, model: str, accuracy: float, counts: OperationCounts, neuron_updates: str = "clock",
                family: str = "SNN (Diehl & Cook)") -> "Workload":
        """The Diehl & Cook network's mean inference counts (learning off, so no STDP updates).

        Parameters
        ----------
        model : str
            Its name.
        accuracy : float
            Its test accuracy, 0-1.
        counts : OperationCounts
            Counts of the test images.
        neuron_updates : {"clock", "event"}, default "clock"
            Which neuron updates the row prices; the other goes to ``neuron_updates_other_mode``.
        family : str, default "SNN (Diehl & Cook)"

        Returns
        -------
        Workload

        Raises
        ------
        ValueError
            If ``neuron_updates`` is neither "clock" nor "event".
        """
        if neuron_updates not in NEURON_UPDATE_MODES:
            raise ValueError(f"neuron_updates must be one of {NEURON_UPDATE_MODES}, got {neuron_updates!r}")
        other = NEURON_UPDATE_MODES[1 - NEURON_UPDATE_MODES.index(neuron_updates)]
        mean = counts.mean()
        return cls(model, family, accuracy, counts.n_neurons, synops=mean["synops"],
                   neuron_updates=mean[f"neuron_updates_{neuron_updates}"], neuron_updates_mode=neuron_updates,
                   neuron_updates_other_mode=mean[f"neuron_updates_{other}"],
                   spikes=mean["input_spikes"] + mean["exc_spikes"] + mean["inh_spikes"])

    @classmethod
    def of_threshold(cls, model: str, accuracy: float, counts: dict, layer_sizes,
                     family: str = "SNN (Whetstone)") -> "Workload":
        """A network of binary threshold units (``threshold_counts``): its synaptic events, and every
        neuron, the input's included, updated once per image (one step per layer).

        Parameters
        ----------
        model : str
        accuracy : float
            0-1.
        counts : dict
            ``threshold_counts``.
        layer_sizes : sequence of int
            Neurons per layer, the input first.
        family : str, default "SNN (Whetstone)"

        Returns
        -------
        Workload
        """
        sizes = [int(s) for s in layer_sizes]
        return cls(model, family, accuracy, sum(sizes[1:]), synops=counts["effective_acs"],
                   neuron_updates=sum(sizes), neuron_updates_mode="clock", spikes=counts["spikes_per_image"])

    @classmethod
    def of_dense(cls, net: dict, model: str | None = None, macs: float | None = None,
                 family: str = "conventional (scikit-learn)") -> "Workload":
        """A dense network: ``macs`` multiply-accumulates and every unit updated once per inference.

        Parameters
        ----------
        net : dict
            ``name``, ``accuracy`` (0-1), ``macs`` and ``activations``: an entry of
            ``studies.train_conventional``, or ``layer_macs`` with a name and an accuracy.
        model : str, optional
            A name instead of ``net["name"]``.
        macs : float, optional
            MACs to price instead of ``net["macs"]`` (e.g. NeuroBench's effective MACs).
        family : str, default "conventional (scikit-learn)"

        Returns
        -------
        Workload
        """
        return cls(net["name"] if model is None else model, family, net["accuracy"], int(net["activations"]),
                   macs=net["macs"] if macs is None else macs, neuron_updates=net["activations"],
                   neuron_updates_mode="dense")
