"""The navigator's page in a real browser: Debian's Chromium, headless.

Skipped with a reason when Chromium, its driver or selenium is missing
(`make test` installs them where it can).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from tests.api.browser import screenshot

pytestmark = pytest.mark.browser


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
    screenshot(browser, "navigator-results")


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
