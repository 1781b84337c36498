"""Zoom's OAuth endpoints (reference sections 1-2) and bearer-token checks for the REST API.

Token endpoint errors use the OAuth shape `{"reason","error"}`, not Zoom's `{code,message}`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from zoomsim.routing import ZoomError, json_response
from zoomsim.state import AccessToken, App, AuthCode, RefreshToken

if TYPE_CHECKING:
    from zoomsim.app import Simulator


def oauth_error(status: int, error: str, reason: str) -> Response:
    return json_response({"reason": reason, "error": error}, status)


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

    def issue(self, app: App, user_id: str | None, *, refresh: bool) -> dict[str, object]:
        st, cfg = self.state, self.sim.config
        now = st.clock.now()
        tok = AccessToken(
            st.new_token(), app.account_id, app.client_id, user_id, app.scopes, now + cfg.token_ttl
        )
        st.access_tokens[tok.token] = tok
        body: dict[str, object] = {
            "access_token": tok.token,
            "token_type": "bearer",
            "expires_in": cfg.token_ttl,
            "scope": app.scopes,
        }
        if refresh and user_id:
            rt = RefreshToken(
                st.new_token(),
                app.client_id,
                app.account_id,
                user_id,
                app.scopes,
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
        if query and self.sim.config.reject_token_query_params:
            return oauth_error(400, "invalid_request", "Parameters must be sent in the body.")
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
            return json_response(self.issue(app, code.user_id, refresh=True))
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
            return json_response(self.issue(app, rt.user_id, refresh=True))
        return oauth_error(400, "unsupported_grant_type", "Unsupported grant type")

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        app = self.state.apps.get(q.get("client_id", ""))
        if app is None or app.kind != "oauth":
            return oauth_error(400, "invalid_client", "Invalid client_id")
        redirect = q.get("redirect_uri", "")
        if not redirect or (app.redirect_uris and redirect not in app.redirect_uris):
            return oauth_error(400, "invalid_request", "Redirect URI mismatch.")
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
        """The caller's live access token, or Zoom's 401/124."""
        auth = request.headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        tok = self.lookup(token) if token else None
        if tok is None:
            raise ZoomError(401, 124, "Invalid access token.")
        return tok

    def expire_all(self, token: str | None = None, account_id: str | None = None) -> int:
        """Invalidate one, an account's or every access token (a fault: "expired
        mid-transfer")."""
        n = 0
        for t in self.state.access_tokens.values():
            if account_id is not None and t.account_id != account_id:
                continue
            if (token is None or t.token == token) and not t.revoked:
                t.revoked = True
                n += 1
        return n
