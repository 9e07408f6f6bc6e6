"""Public reads served from memory while their views stand still (supervision/api/view_cache.py), on
real PostgreSQL with the projections running: never stale after a write, a new day or a rebuild of
another answer; ETag / If-None-Match answers 304; errors are never kept; bounded."""

from __future__ import annotations

from datetime import timedelta

from supervision.api.view_cache import Entry, ViewCache, cache_for
from tests.e2e.duties_support import USCC, register
from tests.support import facility_payload

LIST = "/api/v1/facilities?region_code=140502"
OTHER = "91350100M000200Y3P"


def test_a_list_is_answered_from_memory_until_its_view_moves(pg_client):
    cache = cache_for(pg_client.flask)
    register(pg_client)
    first = pg_client.get(LIST)
    assert first.status_code == 200 and first.json["total"] == 1
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-cache"
    hits = cache.hits
    again = pg_client.get(LIST)
    assert cache.hits == hits + 1  # the same bytes, from memory
    assert again.data == first.data and again.headers["ETag"] == etag

    # a write moves the view: the next read sees it at once (read-your-writes), under a new ETag
    r = pg_client.post("/api/v1/facilities", facility_payload(uscc=OTHER, region_code="140502"))
    assert r.status_code == 201, r.json
    after = pg_client.get(LIST)
    assert after.json["total"] == 2 and after.headers["ETag"] != etag
    assert {i["uscc"] for i in after.json["items"]} == {USCC, OTHER}


