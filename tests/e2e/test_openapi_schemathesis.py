"""The OpenAPI document is true: schemathesis over every operation of the in-process Flask app (WSGI,
no server) with a valid token finds no 500 and no response that breaks its declared schema.

Small, derandomized example budget (it runs in CI): the point is the document's truth across every
operation, not depth. Runs on SQLite (the embedded default store) for speed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks

from supervision.api import create_app
from tests.support import ROLE_ACTORS, facility_payload, make_container

pytestmark = pytest.mark.slow

#: examples per operation and mode (76 operations × positive and negative data): well under 3 minutes
#: on a loaded 2-core machine; ELDERCARE_SCHEMATHESIS_EXAMPLES raises it for a deeper run by hand
MAX_EXAMPLES = int(os.environ.get("ELDERCARE_SCHEMATHESIS_EXAMPLES", "2"))
CHECKS = [
    checks.not_a_server_error,
    checks.response_schema_conformance,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.negative_data_rejection,
]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, str]]:
    var = tmp_path_factory.mktemp("schemathesis")
    container = make_container(f"sqlite:///{var}/events.sqlite", var / "var", today=date(2026, 11, 26))
    container.start_projections()
    # a national admin (as tests/support.ROLE_ACTORS): every operation is in its jurisdiction, so the
    # run reaches the handlers instead of the 403 of a facility outside a local agency's region
    token = container.tokens.issue(ROLE_ACTORS["admin"])
    try:
        yield create_app(container), token
    finally:
        container.close()


def test_every_operation_answers_as_its_openapi_document_says(api):
    """Each operation in turn (schemathesis' own pytest plugin does not run under pytest 9): every
    failure is collected, so one run reports them all."""
    app, token = api
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    failures: dict[str, str] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in GenerationMode:
            run_operation(operation, mode, headers, failures)
    assert operations > 60  # every operation of the document (76 on 2026-11-30)
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())


def run_operation(operation: schemathesis.APIOperation, mode: GenerationMode, headers: dict[str, str],
                  failures: dict[str, str]) -> None:
    """Valid (positive) or schema-breaking (negative) requests to one operation; failures collected."""

    # the token is fixed in the strategy, so negative cases never "break" the auth header we then fill in
    @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=CHECKS)

    try:
        check()
    except Unsatisfiable:  # nothing breaks the schema (e.g. a path that takes any string): no negative case
        assert mode is GenerationMode.NEGATIVE, operation.label
    except (Exception, BaseExceptionGroup) as exc:  # a check failure or a group: report, go on
        failures[f"{operation.label} ({mode.value})"] = str(exc)[:2000]


def test_datetimes_in_responses_carry_a_timezone(api):
    """SQLite returns timezone-aware columns naive: the API still writes the offset (RFC 3339)."""
    app, token = api
    http = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    body = facility_payload(uscc="91350100M000100Y43")
    assert http.post("/api/v1/facilities", json=body, headers=headers).status_code in (201, 409)
    listed = http.get("/api/v1/facilities?page_size=5").json["items"]
    events = http.get("/api/v1/facilities/91350100M000100Y43/events", headers=headers).json
    stamps = [row["updated_at"] for row in listed] + [row["recorded_at"] for row in events]
    assert stamps and all(datetime.fromisoformat(s).utcoffset() is not None for s in stamps), stamps


def test_every_command_declared_to_need_a_body_refuses_a_request_without_one(api):
    app, token = api
    http = app.test_client()
    document = http.get("/api/openapi.json").json
    values = {"uscc": "91350100M000100Y43", "inspector_id": "MZ-A", "no": "1"}
    checked = 0
    for path, item in document["paths"].items():
        operation = item.get("post")
        if not operation or not operation.get("requestBody", {}).get("required"):
            continue
        url = re.sub(r"{(\w+)}", lambda m: values.get(m.group(1), "8d6f1f9e-0000-4000-8000-000000000000"),
                     path)
        r = http.post(url, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 422 and r.json["fields"] == {"_body": ["required"]}, (path, r.json)
        checked += 1
    assert checked > 30
