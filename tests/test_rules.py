"""The four STDP rules and the excitatory neuron, checked against their equations by hand.

Each case runs the network's own equations (``stdplab.probes`` builds them with
``network.build_network``) on Brian's runtime device with the numpy target: no compilation, and
the whole file takes a few seconds. Expected values are computed here from the rule's equations
and the constants in ``Parameters``; times are in ms.
"""
import dataclasses
from math import exp

import numpy as np
import pytest

from stdplab import probes
from stdplab.parameters import Parameters
from stdplab.rules import RULES, get_rule

P = Parameters()
RULE_NAMES = ("triplet", "power_law", "exponential", "pre_and_post")


def power(w, p=P):
    """(w_max - w)**mu, the power-law weight dependence of potentiation."""
    return (p.w_max - w) ** p.mu


# --- the sign and size of each rule's weight change -------------------------------------------------

def test_the_four_rules_exist():
    assert set(RULES) == set(RULE_NAMES)
    for name in RULE_NAMES:
        assert get_rule(name).doc


def run(rule, protocols, params=None):
    """Run several (pre_times, post_times, w0) protocols at once, on independent synapses;
    returns each one's final weight."""
    pre, post, w0 = zip(*protocols)
    return probes.pairings(rule, list(pre), list(post), list(w0), params)


def test_triplet():
    w = run("triplet", [
        ([190], [100, 200], 0.5),   # post at 100 primes post2; pre at 190, post at 200: dt = +10 ms
        ([100], [110], 0.5),        # an isolated pre-then-post pair
        ([105], [100], 0.5),        # post then pre, dt = -5, -15, -30 ms
        ([115], [100], 0.5),
        ([130], [100], 0.5),
    ])
    dw = w - 0.5
    depression = P.nu_pre * exp(-90 / P.tau_post1)  # pre at 190 sees post1 from the spike at 100
    potentiation = P.nu_post * exp(-10 / P.tau_pre) * exp(-100 / P.tau_post2)  # post2 just before 200
    assert dw[0] > 0
    assert dw[0] == pytest.approx(potentiation - depression, rel=1e-6)
    # Without an earlier postsynaptic spike post2 is 0: pre-then-post alone changes nothing.
    assert dw[1] == pytest.approx(0, abs=1e-12)
    for k, delay in zip(range(2, 5), (5, 15, 30)):
        assert dw[k] < 0
        assert dw[k] == pytest.approx(-P.nu_pre * exp(-delay / P.tau_post1), rel=1e-6)


def test_single_synapse_protocol():
    change = probes.weight_change("triplet", [115], [100], w0=0.5)
    assert change.w0 == 0.5 and change.dw == pytest.approx(change.w - 0.5)
    assert change.dw == pytest.approx(-P.nu_pre * exp(-15 / P.tau_post1), rel=1e-6)


def test_power_law():
    w0s = (0.1, 0.5, 0.9)
    protocols = [([100], [110]), ([], [110]), ([100], [140]), ([100, 120], [])]
    w = run("power_law", [(pre, post, w0) for w0 in w0s for pre, post in protocols]).reshape(3, 4)
    dw = w - np.array(w0s)[:, None]
    for k, w0 in enumerate(w0s):
        # pre at 100, post at 110: x_pre = exp(-10/20) > x_tar, so the weight grows, less near w_max.
        assert dw[k, 0] > 0
        assert dw[k, 0] == pytest.approx(P.nu_post * (exp(-10 / P.tau_pre) - P.x_tar) * power(w0), rel=1e-6)
        # A postsynaptic spike without presynaptic activity depresses: x_pre = 0 < x_tar.
        assert dw[k, 1] == pytest.approx(-P.nu_post * P.x_tar * power(w0), rel=1e-6)
        # A late pre trace (dt = 40 ms: exp(-2) < x_tar) depresses too.
        assert dw[k, 2] < 0
        assert dw[k, 2] == pytest.approx(P.nu_post * (exp(-40 / P.tau_pre) - P.x_tar) * power(w0), rel=1e-6)
        # Presynaptic spikes alone do nothing.
        assert dw[k, 3] == 0
    assert dw[0, 0] > dw[1, 0] > dw[2, 0]  # weight dependence


