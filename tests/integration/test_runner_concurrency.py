"""Two runners of the same view (say `serve` and `eldercare tick`) never apply an event twice."""

from __future__ import annotations

import threading

from infra.sample_city import facilities
from supervision.application import Context
from tests.support import ROLE_ACTORS, make_container


def test_two_processes_catching_up_one_view_take_turns_and_apply_each_event_once(pg_url, tmp_path):
    writer = make_container(pg_url, tmp_path / "a")
    _ = writer.app  # its key is the store's (infra/key_check.py): a second process must share it
    key = (tmp_path / "a" / "secret.key").read_bytes()
    other = make_container(pg_url, tmp_path / "b", secret_keys=(key,))  # a second process: own engine, app
    try:
        ctx = Context(ROLE_ACTORS["civil_affairs"], "import")
        built = [writer.app.new_facility(ctx, **writer.dispatcher.load("register_facility", r))
                 for r in facilities(600)]
        for i in range(0, 600, 50):
            writer.app.register_facilities(built[i : i + 50])
        runners = [writer.runner("timeline", batch_size=40), other.runner("timeline", batch_size=40)]
        errors: list[BaseException] = []
        barrier = threading.Barrier(2)

        def run(runner):
            barrier.wait()
            try:
                runner.catch_up()
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(r,)) for r in runners]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        view = writer.view("timeline")
        with view.engine.connect() as conn:
            from sqlalchemy import func, select

            rows = conn.execute(select(func.count()).select_from(view.entries)).scalar_one()
        assert rows == 600
        head = writer.app.recorder.max_notification_id()  # 600 facilities after the seed agencies
        assert runners[0].position() == runners[1].position() == head
    finally:
        writer.close()
        other.close()


def test_a_view_set_back_by_a_rebuild_elsewhere_is_caught_up_without_a_new_event(pg_url, tmp_path,
                                                                                    monkeypatch):
    """A rebuild in another process resets a view and replays it to the head it read; the worker
    here had applied further. Its coordinator believed the view caught up (in memory) and waited
    for the view's next event: two events behind for good when none came (the concurrent-rebuild
    fault test, under load). Now it notices the stored position fell below what it wrote."""
    from projections import runner as runner_module

    monkeypatch.setattr(runner_module, "RECHECK_S", 0.3)
    worker = make_container(pg_url, tmp_path / "a")
    _ = worker.app
    key = (tmp_path / "a" / "secret.key").read_bytes()
    other = make_container(pg_url, tmp_path / "b", secret_keys=(key,))  # the rebuilding process
    try:
        ctx = Context(ROLE_ACTORS["civil_affairs"], "api")
        worker.start_projections()
        for row in facilities(5):
            worker.dispatcher.dispatch("register_facility", row, ctx)
        head = worker.app.recorder.max_notification_id()
        assert worker.wait_for(head)
        rebuilt = other.runner("facility_list")
        rebuilt.view.reset_tables(rebuilt.name)  # the other process's rebuild, ending two short
        rebuilt.catch_up(head=head - 2)
        assert worker.view("facility_list").max_tracking_id(worker.app.name) == head - 2
        deadline = threading.Event()
        for _ in range(100):  # up to 10 s; the recheck runs every 0.3 s here
            if worker.view("facility_list").max_tracking_id(worker.app.name) == head:
                break
            deadline.wait(0.1)
        assert worker.view("facility_list").max_tracking_id(worker.app.name) == head
        with worker.datastore.engine.connect() as conn:  # the two events applied again, once each
            assert conn.exec_driver_sql("SELECT count(*) FROM facility_list").scalar() == 5
    finally:
        worker.close()
        other.close()
