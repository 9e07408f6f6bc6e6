"""Every command endpoint in the OpenAPI document, fed bad input: a clear 4xx (or a no-op), never a
500, and nothing written to the event store."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.support import Client, facility_payload

USCC = "91350100M000100Y43"
BAD_BODIES = [
    b"{not json",
    b"[]",
    b"\"a string\"",
    b"{}",
    b'{"unexpected_field": 1}',
    b'{"uscc": "91350100M000100Y44", "occurred_on": "2099-01-01", "amount_fen": 1.5, "level": "high"}',
    b'{"occurred_on": "not-a-date", "due_on": 17, "items": "x", "reason": ""}',
    # the door (issue 9): nesting, NUL, lone surrogates, other scripts' digits, out-of-range numbers
    b"[" * 1024 + b"]" * 1024,
    b'{"uscc": "91350100M000100Y43", "name": ' + b"[" * 200 + b"]" * 200 + b"}",
    b'{"name": "a\\u0000b", "summary": "\\ud800", "region_code": "1\\u0664\\u0660502", "reason": "x\\u0000"}',
    b'{"uscc": "91350100M000100Y43\\n", "total_beds": 9223372036854775808, "fine_fen": 10000000000001,'
    b' "amount_fen": 100000000000000000000, "page": 10000000000000000000}',
]


def command_endpoints(client: Client) -> list[tuple[str, str, dict]]:
    spec = client.get("/api/openapi.json").json
    out = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method in ("post", "patch"):
                out.append((method, path, operation))
    return out


def fill(path: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return USCC if name == "uscc" else str(uuid.UUID(int=7)) if name.endswith("id") else "NO-SUCH-1"

    return re.sub(r"\{(\w+)\}", value, path)


def typed_garbage(operation: dict, spec: dict) -> dict:
    """Each documented body property given a value of the wrong type."""
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    ref = schema.get("$ref", "")
    if ref:
        schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    garbage = {}
    for name, prop in schema.get("properties", {}).items():
        kind = prop.get("type")
        garbage[name] = "not-a-number" if kind in ("integer", "number") else {"nested": True} \
            if kind == "string" else "not-a-list" if kind == "array" else 12345
    return garbage


@pytest.fixture
def seeded(client):
    assert client.post("/api/v1/facilities", facility_payload()).status_code == 201
    return client


def test_no_command_endpoint_answers_bad_input_with_500_or_writes_anything(seeded):
    client = seeded
    spec = client.get("/api/openapi.json").json
    head = client.container.app.recorder.max_notification_id()
    endpoints = command_endpoints(client)
    assert len(endpoints) >= 40
    seen = []
    for method, path, operation in endpoints:
        url = fill(path)
        bodies = [*BAD_BODIES, __import__("json").dumps(typed_garbage(operation, spec)).encode()]
        for body in bodies:
            response = client.http.open(url, method=method.upper(), data=body, headers={
                "Authorization": f"Bearer {client.tokens['admin']}", "Content-Type": "application/json"})
            seen.append((method, path, response.status_code))
            detail = (method, path, body, response.get_data()[:300])
            assert response.status_code < 500, detail
            assert "Traceback" not in response.get_data(as_text=True)
            if response.status_code >= 400:
                assert isinstance(response.json, dict) and response.json.get("error"), detail
            else:  # only a no-op may succeed (an empty PATCH): nothing was written
                assert response.json.get("notification_id") is None, detail
    assert client.container.app.recorder.max_notification_id() == head
    assert {s for *_, s in seen} >= {404, 422}
