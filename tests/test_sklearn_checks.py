"""scikit-learn's own estimator checks on a tiny network: the shape of tests/test_energy.py (20 neurons,
chunks of 100). Each feature count the checks use compiles its own pair of binaries once (about a minute
each the first time); a package that compiles inputs up to 64 as 64 would share test_energy's."""
from sklearn.utils.estimator_checks import parametrize_with_checks

from stdplab import DiehlCook2015


@parametrize_with_checks([DiehlCook2015(n_neurons=20, chunk_size=100, verbose=False)])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
