"""Reading a ``multipart/form-data`` upload as a stream: seed 003's ``POST /upload/recording``
with a ``file`` field (and ``session_id``, ``lesson_title`` fields before it).

python-multipart's push parser is fed the body as it arrives; the file part's bytes come out
of it piece by piece and are handed on at once, so the file is never held by the edge. The
small fields before the file are kept (bounded); a field after the file is read and ignored,
since the upload has started by then — ``session_id`` must come before the file, or in the
query.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.multipart import MultipartParser, parse_options_header

from classbridge_common.errors import InvalidArgument

MAX_FIELDS = 16
MAX_FIELD_BYTES = 4096
FILE_FIELD = "file"

__all__ = ["FormFile", "boundary_of", "read_form_file"]


def boundary_of(content_type: str) -> bytes:
    """The boundary of a ``multipart/form-data`` Content-Type (400 without one)."""
    media, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if media != b"multipart/form-data" or not boundary:
        raise InvalidArgument("a form upload is multipart/form-data with a boundary")
    return boundary


@dataclass
class _Parts:
    """What the parser found so far."""

    fields: dict[str, str] = field(default_factory=dict)
    file_name: str = ""
    in_file: bool = False
    file_started: bool = False
    file_ended: bool = False
    data: list[bytes] = field(default_factory=list)  # the file's bytes of the last feed
    _name: str = ""
    _value: bytearray = field(default_factory=bytearray)
    _header_field: bytearray = field(default_factory=bytearray)
    _header_value: bytearray = field(default_factory=bytearray)
    _disposition: bytes = b""

    def part_begin(self) -> None:
        self._name, self._disposition = "", b""
        self._value.clear()

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def header_end(self) -> None:
        if bytes(self._header_field).lower() == b"content-disposition":
            self._disposition = bytes(self._header_value)
        self._header_field.clear()
        self._header_value.clear()

    def headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        if self._name == FILE_FIELD and not self.file_started:
            self.in_file = self.file_started = True
            self.file_name = options.get(b"filename", b"").decode("utf-8", "replace")

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self.in_file:
            self.data.append(bytes(data[start:end]))
            return
        if self.file_started:
            return  # after the file: ignored
        self._value += data[start:end]
        if len(self._value) > MAX_FIELD_BYTES:
            raise InvalidArgument(f"form field {self._name!r} is longer than {MAX_FIELD_BYTES}")

    def part_end(self) -> None:
        if self.in_file:
            self.in_file = False
            self.file_ended = True
            return
        if self.file_started or not self._name:
            return
        if len(self.fields) >= MAX_FIELDS:
            raise InvalidArgument(f"the form has more than {MAX_FIELDS} fields")
        self.fields[self._name] = self._value.decode("utf-8", "replace")


@dataclass(frozen=True)
class FormFile:
    """The fields before the file, the file's name, and its bytes as they arrive."""

    fields: dict[str, str]
    file_name: str
    chunks: AsyncIterator[bytes]


async def read_form_file(body: AsyncIterator[bytes], boundary: bytes) -> FormFile:
    """Read ``body`` up to the start of its ``file`` part (400 when there is none)."""
    parts = _Parts()
    parser = MultipartParser(
        boundary,
        callbacks={
            "on_part_begin": parts.part_begin,
            "on_part_data": parts.part_data,
            "on_part_end": parts.part_end,
            "on_header_field": parts.header_field,
            "on_header_value": parts.header_value,
            "on_header_end": parts.header_end,
            "on_headers_finished": parts.headers_finished,
        },
    )

    def feed(chunk: bytes) -> list[bytes]:
        try:
            parser.write(chunk)
        except InvalidArgument:
            raise
        except Exception:
            raise InvalidArgument("the form is not valid multipart/form-data") from None
        found, parts.data = parts.data, []
        return found

    source = aiter(body)
    first: list[bytes] = []
    async for chunk in source:
        first = feed(chunk)
        if parts.file_started:
            break
    if not parts.file_started:
        raise InvalidArgument(f"the form has no {FILE_FIELD!r} field")

    async def chunks() -> AsyncIterator[bytes]:
        for piece in first:
            yield piece
        async for chunk in source:
            for piece in feed(chunk):
                yield piece
        parser.finalize()
        if not parts.file_ended:
            raise InvalidArgument("the form ended inside its file")

    return FormFile(fields=dict(parts.fields), file_name=parts.file_name, chunks=chunks())
