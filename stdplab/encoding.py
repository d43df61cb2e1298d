"""Images to Poisson rates: the input encoding of the paper.

Each pixel drives one Poisson neuron at ``pixel * input_rate_scale * intensity`` Hz (pixel / 8 * 2,
at most 63.75 Hz, in the paper); the intensity schedule (start, step, cap) runs inside the
simulation, see ``network.CONTROLLER_STEP``.
"""
from __future__ import annotations

import numpy as np


def check_images(X, n_features: int | None = None) -> tuple[np.ndarray, tuple[int, ...]]:
    """Validate images and flatten them: returns (float64 array (n, h*w), image shape).

    Accepts (n, h, w) or (n, h*w) arrays of uint8 or floats in [0, 255].
    """
    X = np.asarray(X)
    if X.dtype == object or not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
        raise TypeError(f"images must be numeric (uint8 or float in [0, 255]), got dtype {X.dtype}")
    if X.ndim not in (2, 3):
        raise ValueError(
            f"expected images of shape (n, height, width) or (n, height*width), got shape {X.shape}")
    if X.shape[0] == 0 or X[0].size == 0:
        raise ValueError(f"got no images (shape {X.shape})")
    image_shape = X.shape[1:]
    flat = X.reshape(len(X), -1).astype(np.float64)
    if not np.isfinite(flat).all():
        raise ValueError("images contain NaN or infinite values")
    low, high = flat.min(), flat.max()
    if low < 0 or high > 255:
        raise ValueError(f"pixel values must lie in [0, 255], got [{low:g}, {high:g}]"
                         " (rescale images, e.g. X * 255 for values in [0, 1])")
    if n_features is not None and flat.shape[1] != n_features:
        raise ValueError(f"images have {flat.shape[1]} pixels, but the network was fitted on"
                         f" {n_features}; use images of the same size")
    return flat, image_shape


def poisson_rates(pixels: np.ndarray, input_rate_scale: float) -> np.ndarray:
    """Rates in Hz at unit intensity; the simulation multiplies them by the current intensity."""
    return pixels * input_rate_scale
