"""Group commit (infra/group_commit.py) on the real PostgreSQL event store: concurrent saves share
transactions, each save is told its own outcome, and nothing is lost or doubled."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import OperationalError

from infra.group_commit import GroupCommit
from infra.sample_city import facilities
from supervision.application import Context
from supervision.domain.errors import FacilityAlreadyRegistered
from tests.support import ROLE_ACTORS, make_container

pytestmark = pytest.mark.integration

CTX = Context(ROLE_ACTORS["civil_affairs"], source="api")
THREADS = 8


def _held_first(group: GroupCommit) -> threading.Event:
    """Hold the first shared transaction until released, so that the other saves queue behind it
    (without this, whether saves meet in one transaction depends on the machine's timing)."""
    release = threading.Event()
    insert = group._insert
    calls = [0]

    def held(events: Sequence[Any], **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == 1:
            release.wait(10)
        return insert(events, **kwargs)

    group._insert = held
    return release


def _run(threads: list[threading.Thread], release: threading.Event, group: GroupCommit,
         queued: int) -> None:
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while len(group._queue) < queued and time.monotonic() < deadline:
        time.sleep(0.01)
    release.set()
    for thread in threads:
        thread.join(30)


def test_concurrent_registrations_share_transactions_and_each_gets_its_own_ids(pg_url, tmp_path: Path):
    container = make_container(pg_url, tmp_path / "var")
    try:
        app, dispatcher = container.app, container.dispatcher
        group = container.group_commit
        assert group is not None  # on by default on PostgreSQL
        release = _held_first(group)
        rows = list(facilities(THREADS * 3, seed=41))
        accepted: dict[str, Any] = {}
        errors: list[BaseException] = []

        def register(k: int) -> None:
            try:
                for row in rows[k * 3 : (k + 1) * 3]:
                    accepted[row["uscc"]] = dispatcher.dispatch("register_facility", row, CTX)
            except BaseException as exc:  # reported below
                errors.append(exc)

        before = group.transactions
        _run([threading.Thread(target=register, args=(k,)) for k in range(THREADS)], release, group,
             queued=THREADS - 1)
        assert not errors, errors
        assert len(accepted) == THREADS * 3
        assert group.transactions - before < THREADS * 3  # some saves shared a transaction
        # each command was told the notification id of its own event, and each event is stored once
        notifications = {n.id: n for n in app.recorder.select_notifications(1, 10_000)}
        for uscc, result in accepted.items():
            stored = app.mapper.to_domain_event(notifications[result.notification_id])
            assert stored.uscc == uscc
        registered = [n for n in notifications.values() if n.topic.endswith("Facility.Registered")]
        assert len(registered) == THREADS * 3
    finally:
        container.close()


def test_a_conflict_in_a_shared_transaction_fails_only_its_own_command(pg_url, tmp_path: Path):
    container = make_container(pg_url, tmp_path / "var")
    try:
        app, dispatcher = container.app, container.dispatcher
        group = container.group_commit
        assert group is not None
        release = _held_first(group)
        rows = list(facilities(THREADS, seed=42))
        rows[5] = dict(rows[2])  # two commands register the same facility: one of them must lose
        outcomes: dict[int, Any] = {}

        def register(k: int) -> None:
            try:
                outcomes[k] = dispatcher.dispatch("register_facility", rows[k], CTX)
            except FacilityAlreadyRegistered as exc:
                outcomes[k] = exc

        _run([threading.Thread(target=register, args=(k,)) for k in range(THREADS)], release, group,
             queued=THREADS - 1)
        lost = [k for k, o in outcomes.items() if isinstance(o, FacilityAlreadyRegistered)]
        assert len(outcomes) == THREADS and len(lost) == 1 and lost[0] in (2, 5), outcomes
        registered = [n for n in app.recorder.select_notifications(1, 10_000)
                      if n.topic.endswith("Facility.Registered")]
        assert len(registered) == THREADS - 1  # every other command committed, once
    finally:
        container.close()


def test_an_unreachable_store_is_raised_to_every_save_of_the_transaction() -> None:
    calls: list[int] = []

    def down(events: Sequence[Any], **_: Any) -> Sequence[int]:
        calls.append(len(events))
        time.sleep(0.05)
        raise OperationalError("connection refused")

    group = GroupCommit(down)
    raised: list[BaseException] = []

    def save(k: int) -> None:
        try:
            group.insert_events([k])
        except OperationalError as exc:
            raised.append(exc)

    threads = [threading.Thread(target=save, args=(k,)) for k in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(raised) == THREADS
    assert sum(calls) == THREADS and len(calls) < THREADS  # shared, and never retried alone


def test_group_commit_off_saves_alone(pg_url, tmp_path: Path) -> None:
    container = make_container(pg_url, tmp_path / "var", group_commit=False)
    try:
        container.app  # noqa: B018 - opens the store
        assert container.group_commit is None
    finally:
        container.close()


def test_a_leader_interrupted_mid_transaction_leaves_no_other_save_unanswered() -> None:
    """A thread interrupted while it leads (a BaseException: KeyboardInterrupt, a worker's exit)
    fails only its own save; every save it carried is inserted again alone, none is told it was
    stored when it was not."""
    committed: list[Any] = []
    first = threading.Event()
    queued = threading.Event()

    def insert(events: Sequence[Any], **_: Any) -> Sequence[int]:
        if len(events) > 1:  # the shared transaction: interrupted before anything committed
            raise KeyboardInterrupt
        if not first.is_set():
            first.set()
            queued.wait(10)  # hold the leader's own transaction until the others queued
            raise KeyboardInterrupt
        committed.extend(events)
        return [len(committed)]

    group = GroupCommit(insert)
    outcomes: dict[int, Any] = {}

    def save(k: int) -> None:
        try:
            outcomes[k] = group.insert_events([k])
        except KeyboardInterrupt as exc:
            outcomes[k] = exc

    leader = threading.Thread(target=save, args=(0,))
    leader.start()
    first.wait(10)
    others = [threading.Thread(target=save, args=(k,)) for k in range(1, 5)]
    for thread in others:
        thread.start()
    while len(group._queue) < 4:
        time.sleep(0.01)
    queued.set()
    for thread in [leader, *others]:
        thread.join(10)
    assert isinstance(outcomes[0], KeyboardInterrupt)
    # the next leader (save 1) is interrupted in the shared transaction too: its own save fails with
    # it, and the three it carried each went alone and were stored
    assert isinstance(outcomes[1], KeyboardInterrupt)
    assert sorted(committed) == [2, 3, 4]
    assert all(isinstance(outcomes[k], list) and len(outcomes[k]) == 1 for k in range(2, 5)), outcomes
