"""Small simulations of the network's parts, for teaching (notebook 01) and tests.

Every probe is built by ``network.build_network`` itself (``stimulus=None``), so it runs the very
equations, thresholds, resets and STDP rules of the trained network; only the drive differs.
Probes run on Brian's runtime device with the ``numpy`` code target (no compilation), which is
fine for a handful of neurons and a few seconds of simulated time.

- ``single_neuron``: one excitatory neuron under a spike train: v, the adaptive threshold, θ and
  its spikes (threshold, refractory period, 50 ms spike block, θ rise).
- ``weight_change`` / ``pairings``: input -> excitatory synapses of a rule with pre- and
  postsynaptic spikes at chosen times; ``stdp_window``: Δw against Δt = t_post - t_pre.
- ``winner_take_all``: a few excitatory neurons with their inhibitory partners, showing how
  lateral inhibition lets one of them win.
- ``membrane_euler_step``: one Euler step of the excitatory membrane, evaluated from the very
  equation string the simulator compiles (the reference of the lesson's first exercise).

How spikes are forced: an input neuron is given the rate 1/dt during the one time step it must
spike (its threshold ``rand() < rate * dt`` is then certain); an excitatory neuron has its
membrane potential set 1 mV above its threshold θ - theta_offset + v_thresh_e at that step, so the
network's own threshold (including refractoriness and the spike block) decides whether it fires.
Times are in ms, potentials in mV.
"""
from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass

import numpy as np

from ._docstrings import fill_doc
from .network import EXCITATORY_MODEL, build_network, euler_cap
from .parameters import SI_SCALE, Parameters

__all__ = ["NeuronTrace", "WeightChange", "single_neuron", "weight_change", "pairings", "stdp_window",
           "winner_take_all", "membrane_euler_step"]


@contextlib.contextmanager
def _runtime(seed=None, target="numpy"):
    """Brian's runtime device with the numpy target (or ``target``), restoring the previous target afterwards."""
    import brian2 as b2
    from brian2.devices.device import RuntimeDevice, get_device, reset_device

    if not isinstance(get_device(), RuntimeDevice):
        reset_device("runtime")
    previous = b2.prefs.codegen.target
    b2.prefs.codegen.target = target
    if seed is not None:
        b2.seed(seed)
    try:
        yield b2
    finally:
        b2.prefs.codegen.target = previous


def _params(params: Parameters | None, learning_rule: str | None = None, **changes) -> Parameters:
    params = params or Parameters()
    if learning_rule is not None:
        changes["learning_rule"] = learning_rule
    return dataclasses.replace(params, **changes)


def _schedule(b2, trains, n, duration_ms, dt_ms, name):
    """A TimedArray that is 1 at the time steps of each neuron's spikes, 0 elsewhere."""
    steps = int(round(duration_ms / dt_ms)) + 1
    values = np.zeros((steps, n))
    for index, times in enumerate(trains):
        for time in np.atleast_1d(np.asarray(times, float)):
            step = int(round(time / dt_ms))
            if not 0 <= step < steps:
                raise ValueError(f"spike time {time} ms is outside the simulation [0, {duration_ms}] ms")
            values[step, index] = 1.0
    return b2.TimedArray(values, dt=dt_ms * b2.ms, name=name)


def _force_input_spikes(b2, net, trains, duration_ms):
    schedule = _schedule(b2, trains, len(net.inputs), duration_ms, net.params.dt, "pre_schedule")
    updater = net.inputs.run_regularly("rate = pre_schedule(t, i) / dt", when="start",
                                       name="forced_input_spikes")
    return updater, {"pre_schedule": schedule}


def _force_exc_spikes(b2, net, trains, duration_ms):
    schedule = _schedule(b2, trains, len(net.exc), duration_ms, net.params.dt, "post_schedule")
    code = "v += post_schedule(t, i) * (theta - theta_offset + v_thresh_e + 1*mV - v)"
    updater = net.exc.run_regularly(code, when="before_thresholds", name="forced_exc_spikes")
    return updater, {"post_schedule": schedule}


def _prepare(b2, net, weights, theta_mV):
    p = net.params
    net.set_parameters()
    net.input_exc.w = np.asarray(weights, float).ravel()  # synapse k is (k // n, k % n)
    net.exc.theta = theta_mV * b2.mV
    if net.learning:
        net.exc.wsum = np.asarray(weights, float).reshape(len(net.inputs), p.n_neurons).sum(axis=0)


# --- one excitatory neuron -------------------------------------------------------------------------

