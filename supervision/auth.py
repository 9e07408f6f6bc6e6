"""Identities: static bearer tokens (with expiry and revocation) and OIDC bearer JWTs.

Static tokens are kept as SHA-256 digests in a JSON file (0600), so the file leaks no credential;
each has an id (the digest's first 12 hex digits, safe to show and to name in events), an expiry
and, once revoked, a revocation time. OIDC JWTs (RS256 / ES256) are verified against the JWKS of
one configured issuer; their claims name the user, the agency and the role. Either way the result
is an `Actor`; whether its agency is registered and active is checked per command
(`supervision.authority`).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from supervision.domain.values import Actor
from supervision.roles import ROLES, SYSTEM

#: a static token lives this long unless told otherwise
DEFAULT_TOKEN_LIFETIME = timedelta(days=90)
#: roles an OIDC identity may carry (the system role is for in-process clocks and consumers only)
OIDC_ROLES = tuple(r for r in ROLES if r != SYSTEM)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_id(token: str) -> str:
    """The public handle of a token: the first 12 hex digits of its digest."""
    return digest(token)[:12]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class TokenEntry:
    id: str
    actor: Actor
    issued_at: str
    expires_at: str | None
    revoked_at: str | None

    def live(self, now: datetime) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or now < datetime.fromisoformat(self.expires_at)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, **self.actor.as_dict(), "issued_at": self.issued_at,
                "expires_at": self.expires_at, "revoked_at": self.revoked_at}


class TokenStore:
    """A JSON file `{"tokens": [{"sha256", "id", "user", "agency", "role", "issued_at",
    "expires_at", "revoked_at"}]}` (times ISO 8601 UTC). Written atomically with mode 0600."""

    def __init__(self, path: Path, oidc: OidcVerifier | None = None,
                 clock: Any = utcnow) -> None:
        self.path = path
        self.oidc = oidc
        self.clock = clock
        self._mtime: float | None = None
        self._entries: dict[str, TokenEntry] = {}

    def _read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return list(json.loads(self.path.read_text(encoding="utf-8")).get("tokens", []))

    def _load(self) -> None:
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            self._entries, self._mtime = {}, None
            return
        if mtime == self._mtime:
            return
        self._entries = {
            t["sha256"]: TokenEntry(
                id=t.get("id", t["sha256"][:12]),
                actor=Actor(user=t["user"], agency=t["agency"], role=t["role"]),
                issued_at=t.get("issued_at", ""), expires_at=t.get("expires_at"),
                revoked_at=t.get("revoked_at"),
            )
            for t in self._read()
        }
        self._mtime = mtime

    def _write(self, entries: list[dict[str, Any]]) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"tokens": entries}, out, ensure_ascii=False, indent=1)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)
        self._mtime = None

    def actor_for(self, token: str) -> Actor | None:
        """The actor of a live static token or of a valid OIDC JWT; None otherwise."""
        if self.oidc is not None and token.count(".") == 2:
            return self.oidc.actor_for(token)
        self._load()
        entry = self._entries.get(digest(token))
        if entry is None or not entry.live(self.clock()):
            return None
        return entry.actor

    def issue(self, actor: Actor, token: str | None = None,
              expires_at: datetime | None = None) -> str:
        """Add a token for `actor` and return it (the only time it is shown in clear). Expires
        after `DEFAULT_TOKEN_LIFETIME` unless `expires_at` says otherwise."""
        token = token or secrets.token_urlsafe(24)
        now = self.clock()
        expires = expires_at or now + DEFAULT_TOKEN_LIFETIME
        entries = [t for t in self._read() if t["sha256"] != digest(token)]
        entries.append({"sha256": digest(token), "id": token_id(token), **actor.as_dict(),
                        "issued_at": now.isoformat(timespec="seconds"),
                        "expires_at": expires.astimezone(UTC).isoformat(timespec="seconds"),
                        "revoked_at": None})
        self._write(entries)
        return token

    def entry(self, tid: str) -> TokenEntry | None:
        self._load()
        return next((e for e in self._entries.values() if e.id == tid), None)

    def entries(self) -> list[TokenEntry]:
        self._load()
        return list(self._entries.values())

    def revoke(self, tid: str) -> TokenEntry | None:
        """Mark token `tid` revoked (kept for the record); None when no such token."""
        entries = self._read()
        found = None
        for t in entries:
            if t.get("id", t["sha256"][:12]) == tid:
                t["revoked_at"] = t.get("revoked_at") or self.clock().isoformat(timespec="seconds")
                found = t
        if found is None:
            return None
        self._write(entries)
        return self.entry(tid)


# -- OIDC ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OidcSettings:
    """`ELDERCARE_OIDC_ISSUER`, `_AUDIENCE`, `_JWKS_URL` or `_JWKS_FILE`, and the claim names
    `_USER_CLAIM` (default `sub`), `_AGENCY_CLAIM` (`agency`), `_ROLE_CLAIM` (`role`).

    The console's authorization-code sign-in (`supervision.console.oidc`) is on when
    `_CLIENT_ID` is set: `_CLIENT_SECRET` (sent by HTTP Basic to the token endpoint; empty for a
    public client, PKCE only), `_REDIRECT_URI` (default: the console's own callback URL),
    `_AUTHORIZATION_ENDPOINT`, `_TOKEN_ENDPOINT`, `_END_SESSION_ENDPOINT` (each default: the issuer's
    discovery document `<issuer>/.well-known/openid-configuration`), `_SCOPES` (default
    `openid profile`) and `_POST_LOGOUT_REDIRECT_URI` (default: the console's sign-in page)."""

    issuer: str
    audience: str
    jwks_url: str | None = None
    jwks_file: Path | None = None
    user_claim: str = "sub"
    agency_claim: str = "agency"
    role_claim: str = "role"
    leeway_seconds: int = 30
    client_id: str | None = None
    client_secret: str | None = None
    redirect_uri: str | None = None
    authorization_endpoint: str | None = None
    token_endpoint: str | None = None
    end_session_endpoint: str | None = None
    scopes: str = "openid profile"
    post_logout_redirect_uri: str | None = None

    @property
    def code_flow(self) -> bool:
        """Whether the console offers the authorization-code sign-in (a client id is configured)."""
        return bool(self.client_id)

    @classmethod
    def from_env(cls, env: dict[str, str]) -> OidcSettings | None:
        issuer = env.get("ELDERCARE_OIDC_ISSUER")
        if not issuer:
            return None
        audience = env.get("ELDERCARE_OIDC_AUDIENCE")
        url, file = env.get("ELDERCARE_OIDC_JWKS_URL"), env.get("ELDERCARE_OIDC_JWKS_FILE")
        if not audience or not (url or file):
            raise ValueError("ELDERCARE_OIDC_ISSUER needs ELDERCARE_OIDC_AUDIENCE and "
                             "ELDERCARE_OIDC_JWKS_URL or ELDERCARE_OIDC_JWKS_FILE")
        return cls(issuer=issuer, audience=audience, jwks_url=url, jwks_file=Path(file) if file else None,
                   user_claim=env.get("ELDERCARE_OIDC_USER_CLAIM", "sub"),
                   agency_claim=env.get("ELDERCARE_OIDC_AGENCY_CLAIM", "agency"),
                   role_claim=env.get("ELDERCARE_OIDC_ROLE_CLAIM", "role"),
                   client_id=env.get("ELDERCARE_OIDC_CLIENT_ID") or None,
                   client_secret=env.get("ELDERCARE_OIDC_CLIENT_SECRET") or None,
                   redirect_uri=env.get("ELDERCARE_OIDC_REDIRECT_URI") or None,
                   authorization_endpoint=env.get("ELDERCARE_OIDC_AUTHORIZATION_ENDPOINT") or None,
                   token_endpoint=env.get("ELDERCARE_OIDC_TOKEN_ENDPOINT") or None,
                   end_session_endpoint=env.get("ELDERCARE_OIDC_END_SESSION_ENDPOINT") or None,
                   scopes=env.get("ELDERCARE_OIDC_SCOPES") or "openid profile",
                   post_logout_redirect_uri=env.get("ELDERCARE_OIDC_POST_LOGOUT_REDIRECT_URI") or None)


class OidcVerifier:
    """Verifies bearer JWTs: signature (RS256/ES256 only, key chosen by `kid` from the issuer's
    JWKS), `iss`, `aud`, `exp` (and `nbf`, `iat` when present). The JWKS is fetched lazily on the
    first token, never at import or start-up."""

    ALGORITHMS = ("RS256", "ES256")

    def __init__(self, settings: OidcSettings) -> None:
        self.settings = settings
        self._client: Any = None
        self._keyset: Any = None

    def _key(self, token: str) -> Any:
        import jwt

        if self.settings.jwks_url:
            if self._client is None:
                self._client = jwt.PyJWKClient(self.settings.jwks_url, cache_keys=True, lifespan=300)
            return self._client.get_signing_key_from_jwt(token).key
        if self._keyset is None:
            data = json.loads(Path(self.settings.jwks_file or "").read_text(encoding="utf-8"))
            self._keyset = jwt.PyJWKSet.from_dict(data)
        kid = jwt.get_unverified_header(token).get("kid")
        for key in self._keyset.keys:
            if kid is None or key.key_id == kid:
                return key.key
        raise jwt.InvalidTokenError(f"no key {kid!r} in the issuer's JWKS")

    def actor_for(self, token: str, nonce: str | None = None) -> Actor | None:
        """The token's actor, or None when anything fails. With `nonce` (the console's code flow),
        the token's `nonce` claim must equal it too."""
        import jwt

        s = self.settings
        try:
            claims = jwt.decode(
                token, self._key(token), algorithms=list(self.ALGORITHMS), audience=s.audience,
                issuer=s.issuer, leeway=s.leeway_seconds,
                options={"require": ["exp", "iss", "aud", s.user_claim]},
            )
        except (jwt.PyJWTError, OSError, ValueError):
            return None
        if nonce is not None and not (isinstance(claims.get("nonce"), str)
                                      and secrets.compare_digest(claims["nonce"].encode(), nonce.encode())):
            return None
        user, agency, role = claims.get(s.user_claim), claims.get(s.agency_claim), claims.get(s.role_claim)
        if not all(isinstance(v, str) and v for v in (user, agency, role)) or role not in OIDC_ROLES:
            return None
        return Actor(user=str(user), agency=str(agency), role=str(role))
