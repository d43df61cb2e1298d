"""scikit-learn's own estimator checks, on the shape the other tests compile (20 neurons, chunks of
100): the checks' 1 to 10 features run on the 64-input binaries, padded with silent inputs
(simulator.py), so they compile nothing of their own.

The checks' data are not images: few of their rows draw the 5 spikes an example needs, and each such
row is shown again at every intensity up to ``max_intensity``. A cap of 4 (a run-time setting) keeps
the contract under test the same and check_classifiers_train from taking minutes (182 s against 13 s).

Every readout is checked: the votes, and the linear one (which adds predict_proba).
"""
import numpy as np
from scipy.stats import rankdata
from sklearn.datasets import make_blobs
from sklearn.utils.estimator_checks import parametrize_with_checks

from stdplab import DiehlCook2015
from stdplab.readout import READOUTS

CHECKED = dict(n_neurons=20, chunk_size=100, max_intensity=4.0, verbose=False)


def expected_failures(estimator):
    # This check alone draws blobs with negative values and ignores the positive_only tag; images are
    # refused below 0. The same check on the blobs shifted to be non-negative is the test below.
    if estimator.readout == "linear":
        return {"check_decision_proba_consistency": "its data are negative; pixels are not (positive_only)"}
    return {}


@parametrize_with_checks([DiehlCook2015(**CHECKED, readout=name) for name in READOUTS],
                         expected_failed_checks=expected_failures)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def test_decision_function_and_predict_proba_rank_alike_on_non_negative_blobs():
    # check_decision_proba_consistency, with its blobs moved into the pixel range.
    X, y = make_blobs(n_samples=100, random_state=0, n_features=4, centers=[(2, 2), (4, 4)], cluster_std=1.0)
    X = X - X.min()
    model = DiehlCook2015(**CHECKED, readout="linear", random_state=0).fit(X[:80], y[:80])
    proba, scores = model.predict_proba(X[80:])[:, 1].round(10), model.decision_function(X[80:]).round(10)
    np.testing.assert_array_equal(rankdata(proba), rankdata(scores))
