"""Development secrets for the embedded default, made once and kept under the data directory.

`make run` must work with nothing configured, yet every service still verifies tokens, webhook
signatures and encrypts Zoom tokens at rest. So the first run draws real random secrets and keeps
them in `<data_dir>/dev-secrets.json` (mode 0600); later runs reuse them, so a token printed
yesterday and the tokens encrypted in yesterday's database still work.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from classbridge_common.crypto import generate_key

FILE_NAME = "dev-secrets.json"


@dataclass(frozen=True)
class DevSecrets:
    """The secrets shared by the services of one development stack."""

    auth_jwt_secret: str
    webhook_secret_token: str
    token_encryption_key: str
    # Service tokens get their own key; a file written before it existed draws one on load.
    service_jwt_secret: str = ""

    def __repr__(self) -> str:
        return "DevSecrets(<hidden>)"


def load_or_create(data_dir: Path) -> DevSecrets:
    """The stack's secrets: read from `data_dir`, or drawn and written there on first use."""
    path = data_dir / FILE_NAME
    if path.exists():
        kept = DevSecrets(**json.loads(path.read_text()))
        if kept.service_jwt_secret:
            return kept
        made = DevSecrets(**{**asdict(kept), "service_jwt_secret": secrets.token_urlsafe(48)})
        path.write_text(json.dumps(asdict(made)))
        return made
    made = DevSecrets(
        auth_jwt_secret=secrets.token_urlsafe(48),
        service_jwt_secret=secrets.token_urlsafe(48),
        webhook_secret_token=secrets.token_urlsafe(24),
        token_encryption_key=generate_key(),
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(asdict(made), handle)
    return made
