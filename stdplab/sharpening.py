"""Whetstone sharpening in Keras 3: networks trained until every neuron is a binary step, ready to
run as spiking networks of threshold units (``threshold_network``).

Written from Severa, Vineyard, Dellana, Verzi & Aimone, "Training deep neural networks for binary
communication with the Whetstone method", Nature Machine Intelligence 1:86-94 (2019). What the
method is, and what this module does:

- **bounded ReLU** (``BoundedReLU``, the paper's bRELU): 0 below a lower bound, 1 above an upper
  bound, a linear ramp between them. Unsharpened the bounds are 0 and 1 (a ReLU capped at 1);
  sharpening moves both towards 0.5 (sharpness s: bounds 0.5 s and 1 - 0.5 s) until, at s = 1,
  the unit is a step: 1 if its input is >= 0.5, else 0. A spike or none.
- **sharpening schedule** (``Sharpener``, a Keras callback): layer by layer from the bottom, each
  layer's sharpness rising from 0 to 1 over ``epochs_per_layer`` epochs, a little after every batch;
  the next layer starts when the one below is a step (a sharpened layer passes no gradient, so
  the layers above it must still learn to live with it). It starts when the monitored loss has
  stopped improving (``start="plateau"``: ``patience`` epochs without an improvement of
  ``min_delta``, as the paper's adaptive sharpener) and in any case at ``latest_start``; or at a
  fixed epoch (``start=k``). Training stops once every layer is a step.
- **output code** (``PopulationDecode``): ``per_class`` step neurons per class (the paper's N-hot
  population code, which survives "dead" output neurons); the decoder sums each class's spikes and
  the loss is the softmax cross-entropy of those counts. The class with the most output spikes is
  the prediction; ties go to the lower class.
- **input**: the first layer takes binary spikes, a pixel spiking if its value is >= half the
  maximum (``binarise``): a step at 0.5 like every other unit, so that the whole network
  communicates in spikes and is priced as accumulates only. (The paper's networks take the image
  itself; this departure costs accuracy, recorded in benchmarks/results/whetstone.json.)

Architectures (``mlp``, ``cnn``): Dense and valid 2-D convolutions, each followed by a
``BoundedReLU``, and 2 x 2 max pooling, which on binary spikes is an OR. ``export`` turns a fully
sharpened model into ``threshold_network.Layer`` objects.

Keras runs on JAX unless ``KERAS_BACKEND`` says otherwise (set before this module is imported);
install with the ``[deep]`` extra.
"""
from __future__ import annotations

import os

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")  # the [deep] extra installs JAX, not TensorFlow

import keras  # noqa: E402
from keras import ops  # noqa: E402

from . import threshold_network  # noqa: E402
from ._docstrings import fill_doc  # noqa: E402

SPIKE_THRESHOLD = threshold_network.V_THRESHOLD  # where a sharpened unit steps, and where a pixel spikes
PLATEAU = "plateau"


def binarise(images, threshold: float = SPIKE_THRESHOLD, max_value: float = 255.0) -> np.ndarray:
    """Images as input spikes: 1 where a pixel is >= ``threshold`` x ``max_value``, else 0.

    Parameters
    ----------
    images : array_like, shape (n, height, width)
        Pixels in [0, ``max_value``] (``stdplab.datasets``: uint8, 0-255).
    threshold : float, default 0.5
        The fraction of ``max_value`` at which a pixel spikes.
    max_value : float, default 255
        A full pixel.

    Returns
    -------
    ndarray of float32, shape (n, height, width, 1)
        What the models take (one channel).
    """
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"expected images of shape (n, height, width), got {images.shape}")
    return (images >= threshold * max_value).astype(np.float32)[..., None]


