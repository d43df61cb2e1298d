"""stdplab: unsupervised STDP learning of digits (Diehl & Cook 2015) on Brian 2, from notebooks."""
from . import datasets, readout, rules
from .estimator import DiehlCook2015
from .parameters import Parameters

__version__ = "0.1.0"
__all__ = ["DiehlCook2015", "Parameters", "datasets", "readout", "rules"]
