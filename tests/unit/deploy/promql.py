"""Just enough PromQL to check alert rules and dashboard queries without Prometheus.

promtool cannot be installed here, so :func:`parse` reads an expression the way Prometheus'
lexer would for what our rules use: strings, numbers and durations, identifiers, label matchers,
range selectors, grouping clauses. It raises :class:`PromQLError` for unbalanced brackets, a
malformed matcher or range, an unknown function, or a stray character, and returns the series
selectors (metric and the labels they match on) and the labels grouped by.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Parsed", "PromQLError", "Selector", "parse"]


class PromQLError(ValueError):
    """The expression would not parse."""


FUNCTIONS = frozenset(
    {
        "abs", "absent", "absent_over_time", "avg_over_time", "ceil", "changes", "clamp",
        "clamp_max", "clamp_min", "count_over_time", "delta", "deriv", "exp", "floor",
        "histogram_quantile", "holt_winters", "idelta", "increase", "irate", "label_join",
        "label_replace", "last_over_time", "ln", "log2", "log10", "max_over_time",
        "min_over_time", "predict_linear", "quantile_over_time", "rate", "resets", "round",
        "scalar", "sort", "sort_desc", "sqrt", "stddev_over_time", "sum_over_time", "time",
        "timestamp", "vector",
    }
)  # fmt: skip
AGGREGATIONS = frozenset(
    {"sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile"}
)
GROUPING = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})
KEYWORDS = frozenset({"and", "or", "unless", "offset", "bool", "inf", "nan"}) | GROUPING

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<duration>\d+(?:ms|s|m|h|d|w|y)(?:\d+(?:ms|s|m|h|d|w|y))*)
  | (?P<number>\d+(?:\.\d+)?(?:e[+-]?\d+)?)
  | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<matchop>=~|!~|!=|==|>=|<=)
  | (?P<op>[-+*/%^<>=,:])
  | (?P<open>[({\[])
  | (?P<close>[)}\]])
    """,
    re.VERBOSE,
)
_PAIRS = {")": "(", "}": "{", "]": "["}


@dataclass(frozen=True)
class Selector:
    metric: str
    labels: frozenset[str]


@dataclass
class Parsed:
    selectors: list[Selector] = field(default_factory=list)
    grouping: set[str] = field(default_factory=set)

    @property
    def metrics(self) -> set[str]:
        return {s.metric for s in self.selectors}


def _tokens(expr: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    at = 0
    while at < len(expr):
        match = _TOKEN.match(expr, at)
        if match is None:
            raise PromQLError(f"unexpected {expr[at]!r} at {at}")
        kind = match.lastgroup
        assert kind is not None
        if kind != "space":
            found.append((kind, match.group()))
        at = match.end()
    return found


def _matchers(tokens: list[tuple[str, str]], at: int) -> tuple[set[str], int]:
    """``{label op "value", …}`` starting after ``{``; returns the labels and the index after
    ``}``."""
    labels: set[str] = set()
    while True:
        if tokens[at] == ("close", "}"):
            return labels, at + 1
        kind, name = tokens[at]
        if kind != "ident":
            raise PromQLError(f"label name expected, got {name!r}")
        op = tokens[at + 1][1]
        if op not in ("=", "!=", "=~", "!~"):
            raise PromQLError(f"matcher operator expected after {name}, got {op!r}")
        kind, value = tokens[at + 2]
        if kind != "string":
            raise PromQLError(f"a string must follow {name}{op}")
        if op in ("=~", "!~"):
            try:
                re.compile(value[1:-1])
            except re.error as exc:
                raise PromQLError(f"bad regex for {name}: {exc}") from None
        labels.add(name)
        at += 3
        if tokens[at] == ("op", ","):
            at += 1
        elif tokens[at] != ("close", "}"):
            raise PromQLError(f"',' or '}}' expected after {name}")


def parse(expr: str) -> Parsed:
    """The selectors and grouping labels of ``expr``, or :class:`PromQLError`."""
    tokens = _tokens(expr)
    if not tokens:
        raise PromQLError("empty expression")
    stack: list[str] = []
    for _, text in tokens:
        if text in "({[":
            stack.append(text)
        elif text in ")}]" and (not stack or stack.pop() != _PAIRS[text]):
            raise PromQLError(f"unbalanced {text!r}")
    if stack:
        raise PromQLError(f"unclosed {stack[-1]!r}")
    tokens.append(("end", ""))
    parsed = Parsed()
    at = 0
    while tokens[at][0] != "end":
        kind, text = tokens[at]
        following = tokens[at + 1]
        if kind == "ident" and text in GROUPING:
            at += 1
            if tokens[at] == ("open", "("):
                at += 1
                while tokens[at] != ("close", ")"):
                    if tokens[at][0] == "ident":
                        parsed.grouping.add(tokens[at][1])
                    elif tokens[at] != ("op", ","):
                        raise PromQLError(f"label expected in {text}(…), got {tokens[at][1]!r}")
                    at += 1
                at += 1
            continue
        if kind == "ident" and text in KEYWORDS:
            at += 1
            continue
        if kind == "ident" and text in AGGREGATIONS and following[1] in ("by", "without"):
            at += 1  # ``sum by (label) (…)``: the grouping comes first
            continue
        if kind == "ident" and following == ("open", "("):
            if text not in FUNCTIONS | AGGREGATIONS:
                raise PromQLError(f"unknown function {text}")
            at += 1
            continue
        if kind == "ident":
            labels: set[str] = set()
            at += 1
            if tokens[at] == ("open", "{"):
                labels, at = _matchers(tokens, at + 1)
            parsed.selectors.append(Selector(text, frozenset(labels)))
            continue
        if (kind, text) == ("open", "["):
            if tokens[at + 1][0] != "duration" or tokens[at + 2] != ("close", "]"):
                raise PromQLError("a range must be one duration, like [5m]")
            at += 3
            continue
        if (kind, text) == ("open", "{"):
            raise PromQLError("a selector needs a metric name")
        at += 1
    return parsed
