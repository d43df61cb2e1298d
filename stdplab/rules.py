"""STDP rules for the input -> excitatory synapses, as Brian 2 equation strings.

Each rule states its traces and, for a presynaptic and a postsynaptic spike, how the traces
change and what the proposed new weight ``w_new`` is. Presynaptic traces live on the synapse
(each has its own delay); postsynaptic traces live once per excitatory neuron. ``network.py`` applies ``w_new``
the same way for every rule: clipped to [0, w_max], only while learning, and added to the
postsynaptic neuron's running weight sum (used by the per-example normalisation).

Synaptic traces are event-driven (updated only when a spike reaches the synapse), so an idle
synapse costs nothing. Constants are shared variables of the synapses, so that a compiled network can be rerun
with new values. Brian reserves the suffixes ``_pre`` and ``_post``, so inside equations the
parameters ``tau_pre``, ``nu_pre`` and ``nu_post`` are called ``tau_presyn``, ``nu_presyn`` and
``nu_postsyn`` (``network.BRIAN_NAMES``).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:  # numpydoc ignore=PR01
    """One STDP rule as Brian 2 statements (see the module's description).

    Attributes
    ----------
    name : str
        The rule's ``learning_rule`` name.
    model : str
        Synapse variables.
    on_pre, on_post : str
        Statements on a presynaptic arrival and a postsynaptic spike; either may propose ``w_new``.
    constants : tuple of str
        Parameters the synapses use.
    doc : str
        The rule's equations, sources and measured sensitivity.
    default_nu_post : float
        ``nu_post`` when left to the rule (the paper gives it only for the triplet rule).
    neuron_model, neuron_decay, neuron_reset : str
        Postsynaptic traces (once per excitatory neuron), their decay at the start of every time
        step, and their update when the neuron spikes (after the synapses' ``on_post``).
    neuron_constants : tuple of str
        Parameters the excitatory neurons use for those traces.
    initial : tuple of (str, str)
        (synapse variable, expression) at the start.
    """

    name: str
    model: str
    on_pre: str
    on_post: str
    constants: tuple[str, ...]
    doc: str
    default_nu_post: float
    neuron_model: str = ""
    neuron_decay: str = ""
    neuron_reset: str = ""
    neuron_constants: tuple[str, ...] = ()
    initial: tuple[tuple[str, str], ...] = ()


TRIPLET = Rule(
    name="triplet",
    # pre is set to 1 on each arrival, so its value is exp(-(t - t_arrival) / tau_pre): keeping the
    # arrival's time step (4 bytes a synapse) instead of a trace spares an exponential on every
    # presynaptic event.
    model="arrival_step : integer  # time step of the last presynaptic spike's arrival",
    on_pre="""
        arrival_step = t_in_timesteps
        w_new = w - nu_presyn * post1_post
    """,
    # post2_post still holds its value from before this spike: the reset runs after the synapses.
    on_post="w_new = w + nu_postsyn * exp(-(t_in_timesteps - arrival_step) * dt / tau_presyn) * post2_post",
    constants=("tau_pre", "nu_pre", "nu_post"),
    default_nu_post=0.01,
    neuron_model="post1 : 1\npost2 : 1",
    neuron_decay="post1 *= exp(-dt / tau_post1)\npost2 *= exp(-dt / tau_post2)",
    neuron_reset="post1 = 1\npost2 = 1",
    neuron_constants=("tau_post1", "tau_post2"),
    initial=(("arrival_step", "-1000000000"),),  # long ago: no trace
    doc="""Triplet-style rule of the authors' code (Pfister & Gerstner 2006):
    pre spike:  pre = 1;  w -= nu_pre * post1
    post spike: w += nu_post * pre * post2 (value before this spike);  post1 = post2 = 1
    Traces decay exponentially: tau_pre 20 ms, tau_post1 20 ms, tau_post2 40 ms;
    nu_pre 1e-4, nu_post 1e-2.""",
)

# The per-example normalisation (network.py) can scale a weight above w_max before a rule sees it;
# (w_max - w)**mu would then be NaN, so the power-law factor uses the weight clipped to [0, w_max].
_HEADROOM = "(w_max - clip(w, 0, w_max))**mu"

_MEASURED = """
    Sensitivity, one constant at a time (``python benchmarks/rule_constants.py``: 100 neurons,
    5,000 MNIST training images, 1,000 test images; benchmarks/results/rule_constants.json).
    At the defaults the seed alone spans 68-75 % (power_law), 74-77 % (exponential) and
    70-72 % (pre_and_post). The learning rate matters most: nu_post a fifth of the default costs
    13 (power_law) and 21 (pre_and_post) points, four times it 8 and 4 points; exponential moves
    3 points between a quarter and 2.5 times its default. The triplet rule's 0.01 gives
    15-23 % on 1,000 images (the depression of every silent input at each postsynaptic spike rewrites
    a receptive field into the last example). pre_and_post with nu_pre 1e-3 collapses (21 %).
    x_tar 0.1-0.8, mu 0.05-1 and beta 3-8 stay within 6 points of the default, close to the seed
    spread; beta 1 costs 6 points.
"""

POWER_LAW = Rule(
    name="power_law",
    model="dpre/dt = -pre / tau_presyn : 1 (event-driven)",
    on_pre="pre += 1",
    on_post=f"w_new = w + nu_postsyn * (pre - x_tar) * {_HEADROOM}",
    constants=("tau_pre", "nu_post", "x_tar", "mu", "w_max"),
    default_nu_post=5e-4,
    doc="""Power-law weight dependence (paper Eq. 3), on a postsynaptic spike:
    dw = nu_post * (x_pre - x_tar) * (w_max - w)**mu;  x_pre += 1 on each presynaptic spike
    (decays with tau_pre, 20 ms). Inputs whose trace is below x_tar at a postsynaptic spike are
    depressed, the others potentiated, less so near w_max.
    The paper gives no values. x_tar 0.4 and mu 0.2 follow Querlioz et al. (2013), which the paper
    follows. nu_post defaults to 5e-4 for this rule: the triplet rule's 0.01 is far too fast (below).""" + _MEASURED,
)

EXPONENTIAL = Rule(
    name="exponential",
    model="dpre/dt = -pre / tau_presyn : 1 (event-driven)",
    on_pre="pre += 1",
    on_post="w_new = w + nu_postsyn * (pre * exp(-beta * w) - x_tar * exp(-beta * (w_max - w)))",
    constants=("tau_pre", "nu_post", "x_tar", "beta", "w_max"),
    default_nu_post=2e-3,
    doc="""Exponential weight dependence (paper Eq. 4), on a postsynaptic spike:
    dw = nu_post * (x_pre * exp(-beta * w) - x_tar * exp(-beta * (w_max - w))).
    Potentiation fades exponentially as w grows, depression as w shrinks.
    The paper gives no values: x_tar 0.4, beta 3 (Querlioz et al. 2013); nu_post defaults to 2e-3
    for this rule: the triplet rule's 0.01 is far too fast (below).""" + _MEASURED,
)

PRE_AND_POST = Rule(
    name="pre_and_post",
    model="dpre/dt = -pre / tau_presyn : 1 (event-driven)",
    on_pre="""
        pre += 1
        w_new = w - nu_presyn * post1_post * w**mu
    """,
    on_post=f"w_new = w + nu_postsyn * (pre - x_tar) * {_HEADROOM}",
    constants=("tau_pre", "nu_pre", "nu_post", "x_tar", "mu", "w_max"),
    default_nu_post=5e-4,
    neuron_model="post1 : 1",
    neuron_decay="post1 *= exp(-dt / tau_post1)",
    neuron_reset="post1 += 1",
    neuron_constants=("tau_post1",),
    doc="""Pre-and-post rule (paper Eqs. 5-6):
    pre spike:  dw = -nu_pre * x_post * w**mu   (x_post += 1 at each postsynaptic spike, tau_post1 20 ms)
    post spike: dw = nu_post * (x_pre - x_tar) * (w_max - w)**mu
    The paper gives no values: nu_pre 1e-4 (the triplet rule's), x_tar 0.4, mu 0.2; nu_post
    defaults to 5e-4 for this rule, as for the power law (below).""" + _MEASURED,
)

RULES = {rule.name: rule for rule in (TRIPLET, POWER_LAW, EXPONENTIAL, PRE_AND_POST)}


def get_rule(name: str) -> Rule:
    """The rule called ``name``.

    Parameters
    ----------
    name : str
        A key of ``RULES``.

    Returns
    -------
    Rule
        The rule's equations, constants and defaults.

    Raises
    ------
    ValueError
        If there is no such rule; the message lists the valid names.
    """
    try:
        return RULES[name]
    except KeyError:
        raise ValueError(f"unknown learning_rule {name!r}; valid names are {', '.join(RULES)}") from None
