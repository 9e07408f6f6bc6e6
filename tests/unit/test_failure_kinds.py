"""Every pipeline failure is transient (retry) or permanent (park): the shared classification."""

from __future__ import annotations

import json
import sqlite3

import psycopg
import pytest
import sqlalchemy.exc
from eventsourcing import persistence
from kafka import errors as kafka_errors

from consumers.relay import BrokerUnavailable
from projections.failures import PERMANENT, TRANSIENT, backoff_delay, classify
from supervision.domain.errors import ConcurrentModification
from supervision.unavailable import StoreUnavailable


def _wrapped(exc: BaseException) -> BaseException:
    try:
        try:
            raise exc
        except BaseException as inner:
            raise ValueError("while applying") from inner
    except ValueError as outer:
        return outer


@pytest.mark.parametrize("exc", [
    StoreUnavailable("connection refused"),
    BrokerUnavailable("broker did not acknowledge within 2s"),
    ConcurrentModification("the ledger"),
    sqlalchemy.exc.OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked")),
    persistence.OperationalError("server closed the connection"),
    psycopg.OperationalError("connection refused"),
    kafka_errors.KafkaTimeoutError("Failed to update metadata"),
    kafka_errors.KafkaConnectionError("down"),
    TimeoutError(),
    ConnectionResetError(),
    _wrapped(StoreUnavailable("down")),
])
def test_the_outside_world_not_answering_is_transient(exc):
    assert classify(exc) == TRANSIENT


def _recursion() -> RecursionError:
    try:
        json.loads("[" * 100_000 + "]" * 100_000)
    except RecursionError as exc:
        return exc
    raise AssertionError("json accepted 100,000 levels")


@pytest.mark.parametrize("exc", [
    _recursion(),
    OverflowError("Python int too large to convert to SQLite INTEGER"),
    sqlalchemy.exc.DataError("INSERT", {}, psycopg.DataError("integer out of range")),
    persistence.DataError("value too long"),
    kafka_errors.MessageSizeTooLargeError("The message is 1200000 bytes"),
    UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
    ValueError("bad value"),
    TypeError("unsupported"),
    KeyError("criterion"),
    AttributeError("'Decided' object has no attribute 'conduct'"),
    # a driver error about the item, wrapped in an operational-looking layer, is still the item's
    _wrapped(OverflowError("x")),
])
def test_the_item_itself_failing_is_permanent(exc):
    assert classify(exc) == PERMANENT


def test_backoff_grows_and_is_bounded():
    delays = [backoff_delay(n, base=0.5, cap=30.0) for n in range(1, 10)]
    assert delays[:4] == [0.5, 1.0, 2.0, 4.0] and max(delays) == 30.0 and delays == sorted(delays)
