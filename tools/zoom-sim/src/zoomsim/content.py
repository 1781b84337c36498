"""Deterministic recording file contents of any size, any byte range, in constant memory.

Nothing is stored: a file's bytes are a pure function of (file id, file type, size), so a test
computes the sha256 it expects with `sha256_of` (alias `expected_sha256`) and a 2 GiB download
costs no disk. Any byte range is the same bytes as that span of the whole file, whatever the
chunking. Binary files are generated at well over 10 GB/s (a copy of a precomputed 1 MiB chunk
whose 16 block heads are patched), so the CDN, not the generator, limits a download.

Binary files (MP4, M4A and unknown types) are a keyed stream: one pseudo-random 64 KiB block per
file (SHAKE-256 of the file id) repeated, with the first 8 bytes of block *i* XOR'ed with a mix of
*i*, so every block differs and a misplaced block is caught. MP4/M4A start with a real `ftyp` box.
Text files (CHAT, TRANSCRIPT, CC, TIMELINE, CSV, SUMMARY) are real text made of fixed-width
records between a header and a footer, so any byte is computable without generating the prefix.
Transcripts and captions are WebVTT with one cue every 4 s, each `Name: line` (the teacher's
lines and students' questions of a fractions class, homework included); the chat is Zoom's
`HH:MM:SS<tab> From  Name  to  Everyone:<tab>text` lines. A 12 KiB transcript holds 76 cues,
one of 1 MiB over 6,500 (seven hours).
"""

from __future__ import annotations

import functools
import hashlib
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass

BLOCK = 1 << 16
SUPER = 16  # blocks per generated chunk (1 MiB)
_MASK64 = (1 << 64) - 1

FILE_TYPES: dict[str, tuple[str, str, str]] = {
    # file_type: (file_extension, recording_type, content type)
    "MP4": ("MP4", "shared_screen_with_speaker_view", "video/mp4"),
    "M4A": ("M4A", "audio_only", "audio/mp4"),
    "CHAT": ("TXT", "chat_file", "text/plain; charset=utf-8"),
    "TRANSCRIPT": ("VTT", "audio_transcript", "text/vtt; charset=utf-8"),
    "CC": ("VTT", "closed_caption", "text/vtt; charset=utf-8"),
    "TIMELINE": ("JSON", "timeline", "application/json"),
    "CSV": ("CSV", "poll", "text/csv; charset=utf-8"),
    "SUMMARY": ("JSON", "summary", "application/json"),
}

_NAMES = [
    "Ana Lima",
    "Ben Okafor",
    "Chen Wei",
    "Dara Novak",
    "Eli Cohen",
    "Fatima Idris",
    "Gus Berg",
    "Hiro Sato",
    "Ines Duarte",
    "Jon Park",
    "Kemal Aydin",
    "Lena Fischer",
]
_WORDS = [
    "the",
    "lesson",
    "today",
    "covers",
    "fractions",
    "decimals",
    "and",
    "how",
    "to",
    "compare",
    "them",
    "on",
    "a",
    "number",
    "line",
    "please",
    "open",
    "your",
    "workbook",
    "at",
    "page",
    "twelve",
    "and",
    "try",
    "the",
    "first",
    "three",
    "exercises",
    "alone",
    "then",
    "we",
    "will",
    "check",
    "the",
    "answers",
    "together",
    "can",
    "everyone",
    "hear",
    "me",
    "clearly",
    "yes",
    "thank",
    "you",
    "great",
    "question",
    "let",
    "us",
    "look",
    "at",
    "another",
    "example",
    "before",
    "the",
    "break",
    "remember",
    "the",
    "homework",
]


