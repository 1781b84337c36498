"""Caller tokens, the Caller they stand for, and the HTTP middleware."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from classbridge_common import auth
from classbridge_common.auth import (
    BearerAuthMiddleware,
    Caller,
    ServiceTokenIssuer,
    TokenVerifier,
    authenticate,
    caller_scope,
    current_caller,
    current_caller_or_none,
    issue_service_token,
    issue_token,
    jwt_secret_from_env,
)
from classbridge_common.errors import PermissionDenied, Unauthenticated

SECRET = "test-secret-that-is-long-enough-for-hs256!"
SERVICE_SECRET = "test-service-secret-long-enough-for-hs256!"


def test_a_token_round_trips_to_its_caller() -> None:
    token = issue_token(subject="u-1", secret=SECRET, roles=["teacher"], tenant="acme")
    caller = TokenVerifier(SECRET, service_secret=SERVICE_SECRET).verify(token)
    assert caller == Caller(subject="u-1", roles=frozenset({"teacher"}), tenant="acme")
    assert caller.token == token
    assert token not in repr(caller)


def test_an_expired_token_is_unauthenticated() -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    token = issue_token(subject="u", secret=SECRET, ttl=timedelta(minutes=5), now=past)
    with pytest.raises(Unauthenticated, match="expired"):
        TokenVerifier(SECRET, service_secret=SERVICE_SECRET).verify(token)


def test_small_clock_skew_is_tolerated() -> None:
    future = datetime.now(UTC) + timedelta(seconds=3)
    token = issue_token(subject="u", secret=SECRET, now=future)
    assert TokenVerifier(SECRET, service_secret=SERVICE_SECRET).verify(token).subject == "u"


def test_a_verified_token_is_remembered_only_while_its_claims_allow_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    verifier = TokenVerifier(SECRET, service_secret=SERVICE_SECRET, cache_size=2)
    token = issue_token(subject="u", secret=SECRET, ttl=timedelta(minutes=5))
    first = verifier.verify(token)
    decoded: list[str] = []
    full = verifier._verify

    def counting(tok: str) -> tuple[Caller, dict[str, object]]:
        decoded.append(tok)
        return full(tok)

    monkeypatch.setattr(verifier, "_verify", counting)
    assert verifier.verify(token) is first
    assert decoded == []  # remembered: not decoded again
    now = datetime.now(UTC).timestamp()
    # Past exp + leeway by the cache's clock: checked in full again (by PyJWT's own clock,
    # which decides; an expired token is refused by it as without the cache).
    monkeypatch.setattr(auth.time, "time", lambda: now + 5 * 60 + 11)
    assert verifier.verify(token) == first
    assert decoded == [token]
    monkeypatch.setattr(auth.time, "time", lambda: now - 60)  # before iat - leeway
    verifier.verify(token)
    assert decoded == [token, token]


def test_remembered_tokens_are_bounded() -> None:
    verifier = TokenVerifier(SECRET, service_secret=SERVICE_SECRET, cache_size=2)
    tokens = [issue_token(subject=f"u{i}", secret=SECRET) for i in range(3)]
    assert [verifier.verify(t).subject for t in tokens] == ["u0", "u1", "u2"]
    assert list(verifier._verified) == tokens[1:]
    assert TokenVerifier(SECRET, cache_size=0).verify(tokens[0]).subject == "u0"


@pytest.mark.parametrize(
    "token",
    [
        issue_token(subject="u", secret="a-different-secret-also-long-enough!!"),
        issue_token(subject="u", secret=SECRET, issuer="someone-else"),
        issue_token(subject="u", secret=SECRET, audience="someone-else"),
        jwt.encode(
            {"sub": "u", "iss": "classbridge", "aud": "classbridge", "iat": 1},
            SECRET,
            algorithm="HS256",
        ),
        jwt.encode(
            {"sub": "u", "iss": "classbridge", "aud": "classbridge"}, None, algorithm="none"
        ),
        jwt.encode(
            {
                "sub": "u",
                "iss": "classbridge",
                "aud": "classbridge",
                "iat": datetime.now(UTC),
                "exp": datetime.now(UTC) + timedelta(minutes=5),
            },
            SECRET + SECRET,
            algorithm="HS512",
        ),
        "not.a.jwt",
    ],
    ids=["wrong-secret", "issuer", "audience", "no-expiry", "alg-none", "hs512", "garbage"],
)
def test_bad_tokens_are_unauthenticated(token: str) -> None:
    with pytest.raises(Unauthenticated) as raised:
        TokenVerifier(SECRET, service_secret=SERVICE_SECRET).verify(token)
    assert token not in raised.value.message


def test_malformed_claims_are_unauthenticated() -> None:
    now = datetime.now(UTC)
    token = jwt.encode(
        {
            "sub": "u",
            "iss": "classbridge",
            "aud": "classbridge",
            "iat": now,
            "exp": now + timedelta(minutes=5),
            "roles": "admin",
        },
        SECRET,
        algorithm="HS256",
    )
    with pytest.raises(Unauthenticated, match="malformed"):
        TokenVerifier(SECRET, service_secret=SERVICE_SECRET).verify(token)


def test_short_secrets_and_unknown_roles_are_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        TokenVerifier("short")
    with pytest.raises(ValueError, match="unknown roles"):
        issue_token(subject="u", secret=SECRET, roles=["superuser"])


@pytest.mark.parametrize(
    ("header", "ok"),
    [(None, False), ("", False), ("Basic abc", False), ("Bearer ", False), ("bearer tok", True)],
)
def test_bearer_parsing(header: str | None, ok: bool) -> None:
    if ok:
        assert auth.parse_bearer(header) == "tok"
    else:
        with pytest.raises(Unauthenticated):
            auth.parse_bearer(header)


def test_roles() -> None:
    teacher = Caller(subject="t", roles=frozenset({"teacher"}))
    admin = Caller(subject="a", roles=frozenset({"admin"}))
    assert teacher.has_role("student", "teacher")
    assert not teacher.is_admin
    teacher.require_role("teacher")
    admin.require_role("teacher")  # admins pass every role check
    with pytest.raises(PermissionDenied, match="student"):
        teacher.require_role("student")


def test_current_caller_lives_in_its_scope() -> None:
    with pytest.raises(Unauthenticated):
        current_caller()
    caller = Caller(subject="s")
    with caller_scope(caller):
        assert current_caller() is caller
    assert current_caller_or_none() is None


def test_service_tokens_are_cached_until_near_expiry(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(auth.time, "monotonic", lambda: clock[0])
    issuer = ServiceTokenIssuer(
        "recording-sync",
        secret=SERVICE_SECRET,
        ttl=timedelta(minutes=10),
        refresh_before=timedelta(minutes=1),
    )
    first = issuer.token()
    assert issuer.token() == first
    clock[0] += 8 * 60
    assert issuer.token() == first
    clock[0] += 2 * 60
    second = issuer.token()
    assert second != first
    caller = TokenVerifier(SECRET, service_secret=SERVICE_SECRET).verify(second)
    assert (caller.kind, caller.subject, caller.roles) == (
        "service",
        "recording-sync",
        frozenset({"service"}),
    )


def test_issue_service_token_reuses_its_token() -> None:
    assert issue_service_token("edge", SERVICE_SECRET) == issue_service_token(
        "edge", SERVICE_SECRET
    )


def test_secret_from_env() -> None:
    assert jwt_secret_from_env({"AUTH_JWT_SECRET": SECRET}) == SECRET
    assert jwt_secret_from_env({"CLASSBRIDGE_ENV": "dev"}) == auth.DEV_SECRET
    with pytest.raises(RuntimeError, match="AUTH_JWT_SECRET"):
        jwt_secret_from_env({})


def make_app() -> Starlette:
    verifier = TokenVerifier(SECRET, service_secret=SERVICE_SECRET)

    async def me(request: Request) -> JSONResponse:
        caller = current_caller()
        assert request.state.caller is caller
        assert authenticate(request, verifier=verifier) == caller
        return JSONResponse({"subject": caller.subject})

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    app = Starlette(routes=[Route("/me", me), Route("/healthz", healthz)])
    app.add_middleware(BearerAuthMiddleware, verifier=verifier)
    return app


async def test_http_middleware_authenticates_requests() -> None:
    token = issue_token(subject="u-5", secret=SECRET, roles=["student"])
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://edge") as client:
        ok = await client.get("/me", headers={"Authorization": f"Bearer {token}"})
        assert ok.json() == {"subject": "u-5"}
        denied = await client.get("/me")
        assert denied.status_code == 401
        assert denied.json()["error"]["code"] == "UNAUTHENTICATED"
        assert denied.headers["www-authenticate"] == "Bearer"
        bad = await client.get("/me", headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401
        assert (await client.get("/healthz")).status_code == 200