def test_exponential():
    w0s = (0.1, 0.5, 0.9)
    protocols = [([100], [110]), ([], [110])]
    w = run("exponential", [(pre, post, w0) for w0 in w0s for pre, post in protocols]).reshape(3, 2)
    dw = w - np.array(w0s)[:, None]
    x_pre = exp(-10 / P.tau_pre)
    for k, w0 in enumerate(w0s):
        expected = P.nu_post * (x_pre * exp(-P.beta * w0) - P.x_tar * exp(-P.beta * (P.w_max - w0)))
        assert dw[k, 0] == pytest.approx(expected, rel=1e-6)
        assert dw[k, 1] < 0
        assert dw[k, 1] == pytest.approx(-P.nu_post * P.x_tar * exp(-P.beta * (P.w_max - w0)), rel=1e-6)
    assert dw[0, 0] > dw[1, 0] > dw[2, 0]  # potentiation shrinks as the weight grows


def test_pre_and_post():
    w0s = (0.2, 0.8)
    protocols = [([100], [110]), ([115], [100]), ([], [100])]
    w = run("pre_and_post", [(pre, post, w0) for w0 in w0s for pre, post in protocols]).reshape(2, 3)
    for k, w0 in enumerate(w0s):
        # pre at 100, post at 110: potentiation as the power law.
        assert w[k, 0] - w0 == pytest.approx(P.nu_post * (exp(-10 / P.tau_pre) - P.x_tar) * power(w0), rel=1e-6)
        # post at 100 (x_pre = 0: depression), then pre at 115: dw = -nu_pre * x_post * w**mu,
        # with x_post = exp(-15/20).
        w1 = w0 - P.nu_post * P.x_tar * power(w0)
        w2 = w1 - P.nu_pre * exp(-15 / P.tau_post1) * w1 ** P.mu
        assert w[k, 2] == pytest.approx(w1, rel=1e-9)
        assert w[k, 1] == pytest.approx(w2, rel=1e-9)
        assert w[k, 1] < w[k, 2]


def test_learning_rate_and_target_are_used():
    params = dataclasses.replace(P, nu_post=2 * P.nu_post, x_tar=0.1, tau_pre=10.0)
    dw = run("power_law", [([100], [110], 0.5)], params)[0] - 0.5
    assert dw == pytest.approx(2 * P.nu_post * (exp(-10 / 10.0) - 0.1) * power(0.5), rel=1e-6)


def test_stdp_window_signs():
    dts = np.array([-30.0, -10.0, 10.0, 30.0])
    window = probes.stdp_window("triplet", dts, w0=0.5)
    assert window.shape == (4,)
    assert window[0] < 0 and window[1] < 0 and window[2] > 0 and window[3] > 0
    assert window[2] > window[3]  # closer pairs potentiate more
    power_law = probes.stdp_window("power_law", dts, w0=[0.2, 0.8])
    assert power_law.shape == (2, 4)
    assert np.all(power_law[:, 2] > 0) and np.all(power_law[:, 0] < 0)
    assert power_law[0, 2] > power_law[1, 2]  # weight dependence: less potentiation near w_max


# --- weight bounds -------------------------------------------------------------------------------

# Huge learning rates, and no depression target, so that each protocol drives w to a bound.
STRONG = dataclasses.replace(P, nu_pre=10.0, nu_post=10.0, x_tar=0.0)
PRE = [60.0 + 100 * k for k in range(5)]
UP = (PRE, [t + 5 for t in PRE])
DOWN = ([t + 5 for t in PRE], PRE)


