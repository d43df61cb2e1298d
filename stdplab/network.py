"""The Diehl & Cook (2015) network as Brian 2 groups and synapses.

Equations are written as in the paper and the authors' code. Every constant that may change
between runs (all of ``Parameters`` except the few in ``SHAPE_PARAMETERS``) is a shared variable
of the group that uses it, so a compiled standalone project can be rerun with new values; the
mapping from parameter names to those variables is ``Network.parameter_targets``.

Two ways to drive the network share these builders:
- ``build_network(..., stimulus=TimedArray)`` puts the whole presentation protocol inside the
  simulation (example index, intensity boost, per-example normalisation, stopping), for the
  standalone device (``simulator.py``);
- ``build_network(..., stimulus=None)`` leaves rates and normalisation to the caller, as the
  public one-``run()``-per-example ports do (used by the reference benchmark and teaching plots).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import brian2 as b2
import numpy as np

from .parameters import Parameters
from .rules import get_rule

UNITS = {"1": 1, "mV": b2.mV, "ms": b2.ms, "Hz": b2.Hz}
# Brian reserves the suffixes _pre and _post for pre- and postsynaptic variables.
BRIAN_NAMES = {"tau_pre": "tau_presyn", "nu_pre": "nu_presyn", "nu_post": "nu_postsyn"}
_DECLARED_UNITS = {"1": "1", "mV": "volt", "ms": "second", "Hz": "hertz"}

EXCITATORY_MODEL = """
dv/dt = ((v_rest_e - v) + ge * (e_exc - v) + gi * (e_inh_e - v)) / tau_e : volt (unless refractory)
dge/dt = -ge / tau_ge : 1
dgi/dt = -gi / tau_gi : 1
dtheta/dt = -plastic * theta / tau_theta : volt
dtimer/dt = 1 : second    # time since the last spike
wsum : 1                  # sum of this neuron's input weights, kept up to date by the synapses
plastic : 1 (shared)      # 1 while learning: STDP on, theta rises and decays
"""
EXCITATORY_THRESHOLD = "v > theta - theta_offset + v_thresh_e and timer > spike_block"
EXCITATORY_RESET = """
v = v_reset_e
theta += plastic * theta_plus
timer = 0*ms
"""

INHIBITORY_MODEL = """
dv/dt = ((v_rest_i - v) + ge * (e_exc - v) + gi * (e_inh_i - v)) / tau_i : volt (unless refractory)
dge/dt = -ge / tau_ge : 1
dgi/dt = -gi / tau_gi : 1
"""

# Applied after every rule's statements: clip, learn only while plastic, track the weight sum.
APPLY_WEIGHT_CHANGE = """
dw = plastic_post * (clip(w_new, 0, w_max) - w)
w += dw
wsum_post += dw
"""

CONTROLLER_MODEL = """
step : integer           # time step within the current presentation slot
example : integer        # index of the example being shown (into the stimulus array)
intensity : 1
presenting : 1           # 1 while the example is shown, 0 during the rest
count : integer          # excitatory spikes while presenting, for the boost rule
input_spikes : integer   # spikes in this slot, per population (for the energy counts)
exc_spikes : integer
inh_spikes : integer
n_examples : integer (shared)
rng_seed : integer (shared)   # the standalone binary re-seeds its generator from this (simulator.py)
"""

# Runs first in every time step. At the start of each slot: accept the last example (enough
# spikes, or the safety cap reached) and move on at the start intensity, or show it again at a
# higher intensity; stop once every example has been accepted.
CONTROLLER_STEP = """
step = (step + 1) % slot_steps
advance = int(step == 0 and (count >= min_spikes or intensity >= max_intensity))
example += advance
intensity += int(step == 0) * ((1 - advance) * intensity_step + advance * (start_intensity - intensity))
count *= 1 - int(step == 0)
input_spikes *= 1 - int(step == 0)
exc_spikes *= 1 - int(step == 0)
inh_spikes *= 1 - int(step == 0)
presenting = int(step < present_steps)
stopped = stop_when(example >= n_examples)
"""
# Dark pixels and rests draw no random number.
INPUT_THRESHOLD = "rate > 0*Hz and rand() < rate * dt"
CONTROLLED_INPUT_MODEL = """
rate = stimulus(example * second, i) * intensity * presenting : Hz
example : integer (linked)
intensity : 1 (linked)
presenting : 1 (linked)
"""
SLOT_RECORD = ("example", "intensity", "count", "input_spikes", "exc_spikes", "inh_spikes")

stop_when = b2.Function(
    lambda condition: condition, arg_units=[1], return_unit=1, arg_types=["boolean"],
    return_type="boolean",
)
stop_when.implementations.add_implementation(
    "cpp",
    """
    bool stop_when(bool condition) {
        if (condition) Network::_globally_stopped = true;  // ends the run after this step
        return condition;
    }
    """,
    name="stop_when",
)


def _declare(names) -> str:
    return "\n".join(
        f"{BRIAN_NAMES.get(name, name)} : {_DECLARED_UNITS[Parameters.unit(name)]} (shared, constant)"
        for name in names
    )


@dataclass
class Network:
    """The Brian objects of one network, and where each run-time parameter lives."""

    params: Parameters
    inputs: b2.NeuronGroup
    exc: b2.NeuronGroup
    inh: b2.NeuronGroup
    input_exc: b2.Synapses
    exc_inh: b2.Synapses
    inh_exc: b2.Synapses
    parameter_targets: dict = field(default_factory=dict)
    extra: list = field(default_factory=list)
    monitors: dict = field(default_factory=dict)

    @property
    def objects(self) -> list:
        return [self.inputs, self.exc, self.inh, self.input_exc, self.exc_inh, self.inh_exc, *self.extra]

    def _register(self, group, names):
        for name in names:
            self.parameter_targets.setdefault(name, []).append((group, BRIAN_NAMES.get(name, name)))

    def set_parameters(self, params: Parameters | None = None) -> None:
        """Assign every run-time parameter (runtime device only; standalone uses run_args)."""
        params = params or self.params
        for name, value in self.parameter_values(params).items():
            for group, var in self.parameter_targets[name]:
                setattr(group, var, value)

    def parameter_values(self, params: Parameters) -> dict:
        return {name: getattr(params, name) * UNITS[Parameters.unit(name)] for name in self.parameter_targets}


def build_network(params: Parameters, n_input: int, stimulus: b2.TimedArray | None = None,
                  clock: b2.Clock | None = None, record_all_spikes: bool = False) -> Network:
    """Build input, excitatory and inhibitory groups and their connections.

    With ``stimulus`` (``stimulus(k * second, i)``: input i's rate at unit intensity in example k)
    the presentation controller is added too (recording excitatory spikes, and with
    ``record_all_spikes`` input and inhibitory spikes as well). Without it, the input group has a plain ``rate``
    variable that the caller sets before each ``run()``.
    """
    clock = clock or b2.Clock(dt=params.dt * b2.ms)
    n = params.n_neurons
    rule = get_rule(params.learning_rule)

    inputs = b2.NeuronGroup(n_input, "rate : Hz" if stimulus is None else CONTROLLED_INPUT_MODEL,
                            threshold=INPUT_THRESHOLD, clock=clock, name="inputs",
                            namespace={"stimulus": stimulus} if stimulus is not None else None)

    exc_constants = ("v_rest_e", "v_reset_e", "v_thresh_e", "tau_e", "e_exc", "e_inh_e", "tau_ge",
                     "tau_gi", "refractory_e", "spike_block", "theta_plus", "tau_theta", "theta_offset",
                     "weight_total")
    exc_constants += rule.neuron_constants
    exc = b2.NeuronGroup(n, "\n".join([EXCITATORY_MODEL, rule.neuron_model, _declare(exc_constants)]),
                         threshold=EXCITATORY_THRESHOLD, reset=EXCITATORY_RESET + rule.neuron_reset,
                         refractory="refractory_e", method="euler", clock=clock, name="excitatory")
    if rule.neuron_decay:
        exc.run_regularly(rule.neuron_decay, when="start", order=3, name="postsynaptic_traces")
    inh_constants = ("v_rest_i", "v_reset_i", "v_thresh_i", "tau_i", "e_exc", "e_inh_i", "tau_ge",
                     "tau_gi", "refractory_i")
    inh = b2.NeuronGroup(n, INHIBITORY_MODEL + _declare(inh_constants), threshold="v > v_thresh_i",
                         reset="v = v_reset_i", refractory="refractory_i", method="euler",
                         clock=clock, name="inhibitory")

    stdp_constants = tuple(dict.fromkeys(rule.constants + ("w_max",)))
    def with_weight_change(statements):
        return statements + APPLY_WEIGHT_CHANGE if "w_new" in statements else statements

    input_exc = b2.Synapses(
        inputs, exc, model=rule.model + "\nw : 1\n" + _declare(stdp_constants),
        on_pre="ge_post += w\n" + with_weight_change(rule.on_pre),
        on_post=with_weight_change(rule.on_post), clock=clock, name="input_exc",
    )
    # Explicit indices fix the synapse order: synapse k is (k // n, k % n), a row-major matrix.
    input_exc.connect(i=np.repeat(np.arange(n_input), n), j=np.tile(np.arange(n), n_input))
    input_exc.delay = np.zeros(n_input * n) * b2.ms  # one delay per synapse, set before each run
    for var, value in rule.initial:
        setattr(input_exc, var, value)

    exc_inh = b2.Synapses(exc, inh, model=_declare(["w_exc_inh"]), on_pre="ge_post += w_exc_inh",
                          clock=clock, name="exc_inh")
    exc_inh.connect(j="i")
    inh_exc = b2.Synapses(inh, exc, model=_declare(["w_inh_exc"]), on_pre="gi_post += w_inh_exc",
                          clock=clock, name="inh_exc")
    inh_exc.connect(condition="i != j")

    net = Network(params, inputs, exc, inh, input_exc, exc_inh, inh_exc)
    net._register(exc, exc_constants)
    net._register(inh, inh_constants)
    net._register(input_exc, stdp_constants)
    net._register(exc_inh, ["w_exc_inh"])
    net._register(inh_exc, ["w_inh_exc"])
    reset_state(net)
    if stimulus is not None:
        _add_presentation_controller(net, record_all_spikes)
    return net


def reset_state(net: Network) -> None:
    """Membrane potentials and conductances as at the start of the original simulation."""
    p = net.params
    net.exc.v = (p.v_rest_e - 40.0) * b2.mV
    net.inh.v = (p.v_rest_i - 40.0) * b2.mV
    net.exc.timer = p.spike_block * b2.ms + net.exc.clock.dt  # free to spike at once


def _add_presentation_controller(net: Network, record_all_spikes: bool) -> None:
    """Run the presentation protocol inside the simulation (for the standalone device)."""
    p = net.params
    clock = net.exc.clock
    slot_steps = int(round((p.present_time + p.rest_time) / p.dt))
    present_steps = int(round(p.present_time / p.dt))
    slot = (p.present_time + p.rest_time) * b2.ms

    controller_constants = ("start_intensity", "intensity_step", "min_spikes", "max_intensity")
    controller = b2.NeuronGroup(1, CONTROLLER_MODEL + _declare(controller_constants), clock=clock,
                                name="controller",
                                namespace={"slot_steps": slot_steps, "present_steps": present_steps,
                                           "stop_when": stop_when})
    controller.step = -1
    controller.example = -1
    controller.count = 2**30  # the first slot start "accepts" example -1 and moves to example 0
    controller.run_regularly(CONTROLLER_STEP, when="start", order=0, name="controller_step")
    net._register(controller, controller_constants)

    for name in ("example", "intensity", "presenting"):
        setattr(net.inputs, name, b2.linked_var(controller, name, index=np.zeros(len(net.inputs), int)))

    # Per-example weight normalisation at each slot start, only while learning.
    net.input_exc.run_regularly(
        "w *= 1 + plastic_post * (weight_total_post / wsum_post - 1)",
        dt=slot, when="start", order=1, name="normalise_weights",
    )
    net.exc.run_regularly("wsum += plastic * (weight_total - wsum)", dt=slot, when="start", order=2,
                          name="normalised_sum")

    counters = [
        b2.Synapses(net.exc, controller, on_pre="count_post += int(presenting_post > 0)\nexc_spikes_post += 1",
                    clock=clock, name="count_exc"),
        b2.Synapses(net.inh, controller, on_pre="inh_spikes_post += 1", clock=clock, name="count_inh"),
        b2.Synapses(net.inputs, controller, on_pre="input_spikes_post += 1", clock=clock, name="count_input"),
    ]
    for counter in counters:
        counter.connect()
    spikes = {"exc": b2.SpikeMonitor(net.exc, name="exc_spike_monitor")}
    if record_all_spikes:
        spikes["input"] = b2.SpikeMonitor(net.inputs, name="input_spike_monitor")
        spikes["inh"] = b2.SpikeMonitor(net.inh, name="inh_spike_monitor")
    # Recorded at each slot start before the controller moves on: row k + 1 describes slot k.
    slots = b2.StateMonitor(controller, SLOT_RECORD, record=[0], dt=slot, when="start", order=-1,
                            name="slots")
    net.extra += [controller, *counters, *spikes.values(), slots]
    net.monitors = {"controller": controller, "spikes": spikes, "slots": slots}
