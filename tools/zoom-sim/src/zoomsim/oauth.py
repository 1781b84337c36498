"""Zoom's OAuth endpoints (reference sections 1-2) and bearer-token checks for the REST API.

Token endpoint errors use the OAuth shape `{"reason","error"}`, not Zoom's `{code,message}`.

Fidelity switches (zoomsim.fidelity) played here: `token_params_in_body` (query-string
parameters refused), `redirect_uri_allow_list` (https or loopback, on the app's list),
`expired_token_message` (124 "Access token is expired."), `scopes` (a refresh keeps the scopes
the user authorized; a disabled app's tokens answer 4700) and `app_deauthorized_event`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from zoomsim.routing import ZoomError, json_response
from zoomsim.state import AccessToken, App, AuthCode, RefreshToken

if TYPE_CHECKING:
    from zoomsim.app import Simulator


# what a token request may carry; Zoom reads them from the form body only
TOKEN_PARAMS = frozenset(
    {"grant_type", "account_id", "code", "refresh_token", "redirect_uri", "code_verifier"}
)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
INVALID_TOKEN = "Invalid access token."  # noqa: S105
EXPIRED_TOKEN = "Access token is expired."  # noqa: S105


def oauth_error(status: int, error: str, reason: str) -> Response:
    return json_response({"reason": reason, "error": error}, status)


def redirect_allowed(redirect: str, allow_list: list[str]) -> bool:
    """Zoom's rule for `redirect_uri`: https, or plain http on loopback only, and on the app's
    allow list (an app seeded without one accepts any such URL)."""
    parts = urlsplit(redirect)
    if not parts.hostname or parts.scheme not in ("https", "http"):
        return False
    if parts.scheme == "http" and parts.hostname.lower() not in LOOPBACK_HOSTS:
        return False
    return not allow_list or redirect in allow_list


def kept_scopes(authorized: str, offered: str) -> str:
    """The scopes a refreshed token carries on Zoom: those the user authorized that the app
    still offers. A scope added to the app since needs the user to authorize again."""
    now = set(offered.split())
    return " ".join(s for s in authorized.split() if s in now)


def _basic(request: Request) -> tuple[str, str] | None:
    auth = request.headers.get("authorization", "")
    if not auth.lower().startswith("basic "):
        return None
    try:
        cid, _, secret = base64.b64decode(auth[6:].strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return cid, secret


class OAuth:
    """The three OAuth endpoints plus `authenticate` for /v2 calls."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.state = sim.state

    def issue(
        self, app: App, user_id: str | None, *, refresh: bool, scope: str | None = None
    ) -> dict[str, object]:
        """A new access token (and refresh token for a user) granting `scope` (default: the
        app's scopes as they are now)."""
        st, cfg = self.state, self.sim.config
        now = st.clock.now()
        granted = app.scopes if scope is None else scope
        tok = AccessToken(
            st.new_token(), app.account_id, app.client_id, user_id, granted, now + cfg.token_ttl
        )
        st.access_tokens[tok.token] = tok
        body: dict[str, object] = {
            "access_token": tok.token,
            "token_type": "bearer",
            "expires_in": cfg.token_ttl,
            "scope": granted,
        }
        if refresh and user_id:
            rt = RefreshToken(
                st.new_token(),
                app.client_id,
                app.account_id,
                user_id,
                granted,
                now + cfg.refresh_token_ttl,
            )
            st.refresh_tokens[rt.token] = rt
            body["refresh_token"] = rt.token
        if refresh or cfg.s2s_api_url:
            body["api_url"] = (cfg.api_url or self.sim.base_url()).rstrip("/")
        return body

    async def token(self, request: Request) -> Response:
        form = dict(await request.form())
        query = dict(request.query_params)
        fid = self.sim.config.fidelity
        if fid.token_params_in_body and TOKEN_PARAMS & query.keys():
            return oauth_error(
                400,
                "invalid_request",
                "Invalid request : parameters must be sent in the request body, not in the "
                "query string.",
            )
        params = {**query, **{k: str(v) for k, v in form.items()}}
        grant = params.get("grant_type", "")
        creds = _basic(request)
        app: App | None = None
        if creds:
            app = self.state.apps.get(creds[0])
            if app is None or not secrets.compare_digest(app.client_secret, creds[1]):
                return oauth_error(401, "invalid_client", "Invalid client_id or client_secret")
        elif grant == "authorization_code" and params.get("code_verifier"):
            app = self.state.apps.get(params.get("client_id", ""))  # PKCE public client
            if app is None:
                return oauth_error(401, "invalid_client", "Invalid client_id or client_secret")
        else:
            return oauth_error(401, "invalid_client", "Invalid client_id or client_secret")
        if not app.enabled:
            return oauth_error(401, "invalid_client", "The app has been disabled.")
        now = self.state.clock.now()
        if grant == "account_credentials":
            if app.kind != "s2s":
                return oauth_error(400, "unsupported_grant_type", "Unsupported grant type")
            if params.get("account_id") != app.account_id:
                return oauth_error(400, "invalid_request", "Invalid account_id.")
            return json_response(self.issue(app, None, refresh=False))
        if grant == "authorization_code":
            code = self.state.codes.get(params.get("code", ""))
            if (
                code is None
                or code.used
                or code.expires_at < now
                or code.client_id != app.client_id
            ):
                return oauth_error(400, "invalid_grant", "Invalid authorization code")
            if params.get("redirect_uri", "") != code.redirect_uri:
                return oauth_error(400, "invalid_request", "Redirect URI mismatch.")
            if code.challenge is not None:
                verifier = params.get("code_verifier", "")
                digest = hashlib.sha256(verifier.encode()).digest()
                calc = base64.urlsafe_b64encode(digest).decode().rstrip("=")
                if (code.method or "plain").upper() == "PLAIN":
                    calc = verifier
                if not secrets.compare_digest(calc, code.challenge):
                    return oauth_error(400, "invalid_grant", "Invalid code_verifier.")
            code.used = True
            scope = kept_scopes(code.scope, app.scopes) if fid.scopes and code.scope else None
            return json_response(self.issue(app, code.user_id, refresh=True, scope=scope))
        if grant == "refresh_token":
            rt = self.state.refresh_tokens.get(params.get("refresh_token", ""))
            grace = self.sim.config.refresh_grace_seconds
            if (
                rt is None
                or rt.revoked
                or rt.expires_at < now
                or rt.client_id != app.client_id
                or (rt.superseded_at is not None and now > rt.superseded_at + grace)
            ):
                return oauth_error(400, "invalid_grant", "Invalid Token!")
            if rt.superseded_at is None:
                rt.superseded_at = now
            scope = kept_scopes(rt.scope, app.scopes) if fid.scopes else None
            return json_response(self.issue(app, rt.user_id, refresh=True, scope=scope))
        return oauth_error(400, "unsupported_grant_type", "Unsupported grant type")

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        app = self.state.apps.get(q.get("client_id", ""))
        if app is None or app.kind != "oauth":
            return oauth_error(400, "invalid_client", "Invalid client_id")
        redirect = q.get("redirect_uri", "")
        if not redirect or (app.redirect_uris and redirect not in app.redirect_uris):
            return oauth_error(400, "invalid_request", "Redirect URI mismatch.")
        if self.sim.config.fidelity.redirect_uri_allow_list and not redirect_allowed(
            redirect, app.redirect_uris
        ):
            return oauth_error(
                400,
                "invalid_request",
                f"Invalid redirect: {redirect} (https is required except on loopback).",
            )
        if q.get("response_type", "code") != "code":
            return oauth_error(400, "unsupported_response_type", "Unsupported response type")
        code = AuthCode(
            secrets.token_urlsafe(24),
            app.client_id,
            redirect,
            app.user_id,
            q.get("code_challenge"),
            q.get("code_challenge_method"),
            self.state.clock.now() + self.sim.config.auth_code_ttl,
            scope=app.scopes,
        )
        self.state.codes[code.code] = code
        extra = {"code": code.code}
        if "state" in q:
            extra["state"] = q["state"]
        parts = urlsplit(redirect)
        query = parts.query + ("&" if parts.query else "") + urlencode(extra)
        return RedirectResponse(urlunsplit(parts._replace(query=query)), 302)

    async def revoke(self, request: Request) -> Response:
        creds = _basic(request)
        app = self.state.apps.get(creds[0]) if creds else None
        if app is None or creds is None or not secrets.compare_digest(app.client_secret, creds[1]):
            return oauth_error(401, "invalid_client", "Invalid client_id or client_secret")
        form = await request.form()
        token = str(form.get("token") or request.query_params.get("token") or "")
        at = self.state.access_tokens.get(token)
        if at is not None and at.client_id == app.client_id:
            at.revoked = True
        rt = self.state.refresh_tokens.get(token)
        if rt is not None and rt.client_id == app.client_id:
            rt.revoked = True
            for t in self.state.access_tokens.values():
                if t.client_id == app.client_id and t.user_id == rt.user_id:
                    t.revoked = True
        return json_response({"status": "success"})

    def lookup(self, token: str) -> AccessToken | None:
        tok = self.state.access_tokens.get(token)
        if tok is None or tok.revoked or tok.expires_at <= self.state.clock.now():
            return None
        return tok

    def authenticate(self, request: Request) -> AccessToken:
        """The caller's live access token, or Zoom's 401: 124 for an unknown, revoked or
        expired token, 4700 for a token of a disabled app (with the `scopes` switch)."""
        auth = request.headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        tok = self.state.access_tokens.get(token) if token else None
        if tok is None or tok.revoked:
            raise ZoomError(401, 124, INVALID_TOKEN)
        fid = self.sim.config.fidelity
        if tok.expires_at <= self.state.clock.now():
            raise ZoomError(401, 124, EXPIRED_TOKEN if fid.expired_token_message else INVALID_TOKEN)
        if fid.scopes:
            app = self.state.apps.get(tok.client_id)
            if app is None or not app.enabled:
                raise ZoomError(401, 4700, INVALID_TOKEN)
        return tok

    def expire_all(self, token: str | None = None, account_id: str | None = None) -> int:
        """Expire one, an account's or every live access token now (a fault: "expired
        mid-transfer"); they answer 124 as expired tokens do."""
        n = 0
        now = self.state.clock.now()
        for t in self.state.access_tokens.values():
            if account_id is not None and t.account_id != account_id:
                continue
            if (token is None or t.token == token) and not t.revoked and t.expires_at > now:
                t.expires_at = now
                n += 1
        return n

    def deauthorize(self, app: App, user_id: str | None = None) -> dict[str, object]:
        """A user (default: the app's user) removes the app, as from Zoom's App Marketplace:
        that user's refresh and access tokens for it stop working (an S2S app: all of its
        tokens), and with `app_deauthorized_event` the account's targets are told."""
        user = user_id or app.user_id
        revoked = 0
        for rt in self.state.refresh_tokens.values():
            if rt.client_id == app.client_id and rt.user_id == user and not rt.revoked:
                rt.revoked = True
        for t in self.state.access_tokens.values():
            mine = t.user_id == user or (app.kind == "s2s" and t.user_id is None)
            if t.client_id == app.client_id and mine and not t.revoked:
                t.revoked = True
                revoked += 1
        at = datetime.fromtimestamp(self.state.clock.now(), UTC)
        payload: dict[str, object] = {
            "account_id": app.account_id,
            "user_id": user,
            "signature": hmac.new(
                app.client_secret.encode(), f"{app.client_id}:{user}".encode(), hashlib.sha256
            ).hexdigest(),
            "deauthorization_time": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "client_id": app.client_id,
        }
        if self.sim.config.fidelity.app_deauthorized_event:
            self.sim.webhooks.emit("app_deauthorized", payload)
        return {**payload, "revoked_tokens": revoked}
