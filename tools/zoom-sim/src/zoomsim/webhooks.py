"""Webhook delivery as Zoom does it (reference section 7): signed bodies, 3 s timeout, retries at
+5/+20/+60 min (times `time_factor`), then dropped; plus url_validation (the CRC).

Targets belong to an account (each tenant's Zoom app has its own event subscription and secret
token): an event goes only to the targets of the account in its `payload.account_id`, signed with
their secrets. Two accounts may name the same URL (one Classbridge endpoint serving every
tenant); they stay separate subscriptions, each with its own secret and disabled state.

Every attempt is recorded so tests can assert on what was sent, byte for byte.

Fidelity switches: `webhook_at_least_once` (zoomsim.at_least_once: duplicates and bounded
reordering) and `url_revalidation` (zoomsim.revalidation: url_validation every 72 hours).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import secrets
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from zoomsim.at_least_once import Shuffler
from zoomsim.config import WebhookTarget
from zoomsim.revalidation import Revalidator

if TYPE_CHECKING:
    from zoomsim.app import Simulator

USER_AGENT = "Zoom Marketplace/1.0a"
# Zoom disables an event subscription after this many failed url_validations in a row
DISABLE_AFTER_FAILED_VALIDATIONS = 6


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`v0=` + hex HMAC-SHA256 over `v0:{timestamp}:{raw body}`."""
    msg = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()


def crc_response(secret: str, plain_token: str) -> str:
    """The encryptedToken a receiver must return for a url_validation plainToken."""
    return hmac.new(secret.encode(), plain_token.encode(), hashlib.sha256).hexdigest()


@dataclass
class Attempt:
    at: float
    status: int | None
    error: str = ""
    timestamp: str = ""
    signature: str = ""


@dataclass
class Delivery:
    id: int
    event: str
    url: str
    body: bytes
    tracking_id: str
    state: str = "pending"  # pending | delivered | retrying | failed | dropped
    attempts: list[Attempt] = field(default_factory=list)
    duplicate_of: int | None = None
    account_id: str = ""
    target: WebhookTarget | None = None  # whose secret signs it (URLs may repeat per account)
    reordered: bool = False  # held back behind later deliveries (webhook_at_least_once)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "event": self.event,
            "account_id": self.account_id,
            "url": self.url,
            "state": self.state,
            "tracking_id": self.tracking_id,
            "body": self.body.decode(),
            "duplicate_of": self.duplicate_of,
            "reordered": self.reordered,
            "attempts": [a.__dict__ for a in self.attempts],
        }


