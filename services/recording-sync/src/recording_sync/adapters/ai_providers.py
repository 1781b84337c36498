"""Providers for what Zoom did not make, behind one interface: a summary with action items
(:class:`TextProvider`) and speech-to-text (:class:`SpeechProvider`).

``offline`` (the default) is built in: an extractive summary and rule-based action items
(``domain.extractive``), no model, no download, no network; it cannot transcribe audio.
``openai`` speaks the OpenAI HTTP API, which many servers implement (a hosted service, vLLM,
llama.cpp, LocalAI, …): ``POST {AI_BASE_URL}/chat/completions`` for the summary and action
items (a JSON answer asked for), ``POST {AI_BASE_URL}/audio/transcriptions`` for
speech-to-text (``verbose_json``: segments with times). The key goes in the ``Authorization``
header only; errors name the status or the exception, never the key, the URL's query or the
text sent.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from typing import Any, Protocol

import httpx

from recording_sync.domain import extractive
from recording_sync.domain.transcript import (
    CHAT,
    TRANSCRIPT,
    ActionItem,
    Digest,
    Segment,
    clean_text,
)

OPENAI = "openai"

PROMPT = (
    "You summarise recorded online classes for the school's students and teachers. "
    "Answer with one JSON object and nothing else: "
    '{"summary": "<a summary of the class in 3 to 8 sentences>", '
    '"action_items": [{"text": "<what is to be done>", "assignee": "<who, or Everyone>"}]}. '
    "Action items are homework, tasks and follow-ups that someone said must be done; an empty "
    "list when there are none. Write in the language of the class."
)


class ProviderError(Exception):
    """A provider failed; the message is safe to show (no key, no transcript)."""


class TextProvider(Protocol):
    """Makes a summary and action items from a recording's segments."""

    name: str

    async def digest(self, segments: list[Segment]) -> Digest: ...


class SpeechProvider(Protocol):
    """Turns a recording's audio into transcript segments."""

    async def transcribe(
        self, audio: AsyncIterator[bytes], *, file_name: str, content_type: str
    ) -> list[Segment]: ...


class OfflineProvider:
    """The built-in provider (extractive; runs on a worker thread, off the event loop)."""

    name = extractive.SOURCE

    async def digest(self, segments: list[Segment]) -> Digest:
        return await asyncio.to_thread(extractive.digest, segments)