@dataclass
class NeuronTrace:  # numpydoc ignore=PR01
    """One excitatory neuron's run (``single_neuron``).

    Attributes
    ----------
    t : numpy.ndarray
        Every time step, ms.
    v : numpy.ndarray
        Membrane potential, mV.
    threshold : numpy.ndarray
        θ - theta_offset + v_thresh_e, mV: the neuron spikes when v exceeds it.
    theta : numpy.ndarray
        Adaptive threshold θ, mV.
    spikes : numpy.ndarray
        The neuron's spike times, ms.
    input_spikes : tuple
        (input indices, times in ms).
    params : Parameters
        The parameters it ran with.
    """

    t: np.ndarray
    v: np.ndarray
    threshold: np.ndarray
    theta: np.ndarray
    spikes: np.ndarray
    input_spikes: tuple
    params: Parameters

    @property
    def n_spikes(self) -> int:
        """The neuron's spikes."""
        return len(self.spikes)


def single_neuron(input_rate=20.0, n_inputs=100, weight=0.3, duration=1000.0, input_times=None,
                  theta0=None, params: Parameters | None = None, seed=0) -> NeuronTrace:
    """One excitatory neuron driven by ``n_inputs`` input neurons through weights ``weight``.

    The inputs fire as Poisson trains at ``input_rate`` Hz each, or, with ``input_times`` (one
    array of spike times in ms per input, or a single array for one input), exactly then.
    ``duration`` is in ms, ``theta0`` the starting θ in mV (default ``params.theta_init``).
    Learning is on for θ (it rises by theta_plus at each spike) but the input weights are held
    fixed, so that the drive stays the same.

    Parameters
    ----------
    input_rate : float, default 20.0
        Hz of each Poisson input.
    n_inputs : int, default 100
        Inputs (ignored with ``input_times``).
    weight : float or array-like, default 0.3
        Every input's weight, or one per input.
    duration : float, default 1000.0
        ms.
    input_times : array-like, optional
        Spike times in ms: one array per input, or one array for a single input.
    theta0 : float, optional
        The starting θ in mV.
    params : Parameters, optional
        The network's parameters (default: the paper's).
    seed : int, default 0
        Brian's random seed.

    Returns
    -------
    NeuronTrace
    """
    base = params or Parameters()
    # The STDP rule runs, but with zero rates and a w_max above every weight it changes nothing.
    p = _params(base, n_neurons=1, nu_pre=0.0, nu_post=0.0, w_max=max(base.w_max, 1e6))
    if input_times is not None:
        single = len(input_times) == 0 or np.isscalar(input_times[0])
        trains = [input_times] if single else list(input_times)
        n_inputs = len(trains)
    with _runtime(seed) as b2:
        net = build_network(p, n_inputs)
        weights = np.broadcast_to(np.asarray(weight, float), (n_inputs,)).reshape(n_inputs, 1)
        _prepare(b2, net, weights, base.theta_init if theta0 is None else theta0)
        extra, namespace = [], {}
        if input_times is not None:
            updater, namespace = _force_input_spikes(b2, net, trains, duration)
            extra.append(updater)
        else:
            net.inputs.rate = input_rate * b2.Hz
        state = b2.StateMonitor(net.exc, ["v", "theta"], record=[0], name="neuron_state")
        spikes = b2.SpikeMonitor(net.exc, name="neuron_spikes")
        inputs = b2.SpikeMonitor(net.inputs, name="input_spikes")
        b2.Network(*net.objects, *extra, state, spikes, inputs).run(duration * b2.ms, namespace=namespace)
        v = np.asarray(state.v[0] / b2.mV)
        theta = np.asarray(state.theta[0] / b2.mV)
        return NeuronTrace(
            t=np.asarray(state.t / b2.ms), v=v, theta=theta,
            threshold=theta - p.theta_offset + p.v_thresh_e,
            spikes=np.asarray(spikes.t / b2.ms),
            input_spikes=(np.asarray(inputs.i[:]), np.asarray(inputs.t / b2.ms)), params=p)


# --- STDP on single synapses -----------------------------------------------------------------------

@dataclass
class WeightChange:  # numpydoc ignore=PR01
    """One synapse's weight before and after a protocol (``weight_change``).

    Attributes
    ----------
    w0 : float
        At the start.
    w : float
        At the end.
    dw : float
        w - w0.
    """

    w0: float
    w: float
    dw: float


