"""Findings of a first-hour try of the running demo (helper `breakit`), each kept as the rule it broke."""

from __future__ import annotations

from supervision.domain.values import Actor
from tests.support import facility_payload

FUJIAN = "91350100M000100Y43"  # region 350102 (福州市鼓楼区)
RESIDENTS = f"/api/v1/prepaid/{FUJIAN}/residents"


def test_residents_prepaid_balances_are_read_only_inside_the_reader_s_jurisdiction(client):
    """Per-resident balances are a non-public read: an agency of another province gets 403 (issue 10:
    non-public reads are scoped like commands), an agency whose jurisdiction holds the facility 200."""
    registered = client.post("/api/v1/facilities", facility_payload(uscc=FUJIAN, region_code="350102"))
    assert registered.status_code == 201, registered.json
    r = client.post(f"/api/v1/prepaid/{FUJIAN}/receipts",
                    {"occurred_on": "2026-11-01", "kind": "deposit", "resident_ref": "R-0001",
                     "amount_fen": 300_000, "monthly_bed_fee_fen": 300_000}, as_="market")
    assert r.status_code in (201, 202), r.json
    shanxi = client.token_for(Actor("jc-sj", "SCJG-140500", "market"))
    fuzhou = client.token_for(Actor("fz-sj", "SCJG-350100", "market"))
    outside = client.http.get(RESIDENTS, headers={"Authorization": f"Bearer {shanxi}"})
    assert outside.status_code == 403 and "jurisdiction rule" in outside.json["error"]
    assert "R-0001" not in outside.get_data(as_text=True)
    inside = client.http.get(RESIDENTS, headers={"Authorization": f"Bearer {fuzhou}"})
    assert inside.status_code == 200, inside.json
    assert [b["resident_ref"] for b in inside.json["balances"]] == ["R-0001"]


def test_a_front_server_refusal_of_a_raw_non_ascii_url_explains_percent_encoding_instead_of_mojibake():
    """gunicorn refuses `GET /api/v1/facilities?name=城` (raw UTF-8 bytes) itself and echoed the line
    decoded as Latin-1 (`\\u00e5\\\\x9f\\\\x8e`); the JSON answer now says what to do."""
    import json
    import socket

    from gunicorn.http.errors import InvalidRequestLine

    from infra.gunicorn_errors import NON_ASCII_REQUEST_LINE, write_json_error

    raw_line = "GET /api/v1/facilities?name=城 HTTP/1.1".encode().decode("latin-1")
    gunicorn_mesg = f"Invalid Request Line '{InvalidRequestLine(raw_line)}'"  # as gunicorn's handle_error
    assert not gunicorn_mesg.isascii()
    ours, theirs = socket.socketpair()
    with ours, theirs:
        write_json_error(ours, 400, "Bad Request", gunicorn_mesg)
        ours.shutdown(socket.SHUT_WR)
        raw = b""
        while chunk := theirs.recv(65536):
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b"Content-Type: application/json" in head
    parsed = json.loads(body)
    assert parsed == {"error": f"Bad Request: {NON_ASCII_REQUEST_LINE}", "fields": {},
                      "request_id": parsed["request_id"]}  # every error answer carries its id
    assert "percent-encode" in parsed["error"] and "\\x" not in parsed["error"]
    # other refusals keep gunicorn's own (ASCII) message
    ours, theirs = socket.socketpair()
    with ours, theirs:
        write_json_error(ours, 400, "Bad Request", "Invalid HTTP Version 'HTTP/9'")
        ours.shutdown(socket.SHUT_WR)
        assert b"Invalid HTTP Version 'HTTP/9'" in theirs.recv(65536)


def test_the_local_broker_is_outside_the_caller_s_process_group_so_ctrl_c_does_not_kill_it_first(tmp_path):
    """Ctrl-C on `eldercare demo` signals its whole foreground process group; the broker was in it, died at
    once, and the still-running relay logged ECONNREFUSED errors before it stopped. The broker now runs
    in a session of its own and is stopped by its owner (at exit, or by the kernel if the owner dies)."""
    import os

    from infra.broker import LocalBroker

    broker = LocalBroker(log_dir=tmp_path / "broker").start()
    try:
        assert os.getpgid(broker.pid) != os.getpgid(0)
        assert os.getsid(broker.pid) == broker.pid  # its own session: no terminal's signals reach it
        assert broker.is_running
    finally:
        broker.stop()
    assert not broker.is_running


