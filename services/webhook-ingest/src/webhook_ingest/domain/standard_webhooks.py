"""Signing outgoing deliveries the Standard Webhooks way (https://www.standardwebhooks.com).

A delivery carries three headers: `webhook-id` (the delivery's id, the same on every retry, so
receivers deduplicate on it), `webhook-timestamp` (integer Unix seconds of this attempt, so
receivers can refuse stale replays) and `webhook-signature`: `v1,` + base64 of HMAC-SHA256 over
`{id}.{timestamp}.{body}` keyed with the secret's bytes. During a secret rotation one signature
per live secret is sent, space-separated; a receiver accepts the request if any one verifies.
Secrets are `whsec_` + base64 of 32 random bytes (the spec asks for 24 to 64).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
SECRET_BYTES = 32


def generate_secret() -> str:
    """A fresh signing secret, `whsec_<base64>`."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key a `whsec_` secret stands for (the bytes its base64 encodes)."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    return base64.b64decode(encoded + "=" * (-len(encoded) % 4))


def sign(secret: str, *, message_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,<base64>` signature of `body` sent as `message_id` at `timestamp`."""
    content = f"{message_id}.{timestamp}.".encode() + body
    mac = hmac.new(secret_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode("ascii")


def headers(
    signing_secrets: Sequence[str], *, message_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The three Standard Webhooks headers, signed with every secret in `signing_secrets`
    (current first; a rotated-out one while its grace period lasts)."""
    signature = " ".join(
        sign(secret, message_id=message_id, timestamp=timestamp, body=body)
        for secret in signing_secrets
    )
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
    }
