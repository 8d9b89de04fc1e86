"""The volunteer centre's pages in Debian's headless Chromium: a coordinator edits an offer, hits
an edit conflict and resolves it per field; imports a file with bad rows and sees the errors;
axe-core (axe-selenium-python, its bundled axe.min.js: no CDN) finds no serious or critical
violation on any of the pages. Screenshots go to ``FAELLESSKAB_SCREENSHOT_DIR`` (or a temp dir).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from api.extensions import get_store
from tests.conftest import make_offer

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def live_url(demo_app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, demo_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
        pytest.skip(
            "Debian's chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"
        )
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-vol')}",
        "--window-size=1200,1800",
        "--lang=da",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = Path(os.environ.get("FAELLESSKAB_SCREENSHOT_DIR") or tmp_path_factory.mktemp("screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _by() -> Any:
    from selenium.webdriver.common.by import By

    return By


def _wait_for(browser: Any, css: str) -> Any:
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    return WebDriverWait(browser, 30).until(expected_conditions.presence_of_element_located((_by().CSS_SELECTOR, css)))


def _sign_in(browser: Any, live_url: str, key: str) -> None:
    """Every test starts signed out (random order): clear cookies, sign in at /log-ind."""
    by = _by()
    browser.get(f"{live_url}/log-ind")
    browser.delete_all_cookies()
    browser.get(f"{live_url}/log-ind?next=/frivillig/")
    browser.find_element(by.ID, "key").send_keys(key)
    browser.find_element(by.CSS_SELECTOR, "form#login button[type=submit]").click()
    _wait_for(browser, "nav.sub")


def _top(browser: Any) -> None:
    browser.execute_script("window.scrollTo(0, 0)")


def _axe_serious(browser: Any) -> list[str]:
    """axe-core's serious and critical violations on the page, as ``id: help (n nodes)``."""
    axe_selenium = pytest.importorskip("axe_selenium_python", reason="axe-selenium-python is not installed")
    axe = axe_selenium.Axe(browser)
    axe.inject()
    results = axe.run()
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: {v['nodes'][0]['target']})"
        for v in results["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def test_every_page_passes_axe(browser: Any, live_url: str, demo_app: Flask, shots: Path) -> None:
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
        _top(browser)
        browser.save_screenshot(str(shots / f"{name}.png"))
        found[path] = _axe_serious(browser)
    assert found == {path: [] for path in pages.values()}


def test_a_coordinator_resolves_an_edit_conflict(browser: Any, live_url: str, demo_app: Flask, shots: Path) -> None:
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
    _top(browser)
    browser.save_screenshot(str(shots / "frivillig-konflikt.png"))
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
    browser: Any, live_url: str, demo_app: Flask, shots: Path, tmp_path: Path
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
    browser.save_screenshot(str(shots / "frivillig-import-fejl.png"))
    browser.find_element(by.CSS_SELECTOR, "input[name=step][value=import] ~ button").click()
    _wait_for(browser, "#report-h")
    assert "er importeret" in browser.find_element(by.ID, "report-h").text
    assert get_store(demo_app).get_offer("br-imp-1")["title"] == "Petanque på havnen i Ørum"
