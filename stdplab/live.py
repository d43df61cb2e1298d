"""Training, watched as it happens: one figure, redrawn in place after every run of the binary."""
from __future__ import annotations

import io
from numbers import Integral, Real

import matplotlib.pyplot as plt
from IPython import get_ipython
from IPython.display import Image, display

from . import plots


class LiveView:
    """``model.fit(X, y, callback=LiveView())`` (or ``run_experiment(..., callback=LiveView())``):
    after every run of the compiled binary (every ``chunk_size`` examples) it redraws the receptive
    fields, θ and the running accuracy as one image in the notebook, replacing the last one.

    It draws only where IPython runs; under papermill the output keeps the last frame, a static
    figure. It shows a PNG rather than a widget, so it needs no widget frontend. Drawing a frame
    takes a fraction of a second against seconds for a run of the binary.

    Parameters
    ----------
    max_fields : int, default 100
        Receptive fields drawn at most.
    dpi : int, default 72
        The image's resolution.

    Attributes
    ----------
    frames : int
        Frames drawn so far.

    Raises
    ------
    ValueError
        If ``max_fields`` is not a whole number of at least 1, or ``dpi`` not above 0 (said before any
        training).
    """

    def __init__(self, max_fields: int = 100, dpi: int = 72):
        if not isinstance(max_fields, Integral) or isinstance(max_fields, bool) or max_fields < 1:
            raise ValueError(f"max_fields must be a whole number >= 1, got {max_fields!r}")
        if not isinstance(dpi, Real) or isinstance(dpi, bool) or not dpi > 0:
            raise ValueError(f"dpi must be a number > 0, got {dpi!r}")
        self.max_fields, self.dpi = max_fields, dpi
        self.frames = 0
        self._handle = None

    def __call__(self, model) -> None:
        """Draw the model's state, replacing the last frame (only where IPython runs).

        Parameters
        ----------
        model : DiehlCook2015
            The model being trained.
        """
        if get_ipython() is None:
            return  # a script: nowhere to draw
        fig = plots.training_state(model.weights_, model.image_shape_, model.theta_, model.history_,
                                   max_fields=self.max_fields)
        png = io.BytesIO()
        fig.savefig(png, format="png", dpi=self.dpi)
        plt.close(fig)
        image = Image(data=png.getvalue(), format="png")
        if self._handle is None:
            self._handle = display(image, display_id=True)
        else:
            self._handle.update(image)
        self.frames += 1
