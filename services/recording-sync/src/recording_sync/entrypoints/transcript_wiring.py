"""Wiring of a recording's text processing for ``bootstrap.running``: the providers the
settings choose, the processor, its consumer and its poll, started and stopped together."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge_common.bus import EventBus
from classbridge_common.outbox import OutboxRelay
from recording_sync.adapters.ai_providers import (
    OfflineProvider,
    OpenAIProvider,
    SpeechProvider,
    TextProvider,
)
from recording_sync.adapters.storage_base import ObjectStorage
from recording_sync.entrypoints import sweeper, transcript_consumer
from recording_sync.service_layer.processing import ProcessingPolicy, TranscriptProcessor
from recording_sync.settings import Settings


def policy(settings: Settings) -> ProcessingPolicy:
    """The processor's knobs from the settings."""
    return ProcessingPolicy(
        max_attempts=settings.transcript_max_attempts,
        retry_base=timedelta(seconds=settings.transcript_retry_base_seconds),
        retry_cap=timedelta(seconds=settings.transcript_retry_max_seconds),
        lease=timedelta(seconds=settings.transcript_lease_seconds),
        max_text_bytes=settings.transcript_max_text_bytes,
        max_audio_bytes=settings.transcript_max_audio_bytes,
        concurrency=settings.transcript_concurrency,
    )


def openai_provider(settings: Settings) -> OpenAIProvider:
    """The OpenAI-compatible provider the AI_* settings describe."""
    key = settings.ai_api_key.get_secret_value() if settings.ai_api_key else ""
    return OpenAIProvider(
        base_url=settings.ai_base_url,
        api_key=key,
        model=settings.ai_model,
        transcription_model=settings.ai_transcription_model,
        timeout=settings.ai_timeout_seconds,
    )


@contextlib.asynccontextmanager
async def transcripts_running(
    settings: Settings,
    *,
    sessions: async_sessionmaker[AsyncSession],
    bus: EventBus,
    relay: OutboxRelay,
    storage: ObjectStorage,
) -> AsyncIterator[TranscriptProcessor | None]:
    """Start processing (None when TRANSCRIPTS_ENABLED is false); stop it on exit."""
    if not settings.transcripts_enabled:
        yield None
        return
    remote = openai_provider(settings) if settings.ai_provider == "openai" else None
    text: TextProvider = remote if remote is not None else OfflineProvider()
    speech: SpeechProvider | None = (
        remote if remote is not None and settings.ai_speech_to_text else None
    )
    processor = TranscriptProcessor(
        sessions=sessions,
        storage=storage,
        text_provider=text,
        speech=speech,
        policy=policy(settings),
        on_commit=relay.notify,
    )
    consumer = transcript_consumer.TranscriptConsumer(processor=processor, session_factory=sessions)
    subscribed = False
    try:
        await transcript_consumer.subscribe(bus, consumer=consumer)
        subscribed = True
        passes = {"transcripts": (settings.transcript_poll_seconds, processor.poll_once)}
        async with sweeper.looping(passes):
            yield processor
    finally:
        if subscribed:
            with contextlib.suppress(Exception):
                await bus.unsubscribe(transcript_consumer.CONSUMER)
        await processor.stop()
        if remote is not None:
            await remote.aclose()