def test_an_empty_answer_as_a_table_says_none_instead_of_printing_a_blank_line():
    """`eldercare parked list --format table` with nothing parked printed one empty line."""
    import click
    from click.testing import CliRunner

    from infra.cli_support import echo_json

    @click.command()
    @click.argument("fmt")
    def show(fmt: str) -> None:
        click.get_current_context().meta["output_format"] = fmt
        echo_json([])
        echo_json({"total": 0, "page": 1, "items": []})

    assert CliRunner().invoke(show, ["table"]).output == "none\ntotal 0, page 1: none\n"
    assert CliRunner().invoke(show, ["json"]).output.split() == ["[]", "{", '"total":', "0,", '"page":', "1,",
                                                                   '"items":', "[]", "}"]


def test_every_term_of_the_help_glossary_is_explained_in_a_whole_phrase():
    """`eldercare --help` explained 执法检查人员名录库 as "... inspectors drawn from" (cut short)."""
    from infra.cli import GLOSSARY

    entries = [line for line in GLOSSARY.splitlines() if line.startswith("  ")]
    assert len(entries) >= 10
    for line in entries:
        assert line.split()[-1] not in {"from", "of", "to", "by", "with", "for", "the", "a", "and"}, line


def test_the_openapi_document_states_that_through_dates_are_inclusive(client):
    """Issue 16: "one meaning for 'through' dates (inclusive end) in every output, stated in the OpenAPI
    document" — the document said it nowhere."""
    info = client.get("/api/openapi.json").json["info"]
    assert "inclusive" in info["description"] and "expires_on" in info["description"]


def test_the_demo_s_hints_name_the_cli_as_the_user_can_run_it(tmp_path, monkeypatch):
    """`./dev.sh demo` printed `... eldercare facility list`, but the venv is not on PATH: the command is
    not found. The hint now names `.venv/bin/eldercare` (relative to where the demo was started)."""
    from infra.demo import cli_command

    script = tmp_path / ".venv" / "bin" / "eldercare"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert cli_command(str(script), tmp_path) == ".venv/bin/eldercare"
    assert cli_command(str(script), tmp_path / "elsewhere") == str(script.resolve())
    monkeypatch.setenv("PATH", f"{script.parent}:/usr/bin:/bin")
    assert cli_command(str(script), tmp_path) == "eldercare"  # on PATH: the plain name works
    assert cli_command("/repo/infra/__main__.py", tmp_path) == "eldercare"  # `python -m infra`


def test_a_mistyped_sqlite_database_url_is_an_error_not_a_new_empty_store(tmp_path, monkeypatch):
    """`DATABASE_URL=sqlite:////tmp/typo/x.sqlite eldercare facility list` created /tmp/typo/, an empty
    store and its views, and answered `"total": 0` with rc 0 (issue 16: a missing store is an error
    naming where it looked, never a new empty one)."""
    from click.testing import CliRunner

    from infra.cli import main

    missing = tmp_path / "typo" / "x.sqlite"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{missing}")
    monkeypatch.setenv("ELDERCARE_VAR_DIR", str(tmp_path / "var"))
    result = CliRunner().invoke(main, ["facility", "list", "--format", "json"])
    assert result.exit_code == 78, result.output
    assert str(missing) in result.output and "does not exist" in result.output
    assert not (tmp_path / "typo").exists()
    # `init` is how a new store is made on purpose
    assert CliRunner().invoke(main, ["init"]).exit_code == 0
    listed = CliRunner().invoke(main, ["facility", "list", "--format", "json"])
    assert listed.exit_code == 0 and '"total": 0' in listed.output


def test_a_second_worker_for_the_same_store_exits_75_with_a_clear_reason_not_a_traceback(tmp_path):
    """`eldercare worker` beside a running demo (docs/processes.md: one worker per database) died with an
    `OSError: [Errno 98] Address already in use` traceback, rc 1."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from infra.wakeup import Listener, worker_address

    url, var = f"sqlite:///{tmp_path}/events.sqlite", tmp_path / "var"
    holder = Listener(worker_address(var, url), lambda: None)  # the running worker's socket
    holder.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ELDERCARE_", "DATABASE_URL"))}
    env.update(DATABASE_URL=url, ELDERCARE_VAR_DIR=str(var), ELDERCARE_LOG_FORMAT="json")
    subprocess.run([sys.executable, "-m", "infra", "init"], env=env, capture_output=True, check=True,
                   timeout=120, cwd=Path(__file__).parents[2])  # the store the running worker serves
    try:
        done = subprocess.run([sys.executable, "-m", "infra", "worker"], env=env, capture_output=True,
                              text=True, timeout=120, cwd=Path(__file__).parents[2])
    finally:
        holder.close()
    assert done.returncode == 75, done.stderr[-2000:]
    assert "worker_already_running" in done.stderr and "one worker per database" in done.stderr
    assert "Traceback" not in done.stderr
