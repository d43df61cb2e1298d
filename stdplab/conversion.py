"""ANN→SNN conversion: a fitted scikit-learn ``MLPClassifier`` (ReLU) run as integrate-and-fire
neurons on Brian 2 (Diehl et al., IJCNN 2015; Rueckauer et al., Front. Neurosci. 2017).

Each ReLU unit becomes a non-leaky integrate-and-fire neuron whose firing rate (spikes per 1 ms
step) approximates its activation divided by the layer's scale λ:

- **normalisation** (``fit``): λ_l is the maximum activation of layer l on the images given to
  ``fit`` ("max", Diehl et al.'s data-based normalisation) or the given percentile, 99.9 by default,
  of its non-zero activations ("percentile", Rueckauer et al.); weights become W_l λ_{l-1} / λ_l and
  biases b_l / λ_l (λ_0 = 1: inputs lie in [0, 1]), so the normalised activations reach 1, the
  threshold, at the maximum (or percentile). The output layer is scaled by its positive
  pre-softmax values, the only ones a spiking neuron can represent;
- **neurons**: v integrates the weighted input spikes and the bias, a constant input each step;
  a neuron spikes when v ≥ 1 and is reset by subtracting 1 (keeping the surplus) or to zero;
- **input**: pixel x ∈ [0, 1] as Poisson spikes (probability x · max_rate · dt per step, 1 at
  1000 Hz) or as a constant current x · W_1 into the first hidden layer;
- **readout**: the output neuron with the most spikes so far, ties (no spike yet included)
  broken by the higher membrane potential. Each layer adds one step of latency (a spike reaches
  the next layer in the step after it was emitted).

Many images per run of the binary, one after another: ``t_max`` steps each, with every membrane
reset at the start of each image inside the simulation. Images are not laid side by side as copies
of the network because that multiplies the synapses (784 × 800 per copy) while the sequence keeps
one copy, and the per-step cost then follows the spikes, not the number of images.
The network is compiled once per shape (layer sizes, ``t_max``, ``chunk_size``) by the
standalone machinery (``standalone.standalone_project``) and rerun with new weights, biases, images
and settings on the binary's command line.
"""
from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted

from . import counting
from ._docstrings import fill_doc
from .network import INPUT_THRESHOLD, stop_when
from .parameters import SI_SCALE
from .progress import progress_bar
from .simulator import CODE_FILES
from .standalone import CompiledProject, code_hash, compiled_project, key_digest, standalone_project

NORMALISATIONS = ("max", "percentile")
INPUT_MODES = ("poisson", "current")
RESETS = ("subtract", "zero")
DT_MS = 1.0  # the field's time step: results are reported per 1 ms step
V_THRESHOLD = 1.0  # after normalisation
# normalisation-input-reset: ``compare``'s settings (percentile: the 99.9th); the first is the headline.
SETTINGS = {
    f"{norm}-{mode}-{reset}": {"normalisation": norm, "input_mode": mode, "reset": reset}
    for norm, mode, reset in (("max", "poisson", "subtract"), ("percentile", "poisson", "subtract"),
                              ("max", "current", "subtract"), ("max", "poisson", "zero"))
}
MARGIN = 0.01  # "within 1 point" of the MLP's accuracy
# The files that feed the generated code: the simulator's and this one.
CONVERSION_CODE_FILES = (*CODE_FILES, "conversion.py")

