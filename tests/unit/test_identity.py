"""Identities: OIDC bearer JWTs verified against the issuer's JWKS (a key pair the test makes),
static tokens with expiry and revocation, and files at rest readable by their owner only."""

from __future__ import annotations

import json
import stat
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from infra.bootstrap import Container
from infra.settings import Settings
from supervision.auth import OidcSettings, OidcVerifier, TokenStore, token_id
from supervision.domain.values import Actor

ISSUER, AUDIENCE = "https://idp.gov.example/realms/mz", "eldercare"


@pytest.fixture(scope="module")
def keys():
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    jwks = {"keys": [
        {**json.loads(RSAAlgorithm.to_jwk(rsa_key.public_key())), "kid": "rsa-1", "alg": "RS256"},
        {**json.loads(ECAlgorithm.to_jwk(ec_key.public_key())), "kid": "ec-1", "alg": "ES256"},
    ]}
    return rsa_key, ec_key, jwks


def claims(**over) -> dict:
    now = datetime.now(UTC)
    return {"iss": ISSUER, "aud": AUDIENCE, "sub": "zhang.san", "agency": "MZJ-140500",
            "role": "civil_affairs", "iat": now, "exp": now + timedelta(minutes=5), **over}


def verifier_from_file(tmp_path: Path, jwks: dict) -> OidcVerifier:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks))
    return OidcVerifier(OidcSettings(issuer=ISSUER, audience=AUDIENCE, jwks_file=path))


def test_rs256_and_es256_tokens_of_the_issuer_map_their_claims_to_an_actor(keys, tmp_path):
    rsa_key, ec_key, jwks = keys
    verifier = verifier_from_file(tmp_path, jwks)
    rs = jwt.encode(claims(), rsa_key, algorithm="RS256", headers={"kid": "rsa-1"})
    es = jwt.encode(claims(role="fire", agency="XFJY-140500"), ec_key, algorithm="ES256",
                    headers={"kid": "ec-1"})
    assert verifier.actor_for(rs) == Actor("zhang.san", "MZJ-140500", "civil_affairs")
    assert verifier.actor_for(es) == Actor("zhang.san", "XFJY-140500", "fire")


def test_a_jwt_is_refused_when_expired_for_another_audience_or_issuer_or_signed_otherwise(keys, tmp_path):
    rsa_key, _, jwks = keys
    verifier = verifier_from_file(tmp_path, jwks)
    past = datetime.now(UTC) - timedelta(hours=1)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    refused = [
        jwt.encode(claims(exp=past), rsa_key, algorithm="RS256", headers={"kid": "rsa-1"}),
        jwt.encode(claims(aud="another-app"), rsa_key, algorithm="RS256", headers={"kid": "rsa-1"}),
        jwt.encode(claims(iss="https://evil.example"), rsa_key, algorithm="RS256", headers={"kid": "rsa-1"}),
        jwt.encode(claims(), other_key, algorithm="RS256", headers={"kid": "rsa-1"}),  # forged signature
        jwt.encode(claims(), "a-shared-secret-of-32-bytes-or-more", algorithm="HS256"),
        jwt.encode(claims(role="system"), rsa_key, algorithm="RS256", headers={"kid": "rsa-1"}),
        jwt.encode(claims(agency=None), rsa_key, algorithm="RS256", headers={"kid": "rsa-1"}),
        "not.a.jwt",
    ]
    assert [verifier.actor_for(t) for t in refused] == [None] * len(refused)


def test_the_jwks_is_fetched_from_the_issuer_s_url(keys):
    rsa_key, _, jwks = keys
    body = json.dumps(jwks).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/certs"
        store = TokenStore(Path("/nonexistent/tokens.json"),
                           oidc=OidcVerifier(OidcSettings(issuer=ISSUER, audience=AUDIENCE, jwks_url=url)))
        token = jwt.encode(claims(), rsa_key, algorithm="RS256", headers={"kid": "rsa-1"})
        assert store.actor_for(token) == Actor("zhang.san", "MZJ-140500", "civil_affairs")
    finally:
        server.shutdown()
        server.server_close()


def test_oidc_settings_need_an_audience_and_a_jwks():
    assert OidcSettings.from_env({}) is None
    with pytest.raises(ValueError, match="AUDIENCE"):
        OidcSettings.from_env({"ELDERCARE_OIDC_ISSUER": ISSUER})
    s = OidcSettings.from_env({"ELDERCARE_OIDC_ISSUER": ISSUER, "ELDERCARE_OIDC_AUDIENCE": "x",
                               "ELDERCARE_OIDC_JWKS_FILE": "/etc/jwks.json",
                               "ELDERCARE_OIDC_ROLE_CLAIM": "eldercare_role"})
    assert s is not None and s.role_claim == "eldercare_role" and s.jwks_file == Path("/etc/jwks.json")


def test_a_static_token_expires_and_a_revoked_one_stops_working(tmp_path):
    now = [datetime(2026, 11, 26, tzinfo=UTC)]
    store = TokenStore(tmp_path / "tokens.json", clock=lambda: now[0])
    token = store.issue(Actor("a", "MZJ-140500", "civil_affairs"), expires_at=now[0] + timedelta(days=1))
    default = store.issue(Actor("b", "MZJ-140500", "civil_affairs"))
    assert store.actor_for(token) is not None
    now[0] += timedelta(days=1)
    assert store.actor_for(token) is None  # expired at the instant it was due
    assert store.actor_for(default) is not None  # default lifetime: 90 days
    store.revoke(token_id(default))
    assert store.actor_for(default) is None
    entry = store.entry(token_id(default))
    assert entry is not None and entry.revoked_at is not None  # kept for the record
    assert token not in (tmp_path / "tokens.json").read_text()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_var_is_0700_and_stores_keys_and_tokens_are_0600(tmp_path):
    var = tmp_path / "var"
    container = Container(Settings(database_url=f"sqlite:///{var}/eldercare.sqlite", var_dir=var))
    try:
        container.tokens.issue(Actor("a", "MZJ-140500", "civil_affairs"))
        assert container.app is not None  # opens the event store
        container.view("agencies")  # opens the read-model store
        _ = container.sealer
        assert mode(var) == 0o700
        files = sorted(p.name for p in var.iterdir())
        assert {"eldercare.sqlite", "eldercare-views.sqlite", "secret.key", "tokens.json"} <= set(files)
        for path in var.iterdir():
            assert mode(path) == 0o600, (path.name, oct(mode(path)))
    finally:
        container.close()
