"""A navigator works an open referral from the search page in a real browser (Debian's Chromium, headless):
opens it, moves it on, searches, proposes two results, records the start; checked in the store, and
axe-core finds no serious or critical violation on the pages on the way.

Skipped with a reason when Chromium, its driver or selenium is missing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from api.extensions import get_store
from referrals import service
from referrals.models import ReferralOffer
from tests.api.browser import axe_violations, screenshot, sign_in_browser
from tests.api.conftest import auth

pytestmark = pytest.mark.browser


def _wait_for(browser: Any, element_id: str, text: str | None = None) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    wait = WebDriverWait(browser, 30)
    if text is not None:
        wait.until(expected_conditions.text_to_be_present_in_element((By.ID, element_id), text))
    return wait.until(expected_conditions.presence_of_element_located((By.ID, element_id)))


def _move(browser: Any, to: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.select import Select

    Select(browser.find_element(By.ID, "to")).select_by_value(to)


def test_a_navigator_proposes_offers_and_moves_the_referral(  # type: ignore[no-untyped-def]
    browser, live_url: str, demo_app: Flask
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.select import Select

    body = {"citizen_ref": "lp-7f3a91", "external_ref": "browser-ref-1", "consent": True}
    res = demo_app.test_client().post("/api/v1/referrals", json=body, headers=auth(demo_app, "referral_system"))
    assert res.status_code == 201
    referral_id = res.json["id"]

    sign_in_browser(browser, live_url, demo_app.config["KEYS"]["navigator"], start="/navigator/")
    browser.get(f"{live_url}/navigator/")
    _wait_for(browser, "choose-referral")
    assert axe_violations(browser) == []  # the choice of an open referral
    Select(browser.find_element(By.ID, "henvisning-valg")).select_by_value(referral_id)
    browser.find_element(By.CSS_SELECTOR, "#choose-referral button[type=submit]").click()
    assert _wait_for(browser, "ref-status").text == "Modtaget"
    assert axe_violations(browser) == []

    _move(browser, "contacted")
    browser.find_element(By.ID, "save-status").click()
    _wait_for(browser, "ref-notice", "Borgeren er kontaktet")

    _move(browser, "assessed")  # without interests first: the lifecycle asks for them, in Danish
    browser.find_element(By.ID, "save-status").click()
    assert _wait_for(browser, "ref-err-interests").text == "Vælg mindst én interesse."
    assert axe_violations(browser) == []
    screenshot(browser, "navigator-referral-error")
    _move(browser, "assessed")
    browser.find_element(By.CSS_SELECTOR, "#move-assessed input[name=interests][value=musik]").click()
    browser.find_element(By.ID, "save-status").click()
    _wait_for(browser, "ref-notice", "Interesser og barrierer afklaret")

    browser.find_element(By.ID, "interests").send_keys("Har altid holdt af at synge. Vil gerne i et kor.")
    browser.find_element(By.ID, "place").send_keys("Grenaa")
    browser.find_element(By.CSS_SELECTOR, "#search button[type=submit]").click()
    _wait_for(browser, "propose-form")
    ticks = browser.find_elements(By.CSS_SELECTOR, "#propose-form input[name=propose]")
    assert len(ticks) >= 2
    chosen = [t.get_attribute("value") for t in ticks[:2]]
    assert axe_violations(browser) == []
    screenshot(browser, "navigator-referral-results")
    for tick in ticks[:2]:
        tick.click()
    browser.find_element(By.ID, "propose-submit").click()
    _wait_for(browser, "ref-notice", "Forslagene er knyttet til henvisningen")
    proposed = [li.get_attribute("data-offer") for li in browser.find_elements(By.CSS_SELECTOR, "#ref-proposed li")]
    assert proposed == chosen

    _move(browser, "started")
    Select(browser.find_element(By.ID, "offer_id")).select_by_value(chosen[1])
    browser.find_element(By.ID, "save-status").click()
    _wait_for(browser, "ref-notice", "Borgeren er startet")
    assert axe_violations(browser) == []
    screenshot(browser, "navigator-referral")

    store = get_store(demo_app)
    with store.read() as session:
        row = service.get(session, referral_id, None)
        offers = session.scalars(
            select(ReferralOffer).where(ReferralOffer.referral_id == referral_id).order_by(ReferralOffer.rank)
        ).all()
        events = service.history(session, referral_id, None)
    assert (row.status, row.interests) == ("started", ["musik"])
    assert [(o.offer_id, o.rank) for o in offers] == [(chosen[0], 1), (chosen[1], 2)]
    assert len({o.query_id for o in offers}) == 1 and offers[0].query_id
    assert [o.started_on for o in offers] == [None, date.today()]
    assert [e.status for e in events] == ["received", "contacted", "assessed", "matched", "started"]
    assert all(e.actor.startswith("navigator#") for e in events[1:])
