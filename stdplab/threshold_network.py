"""Networks of binary threshold units on Brian 2's standalone device: a sharpened (Whetstone)
network run as a spiking network, one spike or none per neuron and image.

A unit sums its bias and the weights of the spikes it received in the step before, and spikes if
the sum is >= ``V_THRESHOLD`` (0.5, where a sharpened step steps); it keeps nothing to the next step.
A layer is a group of such units and the synapses from the layer below (``Layer``):

- ``dense_layer``: every input to every unit, the weight matrix's entries;
- ``conv_layer``: a valid convolution of stride 1 expanded to synapses, each unit connected to its
  receptive field, all synapses of one kernel position and channel pair sharing its weight;
- ``or_pool_layer``: max pooling of binary spikes, an OR: weights 1, bias 0, so a unit spikes if
  any of its inputs did.

Pipelined, one step per layer: image n's input spikes in step n, layer k in step n + k, so a chunk
of N images takes N + depth steps and every layer works on a different image in each step. Neurons
are numbered row-major over (height, width, channel), as Keras flattens. The input is binary
(``sharpening.binarise``): pixel i of image n spikes in step n if it is 1.

Compiled once per shape (the layers' connectivity and the chunk size) by the standalone machinery
(``standalone.compiled_project``); weights, biases and images are the binary's run arguments.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from .parameters import SI_SCALE
from .progress import progress_bar
from ._docstrings import fill_doc
from .standalone import CompiledProject, code_hash, compiled_project, key_digest, standalone_project

V_THRESHOLD = 0.5  # a sharpened unit's step
STEP_MS = 1.0  # one step per layer; reported in steps
CODE_FILES = ("standalone.py", "code_rewrites.py", "threshold_network.py", "parameters.py")  # SI_SCALE

# Dimensionless: v is the unit's summed input of the step.
INPUT_MODEL = """
x = stimulus(t, i) : 1                  # 1: this pixel spikes for the image entering now
rng_seed : integer (shared, constant)   # unused (nothing is random); standalone.py re-seeds from it
"""
INPUT_THRESHOLD = "x > 0.5"
LAYER_MODEL = """
v : 1
bias : 1 (constant)
"""
LAYER_THRESHOLD = "v >= v_threshold"
# Before the synapses of each step deliver the spikes of that step: the units forget the last image.
STEP_START = "v = bias"
SYNAPSE_MODEL = "w : 1"
SYNAPSE_ON_PRE = "v_post += w"


@dataclass
class Layer:
    """One layer of threshold units and the synapses that reach it from the layer below.

    Parameters
    ----------
    name : str
    shape : tuple of int
        (height, width, channels) or (units,).
    pre, post : ndarray of int32
        Each synapse's presynaptic (layer below) and postsynaptic (this layer) neuron.
    weights : ndarray of float64
        Each synapse's weight.
    bias : ndarray of float64
        Each unit's bias.
    kind : str
        "dense", "conv" or "or_pool".
    parameters : int
        Trained values behind the synapses and biases (a shared kernel counts once).
    """

    name: str
    shape: tuple
    pre: np.ndarray
    post: np.ndarray
    weights: np.ndarray
    bias: np.ndarray
    kind: str
    parameters: int

    def __post_init__(self):
        if not len(self.pre) == len(self.post) == len(self.weights):
            raise ValueError(f"layer {self.name!r}: {len(self.pre)} presynaptic and {len(self.post)} postsynaptic"
                             f" neurons for {len(self.weights)} weights")
        if np.shape(self.bias) != (self.n_neurons,):
            raise ValueError(f"layer {self.name!r}: biases of shape {np.shape(self.bias)} for {self.n_neurons} units")

    @property
    def n_neurons(self) -> int:
        """Units in the layer."""
        return int(np.prod(self.shape))

    @property
    def n_synapses(self) -> int:
        """Synapses reaching the layer."""
        return len(self.pre)


def dense_layer(*, kernel, bias, name: str = "dense") -> Layer:
    """A fully connected layer: synapse (i, j) carries ``kernel[i, j]``.

    Parameters
    ----------
    kernel : ndarray, shape (inputs, units)
    bias : ndarray, shape (units,)
    name : str, default "dense"

    Returns
    -------
    Layer
    """
    kernel, bias = np.asarray(kernel, np.float64), np.asarray(bias, np.float64)
    n_in, n_out = kernel.shape
    pre = np.repeat(np.arange(n_in, dtype=np.int32), n_out)
    post = np.tile(np.arange(n_out, dtype=np.int32), n_in)
    return Layer(name, (n_out,), pre, post, kernel.ravel(), bias.copy(), "dense", kernel.size + bias.size)


def conv_connectivity(input_shape, kernel_shape) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple]:
    """The synapses of a valid 2-D convolution of stride 1 (Keras's cross-correlation).

    Parameters
    ----------
    input_shape : tuple
        (height, width, channels in).
    kernel_shape : tuple
        (kernel height, kernel width, channels in, channels out).

    Returns
    -------
    pre, post : ndarray of int32
        Presynaptic and postsynaptic neurons, sorted by presynaptic neuron.
    kernel_index : ndarray of int64
        Each synapse's entry of the kernel, flattened: its shared weight.
    output_shape : tuple
        (height, width, channels out).

    Raises
    ------
    ValueError
        If the kernel's channels differ from the input's, or it is larger than the input.
    """
    height, width, c_in = input_shape
    kh, kw, k_in, c_out = kernel_shape
    if k_in != c_in:
        raise ValueError(f"a kernel for {k_in} channels cannot read an input of {c_in}")
    if kh > height or kw > width:
        raise ValueError(f"a {kh}x{kw} kernel does not fit a {height}x{width} input (a valid convolution)")
    out_h, out_w = height - kh + 1, width - kw + 1
    oy, ox, dy, dx, ci, co = np.meshgrid(np.arange(out_h), np.arange(out_w), np.arange(kh), np.arange(kw),
                                         np.arange(c_in), np.arange(c_out), indexing="ij", sparse=True)
    pre = ((oy + dy) * width + (ox + dx)) * c_in + ci
    post = (oy * out_w + ox) * c_out + co
    kernel_index = ((dy * kw + dx) * c_in + ci) * c_out + co
    pre, post, kernel_index = (np.broadcast_to(a, np.broadcast_shapes(pre.shape, post.shape, kernel_index.shape))
                               .ravel() for a in (pre, post, kernel_index))
    order = np.lexsort((post, pre))  # grouped by presynaptic neuron: one spike's synapses lie together
    return (pre[order].astype(np.int32), post[order].astype(np.int32), kernel_index[order].astype(np.int64),
            (out_h, out_w, c_out))


def conv_layer(*, kernel, bias, input_shape, name: str = "conv") -> Layer:
    """A valid convolution of stride 1 as synapses that share the kernel's weights.

    Parameters
    ----------
    kernel : ndarray, shape (kernel height, kernel width, channels in, channels out)
        Keras's ``Conv2D`` kernel.
    bias : ndarray, shape (channels out,)
    input_shape : tuple
        (height, width, channels in) of the layer below.
    name : str, default "conv"

    Returns
    -------
    Layer
    """
    kernel, bias = np.asarray(kernel, np.float64), np.asarray(bias, np.float64)
    if bias.shape != kernel.shape[-1:]:
        raise ValueError(f"conv layer {name!r}: biases of shape {bias.shape} for {kernel.shape[-1]} channels out")
    pre, post, index, shape = conv_connectivity(tuple(input_shape), kernel.shape)
    return Layer(name, shape, pre, post, kernel.ravel()[index], np.tile(bias, shape[0] * shape[1]), "conv",
                 kernel.size + bias.size)


def or_pool_layer(*, input_shape, pool: int = 2, name: str = "pool") -> Layer:
    """Non-overlapping max pooling of binary spikes: an OR unit per window (weights 1, bias 0).

    Parameters
    ----------
    input_shape : tuple
        (height, width, channels) of the layer below; rows and columns beyond the last whole
        window are dropped, as Keras's valid pooling does.
    pool : int, default 2
        Window side and stride.
    name : str, default "pool"

    Returns
    -------
    Layer
    """
    height, width, channels = input_shape
    out_h, out_w = height // pool, width // pool
    oy, ox, dy, dx, c = np.meshgrid(np.arange(out_h), np.arange(out_w), np.arange(pool), np.arange(pool),
                                    np.arange(channels), indexing="ij")
    pre = (((oy * pool + dy) * width + (ox * pool + dx)) * channels + c).ravel()
    post = ((oy * out_w + ox) * channels + c).ravel()
    order = np.argsort(pre, kind="stable")
    n = out_h * out_w * channels
    return Layer(name, (out_h, out_w, channels), pre[order].astype(np.int32), post[order].astype(np.int32),
                 np.ones(len(pre)), np.zeros(n), "or_pool", 0)


@dataclass
class ThresholdResult:
    """What a network of threshold units did with each image.

    Parameters
    ----------
    layer_spikes : ndarray of int64, shape (n, depth + 1)
        Spikes per image and layer, the input first.
    synaptic_events : ndarray of int64, shape (n, depth)
        Synaptic events (accumulates) per image, by the layer whose spikes caused them (the input's
        first), each spike counted once per synapse it reaches.
    output_spikes : ndarray of bool, shape (n, n_output)
        Which output neurons spiked.
    n_classes, per_class : int
        The output code.
    steps : int
        Steps the images took, pipelined: images + depth per run of the binary (a run given fewer
        images than its chunk also steps through the empty rest of it, which is not counted).
    wall_time : float
        Seconds the binary ran.
    spikes : list of ndarray or None
        With ``record_spikes``: per layer (input first), (n, neurons) bool.
    """

    layer_spikes: np.ndarray
    synaptic_events: np.ndarray
    output_spikes: np.ndarray
    n_classes: int
    per_class: int
    steps: int
    wall_time: float
    spikes: list | None = None

    @property
    def class_counts(self) -> np.ndarray:
        """(n, n_classes) output spikes per class."""
        return self.output_spikes.reshape(len(self.output_spikes), self.n_classes, self.per_class).sum(axis=2)

    @property
    def predictions(self) -> np.ndarray:
        """(n,) the class with the most output spikes, ties to the lower class (``sharpening.decode``)."""
        return self.class_counts.argmax(axis=1).astype(np.int64)


@dataclass
@fill_doc
class ThresholdNetwork:
    """A feed-forward network of binary threshold units, run on Brian 2's standalone device.

    Parameters
    ----------
    input_shape : tuple
        One image, e.g. (28, 28, 1); its pixels are the input neurons.
    layers : list of Layer
        Bottom first; the last is the output layer.
    n_classes, per_class : int
        The output code: output neuron u votes for class u // per_class.
    """

    input_shape: tuple
    layers: list
    n_classes: int
    per_class: int
    _fan_out: list = field(default=None, init=False, repr=False)

    def __post_init__(self):
        sizes = self.layer_sizes
        for layer, n_pre in zip(self.layers, sizes[:-1]):
            if layer.pre.max(initial=-1) >= n_pre or layer.post.max(initial=-1) >= layer.n_neurons:
                raise ValueError(f"{layer.name}: synapses reach beyond the layers they join")
        if sizes[-1] != self.n_classes * self.per_class:
            raise ValueError(f"the output layer has {sizes[-1]} units, not {self.n_classes} x {self.per_class}")
        # Synapses each neuron's spike reaches: the accumulates it costs.
        self._fan_out = [np.bincount(layer.pre, minlength=n) for layer, n in zip(self.layers, sizes[:-1])]

    @property
    def layer_sizes(self) -> list[int]:
        """Neurons per layer, the input first."""
        return [int(np.prod(self.input_shape)), *(layer.n_neurons for layer in self.layers)]

    @property
    def depth(self) -> int:
        """Layers after the input: the steps from an image's input spikes to its output spikes."""
        return len(self.layers)

    @property
    def n_synapses(self) -> int:
        """Synapses of all layers."""
        return sum(layer.n_synapses for layer in self.layers)

    @property
    def fan_out(self) -> list[np.ndarray]:
        """Per layer below the output (input first): synapses each neuron's spike reaches."""
        return self._fan_out

    def simulate(self, X, *, chunk_size: int = 1000, record_spikes: bool = False,
                 verbose: bool = False) -> ThresholdResult:
        """Run the network on binary images, ``chunk_size`` images per run of the compiled binary.

        Parameters
        ----------
        X : array_like
            ``(n, *input_shape)`` or ``(n, inputs)``, of 0 and 1 (``sharpening.binarise``).
        chunk_size : int, default 1000
            Images per run (a new build per value).
        record_spikes : bool, default False
            Keep every layer's spikes per image (``ThresholdResult.spikes``).
        verbose : bool, default False
            A progress bar.

        Returns
        -------
        ThresholdResult

        Raises
        ------
        ValueError
            If X holds no image, does not fit the input or holds values other than 0 and 1, or
            ``chunk_size`` is below 1.
        """
        if not isinstance(chunk_size, (int, np.integer)) or isinstance(chunk_size, bool) or chunk_size < 1:
            raise ValueError(f"chunk_size must be a whole number of images >= 1, got {chunk_size!r}")
        X = np.asarray(X, np.float64)
        if X.ndim < 2 or len(X) == 0:
            raise ValueError(f"X must hold one or more images, got an array of shape {X.shape}")
        X = X.reshape(len(X), -1)
        if X.shape[1] != self.layer_sizes[0]:
            raise ValueError(f"images of {X.shape[1]} values do not fit an input of {self.layer_sizes[0]}")
        if not np.isin(X, (0.0, 1.0)).all():
            raise ValueError("the input is binary spikes: 0 or 1 per pixel (sharpening.binarise)")
        project = compiled_threshold_network(self, chunk_size)
        runs = []
        with progress_bar(len(X), "threshold network", "image", enabled=verbose) as bar:
            for start in range(0, len(X), chunk_size):
                runs.append(project.run(X[start:start + chunk_size], self, record_spikes=record_spikes))
                bar.update(min(chunk_size, len(X) - start))
        return ThresholdResult(
            layer_spikes=np.concatenate([r["layer_spikes"] for r in runs]),
            synaptic_events=np.concatenate([r["synaptic_events"] for r in runs]),
            output_spikes=np.concatenate([r["output_spikes"] for r in runs]),
            n_classes=self.n_classes, per_class=self.per_class, steps=sum(r["steps"] for r in runs),
            wall_time=sum(r["wall_time"] for r in runs),
            spikes=[np.concatenate([r["spikes"][k] for r in runs]) for k in range(self.depth + 1)]
            if record_spikes else None)

    def potentials(self, X) -> list[np.ndarray]:
        """The same network computed in float64 with numpy: each layer's summed input per image.

        A reference for the simulation (the same sums, in another order) and for finding ties: an
        image whose potentials come within rounding error of the threshold may spike differently
        in float32 (Keras) and float64 (Brian 2).

        %(binary_images_parameters)s

        Returns
        -------
        list of ndarray
            Per layer after the input, (n, neurons).
        """
        from scipy import sparse

        a = np.asarray(X, np.float64).reshape(len(X), -1)
        out = []
        for layer, n_pre in zip(self.layers, self.layer_sizes[:-1]):
            w = sparse.csr_matrix((layer.weights, (layer.pre, layer.post)), shape=(n_pre, layer.n_neurons))
            v = np.asarray((w.T @ a.T).T) + layer.bias
            out.append(v)
            a = (v >= V_THRESHOLD).astype(np.float64)
        return out

    def threshold_margins(self, X) -> np.ndarray:
        """(n,) per image, the smallest distance of any unit's potential from the threshold (float64).

        %(binary_images_parameters)s

        Returns
        -------
        ndarray
            (n,) the smallest ``|potential - threshold|`` over every unit of every layer.
        """
        return np.min([np.abs(v - V_THRESHOLD).min(axis=1) for v in self.potentials(X)], axis=0)

    def connectivity_digest(self) -> str:
        """A hash of every layer's shape and synapses: what the compiled binary depends on.

        Returns
        -------
        str
            SHA-256, hexadecimal.
        """
        h = hashlib.sha256(repr(self.input_shape).encode())
        for layer in self.layers:
            h.update(repr((layer.shape, layer.kind)).encode())
            h.update(np.ascontiguousarray(layer.pre).tobytes())
            h.update(np.ascontiguousarray(layer.post).tobytes())
        return h.hexdigest()


_CODE_HASH = code_hash(CODE_FILES)


def compiled_threshold_network(network: ThresholdNetwork, chunk_size: int) -> "CompiledThresholdNetwork":
    """The compiled binary for this network's connectivity and chunk size, built (once) if not cached.

    Parameters
    ----------
    network : ThresholdNetwork
    chunk_size : int
        Images per run.

    Returns
    -------
    CompiledThresholdNetwork
    """
    sizes = network.layer_sizes
    digest = key_digest({"connectivity": network.connectivity_digest(), "chunk_size": int(chunk_size)}, _CODE_HASH)
    name = f"threshold-{'x'.join(map(str, sizes))}-c{chunk_size}-{digest}"
    return compiled_project(name, lambda directory: _build(network, int(chunk_size), directory),
                            kind=CompiledThresholdNetwork)


def _build(network: ThresholdNetwork, chunk_size: int, directory) -> None:
    import brian2 as b2

    sizes, depth = network.layer_sizes, network.depth
    steps = chunk_size + depth
    with standalone_project(directory) as project:
        clock = b2.Clock(dt=STEP_MS * b2.ms, name="step_clock")
        stimulus = b2.TimedArray(np.zeros((steps, sizes[0])), dt=STEP_MS * b2.ms, name="stimulus")
        inputs = b2.NeuronGroup(sizes[0], INPUT_MODEL, threshold=INPUT_THRESHOLD, reset="", clock=clock, name="inputs",
                                namespace={"stimulus": stimulus})
        groups, synapses = [inputs], []
        for k, layer in enumerate(network.layers):
            group = b2.NeuronGroup(layer.n_neurons, LAYER_MODEL, threshold=LAYER_THRESHOLD, reset="", clock=clock,
                                   name=f"layer_{k + 1}", namespace={"v_threshold": V_THRESHOLD})
            group.run_regularly(STEP_START, when="before_synapses", name=f"layer_{k + 1}_step_start")
            syn = b2.Synapses(groups[-1], group, SYNAPSE_MODEL, on_pre=SYNAPSE_ON_PRE, clock=clock,
                              name=f"synapses_{k + 1}")
            syn.connect(i=layer.pre, j=layer.post)  # in this order: the weights' order on the command line
            groups.append(group)
            synapses.append(syn)
        monitors = [b2.SpikeMonitor(g, name=f"spikes_{g.name}") for g in groups]
        network_ = b2.Network(*groups, *synapses, *monitors)
        project.run(network_, steps * STEP_MS * b2.ms, seed=inputs.variables["rng_seed"])
        arg, result = project.arg, project.result
        project.finish({
            "inputs": {"stimulus": "stimulus.values",
                       **{f"weights_{k + 1}": arg(s, "w") for k, s in enumerate(synapses)},
                       **{f"biases_{k + 1}": arg(g, "bias") for k, g in enumerate(groups[1:])}},
            "results": {**{f"i_{k}": result(m, "i") for k, m in enumerate(monitors)},
                        **{f"t_{k}": result(m, "t") for k, m in enumerate(monitors)}},
            "layer_sizes": sizes, "synapses": [layer.n_synapses for layer in network.layers],
            "chunk_size": chunk_size, "steps": steps, "dt": STEP_MS * SI_SCALE["ms"],
        })


class CompiledThresholdNetwork(CompiledProject):
    """A compiled network of threshold units for one connectivity and chunk size.

    Parameters
    ----------
    directory : pathlib.Path
        The build's folder in the cache.
    """

    def run(self, X, network: ThresholdNetwork, *, record_spikes: bool = False) -> dict:
        """Present up to ``chunk_size`` binary images, one per step, pipelined.

        Parameters
        ----------
        X : ndarray, shape (n, inputs)
            0 and 1.
        network : ThresholdNetwork
            Its weights and biases (its connectivity must be this build's).
        record_spikes : bool, default False

        Returns
        -------
        dict
            ``layer_spikes``, ``synaptic_events``, ``output_spikes``, ``spikes`` (or None), ``steps``
            and ``wall_time``, as ``ThresholdResult``'s fields.

        Raises
        ------
        ValueError
            If n is out of range or the network does not fit the build.
        """
        m = self.manifest
        n, sizes, depth = len(X), m["layer_sizes"], network.depth
        if not 0 < n <= m["chunk_size"]:
            raise ValueError(f"a run presents 1 to {m['chunk_size']} images, got {n}")
        if network.layer_sizes != sizes or [layer.n_synapses for layer in network.layers] != m["synapses"]:
            raise ValueError("this network does not fit the compiled one")
        stimulus = np.zeros((m["steps"], sizes[0]))
        stimulus[:n] = X
        arrays = {"stimulus": stimulus,
                  **{f"weights_{k + 1}": layer.weights for k, layer in enumerate(network.layers)},
                  **{f"biases_{k + 1}": layer.bias for k, layer in enumerate(network.layers)}}
        out, _, wall_time, _ = self.run_binary(arrays, [])
        layer_spikes = np.zeros((n, depth + 1), np.int64)
        events = np.zeros((n, depth), np.int64)
        spikes = [np.zeros((n, size), bool) for size in sizes] if record_spikes else None
        output = np.zeros((n, sizes[-1]), bool)
        for k in range(depth + 1):
            image = np.rint(out[f"t_{k}"] / m["dt"]).astype(np.int64) - k  # layer k fires image n in step n + k
            keep = (image >= 0) & (image < n)
            image, neuron = image[keep], out[f"i_{k}"][keep].astype(np.int64)
            layer_spikes[:, k] = np.bincount(image, minlength=n)
            if k < depth:
                events[:, k] = np.bincount(image, weights=network.fan_out[k][neuron], minlength=n).astype(np.int64)
            if record_spikes:
                spikes[k][image, neuron] = True
            if k == depth:
                output[image, neuron] = True
        return {"layer_spikes": layer_spikes, "synaptic_events": events, "output_spikes": output, "spikes": spikes,
                "steps": n + depth, "wall_time": wall_time}


__all__ = ["CODE_FILES", "CompiledThresholdNetwork", "Layer", "STEP_MS", "ThresholdNetwork", "ThresholdResult",
           "V_THRESHOLD", "compiled_threshold_network", "conv_connectivity", "conv_layer", "dense_layer",
           "or_pool_layer"]
