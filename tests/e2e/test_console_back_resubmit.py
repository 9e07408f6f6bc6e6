"""A receipt is recorded once when the regulator presses the browser's Back after submitting it and
submits again (Debian's Chromium via Playwright, the console served by a werkzeug thread on
PostgreSQL).

Every GET of a form renders a fresh idempotency key (the page is `no-store`, so Back fetches it
again). Had the browser restored the typed values into that fresh form, its Submit would record a
second receipt under the new key; the console's forms say `autocomplete="off"`, so Back shows the
form empty (the uscc prefilled from the link, as on first sight) and an empty Submit records nothing."""

from __future__ import annotations

import pytest

from tests.browser import chromium, needs_chromium
from tests.e2e import test_console_week as week
from tests.e2e.test_console_week import F1, sign_in_by_keyboard, submit

district, served = week.district, week.served  # the week's district and its server (fixtures)

pytestmark = [pytest.mark.slow, needs_chromium]


def test_back_after_a_recorded_receipt_then_submit_records_it_once(served):
    client, tokens, site = served
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in_by_keyboard(page, site, tokens["civil_affairs"])
        page.goto(f"{site}/console/act/record_prepayment?uscc={F1}")
        submit(page, {"kind": "membership_fee", "resident_ref": "R-0777", "amount_fen": "777"})
        page.wait_for_url(f"**/console/facilities/{F1}/prepaid")
        assert "已完成：登记预收费用" in page.content()

        page.go_back()
        page.wait_for_url("**/console/act/record_prepayment*")
        page.wait_for_load_state()
        shown = {name: page.locator(f"#f-{name}").input_value()
                 for name in ("kind", "resident_ref", "amount_fen")}
        prefilled = page.locator("#f-uscc").input_value()
        page.locator("form.form button[type=submit]").click()
        page.wait_for_load_state()
        again = page.content()

    balances = client.get(f"/api/v1/prepaid/{F1}/residents", as_="civil_affairs").json["balances"]
    assert [(b["resident_ref"], b["received_fen"]) for b in balances] == [("R-0777", 777)]
    assert shown == {"kind": "", "resident_ref": "", "amount_fen": ""}, shown  # nothing restored
    assert prefilled == F1  # the link's prefill, as on first sight
    assert "未能提交" in again and 'id="e-amount_fen"' in again  # the empty form refused, nothing written
