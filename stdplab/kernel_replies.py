"""Waiting for a Jupyter kernel's replies in slices, so that a reply already received is never missed.

jupyter_client's asyncio channels wait for a message with one ``poll`` of the socket, for as long as
the wait may last (papermill: no limit; nbgrader: a cell's timeout). In a process that has run
kernels before (nbgrader grading a course, a sweep's worker, the test suite), that poll can miss the
socket's wake-up: the kernel has replied and is idle, the reply sits in the socket (its ``EVENTS``
say ``POLLIN``), and the client waits for ever, or until the cell's timeout. Here it hung lesson 1's
widget cells, under papermill and under nbgrader, after other notebooks had run in the same process
(nbclient issue #312 reports the same with ipywidgets). A poll started anew checks the socket first
and finds the reply, so waiting in slices of a second ends at most a second after the reply came.
"""
import time
from queue import Empty

from jupyter_client.channels import AsyncZMQSocketChannel

__all__ = ["wait_in_slices", "in_slices"]

SLICE_S = 1.0


def wait_in_slices() -> None:
    """Make every asyncio kernel client of this process wait for messages in slices of a second.

    A wait with a time limit still ends there. Calling it again changes nothing.
    """
    if not getattr(AsyncZMQSocketChannel.get_msg, "waits_in_slices", False):
        AsyncZMQSocketChannel.get_msg = in_slices(AsyncZMQSocketChannel.get_msg)


def in_slices(get_msg):
    """``get_msg(self, timeout=None)`` that waits as a loop of waits of at most ``SLICE_S`` seconds.

    Parameters
    ----------
    get_msg : coroutine function
        A channel's ``get_msg``: returns a message, or raises ``queue.Empty`` after ``timeout`` seconds.

    Returns
    -------
    coroutine function
        The same, waiting for ``timeout`` seconds (``None``: with no limit) in slices.
    """

    async def sliced(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = SLICE_S if deadline is None else deadline - time.monotonic()
            try:
                return await get_msg(self, max(min(left, SLICE_S), 0))
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    sliced.waits_in_slices = True
    sliced.__doc__ = get_msg.__doc__
    return sliced
