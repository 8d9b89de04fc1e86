"""Target groups on the volunteer centre's pages in Debian's headless Chromium: a coordinator ticks
target groups on the edit form, saves, then finds the offer by a folded search and the target-group
filter; axe-core finds no serious or critical violation on the form, the filtered list or the list
with a refused filter."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from api.extensions import get_store
from tests.api.browser import axe_violations, screenshot, sign_in_browser
from tests.conftest import make_offer

pytestmark = pytest.mark.browser


def _wait_for(browser: Any, css: str) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    return WebDriverWait(browser, 30).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))


def _axe_serious(browser: Any) -> list[str]:
    return [f"{v['id']}: {v['help']} {v['targets']}" for v in axe_violations(browser)]


def test_a_coordinator_sets_target_groups_and_filters_by_them(browser: Any, live_url: str, demo_app: Flask) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.select import Select

    store = get_store(demo_app)
    assert store.import_offers([make_offer("br-aud", title="Æblehavens pårørendecafé")], actor="test").committed
    sign_in_browser(browser, live_url, demo_app.config["KEYS"]["volunteer_centre"], start="/frivillig/")
    browser.get(f"{live_url}/frivillig/tilbud/br-aud/ret")
    _wait_for(browser, "#f-title")
    for code in ("relatives", "condition:dementia"):
        box = browser.find_element(By.CSS_SELECTOR, f"input[name=audience][value='{code}']")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
        box.click()
    assert _axe_serious(browser) == []
    screenshot(browser, "frivillig-maalgruppe-form")
    browser.find_element(By.CSS_SELECTOR, "form[novalidate] button[type=submit]").click()
    _wait_for(browser, "p.saved")
    assert store.get_offer("br-aud")["audience"] == ["condition:dementia", "people_with_condition", "relatives"]
    assert "Demens, Mennesker med en sygdom, Pårørende" in browser.page_source

    browser.get(f"{live_url}/frivillig/")
    _wait_for(browser, "#f-q").send_keys("ÆBLEHAVE")
    Select(browser.find_element(By.ID, "f-malgruppe")).select_by_visible_text("Demens")
    browser.find_element(By.CSS_SELECTOR, "form[role=search] button[type=submit]").click()
    _wait_for(browser, "table")
    links = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "table td a")]
    assert links == ["Æblehavens pårørendecafé"]
    assert _axe_serious(browser) == []
    screenshot(browser, "frivillig-maalgruppe-liste")

    browser.get(f"{live_url}/frivillig/?malgruppe=ukendt")
    _wait_for(browser, "#err-malgruppe")
    assert _axe_serious(browser) == []
