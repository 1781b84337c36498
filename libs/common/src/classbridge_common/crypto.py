"""Secrets at rest and message authentication.

:class:`SecretBox` encrypts what we must keep but never show (Zoom OAuth tokens, client
secrets) with Fernet (AES-128-CBC + HMAC-SHA256), with key rotation: the first key encrypts,
every listed key decrypts, and :meth:`SecretBox.rotate` re-encrypts old rows under the newest key.
The HMAC helpers serve webhook signature checks and signed local-storage URLs; comparisons
are constant-time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
from collections.abc import Mapping, Sequence
from typing import Final

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from classbridge_common.errors import PermissionDenied

DEFAULT_KEYS_ENV: Final = "SECRETS_ENCRYPTION_KEYS"


class DecryptionError(Exception):
    """A ciphertext could not be opened with any key (wrong keys, or tampered)."""


def generate_key() -> str:
    """A fresh Fernet key (url-safe base64 text), for ``SECRETS_ENCRYPTION_KEYS``."""
    return Fernet.generate_key().decode("ascii")


class SecretBox:
    """Encrypts and decrypts small secrets with rotating Fernet keys."""

    def __init__(self, keys: Sequence[str | bytes]) -> None:
        if not keys:
            raise ValueError("SecretBox needs at least one key")
        try:
            fernets = [Fernet(key) for key in keys]
        except (ValueError, TypeError) as exc:
            raise ValueError("an encryption key is not a valid Fernet key") from exc
        self._box = MultiFernet(fernets)

    def __repr__(self) -> str:
        return "SecretBox(<keys hidden>)"

    @classmethod
    def from_env(
        cls, name: str = DEFAULT_KEYS_ENV, *, environ: Mapping[str, str] | None = None
    ) -> SecretBox:
        """Keys from a comma-separated environment variable, newest first."""
        env = os.environ if environ is None else environ
        raw = env.get(name, "")
        keys = [k.strip() for k in raw.split(",") if k.strip()]
        if not keys:
            raise RuntimeError(f"{name} is not set (comma-separated Fernet keys, newest first)")
        return cls(keys)

    def encrypt(self, plaintext: str | bytes) -> str:
        data = plaintext.encode() if isinstance(plaintext, str) else plaintext
        return self._box.encrypt(data).decode("ascii")

    def decrypt(self, token: str | bytes, *, ttl: int | None = None) -> bytes:
        """The plaintext; :class:`DecryptionError` if no key opens it (or older than ``ttl`` s)."""
        try:
            return self._box.decrypt(_as_bytes(token), ttl=ttl)
        except InvalidToken:
            raise DecryptionError("ciphertext could not be decrypted") from None

    def decrypt_str(self, token: str | bytes) -> str:
        return self.decrypt(token).decode()

    def rotate(self, token: str | bytes) -> str:
        """The same secret re-encrypted under the newest key (run over stored rows after
        adding a key, before removing the old one)."""
        try:
            return self._box.rotate(_as_bytes(token)).decode("ascii")
        except InvalidToken:
            raise DecryptionError("ciphertext could not be decrypted") from None


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode("ascii") if isinstance(value, str) else value


def constant_time_equals(a: str | bytes, b: str | bytes) -> bool:
    """Compare secrets (signatures, tokens) without leaking where they differ."""
    return hmac.compare_digest(_to_bytes(a), _to_bytes(b))


def _to_bytes(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else value


def hmac_sha256_hex(key: str | bytes, message: str | bytes) -> str:
    """Hex HMAC-SHA256 (Zoom signs webhooks as ``v0=`` + this over ``v0:{ts}:{body}``)."""
    return hmac.new(_to_bytes(key), _to_bytes(message), hashlib.sha256).hexdigest()


def sign_url_token(key: str | bytes, resource: str, *, expires_at: int) -> str:
    """A token granting access to ``resource`` until ``expires_at`` (unix seconds).

    Format ``{expires_at}.{signature}`` where the signature covers both; url-safe.
    """
    mac = hmac.new(_to_bytes(key), f"{expires_at}:{resource}".encode(), hashlib.sha256).digest()
    return f"{expires_at}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode('ascii')}"


def verify_url_token(
    key: str | bytes, resource: str, token: str, *, now: float | None = None
) -> None:
    """Accept a token from :func:`sign_url_token` or raise :class:`PermissionDenied`."""
    expires_text, _, _ = token.partition(".")
    if not expires_text.isdigit():
        raise PermissionDenied("invalid signed URL")
    expected = sign_url_token(key, resource, expires_at=int(expires_text))
    if not constant_time_equals(expected, token):
        raise PermissionDenied("invalid signed URL")
    if (time.time() if now is None else now) >= int(expires_text):
        raise PermissionDenied("signed URL expired")


__all__ = [
    "DEFAULT_KEYS_ENV",
    "DecryptionError",
    "SecretBox",
    "constant_time_equals",
    "generate_key",
    "hmac_sha256_hex",
    "sign_url_token",
    "verify_url_token",
]
