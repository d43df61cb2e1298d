"""Refactoring must not change what the network learns: the same seed gives the same state, bit for bit.

tests/data/reference_fit.json holds SHA-256 digests of a fit made before the package was reorganised
(the commit and command are in the file); `python tests/test_reference_fit.py` writes it anew.
"""
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

REFERENCE = Path(__file__).parent / "data" / "reference_fit.json"


def _digest(array) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def fitted_state(x_train, y_train, x_test) -> dict:
    from stdplab import DiehlCook2015

    model = DiehlCook2015(n_neurons=100, chunk_size=250, verbose=False, random_state=7)
    model.fit(x_train[:300], y_train[:300])
    return {"weights": _digest(model.weights_), "delays": _digest(model.delays_), "theta": _digest(model.theta_),
            "assignments": _digest(model.assignments_), "test_counts": _digest(model.transform(x_test[:50]))}


def test_the_same_seed_learns_the_same_state_as_before_the_refactor(mnist):
    x_train, y_train, x_test, _ = mnist
    recorded = json.loads(REFERENCE.read_text())
    assert fitted_state(x_train, y_train, x_test) == recorded["digests"]


if __name__ == "__main__":
    import subprocess

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from stdplab import datasets

    x_train, y_train, x_test, _ = datasets.load_mnist(download=False)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    REFERENCE.write_text(json.dumps({"commit": commit, "command": "python tests/test_reference_fit.py",
                                     "digests": fitted_state(x_train, y_train, x_test)}, indent=1) + "\n")
