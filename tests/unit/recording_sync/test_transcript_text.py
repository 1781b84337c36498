"""Reading a recording's text, without I/O: Zoom's transcript and caption VTT (webvtt-py), its
chat file, its meeting summary in every shape it comes in; the offline provider's summary and
action items; search input made safe for FTS5; backoff of failed processing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from classbridge_common.errors import InvalidArgument
from recording_sync.domain import extractive
from recording_sync.domain.captions_vtt import to_vtt
from recording_sync.domain.search_query import fts5_query
from recording_sync.domain.text_files import (
    TextFileError,
    parse_chat,
    parse_vtt,
    parse_zoom_summary,
)
from recording_sync.domain.transcript import (
    CHAT,
    TRANSCRIPT,
    ActionItem,
    Segment,
    dump_actions,
    load_actions,
    next_attempt,
    plain_text,
)

ZOOM_VTT = """WEBVTT

1
00:00:01.020 --> 00:00:04.500
Ana Lima: Good morning everyone, today we compare fractions.

2
00:00:05.000 --> 00:00:07.250
Ben Okafor: Is zero point five the same as one half?

3
00:01:02.000 --> 00:01:05.000
<v Chen Wei>Yes, and 3 &lt; 4 is <i>true</i>.</v>

4
00:01:06.000 --> 00:01:07.000

