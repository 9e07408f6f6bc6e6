"""The console's sign-in, session and CSRF through Flask's client on PostgreSQL: a bearer token (or an
OIDC ID token) exchanged for a sealed, signed, HttpOnly, SameSite=Lax session cookie; sign-out; idle
expiry; revocation ending the session; CSRF on every console form while the JSON API stays
bearer-only; the forms' errors are the API's own field errors."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from supervision.auth import token_id
from supervision.console import session as console_session
from supervision.domain.values import Actor
from tests.support import Client, facility_payload, make_container

MZJ = "MZJ-140500"


def csrf_of(http, path: str = "/console/signin") -> str:
    r = http.get(path)
    assert r.status_code == 200, r.status_code
    return re.search(r'name="csrf_token" value="([^"]+)"', r.get_data(as_text=True)).group(1)


def signed_in(client: Client, token: str):
    http = client.flask.test_client()
    csrf = csrf_of(http)
    r = http.post("/console/signin", data={"token": token, "csrf_token": csrf})
    assert r.status_code == 302 and r.headers["Location"].endswith("/console/today"), r.status_code
    return http, r


@pytest.fixture
def city(pg_client):
    token = pg_client.token_for(Actor("mz-jc", MZJ, "civil_affairs"))
    pg_client.tokens["civil_affairs"] = token
    return pg_client, token


def test_a_token_becomes_an_httponly_lax_sealed_session_and_sign_out_ends_it(city):
    client, token = city
    http = client.flask.test_client()
    assert http.get("/console/today").headers["Location"].endswith("/console/signin")
    csrf = csrf_of(http)
    refused = http.post("/console/signin", data={"token": "not-a-token", "csrf_token": csrf})
    assert refused.status_code == 401 and "令牌无效" in refused.get_data(as_text=True)

    http, r = signed_in(client, token)
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("eldercare_console=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/console" in cookie and "Expires=" in cookie
    assert token not in cookie and token_id(token) not in cookie  # the credential is sealed, not signed only
    page = http.get("/console/today")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "晋城市民政局" in text and "mz-jc" in text
    assert page.headers["Cache-Control"] == "no-store" and "frame-ancestors 'none'" in page.headers[
        "Content-Security-Policy"]

    r = http.post("/console/signout", data={"csrf_token": csrf_of(http, "/console/today")})
    assert r.status_code == 302 and r.headers["Location"].endswith("/console/signin")
    assert http.get("/console/today").headers["Location"].endswith("/console/signin")


def test_every_console_form_needs_its_csrf_token_while_the_api_stays_bearer_only(city):
    client, token = city
    http = client.flask.test_client()
    csrf_of(http)
    assert http.post("/console/signin", data={"token": token}).status_code == 400
    http, _ = signed_in(client, token)
    head = client.container.app.recorder.max_notification_id()
    body = facility_payload(uscc="52140502MJY0000101", region_code="140502")
    r = http.post("/console/act/register_facility", data={k: str(v) for k, v in body.items()
                                                          if not isinstance(v, dict)})
    assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True)
    assert client.container.app.recorder.max_notification_id() == head  # nothing written
    assert http.post("/console/signout").status_code == 400

    api = client.post("/api/v1/facilities", body, as_="civil_affairs")  # bearer token, no CSRF token
    assert api.status_code == 201, api.json


def test_a_revoked_token_or_an_idle_session_signs_the_regulator_out(city, monkeypatch):
    client, token = city
    http, _ = signed_in(client, token)
    assert http.get("/console/today").status_code == 200
    client.container.tokens.revoke(token_id(token))
    r = http.get("/console/today")
    assert r.status_code == 302 and r.headers["Location"].endswith("/console/signin")

    fresh = client.token_for(Actor("mz-jc2", MZJ, "civil_affairs"))
    http, _ = signed_in(client, fresh)
    assert http.get("/console/today").status_code == 200
    idle = client.flask.config["ELDERCARE_CONSOLE_IDLE_S"]
    assert idle == 8 * 3600  # the default: 8 hours idle
    later = console_session.time.time() + idle + 60
    monkeypatch.setattr(console_session, "time", SimpleNamespace(time=lambda: later))
    r = http.get("/console/today")
    assert r.status_code == 302 and r.headers["Location"].endswith("/console/signin")


def test_the_forms_show_the_apis_own_field_errors_and_write_nothing(city):
    client, token = city
    http, _ = signed_in(client, token)
    bad = {"uscc": "52140502MJY0000100", "name": "", "address": "城区", "region_code": "990000",
           "ownership": "private", "profit_status": "non_profit", "total_beds": 10, "nursing_beds": 20}
    api = client.post("/api/v1/facilities", bad, as_="civil_affairs")
    assert api.status_code == 422
    head = client.container.app.recorder.max_notification_id()
    csrf = csrf_of(http, "/console/act/register_facility")
    r = http.post("/console/act/register_facility", data={**{k: str(v) for k, v in bad.items()},
                                                          "csrf_token": csrf})
    assert r.status_code == 422
    text = r.get_data(as_text=True)
    shown = set(re.findall(r'class="field-error" id="e-([a-z_]+)"', text))
    assert shown and shown == {k.split(".")[0] for k in api.json["fields"]}, (shown, api.json["fields"])
    assert 'aria-invalid="true"' in text
    assert client.container.app.recorder.max_notification_id() == head

    deep = "[" * 100_000 + "]" * 100_000  # nested past the door's limit: 422, never a 500
    r = http.post("/console/act/plan_spot_check_campaign", data={"checklist": deep, "csrf_token": csrf})
    assert r.status_code == 422 and 'id="e-checklist">嵌套超过' in r.get_data(as_text=True)
    r = http.post("/console/act/register_facility", data={"total_beds": "十", "csrf_token": csrf})
    assert r.status_code == 422 and 'id="e-total_beds">不是整数' in r.get_data(as_text=True)
    assert 'id="e-uscc">必填' in r.get_data(as_text=True)  # the schema's judgement of the rest too


def test_a_role_that_may_not_issue_a_command_is_told_before_the_form(pg_client):
    token = pg_client.token_for(Actor("xf-jc", "XFJY-140500", "fire"))
    http, _ = signed_in(pg_client, token)
    r = http.get("/console/act/register_facility")
    assert r.status_code == 403 and "无权访问" in r.get_data(as_text=True)
    assert http.get("/console/act/no_such_command").status_code == 404
    assert http.get("/console/act/register_facility?unknown=1").status_code == 422  # the app's door


def test_an_oidc_id_token_signs_in_like_a_static_token(pg_url, tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks = {"keys": [{**json.loads(RSAAlgorithm.to_jwk(key.public_key())), "kid": "k1", "alg": "RS256"}]}
    (tmp_path / "jwks.json").write_text(json.dumps(jwks))
    issuer = "https://idp.gov.example/realms/mz"
    container = make_container(pg_url, tmp_path / "var", oidc={
        "ELDERCARE_OIDC_ISSUER": issuer, "ELDERCARE_OIDC_AUDIENCE": "eldercare",
        "ELDERCARE_OIDC_JWKS_FILE": str(tmp_path / "jwks.json")})
    try:
        client = Client(container)
        now = datetime.now(UTC)
        claims = {"iss": issuer, "aud": "eldercare", "sub": "zhang.san", "agency": MZJ,
                  "role": "civil_affairs", "iat": now, "exp": now + timedelta(minutes=5)}
        id_token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
        assert "ID 令牌" in client.flask.test_client().get("/console/signin").get_data(as_text=True)
        http, _ = signed_in(client, id_token)
        assert "zhang.san" in http.get("/console/today").get_data(as_text=True)
        expired = jwt.encode({**claims, "exp": now - timedelta(minutes=5)}, key, algorithm="RS256",
                             headers={"kid": "k1"})
        other = client.flask.test_client()
        assert other.post("/console/signin", data={"token": expired, "csrf_token": csrf_of(other)}
                          ).status_code == 401
    finally:
        container.close()
