"""A command's body is JSON and says so (RFC 9110 §15.5.16): every command endpoint in the OpenAPI
document answers 415 naming `application/json` to a body sent as text/plain, as a form, or with no
Content-Type — even when the body is well-formed JSON — and writes nothing. Seen case (a tester): 422
"malformed JSON body" for a well-formed body sent as text/plain. `application/json; charset=utf-8` and
`application/<name>+json` are JSON; the console's forms are not the JSON API and are unaffected."""

from __future__ import annotations

import json

from tests.e2e.test_bad_input_everywhere import command_endpoints, fill
from tests.support import facility_payload

FAC = "/api/v1/facilities"
ROLES = ("admin", "civil_affairs", "market", "fire", "system")
WRONG = {"text/plain": "text/plain", "a form": "application/x-www-form-urlencoded",
         "no Content-Type": None, "another charset": "application/json; charset=latin-1"}


def _send(client, method: str, url: str, role: str, content_type: str | None, body: bytes):
    headers = {"Authorization": f"Bearer {client.tokens[role]}"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    return client.http.open(url, method=method.upper(), data=body, headers=headers)


def test_every_command_refuses_a_body_not_declared_json_with_415_and_writes_nothing(client):
    assert client.post(FAC, facility_payload()).status_code == 201
    head = client.container.app.recorder.max_notification_id()
    endpoints = command_endpoints(client)
    assert len(endpoints) >= 40
    body = json.dumps(facility_payload(uscc="91350100M000200Y51")).encode()
    for method, path, _ in endpoints:
        url = fill(path.replace("{no}", "1"))  # an <int:no> route
        for what, content_type in WRONG.items():
            answers = [_send(client, method, url, role, content_type, body) for role in ROLES]
            allowed = [r for r in answers if r.status_code != 403]
            assert allowed, (method, path, "no role may run it")
            r = allowed[0]
            assert r.status_code == 415, (method, path, what, r.get_data()[:300])
            assert "application/json" in r.json["error"] and r.json["request_id"]
            assert r.headers["Accept-Patch" if method == "patch" else "Accept-Post"] == "application/json"
    assert client.container.app.recorder.max_notification_id() == head


def test_well_formed_json_as_text_plain_is_415_not_malformed(client):
    r = client.http.post(FAC, data=json.dumps(facility_payload()), headers={
        "Authorization": f"Bearer {client.tokens['civil_affairs']}", "Content-Type": "text/plain"})
    assert r.status_code == 415 and "malformed" not in r.json["error"], r.json
    assert r.json["fields"] == {"_body": ["Content-Type must be application/json"]}
    assert client.container.app.recorder.max_notification_id() == client.seed_head


def test_json_with_its_charset_or_a_json_suffix_is_accepted(client):
    token = {"Authorization": f"Bearer {client.tokens['civil_affairs']}"}
    r = client.http.post(FAC, data=json.dumps(facility_payload()).encode(),
                         headers={**token, "Content-Type": "application/json; charset=UTF-8"})
    assert r.status_code == 201, r.json
    r = client.http.patch(f"{FAC}/91350100M000100Y43", data=json.dumps({"total_beds": 120}).encode(),
                          headers={**token, "Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200, r.json
    assert client.get(f"{FAC}/91350100M000100Y43").json["total_beds"] == 120
    r = client.http.post(FAC, headers=token)  # no body and no Content-Type: the body is required
    assert r.status_code == 422 and r.json["fields"] == {"_body": ["required"]}, r.json
