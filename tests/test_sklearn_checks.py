"""scikit-learn's own estimator checks on a tiny network (five neurons; each feature count the
checks use compiles its own pair of binaries once, about a minute each the first time)."""
from sklearn.utils.estimator_checks import parametrize_with_checks

from stdplab import DiehlCook2015


@parametrize_with_checks([DiehlCook2015(n_neurons=5, chunk_size=50, verbose=False)])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
