"""Every page of the front door and the navigator in headless Chromium: the ways in per role,
a search with barriers, a plan printed to PDF, keyboard use, the docs without internet, and
axe-core on every page (0 serious or critical violations). Screenshots go to
``FAELLESSKAB_SCREENSHOT_DIR`` (see tests/api/browser.py)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from flask import Flask

from api.extensions import get_indexer, get_store
from matcher.check import violations as rule_violations
from tests.api.browser import axe_violations, screenshot, sign_in_browser
from tests.conftest import make_offer

pytestmark = pytest.mark.browser

HOSTILE_TITLE = "<script>alert('x')</script> Sangkor \" onmouseover=\"alert(1)"


@pytest.fixture(scope="module", autouse=True)
def hostile_offer(demo_app: Flask) -> None:
    store = get_store(demo_app)
    assert store.import_offers(
        [make_offer("evil-kor", title=HOSTILE_TITLE, categories=["sang"])], actor="tests"
    ).committed
    get_indexer(demo_app).index_offers(["evil-kor"])


def _wait(browser: Any, by_id: str, seconds: int = 30) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    return WebDriverWait(browser, seconds).until(expected_conditions.presence_of_element_located((By.ID, by_id)))


def _accessible(browser: Any, name: str) -> None:
    found = axe_violations(browser)
    assert found == [], f"{name}: {found}"
    screenshot(browser, name)


def _search(browser: Any, interests: str, barriers: tuple[str, ...] = (), place: str = "Grenaa") -> list[Any]:
    from selenium.webdriver.common.by import By

    browser.find_element(By.ID, "interests").send_keys(interests)
    browser.find_element(By.ID, "age").send_keys("70")
    browser.find_element(By.ID, "place").send_keys(place)
    for code in barriers:
        browser.find_element(By.CSS_SELECTOR, f"#search input[value={code}]").click()
    browser.find_element(By.CSS_SELECTOR, "#search button[type=submit]").click()
    _wait(browser, "results")
    return list(browser.find_elements(By.CSS_SELECTOR, "#results article.result"))


def test_the_front_door_leads_each_role_to_its_pages(browser: Any, live_url: str, demo_app: Flask) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{live_url}/log-ind")
    browser.delete_all_cookies()
    browser.get(f"{live_url}/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Fællesskabsmatch"
    _accessible(browser, "front-door")
    browser.find_element(By.CSS_SELECTOR, "#for-navigator a").click()  # signed out: to the sign-in page
    assert "Log ind" in browser.title
    _accessible(browser, "sign-in")
    browser.find_element(By.ID, "key").send_keys("fm_wrong-key-0000000000000")
    browser.find_element(By.CSS_SELECTOR, "form#login button[type=submit]").click()
    assert _wait(browser, "login-error").text.startswith("Nøglen virker ikke")
    _accessible(browser, "sign-in-error")
    browser.find_element(By.ID, "key").send_keys(demo_app.config["KEYS"]["navigator"])
    browser.find_element(By.CSS_SELECTOR, "form#login button[type=submit]").click()
    _wait(browser, "interests")
    assert browser.current_url == f"{live_url}/navigator/"  # back where the navigator was going
    for role, landing in (("volunteer_centre", "/frivillig/"), ("admin", "/"), ("referral_system", "/")):
        sign_in_browser(browser, live_url, demo_app.config["KEYS"][role])
        assert browser.current_url == f"{live_url}{landing}", role
    browser.get(f"{live_url}/")
    menu = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "header nav a")]
    assert menu == []  # a referral system has no pages, only the API
    browser.get(f"{live_url}/navigator/")
    assert browser.find_element(By.ID, "error-message").text == "Din rolle giver ikke adgang til denne side."
    _accessible(browser, "forbidden")
    sign_in_browser(browser, live_url, demo_app.config["KEYS"]["admin"])
    menu = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "header nav a")]
    assert menu == [f"{live_url}/navigator/", f"{live_url}/frivillig/", f"{live_url}/admin/kapacitet"]
    browser.find_element(By.CSS_SELECTOR, "header .who button").click()  # sign out
    assert browser.find_element(By.CSS_SELECTOR, "header .who a").text == "Log ind"


def test_a_navigator_searches_with_barriers_and_prints_a_plan(browser: Any, live_url: str, demo_app: Flask) -> None:
    from selenium.webdriver.common.by import By

    sign_in_browser(browser, live_url, demo_app.config["KEYS"]["navigator"], start="/navigator/")
    _accessible(browser, "navigator-search")
    results = _search(browser, "Vil gerne synge i kor og drikke kaffe", ("wheelchair_user", "low_income"))
    assert 1 <= len(results) <= 10
    # Only feasible results, each explained: the matcher's own check finds no broken rule.
    ids = [r.find_element(By.CSS_SELECTOR, "input[name=offer]").get_attribute("value") for r in results]
    offers = get_store(demo_app).get_offers(ids)
    from matcher.request import MatchRequestSchema

    req = MatchRequestSchema(known_categories=set(get_store(demo_app).categories())).load(
        {"interests": "kor", "age": 70, "location": {"town": "Grenaa"}, "barriers": ["wheelchair_user", "low_income"]}
    )
    from datetime import UTC, datetime

    today = datetime.now(UTC).date()
    assert all(rule_violations(req, offers[i], today) == [] for i in ids)
    assert all(r.find_elements(By.CSS_SELECTOR, "ul.ok li") for r in results)  # the wheelchair accommodation shown
    _accessible(browser, "navigator-results")
    for result in results[:2]:
        result.find_element(By.CSS_SELECTOR, "input[name=offer]").click()
    browser.find_element(By.ID, "note").send_keys("Ring gerne til Grethe fra foreningen først.")
    browser.find_element(By.ID, "make-plan").click()
    _wait(browser, "plan-1")
    items = browser.find_elements(By.CSS_SELECTOR, "article.plan-item")
    assert len(items) == 2
    assert "Hvornår" in items[0].text and "Pris" in items[0].text and "Sådan kommer du derhen" in items[0].text
    _accessible(browser, "navigator-plan")
    pdf = base64.b64decode(browser.print_page())  # Chromium's Page.printToPDF
    assert pdf.startswith(b"%PDF-") and len(pdf) > 5_000
    (screenshot(browser, "navigator-plan").parent / "navigator-plan.pdf").write_bytes(pdf)


def test_hostile_offer_text_stays_text_in_the_browser(browser: Any, live_url: str, demo_app: Flask) -> None:
    from selenium.webdriver.common.by import By

    sign_in_browser(browser, live_url, demo_app.config["KEYS"]["navigator"], start="/navigator/")
    results = _search(browser, "Sangkor synge kor", ())
    titles = [r.find_element(By.TAG_NAME, "h3").text for r in results]
    assert any(HOSTILE_TITLE in t for t in titles), titles  # shown as the text it is
    assert browser.execute_script("return document.querySelectorAll('[onmouseover]').length") == 0
    evil = next(r for r in results if HOSTILE_TITLE in r.text)
    evil.find_element(By.CSS_SELECTOR, "input[name=offer]").click()
    browser.find_element(By.ID, "make-plan").click()
    assert HOSTILE_TITLE in _wait(browser, "plan-1").find_element(By.TAG_NAME, "h2").text
    assert browser.execute_script("return document.querySelectorAll('[onmouseover], main script').length") == 0


def test_errors_by_the_fields_are_accessible(browser: Any, live_url: str, demo_app: Flask) -> None:
    from selenium.webdriver.common.by import By

    sign_in_browser(browser, live_url, demo_app.config["KEYS"]["navigator"], start="/navigator/")
    browser.find_element(By.ID, "age").send_keys("7")
    browser.find_element(By.CSS_SELECTOR, "#search button[type=submit]").click()
    assert _wait(browser, "err-age").text == "Alder skal være mellem 16 og 120."
    _accessible(browser, "navigator-errors")


def test_the_search_works_with_the_keyboard_alone(browser: Any, live_url: str, demo_app: Flask) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    sign_in_browser(browser, live_url, demo_app.config["KEYS"]["navigator"], start="/navigator/")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    active = browser.switch_to.active_element
    assert active.text == "Gå til indholdet"  # the first stop: the skip link, shown when focused
    assert active.is_displayed() and active.location["x"] >= 0
    active.send_keys(Keys.ENTER)
    for _ in range(40):  # from the content, tab to the text field
        browser.switch_to.active_element.send_keys(Keys.TAB)
        if browser.switch_to.active_element.get_attribute("id") == "interests":
            break
    assert browser.switch_to.active_element.get_attribute("id") == "interests"
    browser.switch_to.active_element.send_keys("Jeg vil gerne gå ture i naturen")
    for _ in range(60):
        browser.switch_to.active_element.send_keys(Keys.TAB)
        if browser.switch_to.active_element.text == "Find forslag":
            break
    outline = browser.execute_script("return getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # the focus is visible
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    assert _wait(browser, "results").find_elements(By.CSS_SELECTOR, "article.result")


def test_the_api_docs_render_without_internet(browser: Any, live_url: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    browser.get(f"{live_url}/api/docs")
    title = WebDriverWait(browser, 30).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".swagger-ui .info .title"))
    )
    assert title.text.startswith("Fællesskabsmatch")
    assert len(browser.find_elements(By.CSS_SELECTOR, ".opblock")) > 20  # the operations are listed
    hosts = browser.execute_script("return performance.getEntriesByType('resource').map(e => new URL(e.name).host)")
    assert set(hosts) == {live_url.removeprefix("http://")}  # nothing fetched from another host
    screenshot(browser, "api-docs")
