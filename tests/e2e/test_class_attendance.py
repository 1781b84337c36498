"""Attendance end to end, as a course platform sees it through the edge.

A course platform creates a course and a group batch, enrols its students with their emails and
schedules a class; Classbridge creates the Zoom meeting and registers every enrolled student as a
registrant of it in the background, and each student opens the class with their own link
(``GET /api/v1/sessions/{id}/join``). The Zoom simulator then plays the class from a plan
(``zoomsim.class_plan``), each student joining through the link the edge gave them: two devices
at once, drops and rejoins, time spent in breakout rooms, a join whose webhook Zoom never sends,
dial-ins, students who never come and guests (one typing an enrolled student's exact name).
After the meeting ends the scheduler reads Zoom's participants report (its reconciliation job,
configured here to start a second after the end instead of two minutes), and what the edge
then exports must be what was played:

- every enrolled student's minutes, percentage and presence (by the batch's own threshold) are
  the simulator's truth: the union of their intervals across devices;
- every student's row is named as they were enrolled (a dial-in shows under its number in
  Zoom), absent students are absent, the teacher is not a guest, and the guests are three
  guests tied to nobody (measured on Zoom's webhooks alone: no row of Zoom's report says which
  guest it is);
- the CSV export says what the JSON one says, row by row, and so does the batch's attendance
  over a range of days.

Also: registrations follow enrolments (a student enrolled after a class was held is registered
for the upcoming ones only, and unenrolling removes them at Zoom and takes their link away),
and who may read what (a student their own row and link only; another school's admin sees
nothing, 404).

**Tolerance.** Zoom's times are whole seconds (the simulator truncates, as Zoom does), and the
API gives whole minutes rounded down from seconds (``scheduler.domain.attendance``). So a figure
may differ from the truth by less than one second per end of each stretch of presence: minutes
lie between ``floor((truth - k) / 60)`` and ``floor((truth + k) / 60)`` for ``k`` stretches,
and the percentage (two decimals, of a class whose length is itself whole seconds) within
``(k + 1)`` seconds of the class plus 0.005. The plan keeps every student at least a minute
away from the threshold, so presence is exact.

Runs on the embedded default and, in the integration tier, on PostgreSQL and RabbitMQ.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack.stack import Stack
from devstack.testing import isolated_stack
from tests.e2e.classes import eventually
from tests.e2e.conftest import INFRASTRUCTURE
from zoomsim.class_plan import Attendee, Breakout, ClassPlan, PlayedAttendee, PlayedClass, Stay
from zoomsim.client import SimClient, SimError

#: The scheduler reads Zoom's report a second after the end and looks for due work often.
SCHEDULER = {"attendance_reconcile_delay_seconds": 1.0, "job_poll_interval_seconds": 0.2}
THRESHOLD = 60.0  # the batch's present threshold (the service default is 75)
MINUTES = 60
TEACHER = "teacher-1"
NAMES = """
Asha Rao, Ben Ode, Cleo Lin, Dev Shah, Ema Kato, Finn Berg, Gia Russo, Hugo Lam,
Ines Diaz, Jon Park, Kira Sato, Leo Moss, Maya Iyer, Nils Holm, Omar Nasser, Pia Weiss,
Quin Adams, Rosa Costa, Sami Haddad, Tara Nair, Umar Farah, Vera Novak, Wes Reid,
Xena Ortiz, Yusuf Demir, Zoe Ng, Alba Ruiz, Bram Visser, Cora Quinn, Dario Bello
"""  # the students, first and last names
FORMULA = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(params=INFRASTRUCTURE)
async def stack(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Stack]:
    """The whole stack (as ``tests/e2e/conftest.py``'s), its scheduler quick to reconcile."""
    urls = {}
    if request.param != "embedded":
        urls = {
            "database_url": request.getfixturevalue("database_url"),
            "amqp_url": request.getfixturevalue("amqp_url"),
        }
    async with isolated_stack(tmp_path, overrides={"scheduler": SCHEDULER}, **urls) as running:
        yield running


@dataclass(frozen=True)
class Student:
    id: str
    first_name: str
    last_name: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def email(self) -> str:
        return f"{self.id}@school.test"


def students(count: int) -> list[Student]:
    names = [name.strip().split(" ") for name in NAMES.replace("\n", " ").split(",")]
    return [Student(f"student-{n + 1:02d}", *names[n]) for n in range(count)]


def bearer(stack: Stack, subject: str, role: str, tenant: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.token(subject, (role,), tenant=tenant)}"}


async def data(answer: httpx.Response, status: int = 200) -> Any:
    assert answer.status_code == status, (answer.request.url, answer.status_code, answer.text)
    return answer.json()["data"]


# ---- the course platform's side ------------------------------------------------------------


async def new_batch(edge: httpx.AsyncClient, title: str) -> str:
    """A course taught by ``TEACHER`` and a group batch of it, present at ``THRESHOLD``."""
    course = await data(
        await edge.post("/api/v1/courses", json={"title": title, "instructor_ids": [TEACHER]}),
        201,
    )
    batch = await data(
        await edge.post(
            "/api/v1/batches",
            json={
                "course_id": course["id"],
                "name": "Group A",
                "type": "group",
                "instructor_id": TEACHER,
            },
        ),
        201,
    )
    patched = await data(
        await edge.patch(
            f"/api/v1/batches/{batch['id']}", json={"present_threshold_percentage": THRESHOLD}
        )
    )
    assert patched["present_threshold_percentage"] == THRESHOLD
    return str(batch["id"])


async def enrol(edge: httpx.AsyncClient, batch_id: str, student: Student) -> None:
    await data(
        await edge.post(
            f"/api/v1/batches/{batch_id}/enrollments",
            json={
                "student_id": student.id,
                "email": student.email,
                "first_name": student.first_name,
                "last_name": student.last_name,
            },
        ),
        201,
    )


async def schedule(edge: httpx.AsyncClient, batch_id: str, day: str) -> tuple[str, int]:
    """A class of the batch on ``day``, 10:00 to 11:00, with its meeting: (session, meeting)."""
    scheduled = await data(
        await edge.post(
            f"/api/v1/batches/{batch_id}/schedule",
            json={
                "date": day,
                "start_time": "10:00",
                "end_time": "11:00",
                "title": f"Lesson of {day}",
                "create_zoom_meeting": True,
            },
        ),
        201,
    )
    assert scheduled["zoom_meeting"], scheduled["warnings"]
    return str(scheduled["session"]["id"]), int(scheduled["zoom_meeting"]["id"])


def token_of(link: str) -> str:
    """The registrant token (``tk``) of a Zoom join link."""
    query = httpx.URL(link).params
    return str(query.get("tk") or "")


async def registrants(zoom: SimClient, meeting_id: int) -> dict[str, dict[str, Any]]:
    """The meeting's registrants at Zoom, by email."""
    return {r["email"].lower(): r for r in await zoom.registrants(meeting_id)}


async def wait_registered(
    stack: Stack,
    edge: httpx.AsyncClient,
    zoom: SimClient,
    session_id: str,
    meeting_id: int,
    people: Iterable[Student],
) -> dict[str, str]:
    """Wait until each of ``people`` is Zoom's registrant of the meeting and the edge gives them
    their own link; their links, by student id (each checked to be their own registrant's)."""
    people = list(people)
    wanted = {p.email for p in people}

    async def at_zoom() -> bool:
        return wanted <= (await registrants(zoom, meeting_id)).keys()

    await eventually(at_zoom, f"{len(wanted)} registrants of meeting {meeting_id}", 30)
    links: dict[str, str] = {}

    async def linked() -> bool:
        for p in people:
            if p.id in links:
                continue
            answer = await edge.get(
                f"/api/v1/sessions/{session_id}/join", headers=bearer(stack, p.id, "student")
            )
            got = await data(answer)
            assert answer.headers["cache-control"] == "no-store"
            if got["registered"]:
                links[p.id] = got["join_url"]
        return len(links) == len(people)

    await eventually(linked, f"the students' own links of session {session_id}", 30)
    at = await registrants(zoom, meeting_id)
    for p in people:
        mine = at[p.email]
        assert mine["status"] == "approved"
        assert token_of(links[p.id]) == token_of(mine["join_url"]) != ""
    assert len({token_of(link) for link in links.values()}) == len(people)
    return links


async def report(edge: httpx.AsyncClient, session_id: str, **params: str) -> Any:
    return await data(
        await edge.get(f"/api/v1/sessions/{session_id}/attendance/export", params=params)
    )


async def wait_final(edge: httpx.AsyncClient, session_id: str) -> Any:
    """The session's report once Zoom's report is merged and every webhook is in (nobody shown
    as still in the meeting)."""
    found: dict[str, Any] = {}

    async def final() -> bool:
        got = await report(edge, session_id)
        if not got["final"] or got["reconciliation"]["state"] != "done":
            return False
        people = await data(await edge.get(f"/api/live-classes/{session_id}/participants"))
        if any(p["status"] == "joined" for p in people):
            return False
        found.update(got)
        return True

    await eventually(final, f"the attendance of session {session_id} reconciled", 60)
    return found


# ---- the truth -------------------------------------------------------------------------------


def stretches(intervals: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """Separate stretches of presence (overlapping or touching intervals are one)."""
    out: list[tuple[float, float]] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


@dataclass(frozen=True)
class Truth:
    seconds: float
    stretches: int
    first_join: float | None
    last_leave: float | None

    @classmethod
    def of(cls, intervals: list[tuple[float, float]]) -> Truth:
        merged = stretches(intervals)
        return cls(
            seconds=sum(end - start for start, end in merged),
            stretches=len(merged),
            first_join=merged[0][0] if merged else None,
            last_leave=merged[-1][1] if merged else None,
        )

    def percent(self, class_seconds: float) -> float:
        return self.seconds / class_seconds * 100


def instant(value: str | None) -> float | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).timestamp()


def assert_figures(row: dict[str, Any], truth: Truth, class_seconds: float, who: str) -> None:
    """``row``'s figures are ``truth``'s, within what whole seconds and minutes imply."""
    k = truth.stretches
    low = math.floor(max(0.0, truth.seconds - k) / 60)
    high = math.floor((truth.seconds + k) / 60)
    assert low <= row["minutes_attended"] <= high, (who, row, truth)
    slack = (k + 1) / class_seconds * 100 + 0.005
    assert abs(row["attendance_percentage"] - truth.percent(class_seconds)) <= slack, (who, row)
    assert row["join_count"] == k, (who, row, truth)
    assert row["rejoin_count"] == max(0, k - 1), (who, row)
    assert_instant(row["first_join_time"], truth.first_join, (who, "first join", row))
    assert_instant(row["last_leave_time"], truth.last_leave, (who, "last leave", row))


def assert_instant(shown: str | None, true: float | None, what: object) -> None:
    """An instant the API shows is the true one, truncated to its second as Zoom gives it."""
    if true is None:
        assert shown is None, what
        return
    at = instant(shown)
    assert at is not None, what
    assert 0 <= true - at < 1, (what, true)


# ---- scenario 1: a class of 30 ---------------------------------------------------------------


def plan_of(roster: list[Student], links: dict[str, str]) -> tuple[ClassPlan, set[str]]:
    """The class: (plan, ids of the students who never come). Each student joins through the
    link the edge gave them; one guest types student 5's exact name."""

    def stays(n: int) -> tuple[Stay, ...] | None:
        if n in (1, 2):  # computer, then the phone as well: two devices at once
            return (Stay(0, 50), Stay(10, device="phone"))
        if n == 3:  # computer and tablet overlapping, then gone
            return (Stay(5, 30), Stay(20, 45, device="tablet"))
        if n in (4, 5):  # dropped and rejoined
            return (Stay(0, 20), Stay(25))
        if n == 6:  # dropped, back late: absent
            return (Stay(0, 15), Stay(45))
        if n in (7, 8):  # a short stay in the main room, then only a breakout room
            return (Stay(0, 45, breakouts=(Breakout("Room 1", 2),)),)
        if n == 9:  # the same, leaving early: absent
            return (Stay(0, 30, breakouts=(Breakout("Room 2", 1),)),)
        if n == 10:  # Zoom never sends the join's webhook
            return (Stay(0, drop_join_webhook=True),)
        if n == 11:  # nor this one's, who leaves early and rejoins by phone
            return (Stay(3, 40, drop_join_webhook=True), Stay(42, 50, device="phone"))
        if n == 12:
            return (Stay(30),)  # half the class: absent
        if n == 13:
            return (Stay(10),)
        if n == 14:
            return (Stay(0, 20),)  # absent
        if n == 15:  # dials in only
            return (Stay(0, 58, device="phone"),)
        if n >= 28:
            return None  # never comes
        return (Stay(0),) if n % 2 else (Stay(1, 59),)

    attendees: list[Attendee] = []
    absent: set[str] = set()
    for n, student in enumerate(roster, start=1):
        planned = stays(n)
        if planned is None:
            absent.add(student.id)
            continue
        attendees.append(Attendee(student.name, join_url=links[student.id], stays=planned))
    attendees += [
        # a guest named exactly as student 5, in the meeting while she was not: tied to her,
        # the guest would fill her gap
        Attendee(roster[4].name, stays=(Stay(19, 27),)),
        Attendee("Grandpa Joe", "joe@family.test", register=False, stays=(Stay(8, 18),)),
        Attendee("@tom.guest", stays=(Stay(5, 25),)),  # a name a spreadsheet would run
    ]
    return ClassPlan(minutes=MINUTES, attendees=tuple(attendees)), absent


def typed(cell: str, like: Any) -> Any:
    """A CSV cell read back as the type of the JSON value it should equal."""
    if like is None:
        return None if cell == "" else cell
    if isinstance(like, bool):
        assert cell in ("true", "false"), cell
        return cell == "true"
    if isinstance(like, int):
        return int(cell)
    if isinstance(like, float):
        return float(cell)
    text = str(like)
    if text.startswith(FORMULA):  # written as text, so no spreadsheet runs it
        assert cell == "'" + text, (cell, text)
        return text
    return cell


def assert_csv_says_the_same(answer: httpx.Response, reports: list[dict[str, Any]]) -> None:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith("attachment; filename=")
    lines = list(csv.DictReader(io.StringIO(answer.text)))
    expected = [(r, row) for r in reports for row in r["rows"]]
    assert len(lines) == len(expected)
    for line, (session, row) in zip(lines, expected, strict=True):
        values = {
            "session_id": session["session_id"],
            "session_title": session["session_title"],
            "scheduled_start": session["scheduled_start"],
            "session_minutes": session["session_minutes"],
        } | {k: row[k] for k in line if k in row}
        assert set(line) == set(values), set(line) ^ set(values)
        assert {k: typed(v, values[k]) for k, v in line.items()} == values


async def test_a_class_of_thirty_is_graded_as_it_was_played(stack: Stack) -> None:
    roster = students(30)
    admin = bearer(stack, "admin-1", "admin")
    async with (
        httpx.AsyncClient(base_url=stack.edge_url, headers=admin, timeout=30) as edge,
        stack.sim_client() as zoom,
    ):
        batch_id = await new_batch(edge, "Biology")
        for student in roster:
            await enrol(edge, batch_id, student)
        session_id, meeting_id = await schedule(edge, batch_id, "2030-01-15")
        links = await wait_registered(stack, edge, zoom, session_id, meeting_id, roster)

        plan, absent = plan_of(roster, links)
        meetings = len(await zoom.meetings())
        played = await zoom.play_class(plan, meeting_id)
        await zoom.drain()
        assert played.meeting_id == meeting_id  # the session's meeting, not one of its own
        assert len(await zoom.meetings()) == meetings
        assert len(played.dropped_joins()) == 2
        shown = await wait_final(edge, session_id)

        check_class(shown, played, roster, absent)
        csv_answer = await edge.get(
            f"/api/v1/sessions/{session_id}/attendance/export", params={"format": "csv"}
        )
        assert_csv_says_the_same(csv_answer, [shown])
        assert "'@tom.guest" in csv_answer.text  # written as text, never run as a formula

        days = {"from": "2030-01-15", "to": "2030-01-15"}
        batch = await data(await edge.get(f"/api/v1/batches/{batch_id}/attendance", params=days))
        assert batch["present_threshold_percentage"] == THRESHOLD
        assert [s["session_id"] for s in batch["sessions"]] == [session_id]
        assert same_report(batch["sessions"][0], shown)
        batch_csv = await edge.get(
            f"/api/v1/batches/{batch_id}/attendance", params=days | {"format": "csv"}
        )
        assert_csv_says_the_same(batch_csv, batch["sessions"])
        assert batch_csv.text == csv_answer.text
        later = {"from": "2030-01-16", "to": "2030-02-01"}
        nothing = await data(await edge.get(f"/api/v1/batches/{batch_id}/attendance", params=later))
        assert nothing["sessions"] == []


def same_report(one: dict[str, Any], other: dict[str, Any]) -> bool:
    """Two renderings of one session's attendance agree (the time they were made aside)."""
    keep = {k: v for k, v in one.items() if k != "generate_time"}
    return keep == {k: v for k, v in other.items() if k != "generate_time"}


def check_class(
    shown: dict[str, Any], played: PlayedClass, roster: list[Student], absent: set[str]
) -> None:
    """The exported report is the played class."""
    class_seconds = played.end - played.start
    assert shown["session_minutes"] == MINUTES
    assert shown["present_threshold_percentage"] == THRESHOLD
    rows = shown["rows"]
    # every row of Zoom's report about someone Zoom identifies (each device's join, each move
    # to and from a room, and the host's) was merged; the guests' rows name nobody
    identified = [s for a in played.attendees if a.registrant_id for s in a.stays]
    merged = sum(len(s.user_ids) for s in identified) + 1
    assert shown["reconciliation"]["report_rows"] == merged, shown["reconciliation"]
    by_user = {r["user_id"]: r for r in rows if r["user_id"]}
    assert len(by_user) == len(roster) + 1  # the students and the teacher, once each
    assert all(r["reconciled"] for r in rows)

    came = {a.email: a for a in played.attendees if a.registrant_id}
    truth_of_registrant = played.by_registrant()
    present = 0
    for student in roster:
        row = by_user[student.id]
        assert row["enrolled"], row
        if student.id in absent:
            assert (row["minutes_attended"], row["present"], row["join_count"]) == (0, False, 0)
            assert row["first_join_time"] is None
            assert (row["display_name"], row["email"]) == (student.name, student.email)
            continue
        attendee = came[student.email]  # joined through the link the edge gave them
        truth = Truth.of(truth_of_registrant[attendee.registrant_id])
        assert truth.seconds == attendee.seconds
        assert_figures(row, truth, class_seconds, student.name)
        assert abs(truth.percent(class_seconds) - THRESHOLD) >= 100 / MINUTES, student
        assert row["present"] == (truth.percent(class_seconds) >= THRESHOLD), (student, row)
        assert row["email"] == student.email
        assert row["display_name"] == student.name
        present += row["present"]
    assert present >= 15  # the plan's own sanity: most came
    assert (shown["enrolled_count"], shown["present_count"]) == (len(roster), present)
    assert shown["absent_count"] == len(roster) - present

    teacher = by_user[TEACHER]
    assert not teacher["enrolled"]
    assert teacher["minutes_attended"] == MINUTES

    guests = [r for r in rows if not r["enrolled"] and r["user_id"] != TEACHER]
    assert shown["guest_count"] == len(guests) == 3
    assert all(r["user_id"] == "" for r in guests)  # tied to no student
    played_guests = [a for a in played.attendees if not a.registrant_id]
    for guest in played_guests:
        # Guests are measured on Zoom's webhooks alone (no row of Zoom's report says which
        # guest it is), and exactly: a leave delivered after the meeting's end still ends
        # the guest's stay where it ended.
        assert_figures(
            guest_row(guests, guest), Truth.of(guest.intervals), class_seconds, guest.name
        )
    namesake = guest_row(guests, played_guests[0])
    assert namesake["display_name"] == roster[4].name  # student 5's name: still a guest
    assert by_user[roster[4].id]["minutes_attended"] == 55  # and she kept her own minutes


def guest_row(guests: list[dict[str, Any]], guest: PlayedAttendee) -> dict[str, Any]:
    found = [r for r in guests if r["display_name"] == guest.name]
    assert len(found) == 1, (guest.name, guests)
    return found[0]


# ---- scenario 2: registrations follow enrolments ------------------------------------------


async def test_enrolment_follows_registrants_of_the_upcoming_meetings(stack: Stack) -> None:
    """A batch with three classes. Ana, enrolled from the start, is registered for all three.
    The first is held; then Ben is enrolled: he is registered for the two upcoming classes, not
    the one that is over (nor counted absent at it). Unenrolled again, he is removed at Zoom
    (his link no longer lets him in) and the edge gives him no link at all; Ana keeps hers."""
    ana, ben = students(2)
    admin = bearer(stack, "admin-1", "admin")
    async with (
        httpx.AsyncClient(base_url=stack.edge_url, headers=admin, timeout=30) as edge,
        stack.sim_client() as zoom,
    ):
        batch_id = await new_batch(edge, "Chemistry")
        await enrol(edge, batch_id, ana)
        classes = [await schedule(edge, batch_id, day) for day in ("2030-01-15", "2030-01-22")]
        classes.append(await schedule(edge, batch_id, "2030-01-29"))
        anas = {}
        for session_id, meeting_id in classes:
            links = await wait_registered(stack, edge, zoom, session_id, meeting_id, [ana])
            anas[meeting_id] = (await registrants(zoom, meeting_id))[ana.email]
            assert token_of(links[ana.id]) == token_of(anas[meeting_id]["join_url"])

        (held, held_meeting), *upcoming = classes
        await zoom.start(held_meeting)
        ana_in = await zoom.join(held_meeting, join_url=anas[held_meeting]["join_url"])
        await zoom.leave(held_meeting, ana_in["user_id"])
        await zoom.end(held_meeting)
        await zoom.drain()
        await wait_final(edge, held)

        await enrol(edge, batch_id, ben)
        bens: dict[int, str] = {}
        for session_id, meeting_id in upcoming:
            links = await wait_registered(stack, edge, zoom, session_id, meeting_id, [ben])
            bens[meeting_id] = links[ben.id]
        assert ben.email not in await registrants(zoom, held_meeting)
        ben_at_held = await edge.get(
            f"/api/v1/sessions/{held}/join", headers=bearer(stack, ben.id, "student")
        )
        assert ben_at_held.status_code == 409, ben_at_held.text  # FAILED_PRECONDITION: over
        held_report = await report(edge, held)
        assert [r["user_id"] for r in held_report["rows"] if r["enrolled"]] == [ana.id]
        assert held_report["enrolled_count"] == 1  # Ben was not expected at a class before him

        gone = await edge.delete(f"/api/v1/batches/{batch_id}/enrollments/{ben.id}")
        assert gone.status_code == 200, gone.text
        for _, meeting_id in upcoming:

            async def removed(meeting_id: int = meeting_id) -> bool:
                return ben.email not in await registrants(zoom, meeting_id)

            await eventually(removed, f"Ben removed from meeting {meeting_id}", 30)
            # Zoom deletes the registration: it is no longer listed under any status, and
            # the link it gave lets nobody in
            with pytest.raises(SimError) as refused:
                await zoom.join(meeting_id, join_url=bens[meeting_id])
            assert refused.value.status == 404
            kept = (await registrants(zoom, meeting_id))[ana.email]
            assert (kept["registrant_id"], kept["status"]) == (
                anas[meeting_id]["registrant_id"],
                "approved",
            )
        for session_id, _ in upcoming:
            his = await edge.get(
                f"/api/v1/sessions/{session_id}/join", headers=bearer(stack, ben.id, "student")
            )
            assert his.status_code == 403, his.text  # no longer of the batch: no link at all
            assert "join_url" not in his.text
            hers = await data(
                await edge.get(
                    f"/api/v1/sessions/{session_id}/join",
                    headers=bearer(stack, ana.id, "student"),
                )
            )
            assert hers["registered"] is True


# ---- scenario 3: who may read what --------------------------------------------------------


async def test_students_read_only_their_own_and_other_schools_nothing(stack: Stack) -> None:
    ana, ben = students(2)
    outsider = "student-99"
    admin = bearer(stack, "admin-1", "admin")
    async with (
        httpx.AsyncClient(base_url=stack.edge_url, headers=admin, timeout=30) as edge,
        stack.sim_client() as zoom,
    ):
        operator = bearer(stack, "operator-1", "operator")
        made = await edge.post(
            "/api/v1/tenants", json={"id": "acme", "name": "Acme School"}, headers=operator
        )
        assert made.status_code == 201, made.text
        acme = bearer(stack, "acme-admin", "admin", tenant="acme")

        batch_id = await new_batch(edge, "Physics")
        for student in (ana, ben):
            await enrol(edge, batch_id, student)
        session_id, meeting_id = await schedule(edge, batch_id, "2030-03-05")
        links = await wait_registered(stack, edge, zoom, session_id, meeting_id, [ana, ben])
        assert links[ana.id] != links[ben.id]  # each their own (wait_registered: their own)

        join = f"/api/v1/sessions/{session_id}/join"
        stranger = await edge.get(join, headers=bearer(stack, outsider, "student"))
        assert stranger.status_code == 403, stranger.text
        assert (await edge.get(join, headers=acme)).status_code == 404
        staff = await data(await edge.get(join))
        assert staff["registered"] is False
        assert token_of(staff["join_url"]) == ""  # the meeting's link, nobody's own

        plan = ClassPlan(
            minutes=30,
            attendees=(
                Attendee(ana.name, join_url=links[ana.id], stays=(Stay(0),)),
                Attendee(ben.name, join_url=links[ben.id], stays=(Stay(10, 20),)),
                Attendee("Visitor", stays=(Stay(1, 29),)),
            ),
        )
        await zoom.play_class(plan, meeting_id)
        await zoom.drain()
        everyone = await wait_final(edge, session_id)
        assert {r["user_id"] for r in everyone["rows"]} == {ana.id, ben.id, TEACHER, ""}

        export = f"/api/v1/sessions/{session_id}/attendance/export"
        whole = f"/api/v1/batches/{batch_id}/attendance"
        for student in (ana, ben):
            as_student = bearer(stack, student.id, "student")
            own = await data(await edge.get(export, headers=as_student))
            assert [r["user_id"] for r in own["rows"]] == [student.id]
            mine = next(r for r in everyone["rows"] if r["user_id"] == student.id)
            assert own["rows"] == [mine]
            assert (own["enrolled_count"], own["guest_count"]) == (1, 0)
            own_csv = await edge.get(export, params={"format": "csv"}, headers=as_student)
            assert_csv_says_the_same(own_csv, [own])
            batch = await data(await edge.get(whole, headers=as_student))
            assert [[r["user_id"] for r in s["rows"]] for s in batch["sessions"]] == [[student.id]]
            over = await edge.get(join, headers=as_student)
            assert over.status_code == 409, over.text  # FAILED_PRECONDITION: the class has ended

        teacher = await data(await edge.get(export, headers=bearer(stack, TEACHER, "teacher")))
        assert same_report(teacher, everyone)
        for who, status in (
            (bearer(stack, outsider, "student"), 403),
            (bearer(stack, "teacher-2", "teacher"), 403),
            (acme, 404),
        ):
            for path, params in (
                (export, {}),
                (export, {"format": "csv"}),
                (whole, {}),
                (whole, {"format": "csv"}),
            ):
                answer = await edge.get(path, params=params, headers=who)
                assert answer.status_code == status, (path, params, answer.text)
                assert ana.id not in answer.text
