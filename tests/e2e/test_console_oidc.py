"""The console's OIDC authorization-code sign-in with PKCE, against a real provider peer: a small Flask
app on 127.0.0.1 (werkzeug server thread) with discovery, authorize (auto-approves the configured
user, redirects with a code), token (checks the code, the PKCE verifier, the client secret and the
redirect URI; signs an RS256 ID token with a key pair made here), JWKS and end-session. The console
(Flask's test client, on PostgreSQL) is driven through the whole redirect flow; every refusal
(state, provider error, wrong secret, expired token, wrong nonce, unknown agency, replay) leaves
nothing signed in and writes nothing. And once in Chromium: the button, the provider, Today, sign-out."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify, redirect, request
from jwt.algorithms import RSAAlgorithm
from werkzeug.serving import make_server

from tests.browser import chromium, needs_chromium, serious_violations
from tests.support import Client, make_container

MZJ = "MZJ-140500"
CLIENT_ID, CLIENT_SECRET = "eldercare-console", "s3cret-of-the-console"


class Provider:
    """An OIDC provider on 127.0.0.1: `user` is who the authorize endpoint approves; `deny`,
    `expired`, `wrong_nonce` and `secret` make it misbehave (or expect another secret)."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.user: dict[str, Any] = {"sub": "li.si", "agency": MZJ, "role": "civil_affairs"}
        self.deny = self.expired = self.wrong_nonce = False
        self.secret = CLIENT_SECRET
        self.codes: dict[str, dict[str, Any]] = {}
        self.token_calls = 0
        app = Flask("provider")
        app.add_url_rule("/.well-known/openid-configuration", view_func=self.discovery)
        app.add_url_rule("/authorize", view_func=self.authorize)
        app.add_url_rule("/token", view_func=self.token, methods=["POST"])
        app.add_url_rule("/jwks", view_func=self.jwks)
        app.add_url_rule("/logout", view_func=lambda: "signed out")
        self.server = make_server("127.0.0.1", 0, app)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def discovery(self) -> Any:
        return jsonify({"issuer": self.issuer, "authorization_endpoint": self.issuer + "/authorize",
                        "token_endpoint": self.issuer + "/token", "jwks_uri": self.issuer + "/jwks",
                        "end_session_endpoint": self.issuer + "/logout",
                        "response_types_supported": ["code"], "code_challenge_methods_supported": ["S256"],
                        "id_token_signing_alg_values_supported": ["RS256"]})

    def authorize(self) -> Any:
        a = request.args
        assert a["response_type"] == "code" and a["client_id"] == CLIENT_ID
        assert a["code_challenge_method"] == "S256" and "openid" in a["scope"].split()
        back = a["redirect_uri"] + "?"
        if self.deny:
            return redirect(back + urlencode({"error": "access_denied", "state": a["state"],
                                              "error_description": "用户拒绝授权"}))
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"challenge": a["code_challenge"], "nonce": a["nonce"],
                            "redirect_uri": a["redirect_uri"], "user": dict(self.user)}
        return redirect(back + urlencode({"code": code, "state": a["state"]}))

    def token(self) -> Any:
        self.token_calls += 1
        auth = request.authorization
        if auth is None or (auth.username, auth.password) != (CLIENT_ID, self.secret):
            return jsonify({"error": "invalid_client"}), 401
        f = request.form
        grant = self.codes.pop(f.get("code", ""), None)  # a code is good once
        challenge = base64.urlsafe_b64encode(hashlib.sha256(f.get("code_verifier", "").encode()).digest()
                                             ).rstrip(b"=").decode()
        if grant is None or grant["challenge"] != challenge or grant["redirect_uri"] != f.get("redirect_uri"):
            return jsonify({"error": "invalid_grant"}), 400
        now = datetime.now(UTC)
        exp = now - timedelta(minutes=10) if self.expired else now + timedelta(minutes=5)
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": exp,
                  "nonce": "another" if self.wrong_nonce else grant["nonce"], **grant["user"]}
        id_token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "p1"})
        return jsonify({"access_token": "opaque", "token_type": "Bearer", "id_token": id_token})

    def jwks(self) -> Any:
        return jsonify({"keys": [{**json.loads(RSAAlgorithm.to_jwk(self.key.public_key())), "kid": "p1",
                                  "alg": "RS256", "use": "sig"}]})

    def close(self) -> None:
        if self.thread.is_alive():
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=10)


@pytest.fixture
def provider() -> Iterator[Provider]:
    peer = Provider()
    yield peer
    peer.close()


@pytest.fixture
def console(pg_url, tmp_path, provider) -> Iterator[Client]:
    container = make_container(pg_url, tmp_path / "var", oidc={
        "ELDERCARE_OIDC_ISSUER": provider.issuer, "ELDERCARE_OIDC_AUDIENCE": CLIENT_ID,
        "ELDERCARE_OIDC_JWKS_URL": provider.issuer + "/jwks",
        "ELDERCARE_OIDC_CLIENT_ID": CLIENT_ID, "ELDERCARE_OIDC_CLIENT_SECRET": CLIENT_SECRET})
    try:
        yield Client(container)
    finally:
        container.close()


def through_provider(http) -> tuple[Any, str]:
    """Start at the console's button, follow the provider's redirect; (the console client, callback
    path with query) — the callback not yet visited."""
    page = http.get("/console/signin").get_data(as_text=True)
    assert "使用统一身份认证登录" in page and 'href="/console/oidc/start"' in page
    start = http.get("/console/oidc/start")
    assert start.status_code == 302, start.status_code
    at_provider = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["Location"])
    assert back.path == "/console/oidc/callback", back
    return http, f"{back.path}?{back.query}"