def test_if_none_match_answers_304_without_a_body_and_200_once_the_list_changed(pg_client):
    register(pg_client)
    etag = pg_client.get(LIST).headers["ETag"]
    unchanged = pg_client.get(LIST, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b"" and unchanged.headers["ETag"] == etag
    assert pg_client.get(LIST, headers={"If-None-Match": '"something-else"'}).status_code == 200
    # If-None-Match compares weakly (RFC 9110 13.1.2): a W/ form of the tag, or *, is a match too
    assert pg_client.get(LIST, headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert pg_client.get(LIST, headers={"If-None-Match": f'"other", {etag}'}).status_code == 304
    assert pg_client.get(LIST, headers={"If-None-Match": "*"}).status_code == 304
    head = pg_client.http.head(LIST)  # HEAD: the same validators, no body
    assert head.status_code == 200 and head.headers["ETag"] == etag and head.data == b""
    assert pg_client.http.head(LIST, headers={"If-None-Match": etag}).status_code == 304

    pg_client.post("/api/v1/facilities", facility_payload(uscc=OTHER, region_code="140502"))
    changed = pg_client.get(LIST, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.json["total"] == 2


def test_each_query_string_and_each_day_has_its_own_answer(pg_client):
    register(pg_client)
    one = pg_client.get(LIST + "&page_size=1")
    two = pg_client.get(LIST + "&page_size=2")
    assert one.json["page_size"] == 1 and two.json["page_size"] == 2
    assert one.headers["ETag"] != two.headers["ETag"]
    grades = "/api/v1/public/grades"
    today = pg_client.get(grades).json["as_of"]
    clock = pg_client.container.clock
    tomorrow = (clock() + timedelta(days=1))
    clock.set(tomorrow)
    assert pg_client.get(grades).json["as_of"] == tomorrow.isoformat() != today


def test_errors_are_computed_every_time_and_never_kept(pg_client):
    cache = cache_for(pg_client.flask)
    before = len(cache)
    bad = pg_client.get("/api/v1/facilities?page_size=100000")
    assert bad.status_code == 422 and "ETag" not in bad.headers
    unknown = pg_client.get("/api/v1/public/credit/not-a-list")
    assert unknown.status_code in (404, 422) and "ETag" not in unknown.headers
    assert len(cache) == before
    # the door still runs before the cache: an undeclared parameter is 422 even for a kept answer
    pg_client.get(LIST)
    assert pg_client.get(LIST + "&as_of=2026-01-01").status_code == 422


def test_the_spot_check_results_name_their_facilities_with_one_query(pg_client):
    """The feed names each result's facility from one `names` query (was one query per row)."""
    register(pg_client)
    view = pg_client.container.view("facility_list")
    assert view.names([USCC, OTHER, USCC]) == {USCC: view.get(USCC)["name"]}
    assert view.names([]) == {}
    assert pg_client.get("/api/v1/public/spot-check-results").status_code == 200


def test_the_cache_is_bounded_by_entries_and_bytes_least_recently_used_first():
    cache = ViewCache(max_entries=3, max_bytes=800)
    for n in range(5):
        cache.put(("k", n), Entry((n,), str(n), b"x" * 10))
    assert len(cache) == 3 and cache.get(("k", 0), (0,)) is None and cache.get(("k", 4), (4,))
    assert cache.get(("k", 4), (5,)) is None  # the view moved: not served
    cache.get(("k", 2), (2,))  # used: kept over ("k", 3)
    cache.put(("big",), Entry((1,), "b", b"y" * 99))  # at most an eighth of the bytes: kept
    cache.put(("huge",), Entry((1,), "h", b"z" * 101))  # more: never kept
    assert cache.get(("huge",), (1,)) is None and cache.get(("big",), (1,)) is not None
    assert cache.get(("k", 3), (3,)) is None and cache.get(("k", 2), (2,)) is not None
    for n in range(10):
        cache.put(("m", n), Entry((n,), "m", b"w" * 99))
    assert cache._bytes <= 800 and len(cache) <= 3


def test_turned_off_every_request_computes_its_answer(pg_container, monkeypatch):
    from dataclasses import replace

    from infra.settings import Settings
    from tests.support import Client

    assert Settings.from_env({"ELDERCARE_PUBLIC_CACHE_ENTRIES": "0"}).public_cache_entries == 0
    monkeypatch.setattr(pg_container, "settings", replace(pg_container.settings, public_cache_entries=0))

    pg_container.start_projections()
    client = Client(pg_container)
    register(client)
    answer = client.get(LIST)
    assert answer.status_code == 200 and "ETag" not in answer.headers
    assert not cache_for(client.flask).enabled


def test_a_parked_event_applied_by_a_retry_is_a_change_though_the_position_stays(pg_client):
    """`eldercare parked retry` applies a parked event to the view's rows and resolves its item, the
    position already past it (`Runner.retry_parked`): done here by hand as it does it, one
    transaction; the next read must show the row as it is now, under a new ETag."""
    from sqlalchemy import update

    from projections.parked import parked_store

    register(pg_client)
    view = pg_client.container.view("facility_list")
    store = parked_store(view.engine)
    with view.engine.begin() as conn:
        store.park(conn, pipeline="facility_list", item_key="n:1", error=("Poison", "a bug"), position=1)
    before = pg_client.get(LIST)
    assert before.json["items"][0]["name"] != "重试后的名称"
    item = store.list("facility_list")[0]
    with view.engine.begin() as conn:
        t = view.facilities
        conn.execute(update(t).where(t.c.uscc == USCC).values(name="重试后的名称"))
        store.mark_retried(item, resolved=True, conn=conn)
    after = pg_client.get(LIST)
    assert after.json["items"][0]["name"] == "重试后的名称"
    assert after.headers["ETag"] != before.headers["ETag"]


def test_a_server_that_dropped_every_connection_costs_one_503_not_one_per_pooled_connection(
        pg_container):
    """Found by a new-user try: the positions read (on a pooled driver connection) dropped only the
    connection its statement failed on, so after the server terminated every backend each pooled
    connection answered 503 in turn (five in a row). A disconnect now drops the pool's connections
    from before, as SQLAlchemy's own statements do. No projections run here: only reads use the pool."""
    import threading

    import psycopg

    from tests.support import Client

    client = Client(pg_container)
    assert client.get(LIST).status_code == 200
    barrier = threading.Barrier(6)

    def read() -> None:  # six reads at once: six connections in the pool
        barrier.wait()
        client.flask.test_client().get(LIST)

    threads = [threading.Thread(target=read) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    engine = pg_container.datastore.engine
    assert engine.pool.checkedin() >= 2, "the pool holds several connections"
    with psycopg.connect(pg_container.settings.database_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    statuses = [client.get(LIST).status_code for _ in range(6)]
    assert statuses.count(503) <= 1 and statuses[-1] == 200, statuses
