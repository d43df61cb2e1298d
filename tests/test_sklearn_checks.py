"""scikit-learn's own estimator checks, on the shape the other tests compile (20 neurons, chunks of
100): the checks' 1 to 10 features run on the 64-input binaries, padded with silent inputs
(simulator.py), so they compile nothing of their own.

The checks' data are not images: few of their rows draw the 5 spikes an example needs, and each such
row is shown again at every intensity up to ``max_intensity``. A cap of 4 (a run-time setting) keeps
the contract under test the same and check_classifiers_train from taking minutes (182 s against 13 s).

Every readout is checked: the votes, and the linear one (which adds predict_proba).
"""
from sklearn.utils.estimator_checks import parametrize_with_checks

from stdplab import DiehlCook2015
from stdplab.readout import READOUTS


@parametrize_with_checks([DiehlCook2015(n_neurons=20, chunk_size=100, max_intensity=4.0, verbose=False, readout=name)
                          for name in READOUTS])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