@fill_doc
def pairings(learning_rule, pre_times, post_times, w0, params: Parameters | None = None,
             duration=None) -> np.ndarray:
    """Final weights of independent input -> excitatory synapses, one per protocol.

    ``pre_times`` and ``post_times`` are lists (one entry per synapse) of spike times in ms; ``w0``
    one initial weight or one per synapse. Synapse k joins input k to excitatory neuron k (the
    other synapses of the all-to-all layer have weight 0 and lateral inhibition is off, so the
    protocols do not disturb each other). Learning is on, delays are 0, θ starts at theta_init.

    %(probe_rule_parameters)s
    pre_times, post_times : list of array-like
        Per synapse, presynaptic and (forced) postsynaptic spike times in ms.
    w0 : float or array-like
        Initial weight(s).
    %(probe_params)s

    Returns
    -------
    numpy.ndarray
        Each synapse's final weight.

    Raises
    ------
    ValueError
        If the lists differ in length, or a spike time lies outside the simulation.
    """
    n = len(pre_times)
    if len(post_times) != n:
        raise ValueError("pre_times and post_times need one entry per synapse")
    w0 = np.broadcast_to(np.asarray(w0, float), (n,))
    p = _params(params, learning_rule, n_neurons=n, w_exc_inh=0.0, w_inh_exc=0.0)
    last = max([float(np.max(t)) for t in (*pre_times, *post_times) if np.size(t)] + [0.0])
    duration = duration or last + 2 * p.dt
    with _runtime() as b2:
        net = build_network(p, n)
        weights = np.diag(w0)
        _prepare(b2, net, weights, p.theta_init)
        pre_updater, namespace = _force_input_spikes(b2, net, pre_times, duration)
        post_updater, post_namespace = _force_exc_spikes(b2, net, post_times, duration)
        b2.Network(*net.objects, pre_updater, post_updater).run(duration * b2.ms,
                                                               namespace={**namespace, **post_namespace})
        return np.asarray(net.input_exc.w[:]).reshape(n, n).diagonal().copy()


@fill_doc
def weight_change(learning_rule, pre_times, post_times, w0=0.5, params: Parameters | None = None,
                  duration=None) -> WeightChange:
    """One synapse of a rule under a spike protocol: its weight at the end and the change.

    %(probe_rule_parameters)s
    pre_times, post_times : array-like
        Presynaptic and (forced) postsynaptic spike times, ms.
    w0 : float, default 0.5
        The initial weight.
    %(probe_params)s

    Returns
    -------
    WeightChange
    """
    w = float(pairings(learning_rule, [pre_times], [post_times], w0, params, duration)[0])
    return WeightChange(w0=float(w0), w=w, dw=w - float(w0))


@fill_doc
def stdp_window(learning_rule, dts, w0=0.5, n_pairs=5, period=100.0, params: Parameters | None = None,
                start=60.0) -> np.ndarray:
    """Δw against Δt = t_post - t_pre (ms) for each of ``dts`` (and each w0, if several: then the
    result has shape (len(w0), len(dts))).

    Protocol: ``n_pairs`` pre/post pairs, one every ``period`` ms (the triplet rule potentiates only
    if the postsynaptic neuron fired recently, through its slow trace post2, so a single isolated
    pair would show depression only). ``period`` must exceed the 50 ms spike block.

    %(probe_rule_parameters)s
    dts : array-like
        Δt values, ms.
    w0 : float or array-like, default 0.5
        Initial weight(s).
    n_pairs : int, default 5
        Pairs per protocol.
    period : float, default 100.0
        ms between pairs.
    params : Parameters, optional
        Further parameters (default: the paper's).
    start : float, default 60.0
        ms of the first pair.

    Returns
    -------
    numpy.ndarray
        Δw per Δt, shape (len(dts),), or (len(w0), len(dts)) for several w0.
    """
    dts = np.asarray(dts, float)
    w0s = np.atleast_1d(np.asarray(w0, float))
    pre, post, weights = [], [], []
    offsets = start + period * np.arange(n_pairs)
    for w in w0s:
        for dt in dts:
            pre.append(offsets + max(0.0, -dt))
            post.append(offsets + max(0.0, dt))
            weights.append(w)
    final = pairings(learning_rule, pre, post, weights, params)
    dw = (final - np.asarray(weights)).reshape(len(w0s), len(dts))
    return dw[0] if np.ndim(w0) == 0 else dw


# --- lateral inhibition ----------------------------------------------------------------------------

