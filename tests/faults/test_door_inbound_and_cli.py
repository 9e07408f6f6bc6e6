"""The same door for inbound Kafka records and CLI options (issue 9, items 1, 4, 5).

Inbound records are decoded into the API's own command schemas, so the bounds refuse them with a reason
(for the dead-letter topic) exactly as HTTP does; CLI options and `--data` refuse out-of-range values and
deep nesting with exit code 2 and no traceback.
"""

from __future__ import annotations

import json

from consumers.inbound import Decoded, Rejected, decode
from tests.e2e.test_import_cli import cli, issue_token
from tests.unit.test_inbound_decode import DISPATCHER, FINDING, FIRE, HOTLINE, headers

WORK_ORDER = {"schema_version": 1, "uscc": "91350100M000100Y43", "reference": "12345-1", "category": "fees",
              "summary": "押金"}


def test_inbound_records_that_cannot_be_kept_are_rejected_with_the_field_named():
    cases = [
        (FIRE, {**FINDING, "location": "2号楼\u0000"}, "location"),
        (FIRE, {**FINDING, "description": "x" * 1001}, "description"),
        (FIRE, {**FINDING, "finding_no": "XF-1\n"}, "finding_no"),
        (FIRE, {**FINDING, "finding_no": "XF-١"}, "finding_no"),
        (HOTLINE, {**WORK_ORDER, "summary": "\ud800"}, "summary"),
        (HOTLINE, {**WORK_ORDER, "complainant": {"phone": "13800138000\n"}}, "complainant.phone"),
    ]
    for topic, body, field in cases:
        value = json.dumps(body).encode()
        out = decode(topic, headers(topic.ce_type), value, DISPATCHER)
        assert isinstance(out, Rejected) and field in out.fields, (field, out)


def test_a_full_width_inbound_finding_number_is_the_same_finding_in_ascii():
    out = decode(FIRE, headers(), json.dumps({**FINDING, "finding_no": "ＸＦ－１"}).encode(), DISPATCHER)
    assert isinstance(out, Decoded)
    assert DISPATCHER.load("record_fire_finding", out.payload)["finding_no"] == "XF-1"


def test_cli_options_and_data_beyond_the_bounds_exit_2_without_a_traceback(tmp_path):
    url = f"sqlite:///{tmp_path}/events.sqlite"
    var = tmp_path / "var"
    token = issue_token(var, url)
    for args in (
        ("facility", "list", "--page", "10000000000000000000"),
        ("facility", "list", "--region", "1٤"),
        ("facility", "list", "--region", "14\n"),
        ("complaint", "list", "--page", "10000000000000000000"),
    ):
        result = cli(var, url, *args, token=token)
        assert result.returncode == 2, (args, result.stderr[-500:])
        assert "Traceback" not in result.stderr
    ok = cli(var, url, "facility", "list", "--region", "１４", "--json", token=token)
    assert ok.returncode == 0, ok.stderr[-500:]
    nested = tmp_path / "nested.json"
    nested.write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    result = cli(var, url, "complaint", "register", "--data", f"@{nested}", token=token)
    assert "Traceback" not in result.stderr and result.returncode == 2, result.stderr[-500:]
