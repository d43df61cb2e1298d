"""Operation counts in the field's units, for conventional, converted and STDP networks alike.

The conventions are NeuroBench's (Yik et al., "The neurobench framework for benchmarking
neuromorphic computing algorithms and systems", Nature Communications 16:1545, 2025), per inference:

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
replaces. Counts only: prices live in ``energy.py``.
"""
from __future__ import annotations

import numpy as np

BREAK_EVEN_SPIKES_PER_SYNAPSE = (0.15, 1.38)
BREAK_EVEN_SOURCE = ("Dampfhoffer, Mesquida, Valentian & Anghel, 'Are SNNs really more energy-efficient than "
                     "ANNs? An in-depth hardware-aware study', IEEE Transactions on Emerging Topics in "
                     "Computational Intelligence 7(3):731-741, 2023 (range as quoted in issue 11)")
FIELDS = ("dense_macs", "effective_macs", "effective_acs", "activation_sparsity", "connection_sparsity",
          "synapses", "parameters", "state_values", "memory_bytes", "spikes_per_synapse")


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
    """Mean counts per inference of a ReLU MLP (``mlp.coefs_``, ``mlp.intercepts_``) on the inputs X.
    Biases are parameters, not operations; an ANN keeps no state between inferences."""
    a = np.asarray(X, dtype=np.float64)
    effective, zeros, units = 0.0, 0, 0
    for k, (w, b) in enumerate(zip(coefs, intercepts)):
        effective += np.count_nonzero(a, axis=1).mean() * w.shape[1]
        a = a @ w + b
        if k < len(coefs) - 1:  # ReLU layers
            a = np.maximum(a, 0.0)
            zeros, units = zeros + int(np.count_nonzero(a == 0)), units + a.size
    synapses, sparsity = _dense(coefs)
    return _row(synapses, effective, 0.0, zeros / units if units else 0.0, sparsity, synapses,
                synapses + sum(b.size for b in intercepts), 0, bytes_per_value, spiking=False)


def converted_counts(result, weights, step: int | None = None, bytes_per_value: int = 4) -> dict:
    """Mean counts per inference of a converted network (``conversion.SpikingResult`` and its
    normalised weights) after ``step`` steps (default: all). Each spike of layer l is one AC per
    neuron of layer l + 1; with the constant-current input, layer 1's input is non-zero pixels x
    its neurons MACs (once per image); the state is one membrane potential per neuron."""
    step = result.t_max if step is None else int(step)
    if not 1 <= step <= result.t_max:
        raise ValueError(f"step must lie in [1, {result.t_max}], got {step}")
    sizes = result.layer_sizes
    spikes = [s[:, :step].sum(axis=1).mean() for s in result.spikes]
    acs = sum(s * fan_out for s, fan_out in zip(spikes[:-1], sizes[1:]))
    macs = result.nonzero_inputs.mean() * sizes[1] if result.input_mode == "current" else 0.0
    neurons = sum(sizes[1:])
    synapses, sparsity = _dense(weights)
    return _row(synapses * step, macs, acs, 1 - sum(spikes[1:]) / (neurons * step), sparsity, synapses,
                synapses + neurons, neurons, bytes_per_value, spiking=True)


def stdp_counts(counts, weights, bytes_per_value: int = 4) -> dict:
    """Mean counts per inference of the Diehl & Cook network (``energy.OperationCounts`` of test
    images, learning off; ``weights`` its (n_input, n) input weights). Its projections, as dense
    matrices: input→excitatory (learned), excitatory→inhibitory (one to one), inhibitory→excitatory
    (all but one). Parameters: the input weights, θ per neuron and the two fixed weights; state:
    v, ge and gi of every neuron and the excitatory neurons' refractory timer."""
    n_input, n = counts.n_input, counts.n_neurons
    mean = counts.mean()
    synapses = n_input * n + n + n * (n - 1)
    zero_weights = int(np.count_nonzero(np.asarray(weights) == 0)) + (n * n - n) + n
    return _row(synapses * mean["steps"], 0.0, mean["synops"],
                1 - (mean["exc_spikes"] + mean["inh_spikes"]) / (2 * n * mean["steps"]),
                zero_weights / (n_input * n + 2 * n * n), synapses,
                n_input * n + n + 2, 3 * 2 * n + n, bytes_per_value, spiking=True)
