"""What a person types into the search box, made safe for SQLite's FTS5.

PostgreSQL reads web-search syntax itself (``websearch_to_tsquery``); FTS5 has a query language
of its own in which a stray quote, ``NOT`` or ``*`` is a syntax error. :func:`fts5_query` turns
the same syntax — words, ``"quoted phrases"``, ``or`` between alternatives, ``-word`` to exclude
— into an FTS5 expression where every word is a quoted string, so no input is an error and
both databases understand a query alike.
"""

from __future__ import annotations

import re

from classbridge_common.errors import InvalidArgument

MAX_QUERY_CHARS = 500
_TOKEN = re.compile(r'-?"[^"]*"?|\S+')
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)


def check_query(query: str) -> str:
    """The query trimmed, or INVALID_ARGUMENT when it is empty or too long."""
    trimmed = " ".join(query.split())
    if not _WORDS.search(trimmed):
        raise InvalidArgument("query must contain a word")
    if len(trimmed) > MAX_QUERY_CHARS:
        raise InvalidArgument(f"query must be at most {MAX_QUERY_CHARS} characters")
    return trimmed


def _phrase(token: str) -> str:
    words = _WORDS.findall(token)
    return '"' + " ".join(words) + '"' if words else ""


def fts5_query(query: str) -> str:
    """An FTS5 MATCH expression for web-search syntax; "" when nothing is left to look for
    (only exclusions, only punctuation): such a query matches nothing."""
    groups: list[list[str]] = []
    excluded: list[str] = []
    join_next = False
    for token in _TOKEN.findall(check_query(query)):
        if token.lower() == "or":
            join_next = bool(groups)
            continue
        negative = token.startswith("-") and len(token) > 1
        phrase = _phrase(token[1:] if negative else token)
        if not phrase:
            continue
        if negative:
            excluded.append(phrase)
        elif join_next and groups:
            groups[-1].append(phrase)
        else:
            groups.append([phrase])
        join_next = False
    if not groups:
        return ""
    expression = " AND ".join("(" + " OR ".join(g) + ")" if len(g) > 1 else g[0] for g in groups)
    for phrase in excluded:
        expression = f"({expression}) NOT {phrase}"
    return expression


__all__ = ["MAX_QUERY_CHARS", "check_query", "fts5_query"]
