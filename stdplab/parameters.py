"""One record of every parameter of the Diehl & Cook (2015) network, with the paper's defaults.

Values are plain numbers (so that papermill, JSON and ``get_params`` can carry them); the unit of
each is in its field's metadata and ``network.py`` attaches it.  Defaults follow the authors'
published code (``Diehl_and_Cook_spiking_MNIST.py``) where the paper is silent.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions, validate_parameter_constraints

from ._docstrings import fill_doc, register
from .rules import RULES, get_rule

# Parameters that change the generated C++ code, or the starting state Brian compiles into it
# (``network.reset_state``: v from the resting potentials, the spike timer from spike_block), and so
# need their own compiled binary. Everything else is passed to the compiled binary at run time.
SHAPE_PARAMETERS = ("n_neurons", "learning_rule", "dt", "present_time", "rest_time", "v_rest_e", "v_rest_i",
                    "spike_block")
# Presentations of one example that the compiled run length leaves room for (simulator.py).
MAX_PRESENTATIONS = 64
# Each parameter unit's size in SI: the one place where millivolts and milliseconds become volts
# and seconds (``Parameters.si``; Brian and the compiled binary take SI values).
SI_SCALE = {"1": 1.0, "mV": 1e-3, "ms": 1e-3, "Hz": 1.0}
# The SI unit, by Brian's name, in which a parameter of each unit is declared.
SI_UNIT_NAMES = {"1": "1", "mV": "volt", "ms": "second", "Hz": "hertz"}

# Constants the paper adapted to the network size "to keep a constant response rate" without
# publishing the values: the best value the lab measured at each size (README, "Sizes"), with the
# published constant at 400. Between and beyond the measured sizes the value follows the power law
# of n through the two nearest measured sizes. Each entry names the sweep behind it.
SIZE_TABLE = {
    "theta_plus": {
        100: 0.025,   # benchmarks/results/theta_plus_100.csv: 0.0125/0.025/0.05/0.1 -> 74.6/79.7/71.4/33.2 %
        400: 0.05,    # the paper's (and 89.1 % after 3 epochs, accuracy_400.json)
        1600: 0.05,   # theta_plus_1600_capped.csv: 0.05/0.1 -> 84.8/83.4 %; theta_plus_1600.csv: 0.2/0.4 -> 77.4/66.9 %
        6400: 0.05,   # accuracy_6400[_theta_plus=...]_partial.json, 10,000 examples: 0.025/0.05/0.1 -> 76.6/77.6/74.8 %
    },
}


def size_default(name: str, n_neurons: int) -> float:
    """The value of a size-dependent constant for a network size.

    Parameters
    ----------
    name : str
        A key of ``SIZE_TABLE``, e.g. "theta_plus".
    n_neurons : int
        Excitatory neurons.

    Returns
    -------
    float
        The measured value at that size, else a power law in n through the two nearest measured sizes.
    """
    table = SIZE_TABLE[name]
    if n_neurons in table:
        return table[n_neurons]
    sizes = sorted(table)
    upper = next((k for k, size in enumerate(sizes) if size > n_neurons), len(sizes) - 1)
    low, high = sizes[max(upper - 1, 0)], sizes[max(upper, 1)]
    exponent = math.log(table[high] / table[low]) / math.log(high / low)
    return table[low] * (n_neurons / low) ** exponent


# Domains of the parameters, in scikit-learn's parameter-validation terms; checked once, when a
# Parameters record is made (DiehlCook2015 declares the same table as _parameter_constraints).
REAL = [Interval(Real, None, None, closed="neither")]
POSITIVE = [Interval(Real, 0, None, closed="neither")]
NON_NEGATIVE = [Interval(Real, 0, None, closed="left")]
COUNT = [Interval(Integral, 1, None, closed="left")]
NATURAL = [Interval(Integral, 0, None, closed="left")]
RULE = [StrOptions(set(RULES))]


def _p(default, unit="1", doc="", *, domain):
    return field(default=default, metadata={"unit": unit, "doc": doc, "domain": domain})


@dataclass(frozen=True)
class Parameters:
    """Every parameter of the network, validated, with the paper's defaults.

    Each field is a keyword of the same name (and of ``DiehlCook2015``); its unit, its description
    and its domain are in the field's metadata (``Parameters.unit``, ``Parameters.constraints``),
    from which the list below is written.

    Parameters
    ----------
    %(network_parameters)s

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        If a value is outside its domain.
    ValueError
        If present and rest times are not positive multiples of dt, the slot does not exceed twice
        ``max_delay``, or the intensity schedule allows more than ``MAX_PRESENTATIONS`` presentations.
    """

    # --- network size and learning rule -------------------------------------------------------
    n_neurons: int = _p(100, doc="excitatory neurons (and as many inhibitory ones)", domain=COUNT)
    learning_rule: str = _p("triplet", doc="STDP rule: triplet, power_law, exponential, pre_and_post", domain=RULE)
    # --- clock and presentation -----------------------------------------------------------------
    dt: float = _p(0.5, "ms", "simulation time step", domain=POSITIVE)
    present_time: float = _p(350.0, "ms", "time each example is shown", domain=POSITIVE)
    rest_time: float = _p(150.0, "ms", "rest with no input after each presentation", domain=POSITIVE)
    input_rate_scale: float = _p(0.125, "Hz", "Poisson rate per pixel value per unit intensity (pixel/8)", domain=POSITIVE)
    start_intensity: float = _p(2.0, doc="input intensity at the first presentation of an example", domain=POSITIVE)
    intensity_step: float = _p(1.0, doc="intensity added when an example is shown again", domain=NON_NEGATIVE)
    min_spikes: int = _p(5, doc="fewer excitatory spikes than this and the example is shown again", domain=NATURAL)
    max_intensity: float = _p(32.0, doc="safety cap (not in the paper): accept the example at this intensity", domain=POSITIVE)
    # --- excitatory neurons ------------------------------------------------------------------------
    v_rest_e: float = _p(-65.0, "mV", "resting potential of the excitatory neurons", domain=REAL)
    v_reset_e: float = _p(-65.0, "mV", "excitatory potential after a spike", domain=REAL)
    v_thresh_e: float = _p(-52.0, "mV", "excitatory threshold before θ (see theta_offset)", domain=REAL)
    tau_e: float = _p(100.0, "ms", "excitatory membrane time constant", domain=POSITIVE)
    e_exc: float = _p(0.0, "mV", "excitatory reversal potential (both layers)", domain=REAL)
    e_inh_e: float = _p(-100.0, "mV", "inhibitory reversal potential of the excitatory neurons", domain=REAL)
    tau_ge: float = _p(1.0, "ms", "excitatory conductance time constant (both layers)", domain=POSITIVE)
    tau_gi: float = _p(2.0, "ms", "inhibitory conductance time constant (both layers)", domain=POSITIVE)
    refractory_e: float = _p(5.0, "ms", "excitatory refractory period", domain=NON_NEGATIVE)
    spike_block: float = _p(50.0, "ms", "the original code's `timer`: no spike within this time of the last", domain=NON_NEGATIVE)
    theta_init: float = _p(20.0, "mV", "initial adaptive threshold", domain=REAL)
    theta_plus: float | None = _p(None, "mV", "threshold rise per spike; None: the size's own"
                                  " (SIZE_TABLE: 0.025 at 100 neurons, 0.05 at 400 as published, 0.05 at 1600 and 6400)", domain=[*NON_NEGATIVE, None])
    tau_theta: float = _p(1e7, "ms", "threshold decay time constant", domain=POSITIVE)
    theta_offset: float = _p(20.0, "mV", "spike when v > theta - theta_offset + v_thresh_e", domain=REAL)
    # --- inhibitory neurons --------------------------------------------------------------------------
    v_rest_i: float = _p(-60.0, "mV", "resting potential of the inhibitory neurons", domain=REAL)
    v_reset_i: float = _p(-45.0, "mV", "inhibitory potential after a spike", domain=REAL)
    v_thresh_i: float = _p(-40.0, "mV", "inhibitory threshold", domain=REAL)
    tau_i: float = _p(10.0, "ms", "inhibitory membrane time constant", domain=POSITIVE)
    e_inh_i: float = _p(-85.0, "mV", "inhibitory reversal potential of the inhibitory neurons", domain=REAL)
    refractory_i: float = _p(2.0, "ms", "inhibitory refractory period", domain=NON_NEGATIVE)
    # --- connections ------------------------------------------------------------------------------
    w_init_scale: float = _p(0.3, doc="initial input weights are (uniform in [0, 1] + w_init_offset) * w_init_scale", domain=NON_NEGATIVE)
    w_init_offset: float = _p(0.01, doc="added to the uniform draw of the initial weights (see w_init_scale)",
                              domain=NON_NEGATIVE)
    max_delay: float = _p(10.0, "ms", "input delays are U(0, max_delay)", domain=NON_NEGATIVE)
    w_exc_inh: float = _p(10.4, doc="excitatory -> inhibitory, one to one", domain=NON_NEGATIVE)
    w_inh_exc: float = _p(17.0, doc="inhibitory -> every excitatory neuron but its partner", domain=NON_NEGATIVE)
    weight_total: float = _p(78.0, doc="each neuron's input weights are rescaled to this sum before every example", domain=POSITIVE)
    w_max: float = _p(1.0, doc="largest input weight: STDP clips to [0, w_max]", domain=POSITIVE)
    # --- STDP --------------------------------------------------------------------------------------
    tau_pre: float = _p(20.0, "ms", "presynaptic trace time constant", domain=POSITIVE)
    tau_post1: float = _p(20.0, "ms", "time constant of the postsynaptic trace that depresses (triplet, pre_and_post)",
                          domain=POSITIVE)
    tau_post2: float = _p(40.0, "ms", "time constant of the triplet rule's second postsynaptic trace", domain=POSITIVE)
    nu_pre: float = _p(0.0001, doc="learning rate on presynaptic spikes", domain=NON_NEGATIVE)
    nu_post: float | None = _p(None, doc="learning rate on postsynaptic spikes; None: the rule's own"
                               " (triplet 0.01 as in the paper's code; see rules.py for the others)", domain=[*NON_NEGATIVE, None])
    x_tar: float = _p(0.4, doc="target presynaptic trace (power_law, exponential, pre_and_post)", domain=NON_NEGATIVE)
    mu: float = _p(0.2, doc="weight-dependence exponent (power_law, pre_and_post)", domain=NON_NEGATIVE)
    beta: float = _p(3.0, doc="weight-dependence steepness (exponential)", domain=NON_NEGATIVE)

    def __post_init__(self):
        validate_parameter_constraints(self.constraints(), dataclasses.asdict(self), caller_name="Parameters")
        if self.nu_post is None:
            object.__setattr__(self, "nu_post", get_rule(self.learning_rule).default_nu_post)
        for name in SIZE_TABLE:
            if getattr(self, name) is None:
                object.__setattr__(self, name, size_default(name, self.n_neurons))
        slot = self.present_time + self.rest_time
        for name in ("present_time", "rest_time"):
            steps = getattr(self, name) / self.dt
            if abs(steps - round(steps)) > 1e-9 or steps <= 0:
                raise ValueError(f"{name} must be a positive multiple of dt ({self.dt} ms)")
        if slot <= 2 * self.max_delay:
            raise ValueError("present_time + rest_time must exceed twice max_delay")
        if self.max_presentations > MAX_PRESENTATIONS:
            raise ValueError(
                f"max_intensity, start_intensity and intensity_step allow more than {MAX_PRESENTATIONS} presentations"
                " of one example; raise intensity_step or lower max_intensity"
            )

    @property
    def max_presentations(self) -> int:
        """Presentations of one example at most (start intensity, then each step up to the cap)."""
        if self.intensity_step <= 0:
            return 1
        return int((self.max_intensity - self.start_intensity) // self.intensity_step) + 1

    @property
    def present_steps(self) -> int:
        """Time steps an example is shown."""
        return int(round(self.present_time / self.dt))

    @property
    def slot_steps(self) -> int:
        """Time steps from one presentation's start to the next (present_time + rest_time)."""
        return int(round((self.present_time + self.rest_time) / self.dt))

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """Every parameter's name, in order.

        Returns
        -------
        tuple of str
        """
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def constraints(cls) -> dict:
        """Each parameter's declared domain.

        Returns
        -------
        dict
            Name -> constraints, as scikit-learn's ``_parameter_constraints``.
        """
        return {f.name: f.metadata["domain"] for f in dataclasses.fields(cls)}

    @classmethod
    def unit(cls, name: str) -> str:
        """A parameter's unit.

        Parameters
        ----------
        name : str
            The parameter.

        Returns
        -------
        str
            A key of ``SI_SCALE``: "1", "mV", "ms" or "Hz".
        """
        return cls.__dataclass_fields__[name].metadata["unit"]

    def si(self, name: str) -> float:
        """A parameter's value in SI units (volts, seconds, hertz).

        Parameters
        ----------
        name : str
            A field of ``Parameters``; one without a unit ("1") comes back as it is.

        Returns
        -------
        float
            The value times its unit's size in ``SI_SCALE``.
        """
        return getattr(self, name) * SI_SCALE[self.unit(name)]

    def shape_key(self) -> dict:
        """The values that change the generated code or its starting state (``SHAPE_PARAMETERS``): part
        of a build's key.

        Returns
        -------
        dict
            Name -> value of each of ``SHAPE_PARAMETERS``, as its field's plain Python type (so that
            350 and 350.0, or a NumPy integer, give one key).
        """
        plain = {"int": int, "float": float, "str": str}
        kinds = {f.name: plain[f.type.split(" |")[0]] for f in dataclasses.fields(self) if f.name in SHAPE_PARAMETERS}
        return {name: kinds[name](getattr(self, name)) for name in SHAPE_PARAMETERS}


def _numpydoc_entries(cls) -> str:
    """The numpydoc entry of each field, from its metadata: type, default, description and unit."""
    entries = []
    for f in dataclasses.fields(cls):
        kind = f.type.replace(" | None", " or None")
        default = f'"{f.default}"' if isinstance(f.default, str) else f.default
        unit = f" Unit: {f.metadata['unit']}." if f.metadata["unit"] != "1" else ""
        doc = f.metadata["doc"]
        entries += [f"{f.name} : {kind}, default {default}", f"    {doc[0].upper()}{doc[1:]}.{unit}"]
    return "\n".join(entries)


register(network_parameters=_numpydoc_entries(Parameters))
fill_doc(Parameters)
