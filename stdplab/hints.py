"""Hints for a misspelt name (a parameter, a preset, a notebook parameter): "did you mean ...?"."""
from __future__ import annotations

import difflib


def did_you_mean(name: str, valid) -> str:
    """A hint for a misspelt name.

    Parameters
    ----------
    name : str
        The name given.
    valid : iterable of str
        The names that exist.

    Returns
    -------
    str
        `` (did you mean 'x'?)`` for the closest of ``valid`` to ``name``, or "" when none is close.
    """
    close = difflib.get_close_matches(name, list(valid), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
