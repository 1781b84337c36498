"""The one page-token codec: round trips, tampering, other filters, garbage, offset pages."""

from __future__ import annotations

import base64
import json
from datetime import date

import grpc
import pytest

from classbridge_common.errors import InvalidArgument
from classbridge_common.paging import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    MAX_TOKEN_LENGTH,
    Cursor,
    Offset,
    decode_cursor,
    decode_offset,
    encode_cursor,
    encode_offset,
    page_request,
)

FILTERS = {"list": "test.List", "tenant": "t1", "types": ["a", "b"], "after": date(2024, 1, 2)}
OTHER = {**FILTERS, "tenant": "t2"}


def _refused(call: object) -> InvalidArgument:
    assert callable(call)
    with pytest.raises(InvalidArgument) as caught:
        call()
    error = caught.value
    assert error.grpc_code == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in error.violations] == ["page_token"]
    return error


def _body(token: str) -> dict[str, object]:
    text = token.split(".")[0]
    return dict(json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))))


def _reseal_without_check(body: dict[str, object], check_of: str) -> str:
    raw = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=") + "." + check_of.split(".")[1]


def test_cursor_round_trip() -> None:
    for cursor, shape in (
        (Cursor(key=(42,)), (int,)),
        (Cursor(key=("2024-01-01", "2024-03-01", 2), upstream="zoomTok_=/+"), (str, str, int)),
        (Cursor(upstream="abc"), ()),
        (Cursor(key=("tenant-ü",)), (str,)),
    ):
        token = encode_cursor(cursor, FILTERS)
        assert token.isascii()
        assert all(c.isalnum() or c in "-_." for c in token)  # URL-safe, no padding
        assert decode_cursor(token, FILTERS, shape=shape) == cursor
    assert decode_cursor("", FILTERS, shape=(int,)) is None


def test_offset_round_trip_and_page_request() -> None:
    token = encode_offset(Offset(120), FILTERS)
    assert decode_offset(token, FILTERS) == Offset(120)
    assert decode_offset("", FILTERS) is None
    first = page_request(0, "", FILTERS, listing="ListThings")
    assert (first.offset, first.limit) == (0, DEFAULT_PAGE_SIZE)
    assert page_request(10_000, "", FILTERS, listing="ListThings").limit == MAX_PAGE_SIZE
    second = page_request(10, first.next_token(total=120), FILTERS, listing="ListThings")
    assert (second.offset, second.limit) == (DEFAULT_PAGE_SIZE, 10)
    assert second.next_token(total=60) == ""  # that page is the last
    assert page_request(10, second.next_token(total=61), FILTERS, listing="ListThings").offset == 60
    with pytest.raises(InvalidArgument) as negative:
        page_request(-1, "", FILTERS, listing="ListThings")
    assert [v.field for v in negative.value.violations] == ["page_size"]


def test_a_token_is_bound_to_its_listing() -> None:
    # Sessions and lessons of one session are filtered alike; neither takes the other's token.
    token = page_request(10, "", FILTERS, listing="ListThings").next_token(total=100)
    assert page_request(10, token, FILTERS, listing="ListThings").offset == 10
    with pytest.raises(InvalidArgument) as foreign:
        page_request(10, token, FILTERS, listing="ListOtherThings")
    assert [v.field for v in foreign.value.violations] == ["page_token"]


def test_filters_are_bound() -> None:
    cursor = encode_cursor(Cursor(key=(7,)), FILTERS)
    error = _refused(lambda: decode_cursor(cursor, OTHER, shape=(int,)))
    assert "other filters" in error.message
    offset = page_request(5, "", FILTERS, listing="ListThings").next_token(total=50)
    _refused(lambda: page_request(5, offset, OTHER, listing="ListThings"))
    # the filters' order inside a mapping does not matter
    same = dict(reversed(list(FILTERS.items())))
    assert decode_cursor(cursor, same, shape=(int,)) == Cursor(key=(7,))


def test_a_token_of_one_kind_is_refused_as_the_other() -> None:
    offset = encode_offset(Offset(3), FILTERS)
    cursor = encode_cursor(Cursor(key=(3,)), FILTERS)
    _refused(lambda: decode_cursor(offset, FILTERS, shape=(int,)))
    _refused(lambda: page_request(5, cursor, FILTERS, listing="ListThings"))


def test_the_key_shape_is_checked() -> None:
    token = encode_cursor(Cursor(key=("7",)), FILTERS)
    _refused(lambda: decode_cursor(token, FILTERS, shape=(int,)))
    _refused(lambda: decode_cursor(token, FILTERS, shape=(str, str)))
    _refused(lambda: decode_cursor(token, FILTERS, shape=()))


def test_tampered_tokens_are_refused() -> None:
    token = encode_cursor(Cursor(key=(7,), upstream="z"), FILTERS)
    body = _body(token)
    # an edited position with the old checksum
    _refused(
        lambda: decode_cursor(
            _reseal_without_check({**body, "c": [8]}, token), FILTERS, shape=(int,)
        )
    )
    # an edited checksum
    head, check = token.split(".")
    flipped = ("A" if check[0] != "A" else "B") + check[1:]
    _refused(lambda: decode_cursor(f"{head}.{flipped}", FILTERS, shape=(int,)))
    # truncated, or without its checksum
    _refused(lambda: decode_cursor(token[:-3], FILTERS, shape=(int,)))
    _refused(lambda: decode_cursor(head, FILTERS, shape=(int,)))
    # the pre-codec formats (bare base64 JSON) are not accepted any more
    legacy = base64.urlsafe_b64encode(b'{"o":5,"f":"x"}').decode().rstrip("=")
    _refused(lambda: page_request(5, legacy, FILTERS, listing="ListThings"))
    # an offset token edited to point elsewhere
    offset = encode_offset(Offset(5), FILTERS)
    _refused(
        lambda: page_request(
            5,
            _reseal_without_check({**_body(offset), "o": 0}, offset),
            FILTERS,
            listing="ListThings",
        )
    )


@pytest.mark.parametrize(
    "garbage",
    [
        "garbage!",
        "x",
        ".",
        "..",
        "====.====",
        "a.b.c",
        "é.é",
        "\x00",
        "A" * (MAX_TOKEN_LENGTH + 1),
        base64.urlsafe_b64encode(b"[" * 1500).decode() + ".AAAA",
        base64.urlsafe_b64encode(b'{"v":1,"k":"o","o":1e999}').decode() + ".AAAAAAAAAAAAAAAA",
    ],
)
def test_garbage_is_invalid_argument(garbage: str) -> None:
    _refused(lambda: decode_cursor(garbage, FILTERS, shape=(int,)))
    _refused(lambda: page_request(5, garbage, FILTERS, listing="ListThings"))
    _refused(lambda: decode_offset(garbage, FILTERS))


def test_what_cannot_be_a_position_is_refused_when_encoding() -> None:
    for bad in (Cursor(key=(True,)), Cursor(key=(2**64,)), Cursor(upstream="z" * 5000)):
        with pytest.raises(ValueError, match=r"int64|too long"):
            encode_cursor(bad, FILTERS)
    with pytest.raises(ValueError, match="non-negative"):
        encode_offset(Offset(-1), FILTERS)
