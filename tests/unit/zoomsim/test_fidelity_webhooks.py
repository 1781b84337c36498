"""Fidelity: webhooks as Zoom delivers them — at least once (seeded duplicates and bounded
reordering) and the endpoint re-validated every 72 hours, a failing one disabled.

Switched on through `PATCH /_sim/fidelity`, observed by a receiver that checks signatures and
through `/_sim/deliveries` and `/_sim/webhooks`; each has a test that switches it off.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from zoomsim import Fidelity, SimConfig, Simulator
from zoomsim.client import SimClient

from .conftest import BASE, HOOK, SECRET, Receiver

STUDENTS = 24
SHUFFLED = {
    "webhook_at_least_once": True,
    "webhook_duplicate_rate": 0.25,
    "webhook_reorder_rate": 0.3,
    "webhook_reorder_window": 3,
    "webhook_reorder_max_delay": 5.0,  # the window, not the clock, decides in these tests
}


@pytest.fixture
def config(config: SimConfig) -> SimConfig:
    """Every switch kind whatever `ZOOMSIM_FIDELITY` says: each test turns on only its own."""
    config.fidelity = Fidelity.kind()
    return config


@asynccontextmanager
async def simulator(**fidelity: Any) -> AsyncIterator[tuple[SimClient, Receiver]]:
    """A fresh simulator with its receiver, the switches set through the control API."""
    receiver = Receiver()
    sim = Simulator(
        SimConfig(
            public_base_url=BASE, webhooks=[], uuid_slash_probability=0.0, fidelity=Fidelity.kind()
        ),
        webhook_transport=httpx.ASGITransport(receiver.app),
    )
    async with sim, SimClient(BASE, transport=httpx.ASGITransport(sim.app)) as ctl:
        await ctl.set_fidelity(**fidelity)
        await ctl.set_webhooks([{"url": HOOK, "secret": SECRET}], validate=False)
        yield ctl, receiver


async def play_class(ctl: SimClient) -> list[str]:
    """A class with many joins; the keys of the events it emits, in emission order."""
    m = await ctl.create_meeting(settings={"auto_recording": "none"})
    await ctl.start(m["id"])
    keys = ["meeting.started"]
    for i in range(STUDENTS):
        p = await ctl.join(m["id"], f"Student {i}")
        keys.append(f"joined:{p['user_id']}")
    await ctl.end(m["id"])
    keys += [f"left:{k.split(':')[1]}" for k in keys if k.startswith("joined:")]
    keys.append("meeting.ended")
    await ctl.release_held()  # no later event will let the last held ones go
    await ctl.drain()
    return keys


def received_keys(receiver: Receiver) -> list[str]:
    out = []
    for body in receiver.events():
        event = body["event"]
        participant = body["payload"]["object"].get("participant")
        if participant is None:
            out.append(event)
        else:
            side = "joined" if event.endswith("joined") else "left"
            out.append(f"{side}:{participant['user_id']}")
    return out


async def test_webhooks_at_least_once_duplicates_and_bounded_reordering() -> None:
    async with simulator(webhook_seed=7, **SHUFFLED) as (ctl, receiver):
        emitted = await play_class(ctl)
        got = received_keys(receiver)
        deliveries = await ctl.deliveries()
    assert all(r["ok"] for r in receiver.received)  # every copy is signed
    assert set(got) == set(emitted)  # nothing lost: at least once
    assert len(got) > len(emitted)  # some twice
    assert got != emitted  # some overtaken
    first = {k: got.index(k) for k in emitted}
    window = SHUFFLED["webhook_reorder_window"]
    for i, key in enumerate(emitted):  # bounded: at most `window` later events overtake one
        overtook = [k for k in emitted[i + 1 :] if first[k] < first[key]]
        assert len(overtook) <= window, (key, overtook)
    dups = [d for d in deliveries if d["duplicate_of"] is not None]
    assert len(dups) == len(got) - len(emitted)
    original = {d["id"]: d for d in deliveries}
    assert all(original[d["duplicate_of"]]["body"] == d["body"] for d in dups)
    assert any(d["reordered"] for d in deliveries)
    assert all(d["state"] == "delivered" for d in deliveries)

    # the same seed and the same events: the same duplicates in the same order
    async with simulator(webhook_seed=7, **SHUFFLED) as (ctl2, receiver2):
        again = await play_class(ctl2)
    assert _shape(received_keys(receiver2), again) == _shape(got, emitted)
    async with simulator(webhook_seed=8, **SHUFFLED) as (ctl3, receiver3):
        other = await play_class(ctl3)
    assert _shape(received_keys(receiver3), other) != _shape(got, emitted)


def _shape(got: list[str], emitted: list[str]) -> list[int]:
    """The received sequence as positions in the emitted one (user ids differ per run)."""
    return [emitted.index(k) for k in got]


async def test_webhooks_at_least_once_switched_off_once_and_in_order() -> None:
    async with simulator(webhook_at_least_once=False) as (ctl, receiver):
        emitted = await play_class(ctl)
        assert received_keys(receiver) == emitted
        assert all(d["duplicate_of"] is None for d in await ctl.deliveries())


async def _validations(ctl: SimClient) -> list[dict[str, Any]]:
    validations: list[dict[str, Any]] = (await ctl.webhooks())["validations"]
    return validations


async def test_url_validation_every_72_hours_and_six_failures_disable(
    ctl: SimClient, receiver: Receiver
) -> None:
    await ctl.set_fidelity(url_revalidation=True)
    await ctl.set_webhooks([{"url": HOOK, "secret": SECRET}], validate=False)
    [saved] = await ctl.validate_webhooks()  # checked once when saved, as on Zoom's page
    assert (saved["ok"], saved["periodic"]) == (True, False)
    before = len(await _validations(ctl))

    assert (await ctl.advance_clock(71 * 3600))["validations"] == []
    answer = await ctl.advance_clock(2 * 3600)  # 73 h after the last check
    [periodic] = answer["validations"]
    assert (periodic["ok"], periodic["periodic"]) == (True, True)
    assert len(await _validations(ctl)) == before + 1
    crc = [r for r in receiver.received if r["body"]["event"] == "endpoint.url_validation"]
    assert crc[-1]["ok"]  # signed, and answered right

    receiver.secret = "rotated-by-mistake"  # the receiver now fails every check
    for n in range(1, 6):
        [failed] = (await ctl.advance_clock(72 * 3600))["validations"]
        assert (failed["ok"], failed["failures_in_a_row"], failed["disabled"]) == (False, n, False)
    state = await ctl.webhooks()
    assert state["disabled"] == []
    [sixth] = (await ctl.advance_clock(72 * 3600))["validations"]
    assert (sixth["failures_in_a_row"], sixth["disabled"]) == (6, True)
    assert (await ctl.webhooks())["disabled"] == [HOOK]

    events_before = len(receiver.events())
    m = await ctl.create_meeting(settings={"auto_recording": "none"})
    await ctl.start(m["id"])
    await ctl.drain()
    assert len(receiver.events()) == events_before  # nothing is sent to a disabled endpoint
    assert [d["state"] for d in await ctl.deliveries(event="meeting.started")] == ["disabled"]
    assert (await ctl.advance_clock(7 * 72 * 3600))["validations"] == []  # no longer checked

    receiver.secret = SECRET  # fixed, and saved again: enabled
    await ctl.set_webhooks([{"url": HOOK, "secret": SECRET}], validate=False)
    assert (await ctl.webhooks())["disabled"] == []
    [ok] = await ctl.validate_webhooks()
    assert ok["ok"]


async def test_url_revalidation_switched_off_no_periodic_check(
    ctl: SimClient, receiver: Receiver
) -> None:
    await ctl.set_fidelity(url_revalidation=False)
    await ctl.set_webhooks([{"url": HOOK, "secret": SECRET}], validate=False)
    receiver.secret = "rotated-by-mistake"
    for _ in range(7):
        assert (await ctl.advance_clock(72 * 3600))["validations"] == []
    state = await ctl.webhooks()
    assert state["validations"] == []
    assert state["disabled"] == []