"""


def test_zoom_vtt_cues_become_segments_with_times_and_speakers() -> None:
    found = parse_vtt(ZOOM_VTT, kind=TRANSCRIPT)
    assert [(s.start_ms, s.end_ms, s.speaker) for s in found] == [
        (1020, 4500, "Ana Lima"),
        (5000, 7250, "Ben Okafor"),
        (62000, 65000, "Chen Wei"),
    ]
    assert found[0].text == "Good morning everyone, today we compare fractions."
    assert found[2].text == "Yes, and 3 < 4 is true."
    assert (
        plain_text(found).splitlines()[1] == "Ben Okafor: Is zero point five the same as one half?"
    )


def test_a_file_that_is_not_vtt_is_a_clear_error() -> None:
    with pytest.raises(TextFileError, match="not a WebVTT file"):
        parse_vtt("<html>Not found</html>", kind=TRANSCRIPT)


def test_vtt_written_back_parses_to_the_same_cues() -> None:
    segments = parse_vtt(ZOOM_VTT, kind=TRANSCRIPT)
    again = parse_vtt(to_vtt(segments), kind=TRANSCRIPT)
    assert [(s.start_ms, s.speaker, s.text) for s in again] == [
        (s.start_ms, s.speaker, s.text) for s in segments
    ]


def test_the_chat_keeps_public_messages_with_continuations_and_drops_direct_ones() -> None:
    chat = (
        "00:00:05\t From  Ana Lima  to  Everyone:\tHello all\n"
        "\tsecond line of the same message\n"
        "00:00:12 From Ben Okafor to Ana Lima(Direct Message): my password is hunter2\n"
        "00:01:02\t From  Chen Wei : the older format\n"
        "00:02:00 From Dara Novak to Everyone: last one\n"
    )
    found = parse_chat(chat)
    assert [(s.kind, s.start_ms, s.speaker, s.text) for s in found] == [
        (CHAT, 5000, "Ana Lima", "Hello all second line of the same message"),
        (CHAT, 62000, "Chen Wei", "the older format"),
        (CHAT, 120000, "Dara Novak", "last one"),
    ]
    assert found[0].end_ms == 12000  # until the next message
    assert "hunter2" not in " ".join(s.text for s in found)


@pytest.mark.parametrize(
    "body",
    [
        {  # GET /meetings/{uuid}/meeting_summary
            "meeting_uuid": "u==",
            "summary_title": "Fractions",
            "summary_overview": "The class compared fractions.",
            "summary_details": [{"label": "Lesson", "summary": "Common denominators."}],
            "next_steps": ["Finish page 13."],
        },
        {  # the meeting.summary_completed webhook, Markdown only
            "event": "meeting.summary_completed",
            "payload": {
                "object": {
                    "meeting_uuid": "u==",
                    "summary_title": "Fractions",
                    "summary_content": "## Fractions\n\nThe class compared fractions.\n\n"
                    "### Lesson\nCommon denominators.\n\n### Next steps\n- Finish page 13.",
                }
            },
        },
        {  # edited by the host: the edited summary wins
            "summary_overview": "draft",
            "edited_summary": {
                "summary_overview": "The class compared fractions.",
                "summary_details": [{"label": "Lesson", "summary": "Common denominators."}],
                "next_steps": ["Finish page 13."],
            },
        },
    ],
)
def test_zooms_summary_is_read_in_each_shape_it_comes_in(body: dict[str, object]) -> None:
    found = parse_zoom_summary(body)
    assert found.overview == "The class compared fractions."
    assert found.details == [("Lesson", "Common denominators.")]
    assert [a.text for a in found.action_items()] == ["Finish page 13."]
    assert found.text() == "The class compared fractions.\n\nLesson: Common denominators."


def test_a_summary_without_a_summary_is_refused() -> None:
    with pytest.raises(TextFileError):
        parse_zoom_summary({"meeting_uuid": "u=="})
    with pytest.raises(TextFileError):
        parse_zoom_summary("not json")


def _spoken(*lines: tuple[str, str]) -> list[Segment]:
    return [
        Segment(kind=TRANSCRIPT, start_ms=i * 4000, end_ms=i * 4000 + 3000, speaker=w, text=t)
        for i, (w, t) in enumerate(lines)
    ]


def test_the_offline_provider_finds_homework_and_follow_ups_with_who_they_are_for() -> None:
    segments = _spoken(
        ("Ana", "Today we compare fractions and decimals on the number line."),
        ("Ben", "Could you repeat the homework please?"),
        ("Ana", "For homework, please finish exercises four to ten by Friday."),
        ("Ana", "I'll share the slides in the course folder after class."),
        ("Ana", "Ben, please send me your worksheet."),
        ("Ana", "Fractions and decimals are two ways to write the same number."),
    )
    items = extractive.action_items(segments)
    assert [(i.text, i.assignee, i.start_ms) for i in items] == [
        ("For homework, please finish exercises four to ten by Friday.", "Everyone", 8000),
        ("I'll share the slides in the course folder after class.", "Ana", 12000),
        ("Ben, please send me your worksheet.", "Ben", 16000),
    ]
    summary = extractive.summarize(segments)
    assert "fractions" in summary.lower()
    assert "?" not in summary


def test_action_items_round_trip_and_bad_json_is_none() -> None:
    items = [ActionItem(text="Read chapter 3", assignee="Everyone", start_ms=5, speaker="Ana")]
    assert load_actions(dump_actions(items)) == items
    assert load_actions("{not json") == []


@pytest.mark.parametrize(
    ("typed", "fts5"),
    [
        ("fractions", '"fractions"'),
        ("number line", '"number" AND "line"'),
        ('"number line" or decimals -homework', '(("number line" OR "decimals")) NOT "homework"'),
        ('unbalanced "quote', '"unbalanced" AND "quote"'),
        ("NEAR(a b) *", '"NEAR a" AND "b"'),
        ("-only -exclusions", ""),
    ],
)
def test_search_input_becomes_a_safe_fts5_query(typed: str, fts5: str) -> None:
    assert fts5_query(typed) == fts5


def test_an_empty_search_is_invalid() -> None:
    with pytest.raises(InvalidArgument):
        fts5_query("  ?! ")


def test_failed_processing_backs_off_then_gives_up() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    base, cap = timedelta(seconds=30), timedelta(minutes=5)
    waits = [next_attempt(n, 5, now, base=base, cap=cap) for n in range(1, 6)]
    assert [w - now for w in waits[:4] if w] == [
        timedelta(seconds=30),
        timedelta(seconds=60),
        timedelta(seconds=120),
        timedelta(seconds=240),
    ]
    assert waits[4] is None
    assert next_attempt(4, 9, now, base=base, cap=timedelta(seconds=100)) == now + timedelta(
        seconds=100
    )