@pytest.mark.parametrize("rule", RULE_NAMES)
def test_weights_stay_within_bounds(rule):
    w0s = (0.05, 0.5, 0.95)
    strong_depression = dataclasses.replace(STRONG, x_tar=10.0)  # for the rules that depress on post spikes
    up = run(rule, [(*UP, w0) for w0 in w0s], STRONG)
    down = run(rule, [(*DOWN, w0) for w0 in w0s], STRONG if rule == "triplet" else strong_depression)
    assert np.all((up >= 0) & (up <= P.w_max)) and np.all((down >= 0) & (down <= P.w_max))
    assert up == pytest.approx(P.w_max)
    assert down == pytest.approx(0.0)
    # The per-example normalisation can scale a weight above w_max; no rule may give NaN then.
    above = run(rule, [(*UP, 1.3), (*DOWN, 1.3), ([100], [110], 1.3)])
    assert np.all(np.isfinite(above))
    assert np.all((above >= 0) & (above <= P.w_max))


# --- unknown rule names ----------------------------------------------------------------------------

def test_unknown_rule_lists_the_valid_names():
    with pytest.raises(ValueError, match="bogus") as error:
        Parameters(learning_rule="bogus")
    for name in RULE_NAMES:
        assert name in str(error.value)
    with pytest.raises(ValueError, match="triplet, power_law, exponential, pre_and_post"):
        get_rule("bogus")


def test_unknown_rule_on_the_estimator():
    from stdplab import DiehlCook2015

    with pytest.raises(ValueError, match="'learning_rule' parameter of DiehlCook2015 must be a str among") as error:
        DiehlCook2015(n_neurons=2, learning_rule="bogus", verbose=False).fit(np.zeros((2, 8, 8)), [0, 1])
    assert all(name in str(error.value) for name in RULE_NAMES)


# --- one excitatory neuron -----------------------------------------------------------------------

def relax(theta0, duration=600.0, **changes):
    """The neuron with no input: v relaxes from v_rest - 40 mV towards v_rest."""
    return probes.single_neuron(input_times=[], theta0=theta0, duration=duration,
                                params=dataclasses.replace(P, **changes))


def first_spike(threshold):
    """Time (ms) at which v, relaxing from v_rest - 40 mV with Euler steps
    v_k = v_rest - 40 mV * (1 - dt/tau)**k, passes ``threshold`` (mV, below v_rest)."""
    steps = np.log(40.0 / (P.v_rest_e - threshold)) / -np.log(1 - P.dt / P.tau_e)
    return steps * P.dt


# cython: the target of the runtime reference in benchmarks/speed.py.
@pytest.mark.parametrize("target", ["numpy", "cython"])
def test_the_membrane_step_is_eulers_until_it_would_overshoot_and_then_stops_at_equilibrium(target):
    """Forward Euler of dv/dt = (v_rest - v + gi (E_inh - v)) / tau overshoots E_inh once
    dt (1 + gi) > tau and diverges beyond 2 tau; the capped step lands on the equilibrium instead."""
    from stdplab.network import build_network

    gi = np.array([0.5, 150.0, 300.0, 1000.0])
    # Set up with numpy (setting a variable compiles a code object of its own); run with the target.
    with probes._runtime() as b2:
        params = dataclasses.replace(P, n_neurons=len(gi))
        net = build_network(params, 1, learning=False)
        net.set_parameters()
        net.exc.v = P.v_rest_e * b2.mV
        net.exc.theta = 100 * b2.mV  # no spikes
        net.inhibition.gi_all = gi.max()  # gi = gi_all - gi_partner (network.LATERAL_INHIBITION_MODEL)
        net.exc.gi_partner = gi.max() - gi
        monitor = b2.StateMonitor(net.exc, "v", record=True)
        b2.prefs.codegen.target = target
        # Only the groups the step involves: Cython then compiles a few code objects, not the network's.
        b2.Network(net.exc, net.inhibition, monitor).run(5 * P.dt * b2.ms)
        v = monitor.v / b2.mV
    k = P.dt / P.tau_e * (1 + gi)  # the Euler step's fraction of the way to equilibrium
    equilibrium = (P.v_rest_e + gi * P.e_inh_e) / (1 + gi)
    after_one_step = P.v_rest_e + np.minimum(k, 1) * (equilibrium - P.v_rest_e)
    assert v[:, 1] == pytest.approx(after_one_step, rel=1e-9)
    assert (k[:2] < 1).all() and (k[2:] > 1).all()
    # Below the cap, Euler's own step: v + dt/tau (v_rest - v + gi (E_inh - v)).
    assert v[0, 1] == pytest.approx(P.v_rest_e + P.dt / P.tau_e * gi[0] * (P.e_inh_e - P.v_rest_e), rel=1e-12)
    # However large gi gets, v stays between E_inh and rest (uncapped Euler: -240 mV at gi = 1000).
    assert (v >= P.e_inh_e - 1e-9).all() and (v <= P.v_rest_e + 1e-9).all()


