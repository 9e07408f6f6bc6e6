"""`Idempotency-Key`: a client's retry of a command whose record the server names records nothing twice.

Over HTTP on both stores. A complaint taken without a hotline ticket, an incident report, a prepaid
receipt without its number and a spot-check campaign without a reference are each sent twice with one
key, as a client does when the first answer was lost: the second is 409 naming the record the first
stored, and the event log's head does not move. Without a key, the same two requests still record two
(the old behaviour, for clients that mean it); a key is scoped to the command and the actor; a
malformed key is 422 naming the header, nothing written.
"""

from __future__ import annotations

import pytest

from supervision.domain.values import Actor
from supervision.idempotency import HEADER
from tests.e2e.duties_support import USCC, at, head, register
from tests.e2e.test_spot_checks_http import CHECKLIST

API = "/api/v1"

COMPLAINT = {"uscc": USCC, "channel": "hotline_12345", "category": "service_quality",
             "summary": "夜间无人值守", "occurred_on": "2026-11-26"}
INCIDENT = {"uscc": USCC, "category": "fire", "severity": "general",
            "occurred_at": "2026-11-20T08:00:00+08:00", "reported_at": "2026-11-20T09:30:00+08:00",
            "summary": "厨房油锅起火，已扑灭", "injuries": 0, "residents": []}
RECEIPT = {"kind": "deposit", "resident_ref": "R-0001", "amount_fen": 500_000, "monthly_bed_fee_fen": 300_000,
           "occurred_on": "2026-11-01"}
CAMPAIGN = {"name": "养老机构双随机抽查", "kind": "annual", "agencies": ["MZB-100000"],
            "region_prefix": "1405", "checklist": CHECKLIST, "occurred_on": "2026-11-01"}


@pytest.fixture
def jc(client):
    """A 晋城 facility and the city's bureaus' tokens (the facility is in their jurisdiction)."""
    client.tokens["market"] = client.container.tokens.issue(Actor("market-jc", "SCJG-140500", "market"))
    at(client, "2025-01-06")
    register(client)
    at(client, "2026-11-30")
    return client


def _twice(client, path: str, body: dict, key: str | None, as_: str = "civil_affairs"):
    headers = {HEADER: key} if key is not None else {}
    first = client.post(path, body, as_=as_, headers=headers)
    assert first.status_code == 201, first.json
    before = head(client)
    second = client.post(path, body, as_=as_, headers=headers)
    return first, second, before


@pytest.mark.parametrize(("path", "body", "role", "kind", "id_of"), [
    (f"{API}/complaints", COMPLAINT, "civil_affairs", "complaint", lambda r: r.json["data"]["complaint_id"]),
    (f"{API}/incidents", INCIDENT, "civil_affairs", "incident", lambda r: r.json["data"]["incident_id"]),
    (f"{API}/spot-checks/campaigns", CAMPAIGN, "civil_affairs", "campaign",
     lambda r: r.json["data"]["campaign_id"]),
], ids=["complaint", "incident", "campaign"])
def test_a_retry_with_the_same_key_records_nothing_and_names_the_first(jc, path, body, role, kind, id_of):
    first, second, before = _twice(jc, path, body, "3f6c1d2e-9a7b-4c1e-8d2f-0a1b2c3d4e5f", as_=role)
    assert second.status_code == 409, second.json
    assert f"{kind} {id_of(first)}" in second.json["error"]
    assert HEADER in second.json["fields"]
    assert head(jc) == before, "the retry wrote nothing"


def test_a_prepaid_receipt_retried_with_its_key_is_counted_once(jc):
    path = f"{API}/prepaid/{USCC}/receipts"
    first, second, before = _twice(jc, path, RECEIPT, "pay-2026-11-01-0001", as_="market")
    assert second.status_code == 409, second.json
    assert first.json["data"]["receipt_no"] in second.json["error"] and HEADER in second.json["fields"]
    assert head(jc) == before
    third = jc.post(path, RECEIPT, as_="market", headers={HEADER: "pay-2026-11-01-0002"})
    assert third.status_code == 201, third.json  # another key: another payment
    assert third.json["data"]["receipt_no"] != first.json["data"]["receipt_no"]


def test_without_a_key_two_requests_are_two_records(jc):
    first, second, before = _twice(jc, f"{API}/complaints", COMPLAINT, None)
    assert second.status_code == 201, second.json
    assert second.json["data"]["complaint_id"] != first.json["data"]["complaint_id"]
    assert head(jc) > before


def test_a_key_is_the_actors_own_and_the_commands_own(jc):
    key = {HEADER: "same-key-1"}
    mine = jc.post(f"{API}/complaints", COMPLAINT, headers=key)
    jc.token_for(Actor("mz-jc-2", "MZJ-140500", "civil_affairs"))
    theirs = jc.post(f"{API}/complaints", COMPLAINT, as_="mz-jc-2", headers=key)
    other_command = jc.post(f"{API}/incidents", INCIDENT, headers=key)
    assert (mine.status_code, theirs.status_code, other_command.status_code) == (201, 201, 201)
    assert mine.json["data"]["complaint_id"] != theirs.json["data"]["complaint_id"]


