"""Console sign-in: a bearer credential (static token or OIDC ID token) exchanged for a session cookie.

The credential is checked exactly as the API checks it (`TokenStore.actor_for`: static tokens with
expiry and revocation, OIDC JWTs against the issuer's JWKS), then *sealed* with the store's Fernet keys
(`Sealer`, the same keys as personal data at rest) into Flask's signed session cookie (HttpOnly,
SameSite=Lax, path `/console`). Nothing of the credential is readable in the cookie.

On every console request the sealed credential is opened and presented to the request as
`Authorization: Bearer …`, so the API's own helpers (`supervision.api.security`: `context`,
`scope_rows`, `require_row_jurisdiction`, role checks) decide what the regulator may see and do, and
a revoked or expired token ends the session at once. The console adds no rule of its own.

Session shape: `{"sealed": str (Fernet), "user", "agency", "role", "seen": epoch seconds,
"since": epoch seconds}`. A session idle longer than `ELDERCARE_CONSOLE_IDLE_MINUTES` (default 480,
8 h) is refused and cleared, whatever the browser kept.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import timedelta
from typing import Any

from flask import Flask, current_app, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from supervision.console.env import console_env, switch
from supervision.crypto import SealError

#: the session cookie's name and path (the console only; the API and the site never read it)
COOKIE_NAME = "eldercare_console"
COOKIE_PATH = "/console"
DEFAULT_IDLE_MINUTES = 480


def idle_minutes(env: dict[str, str] | None = None) -> int:
    """`ELDERCARE_CONSOLE_IDLE_MINUTES` (1 … 1440), default 480 (8 h)."""
    raw = (env if env is not None else console_env()).get("ELDERCARE_CONSOLE_IDLE_MINUTES", "")
    if not raw:
        return DEFAULT_IDLE_MINUTES
    if not raw.isdigit() or not 1 <= int(raw) <= 1440:
        raise ValueError(f"ELDERCARE_CONSOLE_IDLE_MINUTES={raw!r}: a whole number of minutes, 1 … 1440")
    return int(raw)


def session_secret(services: Any) -> bytes:
    """The key that signs session cookies: `ELDERCARE_CONSOLE_SECRET` when set, else derived
    (HMAC-SHA256) from the store's first Fernet key, so every API worker signs alike with no new
    secret to manage."""
    given = console_env(services).get("ELDERCARE_CONSOLE_SECRET")
    if given:
        return given.encode()
    keys = list(getattr(services.settings, "secret_keys", ()) or ())
    if not keys:
        path = services.settings.secret_key_path
        services.sealer  # noqa: B018  (creates the key file when missing)
        keys = [path.read_bytes().strip()]
    return hmac.new(keys[0], b"eldercare-console-session-v1", hashlib.sha256).digest()


class ConsoleSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions under `COOKIE_PATH` only. Every other request (the API, the
    public site, which keep no session) gets Flask's null session: no cookie parsed, no signer built
    (that was ~6 % of a cached public answer's CPU), and a write to it raises instead of sending a
    cookie."""

    def open_session(self, app: Flask, request: Any) -> SecureCookieSession | None:
        path = request.path
        if path != COOKIE_PATH and not path.startswith(COOKIE_PATH + "/"):
            return None  # Flask then makes its null session
        return super().open_session(app, request)


def configure(app: Flask, services: Any) -> None:
    """Cookie settings for the console's session (the API and the public site keep no session)."""
    env = console_env(services)
    minutes = idle_minutes(env)
    app.session_interface = ConsoleSessions()
    app.secret_key = session_secret(services)
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE_NAME,
        SESSION_COOKIE_PATH=COOKIE_PATH,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=switch(env, "ELDERCARE_CONSOLE_SECURE_COOKIE"),
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=minutes),
        SESSION_REFRESH_EACH_REQUEST=True,
        ELDERCARE_CONSOLE_IDLE_S=minutes * 60,
    )


def sign_in(credential: str) -> Any:
    """The actor of `credential` (static token or OIDC ID token) or None; on success the session holds
    the sealed credential. The caller shows one message for every refusal (no oracle)."""
    services = current_app.extensions["eldercare"]
    credential = credential.strip()
    if not credential or len(credential) > 8192:
        return None
    actor = services.tokens.actor_for(credential)
    if actor is None:
        return None
    session.clear()  # a fresh session, CSRF token included: nothing of a former one survives sign-in
    now = int(time.time())
    session.permanent = True
    session.update({"sealed": services.sealer.seal({"credential": credential}), "user": actor.user,
                    "agency": actor.agency, "role": actor.role, "since": now, "seen": now})
    return actor


def sign_out() -> None:
    session.clear()


def credential() -> str | None:
    """The session's credential in clear (for the provider's `id_token_hint` at sign-out); None
    when there is none or it cannot be opened."""
    sealed = session.get("sealed")
    if not sealed:
        return None
    try:
        return str(current_app.extensions["eldercare"].sealer.unseal(sealed)["credential"])
    except (SealError, KeyError, TypeError):
        return None


def present_credential() -> bool:
    """Open the session's credential and present it as the request's bearer token; False (and the
    session cleared) when there is none, it is idle too long, or it cannot be opened."""
    sealed = session.get("sealed")
    if not sealed:
        return False
    now = int(time.time())
    if now - int(session.get("seen", 0)) > current_app.config["ELDERCARE_CONSOLE_IDLE_S"]:
        session.clear()
        return False
    try:
        credential = current_app.extensions["eldercare"].sealer.unseal(sealed)["credential"]
    except (SealError, KeyError, TypeError):
        session.clear()
        return False
    request.environ["HTTP_AUTHORIZATION"] = f"Bearer {credential}"
    session["seen"] = now
    return True
