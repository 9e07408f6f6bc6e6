"""The audited reveal of a complainant's identity in the console (Flask's client, PostgreSQL): a reason
is required, the identity is shown once on the response page (no-store), only to the roles the API
lets reveal it, never logged, and every reading is listed on the complaint's page (who, when, why)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from structlog.testing import capture_logs

from supervision.domain.uscc import with_check_character
from supervision.domain.values import Actor
from tests.e2e.test_console_session import csrf_of, signed_in
from tests.support import facility_payload

F1 = with_check_character("52140502MJ0000001")
NAME, ID_NUMBER, PHONE = "赵秀兰", "11010519491231002X", "13912345678"
SECRETS = (NAME, ID_NUMBER, PHONE)


@pytest.fixture
def complaint(pg_client):
    client = pg_client
    client.container.clock.set(date(2026, 11, 23))
    tokens = {"mz": client.token_for(Actor("mz-jc", "MZJ-140500", "civil_affairs")),
              "xf": client.token_for(Actor("xf-jc", "XFJY-140500", "fire")),
              "gp": client.token_for(Actor("mz-gp", "MZJ-140581", "civil_affairs"))}
    client.tokens["civil_affairs"] = tokens["mz"]
    r = client.post("/api/v1/facilities",
                    facility_payload(uscc=F1, region_code="140502", name="城区夕阳红养老院"))
    assert r.status_code == 201, r.json
    r = client.post("/api/v1/complaints", {"uscc": F1, "channel": "hotline_12345", "category": "fees",
                                           "summary": "押金收取超过规定", "occurred_on": "2026-11-23",
                                           "complainant": {"name": NAME, "id_number": ID_NUMBER,
                                                           "phone": PHONE}})
    assert r.status_code == 201, r.json
    client.container.wait_for(client.container.app.recorder.max_notification_id())
    return client, tokens, r.json["id"]


def test_the_identity_is_shown_once_with_a_reason_and_the_reading_is_on_the_complaint(complaint):
    client, tokens, cid = complaint
    http, _ = signed_in(client, tokens["mz"])
    with capture_logs() as logs:
        detail = http.get(f"/console/complaints/{cid}").get_data(as_text=True)
        assert "尚无查阅记录" in detail and f"/console/complaints/{cid}/identity" in detail
        assert all(s not in detail for s in SECRETS)
        assert f"/console/complaints/{cid}" in http.get("/console/complaints").get_data(as_text=True)

        csrf = csrf_of(http, f"/console/complaints/{cid}/identity")
        empty = http.post(f"/console/complaints/{cid}/identity", data={"csrf_token": csrf, "reason": "  "})
        page = empty.get_data(as_text=True)
        assert empty.status_code == 422 and 'id="e-reason"' in page and 'aria-invalid="true"' in page
        assert all(s not in page for s in SECRETS)
        assert client.get(f"/api/v1/complaints/{cid}", as_="civil_affairs").json["identity_reveals"] == 0

        shown = http.post(f"/console/complaints/{cid}/identity",
                          data={"csrf_token": csrf, "reason": "需当面核实收费情况"})
        page = shown.get_data(as_text=True)
        assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
        assert all(s in page for s in SECRETS) and "需当面核实收费情况" in page

        after = http.get(f"/console/complaints/{cid}").get_data(as_text=True)
        assert "身份查阅记录（1 次）" in after and "需当面核实收费情况" in after and "mz-jc" in after
        assert all(s not in after for s in SECRETS)
        assert http.post(f"/console/complaints/{cid}/identity",
                         data={"reason": "无令牌"}).status_code == 400  # CSRF
    logged = json.dumps(logs, ensure_ascii=False, default=str)
    assert any(e["event"] == "request_handled" for e in logs)
    assert all(s not in logged for s in SECRETS)
    api = client.get(f"/api/v1/complaints/{cid}", as_="civil_affairs").json
    assert api["identity_reveals"] == 1


def test_other_roles_and_districts_are_refused_before_the_form(complaint):
    client, tokens, cid = complaint
    fire, _ = signed_in(client, tokens["xf"])
    detail = fire.get(f"/console/complaints/{cid}").get_data(as_text=True)
    assert "查阅投诉人身份（" not in detail  # fire may read complaints, not identities
    for r in (fire.get(f"/console/complaints/{cid}/identity"),
              fire.post(f"/console/complaints/{cid}/identity",
                        data={"csrf_token": csrf_of(fire, f"/console/complaints/{cid}"), "reason": "想看"})):
        assert r.status_code == 403 and all(s not in r.get_data(as_text=True) for s in SECRETS)
    other, _ = signed_in(client, tokens["gp"])
    assert other.get(f"/console/complaints/{cid}").status_code == 403
    assert other.get(f"/console/complaints/{cid}/identity").status_code == 403
    assert client.get(f"/api/v1/complaints/{cid}", as_="civil_affairs").json["identity_reveals"] == 0
    mz, _ = signed_in(client, tokens["mz"])
    assert mz.get("/console/complaints/not-a-uuid").status_code == 404
