"""A presented bearer credential that is not valid is refused everywhere (RFC 6750 §3.1): 401 with
`WWW-Authenticate: Bearer error="invalid_token"` on public reads, public pages and downloads too;
a request that presents no token reads the public endpoints as before. Seen case (a tester): a
public read with an unknown token answered 200 as if anonymous."""

from __future__ import annotations

from supervision.domain.values import Actor
from tests.support import facility_payload

USCC = "91350100M000100Y43"
PUBLIC = ["/api/v1/facilities", f"/api/v1/facilities/{USCC}", "/api/v1/public/credit/blacklist",
          "/api/v1/public/complaint-summary?uscc=" + USCC, "/", f"/facilities/{USCC}", "/lists/blacklist",
          "/lists/blacklist.csv"]


def test_an_unknown_revoked_or_malformed_token_is_401_on_public_reads(client):
    assert client.post("/api/v1/facilities", facility_payload()).status_code == 201
    revoked = client.token_for(Actor("gone", "MZB-100000", "civil_affairs"))
    client.container.tokens.revoke(next(e.id for e in client.container.tokens.entries()
                                        if e.actor.user == "gone"))
    for path in PUBLIC:
        assert client.get(path).status_code == 200, path  # anonymous: open
        assert client.get(path, as_="civil_affairs").status_code == 200, path  # a valid token: fine
        for token in ("forged", revoked):
            r = client.http.get(path, headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 401, (path, token, r.status_code)
            challenge = r.headers["WWW-Authenticate"]
            assert challenge.startswith("Bearer ") and 'error="invalid_token"' in challenge, challenge
            assert r.json["error"] == "unknown or revoked token"
        r = client.http.get(path, headers={"Authorization": "Bearer "})
        assert r.status_code == 401 and 'error="invalid_request"' in r.headers["WWW-Authenticate"], path


def test_a_missing_token_on_a_command_is_401_without_an_error_code(client):
    r = client.post("/api/v1/facilities", facility_payload(), as_=None)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == 'Bearer realm="eldercare"'
