"""The console is Chinese: a code the API speaks (a complaint category, an inspection's conclusion, a
rating fact and its detail) is shown in words. Seen case (a fresh user on the demo): the today list said
`投诉 da1eb2c2…（fraud_fundraising）`, a campaign's inspections `已公示（problems_rectification_ordered）`,
and a facility's rating table `spot_check_problems_found … spot-check conclusion
problems_rectification_ordered`. Walks the demo's console pages (forms aside: they show each field's API
key on purpose) and finds no snake_case code outside `<code>`."""

from __future__ import annotations

import importlib
import re
from html.parser import HTMLParser

from infra.agency_seed import seed_agencies
from infra.demo import DEMO_STEPS, Demo, demo_tokens, load_facilities
from tests.e2e.test_console_session import signed_in
from tests.support import Client

CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


class _Visible(HTMLParser):
    """The text a reader sees, without `<code>`, scripts and styles (technical references on purpose)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("code", "script", "style"):
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("code", "script", "style"):
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible(page: str) -> str:
    parser = _Visible()
    parser.feed(page)
    return " ".join(parser.parts)


def test_the_demo_s_console_pages_show_no_api_codes(container):
    container.start_projections()
    client = Client(container)
    seed_agencies(container)
    demo = Demo(container)
    load_facilities(container, 12, demo)
    for path in DEMO_STEPS:
        module, _, name = path.partition(":")
        getattr(importlib.import_module(module), name)(container, demo)
    for runner in container.runners():
        runner.catch_up()
    http, _ = signed_in(client, demo_tokens(container)["civil_affairs"])

    todo, seen, codes = ["/console/today"], set(), {}
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        r = http.get(path)
        assert r.status_code == 200, (path, r.status_code)
        page = r.get_data(as_text=True)
        found = set(CODE.findall(visible(page)))
        if found:
            codes[path] = sorted(found)
        for link in re.findall(r'href="(/console/(?:facilities|campaigns|complaints)[^"?#]*)"', page):
            if not link.endswith(("/prepaid", "/identity")):
                todo.append(link)
    assert any(p.startswith("/console/campaigns/") for p in seen)
    assert sum(p.startswith("/console/facilities/") for p in seen) >= 10
    assert codes == {}
