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