# Equations (dimensionless potentials: the threshold is 1 after normalisation).
INPUT_MODEL = """
x = stimulus(t, i) : 1          # pixel value in [0, 1] of the image being shown
rate = poisson_input * x * max_rate : Hz
poisson_input : 1 (shared, constant)    # 1: Poisson spikes; 0: constant current into layer 1
max_rate : Hz (shared, constant)        # the rate of a pixel of value 1
"""
# Once per image (the input is constant while it is shown): x · W_1, the constant-current input.
CURRENT_MODEL = "I : 1"
CURRENT_SYNAPSES = """
w : 1
I_post = (1 - poisson_input_pre) * w * x_pre : 1 (summed)
"""
LAYER_MODEL = """
dv/dt = (bias + I_input) / t_step : 1   # no leak: each 1 ms step adds the bias and any constant input
bias : 1 (constant)                      # normalised ANN bias
reset_by_subtraction : 1 (shared, constant)
"""
LAYER_THRESHOLD = "v >= v_threshold"
# Subtraction keeps the surplus above threshold; reset to zero drops it.
LAYER_RESET = "v = reset_by_subtraction * (v - v_threshold)"
SYNAPSE_MODEL = "w : 1"
SYNAPSE_ON_PRE = "v_post += w"
IMAGE_START = "v = 0"
CONTROLLER_MODEL = """
n_images : integer (shared, constant)
rng_seed : integer (shared, constant)   # the binary re-seeds its generator from this (simulator.py)
"""
CONTROLLER_STEP = "stopped = stop_when(t_in_timesteps >= n_images)"  # image clock: one tick per image


def check_mlp(mlp) -> None:
    """Refuse what cannot be converted.

    Parameters
    ----------
    mlp : object
        What is to be converted: a fitted ReLU ``MLPClassifier`` with a softmax output.

    Raises
    ------
    TypeError
        If it is not an ``MLPClassifier``.
    sklearn.exceptions.NotFittedError
        If it is not fitted.
    ValueError
        If its activation is not ReLU or its output not softmax (three or more classes).
    """
    from sklearn.neural_network import MLPClassifier

    if not isinstance(mlp, MLPClassifier):
        raise TypeError(f"expected a fitted sklearn.neural_network.MLPClassifier, got {type(mlp).__name__}")
    check_is_fitted(mlp, "coefs_")
    if mlp.activation != "relu":
        raise ValueError(f"only ReLU networks convert to integrate-and-fire neurons: the MLP has "
                         f"activation={mlp.activation!r}; refit it with activation='relu'")
    if mlp.out_activation_ != "softmax":
        raise ValueError(f"the output layer must be softmax (three or more classes, one label each); "
                         f"this MLP's is {mlp.out_activation_!r}")


@fill_doc
def layer_scale(activation: np.ndarray, normalisation: str = "max", percentile: float = 99.9) -> float:
    """λ of one layer: its maximum positive activation, or a percentile of its positive ones.

    Parameters
    ----------
    activation : ndarray
        The layer's activations on the normalisation images.
    %(conversion_scale)s

    Returns
    -------
    float
        1 for a layer that is never active (nothing to scale).

    Raises
    ------
    ValueError
        If ``normalisation`` is not one of ``NORMALISATIONS``.
    """
    if normalisation not in NORMALISATIONS:
        raise ValueError(f"normalisation must be one of {', '.join(NORMALISATIONS)}, not {normalisation!r}")
    positive = activation[activation > 0]
    if positive.size == 0:
        return 1.0
    return float(positive.max() if normalisation == "max" else np.percentile(positive, percentile))


@fill_doc
def normalise(coefs, intercepts, X, normalisation: str = "max", percentile: float = 99.9):
    """Layer-wise normalised weights and biases, λ measured layer by layer on X with the original weights.

    Parameters
    ----------
    coefs, intercepts : sequence of ndarray
        The MLP's weights and biases (``coefs_``, ``intercepts_``).
    X : array_like
        Normalisation images, in [0, 1].
    %(conversion_scale)s

    Returns
    -------
    weights, biases : list of ndarray
        W_l λ_{l-1} / λ_l and b_l / λ_l.
    scales : list of float
        λ_1..λ_L.
    """
    layers = counting.layer_activations(coefs, intercepts, X)
    scales = [layer_scale(a, normalisation, percentile) for a in layers]
    previous = [1.0, *scales[:-1]]
    weights = [w * lp / lam for w, lp, lam in zip(coefs, previous, scales)]
    biases = [b / lam for b, lam in zip(intercepts, scales)]
    return weights, biases, scales


