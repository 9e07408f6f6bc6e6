"""A USCC that cannot be valid gets the same answer from the CLI and from HTTP: not found, saying why.

Seen case (a fresh user): `eldercare facility show <USCC with a wrong check character>` exited 2
("check character is wrong") while `GET /api/v1/facilities/<same>` answered 404 "facility … is not
registered", which hid the typo. Both now say "not found" (no such facility can exist: HTTP 404,
the resource; CLI exit 4, as for any unknown id) and why: "facility … is not registered: not a valid
USCC (统一社会信用代码) (uscc: check character is wrong: expected 1, got 2)". The same holds for every
read of one facility by its USCC (`facility explain`, `prepaid show`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from supervision.domain.uscc import check_character
from tests.support import Client, make_container

ROOT = Path(__file__).parents[2]
BODY = "52140502MJY000010"
RIGHT = BODY + check_character(BODY)
WRONG = BODY + ("2" if check_character(BODY) != "2" else "3")
REASON = f"check character is wrong: expected {check_character(BODY)}, got {WRONG[-1]}"


@pytest.fixture
def store(tmp_path, today):
    url, var = f"sqlite:///{tmp_path}/events.sqlite", tmp_path / "var"
    container = make_container(url, var, today=today)
    client = Client(container)
    env = {**{k: v for k, v in os.environ.items() if k != "ELDERCARE_CONFIG"}, "DATABASE_URL": url,
           "ELDERCARE_VAR_DIR": str(var), "ELDERCARE_TODAY": today.isoformat(),
           "ELDERCARE_TOKEN": client.tokens["civil_affairs"], "ELDERCARE_LOG_FORMAT": "json"}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "infra", *args], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120)

    yield client, cli
    container.close()


@pytest.mark.parametrize(("args", "path"), [
    (("facility", "show", WRONG), f"/api/v1/facilities/{WRONG}"),
    (("facility", "explain", WRONG), f"/api/v1/facilities/{WRONG}/explain"),
    (("prepaid", "show", WRONG), f"/api/v1/prepaid/{WRONG}"),
], ids=["facility-show", "facility-explain", "prepaid-show"])
def test_a_uscc_with_a_wrong_check_character_is_not_found_saying_why_in_both(store, args, path):
    client, cli = store
    expected = (f"facility {WRONG} is not registered: not a valid USCC (统一社会信用代码) "
                f"(uscc: {REASON})")
    answer = client.get(path, as_="civil_affairs")
    assert answer.status_code == 404, answer.json
    assert answer.json["error"] == expected
    assert answer.json["fields"] == {"uscc": [REASON]}
    done = cli(*args)
    assert done.returncode == 4, done.stderr
    assert done.stderr.strip() == f"error: {expected}"  # the same words, once


def test_a_valid_uscc_that_is_not_registered_is_still_plainly_not_registered(store):
    client, cli = store
    answer = client.get(f"/api/v1/facilities/{RIGHT}")
    assert answer.status_code == 404 and answer.json["error"] == f"facility {RIGHT} is not registered"
    done = cli("facility", "show", RIGHT)
    assert done.returncode == 4 and f"error: facility {RIGHT} is not registered" in done.stderr
    assert "not a valid" not in done.stderr