def winner_take_all(n_neurons=3, n_inputs=50, input_rate=30.0, weight=0.3, spread=0.2, duration=350.0,
                    inhibition=True, params: Parameters | None = None, seed=0) -> dict:
    """``n_neurons`` excitatory neurons with their inhibitory partners (paper weights:
    exc -> inh 10.4, inh -> the other exc 17), all driven by the same ``n_inputs`` Poisson inputs
    at ``input_rate`` Hz. Neuron k's weights are ``weight * (1 - spread * k / (n_neurons - 1))``,
    so neuron 0 gets the strongest drive. Without ``inhibition`` (w_inh_exc = 0) every neuron
    fires on its own. Learning is off. Returns spike times (ms) of both layers, the excitatory
    potentials and spike counts per neuron.

    Parameters
    ----------
    n_neurons : int, default 3
        Excitatory neurons (and as many inhibitory ones).
    n_inputs : int, default 50
        Poisson inputs.
    input_rate : float, default 30.0
        Hz of each input.
    weight : float, default 0.3
        Neuron 0's weights.
    spread : float, default 0.2
        How much weaker the last neuron's weights are, as a fraction.
    duration : float, default 350.0
        ms.
    inhibition : bool, default True
        Lateral inhibition on.
    params : Parameters, optional
        Further parameters (default: the paper's).
    seed : int, default 0
        Brian's random seed.

    Returns
    -------
    dict
        ``exc`` and ``inh`` (indices, times in ms), ``t`` and ``v`` (mV, per neuron), ``counts``,
        ``winner``, ``inhibition``, ``threshold`` (mV) and ``duration``.
    """
    changes = {"n_neurons": n_neurons}
    if not inhibition:
        changes["w_inh_exc"] = 0.0
    p = _params(params, **changes)
    scale = 1 - spread * np.arange(n_neurons) / max(n_neurons - 1, 1)
    weights = np.outer(np.ones(n_inputs), weight * scale)
    with _runtime(seed) as b2:
        net = build_network(p, n_inputs, learning=False)
        _prepare(b2, net, weights, p.theta_init)
        net.inputs.rate = input_rate * b2.Hz
        exc_spikes = b2.SpikeMonitor(net.exc, name="wta_exc_spikes")
        inh_spikes = b2.SpikeMonitor(net.inh, name="wta_inh_spikes")
        state = b2.StateMonitor(net.exc, "v", record=True, name="wta_state")
        b2.Network(*net.objects, exc_spikes, inh_spikes, state).run(duration * b2.ms, namespace={})
        counts = np.bincount(np.asarray(exc_spikes.i[:]), minlength=n_neurons)
        return {
            "exc": (np.asarray(exc_spikes.i[:]), np.asarray(exc_spikes.t / b2.ms)),
            "inh": (np.asarray(inh_spikes.i[:]), np.asarray(inh_spikes.t / b2.ms)),
            "t": np.asarray(state.t / b2.ms), "v": np.asarray(state.v / b2.mV),
            "counts": counts, "winner": int(np.argmax(counts)), "inhibition": inhibition,
            "threshold": p.theta_init - p.theta_offset + p.v_thresh_e, "duration": duration,
        }


def membrane_euler_step(v, ge, gi, dt, params: Parameters | None = None):
    """The excitatory membrane potential one Euler step later, by the simulator's own equation.

    The right-hand side of dv/dt is read from ``network.EXCITATORY_MODEL`` (the string Brian
    compiles) and evaluated in SI units; spikes and the refractory period are left out.

    Parameters
    ----------
    v : float or numpy.ndarray
        Membrane potential (mV).
    ge, gi : float or numpy.ndarray
        Excitatory and inhibitory conductances (no unit).
    dt : float
        The time step (ms).
    params : Parameters, optional
        The constants ``v_rest_e``, ``e_exc``, ``e_inh_e`` and ``tau_e`` (default: the paper's).

    Returns
    -------
    float or numpy.ndarray
        v one step later (mV).

    Examples
    --------
    >>> round(float(membrane_euler_step(-70.0, 0.0, 0.0, 0.5)), 4)  # towards v_rest_e = -65 mV, tau_e = 100 ms
    -69.975
    """
    from brian2 import Equations

    params = params or Parameters()
    rhs = Equations(EXCITATORY_MODEL)["v"].expr.code
    constants = {name: params.si(name) for name in ("v_rest_e", "e_exc", "e_inh_e", "tau_e")}
    # The package's own equation string, in Python syntax: evaluated as written, not re-typed.
    dvdt = eval(rhs, {"euler_cap": euler_cap.pyfunc, **constants, "v": np.asarray(v) * SI_SCALE["mV"],
                      "ge": ge, "gi": gi, "dt": dt * SI_SCALE["ms"]})  # V/s
    return v + dt * SI_SCALE["ms"] * dvdt / SI_SCALE["mV"]
