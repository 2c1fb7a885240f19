"""The OpenID Connect client: Authlib's, over httpx (the app's one HTTP library).

Authlib does the protocol: discovery from the issuer, PKCE (S256), state and nonce kept in
the session, the code exchange, and the ID token's checks (signature with a key from the
provider's JWKS, fetched again when a token names a key it has not seen: key rotation;
issuer, audience, expiry, nonce). This module builds its client from SsoConfig and turns
each way a sign-in can fail into one refusal reason (a key of signin.REFUSALS).
"""

from __future__ import annotations

import base64
import json
import threading
from typing import Any

import httpx
import httpx2
from authlib.integrations.base_client import (
    BaseApp,
    FrameworkIntegration,
    MismatchingStateError,
    OAuth2Mixin,
    OAuthError,
    OpenIDMixin,
)
from authlib.integrations.httpx_client import OAuth2Client
from django.http import HttpRequest
from joserfc import errors as jose_errors

from customers.team.sso.config import SsoConfig

# Algorithms an ID token may be signed with: the provider's own key pairs. Never "none",
# never an HMAC keyed with the client secret.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
# Authlib speaks through httpx2 when it is installed (the MCP SDK brings it), else httpx.
_HTTP_ERRORS = (httpx.HTTPError, httpx2.HTTPError)
# Seconds of clock difference allowed between the provider and this server.
CLOCK_LEEWAY_SECONDS = 60


class SignInFailed(Exception):
    """The provider's answer did not prove a sign-in; `reason` names the refusal."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class _ProviderApp(OAuth2Mixin, OpenIDMixin, BaseApp):  # type: ignore[misc]  # untyped library
    """Authlib's Django app class, with httpx in place of requests (which the app does not use)."""

    client_cls = OAuth2Client

    def sign_in_url(self, request: HttpRequest, redirect_uri: str, **params: Any) -> str:
        found = self.create_authorization_url(redirect_uri, **params)
        state = found.pop("state")
        self.framework.set_state_data(
            request.session, state, {"redirect_uri": redirect_uri, **found}
        )
        return str(found["url"])


_apps: dict[tuple[str, ...], _ProviderApp] = {}
_apps_lock = threading.Lock()


def provider_app(config: SsoConfig) -> _ProviderApp:
    """One client per configuration and process: the discovery document and the provider's
    keys are fetched once and kept (the keys fetched again when a token names a new one)."""
    key = (config.issuer, config.client_id, config.client_secret, config.scopes)
    with _apps_lock:
        app = _apps.get(key)
        if app is None:
            app = _apps[key] = _ProviderApp(
                FrameworkIntegration("sso"),
                name="sso",
                client_id=config.client_id,
                client_secret=config.client_secret,
                server_metadata_url=f"{config.issuer}/.well-known/openid-configuration",
                client_kwargs={
                    "scope": config.scopes,
                    "code_challenge_method": "S256",
                    "timeout": config.timeout_seconds,
                    "token_endpoint_auth_method": "client_secret_basic",
                },
            )
        return app


def sign_in_url(request: HttpRequest, config: SsoConfig, redirect_uri: str) -> str:
    """Where to send the browser to sign in; the state, nonce and PKCE verifier stay in the
    session. `max_age` asks the provider for a sign-in no older than a session may live."""
    app = provider_app(config)
    try:
        issuer = str(app.load_server_metadata().get("issuer", "")).rstrip("/")
        url = app.sign_in_url(request, redirect_uri, max_age=config.session_seconds)
    except (*_HTTP_ERRORS, ValueError, KeyError) as exc:
        raise SignInFailed("provider_unreachable", str(exc)) from exc
    if issuer != config.issuer:
        # OpenID Connect Discovery 4.3: the document must be the configured issuer's own.
        raise SignInFailed("wrong_issuer", f"The discovery document names {issuer!r}.")
    return url


def verified_claims(request: HttpRequest, config: SsoConfig) -> dict[str, Any]:
    """The callback's ID token claims once every check has passed, plus `_id_token` (for
    RP-initiated sign-out); raises SignInFailed with the reason otherwise."""
    app = provider_app(config)
    params = request.GET
    state = params.get("state", "")
    state_data = app.framework.get_state_data(request.session, state)
    app.framework.clear_state_data(request.session, state)  # a state is good for one answer
    if params.get("error"):
        raise SignInFailed(
            "provider_error", f"{params['error']}: {params.get('error_description', '')}"
        )
    try:
        if not state_data or not params.get("code"):
            raise MismatchingStateError()
        token = app.fetch_access_token(
            redirect_uri=state_data["redirect_uri"],
            code=params["code"],
            code_verifier=state_data["code_verifier"],
        )
        claims = _checked_id_token(app, token, nonce=state_data["nonce"])
    except MismatchingStateError as exc:
        raise SignInFailed("bad_state", "state unknown, reused or expired") from exc
    except (OAuthError, *_HTTP_ERRORS, ValueError) as exc:  # ValueError: not JSON
        raise SignInFailed("provider_error", str(exc)) from exc
    return {**claims, "_id_token": token["id_token"]}


def _checked_id_token(app: _ProviderApp, token: dict[str, Any], *, nonce: str) -> dict[str, Any]:
    if "id_token" not in token:
        raise SignInFailed("unsigned_token", "the provider sent no ID token")
    header_alg = _header_alg(token["id_token"])
    if header_alg not in SIGNING_ALGORITHMS:
        raise SignInFailed("unsigned_token", f"ID token signed with {header_alg or 'nothing'}")
    try:
        claims = app.parse_id_token(token, nonce=nonce, leeway=CLOCK_LEEWAY_SECONDS)
    except jose_errors.ExpiredTokenError as exc:
        raise SignInFailed("expired_token", str(exc)) from exc
    except jose_errors.InvalidClaimError as exc:
        reason = {"aud": "wrong_audience", "nonce": "bad_nonce", "iss": "wrong_issuer"}
        raise SignInFailed(reason.get(exc.claim, "bad_token"), str(exc)) from exc
    except jose_errors.MissingClaimError as exc:
        # No azp is asked for only when `aud` is not this client alone (OIDC Core 3.1.3.7).
        reason = {"nonce": "bad_nonce", "azp": "wrong_audience", "aud": "wrong_audience"}
        raise SignInFailed(reason.get(exc.claim, "bad_token"), str(exc)) from exc
    except jose_errors.JoseError as exc:
        raise SignInFailed("bad_signature", str(exc)) from exc
    return dict(claims)


def _header_alg(jwt: str) -> str:
    head = jwt.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except ValueError:
        return ""
    return str(header.get("alg", "")) if isinstance(header, dict) else ""


def sign_out_url(config: SsoConfig, *, id_token: str, return_to: str) -> str | None:
    """The provider's RP-initiated logout URL, or None if it has none (Google)."""
    try:
        metadata = provider_app(config).load_server_metadata()
    except (*_HTTP_ERRORS, ValueError):
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    found = provider_app(config).create_logout_url(
        post_logout_redirect_uri=return_to, id_token_hint=id_token, client_id=config.client_id
    )
    return str(found["url"])
