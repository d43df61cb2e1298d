"""The Diehl & Cook (2015) network as Brian 2 groups and synapses.

Equations are written as in the paper and the authors' code. Every constant that may change
between runs is a shared variable of the group that uses it (``SHAPE_PARAMETERS`` shape the code,
or, for v_rest_e, v_rest_i and spike_block, also the starting state compiled into it), so a
compiled standalone project can be rerun with new values; the mapping from parameter names to those
variables is ``Network.parameter_targets``.

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

from .parameters import SI_UNIT_NAMES, Parameters
from .rules import get_rule

# Brian reserves the suffixes _pre and _post for pre- and postsynaptic variables.
BRIAN_NAMES = {"tau_pre": "tau_presyn", "nu_pre": "nu_presyn", "nu_post": "nu_postsyn"}

# The membrane is integrated with Euler's method, as in the original, with its step capped at the
# equilibrium v would relax to. Forward Euler overshoots that equilibrium once (1 + ge + gi) * dt
# exceeds tau, and diverges beyond 2 * tau: at 1,600 neurons, 24 inhibitory spikes in one step
# (gi = 408) did that and fired the whole layer. Below the cap (ge + gi < 199 for the excitatory
# neurons; < 19 for the inhibitory ones, which their one excitatory partner at 10.4 never reaches)
# every step is the original's, bit for bit. euler_cap(k) takes the fraction 1/k of a step that would
# move v the fraction k > 1 of the way; a branch, not a division, so the usual step costs as before.
MEMBRANE_STEP_CAP = "euler_cap((1 + ge + gi) * (dt / tau_{0}))"

EXCITATORY_MODEL = """
dv/dt = ((v_rest_e - v) + ge * (e_exc - v) + gi * (e_inh_e - v)) / tau_e * {cap} : volt (unless refractory)
dge/dt = -ge / tau_ge : 1
gi = gi_all - gi_partner : 1  # dgi/dt = -gi / tau_gi, as lateral inhibition (below) holds it
dgi_partner/dt = -gi_partner / tau_gi : 1
gi_all : 1 (linked)
dtimer/dt = 1 : second    # time since the last spike
""".format(cap=MEMBRANE_STEP_CAP.format("e"))
EXCITATORY_THRESHOLD = "v > theta - theta_offset + v_thresh_e and timer > spike_block"
EXCITATORY_RESET = """
v = v_reset_e
timer = 0*ms
"""
# Learning is decided when the network is built: an inference build has no plasticity code at all.
ADAPTIVE_THRESHOLD = """
dtheta/dt = -theta / tau_theta : volt
wsum : 1                  # sum of this neuron's input weights, kept up to date by the synapses
"""
FIXED_THRESHOLD = "theta : volt (constant)"
ADAPTIVE_THRESHOLD_RESET = "theta += theta_plus"

INHIBITORY_MODEL = """
dv/dt = ((v_rest_i - v) + ge * (e_exc - v) + gi * (e_inh_i - v)) / tau_i * {cap} : volt (unless refractory)
dge/dt = -ge / tau_ge : 1
dgi/dt = -gi / tau_gi : 1
""".format(cap=MEMBRANE_STEP_CAP.format("i"))

# Lateral inhibition: an inhibitory spike adds w_inh_exc to gi of every excitatory neuron but its
# partner. With one weight for all, neuron j's gi is the part every inhibitory spike adds (gi_all,
# one value for the layer, which decays as gi does) less its partner's part (gi_partner): N synapses
# and one sum instead of N * (N - 1) synapses (41 M at 6,400 neurons). gi is then the all-to-all
# sum exactly where the partner has not spiked, and up to rounding (1e-16 relative) where it has.
# The sum decays after the excitatory neurons have read it (order=1), as their own gi_partner does.
LATERAL_INHIBITION_MODEL = "dgi_all/dt = -gi_all / tau_gi : 1"

# Standalone builds give each run the input synapses' targets in the order of their delays (simulator.py).
DELIVERY_ORDER = "delivery_target : integer  # the postsynaptic index this synapse takes at the run's start"

# Applied after every rule's statements: clip, and track the weight sum.
APPLY_WEIGHT_CHANGE = """
dw = clip(w_new, 0, w_max) - w
w += dw
wsum_post += dw
"""

# The presentation protocol (standalone builds). Every slot of present_time + rest_time starts
# with one pass of bookkeeping; nothing of it runs in the other time steps.
CONTROLLER_MODEL = """
example : integer           # index of the example being shown (into the stimulus array)
intensity : 1
presentation_start : integer  # time step at which the current slot began
presentation_end : integer    # time step at which its presentation gives way to the rest
count : integer             # excitatory spikes while presenting, for the boost rule (summed)
input_spikes : integer      # spikes in the last slot, per population, for the energy counts (summed)
exc_spikes : integer
inh_spikes : integer
n_examples : integer (shared)
rng_seed : integer (shared)   # the standalone binary re-seeds its generator from this (simulator.py)
"""
# At each slot start: accept the last example (enough spikes, or the safety cap reached) and move
# on at the start intensity, or show it again at a higher intensity; stop once every example has
# been accepted.
CONTROLLER_STEP = """
advance = int(count >= min_spikes or intensity >= max_intensity)
example += advance
intensity = advance * start_intensity + (1 - advance) * (intensity + intensity_step)
presentation_start = t_in_timesteps * slot_steps  # the controller's clock ticks once a slot
presentation_end = presentation_start + present_steps
stopped = stop_when(example >= n_examples)
"""
# Poisson input as in the paper (a spike in each step with probability rate * dt), drawn as the
# intervals between spikes: random numbers cost in proportion to spikes, not to pixels x steps.
CONTROLLED_INPUT_MODEL = """
rate = stimulus(example * second, i) * intensity : Hz
next_spike : integer      # time step of this input's next spike
n_spikes : integer        # spikes in this slot
example : integer (linked)
intensity : 1 (linked)
presentation_start : integer (linked)
presentation_end : integer (linked)
"""
CONTROLLED_INPUT_THRESHOLD = "t_in_timesteps == next_spike"
CONTROLLED_INPUT_RESET = """
next_spike = next_spike_step(t_in_timesteps, rate * dt, rand(), presentation_end)
n_spikes += 1
"""
CONTROLLED_INPUT_SLOT_START = """
next_spike = next_spike_step(presentation_start - 1, rate * dt, rand(), presentation_end)
n_spikes = 0
"""
# Driven from Python (one run() per example): the per-step Bernoulli draw of public ports.
INPUT_THRESHOLD = "rate > 0*Hz and rand() < rate * dt"
# Per-neuron spike counters of the slot (standalone builds), summed by the controller.
SLOT_COUNTERS = """
n_spikes : integer        # spikes in this slot
present_spikes : integer  # of them while the example was shown
presentation_end : integer (linked)
"""
SLOT_COUNTING = "n_spikes += 1\npresent_spikes += int(t_in_timesteps < presentation_end)"
SLOT_RECORD = ("example", "intensity", "count", "input_spikes", "exc_spikes", "inh_spikes")
NEVER = 2**30  # a time step no run reaches

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


def _next_spike_step(step, p, u, end):
    step, p, u, end = np.broadcast_arrays(*(np.asarray(a, float) for a in (step, p, u, end)))
    inside = (p > 0) & (p < 1)
    intervals = np.where(p >= 1, 1, 1 + np.floor(np.log1p(-u) / np.log1p(-np.where(inside, p, 0.5))))
    following = step + intervals
    return np.where((p > 0) & (following < end), following, NEVER).astype(np.int32)


# The time step after ``step`` at which a process that fires with probability p in each step
# fires next (geometric intervals, by inversion of a uniform u in [0, 1)); NEVER from ``end`` on.
next_spike_step = b2.Function(
    _next_spike_step, arg_units=[1, 1, 1, 1], return_unit=1,
    arg_types=["integer", "float", "float", "integer"], return_type="integer",
)
next_spike_step.implementations.add_implementation(
    "cpp",
    f"""
    int next_spike_step(int64_t step, double p, double u, int64_t end) {{
        if (p <= 0) return {NEVER};
        const double following = step + (p >= 1 ? 1 : 1 + floor(log1p(-u) / log1p(-p)));
        return following < end ? (int) following : {NEVER};
    }}
    """,
    name="next_spike_step",
)


euler_cap = b2.Function(
    lambda k: np.where(np.asarray(k) > 1, 1 / np.maximum(k, 1), 1.0), arg_units=[1], return_unit=1,
    arg_types=["float"], return_type="float",
)
euler_cap.implementations.add_implementation(
    "cpp", "double euler_cap(double k) { return k > 1 ? 1 / k : 1; }", name="euler_cap",
)
euler_cap.implementations.add_implementation(  # the runtime reference of benchmarks/speed.py
    "cython", "cdef double euler_cap(double k):\n    return 1 / k if k > 1 else 1.0\n", name="euler_cap",
)


def _declare(names) -> str:
    return "\n".join(
        f"{BRIAN_NAMES.get(name, name)} : {SI_UNIT_NAMES[Parameters.unit(name)]} (shared, constant)"
        for name in names
    )


@dataclass
class Network:  # numpydoc ignore=PR01
    """The Brian objects of one network, and where each run-time parameter lives.

    Attributes
    ----------
    params : Parameters
        The parameters it was built with.
    inputs, exc, inh : brian2.NeuronGroup
        Input (Poisson), excitatory and inhibitory neurons.
    input_exc, exc_inh : brian2.Synapses
        All-to-all input synapses, excitatory -> inhibitory one to one.
    inhibition : brian2.NeuronGroup
        One neuron holding ``gi_all``, the lateral inhibition every inhibitory spike adds.
    inh_exc, inh_partner : brian2.Synapses
        Inhibitory neurons -> ``inhibition``, and each inhibitory neuron -> its partner, whose part
        of ``gi_all`` its ``gi`` leaves out (``LATERAL_INHIBITION_MODEL``).
    learning : bool
        Whether the build has plasticity.
    parameter_targets : dict
        Parameter name -> [(group, Brian variable name)] of every shared variable holding it.
    extra : list
        Further Brian objects (the presentation controller and its monitors).
    monitors : dict
        ``controller``, ``spikes`` (population -> SpikeMonitor) and ``slots`` (standalone builds).
    """

    params: Parameters
    inputs: b2.NeuronGroup
    exc: b2.NeuronGroup
    inh: b2.NeuronGroup
    input_exc: b2.Synapses
    exc_inh: b2.Synapses
    inhibition: b2.NeuronGroup
    inh_exc: b2.Synapses
    inh_partner: b2.Synapses
    learning: bool = True
    parameter_targets: dict = field(default_factory=dict)
    extra: list = field(default_factory=list)
    monitors: dict = field(default_factory=dict)

    @property
    def objects(self) -> list:
        """Every Brian object of the network, for ``brian2.Network``."""
        return [self.inputs, self.exc, self.inh, self.input_exc, self.exc_inh, self.inhibition, self.inh_exc,
                self.inh_partner, *self.extra]

    def _register(self, group, names):
        for name in names:
            self.parameter_targets.setdefault(name, []).append((group, BRIAN_NAMES.get(name, name)))

    def set_parameters(self) -> None:
        """Assign every run-time parameter the network was built with (runtime device only;
        standalone uses run_args)."""
        for name, value in self.parameter_values(self.params).items():
            for group, var in self.parameter_targets[name]:
                setattr(group, var, value)

    def parameter_values(self, params: Parameters) -> dict:
        """Each run-time parameter's value as a Brian quantity.

        Parameters
        ----------
        params : Parameters
            The values.

        Returns
        -------
        dict
            Parameter name -> value with its unit.
        """
        return {name: params.si(name) * getattr(b2, SI_UNIT_NAMES[Parameters.unit(name)], 1)
                for name in self.parameter_targets}


def build_network(params: Parameters, n_input: int, stimulus: b2.TimedArray | None = None,
                  learning: bool = True, clock: b2.Clock | None = None,
                  record_all_spikes: bool = False) -> Network:
    """Build input, excitatory and inhibitory groups and their connections.

    Parameters
    ----------
    params : Parameters
        The network's parameters (their values are the groups' initial run-time values).
    n_input : int
        Input neurons (pixels).
    stimulus : brian2.TimedArray, optional
        ``stimulus(k * second, i)``: input i's rate at unit intensity in example k. With it the
        presentation controller is added too (recording excitatory spikes, and with
        ``record_all_spikes`` input and inhibitory spikes as well). Without it, the input group has
        a plain ``rate`` variable that the caller sets before each ``run()``.
    learning : bool, default True
        The input synapses follow the STDP rule, θ rises with each spike and decays, and the weights
        are normalised per example; without it none of that code exists.
    clock : brian2.Clock, optional
        The clock of every group (default: a new one with ``params.dt``).
    record_all_spikes : bool, default False
        With ``stimulus``: monitor input and inhibitory spikes too.

    Returns
    -------
    Network
        The Brian objects and where each run-time parameter lives.
    """
    clock = clock or b2.Clock(dt=params.dt * b2.ms)
    rule = get_rule(params.learning_rule)
    controlled = stimulus is not None
    if controlled:
        inputs = b2.NeuronGroup(n_input, CONTROLLED_INPUT_MODEL, threshold=CONTROLLED_INPUT_THRESHOLD,
                                reset=CONTROLLED_INPUT_RESET, clock=clock, name="inputs",
                                namespace={"stimulus": stimulus, "next_spike_step": next_spike_step})
    else:
        inputs = b2.NeuronGroup(n_input, "rate : Hz", threshold=INPUT_THRESHOLD, clock=clock, name="inputs")
    exc, exc_constants = _excitatory(params, rule, learning, controlled, clock)
    inh, inh_constants = _inhibitory(params, controlled, clock)
    input_exc, stdp_constants = _input_synapses(inputs, exc, rule, learning, controlled, clock)
    exc_inh = b2.Synapses(exc, inh, model=_declare(["w_exc_inh"]), on_pre="ge_post += w_exc_inh",
                          clock=clock, name="exc_inh")
    exc_inh.connect(j="i")
    inhibition, inh_exc, inh_partner = _lateral_inhibition(inh, exc, clock)

    net = Network(params, inputs, exc, inh, input_exc, exc_inh, inhibition, inh_exc, inh_partner, learning=learning)
    for group, names in ((exc, exc_constants), (inh, inh_constants), (input_exc, stdp_constants),
                         (exc_inh, ["w_exc_inh"]), (inhibition, ["tau_gi"]), (inh_exc, ["w_inh_exc"]),
                         (inh_partner, ["w_inh_exc"])):
        net._register(group, names)
    reset_state(net)
    if controlled:
        _add_presentation_controller(net, record_all_spikes)
    return net


def _excitatory(params: Parameters, rule, learning: bool, controlled: bool, clock) -> tuple:
    """The excitatory group, and the parameters it holds."""
    constants = ("v_rest_e", "v_reset_e", "v_thresh_e", "tau_e", "e_exc", "e_inh_e", "tau_ge",
                 "tau_gi", "refractory_e", "spike_block", "theta_offset")
    model = [EXCITATORY_MODEL, SLOT_COUNTERS if controlled else ""]
    reset = [EXCITATORY_RESET, SLOT_COUNTING if controlled else ""]
    if learning:
        constants += ("theta_plus", "tau_theta", "weight_total") + rule.neuron_constants
        model += [ADAPTIVE_THRESHOLD, rule.neuron_model, "normalisation : 1" if controlled else ""]
        reset += [ADAPTIVE_THRESHOLD_RESET, rule.neuron_reset]
    else:
        model.append(FIXED_THRESHOLD)
    exc = b2.NeuronGroup(params.n_neurons, "\n".join([*model, _declare(constants)]),
                         threshold=EXCITATORY_THRESHOLD, reset="\n".join(reset),
                         refractory="refractory_e", method="euler", clock=clock, name="excitatory",
                         namespace={"euler_cap": euler_cap})
    if learning and rule.neuron_decay:
        exc.run_regularly(rule.neuron_decay, when="start", order=3, name="postsynaptic_traces")
    return exc, constants


def _inhibitory(params: Parameters, controlled: bool, clock) -> tuple:
    """The inhibitory group, and the parameters it holds."""
    constants = ("v_rest_i", "v_reset_i", "v_thresh_i", "tau_i", "e_exc", "e_inh_i", "tau_ge",
                 "tau_gi", "refractory_i")
    inh = b2.NeuronGroup(params.n_neurons, "\n".join([INHIBITORY_MODEL, "n_spikes : integer" if controlled else "",
                                                       _declare(constants)]),
                         threshold="v > v_thresh_i", reset="v = v_reset_i" + ("\nn_spikes += 1" if controlled else ""),
                         refractory="refractory_i", method="euler", clock=clock, name="inhibitory",
                         namespace={"euler_cap": euler_cap})
    return inh, constants


def _lateral_inhibition(inh, exc, clock) -> tuple:
    """The layer's inhibition sum and the synapses that feed it (``LATERAL_INHIBITION_MODEL``)."""
    inhibition = b2.NeuronGroup(1, "\n".join([LATERAL_INHIBITION_MODEL, _declare(["tau_gi"])]), method="euler",
                                clock=clock, order=1, name="lateral_inhibition")
    exc.gi_all = b2.linked_var(inhibition, "gi_all", index=np.zeros(len(exc), int))
    inh_exc = b2.Synapses(inh, inhibition, model=_declare(["w_inh_exc"]), on_pre="gi_all_post += w_inh_exc",
                          clock=clock, name="inh_exc")
    inh_exc.connect(i=np.arange(len(inh)), j=0)
    inh_partner = b2.Synapses(inh, exc, model=_declare(["w_inh_exc"]), on_pre="gi_partner_post += w_inh_exc",
                              clock=clock, name="inh_partner")
    inh_partner.connect(j="i")
    return inhibition, inh_exc, inh_partner