# What a class sounds like: the teacher's lines and the students', each at most 100 ASCII
# characters (a cue's fixed-width record holds it), some of them homework and follow-ups, so a
# transcript has sentences to summarise, action items to find and words to search for.
_TEACHER_LINES = [
    "Good morning everyone, today we are going to compare fractions and decimals.",
    "Let us start with a quick recap of what a fraction is.",
    "A fraction has a numerator on top and a denominator at the bottom.",
    "To compare two fractions, first give them the same denominator.",
    "Three quarters is the same as seventy five hundredths, or zero point seven five.",
    "Now place zero point seven five on the number line between zero and one.",
    "Which is larger, two fifths or three eighths? Take a moment to think.",
    "Two fifths is sixteen fortieths and three eighths is fifteen fortieths.",
    "So two fifths is slightly larger, well done to everyone who got it.",
    "Please open your workbook at page twelve and try the first three exercises.",
    "Converting a decimal back to a fraction works the other way round.",
    "Zero point six is six tenths, which simplifies to three fifths.",
    "Remember that equivalent fractions sit on the same point of the number line.",
    "Let us check the answers together before the break.",
    "Percentages are just fractions with a denominator of one hundred.",
    "For homework, please finish exercises four to ten on page thirteen by Friday.",
    "Don't forget to bring your protractor to the next class.",
    "I'll share the slides and the worksheet in the course folder after class.",
    "Make sure you revise equivalent fractions before the quiz next week.",
    "Great question, rounding decimals is what we will do on Thursday.",
]
_STUDENT_LINES = [
    "Can you explain again how to find the common denominator?",
    "Is zero point five the same as one half?",
    "I got sixteen fortieths for the first one.",
    "Should we write the answers in the workbook or on paper?",
    "Could you repeat the exercise numbers for the homework please?",
    "The number line helps a lot, thank you.",
    "Are percentages going to be on the quiz?",
    "I think three eighths is smaller because fifteen is less than sixteen.",
]
_CHAT_LINES = [
    "Hi everyone!",
    "Page twelve, exercise two: I got two fifths.",
    "Is the quiz next Tuesday or Wednesday?",
    "Can you share the slides please?",
    "Thanks, the number line example was really clear.",
    "Homework is exercises four to ten, due Friday.",
    "Sorry, my audio dropped for a minute.",
    "What is the link to the worksheet?",
]


def _line(seed: int, k: int, teacher: str) -> tuple[str, str]:
    """Cue `k`'s speaker and line: the teacher mostly, a student now and then."""
    x = (seed * 2654435761 + k * 40503) & 0xFFFFFFFF
    if k % 5 == 3:
        student = _NAMES[1 + (x >> 8) % (len(_NAMES) - 1)]
        return student, _STUDENT_LINES[(x >> 3) % len(_STUDENT_LINES)]
    return teacher, _TEACHER_LINES[(k + (x >> 16) % 3) % len(_TEACHER_LINES)]


def content_type(file_type: str) -> str:
    """The Content-Type Zoom's CDN sends for this file type."""
    return FILE_TYPES.get(file_type.upper(), ("", "", "application/octet-stream"))[2]


def _mix(i: int) -> int:
    return (i * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) & _MASK64


class _Keyed:
    """The binary keyed stream of one file id."""

    def __init__(self, file_id: str) -> None:
        key = hashlib.shake_256(b"zoomsim-content-v1:" + file_id.encode()).digest(BLOCK)
        self.head = struct.unpack_from("<Q", key, 0)[0]
        self.buf = bytearray(key * SUPER)

    def chunks(self, start: int, end: int) -> Iterator[bytes]:
        span = BLOCK * SUPER
        pos = start
        while pos < end:
            s = pos // span
            base = s * SUPER
            for j in range(SUPER):
                struct.pack_into("<Q", self.buf, j * BLOCK, self.head ^ _mix(base + j))
            a = pos - s * span
            b = min(end - s * span, span)
            yield bytes(self.buf[a:b]) if (a, b) != (0, span) else bytes(self.buf)
            pos = s * span + b


def _ftyp(major: bytes) -> bytes:
    return struct.pack(">I", 32) + b"ftyp" + major + b"\0\0\2\0" + b"isomiso2avc1mp41"


def _words(seed: int, n: int) -> str:
    out = []
    x = seed
    for _ in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) & _MASK64
        out.append(_WORDS[(x >> 33) % len(_WORDS)])
    return " ".join(out)


def _ts(seconds: int, millis: bool = True) -> str:
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}:{s:02d}.000" if millis else f"{h:02d}:{m:02d}:{s:02d}"


@dataclass
class _TextLayout:
    header: bytes
    footer: bytes
    width: int
    record: Callable[[int], bytes]  # record k, exactly `width` bytes
    filler: bytes  # one byte that fills the room a whole record does not (valid whitespace)


def _pad(text: str, width: int, end: str = "\n") -> bytes:
    raw = text.encode()
    room = width - len(end.encode())
    if len(raw) > room:
        raw = raw[:room]
    return raw + b" " * (room - len(raw)) + end.encode()


