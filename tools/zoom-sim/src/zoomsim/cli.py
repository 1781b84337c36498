"""`python -m zoomsim serve|class|start|join|register|leave|end|record|ready|trash|delete|
recover|webhooks|validate|deliveries|fault|clock|fidelity|show|credentials|accounts|add-account|
rotate`.

`--account ID` (on `class`, `webhooks`, `validate`, `deliveries`, `show`) picks one of several
simulated Zoom accounts (tenants); without it the first account is meant.

`serve` runs the simulator; every other command talks to a running one's control API
(`--sim`, default `$ZOOMSIM_URL` or http://127.0.0.1:9090), so a class can be scripted from a
shell.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from typing import Any

from zoomsim.class_plan import Attendee, ClassPlan, Stay
from zoomsim.client import SimClient, SimError
from zoomsim.config import SimConfig, WebhookTarget
from zoomsim.fidelity import Fidelity

UNITS = {
    "": 1,
    "b": 1,
    "k": 1 << 10,
    "kib": 1 << 10,
    "m": 1 << 20,
    "mib": 1 << 20,
    "g": 1 << 30,
    "gib": 1 << 30,
}


def parse_size(text: str) -> int:
    t = text.strip().lower()
    num = t.rstrip("abcdefghijklmnopqrstuvwxyz")
    return int(float(num) * UNITS[t[len(num) :]])


def parse_files(text: str) -> list[dict[str, Any]]:
    """`MP4:10MiB,M4A:1MiB,TRANSCRIPT:12k` -> recording file specs."""
    out = []
    for part in filter(None, text.split(",")):
        ft, _, size = part.partition(":")
        out.append({"file_type": ft.strip().upper(), "size": parse_size(size or "1MiB")})
    return out


def _serve_parser(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the simulator")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--public-base-url")
    p.add_argument("--cdn-base-url")
    p.add_argument("--webhook-url", action="append", default=[])
    p.add_argument("--webhook-secret", action="append", default=[])
    p.add_argument("--time-factor", type=float)
    p.add_argument("--rate-limits", choices=["on", "off"])
    p.add_argument("--plan", choices=["free", "pro", "business"])
    p.add_argument("--create-meeting-label", choices=["Light", "Medium"])
    p.add_argument("--seed")
    p.add_argument("--accounts", help="JSON list of accounts (see README)")
    p.add_argument("--admin-token")
    p.add_argument("--uuid-slash-probability", type=float)
    p.add_argument("--refresh-grace", type=float)
    p.add_argument("--recording-delay", type=float)
    p.add_argument("--token-ttl", type=int)
    p.add_argument(
        "--fidelity",
        help="behaviours played as Zoom does: all | none | name,-name,param=value (README)",
    )
    p.add_argument("--quiet", action="store_true", help="print only the ready line")
    p.add_argument(
        "--access-log",
        action="store_true",
        default=os.environ.get("ZOOMSIM_ACCESS_LOG", "").lower() in ("1", "true", "yes", "on"),
        help="log every request (off by default: it costs a large share of the request rate)",
    )


def build_config(a: argparse.Namespace) -> SimConfig:
    over: dict[str, Any] = {
        "host": a.host,
        "port": a.port,
        "public_base_url": a.public_base_url,
        "cdn_base_url": a.cdn_base_url,
        "time_factor": a.time_factor,
        "seed": a.seed,
        "admin_token": a.admin_token,
        "uuid_slash_probability": a.uuid_slash_probability,
        "refresh_grace_seconds": a.refresh_grace,
        "recording_delay_seconds": a.recording_delay,
        "token_ttl": a.token_ttl,
        "create_meeting_label": a.create_meeting_label,
    }
    if a.rate_limits:
        over["rate_limits"] = a.rate_limits == "on"
    if a.accounts:
        from zoomsim.config import parse_value

        over["accounts"] = parse_value("accounts", a.accounts)
    cfg = SimConfig.from_env(**over)
    if a.fidelity:
        cfg.fidelity = Fidelity.parse(a.fidelity, cfg.fidelity)
    if a.plan:
        for acc in cfg.accounts:
            acc.plan = a.plan
    if a.webhook_url:
        secrets_ = a.webhook_secret or [os.environ.get("ZOOMSIM_WEBHOOK_SECRET", "")]
        cfg.webhooks = [
            WebhookTarget(u, secrets_[min(i, len(secrets_) - 1)])
            for i, u in enumerate(a.webhook_url)
        ]
    elif os.environ.get("ZOOMSIM_WEBHOOK_URL"):
        cfg.webhooks = [
            WebhookTarget(
                os.environ["ZOOMSIM_WEBHOOK_URL"], os.environ.get("ZOOMSIM_WEBHOOK_SECRET", "")
            )
        ]
    return cfg


async def serve(cfg: SimConfig, quiet: bool, access_log: bool = False) -> None:
    import uvicorn

    from zoomsim.app import Simulator
    from zoomsim.server import READY_PREFIX, cdn_listener, uvicorn_config

    sim = Simulator(cfg)
    server = uvicorn.Server(uvicorn_config(sim, cfg.host, cfg.port, access_log=access_log))
    task = asyncio.create_task(server.serve())
    while not server.started and not task.done():  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    if task.done():
        task.result()
        return
    port = server.servers[0].sockets[0].getsockname()[1]
    host = "127.0.0.1" if cfg.host in ("0.0.0.0", "::") else cfg.host  # noqa: S104
    sim.bound_base_url = f"http://{host}:{port}"
    async with cdn_listener(sim, cfg.host):
        if not quiet:
            _banner(sim, cfg)
        print(READY_PREFIX + sim.base_url(), flush=True)
        await task


def _banner(sim: Any, cfg: SimConfig) -> None:
    """What `serve` prints: where it listens, its switches and the seeded credentials."""
    print(f"Zoom simulator for Classbridge on {sim.base_url()}")
    print(
        f"  rate limits: {'on' if cfg.rate_limits else 'off'}; "
        f"time factor {cfg.time_factor}; control API {sim.base_url()}/_sim "
        f"({'admin token' if cfg.admin_token else 'loopback only'})"
    )
    print(f"  as Zoom (fidelity): {', '.join(cfg.fidelity.on()) or 'none'}")
    if cfg.fidelity.separate_cdn:
        print(f"  CDN on {sim.cdn_base()}")
    for acc in sim.credentials():
        print(f"  account {acc['account_id']} ({acc['plan']})")
        for app in acc["apps"]:
            print(
                f"    {app['kind']:5} client_id={app['client_id']} "
                f"client_secret={app['client_secret']}"
            )
        for u in acc["users"]:
            print(f"    user {u['email']} id={u['id']}")


def _print(data: Any) -> None:
    print(json.dumps(data, indent=2))


async def control(a: argparse.Namespace) -> int:
    async with SimClient(a.sim, admin_token=a.admin_token) as c:
        cmd = a.command
        if cmd == "class":
            return await play_class(c, a)
        if cmd == "start":
            _print(await c.start(a.meeting))
        elif cmd == "join":
            _print(
                await c.join(
                    a.meeting,
                    a.name or "",
                    a.email or "",
                    internal=a.internal,
                    registrant_id=a.registrant,
                    join_url=a.join_url,
                    customer_key=a.customer_key,
                    device=a.device,
                    host=a.host,
                )
            )
        elif cmd == "register":
            _print(
                await c.add_registrant(a.meeting, a.email, a.first_name or "", a.last_name or "")
            )
        elif cmd == "leave":
            _print(await c.leave(a.meeting, a.user_id))
        elif cmd == "end":
            rec = None
            if a.files:
                rec = {
                    "files": parse_files(a.files),
                    "delay": a.delay,
                    "transcript_delay": a.transcript_delay,
                }
            _print(await c.end(a.meeting, recording=rec, no_recording=a.no_recording))
        elif cmd == "record":
            _print(
                await c.record(
                    a.meeting,
                    parse_files(a.files) if a.files else None,
                    delay=a.delay,
                    transcript_delay=a.transcript_delay,
                )
            )
        elif cmd == "ready":
            _print(await c.recording_ready(a.meeting, transcript=a.transcript))
        elif cmd in ("trash", "delete", "recover"):
            fn = {
                "trash": c.trash_recording,
                "delete": c.delete_recording,
                "recover": c.recover_recording,
            }[cmd]
            _print(await fn(a.meeting, a.file_id))
        elif cmd == "webhooks":
            targets = [{"url": a.url, "secret": a.secret}]
            if a.account:
                _print(await c.set_account_webhooks(a.account, targets))
            else:
                _print(await c.set_webhooks(targets))
        elif cmd == "validate":
            _print(await c.validate_webhooks(a.account))
        elif cmd == "deliveries":
            _print(await c.deliveries(a.event, account_id=a.account))
        elif cmd == "fault":
            _print(await c.fault(a.kind, **json.loads(a.spec or "{}")))
        elif cmd == "clock":
            _print(await c.advance_clock(a.seconds))
        elif cmd == "fidelity":
            if a.spec:
                spec = Fidelity.parse(a.spec, Fidelity(**await c.fidelity()))
                _print(await c.set_fidelity(**spec.as_json()))
            else:
                _print(await c.fidelity())
        elif cmd == "show":
            _print(await c.meeting(a.meeting) if a.meeting else await c.meetings(a.account))
        elif cmd == "credentials":
            _print(await c.credentials())
        elif cmd == "accounts":
            _print(await c.accounts())
        elif cmd == "add-account":
            spec = json.loads(a.spec or "{}")
            if a.name:
                spec["name"] = a.name
            for key in ("id", "plan"):
                if getattr(a, key):
                    spec[key] = getattr(a, key)
            if a.user:
                spec["users"] = [{"email": e} for e in a.user]
            if a.webhook_url:
                spec["webhook"] = {"url": a.webhook_url, "secret": a.webhook_secret or ""}
            if a.scopes:
                spec.setdefault("s2s", {})["scopes"] = a.scopes
            if a.oauth:
                spec.setdefault("oauth", {})
            name = spec.pop("name", "") or "Test Account"
            _print(await c.add_account(name, **spec))
        elif cmd == "rotate":
            _print(
                await c.rotate_client_secret(
                    a.account_id, a.client_id, client_secret=a.secret, revoke_tokens=a.revoke
                )
            )
    return 0


async def play_class(c: SimClient, a: argparse.Namespace) -> int:
    """A whole class (zoomsim.class_plan): the host joins first, then `--students` students and
    `--guests` guests (no email, no registrant); the first student drops half-way and rejoins.
    Students join through their registrant links when the meeting has registrants (the first
    `--students` approved ones) or with `--register` (each registered first). The class ends
    after `--minutes` of simulated time, its recording ready after `--delay`."""
    rec = (
        {"files": parse_files(a.files), "delay": a.delay, "transcript_delay": a.transcript_delay}
        if a.files
        else {"delay": a.delay}
    )
    registered = []
    if a.meeting:
        registered = [r for r in await c.registrants(a.meeting) if r["status"] == "approved"]

    def arrival(k: int) -> float:
        """The k-th arrival: 30 s in, one a second, all within the class's first tenth."""
        return min(0.5 + k / 60, float(a.minutes) / 10)

    half = a.minutes / 2
    students = []
    for i in range(a.students):
        name, email = f"Student {i + 1}", f"student{i + 1}@classbridge.test"
        if i < len(registered):
            r = registered[i]
            name, email = f"{r['first_name']} {r['last_name']}".strip(), r["email"]
        stays: tuple[Stay, ...] = (Stay(arrival(i)),)
        if i == 0 and a.rejoin and arrival(0) < half and half + 1 < a.minutes:
            stays = (Stay(arrival(0), half), Stay(half + 1))  # drops half-way, back a minute on
        students.append(
            Attendee(name, email, register=i < len(registered) or a.register, stays=stays)
        )
    guests = [
        Attendee(f"Guest {j + 1}", stays=(Stay(arrival(a.students + j)),)) for j in range(a.guests)
    ]
    plan = ClassPlan(
        minutes=a.minutes,
        attendees=(*students, *guests),
        topic=a.topic,
        account_id=a.account,
        recording=rec,
    )
    played = await c.play_class(plan, a.meeting)
    _print(
        {
            "meeting_id": played.meeting_id,
            "uuid": played.uuid,
            "participants": len(played.attendees) + (1 if played.host_user_id else 0),
            "students": a.students,
            "guests": a.guests,
            "registrants": len(played.by_registrant()),
            "recording": played.recording,
        }
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m zoomsim", description=__doc__)
    ap.add_argument("--sim", default=os.environ.get("ZOOMSIM_URL", "http://127.0.0.1:9090"))
    ap.add_argument("--admin-token", default=os.environ.get("ZOOMSIM_ADMIN_TOKEN"))
    sub = ap.add_subparsers(dest="command", required=True)
    _serve_parser(sub)
    p = sub.add_parser("class", help="play a whole class")
    p.add_argument("--meeting")
    p.add_argument("--topic", default="Classbridge class")
    p.add_argument("--students", type=int, default=5, help="students (besides the host)")
    p.add_argument("--guests", type=int, default=2, help="guests (no email), besides students")
    p.add_argument("--minutes", type=int, default=60)
    p.add_argument("--rejoin", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument(
        "--register",
        action="store_true",
        help="register the students first; they join through their own links",
    )
    p.add_argument("--files", default="MP4:20MiB,M4A:2MiB,CHAT:4k,TIMELINE:8k,TRANSCRIPT:12k")
    p.add_argument("--delay", type=float, default=5.0)
    p.add_argument("--transcript-delay", type=float, default=5.0)
    p.add_argument("--account", help="account id for a new meeting (default: the first)")
    for name in ("start", "ready", "show"):
        p = sub.add_parser(name)
        p.add_argument("meeting", nargs="?" if name == "show" else None)
        if name == "ready":
            p.add_argument("--transcript", action="store_true")
        if name == "show":
            p.add_argument("--account", help="list only this account's meetings")
    p = sub.add_parser("join")
    p.add_argument("meeting")
    p.add_argument("name", nargs="?", help="default: a registrant's registered name, or Guest")
    p.add_argument("--email")
    p.add_argument("--internal", action="store_true")
    p.add_argument("--registrant", help="join as this registrant id")
    p.add_argument("--join-url", help="join through a registrant's own link")
    p.add_argument("--customer-key")
    p.add_argument("--device", help="e.g. phone (dials in)")
    p.add_argument("--host", action="store_true", help="the meeting's host user, as host")
    p = sub.add_parser("register", help="register someone for a meeting (registration on)")
    p.add_argument("meeting")
    p.add_argument("email")
    p.add_argument("--first-name")
    p.add_argument("--last-name")
    p = sub.add_parser("leave")
    p.add_argument("meeting")
    p.add_argument("user_id")
    for name in ("end", "record"):
        p = sub.add_parser(name)
        p.add_argument("meeting")
        p.add_argument("--files", help="e.g. MP4:10MiB,M4A:1MiB,TRANSCRIPT:12k")
        p.add_argument("--delay", type=float)
        p.add_argument("--transcript-delay", type=float)
        if name == "end":
            p.add_argument("--no-recording", action="store_true")
    for name in ("trash", "delete", "recover"):
        p = sub.add_parser(name)
        p.add_argument("meeting")
        p.add_argument("--file-id")
    p = sub.add_parser("webhooks")
    p.add_argument("url")
    p.add_argument("secret")
    p.add_argument("--account", help="set this account's targets (default: the first's)")
    p = sub.add_parser("validate")
    p.add_argument("--account")
    sub.add_parser("credentials")
    sub.add_parser("accounts", help="list the accounts with their apps, users and webhooks")
    p = sub.add_parser("add-account", help="add an account (tenant) to a running simulator")
    p.add_argument("name", nargs="?")
    p.add_argument("spec", nargs="?", help="JSON body of POST /_sim/accounts")
    p.add_argument("--id")
    p.add_argument("--plan", choices=["free", "pro", "business"])
    p.add_argument("--user", action="append", default=[], help="email; first = owner")
    p.add_argument("--webhook-url")
    p.add_argument("--webhook-secret")
    p.add_argument("--scopes", help="the S2S app's scopes (default: everything)")
    p.add_argument("--oauth", action="store_true", help="also a user-managed OAuth app")
    p = sub.add_parser("rotate", help="regenerate an app's client secret")
    p.add_argument("account_id")
    p.add_argument("client_id")
    p.add_argument("--secret", help="the new secret (default: random)")
    p.add_argument("--revoke", action="store_true", help="also end the app's issued tokens")
    p = sub.add_parser("deliveries")
    p.add_argument("--event")
    p.add_argument("--account")
    p = sub.add_parser("fault")
    p.add_argument("kind")
    p.add_argument("spec", nargs="?", help='JSON, e.g. {"status": 503, "count": 3}')
    p = sub.add_parser("clock")
    p.add_argument("seconds", type=float)
    p = sub.add_parser("fidelity", help="show or set the behaviours played as Zoom does")
    p.add_argument("spec", nargs="?", help="all | none | name,-name,param=value")
    a = ap.parse_args(argv)
    if a.command == "serve":
        from zoomsim.server import run_loop

        with contextlib.suppress(KeyboardInterrupt):
            run_loop(serve(build_config(a), a.quiet, a.access_log))
        return 0
    try:
        return asyncio.run(control(a))
    except SimError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
