"""Progress bars: one look for every long loop (training, transforms, sweeps), none when quiet."""
from __future__ import annotations


def progress_bar(total: int, desc: str, unit: str, initial: int = 0, leave: bool = True, enabled: bool = True):
    """A tqdm bar (in a notebook, the widget); a disabled one, which shows nothing, when ``enabled`` is false."""
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc=desc, unit=unit, leave=leave, dynamic_ncols=True, disable=not enabled)
