"""Secrets at rest (rotating Fernet keys) and the HMAC helpers."""

from __future__ import annotations

import pytest

from classbridge_common.crypto import (
    DecryptionError,
    SecretBox,
    constant_time_equals,
    generate_key,
    hmac_sha256_hex,
    sign_url_token,
    verify_url_token,
)
from classbridge_common.errors import PermissionDenied


def test_a_secret_round_trips() -> None:
    box = SecretBox([generate_key()])
    token = box.encrypt("zoom-refresh-token")
    assert "zoom-refresh-token" not in token
    assert box.decrypt_str(token) == "zoom-refresh-token"
    assert box.decrypt(box.encrypt(b"\x00\x01")) == b"\x00\x01"


def test_rotation_new_key_encrypts_old_keys_still_decrypt() -> None:
    old, new = generate_key(), generate_key()
    stored = SecretBox([old]).encrypt("s3cret")
    rotated_box = SecretBox([new, old])
    assert rotated_box.decrypt_str(stored) == "s3cret"
    rotated = rotated_box.rotate(stored)
    assert SecretBox([new]).decrypt_str(rotated) == "s3cret"
    with pytest.raises(DecryptionError):
        SecretBox([old]).decrypt(rotated)


def test_tampered_or_foreign_ciphertext_is_refused() -> None:
    box = SecretBox([generate_key()])
    token = box.encrypt("x")
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(DecryptionError):
        box.decrypt(tampered)
    with pytest.raises(DecryptionError):
        SecretBox([generate_key()]).decrypt(token)
    with pytest.raises(DecryptionError):
        box.rotate("garbage")


def test_keys_come_from_a_comma_separated_variable() -> None:
    first, second = generate_key(), generate_key()
    box = SecretBox.from_env("KEYS", environ={"KEYS": f" {first} , {second} "})
    assert SecretBox([first]).decrypt_str(box.encrypt("x")) == "x"
    with pytest.raises(RuntimeError, match="KEYS"):
        SecretBox.from_env("KEYS", environ={})
    with pytest.raises(ValueError, match="Fernet"):
        SecretBox(["not-a-key"])
    assert first not in repr(box)


def test_hmac_matches_the_rfc_4231_vector() -> None:
    assert (
        hmac_sha256_hex("Jefe", "what do ya want for nothing?")
        == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def test_constant_time_equals() -> None:
    assert constant_time_equals("v0=abc", b"v0=abc")
    assert not constant_time_equals("v0=abc", "v0=abd")


def test_signed_url_tokens() -> None:
    key = "storage-signing-key"
    token = sign_url_token(key, "videos/b-1/lesson.mp4", expires_at=2_000)
    verify_url_token(key, "videos/b-1/lesson.mp4", token, now=1_999)
    with pytest.raises(PermissionDenied, match="expired"):
        verify_url_token(key, "videos/b-1/lesson.mp4", token, now=2_000)
    with pytest.raises(PermissionDenied, match="invalid"):
        verify_url_token(key, "videos/b-2/lesson.mp4", token, now=1_000)
    with pytest.raises(PermissionDenied, match="invalid"):
        verify_url_token(key, "videos/b-1/lesson.mp4", "9999." + token.split(".")[1], now=1_000)
    with pytest.raises(PermissionDenied, match="invalid"):
        verify_url_token(key, "videos/b-1/lesson.mp4", "garbage", now=1_000)
