"""Images to Poisson rates: the input encoding of the paper.

Each pixel drives one Poisson neuron at ``pixel * input_rate_scale * intensity`` Hz (pixel / 8 * 2,
at most 63.75 Hz, in the paper); the intensity schedule (start, step, cap) runs inside the
simulation, see ``network.CONTROLLER_STEP``.
"""
from __future__ import annotations

import numpy as np


def check_pixel_range(pixels: np.ndarray) -> None:
    """Refuse pixel values outside [0, 255], the range the input rates are defined for.

    Parameters
    ----------
    pixels : numpy.ndarray
        Images, any shape.

    Raises
    ------
    ValueError
        If a value lies outside [0, 255]; the message says how to rescale.
    """
    low, high = pixels.min(), pixels.max()
    if low < 0 or high > 255:
        # "Negative values in data" is the wording scikit-learn uses (and its checks expect).
        what = "Negative values in data: " if low < 0 else ""
        raise ValueError(f"{what}pixel values must lie in [0, 255], got [{low:g}, {high:g}]"
                         " (rescale images, e.g. X * 255 for values in [0, 1])")


def unit_pixels(images) -> np.ndarray:
    """Images with pixels 0-255 as rows of values in [0, 1].

    What conventional networks and their spiking conversions are trained and run on.

    Parameters
    ----------
    images : array-like
        (n, ...) images, pixels in [0, 255].

    Returns
    -------
    numpy.ndarray
        (n, pixels) float64 in [0, 1].
    """
    images = np.asarray(images, dtype=np.float64)
    return images.reshape(len(images), -1) / 255.0


def poisson_rates(pixels: np.ndarray, input_rate_scale: float) -> np.ndarray:
    """Input rates at unit intensity; the simulation multiplies them by the current intensity.

    Parameters
    ----------
    pixels : numpy.ndarray
        (n, pixels) values in [0, 255].
    input_rate_scale : float
        Hz per pixel value.

    Returns
    -------
    numpy.ndarray
        Rates in Hz, the shape of ``pixels``.
    """
    return pixels * input_rate_scale
