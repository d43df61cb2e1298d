import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
# Tests never download: they read MNIST from the shared folder beside the repository (as CI does).
os.environ.setdefault("STDPLAB_DATA", str(ROOT.parent / "shared" / "datasets" / "mnist"))
os.environ.setdefault("MPLBACKEND", "Agg")

# One network shape for most model tests, so that they share one compiled binary.
SMALL = {"n_neurons": 100, "chunk_size": 250, "verbose": False}


def pytest_configure(config):
    from stdplab.kernel_replies import wait_in_slices

    wait_in_slices()  # the tests run notebook after notebook in one process (stdplab.kernel_replies)


@pytest.fixture(scope="session")
def benchmark_script():
    """A loader of a script in benchmarks/ as a module (they import each other by plain name)."""
    import importlib.util
    import sys

    def load(name):
        sys.path.insert(0, str(ROOT / "benchmarks"))
        try:
            spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
        finally:
            sys.path.remove(str(ROOT / "benchmarks"))

    return load


@pytest.fixture(scope="session")
def mnist():
    from stdplab import datasets

    return datasets.load_mnist(download=False)


@pytest.fixture(scope="session")
def digits():
    from stdplab import datasets

    return datasets.load("digits")


@pytest.fixture(scope="session")
def trained(mnist):
    """100 neurons after 1000 MNIST examples, labels assigned on them."""
    from stdplab import DiehlCook2015

    x_train, y_train, _, _ = mnist
    return DiehlCook2015(random_state=0, **SMALL).fit(x_train[:1000], y_train[:1000])


def blank_and_bright(n_pixels=784):
    return np.stack([np.zeros(n_pixels), np.full(n_pixels, 255.0)])
