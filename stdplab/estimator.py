"""``DiehlCook2015``: the network as a scikit-learn estimator.

``fit`` learns with STDP, without labels, then (given labels) assigns each neuron a class from its
responses with learning switched off; ``transform`` gives spike counts, ``predict`` the vote.
All simulation happens in the compiled standalone binary (``simulator.py``), up to
``chunk_size`` examples per run.
"""
from __future__ import annotations

import dataclasses
import inspect
import json
import os
import tempfile
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.exceptions import NotFittedError

from . import readout
from .encoding import check_images, poisson_rates
from .parameters import Parameters
from .simulator import compiled_network

# Settings of the estimator itself (not of the network), with their defaults.
ESTIMATOR_SETTINGS = {
    "epochs": 1,              # passes over the training set in fit
    "voting": "all",          # "all" (the paper's) or "proportion"
    "n_label_examples": None,  # training examples used to assign labels (None: all)
    "assignment_window": 10000,  # recent examples behind the running accuracy (as the original)
    "snapshot_every": 0,      # keep a copy of the weights every this many examples (0: never)
    "chunk_size": 500,        # examples per run of the compiled binary
    "random_state": None,
    "verbose": True,          # progress bars
}
_STATE = ("weights_", "delays_", "theta_", "assignments_", "proportions_", "classes_")
_SPIKE_STATS = ("presentations", "input_spikes", "exc_spikes", "inh_spikes")


def _signature():
    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    for f in dataclasses.fields(Parameters):
        kind = (inspect.Parameter.POSITIONAL_OR_KEYWORD if f.name == "n_neurons"
                else inspect.Parameter.KEYWORD_ONLY)
        params.append(inspect.Parameter(f.name, kind, default=f.default))
    params += [inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, default=v)
               for k, v in ESTIMATOR_SETTINGS.items()]
    return inspect.Signature(params)