@keras.saving.register_keras_serializable(package="stdplab")
@fill_doc
class BoundedReLU(keras.layers.Layer):
    """The bRELU of Whetstone: a ramp from 0 to 1 between two bounds that sharpening brings together.

    With sharpness s in [0, 1] the bounds are 0.5 s and 1 - 0.5 s; at s = 1 the output is 1 where
    the input is >= 0.5, else 0 (a step: the unit spikes or not).

    Parameters
    ----------
    **kwargs
        Passed to ``keras.layers.Layer`` (e.g. ``name``).
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.sharpness = self.add_weight(shape=(), initializer="zeros", trainable=False, name="sharpness")

    def call(self, inputs):
        """The ramp between the bounds, or the step once fully sharpened.

        Parameters
        ----------
        inputs : tensor
            Summed inputs of the units.

        Returns
        -------
        tensor
            Activations in [0, 1], of the inputs' shape.
        """
        s = ops.cast(self.sharpness, inputs.dtype)
        width = 1.0 - s
        ramp = ops.clip((inputs - 0.5 * s) / ops.maximum(width, 1e-12), 0.0, 1.0)
        step = ops.cast(inputs >= SPIKE_THRESHOLD, inputs.dtype)
        return ops.where(width > 0, ramp, step)

    def compute_output_shape(self, input_shape):
        """The input's shape (an activation).

        %(keras_input_shape_parameters)s

        Returns
        -------
        tuple
            ``input_shape`` itself.
        """
        return input_shape


@keras.saving.register_keras_serializable(package="stdplab")
@fill_doc
class PopulationDecode(keras.layers.Layer):
    """The output code's decoder: spikes of ``per_class`` neurons per class summed into class counts.

    Output neuron u belongs to class u // per_class. Not trained; the counts are the logits of the
    softmax cross-entropy loss.

    Parameters
    ----------
    n_classes : int
        Classes.
    per_class : int
        Output neurons per class.
    **kwargs
        Passed to ``keras.layers.Layer``.
    """

    def __init__(self, n_classes: int, per_class: int, **kwargs):
        super().__init__(**kwargs)
        self.n_classes = int(n_classes)
        self.per_class = int(per_class)

    def call(self, inputs):
        """Class counts: each class's output spikes summed.

        Parameters
        ----------
        inputs : tensor, shape (batch, n_classes x per_class)

        Returns
        -------
        tensor, shape (batch, n_classes)
        """
        return ops.sum(ops.reshape(inputs, (-1, self.n_classes, self.per_class)), axis=-1)

    def compute_output_shape(self, input_shape):
        """(batch, n_classes).

        %(keras_input_shape_parameters)s

        Returns
        -------
        tuple
            (batch, n_classes): the spikes of each class's population, summed.
        """
        return (input_shape[0], self.n_classes)

    def get_config(self):
        """What saving the model records, ``n_classes`` and ``per_class`` included.

        Returns
        -------
        dict
        """
        return {**super().get_config(), "n_classes": self.n_classes, "per_class": self.per_class}


def decode(class_counts) -> np.ndarray:
    """Predicted classes from class spike counts: the most spikes, ties to the lower class.

    Parameters
    ----------
    class_counts : array_like, shape (n, n_classes)

    Returns
    -------
    ndarray of int64, shape (n,)
    """
    return np.asarray(class_counts).argmax(axis=1).astype(np.int64)


def _compiled(model, learning_rate):
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model


def mlp(*, input_shape=(28, 28, 1), hidden=(800,), n_classes: int = 10, per_class: int = 10,
        learning_rate: float = 1e-3, seed: int = 0) -> keras.Model:
    """A sharpenable multilayer perceptron, compiled: Dense + ``BoundedReLU`` layers, then the output code.

    Parameters
    ----------
    input_shape : tuple, default (28, 28, 1)
        One binarised image (``binarise``).
    hidden : sequence of int, default (800,)
        Units of the hidden layers (784-800-10 by default, as benchmarks/conversion.py's MLP).
    n_classes : int, default 10
    per_class : int, default 10
        Output neurons per class (``PopulationDecode``).
    learning_rate : float or keras.optimizers.schedules.LearningRateSchedule, default 1e-3
        Adam's.
    seed : int, default 0
        Seeds the weight initialisation.

    Returns
    -------
    keras.Model
    """
    keras.utils.set_random_seed(seed)
    layers = [keras.Input(shape=tuple(input_shape)), keras.layers.Flatten()]
    for k, units in enumerate((*hidden, n_classes * per_class)):
        layers += [keras.layers.Dense(units, name=f"dense_{k + 1}"), BoundedReLU(name=f"brelu_{k + 1}")]
    model = keras.Sequential([*layers, PopulationDecode(n_classes, per_class, name="decode")], name="sharpened_mlp")
    return _compiled(model, learning_rate)


def cnn(*, input_shape=(28, 28, 1), filters=(16, 32), kernel_size: int = 5, dense=(256,), n_classes: int = 10,
        per_class: int = 10, learning_rate: float = 1e-3, seed: int = 0) -> keras.Model:
    """A sharpenable convolutional network, compiled: [conv + ``BoundedReLU`` + 2 x 2 max pool] per
    entry of ``filters``, then Dense + ``BoundedReLU`` layers and the output code.

    Parameters
    ----------
    input_shape : tuple, default (28, 28, 1)
        One binarised image.
    filters : sequence of int, default (16, 32)
        Channels of each convolution (valid, stride 1).
    kernel_size : int, default 5
    dense : sequence of int, default (256,)
        Hidden dense layers after the last pool.
    n_classes : int, default 10
    per_class : int, default 10
    learning_rate : float or keras.optimizers.schedules.LearningRateSchedule, default 1e-3
        Adam's.
    seed : int, default 0

    Returns
    -------
    keras.Model
    """
    keras.utils.set_random_seed(seed)
    layers = [keras.Input(shape=tuple(input_shape))]
    for k, channels in enumerate(filters):
        layers += [keras.layers.Conv2D(channels, kernel_size, name=f"conv_{k + 1}"), BoundedReLU(name=f"brelu_c{k + 1}"),
                   keras.layers.MaxPooling2D(2, name=f"pool_{k + 1}")]
    layers.append(keras.layers.Flatten())
    for k, units in enumerate((*dense, n_classes * per_class)):
        layers += [keras.layers.Dense(units, name=f"dense_{k + 1}"), BoundedReLU(name=f"brelu_{k + 1}")]
    model = keras.Sequential([*layers, PopulationDecode(n_classes, per_class, name="decode")], name="sharpened_cnn")
    return _compiled(model, learning_rate)


@fill_doc
def bounded_layers(model) -> list[BoundedReLU]:
    """The model's ``BoundedReLU`` layers, bottom first: the order they are sharpened in.

    %(sharpened_model_parameters)s

    Returns
    -------
    list of BoundedReLU
    """
    return [layer for layer in model.layers if isinstance(layer, BoundedReLU)]


@fill_doc
def sharpness(model) -> list[float]:
    """Each ``BoundedReLU`` layer's sharpness, bottom first (1: a step).

    %(sharpened_model_parameters)s

    Returns
    -------
    list of float
    """
    return [float(ops.convert_to_numpy(layer.sharpness)) for layer in bounded_layers(model)]


@fill_doc
def is_sharp(model) -> bool:
    """Whether every ``BoundedReLU`` of the model is a step.

    %(sharpened_model_parameters)s

    Returns
    -------
    bool
    """
    return all(s == 1.0 for s in sharpness(model))


@fill_doc
class Sharpener(keras.callbacks.Callback):
    """Whetstone's sharpening schedule as a Keras callback: layer by layer from the bottom.

    Once started, the sharpness of the lowest unsharpened layer rises by 1 / (``epochs_per_layer`` x
    batches per epoch) after every batch; when it reaches 1 the next layer starts. Training stops
    when every layer is a step.

    Parameters
    ----------
    start : "plateau" or int, default "plateau"
        "plateau": start after ``patience`` epochs in which ``monitor`` did not improve on its best
        by ``min_delta`` (or at the end of epoch ``latest_start``, whichever comes first); an int:
        start at the beginning of that epoch (0-based).
    epochs_per_layer : float, default 2
        Epochs over which one layer goes from a ramp to a step.
    monitor : str, default "loss"
        The logged quantity whose plateau starts sharpening ("val_loss" with validation data).
    patience : int, default 2
    min_delta : float, default 1e-3
    latest_start : int, default 20
        The epoch after which sharpening starts at the latest.

    Attributes
    ----------
    start_epoch_ : int or None
        The epoch sharpening started in.
    unsharpened_weights_ : list of ndarray or None
        The model's weights when sharpening started: the unsharpened network to compare with.
    done_epoch_ : int or None
        The epoch in which the last layer became a step.
    history_ : list of dict
        One entry per epoch: ``epoch``, the monitored value and every layer's sharpness at its end.
    """

    def __init__(self, *, start=PLATEAU, epochs_per_layer: float = 2.0, monitor: str = "loss", patience: int = 2,
                 min_delta: float = 1e-3, latest_start: int = 20):
        super().__init__()
        if start != PLATEAU and not (isinstance(start, (int, np.integer)) and start >= 0):
            raise ValueError(f"start must be {PLATEAU!r} or an epoch >= 0, got {start!r}")
        if epochs_per_layer <= 0:
            raise ValueError(f"epochs_per_layer must be > 0, got {epochs_per_layer}")
        self.start = start
        self.epochs_per_layer = float(epochs_per_layer)
        self.monitor = monitor
        self.patience = int(patience)
        self.min_delta = float(min_delta)
        self.latest_start = int(latest_start)

    def on_train_begin(self, logs=None):
        """Find the layers to sharpen and start from their present sharpness.

        Parameters
        ----------
        logs : dict, optional
            Keras's logs.
        """
        self._layers = bounded_layers(self.model)
        if not self._layers:
            raise ValueError("the model has no BoundedReLU layer to sharpen")
        self._offset = float(sum(sharpness(self.model)))  # in layers: 2.5 = two steps and half a ramp
        self._progress, self._batches = self._offset, 0  # batches counted, not summed: exactly 1 per layer
        self._best, self._wait, self._running = np.inf, 0, False
        self.start_epoch_ = self.done_epoch_ = self.unsharpened_weights_ = None
        self.history_ = []

    def on_epoch_begin(self, epoch, logs=None):
        """Start at a fixed epoch (``start=k``).

        %(keras_epoch_parameters)s
        """
        if not self._running and self.start != PLATEAU and epoch >= self.start:
            self._begin(epoch)

    def on_train_batch_end(self, batch, logs=None):
        """Sharpen a little after every batch; stop training once every layer is a step.

        Parameters
        ----------
        batch : int
            The batch's index in the epoch.
        logs : dict, optional
            Keras's logs.
        """
        if not self._running:
            return
        steps = self.params.get("steps") or 1
        self._batches += 1
        self._progress = min(self._offset + self._batches / (self.epochs_per_layer * steps), len(self._layers))
        if hasattr(self.model, "jax_state_sync"):  # JAX keeps the state apart from the variables during fit
            self.model.jax_state_sync()
        for k, layer in enumerate(self._layers):
            layer.sharpness.assign(float(np.clip(self._progress - k, 0.0, 1.0)))
        if self._progress >= len(self._layers):
            self._running = False
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        """Record the epoch; start after a plateau of the monitored loss (``start="plateau"``).

        %(keras_epoch_parameters)s
        """
        logs = logs or {}
        value = logs.get(self.monitor)
        self.history_.append({"epoch": epoch, self.monitor: None if value is None else float(value),
                              "sharpness": sharpness(self.model)})
        if self.done_epoch_ is None and self._progress >= len(self._layers):
            self.done_epoch_ = epoch
        if self._running or self.start_epoch_ is not None or self.start != PLATEAU:
            return
        if value is not None and value < self._best - self.min_delta:
            self._best, self._wait = float(value), 0
        else:
            self._wait += 1
        if self._wait >= self.patience or epoch + 1 >= self.latest_start:
            self._begin(epoch + 1)

    def _begin(self, epoch):
        self.start_epoch_ = int(epoch)
        self.unsharpened_weights_ = [np.array(w) for w in self.model.get_weights()]
        self._running = True


def activations(model, X, batch_size: int = 500) -> list[np.ndarray]:
    """What every spiking layer of a model emits for X: each ``BoundedReLU`` and each pooling layer.

    Parameters
    ----------
    model : keras.Model
        A model of ``mlp`` or ``cnn``.
    X : array_like
        Binarised images (``binarise``).
    batch_size : int, default 500

    Returns
    -------
    list of ndarray
        Per layer, bottom first, (n, units) flattened as ``threshold_network`` numbers the neurons
        (row-major height, width, channel).
    """
    spiking = [layer for layer in model.layers if isinstance(layer, (BoundedReLU, keras.layers.MaxPooling2D))]
    probe = keras.Model(model.inputs, [layer.output for layer in spiking])
    outputs = probe.predict(np.asarray(X, np.float32), batch_size=batch_size, verbose=0)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return [np.asarray(o).reshape(len(X), -1) for o in outputs]


def export(model) -> threshold_network.ThresholdNetwork:
    """A fully sharpened model as a network of threshold units (``threshold_network``).

    Each Dense or Conv2D layer with the step after it becomes a layer of threshold units with its
    weights expanded to synapses (a convolution's kernel shared by all its synapses); each max pool
    becomes a layer of OR units.

    Parameters
    ----------
    model : keras.Model
        Built by ``mlp`` or ``cnn`` and sharpened (``is_sharp``).

    Returns
    -------
    threshold_network.ThresholdNetwork

    Raises
    ------
    ValueError
        If the model is not fully sharpened, or holds a layer this cannot express.
    """
    if not is_sharp(model):
        raise ValueError(f"the model is not fully sharpened (sharpness {sharpness(model)}): only steps are spikes")
    shape = tuple(int(s) for s in model.inputs[0].shape[1:])
    layers, pending, decoder = [], None, None
    for layer in model.layers:
        if isinstance(layer, keras.layers.Flatten):
            shape = (int(np.prod(shape)),)
        elif isinstance(layer, keras.layers.Dense):
            kernel, bias = (np.asarray(w, np.float64) for w in layer.get_weights())
            pending = threshold_network.dense_layer(kernel=kernel, bias=bias, name=layer.name)
        elif isinstance(layer, keras.layers.Conv2D):
            if tuple(layer.strides) != (1, 1) or layer.padding != "valid" or tuple(layer.dilation_rate) != (1, 1):
                raise ValueError(f"{layer.name}: only valid convolutions of stride 1 are expanded")
            kernel, bias = (np.asarray(w, np.float64) for w in layer.get_weights())
            pending = threshold_network.conv_layer(kernel=kernel, bias=bias, input_shape=shape, name=layer.name)
        elif isinstance(layer, BoundedReLU):
            if pending is None:
                raise ValueError(f"{layer.name}: a step must follow a Dense or Conv2D layer")
            layers.append(pending)
            shape, pending = pending.shape, None
        elif isinstance(layer, keras.layers.MaxPooling2D):
            if tuple(layer.pool_size) != tuple(layer.strides) or layer.padding != "valid":
                raise ValueError(f"{layer.name}: only non-overlapping valid pooling is expanded")
            layers.append(threshold_network.or_pool_layer(input_shape=shape, pool=int(layer.pool_size[0]),
                                                          name=layer.name))
            shape = layers[-1].shape
        elif isinstance(layer, PopulationDecode):
            decoder = layer
        else:
            raise ValueError(f"{layer.name}: {type(layer).__name__} has no threshold-unit form here")
    if pending is not None or decoder is None:
        raise ValueError("the model must end with a step layer and a PopulationDecode")
    return threshold_network.ThresholdNetwork(
        input_shape=tuple(int(s) for s in model.inputs[0].shape[1:]), layers=layers,
        n_classes=decoder.n_classes, per_class=decoder.per_class)


__all__ = ["BoundedReLU", "PLATEAU", "PopulationDecode", "SPIKE_THRESHOLD", "Sharpener", "activations", "binarise",
           "bounded_layers", "cnn", "decode", "export", "is_sharp", "mlp", "sharpness"]
