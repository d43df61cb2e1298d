"""Images to Poisson rates: the input encoding of the paper.

Each pixel drives one Poisson neuron at ``pixel * input_rate_scale * intensity`` Hz (pixel / 8 * 2,
at most 63.75 Hz, in the paper); the intensity schedule (start, step, cap) runs inside the
simulation, see ``network.CONTROLLER_STEP``.
"""
from __future__ import annotations

import numpy as np


def check_pixel_range(pixels: np.ndarray) -> None:
    """Refuse pixel values outside [0, 255], the range the input rates are defined for."""
    low, high = pixels.min(), pixels.max()
    if low < 0 or high > 255:
        # "Negative values in data" is the wording scikit-learn uses (and its checks expect).
        what = "Negative values in data: " if low < 0 else ""
        raise ValueError(f"{what}pixel values must lie in [0, 255], got [{low:g}, {high:g}]"
                         " (rescale images, e.g. X * 255 for values in [0, 1])")


def unit_pixels(images) -> np.ndarray:
    """Images (n, ...) with pixels 0-255 as rows of values in [0, 1]: what conventional networks
    and their spiking conversions are trained and run on."""
    images = np.asarray(images, dtype=np.float64)
    return images.reshape(len(images), -1) / 255.0


def poisson_rates(pixels: np.ndarray, input_rate_scale: float) -> np.ndarray:
    """Rates in Hz at unit intensity; the simulation multiplies them by the current intensity."""
    return pixels * input_rate_scale
