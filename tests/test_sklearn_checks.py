"""scikit-learn's own estimator checks, on the shape the other tests compile (20 neurons, chunks of
100): the checks' 1 to 10 features run on the 64-input binaries, padded with silent inputs
(simulator.py), so they compile nothing of their own."""
from sklearn.utils.estimator_checks import parametrize_with_checks

from stdplab import DiehlCook2015


@parametrize_with_checks([DiehlCook2015(n_neurons=20, chunk_size=100, verbose=False)])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
