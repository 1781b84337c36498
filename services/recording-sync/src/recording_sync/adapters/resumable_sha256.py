"""A SHA-256 whose running state can be saved and picked up by another process.

Why: a copy that resumes after a crash or on another worker must still prove the sha256 of the
*whole* file, without reading back the part already stored. ``hashlib`` objects cannot be
serialised, and the one PyPI package that did it (``rehash``) refuses OpenSSL 3. OpenSSL's
low-level ``SHA256_Init/Update/Final`` (deprecated in 3.0 but still exported by every libcrypto)
work on a public ``SHA256_CTX`` struct; at a 64-byte block boundary that struct is exactly the
eight chaining words and the length, which is all :meth:`ResumableSha256.state` saves — in a
portable text form, not the struct's bytes. The hashing itself is OpenSSL's (SHA-NI where the
CPU has it), called through ``ctypes``, which releases the GIL while it runs.

Where no such libcrypto can be loaded, :func:`resumable_available` is False and the pipeline
falls back to ``hashlib`` with no resumable state: copies then restart from byte 0, as before.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import hashlib
import re
from typing import Protocol

__all__ = ["Digest", "ResumableSha256", "new_digest", "restore_digest", "resumable_available"]

_STATE_RE = re.compile(r"^sha256-v1:([0-9a-f]{64}):(\d+)$")
_BLOCK = 64


class _Sha256Ctx(ctypes.Structure):
    # OpenSSL's SHA256_CTX (include/openssl/sha.h), unchanged since 0.9.8.
    _fields_ = [
        ("h", ctypes.c_uint32 * 8),
        ("Nl", ctypes.c_uint32),
        ("Nh", ctypes.c_uint32),
        ("data", ctypes.c_uint32 * 16),
        ("num", ctypes.c_uint),
        ("md_len", ctypes.c_uint),
    ]


@functools.cache
def _libcrypto() -> ctypes.CDLL | None:
    for name in (ctypes.util.find_library("crypto"), "libcrypto.so.3", "libcrypto.so.1.1"):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
            init, update, final = lib.SHA256_Init, lib.SHA256_Update, lib.SHA256_Final
        except (OSError, AttributeError):
            continue
        init.argtypes = [ctypes.POINTER(_Sha256Ctx)]
        update.argtypes = [ctypes.POINTER(_Sha256Ctx), ctypes.c_void_p, ctypes.c_size_t]
        final.argtypes = [ctypes.c_char_p, ctypes.POINTER(_Sha256Ctx)]
        if _self_test(lib):
            return lib
    return None


def _self_test(lib: ctypes.CDLL) -> bool:
    """The struct layout matches this libcrypto: a saved and restored state hashes right."""
    try:
        probe = ResumableSha256(_lib=lib)
        probe.update(b"x" * _BLOCK)
        state = probe.state()
        if state is None:
            return False
        resumed = ResumableSha256.from_state(state, _lib=lib)
        resumed.update(b"yz")
        return resumed.hexdigest() == hashlib.sha256(b"x" * _BLOCK + b"yz").hexdigest()
    except (OSError, ValueError, ctypes.ArgumentError):
        return False


def resumable_available() -> bool:
    """True when copies can save their hash state (libcrypto's SHA-256 is loadable)."""
    return _libcrypto() is not None


class Digest(Protocol):
    """What the pipeline needs of a running hash."""

    size: int

    def update(self, data: bytes | bytearray | memoryview) -> None: ...

    def hexdigest(self) -> str: ...

    def state(self) -> str | None: ...


class ResumableSha256:
    """SHA-256 with :meth:`state` / :meth:`from_state` at 64-byte boundaries."""

    def __init__(self, *, _lib: ctypes.CDLL | None = None) -> None:
        lib = _lib or _libcrypto()
        if lib is None:
            raise RuntimeError("no libcrypto with SHA256_Init is available")
        self._lib = lib
        self._ctx = _Sha256Ctx()
        lib.SHA256_Init(ctypes.byref(self._ctx))
        self.size = 0

    @classmethod
    def from_state(cls, state: str, *, _lib: ctypes.CDLL | None = None) -> ResumableSha256:
        """Continue a hash from what :meth:`state` returned (raises ``ValueError`` if garbled)."""
        match = _STATE_RE.match(state)
        if match is None:
            raise ValueError("not a saved sha256 state")
        words, length = bytes.fromhex(match.group(1)), int(match.group(2))
        if length % _BLOCK:
            raise ValueError("a saved sha256 state must end on a 64-byte block")
        digest = cls(_lib=_lib)
        for i in range(8):
            digest._ctx.h[i] = int.from_bytes(words[4 * i : 4 * i + 4], "big")
        bits = length * 8
        digest._ctx.Nl, digest._ctx.Nh = bits & 0xFFFFFFFF, (bits >> 32) & 0xFFFFFFFF
        digest._ctx.num = 0
        digest.size = length
        return digest

    def update(self, data: bytes | bytearray | memoryview) -> None:
        view = memoryview(data).cast("B")
        if not view.nbytes:
            return
        if isinstance(data, bytes):
            address: object = data  # ctypes passes a bytes object's buffer without a copy
        elif view.readonly:
            address = view.tobytes()
        else:
            address = ctypes.addressof(ctypes.c_char.from_buffer(view))
        self._lib.SHA256_Update(ctypes.byref(self._ctx), address, view.nbytes)
        self.size += view.nbytes

    def state(self) -> str | None:
        """The running state as text, or ``None`` between block boundaries."""
        if self.size % _BLOCK:
            return None
        words = b"".join(int(w).to_bytes(4, "big") for w in self._ctx.h)
        return f"sha256-v1:{words.hex()}:{self.size}"

    def hexdigest(self) -> str:
        ctx = _Sha256Ctx.from_buffer_copy(self._ctx)  # finishing must not end this hash
        out = ctypes.create_string_buffer(32)
        self._lib.SHA256_Final(out, ctypes.byref(ctx))
        return out.raw.hex()


class _PlainSha256:
    """``hashlib`` where no libcrypto is loadable: same interface, no state."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.size = 0

    def update(self, data: bytes | bytearray | memoryview) -> None:
        self._hash.update(data)
        self.size += memoryview(data).nbytes

    def hexdigest(self) -> str:
        return self._hash.hexdigest()

    def state(self) -> str | None:
        return None


def new_digest() -> Digest:
    """A fresh running sha256, resumable where possible."""
    return ResumableSha256() if resumable_available() else _PlainSha256()


def restore_digest(state: str | None) -> Digest | None:
    """The hash continued from ``state``, or ``None`` when it cannot be (then start again)."""
    if not state or not resumable_available():
        return None
    try:
        return ResumableSha256.from_state(state)
    except ValueError:
        return None