@pytest.mark.parametrize("theta0", [3.0, 6.0])
def test_threshold_is_theta_minus_offset_plus_v_thresh(theta0):
    # theta0 = 6 mV: threshold 6 - 20 - 52 = -66 mV, 1 mV below rest, so a neuron with no input
    # reaches it as v relaxes back to rest (and the run starts at v_rest - 40 mV).
    trace = relax(theta0=theta0)
    threshold = theta0 - P.theta_offset + P.v_thresh_e
    assert trace.threshold[0] == pytest.approx(threshold)
    assert trace.n_spikes >= 1
    assert trace.spikes[0] == pytest.approx(first_spike(threshold), abs=1.0)
    assert np.all(trace.v[trace.t <= trace.spikes[0]] <= threshold)


def test_threshold_above_rest_is_never_reached():
    assert relax(theta0=8.0).n_spikes == 0  # threshold -64 mV, above rest
    # The threshold follows theta_offset and v_thresh_e too.
    assert relax(theta0=6.0, theta_offset=18.0).n_spikes == 0  # -64 mV
    moved = relax(theta0=8.0, v_thresh_e=-56.0)  # -68 mV
    assert moved.spikes[0] == pytest.approx(first_spike(-68.0), abs=1.0)


def test_spike_block_and_refractory_period():
    # Threshold far below rest: the neuron fires whenever it is allowed to.
    blocked = relax(theta0=-20.0, duration=1000.0)
    isi = np.diff(blocked.spikes)
    assert len(isi) >= 15
    assert np.all(isi >= P.spike_block) and np.all(isi <= P.spike_block + 1.0)
    # Without the spike block, the 5 ms refractory period limits it.
    free = relax(theta0=-20.0, duration=200.0, spike_block=0.0)
    isi = np.diff(free.spikes)
    assert np.all(isi >= P.refractory_e) and np.all(isi <= P.refractory_e + 1.0)
    # During the refractory period v is held at the reset potential.
    after = (free.t > free.spikes[0]) & (free.t < free.spikes[0] + P.refractory_e)
    assert np.allclose(free.v[after], P.v_reset_e)


def test_theta_rises_by_theta_plus_per_spike():
    trace = relax(theta0=-20.0, duration=1000.0)
    rise = trace.theta[-1] - trace.theta[0]
    # tau_theta = 1e7 ms: the decay over 1 s is 1e-4 of |theta|, 0.002 mV here.
    assert rise == pytest.approx(trace.n_spikes * P.theta_plus, abs=0.005)
    jumps = np.diff(trace.theta)
    assert np.sum(jumps > P.theta_plus / 2) == trace.n_spikes - (trace.spikes[-1] >= trace.t[-1])


def test_poisson_input_drives_the_neuron():
    quiet = probes.single_neuron(input_rate=2.0, n_inputs=50, weight=0.3, duration=500.0)
    driven = probes.single_neuron(input_rate=30.0, n_inputs=50, weight=0.3, duration=500.0)
    assert quiet.n_spikes == 0
    assert driven.n_spikes >= 3
    assert np.all(driven.v <= 0)


# --- lateral inhibition ------------------------------------------------------------------------------

def test_winner_take_all():
    with_inhibition = probes.winner_take_all(n_neurons=3, duration=350.0)
    without = probes.winner_take_all(n_neurons=3, duration=350.0, inhibition=False)
    assert with_inhibition["winner"] == 0
    assert with_inhibition["counts"][0] > 0 and with_inhibition["counts"][1:].sum() == 0
    assert np.all(without["counts"] > 0)