@dataclass
class SpikingResult:  # numpydoc ignore=PR01
    """What the converted network did with each image, at every 1 ms step up to ``t_max``.

    Attributes
    ----------
    layer_sizes : list of int
        Neurons per layer, input first.
    spikes : list of numpy.ndarray
        Per layer, input first: (n, t_max) spikes in each step.
    output_counts : numpy.ndarray
        (n, t_max, n_classes) output spikes up to and including each step.
    output_v : numpy.ndarray
        (n, t_max, n_classes) output membrane potential after each step.
    classes : numpy.ndarray
        The MLP's class labels.
    input_mode : {"poisson", "current"}
        How the images were fed in.
    nonzero_inputs : numpy.ndarray
        (n,) pixels > 0 per image (the current input's effective MACs).
    wall_time : float
        Seconds the runs of the binary took.
    """

    layer_sizes: list
    spikes: list
    output_counts: np.ndarray
    output_v: np.ndarray
    classes: np.ndarray
    input_mode: str
    nonzero_inputs: np.ndarray
    wall_time: float

    @property
    def t_max(self) -> int:
        """Time steps simulated per image (1 ms each)."""
        return self.output_counts.shape[1]

    @property
    def predictions(self) -> np.ndarray:
        """(n, t_max) class chosen after each step: most output spikes, ties by membrane potential."""
        counts, v = self.output_counts, self.output_v
        leading = counts == counts.max(axis=-1, keepdims=True)
        return self.classes[np.where(leading, v, -np.inf).argmax(axis=-1)]

    def accuracy(self, y) -> np.ndarray:
        """Accuracy after each step.

        Parameters
        ----------
        y : array-like of shape (n,)
            The images' true labels.

        Returns
        -------
        numpy.ndarray
            (t_max,) fraction of ``predictions`` equal to y after each step.
        """
        return (self.predictions == np.asarray(y)[:, None]).mean(axis=0)

    def synaptic_events(self) -> np.ndarray:
        """Spike-driven synaptic operations (accumulates) up to each step.

        Each spike of layer l reaches every neuron of layer l + 1. The constant-current input's
        multiply-accumulates are not among them (``counting.converted_counts`` has them).

        Returns
        -------
        numpy.ndarray
            (n, t_max) operations per image, cumulative over the steps.
        """
        return np.cumsum(sum(s * fan_out for s, fan_out in zip(self.spikes[:-1], self.layer_sizes[1:])), axis=1)