class WebhookSender:
    """Queues events per target, delivers them in order, retries failures on Zoom's schedule."""

    def __init__(self, sim: Simulator, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.sim = sim
        self.config = sim.config
        self.deliveries: list[Delivery] = []
        self.validations: list[dict[str, Any]] = []
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._queue: asyncio.Queue[Delivery] = asyncio.Queue()
        self._tasks: set[asyncio.Task[None]] = set()
        self._worker: asyncio.Task[None] | None = None
        self._held: list[dict[str, Any]] = []
        self._busy = 0
        # (account id, url) -> failures in a row / subscriptions Zoom switched off
        self.failed_validations: dict[tuple[str, str], int] = {}
        self.disabled: set[tuple[str, str]] = set()
        self.shuffler = Shuffler()
        self.revalidator = Revalidator(self, DISABLE_AFTER_FAILED_VALIDATIONS)

    # -- targets -----------------------------------------------------------------------------
    @property
    def targets(self) -> list[WebhookTarget]:
        """The default (first) account's targets: what `PUT /_sim/webhooks` sets."""
        return self.sim.state.default_account.webhooks if self.sim.state.accounts else []

    def targets_for(self, account_id: str | None = None) -> list[WebhookTarget]:
        """An account's targets (the default account's for None or an unknown id)."""
        acc = self.sim.state.accounts.get(account_id or "")
        return acc.webhooks if acc is not None else self.targets

    def _account_id(self, account_id: str | None) -> str:
        if account_id and account_id in self.sim.state.accounts:
            return account_id
        return self.sim.state.default_account.id if self.sim.state.accounts else ""

    def disabled_urls(self, account_id: str | None = None) -> list[str]:
        """URLs of the account's targets that failed validation too often."""
        acc = self._account_id(account_id)
        return sorted(url for a, url in self.disabled if a == acc)

    def validations_for(self, account_id: str | None = None) -> list[dict[str, Any]]:
        acc = self._account_id(account_id)
        return [v for v in self.validations if v.get("account_id") == acc]

    async def start(self) -> None:
        self._client = httpx.AsyncClient(transport=self._transport, timeout=None)  # noqa: S113
        self._worker = asyncio.create_task(self._run())
        self.revalidator.note_targets()
        self._spawn(self.revalidator.loop())
        if self.config.validate_on_configure and any(
            a.webhooks for a in self.sim.state.accounts.values()
        ):
            self._spawn(self._validate_all())

    async def stop(self) -> None:
        """Cancel the worker and pending retries. Cancelling again until they end: on Python
        3.11 `asyncio.wait_for` swallows a cancellation that lands as the wrapped request
        completes, and the worker would then wait on its queue for ever."""
        tasks = [*self._tasks, *([self._worker] if self._worker else [])]
        pending = {t for t in tasks if not t.done()}
        while pending:
            for t in pending:
                t.cancel()
            _, pending = await asyncio.wait(pending, timeout=0.2)
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        if self._client is not None:
            await self._client.aclose()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _validate_all(self, account_id: str | None = None) -> None:
        accounts = (
            [self._account_id(account_id)]
            if account_id is not None
            else list(self.sim.state.accounts)
        )
        for acc in accounts:
            for t in list(self.targets_for(acc)):
                await self.validate(t, acc)

    async def configure(
        self,
        targets: list[WebhookTarget],
        validate: bool | None = None,
        account_id: str | None = None,
    ) -> None:
        """Replace an account's targets (default: the first account's); saving re-enables its
        disabled subscriptions, as on Zoom. Other accounts are untouched."""
        acc_id = self._account_id(account_id)
        self.sim.state.accounts[acc_id].webhooks = targets
        for key in [k for k in self.failed_validations if k[0] == acc_id]:
            del self.failed_validations[key]
        self.disabled = {k for k in self.disabled if k[0] != acc_id}
        self.revalidator.forget(acc_id)
        self.revalidator.note_targets()
        if validate if validate is not None else self.config.validate_on_configure:
            self._spawn(self._validate_all(acc_id))

    # -- building bodies ---------------------------------------------------------------------
    def _encode(self, event: str, payload: dict[str, Any], extra: dict[str, Any]) -> bytes:
        now_ms = int(self.sim.state.clock.now() * 1000)
        items: list[tuple[str, Any]] = [
            ("event", event),
            ("event_ts", now_ms),
            *extra.items(),
            ("payload", payload),
        ]
        if event == "endpoint.url_validation":
            items = [("payload", payload), ("event_ts", now_ms), ("event", event)]
        elif self.sim.state.rng.random() < self.config.webhook_key_shuffle_probability:
            self.sim.state.rng.shuffle(items)
        return json.dumps(dict(items), separators=(",", ":"), ensure_ascii=False).encode()

    def emit(self, event: str, payload: dict[str, Any], **top: Any) -> None:
        """Queue one event for every target of the account in `payload.account_id` (the
        default account when absent), applying webhook faults."""
        faults = self.sim.faults
        held_now = self._held
        self._held = []
        action = faults.webhook_action(event)
        if action == "hold":
            self._held = [*held_now, {"event": event, "payload": payload, "top": top}]
            return
        self._enqueue(event, payload, top, action)
        for h in held_now:
            self._enqueue(h["event"], h["payload"], h["top"], None)

    def release_held(self) -> None:
        """Send events held by a reorder fault (when no later event came), and deliveries the
        at-least-once reordering holds."""
        held, self._held = self._held, []
        for h in held:
            self._enqueue(h["event"], h["payload"], h["top"], None)
        for d in self.shuffler.flush():
            self._queue.put_nowait(d)

    def _enqueue(
        self, event: str, payload: dict[str, Any], top: dict[str, Any], action: str | None
    ) -> None:
        body = self._encode(event, payload, top)
        acc = self._account_id(payload.get("account_id"))
        for t in self.targets_for(acc):
            if t.events is not None and event not in t.events:
                continue
            d = Delivery(
                len(self.deliveries) + 1,
                event,
                t.url,
                body,
                uuidlib.uuid4().hex,
                account_id=acc,
                target=t,
            )
            self.deliveries.append(d)
            if (acc, t.url) in self.disabled:
                d.state = "disabled"  # recorded, never sent
                continue
            if action == "drop":
                d.state = "dropped"
                continue
            fid = self.config.fidelity
            if fid.webhook_at_least_once and action is None:
                for x in self.shuffler.admit(fid, (acc, t.url), d, self._duplicate):
                    self._queue.put_nowait(x)
                if self.shuffler.holding:
                    self._spawn(self._release_later(fid.webhook_reorder_max_delay))
                continue
            self._queue.put_nowait(d)
            if action == "duplicate":
                dup = Delivery(
                    len(self.deliveries) + 1,
                    event,
                    t.url,
                    body,
                    d.tracking_id,
                    duplicate_of=d.id,
                    account_id=acc,
                    target=t,
                )
                self.deliveries.append(dup)
                self._queue.put_nowait(dup)

    def _duplicate(self, d: Delivery) -> Delivery:
        """A second delivery of `d`: the same body and tracking id, as a retry would carry."""
        dup = Delivery(
            len(self.deliveries) + 1,
            d.event,
            d.url,
            d.body,
            d.tracking_id,
            duplicate_of=d.id,
            account_id=d.account_id,
            target=d.target,
        )
        self.deliveries.append(dup)
        return dup

    async def _release_later(self, delay: float) -> None:
        """Send held deliveries whose time bound has passed."""
        await asyncio.sleep(delay + 0.01)
        for d in self.shuffler.due():
            self._queue.put_nowait(d)

    # -- sending -----------------------------------------------------------------------------
    def _target(self, d: Delivery) -> WebhookTarget:
        """The target's current settings (a `PUT` may have changed its secret since the event
        was queued), else the one it was queued for."""
        current = next((t for t in self.targets_for(d.account_id) if t.url == d.url), None)
        return current or d.target or WebhookTarget(d.url, "")

    def _headers(
        self, t: WebhookTarget, body: bytes, tracking: str, account_id: str = ""
    ) -> dict[str, str]:
        ts = str(int(self.sim.state.clock.now()))
        acc = self.sim.state.accounts.get(account_id)
        client_id = t.client_id or (
            acc.apps[0].client_id
            if acc is not None and acc.apps
            else next(iter(self.sim.state.apps))
        )
        return {
            "content-type": "application/json; charset=utf-8",
            "user-agent": USER_AGENT,
            "x-zm-request-timestamp": ts,
            "x-zm-signature": sign(t.secret, ts, body),
            "x-zm-trackingid": tracking,
            "clientid": client_id,
            "x-zm-request-id": str(uuidlib.uuid4()),
        }

    async def _post(self, url: str, headers: dict[str, str], body: bytes) -> httpx.Response:
        assert self._client is not None
        return await asyncio.wait_for(
            self._client.post(
                url, content=body, headers=headers, timeout=self.config.webhook_timeout
            ),
            self.config.webhook_timeout + 0.5,
        )

    async def _attempt(self, d: Delivery) -> bool:
        t = self._target(d)
        headers = self._headers(t, d.body, d.tracking_id, d.account_id)
        att = Attempt(
            self.sim.state.clock.now(),
            None,
            timestamp=headers["x-zm-request-timestamp"],
            signature=headers["x-zm-signature"],
        )
        d.attempts.append(att)
        try:
            resp = await self._post(d.url, headers, d.body)
            att.status = resp.status_code
        except (httpx.HTTPError, TimeoutError, OSError) as exc:
            att.error = type(exc).__name__
            return False
        return 200 <= resp.status_code < 300

    async def _run(self) -> None:
        while True:
            d = await self._queue.get()
            self._busy += 1
            try:
                await self._deliver(d, 0)
            finally:
                self._busy -= 1

    async def _deliver(self, d: Delivery, n: int) -> None:
        ok = await self._attempt(d)
        if ok:
            d.state = "delivered"
            return
        status = d.attempts[-1].status
        retryable = (
            status is None or status >= 500 or (self.config.webhook_retry_on_4xx and status >= 400)
        )
        schedule = self.config.webhook_retry_schedule
        if not retryable:
            d.state = "failed"
            return
        if n >= len(schedule):
            d.state = "dropped"
            return
        d.state = "retrying"
        self._spawn(self._retry_later(d, n))

    async def _retry_later(self, d: Delivery, n: int) -> None:
        await asyncio.sleep(self.config.webhook_retry_schedule[n] * self.config.time_factor)
        self._busy += 1
        try:
            await self._deliver(d, n + 1)
        finally:
            self._busy -= 1

    async def validate(
        self, t: WebhookTarget, account_id: str | None = None, *, periodic: bool = False
    ) -> dict[str, Any]:
        """Send endpoint.url_validation and check the receiver's encryptedToken (computed with
        the target's secret: the account's, not another tenant's). `periodic`: Zoom's 72-hour
        check (zoomsim.revalidation) rather than one on saving or on request."""
        acc = self._account_id(account_id)
        now = self.sim.state.clock.now()
        if not periodic:
            self.revalidator.validated((acc, t.url), now)
        plain = secrets.token_urlsafe(16)
        body = self._encode("endpoint.url_validation", {"plainToken": plain}, {})
        headers = self._headers(t, body, uuidlib.uuid4().hex, acc)
        result: dict[str, Any] = {
            "account_id": acc,
            "url": t.url,
            "plain_token": plain,
            "ok": False,
            "status": None,
            "error": "",
            "at": now,
            "periodic": periodic,
        }
        try:
            resp = await self._post(t.url, headers, body)
            result["status"] = resp.status_code
            answer = resp.json()
            expected = crc_response(t.secret, plain)
            result["ok"] = (
                resp.status_code == 200
                and answer.get("plainToken") == plain
                and hmac.compare_digest(str(answer.get("encryptedToken")), expected)
            )
            if not result["ok"]:
                result["error"] = "wrong answer"
        except (httpx.HTTPError, TimeoutError, OSError, ValueError, AttributeError) as exc:
            result["error"] = type(exc).__name__
        self._count_validation((acc, t.url), result)
        self.validations.append(result)
        return result

    def _count_validation(self, key: tuple[str, str], result: dict[str, Any]) -> None:
        """A pass re-enables the target; the 6th failure in a row disables it."""
        if result["ok"]:
            self.failed_validations[key] = 0
            self.disabled.discard(key)
        else:
            n = self.failed_validations[key] = self.failed_validations.get(key, 0) + 1
            if n >= DISABLE_AFTER_FAILED_VALIDATIONS:
                self.disabled.add(key)
        result["failures_in_a_row"] = self.failed_validations[key]
        result["disabled"] = key in self.disabled

    async def drain(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Wait until nothing is queued or being sent (scheduled retries may still wait)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (  # noqa: ASYNC110
            not self._queue.empty() or self._busy or self.shuffler.holding
        ) and loop.time() < deadline:
            await asyncio.sleep(0.01)
