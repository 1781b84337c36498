"""`make run` on a machine with nothing configured: every service comes up SERVING, and Ctrl-C
stops the whole stack cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def test_the_embedded_default_serves_every_service_and_stops_on_ctrl_c(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "AMQP_URL")}
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack", "--any-ports", "--data-dir", str(tmp_path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Ctrl-C stops everything." in line:
                break
        output = "".join(lines)
        assert "Ctrl-C stops everything." in output, output
        for service in ("scheduler", "zoom-gateway", "recording-sync", "webhook-ingest"):
            row = next(line for line in lines if line.strip().startswith(service))
            assert row.rstrip().endswith("SERVING"), row
        assert "export TOKEN=" in output
        assert (tmp_path / "scheduler.db").exists()
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=60)
        assert process.returncode == 0, output + rest
        assert "Traceback" not in rest, rest
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
