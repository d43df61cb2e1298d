"""Lesson 2's study helpers and lesson 1's reference Euler step, on hand-made values (no simulation)."""
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from stdplab import probes, studies, sweep


def test_lesson_2s_collapses_are_named_and_an_unknown_one_is_refused():
    assert studies.collapse_settings("theta_plus") == {"theta_plus": 0.0} and studies.collapse_settings("none") == {}
    with pytest.raises(ValueError, match="collapse must be one of theta_plus, inhibition or 'none'"):
        studies.collapse_settings("homeostasis")


def test_run_health_reads_the_last_chunk_and_counts_unassigned_neurons():
    model = SimpleNamespace(history_={"silent_fraction": [0.5, 0.25], "spikes_per_example": [3.0, 7.5]},
                            theta_=np.array([20.0, 21.0, 24.0]), assignments_=np.array([0, -1, -1]))
    results = {"examples_trained": 100, "accuracy": 0.8, "spikes_per_test_example": {"exc_spikes": 6.5}}
    health = studies.run_health(model, results)
    assert health == {"images trained": 100, "test accuracy": 0.8, "never fired": 0.25,
                      "mean θ (mV)": pytest.approx(65 / 3), "θ spread, max - min (mV)": 4.0,
                      "spikes per training image (last chunk)": 7.5, "spikes per test image": 6.5,
                      "unassigned neurons": 2}


def test_the_membrane_step_is_one_euler_step_of_the_papers_equation():
    # dv/dt = ((v_rest - v) + ge (E_exc - v) + gi (E_inh - v)) / tau: at -70 mV with ge = 1, gi = 0.5:
    # (5 + 70 - 15) / 100 = 0.6 mV/ms, so 0.3 mV in 0.5 ms (the cap leaves so small a step alone).
    assert probes.membrane_euler_step(-70.0, 1.0, 0.5, 0.5) == pytest.approx(-69.7)


def test_a_sweep_without_papermill_says_which_extra_installs_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "papermill", None)  # an import of it fails, as where it is missing
    with pytest.raises(RuntimeError, match=r"pip install 'stdplab\[lab\]'"):
        sweep._papermill()