@fill_doc
class ConvertedMLP(ClassifierMixin, BaseEstimator):
    """A fitted ReLU ``MLPClassifier`` as a spiking network of integrate-and-fire neurons.

    ``fit(X)`` measures the layer scales on X (training images, scaled to [0, 1] as the MLP was
    trained) and normalises the weights; ``simulate(X)`` runs the spiking network and gives every
    step's results; ``predict`` gives the decision after ``t_max`` steps.

    Parameters
    ----------
    mlp : sklearn.neural_network.MLPClassifier
        The fitted classifier (ReLU hidden layers).
    %(conversion_scale)s
    input_mode : {"poisson", "current"}, default "poisson"
        Pixels as Poisson spike trains or as constant input currents.
    reset : {"subtract", "zero"}, default "subtract"
        After a spike, subtract the threshold from the potential or set it to zero.
    t_max : int, default 100
        Steps of 1 ms per image (a new build per value).
    max_rate : float, default 1000.0
        Hz of a pixel of value 1 (Poisson input).
    chunk_size : int, default 500
        Images per run of the binary (a new build per value).
    random_state : int, numpy.random.RandomState or None
        Seeds the Poisson input.
    verbose : bool, default False
        A progress bar over the runs of the binary.

    Attributes
    ----------
    weights_, biases_ : list of numpy.ndarray
        The normalised weights and biases, per layer.
    scales_ : list of float
        λ_1..λ_L, each layer's scale (``normalise``).
    classes_ : numpy.ndarray
        The MLP's class labels.
    layer_sizes_ : list of int
        Neurons per layer, input first.
    """

    _parameter_constraints = {
        "mlp": "no_validation",
        "normalisation": [StrOptions(set(NORMALISATIONS))],
        "percentile": [Interval(Real, 0, 100, closed="right")],
        "input_mode": [StrOptions(set(INPUT_MODES))],
        "reset": [StrOptions(set(RESETS))],
        "t_max": [Interval(Integral, 1, None, closed="left")],
        "max_rate": [Interval(Real, 0, 1000.0 / DT_MS, closed="right")],
        "chunk_size": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["boolean"],
    }

    def __init__(self, mlp=None, *, normalisation="max", percentile=99.9, input_mode="poisson", reset="subtract",
                 t_max=100, max_rate=1000.0, chunk_size=500, random_state=None, verbose=False):
        self.mlp = mlp
        self.normalisation = normalisation
        self.percentile = percentile
        self.input_mode = input_mode
        self.reset = reset
        self.t_max = t_max
        self.max_rate = max_rate
        self.chunk_size = chunk_size
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Normalise the MLP's weights layer by layer on the activations of X (training images).

        %(converted_images_parameters)s
        y : None
            Ignored: the MLP is already trained.

        Returns
        -------
        ConvertedMLP
            self.
        """
        check_mlp(self.mlp)
        X = self._check_images(X, self.mlp.n_features_in_)
        self.weights_, self.biases_, self.scales_ = normalise(
            self.mlp.coefs_, self.mlp.intercepts_, X, self.normalisation, self.percentile)
        self.classes_ = self.mlp.classes_
        self.layer_sizes_ = counting.layer_sizes(self.mlp.coefs_)
        self.n_features_in_ = self.mlp.n_features_in_
        return self

    @staticmethod
    def _check_images(X, n_features) -> np.ndarray:
        X = check_array(X, dtype=np.float64)
        if X.shape[1] != n_features:
            raise ValueError(f"X has {X.shape[1]} features, but the MLP takes {n_features}")
        if X.min() < 0 or X.max() > 1:
            raise ValueError(f"inputs must lie in [0, 1] (a spike probability per step, or a current), "
                             f"got [{X.min():g}, {X.max():g}]; scale pixels as the MLP was trained, e.g. X / 255")
        return X

    def simulate(self, X) -> SpikingResult:
        """Run the spiking network on X, ``chunk_size`` images per run of the compiled binary.

        %(converted_images_parameters)s

        Returns
        -------
        SpikingResult
            Every step's spikes, output counts and potentials.

        %(not_fitted_raises)s
        """
        check_is_fitted(self, "weights_")
        self._validate_params()  # the run-time settings may have changed since fit (set_params)
        X = self._check_images(X, self.n_features_in_)
        project = compiled_converted_network(self.layer_sizes_, self.t_max, self.chunk_size)
        rng = check_random_state(self.random_state)
        chunks = [project.run(X[start:start + self.chunk_size], self.weights_, self.biases_,
                              poisson_input=self.input_mode == "poisson", max_rate=self.max_rate,
                              reset_by_subtraction=self.reset == "subtract", seed=int(rng.randint(2**31)))
                  for start in _progress(range(0, len(X), self.chunk_size), len(X), self.chunk_size, self.verbose)]
        return SpikingResult(
            layer_sizes=list(self.layer_sizes_),
            spikes=[np.concatenate([c["spikes"][k] for c in chunks]) for k in range(len(self.layer_sizes_))],
            output_counts=np.concatenate([c["output_counts"] for c in chunks]),
            output_v=np.concatenate([c["output_v"] for c in chunks]),
            classes=self.classes_, input_mode=self.input_mode,
            nonzero_inputs=(X > 0).sum(axis=1), wall_time=sum(c["wall_time"] for c in chunks))

    def predict(self, X) -> np.ndarray:
        """The class of each image after ``t_max`` steps.

        %(converted_images_parameters)s

        Returns
        -------
        numpy.ndarray
            (n,) labels: ``simulate(X).predictions`` at the last step.

        %(not_fitted_raises)s
        """
        return self.simulate(X).predictions[:, -1]


def _progress(starts, n, chunk_size, verbose):
    with progress_bar(n, "spiking network", "image", enabled=verbose) as bar:
        for start in starts:
            yield start
            bar.update(min(chunk_size, n - start))


_CODE_HASH = code_hash(CONVERSION_CODE_FILES)  # once, at import, as simulator.py does


def compiled_converted_network(layer_sizes, t_max: int, chunk_size: int) -> "CompiledConversion":
    """The compiled spiking network for this shape, built (once, under a file lock) if not cached.

    Parameters
    ----------
    layer_sizes : sequence of int
        Neurons per layer, input first.
    t_max : int
        Steps of 1 ms per image.
    chunk_size : int
        Images one run of the binary presents at most.

    Returns
    -------
    CompiledConversion
        The build, loaded once per process.
    """
    layer_sizes = [int(s) for s in layer_sizes]
    digest = key_digest({"layers": layer_sizes, "t_max": int(t_max), "chunk_size": int(chunk_size), "dt_ms": DT_MS},
                        _CODE_HASH)
    name = f"converted-{'x'.join(map(str, layer_sizes))}-t{t_max}-c{chunk_size}-{digest}"
    return compiled_project(name, lambda directory: _build(layer_sizes, int(t_max), int(chunk_size), directory),
                            kind=CompiledConversion)


def _build(layer_sizes, t_max, chunk_size, directory) -> None:
    import brian2 as b2

    with standalone_project(directory) as project:
        clock = b2.Clock(dt=DT_MS * b2.ms, name="step_clock")
        image_clock = b2.Clock(dt=t_max * DT_MS * b2.ms, name="image_clock")
        stimulus = b2.TimedArray(np.zeros((chunk_size, layer_sizes[0])), dt=t_max * DT_MS * b2.ms, name="stimulus")
        inputs = b2.NeuronGroup(layer_sizes[0], INPUT_MODEL, threshold=INPUT_THRESHOLD, clock=clock, name="inputs",
                                namespace={"stimulus": stimulus})
        current = b2.NeuronGroup(layer_sizes[1], CURRENT_MODEL, clock=image_clock, name="input_current")
        current_synapses = b2.Synapses(inputs, current, CURRENT_SYNAPSES, clock=image_clock, name="current_synapses",
                                       namespace={"stimulus": stimulus})
        layers, synapses = [], []
        namespace = {"v_threshold": V_THRESHOLD, "t_step": DT_MS * b2.ms}
        for k, size in enumerate(layer_sizes[1:]):
            constant_input = "I_input : 1 (linked)" if k == 0 else "I_input = 0 : 1"
            layer = b2.NeuronGroup(size, LAYER_MODEL + constant_input, threshold=LAYER_THRESHOLD, reset=LAYER_RESET,
                                   method="euler", clock=clock, name=f"layer_{k + 1}", namespace=namespace)
            layer.run_regularly(IMAGE_START, clock=image_clock, when="start", name=f"layer_{k + 1}_image_start")
            layers.append(layer)
        layers[0].I_input = b2.linked_var(current, "I")
        for k, (pre, post) in enumerate(zip([inputs, *layers[:-1]], layers)):
            syn = b2.Synapses(pre, post, SYNAPSE_MODEL, on_pre=SYNAPSE_ON_PRE, clock=clock, name=f"synapses_{k + 1}")
            synapses.append(syn)
        # Explicit indices fix the synapse order: synapse k is (k // n_post, k % n_post), as W.ravel().
        for syn in (current_synapses, *synapses):
            n_pre, n_post = len(syn.source), len(syn.target)
            syn.connect(i=np.repeat(np.arange(n_pre), n_post), j=np.tile(np.arange(n_post), n_pre))
        controller = b2.NeuronGroup(1, CONTROLLER_MODEL, clock=image_clock, name="controller",
                                    namespace={"stop_when": stop_when})
        controller.run_regularly(CONTROLLER_STEP, when="start", name="controller_step")
        rates = [b2.PopulationRateMonitor(g, name=f"rate_{g.name}") for g in (inputs, *layers)]
        output_spikes = b2.SpikeMonitor(layers[-1], name="output_spikes")
        output_v = b2.StateMonitor(layers[-1], "v", record=True, when="end", name="output_v")
        network = b2.Network(inputs, current, current_synapses, *layers, *synapses, controller, *rates,
                             output_spikes, output_v)
        project.run(network, (chunk_size * t_max + 1) * DT_MS * b2.ms, seed=controller.variables["rng_seed"])
        arg, result = project.arg, project.result
        project.finish({
            "inputs": {
                "stimulus": "stimulus.values",
                # Layer 1's weights serve both the spiking and the constant-current input.
                "weights_1": [arg(synapses[0], "w"), arg(current_synapses, "w")],
                **{f"weights_{k + 1}": arg(s, "w") for k, s in enumerate(synapses) if k > 0},
                **{f"biases_{k + 1}": arg(layer, "bias") for k, layer in enumerate(layers)},
            },
            "values": {
                "n_images": [arg(controller, "n_images")], "rng_seed": [arg(controller, "rng_seed")],
                "poisson_input": [arg(inputs, "poisson_input")], "max_rate": [arg(inputs, "max_rate")],
                "reset_by_subtraction": [arg(layer, "reset_by_subtraction") for layer in layers],
            },
            "results": {
                **{f"rate_{k}": result(monitor, "rate") for k, monitor in enumerate(rates)},
                "output_i": result(output_spikes, "i"), "output_t": result(output_spikes, "t"),
                "output_v": result(output_v, "v"),
            },
            "layer_sizes": layer_sizes, "t_max": t_max, "chunk_size": chunk_size, "dt": DT_MS * SI_SCALE["ms"],
        })


class CompiledConversion(CompiledProject):
    """A compiled converted network for one shape (``compiled_converted_network``).

    Parameters
    ----------
    directory : pathlib.Path
        The build's folder in the cache.
    """

    def run(self, X, weights, biases, *, poisson_input: bool, max_rate: float, reset_by_subtraction: bool,
            seed: int) -> dict:
        """Present images one after another.

        Parameters
        ----------
        X : numpy.ndarray
            (n, n_input) images, 0 < n <= ``chunk_size``, values in [0, 1].
        weights, biases : list of numpy.ndarray
            The normalised layers, first hidden layer first.
        poisson_input : bool
            Poisson spikes (else a constant current into the first hidden layer).
        max_rate : float
            Hz of a pixel of value 1 (Poisson input).
        reset_by_subtraction : bool
            Reset by subtracting the threshold (else to zero).
        seed : int
            Seeds the binary's random generator.

        Returns
        -------
        dict
            ``spikes`` (per layer, (n, t_max)), ``output_counts`` and ``output_v``
            ((n, t_max, n_classes)), ``wall_time``.

        Raises
        ------
        ValueError
            If n is out of range or the weights do not fit the build.
        """
        m = self.manifest
        n, sizes, t_max = len(X), m["layer_sizes"], m["t_max"]
        if not 0 < n <= m["chunk_size"]:
            raise ValueError(f"a run presents 1 to {m['chunk_size']} images, got {n}")
        shapes = [w.shape for w in weights]
        if shapes != list(zip(sizes[:-1], sizes[1:])):
            raise ValueError(f"weights of shapes {shapes} do not fit the network {sizes}")
        stimulus = np.zeros((m["chunk_size"], sizes[0]))
        stimulus[:n] = X
        arrays = {"stimulus": stimulus,
                  **{f"weights_{k + 1}": w.ravel() for k, w in enumerate(weights)},
                  **{f"biases_{k + 1}": b for k, b in enumerate(biases)}}
        settings = {"n_images": n, "rng_seed": int(seed), "poisson_input": float(poisson_input),
                    "max_rate": float(max_rate), "reset_by_subtraction": float(reset_by_subtraction)}
        values = [f"{target}={settings[name]!r}" for name, targets in m["values"].items() for target in targets]
        out, _, wall_time, _ = self.run_binary(arrays, values)
        steps = n * t_max
        spikes = [np.rint(out[f"rate_{k}"][:steps] * size * m["dt"]).astype(np.int64).reshape(n, t_max)
                  for k, size in enumerate(sizes)]
        step = np.rint(out["output_t"] / m["dt"]).astype(np.int64)
        keep = step < steps
        counts = np.zeros((n, t_max, sizes[-1]), np.int64)
        np.add.at(counts, (step[keep] // t_max, step[keep] % t_max, out["output_i"][keep]), 1)
        v = out["output_v"].reshape(-1, sizes[-1])[:steps].reshape(n, t_max, sizes[-1])
        return {"spikes": spikes, "output_counts": np.cumsum(counts, axis=1), "output_v": v, "wall_time": wall_time}