def signed_out(http) -> bool:
    r = http.get("/console/today")
    return r.status_code == 302 and r.headers["Location"].endswith("/console/signin")


def test_the_code_flow_with_pkce_signs_in_and_sign_out_follows_the_provider(console, provider):
    http = console.flask.test_client()
    start = http.get("/console/oidc/start")
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert start.headers["Location"].startswith(provider.issuer + "/authorize?")
    assert query["redirect_uri"] == ["http://localhost/console/oidc/callback"]
    assert len(query["code_challenge"][0]) == 43 and query["state"][0] and query["nonce"][0]
    cookie = start.headers["Set-Cookie"]  # the flow is sealed: no state, nonce or verifier readable
    assert query["state"][0] not in cookie and query["nonce"][0] not in cookie

    http, callback = through_provider(console.flask.test_client())
    r = http.get(callback)
    assert r.status_code == 302 and r.headers["Location"].endswith("/console/today"), r.status_code
    assert "HttpOnly" in r.headers["Set-Cookie"] and "SameSite=Lax" in r.headers["Set-Cookie"]
    today = http.get("/console/today")
    text = today.get_data(as_text=True)
    assert today.status_code == 200 and "晋城市民政局" in text and "li.si" in text
    assert "管辖 140500" in text  # the agency's jurisdiction (晋城市, GB/T 2260)
    assert http.get(callback).status_code == 400  # the same callback again: the flow was used once

    csrf = re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)
    out = http.post("/console/signout", data={"csrf_token": csrf})
    assert out.status_code == 302 and out.headers["Location"].startswith(provider.issuer + "/logout?")
    end = parse_qs(urlsplit(out.headers["Location"]).query)
    assert end["client_id"] == [CLIENT_ID] and end["id_token_hint"][0].count(".") == 2
    assert end["post_logout_redirect_uri"] == ["http://localhost/console/signin"]
    assert signed_out(http)


@pytest.mark.parametrize("case, status, words", [
    ("state", 400, "state 校验失败"),
    ("denied", 401, "统一身份认证服务拒绝了登录：用户拒绝授权"),
    ("secret", 401, "拒绝了授权码"),
    ("expired", 401, "ID 令牌无效或已过期"),
    ("nonce", 401, "ID 令牌无效或已过期"),
    ("agency", 403, "MZJ-149900 未在本系统登记"),
    ("no_flow", 400, "state 校验失败"),
])
def test_each_refusal_signs_nothing_in_and_writes_nothing(console, provider, case, status, words):
    head = console.container.app.recorder.max_notification_id()
    provider.deny = case == "denied"
    provider.expired = case == "expired"
    provider.wrong_nonce = case == "nonce"
    provider.secret = "another secret" if case == "secret" else CLIENT_SECRET
    if case == "agency":
        provider.user = {**provider.user, "agency": "MZJ-149900"}
    http, callback = through_provider(console.flask.test_client())
    if case == "state":
        callback = re.sub(r"state=[^&]+", "state=forged", callback)
    if case == "no_flow":  # a callback arriving in a browser that never started a sign-in
        http = console.flask.test_client()
    r = http.get(callback)
    text = r.get_data(as_text=True)
    assert r.status_code == status and words in text, (r.status_code, text[-600:])
    assert 'role="alert"' in text and "使用统一身份认证登录" in text
    assert signed_out(http)
    assert console.container.app.recorder.max_notification_id() == head
    expected_calls = 0 if case in ("state", "denied", "no_flow") else 1
    assert provider.token_calls == expected_calls  # a refused state never reaches the token endpoint


def test_an_unreachable_provider_is_said_so_and_signs_nothing_in(console, provider):
    provider.close()  # before any discovery: the console has nothing cached
    http = console.flask.test_client()
    r = http.get("/console/oidc/start")
    assert r.status_code == 502 and "无法连接统一身份认证服务" in r.get_data(as_text=True)
    assert signed_out(http)


def test_without_a_client_id_there_is_no_button_and_no_flow(pg_url, tmp_path, provider):
    container = make_container(pg_url, tmp_path / "var", oidc={
        "ELDERCARE_OIDC_ISSUER": provider.issuer, "ELDERCARE_OIDC_AUDIENCE": CLIENT_ID,
        "ELDERCARE_OIDC_JWKS_URL": provider.issuer + "/jwks"})
    try:
        http = Client(container).flask.test_client()
        assert "使用统一身份认证登录" not in http.get("/console/signin").get_data(as_text=True)
        assert http.get("/console/oidc/start").status_code == 404
        assert http.get("/console/oidc/callback?code=x&state=y").status_code == 404
    finally:
        container.close()


@needs_chromium
@pytest.mark.slow
def test_the_button_signs_in_through_the_provider_in_chromium(console, provider, tmp_path):
    server = make_server("127.0.0.1", 0, console.flask, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    site = f"http://127.0.0.1:{server.server_port}"
    try:
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)  # axe injected
            page.goto(site + "/console/signin")
            assert serious_violations(page) == []
            page.get_by_role("link", name="使用统一身份认证登录").click()
            page.wait_for_url(site + "/console/today")
            text = page.locator("body").inner_text()
            assert "晋城市民政局" in text and "管辖 140500" in text and "li.si" in text
            page.screenshot(path=str(tmp_path / "today-after-oidc.png"), full_page=True)
            page.get_by_role("button", name="退出登录").click()
            page.wait_for_url(provider.issuer + "/logout?**")
            assert "signed out" in page.locator("body").inner_text()
            page.goto(site + "/console/today")
            assert page.url == site + "/console/signin"
    finally:
        server.shutdown()
        thread.join(timeout=10)
