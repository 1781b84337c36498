"""The scheduler's configuration, read from the environment once at start."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator

from classbridge_common.settings import ServiceSettings, load_settings
from scheduler.domain.jobs import RetryPolicy


class Settings(ServiceSettings):
    """Every variable the scheduler reads (plus the shared ones of `ServiceSettings`)."""

    service_name: str = "scheduler"
    grpc_port: int = Field(default=50051, ge=0, le=65535)
    grpc_host: str = "[::]"
    # Where zoom-gateway's gRPC server listens.
    zoom_gateway_addr: str = "127.0.0.1:50052"
    # Deadline of each zoom-gateway call; Zoom itself may take a few seconds.
    zoom_gateway_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    # IANA timezone for sessions whose request, batch and course name none.
    default_timezone: str = "UTC"
    # Name of the scheduler's queue (and inbox consumer) on the event bus.
    consumer_name: str = "scheduler"
    # At most this many events are applied at once.
    consumer_prefetch: int = Field(default=16, ge=1, le=1000)
    db_pool_size: int = Field(default=5, ge=1, le=100)
    # A student counts as present at or above this percentage of a session, unless their batch
    # sets its own threshold.
    attendance_present_threshold_percentage: float = Field(default=75.0, gt=0, le=100)
    # Reading Zoom's participants report after a meeting ends: the first read waits this long
    # (Zoom publishes the report minutes after the end), failures are retried after a delay
    # doubling up to the maximum, and after the window the webhooks' attendance stands.
    attendance_reconcile_delay_seconds: float = Field(default=120.0, ge=0, le=86_400)
    attendance_reconcile_backoff_seconds: float = Field(default=60.0, gt=0, le=86_400)
    attendance_reconcile_max_backoff_seconds: float = Field(default=1800.0, gt=0, le=86_400)
    attendance_reconcile_window_seconds: float = Field(default=21_600.0, gt=0, le=30 * 86_400)
    # Bringing meetings in step after a change (registrants, alternative hosts, breakout rooms):
    # tried at once, failures retried after a delay doubling up to the maximum, for the window.
    meeting_job_backoff_seconds: float = Field(default=30.0, gt=0, le=86_400)
    meeting_job_max_backoff_seconds: float = Field(default=1800.0, gt=0, le=86_400)
    meeting_job_window_seconds: float = Field(default=86_400.0, gt=0, le=30 * 86_400)
    # Zoom's meeting creates and updates per host per UTC day (zoom-gateway's
    # ZOOM_HOST_DAILY_LIMIT): bulk scheduling plans its meetings within it.
    zoom_host_daily_limit: int = Field(default=100, ge=1, le=100_000)
    # How often the background worker looks for due jobs (report reads, registrant syncs).
    job_poll_interval_seconds: float = Field(default=15.0, gt=0, le=3600)
    # Email notices to students (a class scheduled, moved, cancelled): off without SMTP_URL
    # (smtp://user:password@host:port, smtps://… for TLS, ?starttls=true to upgrade).
    smtp_url: SecretStr = SecretStr("")
    mail_from: str = "Classbridge <no-reply@classbridge.invalid>"
    # A tenant's own sender: MAIL_FROM_BY_TENANT='{"acme": "Acme School <classes@acme.test>"}'.
    mail_from_by_tenant: dict[str, str] = Field(default_factory=dict)
    notice_backoff_seconds: float = Field(default=30.0, gt=0, le=3600)

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA timezone {value!r}") from None
        return value

    def reconcile_policy(self) -> RetryPolicy:
        """When the reads of Zoom's participants reports are tried."""
        return RetryPolicy(
            first_delay=timedelta(seconds=self.attendance_reconcile_delay_seconds),
            initial_backoff=timedelta(seconds=self.attendance_reconcile_backoff_seconds),
            max_backoff=timedelta(seconds=self.attendance_reconcile_max_backoff_seconds),
            window=timedelta(seconds=self.attendance_reconcile_window_seconds),
            lease=timedelta(seconds=max(60.0, 4 * self.zoom_gateway_timeout_seconds)),
        )

    def meeting_job_policy(self) -> RetryPolicy:
        """When the jobs that bring meetings in step (registrants, hosts, rooms) are tried."""
        return RetryPolicy(
            first_delay=timedelta(0),
            initial_backoff=timedelta(seconds=self.meeting_job_backoff_seconds),
            max_backoff=timedelta(seconds=self.meeting_job_max_backoff_seconds),
            window=timedelta(seconds=self.meeting_job_window_seconds),
            lease=timedelta(seconds=max(60.0, 4 * self.zoom_gateway_timeout_seconds)),
        )


def load(**overrides: Any) -> Settings:
    """Settings from the environment; raises `SettingsError` naming each bad variable."""
    return load_settings(Settings, **overrides)
