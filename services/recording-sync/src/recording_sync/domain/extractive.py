"""The built-in offline provider's reasoning: an extractive summary and action items found in
a transcript, with no model, no download and no network; linear in the transcript's length,
so it runs on every recording (a 3-hour class in well under a second, see
``bench/bench_transcripts.py``).

Summary: each sentence is scored by how frequent its content words are across the whole class
(stop words and filler left out, long sentences not favoured), the best few kept in the order
they were said. Action items: sentences that ask someone to do something (homework,
"please …", "don't forget to …", "by Friday", "I'll send …"), with who it is for when the
words say (the speaker for "I'll …", a name addressed, else everyone).
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from dataclasses import dataclass

from recording_sync.domain.transcript import (
    CAPTION,
    CHAT,
    TRANSCRIPT,
    ActionItem,
    Digest,
    Segment,
)

SOURCE = "offline"

_STOP_WORDS = (
    "a about above after again against all also am an and any are as at be because been before "
    "being below between both but by can could did do does doing down during each few for from "
    "further had has have having he her here hers herself him himself his how i if in into is it "
    "its itself just let lets me more most my myself no nor not now of off on once only or other "
    "our ours ourselves out over own same she should so some such than that the their theirs them "
    "themselves then there these they this those through to too under until up very was we were "
    "what when where which while who whom why will with would you your yours yourself yourselves "
    "okay ok yeah yes uh um hmm like right well really actually going gonna get got go one two "
    "thing things know think see say said look us thank thanks please great good hello hi "
    "everyone today can't don't i'm it's that's we'll we're you're i'll let's"
)
_STOP = frozenset(_STOP_WORDS.split(" "))
_WORD = re.compile(r"[^\W\d_][\w'\u2019-]*", re.UNICODE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")

_ASK = re.compile(
    r"\b(please|kindly|don'?t forget|do not forget|remember to|make sure|be sure to|"
    r"homework|assignment|due (?:on|by|next|before|tomorrow|friday|monday|tuesday|wednesday|"
    r"thursday|saturday|sunday)|deadline|submit|hand in|turn in|"
    r"(?:you|everyone|all of you|we) (?:need|have|must|should) to|"
    r"i(?:'ll| will) (?:send|share|post|upload|email|check|review|grade|prepare|follow up)|"
    r"action item|to-?do|before (?:the )?next (?:class|lesson|session|week))\b",
    re.IGNORECASE,
)
_SELF = re.compile(r"^\s*(?:ok(?:ay)?,?\s*|so,?\s*)?i(?:'ll| will)\b", re.IGNORECASE)
_ADDRESSED = re.compile(r"^\s*([A-Z][a-z]+(?: [A-Z][a-z]+)?),\s+(?:please|can you|could you)\b")
_QUESTION_ONLY = re.compile(r"\?\s*$")


@dataclass(frozen=True, slots=True)
class _Sentence:
    text: str
    start_ms: int
    speaker: str


def _sentences(segments: list[Segment]) -> list[_Sentence]:
    found = []
    for seg in segments:
        if seg.kind not in (TRANSCRIPT, CAPTION, CHAT):
            continue
        for piece in _SENTENCE.split(seg.text):
            piece = piece.strip()
            if piece:
                found.append(_Sentence(piece, seg.start_ms, seg.speaker))
    return found


def _content_words(text: str) -> list[str]:
    return [w for w in (m.lower() for m in _WORD.findall(text)) if len(w) > 2 and w not in _STOP]


def summarize(segments: list[Segment], *, max_sentences: int = 0) -> str:
    """An extractive summary of the spoken part (chat only when nothing was spoken)."""
    spoken = [s for s in segments if s.kind in (TRANSCRIPT, CAPTION)]
    sentences = _sentences(spoken or [s for s in segments if s.kind == CHAT])
    if not sentences:
        return ""
    words = [_content_words(s.text) for s in sentences]
    counts = Counter(w for ws in words for w in set(ws))
    if not counts:
        return ""
    top = max(counts.values())
    wanted = max_sentences or max(3, min(8, len(sentences) // 60 + 3))
    seen: set[str] = set()
    scored = []
    for i, (sentence, ws) in enumerate(zip(sentences, words, strict=True)):
        if len(ws) < 3 or _QUESTION_ONLY.search(sentence.text):
            continue
        key = " ".join(sorted(set(ws)))
        if key in seen:  # the same thing said again adds nothing to a summary
            continue
        seen.add(key)
        score = sum(counts[w] for w in set(ws)) / top / (len(set(ws)) ** 0.5 + 1)
        scored.append((score, -i, i))
    best = sorted(i for _, _, i in heapq.nlargest(wanted, scored))
    return " ".join(_as_sentence(sentences[i].text) for i in best)


def _as_sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text[-1:] in ".!?" else text + "."


def action_items(segments: list[Segment], *, limit: int = 20) -> list[ActionItem]:
    """Sentences asking someone to do something, first said first; the same task said twice
    counted once."""
    found: list[ActionItem] = []
    seen: set[str] = set()
    for sentence in _sentences(segments):
        text = sentence.text
        if not _ASK.search(text) or _QUESTION_ONLY.search(text) or len(_content_words(text)) < 2:
            continue  # a question asks, it does not assign
        key = " ".join(_content_words(text))
        if key in seen:
            continue
        seen.add(key)
        if _SELF.search(text):
            assignee = sentence.speaker
        elif (named := _ADDRESSED.match(text)) is not None:
            assignee = named.group(1)
        else:
            assignee = "Everyone"
        found.append(
            ActionItem(
                text=_as_sentence(text),
                assignee=assignee,
                start_ms=sentence.start_ms,
                speaker=sentence.speaker,
            )
        )
        if len(found) >= limit:
            break
    return found


def digest(segments: list[Segment]) -> Digest:
    """The offline provider's answer: summary and action items."""
    return Digest(summary=summarize(segments), action_items=action_items(segments), source=SOURCE)


__all__ = ["SOURCE", "action_items", "digest", "summarize"]
