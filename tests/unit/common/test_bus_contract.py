"""One contract, two buses: every test runs on the in-process bus and (integration) RabbitMQ."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from google.protobuf.wrappers_pb2 import StringValue
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from classbridge_common.messages import Envelope
from classbridge_common.testing import EnvelopeCollector, wait_until

from .conftest import BusFactory

Names = Callable[[str], str]


def event(type_: str, value: str = "", **headers: str) -> Envelope:
    return Envelope.for_proto(type_, StringValue(value=value), headers=headers)


async def test_published_messages_reach_a_subscriber(open_bus: BusFactory, consumer_name: Names):
    bus = await open_bus()
    seen = EnvelopeCollector()
    await bus.subscribe(consumer_name("scheduler"), ["zoom.meeting.ended"], seen)
    sent = event("zoom.meeting.ended", "m-1")
    await bus.publish([sent])
    (got,) = await seen.wait_count(1)
    assert got.message_id == sent.message_id
    assert got.parse(StringValue).value == "m-1"


async def test_routing_keys_and_wildcards_select_messages(
    open_bus: BusFactory, consumer_name: Names
):
    bus = await open_bus()
    exact, star, hash_ = EnvelopeCollector(), EnvelopeCollector(), EnvelopeCollector()
    await bus.subscribe(consumer_name("exact"), ["zoom.meeting.ended"], exact)
    await bus.subscribe(consumer_name("star"), ["zoom.*.ended"], star)
    await bus.subscribe(consumer_name("hash"), ["zoom.#", "recording.synced"], hash_)
    messages = [
        event("zoom.meeting.ended"),
        event("zoom.recording.ended"),
        event("zoom.participant.joined"),
        event("recording.synced"),
        event("session.meeting_linked"),
    ]
    await bus.publish(messages)
    await hash_.wait_count(4)
    await star.wait_count(2)
    await exact.wait_count(1)
    # the last one of the batch was delivered to hash, so nothing more is coming to the others
    assert [e.type for e in exact.received] == ["zoom.meeting.ended"]
    assert sorted(e.type for e in star.received) == ["zoom.meeting.ended", "zoom.recording.ended"]
    assert "session.meeting_linked" not in {e.type for e in hash_.received}


async def test_every_consumer_gets_its_own_copy(open_bus: BusFactory, consumer_name: Names):
    bus = await open_bus()
    first, second = EnvelopeCollector(), EnvelopeCollector()
    await bus.subscribe(consumer_name("first"), ["recording.synced"], first)
    await bus.subscribe(consumer_name("second"), ["recording.synced"], second)
    sent = [event("recording.synced", str(i)) for i in range(5)]
    await bus.publish(sent)
    await first.wait_count(5)
    await second.wait_count(5)
    assert (
        sorted(first.message_ids)
        == sorted(second.message_ids)
        == sorted(e.message_id for e in sent)
    )


async def test_prefetch_one_keeps_publication_order(open_bus: BusFactory, consumer_name: Names):
    bus = await open_bus()
    seen = EnvelopeCollector()
    await bus.subscribe(consumer_name("ordered"), ["a.*"], seen, prefetch=1)
    sent = [event("a.b", str(i)) for i in range(30)]
    await bus.publish(sent[:10])
    await bus.publish(sent[10:])
    await seen.wait_count(30)
    assert seen.message_ids == [e.message_id for e in sent]


async def test_prefetch_bounds_concurrent_handlers(open_bus: BusFactory, consumer_name: Names):
    bus = await open_bus()
    running = 0
    peak = 0
    done = 0
    release = asyncio.Event()

    async def slow(envelope: Envelope) -> None:
        nonlocal running, peak, done
        running += 1
        peak = max(peak, running)
        await release.wait()
        running -= 1
        done += 1

    await bus.subscribe(consumer_name("bounded"), ["a.b"], slow, prefetch=3)

    async def release_once_saturated() -> None:
        await wait_until(lambda: running == 3)
        release.set()

    # The in-process bus confirms once handlers finish, so publish alongside, not before.
    await asyncio.gather(bus.publish([event("a.b") for _ in range(8)]), release_once_saturated())
    await wait_until(lambda: done == 8)
    assert peak == 3


async def test_a_failing_handler_is_retried_then_succeeds(
    open_bus: BusFactory, consumer_name: Names
):
    bus = await open_bus()
    flaky = EnvelopeCollector(fail_times=2)  # the bus allows 3 attempts in these tests
    consumer = consumer_name("flaky")
    await bus.subscribe(consumer, ["a.b"], flaky)
    sent = event("a.b", "x")
    await bus.publish([sent])
    (got,) = await flaky.wait_count(1)
    assert got.message_id == sent.message_id
    assert flaky.calls == 3
    assert await bus.dead_letters(consumer) == []


async def test_a_handler_that_keeps_failing_dead_letters_the_message(
    open_bus: BusFactory, consumer_name: Names
):
    bus = await open_bus()
    broken = EnvelopeCollector(fail_times=10**6)
    healthy = EnvelopeCollector()
    consumer = consumer_name("broken")
    await bus.subscribe(consumer, ["a.b"], broken)
    await bus.subscribe(consumer_name("healthy"), ["a.b"], healthy)
    sent = event("a.b", "poison", tenant="t1")
    await bus.publish([sent])

    async def dead_lettered() -> bool:
        return [e.message_id for e in await bus.dead_letters(consumer)] == [sent.message_id]

    await wait_until(dead_lettered)
    assert broken.calls == 3
    (dead,) = await bus.dead_letters(consumer)
    assert dead.type == "a.b"
    assert dead.headers["tenant"] == "t1"
    assert dead.parse(StringValue).value == "poison"
    assert (await healthy.wait_count(1))[0].message_id == sent.message_id  # not retried there
    assert healthy.calls == 1


async def test_a_restarted_consumer_gets_what_was_published_while_it_was_away(
    open_bus: BusFactory, consumer_name: Names
):
    publisher = await open_bus()
    consumer_bus = await open_bus()
    consumer = consumer_name("restarting")
    before = EnvelopeCollector()
    await consumer_bus.subscribe(consumer, ["a.#"], before)
    await publisher.publish([event("a.b", "before")])
    await before.wait_count(1)
    await consumer_bus.unsubscribe(consumer)
    if consumer_bus is not publisher:  # RabbitMQ: the consumer's process goes away entirely
        await consumer_bus.close()
    missed = [event("a.b", f"while-away-{i}") for i in range(3)]
    # RabbitMQ confirms on enqueue; the in-process bus only once the returning consumer handled.
    publishing = asyncio.create_task(publisher.publish(missed))
    if consumer_bus is not publisher:
        await publishing
    after = EnvelopeCollector()
    consumer_bus = await open_bus()
    await consumer_bus.subscribe(consumer, ["a.#"], after, prefetch=1)
    await after.wait_count(3)
    await publishing
    assert after.message_ids == [e.message_id for e in missed]


async def test_envelope_metadata_and_trace_context_survive_the_trip(
    open_bus: BusFactory, consumer_name: Names
):
    bus = await open_bus()
    span = SpanContext(
        trace_id=0x0123456789ABCDEF0123456789ABCDEF,
        span_id=0x0123456789ABCDEF,
        is_remote=False,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )
    timestamp = datetime(2025, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    with trace.use_span(NonRecordingSpan(span)):
        sent = Envelope.for_proto(
            "zoom.meeting.started",
            StringValue(value="v"),
            message_id="msg-42",
            headers={"tenant": "t-9"},
            timestamp=timestamp,
        )
    trace_ids: list[int] = []

    async def handler(envelope: Envelope) -> None:
        trace_ids.append(trace.get_current_span().get_span_context().trace_id)
        await seen(envelope)

    seen = EnvelopeCollector()
    await bus.subscribe(consumer_name("meta"), ["zoom.meeting.started"], handler)
    await bus.publish([sent])
    (got,) = await seen.wait_count(1)
    assert got.message_id == "msg-42"
    assert got.type == "zoom.meeting.started"
    assert got.timestamp == timestamp
    assert got.content_type == sent.content_type
    assert got.body == sent.body
    assert dict(got.headers) == dict(sent.headers)
    assert trace_ids == [span.trace_id]