class DiehlCook2015(ClassifierMixin, TransformerMixin, BaseEstimator):
    """Diehl & Cook (2015): unsupervised STDP learning of digits in a spiking network.

    Every network parameter is a keyword with the paper's default (see ``Parameters``), plus
    the estimator settings ``epochs``, ``voting``, ``n_label_examples``, ``assignment_window``,
    ``snapshot_every``, ``chunk_size``, ``random_state`` and ``verbose``.

    Learned state: ``weights_`` (n_input, n_neurons), ``delays_`` (seconds), ``theta_`` (mV),
    ``assignments_`` (class index per neuron, -1 if it never fired), ``proportions_``,
    ``classes_``, ``n_examples_seen_``, ``history_`` (per run of the binary: examples seen,
    spikes per example, running accuracy, silent fraction, mean theta, wall time; with
    ``snapshot_every`` also ``(examples seen, weights, theta)`` snapshots) and
    ``training_stats_`` (per training example: presentations and input, excitatory and
    inhibitory spikes, as counted by the simulation).
    """

    def __init__(self, n_neurons=100, **params):
        names = set(Parameters.names()) | set(ESTIMATOR_SETTINGS)
        unknown = set(params) - names
        if unknown:
            Parameters.check_names(unknown - set(ESTIMATOR_SETTINGS))
        self.n_neurons = n_neurons
        for name, default in _defaults().items():
            if name != "n_neurons":
                setattr(self, name, params.get(name, default))

    __init__.__signature__ = _signature()

    # --- parameters -------------------------------------------------------------------------
    @property
    def network_parameters(self) -> Parameters:
        """The network parameters as one validated record."""
        return Parameters(**{name: getattr(self, name) for name in Parameters.names()})

    def _check_settings(self):
        if self.voting not in readout.VOTING:
            raise ValueError(f"unknown voting {self.voting!r}; choose one of {', '.join(readout.VOTING)}")
        for name in ("epochs", "chunk_size"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)!r}")

    # --- learning ---------------------------------------------------------------------------
    def fit(self, X, y=None):
        """Learn with STDP for ``epochs`` passes over X (labels unused), then assign labels from y."""
        self._check_settings()
        for attr in ("weights_", "classes_", "assignments_", "proportions_"):
            self.__dict__.pop(attr, None)
        X = np.asarray(X)
        check_images(X)
        for epoch in range(int(self.epochs)):
            self.partial_fit(X, y, reassign=False, _desc=f"epoch {epoch + 1}/{self.epochs}")
        if y is not None:
            n_label = self.n_label_examples or len(X)
            self.assign_labels(X[:n_label], np.asarray(y)[:n_label])
        return self

    def partial_fit(self, X, y=None, *, progress=None, reassign=True, _desc="learning"):
        """One more pass of STDP learning over X.

        With y, the running accuracy is tracked and (if ``reassign``) labels are then reassigned
        on X with learning off. ``progress`` is a tqdm bar to advance instead of a new one.
        """
        self._check_settings()
        pixels, image_shape = check_images(X, getattr(self, "n_features_in_", None))
        labels = self._encode_labels(y, len(pixels)) if y is not None else None
        if not hasattr(self, "weights_"):
            self._initialise(pixels.shape[1], image_shape)
        params = self.network_parameters
        rates = poisson_rates(pixels, params.input_rate_scale)
        net = compiled_network(params, self.n_features_in_, int(self.chunk_size), learning=True)
        bar = progress if progress is not None else self._bar(len(rates), _desc)
        for start in range(0, len(rates), net.chunk_size):
            stop = min(start + net.chunk_size, len(rates))
            result = net.run(rates[start:stop], self.weights_, self.delays_, self.theta_, params,
                             seed=self._next_seed())
            self.weights_, self.theta_ = result.weights, result.theta
            self.n_examples_seen_ += stop - start
            self._record(result, labels[start:stop] if labels is not None else None)
            if bar is not None:
                bar.update(stop - start)
                bar.set_postfix(self._postfix(), refresh=False)
        if bar is not None and progress is None:
            bar.close()
        if y is not None and reassign:
            self.assign_labels(X, y)
        return self

    def assign_labels(self, X, y):
        """Assign each neuron the class it responds to most, with learning switched off."""
        counts = self.transform(X)
        labels = self._encode_labels(y, len(counts))
        self.assignments_, self.proportions_ = readout.assign_labels(counts, labels, len(self.classes_))
        return self

    # --- inference --------------------------------------------------------------------------
    def transform(self, X):
        """Excitatory spike counts (n, n_neurons) during each example's accepted presentation."""
        self._check_fitted("weights_")
        pixels, _ = check_images(X, self.n_features_in_)
        params = self.network_parameters
        net = compiled_network(params, self.n_features_in_, int(self.chunk_size), learning=False)
        rates = poisson_rates(pixels, params.input_rate_scale)
        counts = np.zeros((len(rates), params.n_neurons))
        self.last_transform_stats_ = {key: [] for key in _SPIKE_STATS}
        bar = self._bar(len(rates), "responses (learning off)")
        for index, start in enumerate(range(0, len(rates), net.chunk_size)):
            stop = min(start + net.chunk_size, len(rates))
            # A fixed seed per chunk: the same model and images always give the same counts.
            seed = int(np.random.SeedSequence([self.seed_, 1, index]).generate_state(1)[0])
            result = net.run(rates[start:stop], self.weights_, self.delays_, self.theta_, params, seed=seed)
            counts[start:stop] = result.counts
            for key, values in self.last_transform_stats_.items():
                values.extend(getattr(result, key).tolist())
            if bar is not None:
                bar.update(stop - start)
        if bar is not None:
            bar.close()
        return counts

    def simulate(self, X, learn=False, record_spikes=True):
        """Present up to ``chunk_size`` images once and return all the simulation recorded
        (``simulator.ChunkResult``: counts, per-example spike totals, with ``record_spikes`` every
        spike of every population). The model itself is left unchanged."""
        self._check_fitted("weights_")
        pixels, _ = check_images(X, self.n_features_in_)
        params = self.network_parameters
        net = compiled_network(params, self.n_features_in_, int(self.chunk_size), learning=learn,
                               record_all_spikes=record_spikes)
        seed = int(np.random.SeedSequence([self.seed_, 2]).generate_state(1)[0])
        return net.run(poisson_rates(pixels, params.input_rate_scale), self.weights_, self.delays_, self.theta_,
                       params, seed=seed)

    def decision_function(self, X):
        self._check_fitted("assignments_")
        return readout.vote(self.transform(X), self.assignments_, self.proportions_, self.voting)

    def predict(self, X):
        scores = self.decision_function(X)
        return self.classes_[scores.argmax(axis=1)]

    def predict_from_counts(self, counts):
        """Predictions from spike counts already computed by ``transform``."""
        self._check_fitted("assignments_")
        return self.classes_[readout.predict(counts, self.assignments_, self.proportions_, self.voting)]

    # --- persistence ------------------------------------------------------------------------
    def save(self, path):
        """Write parameters and learned state to one .npz file (atomically)."""
        self._check_fitted("weights_")
        arrays = {name: getattr(self, name) for name in _STATE if hasattr(self, name)}
        meta = {"params": self.get_params(), "n_features_in_": self.n_features_in_,
                "image_shape_": list(self.image_shape_), "n_examples_seen_": self.n_examples_seen_,
                "seed_": self.seed_, "rng": self._rng.bit_generator.state,
                "history": {k: v for k, v in self.history_.items() if k != "snapshots"}}
        arrays["meta"] = np.array(json.dumps(meta, default=_json_default))
        arrays["recent_counts"] = self._recent_counts
        arrays["recent_labels"] = self._recent_labels
        arrays["ever_fired"] = self._ever_fired
        arrays.update({f"training_{key}": values for key, values in getattr(self, "training_stats_", {}).items()})
        if self.history_["snapshots"]:
            examples, weights, theta = zip(*self.history_["snapshots"])
            arrays.update(snapshot_examples=np.array(examples), snapshots=np.stack(weights),
                          snapshot_theta=np.stack(theta))
        from .records import atomic_write

        with atomic_write(path) as tmp, open(tmp, "wb") as file:
            np.savez_compressed(file, **arrays)

    @classmethod
    def load(cls, path):
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            model = cls(**meta["params"])
            for name in _STATE:
                if name in data:
                    setattr(model, name, data[name])
            model.n_features_in_ = meta["n_features_in_"]
            model.image_shape_ = tuple(meta["image_shape_"])
            model.n_examples_seen_ = meta["n_examples_seen_"]
            model.seed_ = meta["seed_"]
            model._rng = np.random.default_rng()
            model._rng.bit_generator.state = meta["rng"]
            model.history_ = {**meta["history"], "snapshots": []}
            if "snapshots" in data:
                model.history_["snapshots"] = list(zip(data["snapshot_examples"].tolist(), data["snapshots"],
                                                       data["snapshot_theta"]))
            model._recent_counts = data["recent_counts"]
            model._recent_labels = data["recent_labels"]
            model._ever_fired = data["ever_fired"]
            if "training_input_spikes" in data:  # absent from files of stdplab before 0.1.0
                model.training_stats_ = {key: data[f"training_{key}"] for key in _SPIKE_STATS}
        return model

    # --- internals --------------------------------------------------------------------------
    def _initialise(self, n_input, image_shape):
        p = self.network_parameters
        self._rng = np.random.default_rng(self.random_state)
        self.seed_ = int(self._rng.integers(2**31))
        self.n_features_in_ = n_input
        self.image_shape_ = tuple(image_shape) if len(image_shape) == 2 else _square(n_input)
        self.weights_ = (self._rng.random((n_input, p.n_neurons)) + p.w_init_offset) * p.w_init_scale
        self.delays_ = self._rng.random(n_input * p.n_neurons) * p.max_delay * 1e-3
        self.theta_ = np.full(p.n_neurons, p.theta_init)
        self.n_examples_seen_ = 0
        self.history_ = {key: [] for key in ("examples", "spikes_per_example", "presentations_per_example",
                                             "running_accuracy", "silent_fraction", "theta_mean",
                                             "wall_time", "snapshots")}
        self.training_stats_ = {key: np.zeros(0, np.int64) for key in _SPIKE_STATS}
        self._ever_fired = np.zeros(p.n_neurons, bool)
        self._recent_counts = np.zeros((0, p.n_neurons), np.int32)
        self._recent_labels = np.zeros(0, np.int64)

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
                predicted = readout.predict(result.counts, assignments, proportions, self.voting)
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
        if hasattr(self, "training_stats_"):  # unknown for models loaded from files without them
            for key in _SPIKE_STATS:
                self.training_stats_[key] = np.concatenate([self.training_stats_[key], getattr(result, key)])
        self._ever_fired |= fired
        h["silent_fraction"].append(float(1 - np.mean(self._ever_fired)))
        h["theta_mean"].append(float(self.theta_.mean()))
        h["wall_time"].append(result.wall_time)
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

    def _encode_labels(self, y, n):
        """Class indices of y, adding classes not seen before to ``classes_``."""
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != n:
            raise ValueError(f"y must be one label per image ({n}), got shape {y.shape}")
        self.classes_ = np.union1d(getattr(self, "classes_", y[:0]), y)
        return np.searchsorted(self.classes_, y)

    def _check_fitted(self, attribute):
        if not hasattr(self, attribute):
            what = "fit" if attribute == "weights_" else "fit (with labels) or assign_labels"
            raise NotFittedError(f"this {type(self).__name__} has no {attribute}: call {what} first")

    def _bar(self, total, desc):
        from .progress import progress_bar

        return progress_bar(total, desc, "ex", leave=False, enabled=self.verbose)


def _defaults() -> dict:
    return {**{f.name: f.default for f in dataclasses.fields(Parameters)}, **ESTIMATOR_SETTINGS}


def _square(n):
    side = int(round(np.sqrt(n)))
    return (side, side) if side * side == n else (1, n)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in JSON")
