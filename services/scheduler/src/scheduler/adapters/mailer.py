"""Sending email through an SMTP server (aiosmtplib).

Configured by one URL, ``smtp://user:password@host:port`` (``smtps://`` for TLS from the first
byte; ``?starttls=true`` to upgrade a plain connection). The password never reaches a log: only
the host is named when the server cannot be reached.
"""

from __future__ import annotations

from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib


class SmtpMailer:
    """One connection per message: notices are few, and a long-lived one would go stale."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:password@host:port")
        query = parse_qs(parts.query)
        self._tls = parts.scheme == "smtps"
        self._starttls = query.get("starttls", ["false"])[0].lower() in ("1", "true", "yes")
        self._host = parts.hostname
        self._port = parts.port or (465 if self._tls else 25)
        self._user = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"SmtpMailer({self._host}:{self._port})"

    async def send(self, message: EmailMessage) -> None:
        await aiosmtplib.send(
            message,
            hostname=self._host,
            port=self._port,
            username=self._user,
            password=self._password,
            use_tls=self._tls,
            start_tls=self._starttls and not self._tls,
            timeout=self._timeout,
        )


__all__ = ["SmtpMailer"]