def _layout(file_type: str, seed: int) -> _TextLayout:
    ft = file_type.upper()

    def name(k: int) -> str:
        return _NAMES[(seed + k * 7) % len(_NAMES)]

    teacher = _NAMES[seed % len(_NAMES)]
    if ft == "CHAT":
        return _TextLayout(
            b"",
            b"",
            128,
            lambda k: _pad(
                f"{_ts(5 + k * 7, False)}\t From  {name(k)}  to  Everyone:\t"
                f"{_CHAT_LINES[(seed + k * 3) % len(_CHAT_LINES)]}",
                128,
            ),
            b" ",
        )
    if ft in ("TRANSCRIPT", "CC"):

        def cue(k: int) -> bytes:
            who, said = _line(seed, k, teacher)
            return _pad(f"{k + 1}\n{_ts(k * 4)} --> {_ts(k * 4 + 3)}\n{who}: {said}", 160, "\n\n")

        return _TextLayout(b"WEBVTT\n\n", b"", 160, cue, b" ")
    if ft == "CSV":
        return _TextLayout(
            b"#,User Name,Email Address,Submitted Date/Time,Question,Answer\n",
            b"",
            128,
            lambda k: _pad(
                f"{k + 1},{name(k)},,2024-11-29 16:{k % 60:02d}:00,"
                f"Which is larger?,{(seed + k) % 4 + 1}/8",
                128,
            ),
            b" ",
        )
    if ft == "SUMMARY":
        head = (
            b'{"summary_title":"Class summary","summary_overview":"The class covered '
            b'fractions and decimals.","summary_details":['
        )
        return _TextLayout(
            head,
            b"]}\n",
            160,
            lambda k: _pad(
                ("," if k else " ")
                + f'{{"label":"Part {k + 1}","summary":"{_words(seed + k, 14)}"}}',
                160,
                " ",
            ),
            b" ",
        )
    # TIMELINE and any other JSON
    return _TextLayout(
        b'{"timeline":[',
        b"]}\n",
        128,
        lambda k: _pad(
            ("," if k else " ") + f'{{"ts":"{_ts(k * 2)}","users":[{{"username":'
            f'"{name(k)}","multiple_people":false,"user_id":"{16778240 + k % 12}"}}]}}',
            128,
            " ",
        ),
        b" ",
    )


def _text_chunks(file_type: str, file_id: str, size: int, start: int, end: int) -> Iterator[bytes]:
    seed = int.from_bytes(hashlib.sha256(file_id.encode()).digest()[:4], "little")
    lay = _layout(file_type, seed)
    head, foot = lay.header, lay.footer
    if size < len(head) + len(foot):
        data = (head + foot)[:size]
        yield data[start:end]
        return
    body_end = size - len(foot)
    nrec = (body_end - len(head)) // lay.width
    rec_end = len(head) + nrec * lay.width
    pos = start
    while pos < end:
        if pos < len(head):
            piece = head[pos : min(end, len(head))]
        elif pos < rec_end:
            k, off = divmod(pos - len(head), lay.width)
            stop = min(end, rec_end)
            parts = [lay.record(k)[off:]]
            got = len(parts[0])
            k += 1
            while pos + got < stop and got < (1 << 20):
                r = lay.record(k)
                parts.append(r)
                got += len(r)
                k += 1
            piece = b"".join(parts)[: stop - pos]
        elif pos < body_end:
            n = min(end, body_end) - pos
            piece = lay.filler * n
        else:
            piece = foot[pos - body_end : end - body_end]
        yield piece
        pos += len(piece)


def iter_bytes(
    file_id: str, size: int, file_type: str = "MP4", start: int = 0, end: int | None = None
) -> Iterator[bytes]:
    """Yield the bytes [start, end) of a file (end defaults to size), in chunks of <= 1 MiB."""
    end = size if end is None else min(end, size)
    if start >= end:
        return
    ft = file_type.upper()
    if ft in ("CHAT", "TRANSCRIPT", "CC", "TIMELINE", "CSV", "SUMMARY"):
        yield from _text_chunks(ft, file_id, size, start, end)
        return
    keyed = _Keyed(file_id)
    header = _ftyp(b"M4A " if ft == "M4A" else b"isom") if ft in ("MP4", "M4A") else b""
    for chunk in keyed.chunks(start, end):
        if header and start < len(header):
            cut = min(len(header) - start, len(chunk))
            chunk = header[start : start + cut] + chunk[cut:]
        start += len(chunk)
        yield chunk


def read_range(file_id: str, size: int, file_type: str, start: int, end: int) -> bytes:
    """The bytes [start, end) as one object; for tests and small files."""
    return b"".join(iter_bytes(file_id, size, file_type, start, end))


@functools.lru_cache(maxsize=256)
def _sha256(file_id: str, size: int, file_type: str) -> str:
    h = hashlib.sha256()
    for chunk in iter_bytes(file_id, size, file_type):
        h.update(chunk)
    return h.hexdigest()


def sha256_of(file_id: str, size: int, file_type: str = "MP4") -> str:
    """The hex sha256 of a file's full content, computed here without serving it over HTTP
    (about 1 s per GiB, then remembered): what a stored copy must hash to."""
    return _sha256(file_id, size, file_type.upper())


def expected_sha256(file_id: str, size: int, file_type: str = "MP4") -> str:
    """The hex sha256 a complete download of this file must have (`sha256_of`)."""
    return sha256_of(file_id, size, file_type)
