"""Session series rules: expansion in the class's time zone, exceptions, and Zoom's form."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from classbridge_common.errors import InvalidArgument
from scheduler.domain.recurrence import ZoomRecurrence, expand, occurrence_id


def test_weekly_on_given_days_keeps_the_wall_clock_time_across_daylight_saving() -> None:
    got = expand(
        "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4",
        first_start=datetime(2027, 3, 22, 10, 0),
        timezone="Europe/Berlin",
    )
    # 22 and 24 March are CET (UTC+1); the clocks move on 28 March; 29 and 31 are CEST.
    assert [s.isoformat() for s in got.starts] == [
        "2027-03-22T09:00:00+00:00",
        "2027-03-24T09:00:00+00:00",
        "2027-03-29T08:00:00+00:00",
        "2027-03-31T08:00:00+00:00",
    ]
    assert got.zoom == ZoomRecurrence(type=2, repeat_interval=1, end_times=4, weekly_days=(2, 4))


def test_exceptions_drop_occurrences_but_zoom_still_gets_the_whole_rule() -> None:
    got = expand(
        "RRULE:FREQ=DAILY;INTERVAL=2;UNTIL=20270110T235959Z",
        first_start=datetime(2027, 1, 1, 18, 30),
        timezone="Asia/Kolkata",
        exceptions=[date(2027, 1, 5), datetime(2027, 1, 9, 18, 30)],
    )
    assert len(got.all_starts) == 5  # 1, 3, 5, 7, 9 January
    assert [s.day for s in got.starts] == [1, 3, 7]
    assert got.starts[0] == datetime(2027, 1, 1, 13, 0, tzinfo=UTC)
    assert got.zoom == ZoomRecurrence(type=1, repeat_interval=2, end_times=5)
    assert occurrence_id(got.starts[0]) == "1798808400000"


# 12 January 2027 is the second Tuesday of the month.
@pytest.mark.parametrize(
    ("rule", "zoom"),
    [
        (
            "FREQ=MONTHLY;BYDAY=2TU;COUNT=3",
            ZoomRecurrence(3, 1, 3, monthly_week=2, monthly_week_day=3),
        ),
        ("FREQ=MONTHLY;BYMONTHDAY=12;COUNT=3", ZoomRecurrence(3, 1, 3, monthly_day=12)),
        ("FREQ=WEEKLY;INTERVAL=13;COUNT=3", None),  # Zoom: every 12 weeks at most
        ("FREQ=DAILY;COUNT=61", None),  # Zoom: 60 occurrences at most
        ("FREQ=MONTHLY;BYDAY=2TU,4TU;COUNT=3", None),  # two weekdays a month
    ],
)
def test_what_zoom_can_say_and_what_becomes_separate_meetings(
    rule: str, zoom: ZoomRecurrence | None
) -> None:
    got = expand(rule, first_start=datetime(2027, 1, 12, 9), timezone="UTC")
    assert got.zoom == zoom


@pytest.mark.parametrize(
    ("rule", "start", "message"),
    [
        ("FREQ=WEEKLY;BYDAY=MO", datetime(2027, 1, 4, 9), "must end"),
        ("FREQ=YEARLY;COUNT=2", datetime(2027, 1, 4, 9), "FREQ must be"),
        ("FREQ=WEEKLY;BYDAY=TU;COUNT=3", datetime(2027, 1, 4, 9), "first occurrence"),
        ("FREQ=DAILY;COUNT=401", datetime(2027, 1, 4, 9), "more than 400"),
        ("FREQ=DAILY;BYHOUR=9;COUNT=2", datetime(2027, 1, 4, 9), "BYHOUR not supported"),
        ("FREQ=DAILY;COUNT=2;COUNT=3", datetime(2027, 1, 4, 9), "twice"),
        ("FREQ=DAILY;COUNT=x", datetime(2027, 1, 4, 9), "not a valid"),
    ],
)
def test_bad_rules_are_refused_with_the_reason(rule: str, start: datetime, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        expand(rule, first_start=start, timezone="UTC")
