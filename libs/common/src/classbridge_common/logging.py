"""Structured JSON logs with trace ids, and secret redaction that no log line can bypass.

Every line is one JSON object (timestamp, level, logger, message, service, trace_id, span_id and
any ``extra``). Credentials never reach the output: :class:`RedactingFilter` scrubs each record
(values of secret-looking ``extra`` keys, bearer tokens, JWTs, ``key=value`` secrets, passwords in
URLs and the signing parameters of signed URLs) and the formatter scrubs the finished object once
more, which also covers tracebacks.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import IO, Any

from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter

__all__ = [
    "REDACTED",
    "JsonLogFormatter",
    "RedactingFilter",
    "TraceContextFilter",
    "configure_logging",
    "is_sensitive_key",
    "redact",
    "redact_text",
]

REDACTED = "[REDACTED]"

# Key names whose values are secrets wherever they appear (extra, dicts, query strings, text).
_SENSITIVE_KEY = re.compile(
    r"token|secret|passw(or)?d|authorization|signature|credential|api[_-]?key|private[_-]?key"
    r"|cookie|^policy$|^key-pair-id$|^x-amz-security-token$|^sig$|^code$",
    re.IGNORECASE,
)
_BEARER = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*", re.IGNORECASE)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
_URL_USERINFO = re.compile(r"(://[^:/?#@\s]+:)[^@/?#\s]+@")
# A calendar feed's path is its credential (the edge's /api/v1/calendar/{token}.ics).
_CALENDAR_FEED = re.compile(r"(/api/v1/calendar/)[^/?#\s\"'<>]+")
_QUERY_PARAM = re.compile(r"([?&;])([A-Za-z0-9_.\-]+)=([^&#\s\"'<>]*)")
# The key's word parts are bounded (and anchored at a word start): unbounded, the pattern
# backtracks quadratically over long base64 runs (seconds for a few KiB at DEBUG level).
_KEY_VALUE = re.compile(
    r"(?P<key>[\"']?(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{0,40}"
    r"(?:token|secret|passw(?:or)?d|authorization|signature"
    r"|credential|api[_-]?key|private[_-]?key)[A-Za-z0-9_\-]{0,40}[\"']?)"
    r"(?P<sep>\s*[=:]\s*)(?P<quote>[\"']?)(?P<value>[^\s\"',;&}]+)",
    re.IGNORECASE,
)
_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}


def is_sensitive_key(key: str) -> bool:
    """True when a field, header or parameter named ``key`` carries a credential."""
    return bool(_SENSITIVE_KEY.search(key))


def _scrub_query(match: re.Match[str]) -> str:
    sep, name, value = match.group(1), match.group(2), match.group(3)
    if is_sensitive_key(name) or name.lower().startswith("x-amz-"):
        if name.lower() in {"x-amz-date", "x-amz-expires", "x-amz-algorithm"}:
            return match.group(0)
        return f"{sep}{name}={REDACTED}"
    return f"{sep}{name}={value}"


def _scrub_key_value(match: re.Match[str]) -> str:
    if match.group("value") == REDACTED or match.group("value").startswith("[REDACTED"):
        return match.group(0)
    return f"{match.group('key')}{match.group('sep')}{match.group('quote')}{REDACTED}"


def redact_text(text: str) -> str:
    """Scrub credentials out of free text (messages, URLs, exception strings)."""
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _JWT.sub(REDACTED, text)
    text = _URL_USERINFO.sub(lambda m: f"{m.group(1)}{REDACTED}@", text)
    text = _CALENDAR_FEED.sub(lambda m: f"{m.group(1)}\u2026", text)
    text = _QUERY_PARAM.sub(_scrub_query, text)
    return _KEY_VALUE.sub(_scrub_key_value, text)


def redact(value: Any, key: str | None = None) -> Any:
    """Scrub ``value`` (recursively for mappings and sequences); secret-named keys lose it whole."""
    if key is not None and is_sensitive_key(key) and value not in (None, ""):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, bytes):
        return redact_text(value.decode("utf-8", "replace"))
    if isinstance(value, Mapping):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(v) for v in value]
    return value


class RedactingFilter(logging.Filter):
    """Scrubs a record in place: its formatted message and every ``extra`` attribute."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the line
            message = str(record.msg)
        record.msg = redact_text(message)
        record.args = None
        for name, value in list(vars(record).items()):
            if name not in _RESERVED and not name.startswith("_"):
                setattr(record, name, redact(value, name))
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True


class TraceContextFilter(logging.Filter):
    """Adds ``service`` and the current OpenTelemetry ``trace_id``/``span_id`` to each record."""

    def __init__(self, service_name: str) -> None:
        super().__init__()
        self.service_name = service_name

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service_name
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            record.trace_id = format(context.trace_id, "032x")
            record.span_id = format(context.span_id, "016x")
        return True


class JsonLogFormatter(JsonFormatter):
    """JSON formatter with our field names and a final redaction pass over the whole object."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "timestamp", "levelname": "level", "name": "logger"},
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """ISO 8601 in UTC with milliseconds, whatever the machine's time zone."""
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {key: redact(value, key) for key, value in log_data.items()}


def configure_logging(
    service_name: str, level: str | int = "INFO", *, stream: IO[str] | None = None
) -> logging.Handler:
    """Send every log record of the process as redacted JSON lines to ``stream`` (stderr).

    Replaces the root logger's handlers, so it is called once, at start, by the service's
    entry point. Returns the handler (tests read from their own stream through it).
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLogFormatter())
    handler.addFilter(TraceContextFilter(service_name))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    logging.captureWarnings(True)
    return handler
