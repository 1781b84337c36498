"""Attendance exports (scheduler): one session, or a batch over a range of days, as JSON or CSV.

What course platforms grade. The scheduler decides who reads which rows: the session's (or the
batch's and course's) teachers and the tenant's admins every row, a student of the batch only
their own rows; anyone else is refused, another tenant's ids are 404. JSON is the scheduler's
report in the usual envelope; CSV is one line per person and session, with a header, the same
values in the same formats (instants RFC 3339 UTC, booleans ``true``/``false``), sent as an
attachment. A student's row is named as the course platform enrolled them; anyone else's name
and email come from Zoom, typed by whoever joined, so a cell that a spreadsheet would run as a
formula is written as text (prefixed with ``'``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import Annotated, Any

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from classbridge.scheduler.v1 import scheduler_pb2
from classbridge_common.errors import FieldViolation
from edge import deps
from edge.access import EVERYONE
from edge.clients import call
from edge.inputs import CalendarDate, Choice, Input, Number
from edge.render import ok, to_dict
from edge.routing import Answer, route

JSON, CSV = 1, 2
FORMATS = {"json": JSON, "csv": CSV}

#: The CSV columns: the session a line is about, then the person's figures.
COLUMNS = (
    "session_id",
    "session_title",
    "scheduled_start",
    "session_minutes",
    "user_id",
    "display_name",
    "email",
    "enrolled",
    "present",
    "minutes_attended",
    "attendance_percentage",
    "join_count",
    "rejoin_count",
    "first_join_time",
    "last_leave_time",
    "reconciled",
)
_SESSION_COLUMNS = ("session_id", "session_title", "scheduled_start", "session_minutes")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class ExportQuery(Input):
    format: Annotated[int, Choice(choices=FORMATS, description="json (default) or csv")] = JSON
    present_threshold_percentage: Annotated[
        float,
        Number(
            minimum=0.0,
            maximum=100.0,
            description="percent of a class to count present; 0 or absent: the batch's",
        ),
    ] = 0.0


class BatchExportQuery(ExportQuery):
    """``from`` and ``to``: the first and last day (inclusive, the batch's timezone) of the
    sessions' scheduled starts; either may be left out."""

    from_date: Annotated[
        Any, CalendarDate(description="first day, YYYY-MM-DD"), Field(alias="from")
    ] = None
    to_date: Annotated[Any, CalendarDate(description="last day, YYYY-MM-DD"), Field(alias="to")] = (
        None
    )

    def problems(self, request: Request) -> Iterable[FieldViolation]:
        first, last = self.from_date, self.to_date
        if first is not None and last is not None and _day(last) < _day(first):
            yield FieldViolation("to", "must not be before from")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def csv_lines(reports: Iterable[dict[str, Any]]) -> Iterator[list[str]]:
    """The header, then a line per row of each rendered ``AttendanceReport``."""
    yield list(COLUMNS)
    for report in reports:
        session = {
            "session_id": report["session_id"],
            "session_title": report["session_title"],
            "scheduled_start": report["scheduled_start"],
            "session_minutes": report["session_minutes"],
        }
        for row in report["rows"]:
            values = session | {k: row[k] for k in COLUMNS if k not in _SESSION_COLUMNS}
            yield [_cell(values[k]) for k in COLUMNS]


def csv_answer(reports: Iterable[dict[str, Any]], filename: str) -> Response:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(csv_lines(reports))
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _name(*parts: str) -> str:
    return "-".join(_UNSAFE_NAME.sub("_", part) for part in parts if part) + ".csv"


def _day(value: Any) -> str:
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}" if value is not None else ""


async def export_session(request: Request, query: ExportQuery) -> Response:
    """A session's attendance, as JSON or CSV.

    Every enrolled student has a row (0 minutes and absent when they never came), and so does
    everyone else who joined (the teacher, guests). Minutes count each stretch of presence once
    (two devices at once are one), against the class's real length; ``present`` is at or above
    the threshold. Once the meeting has ended the figures are reconciled with Zoom's
    participants report (``reconciled``); ``final`` says nothing more will change them.

    The session's teachers and the tenant's admins get every row; a student of the batch only
    their own; anyone else 403, and another tenant's session is 404.
    """
    session_id = request.path_params["session_id"]
    answer = await call(
        deps.clients(request).scheduler.GetAttendanceReport,
        scheduler_pb2.GetAttendanceReportRequest(
            session_id=session_id,
            present_threshold_percentage=query.present_threshold_percentage,
        ),
    )
    report = to_dict(answer)
    if query.format == CSV:
        return csv_answer([report], _name("attendance", "session", session_id))
    return ok(report)


async def export_batch(request: Request, query: BatchExportQuery) -> JSONResponse | Response:
    """A batch's attendance over a range of days, as JSON (a report per session) or CSV (a
    line per person and session).

    The sessions whose scheduled start falls on a day from ``from`` to ``to`` (in the batch's
    timezone), oldest first; cancelled ones are left out. The batch's and course's teachers and
    the tenant's admins get every row; a student of the batch only their own; anyone else 403,
    and another tenant's batch is 404.
    """
    batch_id = request.path_params["batch_id"]
    ask = scheduler_pb2.GetBatchAttendanceRequest(
        batch_id=batch_id, present_threshold_percentage=query.present_threshold_percentage
    )
    if query.from_date is not None:
        ask.from_date.CopyFrom(query.from_date)
    if query.to_date is not None:
        ask.to_date.CopyFrom(query.to_date)
    answer = await call(deps.clients(request).scheduler.GetBatchAttendance, ask)
    found = to_dict(answer)
    if query.format == CSV:
        name = _name("attendance", "batch", batch_id, _day(query.from_date), _day(query.to_date))
        return csv_answer(found["sessions"], name)
    return ok(found)


_CSV = {
    "text/csv": {
        "type": "string",
        "description": "A header line, then a line per person and session: " + ", ".join(COLUMNS),
    }
}
_ATTACHMENT = {
    "Content-Disposition": {
        "description": 'CSV only: `attachment; filename="attendance-....csv"`',
        "schema": {"type": "string"},
    }
}
routes = [
    route(
        "/api/v1/sessions/{session_id}/attendance/export",
        export_session,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
        query=ExportQuery,
        answers=[
            Answer(data=scheduler_pb2.AttendanceReport, alternatives=_CSV, headers=_ATTACHMENT)
        ],
    ),
    route(
        "/api/v1/batches/{batch_id}/attendance",
        export_batch,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
        query=BatchExportQuery,
        answers=[
            Answer(
                data=scheduler_pb2.BatchAttendance,
                alternatives=_CSV,
                headers=_ATTACHMENT,
            )
        ],
    ),
]