def _input_synapses(inputs, exc, rule, learning: bool, controlled: bool, clock) -> tuple:
    """The all-to-all input -> excitatory synapses (plastic when ``learning``), and the parameters
    they hold."""
    n_input, n = len(inputs), len(exc)
    delivery_model = DELIVERY_ORDER if controlled else ""
    if learning:
        constants = tuple(dict.fromkeys(rule.constants + ("w_max",)))

        def with_weight_change(statements):
            return statements + APPLY_WEIGHT_CHANGE if "w_new" in statements else statements

        input_exc = b2.Synapses(
            inputs, exc, model="\n".join([rule.model, "w : 1", delivery_model, _declare(constants)]),
            on_pre="ge_post += w\n" + with_weight_change(rule.on_pre),
            on_post=with_weight_change(rule.on_post), clock=clock, name="input_exc",
        )
    else:
        constants = ()
        input_exc = b2.Synapses(inputs, exc, model="w : 1\n" + delivery_model, on_pre="ge_post += w", clock=clock,
                                name="input_exc")
    # Explicit indices fix the synapse order: synapse k is (k // n, k % n), a row-major matrix.
    # Standalone runs then reorder each row by delay (``delivery_target``, see simulator.py).
    input_exc.connect(i=np.repeat(np.arange(n_input), n), j=np.tile(np.arange(n), n_input))
    input_exc.delay = np.zeros(n_input * n) * b2.ms  # one delay per synapse, set before each run
    if controlled:
        input_exc.delivery_target = "j"  # the plain layout, until a run gives its own
    if learning:
        for var, value in rule.initial:
            setattr(input_exc, var, value)
    return input_exc, constants


