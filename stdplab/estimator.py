"""``DiehlCook2015``: the network as a scikit-learn estimator.

``fit`` learns with STDP, without labels, then (given labels) fits the readout on the responses
to the labelled images with learning switched off: each neuron's class for the vote, and with
``readout="linear"`` a linear classifier on the counts. ``transform`` gives spike counts,
``predict`` the readout's classes. All simulation happens in the compiled standalone binary (``simulator.py``), up to
``chunk_size`` examples per run.
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
from numbers import Integral
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _num_samples, check_is_fitted, column_or_1d, validate_data

from . import pretrained, readout
from ._docstrings import fill_doc
from .encoding import check_pixel_range, poisson_rates
from .parameters import Parameters
from .progress import progress_bar
from .records import UnsupportedFormatError, format_version, json_value, save_npz
from .simulator import compiled_network

# Domains of the estimator's own settings; the network's are declared in Parameters.
SETTING_CONSTRAINTS = {
    "epochs": [Interval(Integral, 1, None, closed="left")],
    "readout": [StrOptions(set(readout.READOUTS))],
    "n_label_examples": [Interval(Integral, 1, None, closed="left"), None],
    "assignment_window": [Interval(Integral, 1, None, closed="left")],
    "snapshot_every": [Interval(Integral, 0, None, closed="left")],
    "chunk_size": [Interval(Integral, 1, None, closed="left")],
    # joblib's convention: None is 1, -1 every CPU, -2 all but one; 0 means nothing.
    "n_jobs": [Interval(Integral, None, -1, closed="right"), Interval(Integral, 1, None, closed="left"), None],
    "random_state": ["random_state"],
    "verbose": ["boolean"],
}
_STATE = ("weights_", "delays_", "theta_", "assignments_", "proportions_", "classes_")
# The model file's layout (``save``); version 0, before files carried one, has the layout of 1;
# 2 names the readout ``readout`` (1: ``voting``, "all" or "proportion") and holds the linear one;
# 3 may be compact (``save(compact=True)``): weights in ``weights_dtype``, the delays left out where
# ``random_state`` regenerates them bit for bit (``delays_sha256`` checks them), no per-example record.
MODEL_FORMAT = 3
# A compact file's weights: float32, the smallest type that keeps the 400-neuron network's full test
# accuracy to 0.1 point for every readout (float32: the same spike counts as float64 on all 10,000 test
# images; float16 moved the proportion vote by 0.12 point). benchmarks/ship.py measures it, and each
# shipped manifest records the measurement.
COMPACT_WEIGHTS = "float32"
_NO_LABELS = "this %(name)s has no labels assigned: call fit with labels, or assign_labels, first"
_NO_LINEAR = ("this %(name)s has no linear readout: it was labelled with another readout; call assign_labels"
              " (or fit) with readout='linear'")
# What the simulation counts for every example (training_stats_, Responses).
SPIKE_STATS = ("presentations", "input_spikes", "exc_spikes", "inh_spikes")


def upgrade_params(params: dict, version: int) -> dict:
    """Estimator keywords as a file of an older format recorded them, in today's names.

    Parameters
    ----------
    params : dict
        ``get_params()`` as written in the file.
    version : int
        The file's format version (``MODEL_FORMAT`` or the run files' formats, which changed with it).

    Returns
    -------
    dict
        The keywords ``DiehlCook2015`` takes now: before version 2 the readout was ``voting``
        ("all", today's "vote", or "proportion").

    Examples
    --------
    >>> upgrade_params({"n_neurons": 100, "voting": "all"}, 1)
    {'n_neurons': 100, 'readout': 'vote'}
    """
    if version >= 2 or "voting" not in params:
        return dict(params)
    params = dict(params)
    voting = params.pop("voting")
    params["readout"] = {"all": "vote"}.get(voting, voting)
    return params


@fill_doc
@dataclasses.dataclass
class Responses:  # numpydoc ignore=PR01
    """The network's responses to images with learning off.

    Attributes
    ----------
    %(example_counts)s
    """

    counts: np.ndarray
    presentations: np.ndarray
    input_spikes: np.ndarray
    exc_spikes: np.ndarray
    inh_spikes: np.ndarray


@fill_doc
class DiehlCook2015(ClassifierMixin, TransformerMixin, BaseEstimator):
    """Diehl & Cook (2015): unsupervised STDP learning of digits in a spiking network.

    ``fit`` learns with STDP, without labels, then (given labels) fits the readout on the labelled
    images: each neuron's class for the vote, or a linear classifier on the spike counts;
    ``transform`` gives spike counts, ``predict`` the readout's classes. The network's
    parameters, first below, are the fields of ``Parameters``; ``network_parameters`` shows
    every value used.

    Parameters
    ----------
    %(network_parameters)s
    epochs : int, default 1
        Passes over the training images in ``fit``.
    readout : {"vote", "proportion", "linear"}, default "vote"
        How spike counts become classes (``readout.READOUTS``). "vote": the paper's "all activity"
        vote of the assigned neurons; "proportion": every neuron votes in proportion to its share of
        responses to each class; "linear": multinomial logistic regression on the standardised
        counts (``readout.fit_linear``), fitted on the labelled images only. The two votes share one
        fitted state, so ``set_params`` switches between them at once; the linear readout is fitted
        by ``fit`` or ``assign_labels`` with ``readout="linear"``. While learning, the running
        accuracy uses the vote ("proportion" with "proportion").
    n_label_examples : int, optional
        Training images ``fit`` assigns labels on, and fits the readout on (default: all): the first
        ``n_label_examples``. Learning itself never reads a label; the running accuracy during
        learning reads every label ``fit`` is given.
    assignment_window : int, default 10000
        Recent training examples the running accuracy assigns labels from.
    snapshot_every : int, default 0
        Keep the weights and θ every that many examples in ``history_`` (0: never).
    chunk_size : int, default 500
        Examples per run of the compiled binary (a new build per value).
    n_jobs : int, optional
        Runs of the binary at once with learning off (labels, ``transform``, ``predict``), in
        joblib's convention (None: one, unless a joblib ``parallel_config`` says otherwise; -1: every
        CPU); the counts are the same whatever it is. Learning runs one at a time.
    random_state : int, numpy.random.Generator or None
        Seeds the initial weights and delays and every run's Poisson input.
    verbose : bool, default True
        Progress bars.

    Attributes
    ----------
    weights_ : numpy.ndarray
        (n_input, n_neurons) input weights.
    delays_ : numpy.ndarray
        (n_input * n_neurons,) input delays in seconds.
    theta_ : numpy.ndarray
        (n_neurons,) adaptive thresholds in mV.
    assignments_ : numpy.ndarray
        Class index per neuron, -1 if it never fired.
    proportions_ : numpy.ndarray
        Each neuron's response per class (``readout.assign_labels``).
    linear_readout_ : sklearn.pipeline.Pipeline
        With ``readout="linear"``: ``StandardScaler`` and ``LogisticRegression`` fitted on the counts
        of the labelled images, predicting class indices into ``classes_``.
    classes_ : numpy.ndarray
        The labels.
    n_examples_seen_ : int
        Training examples learned from.
    history_ : dict
        Per run of the binary: examples seen, spikes per example, running accuracy, silent
        fraction, mean θ, wall time, the binary's CPU time (None in files from before it was kept);
        with ``snapshot_every`` also (examples seen, weights, θ) snapshots.
    training_stats_ : dict
        Per training example: presentations and input, excitatory and inhibitory spikes, as
        counted by the simulation.

    Examples
    --------
    >>> from stdplab import DiehlCook2015, datasets
    >>> x_train, y_train, x_test, y_test = datasets.load("mnist")  # doctest: +SKIP
    >>> model = DiehlCook2015(n_neurons=100, random_state=0).fit(x_train[:1000], y_train[:1000])  # doctest: +SKIP
    >>> model.score(x_test[:1000], y_test[:1000])  # doctest: +SKIP
    >>> model.save("model.npz")  # doctest: +SKIP
    >>> DiehlCook2015.load("model.npz").predict(x_test[:5])  # doctest: +SKIP
    """

    # The network's keywords are Parameters' fields, in its order and with its defaults (a test
    # keeps them in step), then the estimator's settings.
    def __init__(self, n_neurons=100, *,
                 learning_rule="triplet", dt=0.5, present_time=350.0, rest_time=150.0, input_rate_scale=0.125,
                 start_intensity=2.0, intensity_step=1.0, min_spikes=5, max_intensity=32.0, v_rest_e=-65.0,
                 v_reset_e=-65.0, v_thresh_e=-52.0, tau_e=100.0, e_exc=0.0, e_inh_e=-100.0, tau_ge=1.0,
                 tau_gi=2.0, refractory_e=5.0, spike_block=50.0, theta_init=20.0, theta_plus=None,
                 tau_theta=1e7, theta_offset=20.0, v_rest_i=-60.0, v_reset_i=-45.0, v_thresh_i=-40.0,
                 tau_i=10.0, e_inh_i=-85.0, refractory_i=2.0, w_init_scale=0.3, w_init_offset=0.01,
                 max_delay=10.0, w_exc_inh=10.4, w_inh_exc=17.0, weight_total=78.0, w_max=1.0, tau_pre=20.0,
                 tau_post1=20.0, tau_post2=40.0, nu_pre=1e-4, nu_post=None, x_tar=0.4, mu=0.2, beta=3.0,
                 epochs=1, readout="vote", n_label_examples=None, assignment_window=10000, snapshot_every=0,
                 chunk_size=500, n_jobs=None, random_state=None, verbose=True):
        # scikit-learn's convention: keep every argument as given; fit validates them.
        self.n_neurons = n_neurons
        self.learning_rule = learning_rule
        self.dt = dt
        self.present_time = present_time
        self.rest_time = rest_time
        self.input_rate_scale = input_rate_scale
        self.start_intensity = start_intensity
        self.intensity_step = intensity_step
        self.min_spikes = min_spikes
        self.max_intensity = max_intensity
        self.v_rest_e = v_rest_e
        self.v_reset_e = v_reset_e
        self.v_thresh_e = v_thresh_e
        self.tau_e = tau_e
        self.e_exc = e_exc
        self.e_inh_e = e_inh_e
        self.tau_ge = tau_ge
        self.tau_gi = tau_gi
        self.refractory_e = refractory_e
        self.spike_block = spike_block
        self.theta_init = theta_init
        self.theta_plus = theta_plus
        self.tau_theta = tau_theta
        self.theta_offset = theta_offset
        self.v_rest_i = v_rest_i
        self.v_reset_i = v_reset_i
        self.v_thresh_i = v_thresh_i
        self.tau_i = tau_i
        self.e_inh_i = e_inh_i
        self.refractory_i = refractory_i
        self.w_init_scale = w_init_scale
        self.w_init_offset = w_init_offset
        self.max_delay = max_delay
        self.w_exc_inh = w_exc_inh
        self.w_inh_exc = w_inh_exc
        self.weight_total = weight_total
        self.w_max = w_max
        self.tau_pre = tau_pre
        self.tau_post1 = tau_post1
        self.tau_post2 = tau_post2
        self.nu_pre = nu_pre
        self.nu_post = nu_post
        self.x_tar = x_tar
        self.mu = mu
        self.beta = beta
        self.epochs = epochs
        self.readout = readout
        self.n_label_examples = n_label_examples
        self.assignment_window = assignment_window
        self.snapshot_every = snapshot_every
        self.chunk_size = chunk_size
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    _parameter_constraints = {**Parameters.constraints(), **SETTING_CONSTRAINTS}

    # --- parameters -------------------------------------------------------------------------
    @property
    def network_parameters(self) -> Parameters:
        """The network parameters as one validated record, every default resolved."""
        return Parameters(**{name: getattr(self, name) for name in Parameters.names()})

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True  # pixel intensities, in [0, 255]
        # The Poisson input draws from one generator per run of the binary: an image's response
        # depends on the images presented before it in the same call.
        tags.non_deterministic = True
        tags.classifier_tags.poor_score = True  # it learns images, not arbitrary features
        tags.transformer_tags.preserves_dtype = []  # spike counts, whatever the input dtype
        return tags

    # --- learning ---------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, *, callback=None):
        """Learn with STDP for ``epochs`` passes over X (labels unused), then assign labels from y.

        A fresh start: whatever an earlier fit learned is forgotten.

        %(images_parameters)s
        y : array-like of shape (n,), optional
            Labels: the running accuracy is tracked and neurons are assigned classes at the end.
        callback : callable, optional
            ``callback(model)`` after every run of the binary (every ``chunk_size`` examples), e.g.
            ``live.LiveView()``.

        %(estimator_self_returns)s
        """
        for attr in [name for name in vars(self) if name.endswith("_") and not name.startswith("_")]:
            delattr(self, attr)
        pixels, image_shape = self._validate_images(X, reset=True)
        y = None if y is None else self._check_targets(y, len(pixels))
        classes = None if y is None else np.unique(y)
        for epoch in range(int(self.epochs)):
            self._learn(pixels, image_shape, y, classes, None, f"epoch {epoch + 1}/{self.epochs}", callback)
        if y is not None:
            n_label = self.n_label_examples or len(pixels)
            self.assign_labels(pixels[:n_label], y[:n_label])
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, classes=None, *, progress=None, reassign=True, callback=None):
        """One more pass of STDP learning over X.

        %(images_parameters)s
        y : array-like of shape (n,), optional
            Labels: the running accuracy is tracked and (if ``reassign``) labels are then
            reassigned on X with learning off.
        classes : array-like, optional
            Every label y will ever hold, required on the first call with labels if later calls may
            bring new ones (as in scikit-learn's other ``partial_fit``).
        progress : tqdm.tqdm, optional
            A bar to advance instead of a new one.
        reassign : bool, default True
            Reassign labels on X afterwards (with y).
        callback : callable, optional
            As in ``fit``.

        %(estimator_self_returns)s
        """
        pixels, image_shape = self._validate_images(X, reset=not hasattr(self, "weights_"))
        self._learn(pixels, image_shape, y, classes, progress, "learning", callback)
        if y is not None and reassign:
            self.assign_labels(pixels, y)
        return self

    def _learn(self, pixels, image_shape, y, classes, progress, desc, callback=None):
        labels = self._encode_labels(y, len(pixels), classes) if y is not None else None
        if not hasattr(self, "weights_"):
            self._initialise(pixels.shape[1], image_shape)
        params = self.network_parameters
        rates = poisson_rates(pixels, params.input_rate_scale)
        net = compiled_network(params, self.n_features_in_, int(self.chunk_size), learning=True)
        # A bar given by the caller stays open for the caller's next call.
        with contextlib.nullcontext(progress) if progress is not None else self._bar(len(rates), desc) as bar:
            for start in range(0, len(rates), net.chunk_size):
                stop = min(start + net.chunk_size, len(rates))
                result = net.run(rates[start:stop], self.weights_, self.delays_, self.theta_, params,
                                 seed=self._next_seed())
                self.weights_, self.theta_ = result.weights, result.theta
                self.n_examples_seen_ += stop - start
                self._record(result, labels[start:stop] if labels is not None else None)
                bar.update(stop - start)
                bar.set_postfix(self._postfix(), refresh=False)
                if callback is not None:
                    callback(self)

    def assign_labels(self, X, y):
        """Fit the readout on labelled images, with learning switched off.

        The images' spike counts (``transform``) go to ``fit_readout``.

        %(images_parameters)s
        y : array-like of shape (n,)
            Their labels.

        %(estimator_self_returns)s

        Raises
        ------
        ValueError
            If y does not hold one label per image (checked before the images are simulated); with
            ``readout="linear"``, if y holds fewer than two classes.
        """
        check_is_fitted(self, "weights_")
        self._check_targets(y, _num_samples(X))
        return self.fit_readout(self.transform(X), y)

    def fit_readout(self, counts, y):
        """Fit the readout on spike counts already computed by ``transform``.

        Each neuron is assigned the class it responds to most (``assignments_``, ``proportions_``);
        with ``readout="linear"`` the linear readout is fitted on the same counts
        (``linear_readout_``), and otherwise any earlier one is dropped.

        Parameters
        ----------
        counts : array-like of shape (n, n_neurons)
            Spike counts of labelled images.
        y : array-like of shape (n,)
            Their labels.

        %(estimator_self_returns)s

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the model has not learned yet.
        ValueError
            If the counts are not one row per label and one column per neuron; with
            ``readout="linear"``, if y holds fewer than two classes.
        """
        check_is_fitted(self, "weights_")
        self._validate_params()  # a readout set with set_params since fit
        counts = np.asarray(counts, dtype=float)
        n_neurons = self.network_parameters.n_neurons
        if counts.ndim != 2 or counts.shape[1] != n_neurons:
            raise ValueError(f"counts must be (n, {n_neurons}) spike counts, got shape {counts.shape}")
        labels = self._encode_labels(y, len(counts), getattr(self, "classes_", None))
        self.assignments_, self.proportions_ = readout.assign_labels(counts, labels, len(self.classes_))
        if self.readout == "linear":
            self.linear_readout_ = readout.fit_linear(counts, labels)
        elif hasattr(self, "linear_readout_"):
            del self.linear_readout_  # fitted on other labels: never to be used with these assignments
        return self

    # --- inference --------------------------------------------------------------------------
    def transform(self, X):
        """Excitatory spike counts during each example's accepted presentation, with learning off.

        %(images_parameters)s

        Returns
        -------
        numpy.ndarray
            (n, n_neurons) spike counts.

        %(not_fitted_raises)s
        """
        return self.responses(X).counts

    def responses(self, X) -> Responses:
        """Spike counts and per-image spike totals, with learning off; the model is unchanged.

        %(images_parameters)s

        Returns
        -------
        Responses

        %(not_fitted_raises)s
        """
        check_is_fitted(self, "weights_")
        self._validate_params()  # settings changed with set_params since fit: before compiling or simulating
        pixels, _ = self._validate_images(X, reset=False)
        params = self.network_parameters
        net = compiled_network(params, self.n_features_in_, int(self.chunk_size), learning=False)
        rates = poisson_rates(pixels, params.input_rate_scale)
        counts = np.zeros((len(rates), params.n_neurons))
        stats = {key: [] for key in SPIKE_STATS}
        chunks = [(start, min(start + net.chunk_size, len(rates))) for start in range(0, len(rates), net.chunk_size)]

        def run_chunk(index):
            # A fixed seed per chunk: the same model and images give the same counts, in any order.
            seed = int(np.random.SeedSequence([self.seed_, 1, index]).generate_state(1)[0])
            start, stop = chunks[index]
            return net.run(rates[start:stop], self.weights_, self.delays_, self.theta_, params, seed=seed)

        # Threads suffice: each one waits on its own process running the binary.
        results = Parallel(n_jobs=self.n_jobs, backend="threading", return_as="generator")(
            delayed(run_chunk)(index) for index in range(len(chunks)))
        with self._bar(len(rates), "responses (learning off)") as bar:
            for (start, stop), result in zip(chunks, results):
                counts[start:stop] = result.counts
                for key, values in stats.items():
                    values.extend(getattr(result, key).tolist())
                bar.update(stop - start)
        return Responses(counts, **{key: np.asarray(values) for key, values in stats.items()})

    def simulate(self, X, learn=False, record_spikes=True):
        """Present up to ``chunk_size`` images once and return all the simulation recorded.

        The model itself is left unchanged.

        %(images_parameters)s
        learn : bool, default False
            Run the learning binary (its result holds the weights and θ it learned).
        record_spikes : bool, default True
            Record every spike of every population (``spike_trains``).

        Returns
        -------
        simulator.ChunkResult

        %(not_fitted_raises)s
        """
        check_is_fitted(self, "weights_")
        pixels, _ = self._validate_images(X, reset=False)
        params = self.network_parameters
        net = compiled_network(params, self.n_features_in_, int(self.chunk_size), learning=learn,
                               record_all_spikes=record_spikes)
        seed = int(np.random.SeedSequence([self.seed_, 2]).generate_state(1)[0])
        return net.run(poisson_rates(pixels, params.input_rate_scale), self.weights_, self.delays_, self.theta_,
                       params, seed=seed)

    def decision_function(self, X):
        """Class scores from the readout: the vote's, or the linear readout's logits.

        %(images_parameters)s

        Returns
        -------
        numpy.ndarray
            (n, n_classes); with two classes, as scikit-learn expects, one score per image (n,),
            positive for ``classes_[1]``. With the linear readout, a class no labelled image had
            scores -inf.

        %(no_labels_raises)s
        """
        scores = self._scores(X)
        return scores[:, 1] - scores[:, 0] if scores.shape[1] == 2 else scores

    def _has_probabilities(self):
        return self.readout == "linear"

    @available_if(_has_probabilities)
    def predict_proba(self, X):
        """Class probabilities from the linear readout (with ``readout="linear"`` only).

        Parameters
        ----------
        X : array-like of shape (n, n_pixels) or (n, height, width)
            Images, pixels in [0, 255].

        Returns
        -------
        numpy.ndarray
            (n, n_classes), columns in the order of ``classes_``; rows sum to 1.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the linear readout was not fitted.
        """
        return readout.probabilities(self._scores(X))

    def predict(self, X):
        """The class of each image, by the readout.

        %(images_parameters)s

        %(labels_predicted_returns)s

        %(no_labels_raises)s
        """
        scores = self._scores(X)
        return self.classes_[scores.argmax(axis=1)]

    def _scores(self, X):
        self._check_readout()  # before the simulation, which an unfitted readout would waste
        return self._scores_from_counts(self.transform(X))

    def _check_readout(self):
        self._validate_params()  # a readout set with set_params since fit
        check_is_fitted(self, "assignments_", msg=_NO_LABELS)
        if self.readout == "linear":
            check_is_fitted(self, "linear_readout_", msg=_NO_LINEAR)

    def _scores_from_counts(self, counts):
        if self.readout == "linear":
            return readout.linear_scores(self.linear_readout_, counts, len(self.classes_))
        return readout.vote(counts, self.assignments_, self.proportions_, readout.VOTING_OF[self.readout])

    def predict_from_counts(self, counts):
        """Predictions from spike counts already computed by ``transform``.

        Parameters
        ----------
        counts : numpy.ndarray
            (n, n_neurons) spike counts.

        %(labels_predicted_returns)s

        %(no_labels_raises)s
        """
        self._check_readout()
        return self.classes_[self._scores_from_counts(counts).argmax(axis=1)]

    # --- persistence ------------------------------------------------------------------------
    def save(self, path, *, compact=False, weights_dtype=COMPACT_WEIGHTS):
        """Write parameters and learned state to one .npz file (atomically).

        The file carries ``MODEL_FORMAT`` as its ``format_version``. A full file (the default) keeps
        everything: reloaded, the model predicts and goes on learning exactly as this one would. A
        compact file keeps what predicting and further learning need, for a network to hand on
        (the shipped networks, ``pretrained``): the weights in ``weights_dtype``; the delays left out
        where ``random_state`` (an int) regenerates them bit for bit, which ``load`` checks against
        their SHA-256; θ, the readouts, the parameters and the training history in full; not the
        per-example spike record (``training_stats_``), the running accuracy's recent counts or the
        weight snapshots. A full file keeps its float64 weights and delays uncompressed (they
        compress by about 5 %, in about 30 times the time of writing them). A ``random_state`` that
        is a generator object is written as None: the state learning goes on from is kept apart.

        Parameters
        ----------
        path : str or os.PathLike
            The file.
        compact : bool, default False
            Write the compact file.
        weights_dtype : {"float16", "float32", "float64"}, default ``COMPACT_WEIGHTS``
            The compact file's weights (ignored for a full file, whose weights are float64). The
            reloaded model predicts with the weights rounded to it: float32 gave the 400-neuron
            network the same spike counts as float64 on the whole test set, float16 moved its
            accuracy by up to 0.12 point (its manifest).

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the model has not learned yet.
        ValueError
            If ``weights_dtype`` is not one of the three.
        """
        check_is_fitted(self, "weights_")
        if weights_dtype not in ("float16", "float32", "float64"):
            raise ValueError(f"weights_dtype must be 'float16', 'float32' or 'float64', got {weights_dtype!r}")
        arrays = {name: getattr(self, name) for name in _STATE if hasattr(self, name)}
        params = self.get_params()
        if not (params["random_state"] is None or isinstance(params["random_state"], Integral)):
            params["random_state"] = None  # a generator object: its state goes on in seed_ and rng
        meta = {"format_version": MODEL_FORMAT, "params": params, "n_features_in_": self.n_features_in_,
                "image_shape_": list(self.image_shape_), "n_examples_seen_": self.n_examples_seen_,
                "seed_": self.seed_, "rng": self._rng.bit_generator.state,
                "history": {k: v for k, v in self.history_.items() if k != "snapshots"}}
        arrays["ever_fired"] = self._ever_fired
        if hasattr(self, "linear_readout_"):
            arrays.update({f"linear_{key}": value for key, value in readout.linear_state(self.linear_readout_).items()})
        if compact:
            meta["compact"] = {"weights_dtype": weights_dtype, "delays_sha256": _digest(self.delays_),
                               "delays": "stored"}
            arrays["weights_"] = self.weights_.astype(weights_dtype)
            regenerated = regenerated_delays(self.random_state, self.n_features_in_, self.network_parameters)
            if regenerated is not None and _digest(regenerated) == meta["compact"]["delays_sha256"]:
                meta["compact"]["delays"] = "regenerated"
                del arrays["delays_"]
        else:
            arrays["recent_counts"] = self._recent_counts
            arrays["recent_labels"] = self._recent_labels
            arrays.update({f"training_{key}": values for key, values in getattr(self, "training_stats_", {}).items()})
            if self.history_["snapshots"]:
                examples, weights, theta = zip(*self.history_["snapshots"])
                arrays.update(snapshot_examples=np.array(examples), snapshots=np.stack(weights),
                              snapshot_theta=np.stack(theta))
        arrays["meta"] = np.array(json.dumps(meta, default=json_value))
        # Float64 weights and delays barely compress: at 6,400 neurons 4 s of each checkpoint (every
        # 1,000 examples) for 5 % of its size. The compact file's weights are compressed.
        save_npz(path, stored=() if compact else ("weights_", "delays_", "snapshots"), **arrays)

    @classmethod
    def load(cls, path):
        """A model written by ``save``, full or compact.

        Parameters
        ----------
        path : str or os.PathLike
            The file.

        Returns
        -------
        DiehlCook2015
            The model, ready to go on learning or to predict.

        Raises
        ------
        FileNotFoundError
            If there is no such file.
        records.UnsupportedFormatError
            If its format is unknown or newer than this stdplab reads.
        ValueError
            If it is damaged or not a stdplab model file.
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no model file at {path}")
        try:
            with np.load(path, allow_pickle=False) as data:
                model = cls._from_arrays({name: data[name] for name in data.files})
        except UnsupportedFormatError as exc:
            raise UnsupportedFormatError(f"{path}: {exc}") from None
        except Exception as exc:  # zip, npz, JSON, missing keys, bad shapes: all say the same thing
            raise ValueError(f"{path} is not a stdplab model file, or it is damaged"
                             f" ({type(exc).__name__}: {exc})") from exc
        return model

    @classmethod
    def pretrained(cls, n_neurons=400, *, directory=None):
        """A trained network that ships with stdplab (``stdplab/models/``).

        Each was trained with the paper's protocol and labelled on the 60,000 MNIST training images;
        its manifest (``pretrained.manifest``) holds the command, commit, protocol and accuracy. The
        file is checked against the SHA-256 in the manifest before it is read.

        Parameters
        ----------
        n_neurons : int, default 400
            Its size: one of ``stdplab.pretrained.available()``.
        directory : str or os.PathLike, optional
            Another folder of networks and manifests (default: the package's).

        Returns
        -------
        DiehlCook2015
            The network, ready to predict with its vote (the default readout), or with
            ``set_params(readout="proportion")`` or ``"linear"``; it can go on learning.

        Raises
        ------
        ValueError
            If no network of that size ships (the message lists the sizes that do), or its file
            does not match its manifest's SHA-256 (damaged or changed).
        FileNotFoundError
            If ``directory`` is not a folder, or the network's file is missing.

        Examples
        --------
        >>> from stdplab import DiehlCook2015, datasets
        >>> model = DiehlCook2015.pretrained(400)  # doctest: +SKIP
        >>> model.score(datasets.load_mnist()[2][:500], datasets.load_mnist()[3][:500])  # doctest: +SKIP
        """
        return cls.load(pretrained.model_path(n_neurons, directory))

    @classmethod
    def _from_arrays(cls, data):
        meta = json.loads(str(data["meta"]))
        version = format_version(meta, MODEL_FORMAT, "the model file")
        model = cls(**upgrade_params(meta["params"], version))
        for name in _STATE:
            if name in data:
                setattr(model, name, data[name])
        compact = meta.get("compact")
        if compact is not None:
            model._from_compact(compact, meta["n_features_in_"])
            data = {**data, **model._empty_record()}
        linear = {name[len("linear_"):]: data[name] for name in data if name.startswith("linear_")}
        if linear:
            model.linear_readout_ = readout.linear_from_state(linear)
        model.n_features_in_ = meta["n_features_in_"]
        model.image_shape_ = tuple(meta["image_shape_"])
        model.n_examples_seen_ = meta["n_examples_seen_"]
        model.seed_ = meta["seed_"]
        model._rng = np.random.default_rng()
        model._rng.bit_generator.state = meta["rng"]
        model.history_ = {**meta["history"], "snapshots": []}
        # None for the runs of files from before CPU times were kept (or trained on by such a stdplab)
        cpu_time = model.history_.get("cpu_time", [])[:len(model.history_["examples"])]
        model.history_["cpu_time"] = cpu_time + [None] * (len(model.history_["examples"]) - len(cpu_time))
        if "snapshots" in data:
            model.history_["snapshots"] = list(zip(data["snapshot_examples"].tolist(), data["snapshots"],
                                                   data["snapshot_theta"]))
        model._recent_counts = data["recent_counts"]
        model._recent_labels = data["recent_labels"]
        model._ever_fired = data["ever_fired"]
        model.training_stats_ = {key: data[f"training_{key}"] for key in SPIKE_STATS}
        n = model.network_parameters.n_neurons
        expected = {"weights_": (model.n_features_in_, n), "theta_": (n,), "delays_": (model.n_features_in_ * n,)}
        for name, shape in expected.items():
            if getattr(model, name).shape != shape:
                raise ValueError(f"{name} has shape {getattr(model, name).shape}, expected {shape}")
        return model

    # --- internals --------------------------------------------------------------------------
    def _initialise(self, n_input, image_shape):
        p = self.network_parameters
        self._rng, self.seed_, self.weights_, self.delays_ = initial_state(self.random_state, n_input, p)
        self.image_shape_ = tuple(image_shape)
        self.theta_ = np.full(p.n_neurons, p.theta_init)
        self.n_examples_seen_ = 0
        self.history_ = {key: [] for key in ("examples", "spikes_per_example", "presentations_per_example",
                                             "running_accuracy", "silent_fraction", "theta_mean",
                                             "wall_time", "cpu_time", "snapshots")}
        empty = self._empty_record()
        self.training_stats_ = {key: empty[f"training_{key}"] for key in SPIKE_STATS}
        self._ever_fired = np.zeros(p.n_neurons, bool)
        self._recent_counts, self._recent_labels = empty["recent_counts"], empty["recent_labels"]

    def _empty_record(self) -> dict:
        """What a compact file leaves out, as ``_from_arrays`` reads it: no per-example spike
        record and no recent counts (the running accuracy starts afresh if learning goes on)."""
        n = self.network_parameters.n_neurons
        return {"recent_counts": np.zeros((0, n), np.int32), "recent_labels": np.zeros(0, np.int64),
                **{f"training_{key}": np.zeros(0, np.int64) for key in SPIKE_STATS}}

    def _from_compact(self, compact: dict, n_input: int) -> None:
        """A compact file's weights as float64, and its delays regenerated and checked."""
        self.weights_ = np.asarray(self.weights_, dtype=np.float64)
        if compact["delays"] == "regenerated":
            self.delays_ = regenerated_delays(self.random_state, n_input, self.network_parameters)
            if self.delays_ is None:
                raise ValueError("its delays are to be regenerated, but its random_state is not an int")
        if _digest(self.delays_) != compact["delays_sha256"]:
            raise ValueError("its delays do not match their SHA-256: regenerated from random_state"
                             f" {self.random_state!r} by this NumPy ({np.__version__}), they differ from the"
                             " ones the network learned with")

    def _next_seed(self) -> int:
        return int(self._rng.integers(2**31))

    def _record(self, result, labels):
        h = self.history_
        accuracy = None
        if labels is not None:
            if len(self._recent_labels):
                # The original's performance during training: labels assigned from the previous
                # examples' responses, tested on the next ones before they are learned from.
                assignments, proportions = readout.assign_labels(self._recent_counts, self._recent_labels,
                                                                 len(self.classes_))
                predicted = readout.predict(result.counts, assignments, proportions,
                                            readout.VOTING_OF[self.readout])
                accuracy = float(np.mean(predicted == labels))
            window = int(self.assignment_window)
            self._recent_counts = np.concatenate([self._recent_counts, result.counts])[-window:]
            self._recent_labels = np.concatenate([self._recent_labels, labels])[-window:]
        fired = np.zeros(self.network_parameters.n_neurons, bool)
        fired[np.flatnonzero(result.counts.sum(axis=0))] = True
        h["examples"].append(self.n_examples_seen_)
        h["spikes_per_example"].append(float(result.exc_spikes.mean()))
        h["presentations_per_example"].append(float(result.presentations.mean()))
        h["running_accuracy"].append(accuracy)
        for key in SPIKE_STATS:
            self.training_stats_[key] = np.concatenate([self.training_stats_[key], getattr(result, key)])
        self._ever_fired |= fired
        h["silent_fraction"].append(float(1 - np.mean(self._ever_fired)))
        h["theta_mean"].append(float(self.theta_.mean()))
        h["wall_time"].append(result.wall_time)
        h["cpu_time"].append(result.cpu_time)
        every = int(self.snapshot_every)
        if every and (self.n_examples_seen_ // every) > ((self.n_examples_seen_ - len(result.counts)) // every):
            h["snapshots"].append((self.n_examples_seen_, self.weights_.astype(np.float32), self.theta_.copy()))

    def _postfix(self):
        h = self.history_
        postfix = {"spikes/ex": f"{h['spikes_per_example'][-1]:.1f}"}
        accuracy = next((a for a in reversed(h["running_accuracy"]) if a is not None), None)
        if accuracy is not None:
            postfix["acc"] = f"{accuracy:.3f}"
        return postfix

    def _validate_images(self, X, *, reset):
        """Images as float64 (n, pixels) and their shape: scikit-learn's checks (array, dtype,
        sparse, finite, at least one image, ``n_features_in_``), then the lab's (pixels in [0, 255]).
        Images may come as (n, height, width): their shape is kept for the plots."""
        if isinstance(X, (list, tuple)):
            X = np.asarray(X)
        image_shape = None
        if not sp.issparse(X) and getattr(X, "ndim", None) == 3:
            image_shape, X = X.shape[1:], X.reshape(len(X), -1)
        X = validate_data(self, X, reset=reset, dtype=np.float64)
        check_pixel_range(X)
        return X, image_shape or _square(X.shape[1])

    def _check_targets(self, y, n):
        y = column_or_1d(y, warn=True)  # a column vector is raveled, with a warning
        check_classification_targets(y)  # class labels, not continuous values
        if len(y) != n:
            raise ValueError(f"y must hold one label per image: {n} images, {len(y)} labels")
        return y

    def _encode_labels(self, y, n, classes=None):
        """Class indices of y in ``classes_``, which is set once (from ``classes``, else from the first
        labels seen) so that the indices stored for the running accuracy never shift."""
        y = self._check_targets(y, n)
        if not hasattr(self, "classes_"):
            self.classes_ = np.unique(y if classes is None else classes)
        unknown = np.setdiff1d(y, self.classes_)
        if len(unknown):
            raise ValueError(f"y holds labels {unknown.tolist()} not among classes_ {self.classes_.tolist()};"
                             " pass every class as classes= to the first partial_fit")
        return np.searchsorted(self.classes_, y)

    def _bar(self, total, desc):
        return progress_bar(total, desc, "ex", leave=False, enabled=self.verbose)


def check_parameters(**params) -> None:
    """Refuse ``DiehlCook2015`` keywords out of their range, or breaking a rule between parameters
    (a time that is not a multiple of ``dt``, ...), before any work is done with them.

    Parameters
    ----------
    **params
        ``DiehlCook2015`` keywords.

    Raises
    ------
    ValueError
        For a value out of its declared range or a rule between parameters broken; the message says
        which.
    """
    model = DiehlCook2015(**params)
    model._validate_params()
    model.network_parameters  # builds the Parameters record, which checks the rules between them


def initial_state(random_state, n_input: int, params: Parameters):
    """The generator, run seed, weights and delays a network starts from (``fit``'s first draws).

    Parameters
    ----------
    random_state : int, numpy.random.Generator or None
        The estimator's ``random_state``; a generator is drawn from (and advanced).
    n_input : int
        Input neurons (pixels).
    params : Parameters
        The network's parameters (``n_neurons``, ``w_init_offset``, ``w_init_scale``, ``max_delay``).

    Returns
    -------
    rng : numpy.random.Generator
        The generator, after the draws below; it seeds every later run of the binary.
    seed : int
        The seed of the runs with learning off (``seed_``).
    weights : numpy.ndarray
        (n_input, n_neurons) initial weights, uniform in ``[w_init_offset, 1 + w_init_offset) * w_init_scale``.
    delays : numpy.ndarray
        (n_input * n_neurons,) input delays in seconds, uniform in ``[0, max_delay)``; learning never
        changes them.
    """
    rng = np.random.default_rng(random_state)
    seed = int(rng.integers(2**31))
    weights = (rng.random((n_input, params.n_neurons)) + params.w_init_offset) * params.w_init_scale
    delays = rng.random(n_input * params.n_neurons) * params.si("max_delay")
    return rng, seed, weights, delays


def regenerated_delays(random_state, n_input: int, params: Parameters):
    """A network's delays drawn again from its ``random_state``, as ``fit`` drew them.

    Parameters
    ----------
    random_state : object
        The estimator's ``random_state``: only an int draws the same delays again.
    n_input : int
        Input neurons (pixels).
    params : Parameters
        The network's parameters.

    Returns
    -------
    numpy.ndarray or None
        (n_input * n_neurons,) delays in seconds, bit for bit those of a network fitted with this
        ``random_state`` by the same NumPy; None if ``random_state`` is not an int (None or a
        generator draws other ones each time).
    """
    if not isinstance(random_state, Integral) or isinstance(random_state, bool):
        return None
    return initial_state(int(random_state), n_input, params)[3]


def _digest(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array, dtype=np.float64).tobytes()).hexdigest()


def _square(n):
    side = int(round(np.sqrt(n)))
    return (side, side) if side * side == n else (1, n)