@pytest.mark.parametrize("key", ["", "has space", "x" * 129, "键-1", "a\x00b", "a/b"])
def test_a_malformed_key_is_422_naming_the_header_and_nothing_is_written(jc, key):
    before = head(jc)
    r = jc.post(f"{API}/complaints", COMPLAINT, headers={HEADER: key})
    assert r.status_code == 422, r.json
    assert HEADER in r.json["fields"]
    assert head(jc) == before


def test_a_full_width_key_is_the_same_key_after_nfkc(jc):
    first = jc.post(f"{API}/complaints", COMPLAINT, headers={HEADER: "ＡＢＣ-１２３"})
    second = jc.post(f"{API}/complaints", COMPLAINT, headers={HEADER: "ABC-123"})
    assert (first.status_code, second.status_code) == (201, 409), second.json


def test_a_console_form_submitted_twice_records_once(jc):
    """Each form the console shows carries its own key (a hidden field): a double click or a reload
    that posts it again is refused (409, shown on the form) and records nothing."""
    import re

    from tests.e2e.test_console_session import signed_in

    http, _ = signed_in(jc, jc.tokens["civil_affairs"])
    page = http.get("/console/act/register_complaint").get_data(as_text=True)
    form = dict(re.findall(r'name="(csrf_token|submission)" value="([^"]+)"', page))
    assert set(form) == {"csrf_token", "submission"}, page[:500]
    assert form["submission"] not in http.get("/console/act/register_complaint").get_data(as_text=True)
    data = {**form, **COMPLAINT}
    first = http.post("/console/act/register_complaint", data=data)
    assert first.status_code == 303, first.get_data(as_text=True)[:500]
    before = head(jc)
    second = http.post("/console/act/register_complaint", data=data)
    assert second.status_code == 409 and "本次未再记录" in second.get_data(as_text=True)
    assert head(jc) == before
    tampered = http.post("/console/act/register_complaint", data={**data, "submission": "bad key !"})
    assert tampered.status_code == 303  # a malformed hidden key: recorded as without one, not refused forever


def test_scopes_stay_apart_when_names_and_keys_hold_the_separator(jc):
    """Found by a new-user try: the scope was joined with ':' so user `alice` with key `x:k1` and
    user `alice:x` with key `k1` shared one; the parts are now kept apart (JSON)."""
    jc.token_for(Actor("alice", "MZJ-140500", "civil_affairs"))
    jc.token_for(Actor("alice:x", "MZJ-140500", "civil_affairs"))
    one = jc.post(f"{API}/complaints", COMPLAINT, as_="alice", headers={HEADER: "x:k1"})
    other = jc.post(f"{API}/complaints", COMPLAINT, as_="alice:x", headers={HEADER: "k1"})
    assert (one.status_code, other.status_code) == (201, 201), other.json


def test_every_write_that_documents_the_header_refuses_a_malformed_key(jc):
    """The OpenAPI document lists the header on every write; a malformed one is 422 on each, also
    where it changes nothing (token issue)."""
    before = head(jc)
    grant = {"user": "bob", "agency": "MZJ-140500", "role": "civil_affairs"}
    r = jc.post(f"{API}/tokens", grant, as_="admin", headers={HEADER: "not a valid key!!"})
    assert r.status_code == 422 and HEADER in r.json["fields"], r.json
    assert head(jc) == before


def test_a_key_sent_as_utf8_bytes_is_read_as_utf8_and_nfkc_folded():
    """A WSGI server hands header values over as latin-1 text: a full-width key sent in UTF-8 is
    folded by NFKC; bytes that are not UTF-8 are refused, not folded (0xB2 alone is no '2')."""
    from supervision.domain.errors import InvalidValue
    from supervision.idempotency import normalise_key

    assert normalise_key("ＦＷ１".encode().decode("latin-1")) == "FW1"
    assert normalise_key("ＦＷ１") == "FW1"  # an in-process client hands text over as it is
    with pytest.raises(InvalidValue, match=HEADER):
        normalise_key("sup\xb2")


def test_concurrent_twins_of_a_keyed_receipt_record_one_and_each_other_names_it(pg_client):
    """Found by a new-user try: of 8 identical keyed receipts sent at once, one 409 said the ledger
    "was changed by another command at the same time; re-read and retry" (its twin had won the
    ledger's version), inviting a retry. Each now names the entry under the key."""
    import threading

    client = pg_client
    client.tokens["market"] = client.container.tokens.issue(Actor("market-jc", "SCJG-140500", "market"))
    at(client, "2025-01-06")
    register(client)
    at(client, "2026-11-30")
    path = f"{API}/prepaid/{USCC}/receipts"
    headers = {HEADER: "twin-receipt-1", "Authorization": f"Bearer {client.tokens['market']}"}
    barrier, answers = threading.Barrier(6), []

    def send() -> None:
        http = client.flask.test_client()
        barrier.wait()
        r = http.post(path, json=RECEIPT, headers=headers)
        answers.append((r.status_code, r.get_json()))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(code for code, _ in answers) == [201] + [409] * 5, answers
    assert all(HEADER in body["fields"] for code, body in answers if code == 409), answers
