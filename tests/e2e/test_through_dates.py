"""One meaning of "through" dates (the inclusive last day) on every surface: the regulator's
listing, its explanation, the public list, the rating, the CLI and the OpenAPI document."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.test_credit_lists_http import (  # noqa: F401 - the fixture is used by name
    CREDIT,
    USCC,
    at,
    city_bureaus,
    listed_by_hand,
    public_list,
    register,
    settle,
)

ELDERCARE = str(Path(sys.executable).parent / "eldercare")


def test_a_listing_ends_on_the_same_inclusive_day_everywhere(pg_client):
    client = pg_client
    register(client)
    lid = listed_by_hand(client, "晋民罚〔2026〕31号")  # listed 2026-06-23 for 3 years
    last = "2029-06-23"  # 民法典 art. 201: counted from the next day, ends on the corresponding day

    shown = client.get(f"{CREDIT}/listings/{lid}", as_="civil_affairs").json
    assert shown["expires_on"] == last and shown["through"] == last
    explained = client.get(f"{CREDIT}/listings/{lid}/explain", as_="civil_affairs").json
    assert explained["in_force"]["until"] == last and explained["in_force"]["through"] == last

    (entry,) = public_list(client, "2029-06-23")
    assert entry["expires_on"] == last
    assert public_list(client, "2029-06-24") == []  # the day after the last day: off the list
    (blacklisted,) = public_list(client, "2029-06-23", name="blacklist")
    assert blacklisted["listed_until"] == last

    at(client, "2027-01-04")
    rating = client.get(f"/api/v1/facilities/{USCC}/rating?as_of=2027-01-04", as_="civil_affairs").json
    (in_force,) = rating["listings_in_force"]
    assert in_force["valid_through"] == last

    settle(client)
    env = {**os.environ, "DATABASE_URL": client.container.settings.database_url,
           "ELDERCARE_VAR_DIR": str(client.container.settings.var_dir)}
    cli = subprocess.run([ELDERCARE, "lists", "show", "joint-punishment", "--public", "--as-of", last,
                          "--format", "json"], env=env, capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    (cli_entry,) = json.loads(cli.stdout)["items"]
    assert cli_entry["expires_on"] == last


def test_the_openapi_document_says_through_dates_are_inclusive(client):
    document = client.get("/api/openapi.json").json
    text = json.dumps(document, ensure_ascii=False)
    assert "listed through this day, inclusive" in text
    assert "last day (inclusive)" in text
    assert "Every end date of an\ninterval is inclusive" in document["info"]["description"]
