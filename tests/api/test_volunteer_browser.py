"""The volunteer centre's pages in Debian's headless Chromium: a coordinator edits an offer, hits
an edit conflict and resolves it per field; imports a file with bad rows and sees the errors;
axe-core (axe-selenium-python, its bundled axe.min.js: no CDN) finds no serious or critical
violation on any of the pages. Screenshots go to ``FAELLESSKAB_SCREENSHOT_DIR`` (or a temp dir).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from api.extensions import get_store
from tests.api.browser import axe_violations, screenshot, sign_in_browser
from tests.conftest import make_offer

pytestmark = pytest.mark.browser


def _by() -> Any:
    from selenium.webdriver.common.by import By

    return By


def _wait_for(browser: Any, css: str) -> Any:
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    return WebDriverWait(browser, 30).until(expected_conditions.presence_of_element_located((_by().CSS_SELECTOR, css)))


def _sign_in(browser: Any, live_url: str, key: str) -> None:
    """Every test starts signed out (random order)."""
    sign_in_browser(browser, live_url, key, start="/frivillig/")
    _wait_for(browser, "nav.sub")


def _axe_serious(browser: Any) -> list[str]:
    """axe-core's serious and critical violations on the open page, one line each."""
    return [f"{v['id']}: {v['help']} {v['targets']}" for v in axe_violations(browser)]


def test_every_page_passes_axe(browser: Any, live_url: str, demo_app: Flask) -> None:
    _sign_in(browser, live_url, demo_app.config["KEYS"]["volunteer_centre"])
    pages = {
        "frivillig-tilbud": "/frivillig/?status=active",
        "frivillig-foreninger": "/frivillig/foreninger",
        "frivillig-kontrol": "/frivillig/kontrol",
        "frivillig-import": "/frivillig/import",
        "frivillig-tilbud-side": "/frivillig/tilbud/demo-0001",
        "frivillig-ret-tilbud": "/frivillig/tilbud/demo-0001/ret",
        "frivillig-nyt-tilbud": "/frivillig/tilbud/ny",
        "frivillig-ny-forening": "/frivillig/foreninger/ny",
    }
    org_id = get_store(demo_app).get_offer("demo-0001")["organisation"]["id"]
    pages["frivillig-forening"] = f"/frivillig/foreninger/{org_id}"
    pages["frivillig-ret-forening"] = f"/frivillig/foreninger/{org_id}/ret"
    found = {}
    for name, path in pages.items():
        browser.get(live_url + path)
        _wait_for(browser, "h1")
        screenshot(browser, name)
        found[path] = _axe_serious(browser)
    assert found == {path: [] for path in pages.values()}


def test_a_coordinator_resolves_an_edit_conflict(browser: Any, live_url: str, demo_app: Flask) -> None:
    by = _by()
    store = get_store(demo_app)
    assert store.import_offers([make_offer("br-conflict", description="Vi synger.")], actor="test").committed
    _sign_in(browser, live_url, demo_app.config["KEYS"]["volunteer_centre"])
    browser.get(f"{live_url}/frivillig/tilbud/br-conflict/ret")
    title = _wait_for(browser, "#f-title")
    title.clear()
    title.send_keys("Seniorkoret synger igen")
    description = browser.find_element(by.ID, "f-description")
    description.clear()
    description.send_keys("Nu også med kaffe.")
    # A colleague saves first.
    store.update_offer(
        "br-conflict", {"title": "Seniorkor (ny dag)", "waitlist": 3}, expected_version=1, actor="kollega"
    )
    browser.find_element(by.CSS_SELECTOR, "form[novalidate] button[type=submit]").click()
    _wait_for(browser, "fieldset.conflict")
    assert "Nogen gemte før dig" in browser.page_source
    assert len(browser.find_elements(by.CSS_SELECTOR, "fieldset.conflict")) == 1  # only the title: both changed it
    row = browser.find_element(by.CSS_SELECTOR, "fieldset.conflict")
    assert "Seniorkoret synger igen" in row.text and "Seniorkor (ny dag)" in row.text
    assert store.get_offer("br-conflict")["title"] == "Seniorkor (ny dag)"  # nothing overwritten yet
    assert _axe_serious(browser) == []
    screenshot(browser, "frivillig-konflikt")
    browser.find_element(by.CSS_SELECTOR, "input[name='choose.title'][value=theirs]").click()
    browser.find_element(by.CSS_SELECTOR, "form[novalidate] button[type=submit]").click()
    _wait_for(browser, "p.saved")
    offer = store.get_offer("br-conflict")
    assert (offer["title"], offer["description"], offer["waitlist"], offer["version"]) == (
        "Seniorkor (ny dag)",
        "Nu også med kaffe.",
        3,
        3,
    )


def test_a_coordinator_imports_a_file_with_bad_rows(
    browser: Any, live_url: str, demo_app: Flask, tmp_path: Path
) -> None:
    by = _by()
    upload = tmp_path / "foreningsliste.csv"
    upload.write_text(
        "id,kind,title,organisation.name,categories,location.town,schedule,status\n"
        "br-imp-1,activity,Petanque på havnen i Ørum,Ørum Petanque,motion,Ørum,hver onsdag 14-16,active\n"
        "br-imp-2,activity,,Ørum Petanque,motion,Ørum,hver onsdag 14-16,active\n"
        "br-imp-3,activity,Kortspil,Ørum Petanque,motion,Atlantis,hver onsdag 14-16,active\n",
        encoding="utf-8",
    )
    _sign_in(browser, live_url, demo_app.config["KEYS"]["volunteer_centre"])
    browser.get(f"{live_url}/frivillig/import")
    _wait_for(browser, "#f-file").send_keys(str(upload))
    browser.find_element(by.CSS_SELECTOR, "main form button[type=submit]").click()
    table = _wait_for(browser, "#report-h ~ table")
    assert "2 poster med fejl" in browser.page_source and "intet er gemt" in browser.page_source
    assert "br-imp-2" in table.text and "Titel: Skal udfyldes." in table.text
    assert "br-imp-3" in table.text and "Norddjurs" in table.text
    assert get_store(demo_app).list_offers(text="Petanque på havnen i Ørum")[1] == 0
    assert _axe_serious(browser) == []
    screenshot(browser, "frivillig-import-fejl")
    browser.find_element(by.CSS_SELECTOR, "input[name=step][value=import] ~ button").click()
    _wait_for(browser, "#report-h")
    assert "er importeret" in browser.find_element(by.ID, "report-h").text
    assert get_store(demo_app).get_offer("br-imp-1")["title"] == "Petanque på havnen i Ørum"
