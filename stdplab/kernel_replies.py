"""Waiting for a Jupyter kernel's replies in slices, so that a reply already received is never missed.

jupyter_client's asyncio channels wait for a message with one ``poll`` of the socket, with no
time limit. In a process that has run kernels before (nbgrader grading a course, a sweep's worker,
the test suite), that wait can miss the socket's wake-up: the kernel has replied and is idle, the
reply sits in the socket, and the client waits for ever. Here it hung lesson 1's widget cells about
one run in three after other notebooks had run in the same process (nbclient issue #312 reports the
same with ipywidgets). A poll started anew checks the socket first and finds the reply, so waiting
in slices of a second ends at most a second after the reply came.
"""
from queue import Empty

from jupyter_client.channels import AsyncZMQSocketChannel

__all__ = ["wait_in_slices", "in_slices"]

SLICE_S = 1.0


def wait_in_slices() -> None:
    """Make every asyncio kernel client of this process wait for messages in slices of a second.

    Waits with a time limit are left as they are. Calling it again changes nothing.
    """
    if not getattr(AsyncZMQSocketChannel.get_msg, "waits_in_slices", False):
        AsyncZMQSocketChannel.get_msg = in_slices(AsyncZMQSocketChannel.get_msg)


def in_slices(get_msg):
    """``get_msg(self, timeout=None)`` that waits with no limit as a loop of waits of ``SLICE_S``.

    Parameters
    ----------
    get_msg : coroutine function
        A channel's ``get_msg``: returns a message, or raises ``queue.Empty`` after ``timeout`` seconds.

    Returns
    -------
    coroutine function
        The same, waiting with no limit in slices.
    """

    async def sliced(self, timeout=None):
        if timeout is not None:
            return await get_msg(self, timeout)
        while True:
            try:
                return await get_msg(self, SLICE_S)
            except Empty:
                continue

    sliced.waits_in_slices = True
    sliced.__doc__ = get_msg.__doc__
    return sliced
