"""A database that refuses the configuration is permanent (exit 78); one that is not answering is not.

`supervision.unavailable.as_unavailable` is the one classification every caller uses (CLI, API,
worker, importer). Seen case: `DATABASE_URL=postgresql://…/no_such_db` exited 69 "retry later" and
`eldercare serve` restarted its worker for ever. psycopg 3 gives no SQLSTATE for a failed connect
(only libpq's message), so both the SQLSTATE and the message are read, on any link of the chain.
"""

from __future__ import annotations

import socket

import psycopg
import psycopg.errors
import psycopg_pool
import pytest
import sqlalchemy.exc
from eventsourcing import persistence

from supervision.unavailable import StoreMisconfigured, StoreUnavailable, as_unavailable, redacted

FAILED = 'connection failed: connection to server at "127.0.0.1", port 5432 failed: FATAL:  '


def _wrapped(exc: BaseException) -> BaseException:
    """As SQLAlchemy raises it (`from` the driver's error), then as our code re-raises."""
    try:
        try:
            raise sqlalchemy.exc.OperationalError("SELECT 1", {}, exc) from exc
        except sqlalchemy.exc.OperationalError as outer:
            raise persistence.OperationalError(str(outer)) from outer
    except persistence.OperationalError as top:
        return top


@pytest.mark.parametrize(("exc", "problem"), [
    (psycopg.OperationalError(FAILED + 'database "no_such_db" does not exist'), "database does not exist"),
    (psycopg.OperationalError(FAILED + 'role "nosuchrole" does not exist'), "role (user) does not exist"),
    (psycopg.OperationalError(FAILED + 'password authentication failed for user "eldercare"'),
     "authentication failed"),
    (psycopg.OperationalError('connection failed: FATAL:  no pg_hba.conf entry for host "10.0.0.9", user '
                              '"eldercare", database "eldercare", no encryption'), "does not admit"),
    (psycopg.OperationalError("connection failed: fe_sendauth: no password supplied"), "authentication"),
    (psycopg.OperationalError('connection is bad: invalid integer value "x" for connection option "port"'),
     "malformed"),
    (psycopg.ProgrammingError('invalid URI query parameter: "bogus"'), "malformed"),
    (psycopg.OperationalError("failed to resolve host 'db.example.invalid': [Errno -2] Name or service "
                              "not known"), "host name does not exist"),
    (psycopg.errors.InvalidCatalogName("whatever the server's language"), "the database does not exist"),
    (psycopg.errors.InvalidPassword("whatever the server's language"), "authentication failed"),
    (psycopg.errors.InvalidAuthorizationSpecification("whatever"), "authentication failed"),
])
def test_a_server_refusing_the_configuration_is_misconfigured_however_wrapped(exc, problem):
    for raised in (exc, _wrapped(exc)):
        found = as_unavailable(raised)
        assert isinstance(found, StoreMisconfigured), (raised, found)
        assert found.permanent and problem in found.problem and found.hint
        assert str(found).startswith(f"database misconfigured: {found.problem}: ")
        assert isinstance(found, StoreUnavailable)  # a caller that knows only "unavailable" still refuses


@pytest.mark.parametrize("exc", [
    psycopg.OperationalError('connection failed: connection to server at "127.0.0.1", port 1 failed: '
                             "Connection refused\n\tIs the server running on that host?"),
    psycopg.OperationalError("connection failed: timeout expired"),
    psycopg.OperationalError("failed to resolve host 'db': [Errno -3] Temporary failure in name resolution"),
    psycopg.OperationalError("FATAL:  the database system is starting up"),
    psycopg.OperationalError("server closed the connection unexpectedly"),
    psycopg_pool.PoolTimeout("couldn't get a connection after 5.00 sec"),
    sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("database is locked")),
    ConnectionRefusedError(),
])
def test_a_server_not_answering_now_stays_transient(exc):
    for raised in (exc, _wrapped(exc)):
        found = as_unavailable(raised)
        assert type(found) is StoreUnavailable and not found.permanent, (raised, found)
        assert str(found).startswith("database unavailable: ")


def test_errors_that_are_not_about_the_database_are_not_classified():
    assert as_unavailable(ValueError('database "x" does not exist')) is None  # not a driver's error
    assert as_unavailable(KeyError("x")) is None


def test_a_permanent_cause_under_a_transient_looking_wrapper_wins():
    cause = psycopg.OperationalError(FAILED + 'database "gone" does not exist')
    try:
        try:
            raise cause
        except psycopg.OperationalError:
            raise psycopg_pool.PoolTimeout("couldn't get a connection after 5.00 sec")  # noqa: B904
    except psycopg_pool.PoolTimeout as outer:
        assert isinstance(as_unavailable(outer), StoreMisconfigured)


def test_no_password_survives_in_a_message():
    text = ("(psycopg.OperationalError) postgresql://eldercare:s3cr%40t@db:5432/x failed; "
            "conninfo host=db password=hunter2 user=x")
    assert redacted(text) == ("(psycopg.OperationalError) postgresql://eldercare:***@db:5432/x failed; "
                              "conninfo host=db password=*** user=x")
    found = as_unavailable(psycopg.OperationalError(
        'connection to postgresql://u:hunter2@h/d failed: FATAL:  database "d" does not exist'))
    assert found is not None and "hunter2" not in str(found) and "u:***@h" in str(found)


def test_the_resolver_s_answers_are_told_apart_as_libc_numbers_them():
    assert socket.EAI_NONAME == -2 and socket.EAI_AGAIN == -3  # the numbers the patterns rely on


def test_a_background_loop_logs_a_refused_configuration_as_permanent_with_its_hint_and_no_trace():
    """The runners, the relay and the clock retry either way; what they log differs: a database that
    refuses the configuration is an error saying so (`permanent=True`, the hint), without a traceback;
    anything else keeps its traceback for whoever debugs it."""
    import structlog

    from supervision.unavailable import log_failure

    log = structlog.get_logger("test")
    with structlog.testing.capture_logs() as logs:
        try:
            raise _wrapped(psycopg.OperationalError(FAILED + 'database "no_such_db" does not exist'))
        except Exception as exc:
            log_failure(log, "projection_failed", exc, view="grades", retry_in_s=1.0)
        try:
            raise _wrapped(psycopg.OperationalError("connection refused"))
        except Exception as exc:
            log_failure(log, "projection_failed", exc, view="grades", retry_in_s=2.0)
    refused, down = logs
    assert refused["log_level"] == "error" and refused["permanent"] is True
    assert refused["problem"] == "the database does not exist" and "createdb" in refused["hint"]
    assert refused["view"] == "grades" and "exc_info" not in refused
    assert down["log_level"] == "error" and down["exc_info"] is True and "permanent" not in down


def test_the_detail_reads_alike_whichever_layer_raised_it():
    """`eldercare init` (SQLAlchemy's error first) and `facility list` (psycopg's) said the same
    failure with and without SQLAlchemy's `(psycopg.OperationalError)` prefix."""
    driver = psycopg.OperationalError("connection failed: Connection refused")
    wrapped = sqlalchemy.exc.OperationalError("SELECT 1", {}, driver)
    assert str(wrapped).startswith("(psycopg.OperationalError)")
    said = "connection failed: Connection refused"
    assert as_unavailable(wrapped).detail == as_unavailable(driver).detail == said
