"""Waiting for kernel replies in slices (stdplab.kernel_replies): a reply a wait without limit would miss."""
import asyncio
from queue import Empty

import pytest
from jupyter_client.channels import AsyncZMQSocketChannel
from stdplab import kernel_replies


class MissedWakeUp:
    """A channel whose reply came after two slices, and whose wait without a limit never wakes."""

    def __init__(self):
        self.timeouts = []

    async def get_msg(self, timeout=None):
        self.timeouts.append(timeout)
        if timeout is None:
            await asyncio.Event().wait()  # the socket's wake-up missed: for ever
        if len(self.timeouts) <= 2:
            raise Empty
        return {"msg_type": "execute_reply"}


def test_a_wait_without_limit_finds_the_reply_in_slices():
    channel = MissedWakeUp()
    sliced = kernel_replies.in_slices(MissedWakeUp.get_msg)
    assert asyncio.run(asyncio.wait_for(sliced(channel), 5)) == {"msg_type": "execute_reply"}
    assert channel.timeouts == [kernel_replies.SLICE_S] * 3


def test_a_wait_with_a_limit_is_sliced_too_and_ends_at_its_limit():
    channel = MissedWakeUp()
    sliced = kernel_replies.in_slices(MissedWakeUp.get_msg)
    assert asyncio.run(sliced(channel, 10.0)) == {"msg_type": "execute_reply"}  # nbgrader waits with a limit
    assert channel.timeouts == [kernel_replies.SLICE_S] * 3

    class Silent(MissedWakeUp):
        async def get_msg(self, timeout=None):
            self.timeouts.append(timeout)
            await asyncio.sleep(timeout)
            raise Empty

    silent = Silent()
    with pytest.raises(Empty):
        asyncio.run(kernel_replies.in_slices(Silent.get_msg)(silent, 1.5))
    assert silent.timeouts[0] == kernel_replies.SLICE_S and sum(silent.timeouts) == pytest.approx(1.5, abs=0.05)


def test_jupyter_clients_wait_in_slices_once():
    kernel_replies.wait_in_slices()  # conftest.py did so already: nothing changes
    patched = AsyncZMQSocketChannel.get_msg
    kernel_replies.wait_in_slices()
    assert AsyncZMQSocketChannel.get_msg is patched and patched.waits_in_slices
