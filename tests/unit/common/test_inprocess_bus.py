"""What the in-process bus adds to the contract: it confirms only what consumers handled.

Nothing on this bus survives the process, so a confirm must mean "applied", or an outbox row
marked published could die in a queue. And since its queues exist only from a consumer's first
subscribe, start-up holds publications until every service has subscribed.
"""

from __future__ import annotations

import asyncio

import pytest
from google.protobuf.wrappers_pb2 import StringValue

from classbridge_common.bus import BusUnavailable, InProcessBus
from classbridge_common.messages import Envelope
from classbridge_common.testing import EnvelopeCollector


def event(value: str = "") -> Envelope:
    return Envelope.for_proto("zoom.meeting.ended", StringValue(value=value))


async def test_publish_returns_only_after_the_consumer_handled_the_event():
    release = asyncio.Event()
    handled: list[str] = []

    async def slow(envelope: Envelope) -> None:
        await release.wait()
        handled.append(envelope.message_id)

    async with InProcessBus() as bus:
        await bus.subscribe("scheduler", ["zoom.#"], slow)
        sent = event("m-1")
        publishing = asyncio.create_task(bus.publish([sent]))
        await asyncio.sleep(0.05)
        assert not publishing.done()
        release.set()
        await asyncio.wait_for(publishing, 10)
        assert handled == [sent.message_id]


async def test_closing_before_the_handler_ran_refuses_the_confirm():
    async with InProcessBus() as bus:
        await bus.subscribe("scheduler", ["zoom.#"], EnvelopeCollector())
        await bus.unsubscribe("scheduler")  # the consumer is gone; its queue keeps filling
        publishing = asyncio.create_task(bus.publish([event()]))
        await asyncio.sleep(0.05)
    with pytest.raises(BusUnavailable):
        await asyncio.wait_for(publishing, 10)


async def test_an_unhandled_delivery_times_out_as_unavailable():
    async with InProcessBus(confirm_timeout=0.1) as bus:
        await bus.subscribe("scheduler", ["zoom.#"], EnvelopeCollector())
        await bus.unsubscribe("scheduler")
        with pytest.raises(BusUnavailable):
            await bus.publish([event()])


async def test_held_publications_reach_consumers_that_subscribe_before_release():
    async with InProcessBus(hold_deliveries=True) as bus:
        publishing = asyncio.create_task(bus.publish([event("early")]))
        await asyncio.sleep(0.05)
        assert not publishing.done()
        late = EnvelopeCollector()
        await bus.subscribe("recording-sync", ["zoom.#"], late)
        bus.release()
        await asyncio.wait_for(publishing, 10)
        (got,) = await late.wait_count(1)
        assert got.parse(StringValue).value == "early"
