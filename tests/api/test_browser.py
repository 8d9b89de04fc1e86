"""The navigator's page in a real browser: Debian's Chromium, headless.

Skipped with a reason when Chromium, its driver or selenium is missing
(`make test` installs them where it can).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

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
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
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
        "--disable-quic",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
        "--window-size=1200,1800",
        "--lang=da",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _open_signed_in(browser, live_url: str, key: str) -> None:  # type: ignore[no-untyped-def]
    """Open the navigator's page, signing in first; every test starts signed out.

    Tests run in random order (pytest-randomly), so none may rely on another
    having signed in: the cookies are cleared and the sign-in form is used.
    """
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    browser.get(f"{live_url}/log-ind")
    browser.delete_all_cookies()
    browser.get(f"{live_url}/navigator/")
    assert "Log ind" in browser.title
    browser.find_element(By.ID, "key").send_keys(key)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 20).until(expected_conditions.presence_of_element_located((By.ID, "interests")))


def test_a_navigator_finds_offers(browser, live_url: str, demo_app: Flask, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    _open_signed_in(browser, live_url, demo_app.config["KEYS"]["navigator"])
    browser.find_element(By.ID, "interests").send_keys(
        "Savner at komme ud blandt andre efter min mand døde. Har altid holdt af at synge og gå ture."
    )
    browser.find_element(By.ID, "age").send_keys("72")
    browser.find_element(By.ID, "place").send_keys("Auning")
    browser.find_element(By.CSS_SELECTOR, "input[value=no_car]").click()
    browser.find_element(By.CSS_SELECTOR, "#search button[type=submit]").click()
    WebDriverWait(browser, 30).until(expected_conditions.presence_of_element_located((By.ID, "results")))
    results = browser.find_elements(By.CSS_SELECTOR, "#results article.result")
    assert 1 <= len(results) <= 10
    first = results[0].text
    assert "km" in first or "online" in first
    assert browser.find_element(By.CSS_SELECTOR, "input[value=no_car]").is_selected()
    browser.save_screenshot(str(Path(os.environ.get("FAELLESSKAB_SCREENSHOT_DIR", tmp_path)) / "navigator.png"))


def test_errors_are_shown_by_the_fields(browser, live_url: str, demo_app: Flask) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    _open_signed_in(browser, live_url, demo_app.config["KEYS"]["navigator"])
    browser.find_element(By.ID, "age").send_keys("7")
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    browser.find_element(By.CSS_SELECTOR, "#search button[type=submit]").click()
    error = WebDriverWait(browser, 20).until(expected_conditions.presence_of_element_located((By.ID, "err-age")))
    assert error.text == "Alder skal være mellem 16 og 120."
    assert "Ret venligst de markerede felter." in browser.page_source
