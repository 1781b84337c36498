"""The lease settings are checked together at start-up, not discovered as lost jobs later."""

from __future__ import annotations

from pathlib import Path

import pytest

from classbridge_common.settings import SettingsError, load_settings
from recording_sync.settings import Settings


def _settings(tmp_path: Path, **fields: float) -> Settings:
    return load_settings(Settings, service_name="recording-sync", data_dir=tmp_path, **fields)


def test_the_heartbeat_fits_twice_in_the_lease(tmp_path: Path) -> None:
    settings = _settings(tmp_path, sync_lease_seconds=30, sync_heartbeat_seconds=15)
    assert settings.sync_heartbeat_seconds == 15


@pytest.mark.parametrize(("lease", "heartbeat"), [(30, 16), (10, 10), (5, 30)])
def test_a_heartbeat_too_slow_for_its_lease_is_refused(
    tmp_path: Path, lease: float, heartbeat: float
) -> None:
    with pytest.raises(SettingsError, match="SYNC_HEARTBEAT_SECONDS must be at most half"):
        _settings(tmp_path, sync_lease_seconds=lease, sync_heartbeat_seconds=heartbeat)