def reset_state(net: Network) -> None:
    """Set membrane potentials and spike timers as at the start of the original simulation.

    Parameters
    ----------
    net : Network
        The network to reset.
    """
    p = net.params
    net.exc.v = (p.v_rest_e - 40.0) * b2.mV
    net.inh.v = (p.v_rest_i - 40.0) * b2.mV
    net.exc.timer = p.spike_block * b2.ms + net.exc.clock.dt  # free to spike at once


def _add_presentation_controller(net: Network, record_all_spikes: bool) -> None:
    """Run the presentation protocol inside the simulation (for the standalone device).

    Order at each slot start (all in the ``groups`` slot, before any spike of the new slot):
    the controller's sums of the per-neuron spike counters (order -1, Brian's summed variables),
    the slot record (0), the controller's decision (1), then inputs, counters and weights start
    the new slot (2, 3).
    """
    p = net.params
    clock = net.exc.clock
    # One clock for all slot-wise work: Brian's main loop pays for every clock, every step.
    slot_clock = b2.Clock(dt=p.slot_steps * clock.dt, name="slot_clock")

    controller_constants = ("start_intensity", "intensity_step", "min_spikes", "max_intensity")
    controller = b2.NeuronGroup(1, CONTROLLER_MODEL + _declare(controller_constants), clock=slot_clock,
                                name="controller",
                                namespace={"present_steps": p.present_steps, "slot_steps": p.slot_steps,
                                           "stop_when": stop_when})
    controller.example = -1
    controller.intensity = 1e9  # above any cap: the first slot start "accepts" example -1, moves to example 0
    controller.run_regularly(CONTROLLER_STEP, when="groups", order=1, name="controller_step")
    net._register(controller, controller_constants)

    for group, names in ((net.inputs, ("example", "intensity", "presentation_start", "presentation_end")),
                         (net.exc, ("presentation_end",))):
        for name in names:
            setattr(group, name, b2.linked_var(controller, name, index=np.zeros(len(group), int)))
    net.inputs.run_regularly(CONTROLLED_INPUT_SLOT_START, clock=slot_clock, when="groups", order=2,
                             name="input_slot_start")
    net.inh.run_regularly("n_spikes = 0", clock=slot_clock, when="groups", order=2, name="inhibitory_slot_start")
    exc_slot_start = "n_spikes = 0\npresent_spikes = 0"
    if net.learning:
        # Per-example weight normalisation: one factor per neuron, then one pass over the weights.
        exc_slot_start += "\nnormalisation = weight_total / wsum\nwsum = weight_total"
        net.input_exc.run_regularly("w *= normalisation_post", clock=slot_clock, when="groups", order=3,
                                    name="normalise_weights")
    net.exc.run_regularly(exc_slot_start, clock=slot_clock, when="groups", order=2, name="excitatory_slot_start")

    # On the slot clock too: a group left on Brian's defaultclock (0.1 ms) adds its ticks to the main loop.
    counters = [
        b2.Synapses(source, controller, f"{target}_post = {counter}_pre : integer (summed)", clock=slot_clock, name=name)
        for source, target, counter, name in ((net.exc, "count", "present_spikes", "count_exc"),
                                              (net.exc, "exc_spikes", "n_spikes", "sum_exc"),
                                              (net.inh, "inh_spikes", "n_spikes", "sum_inh"),
                                              (net.inputs, "input_spikes", "n_spikes", "sum_input"))
    ]
    for counter in counters:
        counter.connect()
    spikes = {"exc": b2.SpikeMonitor(net.exc, name="exc_spike_monitor")}
    if record_all_spikes:
        spikes["input"] = b2.SpikeMonitor(net.inputs, name="input_spike_monitor")
        spikes["inh"] = b2.SpikeMonitor(net.inh, name="inh_spike_monitor")
    # Recorded at each slot start before the controller moves on: row k + 1 describes slot k.
    slots = b2.StateMonitor(controller, SLOT_RECORD, record=[0], clock=slot_clock, when="groups", order=0,
                            name="slots")
    net.extra += [controller, *counters, *spikes.values(), slots]
    net.monitors = {"controller": controller, "spikes": spikes, "slots": slots}
