"""recording-sync's configuration, read from the environment once at start.

Storage: with ``S3_BUCKET`` set, recordings go to that S3-compatible bucket (``S3_ENDPOINT_URL``
for MinIO and other non-AWS endpoints); without it, to the local folder ``LOCAL_STORAGE_DIR``
(default ``var/storage``) — the embedded default. The sweep runs every
``SYNC_SWEEP_INTERVAL_SECONDS`` (0 switches it off, e.g. in tests that drive it by hand).
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import Field, SecretStr, model_validator

from classbridge_common.settings import ServiceSettings, SettingsError, load_settings

FILES_KEY_FILE = "recording-sync-files.key"  # dev only: the generated file-URL signing key


class Settings(ServiceSettings):
    """Every variable recording-sync reads (plus the shared ones of ``ServiceSettings``)."""

    service_name: str = "recording-sync"
    grpc_port: int = Field(default=50053, ge=0, le=65535)
    grpc_host: str = "0.0.0.0"  # noqa: S104 - in-cluster; NetworkPolicy narrows it
    zoom_gateway_addr: str = "127.0.0.1:50052"
    # The scheduler answers "which batches does this user teach and attend" (ListMemberships)
    # for the access checks.
    scheduler_addr: str = "127.0.0.1:50051"
    scheduler_timeout_seconds: float = Field(default=10.0, gt=0)
    db_pool_size: int = Field(default=5, ge=1, le=100)

    # --- object storage ---
    s3_endpoint_url: str | None = None
    s3_bucket: str | None = None
    s3_region: str | None = None
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None
    # Multipart part size for streaming uploads (S3 needs at least 5 MiB per part).
    s3_multipart_chunk_bytes: int = Field(default=8 * 1024 * 1024, ge=5 * 1024 * 1024)
    # How each part proves it arrived intact: "crc32", S3's additional checksum, which the
    # store verifies (AWS S3, MinIO, R2, ...; a fraction of MD5's CPU), or "md5": Content-MD5
    # with each part's ETag compared, for a store that takes the additional checksums without
    # verifying them (with "crc32" such a store's damage is found only once completed).
    s3_part_checksum: Literal["crc32", "md5"] = "crc32"
    # Part buffers shared by every file a worker copies at once (S3 parts, local writes): the
    # memory for bytes in flight is this times the part size, however many files move.
    storage_parts_in_flight: int = Field(default=4, ge=2, le=64)
    # Create the bucket at start when it is missing (needs the permission; otherwise its
    # absence stops the service with a message naming the bucket).
    s3_create_bucket: bool = False
    local_storage_dir: Path | None = None
    # The janitor removes incomplete multipart uploads and temporary files left by crashed
    # copies once idle this long (no live copy idles that long; an interrupted copy resumes
    # from them until then), every interval (0 = never).
    storage_janitor_interval_seconds: float = Field(default=3600.0, ge=0)
    storage_staging_max_age_seconds: float = Field(default=6 * 3600.0, ge=0)
    # Local storage only: the service serves the files itself, behind HMAC-signed URLs.
    local_storage_signing_key: SecretStr | None = None  # required in prod; dev: a generated file
    files_http_port: int = Field(default=8083, ge=0, le=65535)
    files_http_host: str = "127.0.0.1"
    files_public_url: str | None = None  # base of signed URLs; default http://127.0.0.1:<port>

    # --- sync policy (seed 000: end + 5 min, then every 30 min, 3 attempts) ---
    sync_sweep_delay_seconds: int = Field(default=300, ge=0)
    sync_retry_interval_seconds: int = Field(default=1800, ge=1)
    sync_max_attempts: int = Field(default=3, ge=1, le=100)
    sync_sweep_interval_seconds: float = Field(default=60.0, ge=0)
    # Files of one job copied at the same time.
    sync_file_concurrency: int = Field(default=2, ge=1, le=16)
    # Tries per file within one attempt (network errors, 5xx, truncated downloads), and the
    # first pause between them (doubled each time).
    sync_download_tries: int = Field(default=3, ge=1, le=10)
    sync_download_backoff_seconds: float = Field(default=1.0, ge=0)
    # A worker owns a job for a lease this long, renewed by a heartbeat every
    # sync_heartbeat_seconds while it works; a crashed worker's job is taken over once its
    # lease has run out, a stopped worker's at once (it releases the lease).
    sync_lease_seconds: float = Field(default=30.0, ge=1)
    sync_heartbeat_seconds: float = Field(default=10.0, gt=0)
    # A job counts as stuck (the app_recording_sync_jobs_stuck gauge, its alert) once it has
    # been downloading without a heartbeat, or due without being started, for this long.
    sync_stuck_after_seconds: float = Field(default=900.0, gt=0)
    # How often each replica looks for due jobs (released, expired or retry time reached).
    sync_poll_seconds: float = Field(default=5.0, ge=0)
    # Zoom stops retrying a webhook after three tries: every interval (0 = never) each
    # tenant's cloud recordings of the last window are listed and any of a known meeting
    # without a job, or with files not copied, are synced.
    sync_reconcile_interval_seconds: float = Field(default=3600.0, ge=0)
    sync_reconcile_window_days: int = Field(default=7, ge=1, le=30)
    # How often the retention pass deletes at Zoom the verified copies a tenant's or course's
    # policy says to (delete_from_zoom_after_days); 0 = never.
    sync_zoom_cleanup_interval_seconds: float = Field(default=3600.0, ge=0)
    zoom_gateway_timeout_seconds: float = Field(default=30.0, gt=0)
    # Comma-separated hosts recording-sync itself allows downloads from; empty = trust the
    # gateway's credential/redirect hosts alone. Both lists must allow a host.
    zoom_download_hosts: str = ""

    # --- playback ---
    playback_url_max_ttl_seconds: int = Field(default=900, ge=30, le=7 * 24 * 3600)

    # --- manual uploads (the edge's tus uploads; seed 003's /upload/recording) ---
    # Largest file a tenant may upload, and per-tenant exceptions: "acme=1073741824,globex=5GiB"
    # (bytes, or a number with KiB/MiB/GiB/TiB). An upload resting longer than
    # STORAGE_STAGING_MAX_AGE_SECONDS between requests is removed (the janitor's age).
    upload_max_bytes: int = Field(default=20 * 1024**3, ge=1)
    upload_max_bytes_by_tenant: str = ""
    # One request appends to an upload at a time: it holds the upload this long, renewed while
    # it works, so a request that died does not block the upload for longer.
    upload_append_lease_seconds: float = Field(default=60.0, ge=1)

    # --- the local-folder watcher (recording_sync.watcher; seed 003) ---
    # The only folder (and below) the watcher may watch; unset = no watcher on this host.
    # WATCHER_PATH (inside it) is watched from the first start when WATCHER_AUTOSTART is true;
    # later starts resume the state operators left (running or not, which path).
    watcher_root: Path | None = None
    watcher_path: str = ""
    watcher_autostart: bool = False
    # A file counts as complete once its size and time are unchanged this long and no process
    # has it open; the folder is rescanned this often (events can be lost).
    watcher_settle_seconds: float = Field(default=10.0, ge=0.1, le=3600)
    watcher_scan_seconds: float = Field(default=15.0, ge=0.1, le=3600)
    # The zone of the times in Zoom's folder names (the recording computer's clock).
    watcher_timezone: str = "UTC"
    # How far a recording's start may lie outside its session's scheduled time and still match.
    watcher_match_slack_minutes: int = Field(default=30, ge=0, le=24 * 60)

    # --- a recording's text: transcripts, summaries, action items, search (issue 14) ---
    # After each recording.synced its text files (Zoom's transcript or captions, chat, meeting
    # summary) are read into segments and summarised, in the background: never in the way of
    # the sync. AI_PROVIDER "offline" (built in: extractive summary, rule-based action items)
    # or "openai" (any OpenAI-compatible server at AI_BASE_URL, e.g. https://api.openai.com/v1,
    # with AI_API_KEY and AI_MODEL), which also transcribes recordings without a Zoom
    # transcript (AI_TRANSCRIPTION_MODEL) unless AI_SPEECH_TO_TEXT is false.
    transcripts_enabled: bool = True
    ai_provider: Literal["offline", "openai"] = "offline"
    ai_base_url: str = ""
    ai_api_key: SecretStr | None = None
    ai_model: str = "gpt-4o-mini"
    ai_transcription_model: str = "whisper-1"
    ai_speech_to_text: bool = True
    ai_timeout_seconds: float = Field(default=120.0, gt=0)
    # A failed processing is retried after base, 2 x base, 4 x base … (at most max) seconds, up
    # to max attempts; a worker holds a recording for the lease (a dead one's is taken over).
    transcript_max_attempts: int = Field(default=5, ge=1, le=100)
    transcript_retry_base_seconds: float = Field(default=30.0, ge=0)
    transcript_retry_max_seconds: float = Field(default=1800.0, ge=0)
    transcript_lease_seconds: float = Field(default=900.0, ge=1)
    transcript_poll_seconds: float = Field(default=5.0, ge=0)
    transcript_concurrency: int = Field(default=2, ge=1, le=32)
    # Largest text file read whole, largest audio sent to speech-to-text (OpenAI's limit).
    transcript_max_text_bytes: int = Field(default=64 * 1024**2, ge=1024)
    transcript_max_audio_bytes: int = Field(default=25 * 1024**2, ge=1024)

    @model_validator(mode="after")
    def _storage(self) -> Self:
        if self.ai_provider == "openai" and not self.ai_base_url.strip():
            raise ValueError("AI_BASE_URL is required when AI_PROVIDER=openai")
        if self.ai_base_url and not self.ai_base_url.startswith(("http://", "https://")):
            raise ValueError("AI_BASE_URL must be an http(s) URL")
        if self.sync_heartbeat_seconds * 2 > self.sync_lease_seconds:
            # One missed heartbeat must not cost the lease: a worker that renews only just in
            # time loses its job to a replica at the first slow database round trip.
            raise ValueError("SYNC_HEARTBEAT_SECONDS must be at most half of SYNC_LEASE_SECONDS")
        if self.s3_endpoint_url is not None and self.s3_bucket is None:
            raise ValueError("S3_BUCKET is required when S3_ENDPOINT_URL is set")
        if self.local_storage_dir is None:
            object.__setattr__(self, "local_storage_dir", self.data_dir / "storage")
        if self.env == "prod" and not self.uses_s3 and self.local_storage_signing_key is None:
            raise ValueError(
                "LOCAL_STORAGE_SIGNING_KEY is required when CLASSBRIDGE_ENV=prod and S3_BUCKET "
                "is unset"
            )
        if (
            self.local_storage_signing_key is not None
            and len(self.local_storage_signing_key.get_secret_value()) < 32
        ):
            raise ValueError("LOCAL_STORAGE_SIGNING_KEY must be at least 32 characters")
        return self

    @property
    def uses_s3(self) -> bool:
        """True when recordings go to an S3 bucket rather than the local folder."""
        return self.s3_bucket is not None

    def files_base_url(self, port: int | None = None) -> str:
        """Base of local-storage signed URLs: ``FILES_PUBLIC_URL``, else this machine's address
        of the files server (``port``: the bound one, when ``FILES_HTTP_PORT`` is 0)."""
        if self.files_public_url:
            return self.files_public_url.rstrip("/")
        host = self.files_http_host
        host = "127.0.0.1" if host in ("0.0.0.0", "", "::", "[::]") else host  # noqa: S104
        host = f"[{host}]" if ":" in host and not host.startswith("[") else host
        return f"http://{host}:{self.files_http_port if port is None else port}"

    def files_signing_key(self) -> bytes:
        """Key of the local-storage URL signatures: ``LOCAL_STORAGE_SIGNING_KEY``; in dev, when
        unset, a random key generated once into ``DATA_DIR`` (mode 0600) so URLs survive a
        restart."""
        if self.local_storage_signing_key is not None:
            return self.local_storage_signing_key.get_secret_value().encode()
        if self.env == "prod":
            raise SettingsError("LOCAL_STORAGE_SIGNING_KEY is required when CLASSBRIDGE_ENV=prod")
        path = self.data_dir / FILES_KEY_FILE
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(
                    path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR
                )
            except FileExistsError:
                pass  # another process of this install created it first
            else:
                with os.fdopen(fd, "w") as handle:
                    handle.write(secrets.token_urlsafe(48))
        key = path.read_text().strip()
        if len(key) < 32:
            raise SettingsError(f"{FILES_KEY_FILE} under DATA_DIR is too short; delete it")
        return key.encode()


def load(**overrides: Any) -> Settings:
    """Settings from the environment; raises ``SettingsError`` naming each bad variable."""
    return load_settings(Settings, **overrides)
