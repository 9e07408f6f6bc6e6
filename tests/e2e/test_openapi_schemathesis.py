"""The OpenAPI document is true: schemathesis over every operation of the in-process Flask app (WSGI,
no server) with a valid token finds no 500 and no response that breaks its declared schema.

Small, derandomized example budget (it runs in CI): the point is the document's truth across every
operation, not depth. Runs on SQLite (the embedded default store) for speed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks

from supervision.api import create_app
from supervision.domain.values import Actor
from tests.support import make_container

pytestmark = pytest.mark.slow

#: examples per operation and mode (76 operations × positive and negative data): well under 3 minutes
#: on a loaded 2-core machine; ELDERCARE_SCHEMATHESIS_EXAMPLES raises it for a deeper run by hand
MAX_EXAMPLES = int(os.environ.get("ELDERCARE_SCHEMATHESIS_EXAMPLES", "3"))
CHECKS = [
    checks.not_a_server_error,
    checks.response_schema_conformance,
    checks.status_code_conformance,
    checks.content_type_conformance,
]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, str]]:
    var = tmp_path_factory.mktemp("schemathesis")
    container = make_container(f"sqlite:///{var}/events.sqlite", var / "var", today=date(2026, 11, 26))
    container.start_projections()
    token = container.tokens.issue(Actor("admin", "MZJ-140500", "admin"))
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

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        check()
    except Unsatisfiable:  # nothing breaks the schema (e.g. a path that takes any string): no negative case
        assert mode is GenerationMode.NEGATIVE, operation.label
    except (Exception, BaseExceptionGroup) as exc:  # a check failure or a group: report, go on
        failures[f"{operation.label} ({mode.value})"] = str(exc)[:2000]
