"""Progress bars: one look for every long loop (training, transforms, sweeps), hidden when quiet."""
from __future__ import annotations


def progress_bar(total: int, desc: str, unit: str, initial: int = 0, leave: bool = True, enabled: bool = True):
    """A tqdm bar (in a notebook, the widget), disabled (drawing nothing) unless ``enabled``.

    Parameters
    ----------
    total : int
        Steps in all.
    desc : str
        The bar's label.
    unit : str
        What a step is ("ex", "image", "point").
    initial : int, default 0
        Steps already done (a resumed run).
    leave : bool, default True
        Keep the finished bar on screen.
    enabled : bool, default True
        Draw the bar; a disabled one takes the same calls and shows nothing.

    Returns
    -------
    tqdm.tqdm
        The bar; close it (or use it as a context manager) when done.
    """
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc=desc, unit=unit, leave=leave, dynamic_ncols=True,
                disable=not enabled)