def _transcript_text(segments: list[Segment], max_chars: int) -> str:
    lines = []
    size = 0
    for s in segments:
        if s.kind not in (TRANSCRIPT, "caption", CHAT):
            continue
        minutes, seconds = divmod(s.start_ms // 1000, 60)
        prefix = "[chat] " if s.kind == CHAT else ""
        line = (
            f"[{minutes:02d}:{seconds:02d}] {prefix}{s.speaker + ': ' if s.speaker else ''}{s.text}"
        )
        size += len(line) + 1
        if size > max_chars:
            lines.append("[… the rest of the class is left out …]")
            break
        lines.append(line)
    return "\n".join(lines)


def _json_object(content: str) -> Any:
    """The JSON object in a model's answer (bare, fenced in ```json, or amid prose)."""
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`")
        text = text[text.find("\n") + 1 :] if "\n" in text else text
    try:
        return json.loads(text)
    except ValueError:
        start, end = text.find("{"), text.rfind("}")
        if start >= 0 and end > start:
            try:
                return json.loads(text[start : end + 1])
            except ValueError:
                pass
    return None


class OpenAIProvider:
    """The OpenAI-compatible HTTP provider: summaries, action items and speech-to-text."""

    name = OPENAI

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        model: str,
        transcription_model: str,
        timeout: float,
        max_input_chars: int = 120_000,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/",
            headers=headers,
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
        )
        self._model = model
        self._transcription_model = transcription_model
        self._max_input_chars = max_input_chars

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _post(self, path: str, **kwargs: Any) -> Any:
        try:
            answer = await self._client.post(path, **kwargs)
        except httpx.HTTPError as exc:
            raise ProviderError(
                f"the AI provider could not be reached: {type(exc).__name__}"
            ) from None
        if answer.status_code >= 400:
            raise ProviderError(f"the AI provider answered {answer.status_code} to {path}")
        try:
            return answer.json()
        except ValueError:
            raise ProviderError(f"the AI provider's answer to {path} is not JSON") from None

    async def digest(self, segments: list[Segment]) -> Digest:
        text = _transcript_text(segments, self._max_input_chars)
        if not text:
            return Digest(summary="", source=self.name)
        body = await self._post(
            "chat/completions",
            json={
                "model": self._model,
                "temperature": 0,
                "response_format": {"type": "json_object"},
                "messages": [
                    {"role": "system", "content": PROMPT},
                    {"role": "user", "content": text},
                ],
            },
        )
        try:
            content = body["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise ProviderError("the AI provider's answer has no message") from None
        parsed = _json_object(str(content or ""))
        if not isinstance(parsed, dict):  # not JSON: take the words as the summary
            return Digest(summary=clean_text(str(content or "")), source=self.name)
        raw_items = parsed.get("action_items") or parsed.get("actions") or []
        items = [ActionItem.from_json(v) for v in raw_items] if isinstance(raw_items, list) else []
        return Digest(
            summary=clean_text(str(parsed.get("summary") or "")),
            action_items=[i for i in items if i is not None],
            source=self.name,
        )

    async def transcribe(
        self, audio: AsyncIterator[bytes], *, file_name: str, content_type: str
    ) -> list[Segment]:
        boundary = f"classbridge-{secrets.token_hex(12)}"
        body = _multipart(
            boundary,
            fields={"model": self._transcription_model, "response_format": "verbose_json"},
            file_name=file_name,
            content_type=content_type,
            audio=audio,
        )
        answer = await self._post(
            "audio/transcriptions",
            content=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        return _segments_of(answer)


async def _multipart(
    boundary: str,
    *,
    fields: dict[str, str],
    file_name: str,
    content_type: str,
    audio: AsyncIterator[bytes],
) -> AsyncIterator[bytes]:
    """A multipart/form-data body streamed from the stored audio (never whole in memory)."""
    for name, value in fields.items():
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    safe = "".join(ch for ch in file_name if ch.isprintable() and ch not in '"\\') or "audio"
    yield (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{safe}"\r\n'
        f"Content-Type: {content_type or 'application/octet-stream'}\r\n\r\n"
    ).encode()
    async for chunk in audio:
        yield chunk
    yield f"\r\n--{boundary}--\r\n".encode()


def _segments_of(answer: Any) -> list[Segment]:
    """``verbose_json``'s segments (start/end seconds, text, a speaker when diarised), or its
    whole ``text`` as one segment."""
    if not isinstance(answer, dict):
        raise ProviderError("the transcription answer is not a JSON object")
    found = []
    for item in answer.get("segments") or []:
        if not isinstance(item, dict):
            continue
        text = clean_text(str(item.get("text") or ""))
        if not text:
            continue
        try:
            start = max(0, round(float(item.get("start") or 0) * 1000))
            end = max(start, round(float(item.get("end") or 0) * 1000))
        except (TypeError, ValueError):
            start = end = 0
        speaker = clean_text(str(item.get("speaker") or ""))
        found.append(
            Segment(kind=TRANSCRIPT, start_ms=start, end_ms=end, speaker=speaker, text=text)
        )
    if not found:
        text = clean_text(str(answer.get("text") or ""))
        if text:
            found.append(Segment(kind=TRANSCRIPT, start_ms=0, end_ms=0, speaker="", text=text))
    return found


__all__ = [
    "OPENAI",
    "OfflineProvider",
    "OpenAIProvider",
    "ProviderError",
    "SpeechProvider",
    "TextProvider",
]
