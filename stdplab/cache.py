"""Where the lab keeps what it can make again: compiled networks and downloaded datasets."""
from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """The lab's cache folder: ``$STDPLAB_CACHE``, else ``stdplab`` in the user's cache folder.

    Returns
    -------
    pathlib.Path
        ``$STDPLAB_CACHE`` if set, else ``$XDG_CACHE_HOME/stdplab`` (``~/.cache/stdplab``).
        Compiled networks live in its ``build`` folder, downloaded MNIST in ``mnist``.
    """
    root = os.environ.get("STDPLAB_CACHE")
    if root:
        return Path(root)
    return Path(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache"))) / "stdplab"
