from __future__ import annotations

import pytest

from classbridge_common.bus import topic_matches


@pytest.mark.parametrize(
    ("binding", "key", "expected"),
    [
        ("zoom.meeting.ended", "zoom.meeting.ended", True),
        ("zoom.meeting.ended", "zoom.meeting.started", False),
        ("zoom.*.ended", "zoom.meeting.ended", True),
        ("zoom.*", "zoom.meeting.ended", False),
        ("zoom.#", "zoom.meeting.ended", True),
        ("zoom.#", "zoom", True),
        ("#", "anything.at.all", True),
        ("#.ended", "zoom.meeting.ended", True),
        ("zoom.#.ended", "zoom.ended", True),
        ("zoom.#.ended", "zoom.meeting.ended.late", False),
        ("*.meeting.*", "zoom.meeting.ended", True),
        ("*", "zoom.meeting", False),
        ("recording.synced", "recording.synced.extra", False),
    ],
)
def test_topic_matching_follows_rabbitmq(binding: str, key: str, expected: bool) -> None:
    assert topic_matches(binding, key) is expected
