"""The capacity report in headless Chromium: the file the CLI writes, and the admin's page
one click from the navigators' page. Both must render with their charts (naturalWidth > 0)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from api.extensions import get_store
from reports.collect import collect
from reports.html import write_report
from tests.api.test_capacity_api import history_app  # noqa: F401  (the simulated history, keys per role)
from tests.capacity.history import BASELINE

pytestmark = pytest.mark.browser

IMAGES_LOADED = "return Array.from(document.images).map(i => [i.id, i.complete, i.naturalWidth, i.naturalHeight]);"


@pytest.fixture(scope="module")
def history_url(history_app: Flask) -> Iterator[str]:  # noqa: F811
    server = make_server("127.0.0.1", 0, history_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _images(driver) -> list[list[object]]:  # type: ignore[no-untyped-def]
    from selenium.webdriver.support.wait import WebDriverWait

    WebDriverWait(driver, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")
    return driver.execute_script(IMAGES_LOADED)  # type: ignore[no-any-return]


def test_the_report_file_renders_with_its_charts(browser, history_app: Flask, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    store = get_store(history_app)
    data = collect(store, date(2026, 3, 1), date(2026, 3, 31), BASELINE)
    html = write_report(data, tmp_path, store.categories(), made=date(2026, 4, 1))[0]
    browser.get(html.as_uri())
    images = _images(browser)
    assert [i[0] for i in images] == ["chart-growth", "chart-money", "chart-demand"]
    assert all(complete and width > 300 and height > 100 for _, complete, width, height in images), images
    assert browser.title.startswith("Kapacitetsopbygning i Norddjurs")
    from selenium.webdriver.common.by import By

    first_gap = browser.find_elements(By.CSS_SELECTOR, "#gaps tbody tr")[0].text
    assert first_gap.startswith("1 Auning Sang Ingen barriere 5")


def test_an_admin_opens_it_from_the_web_interface(browser, history_app: Flask, history_url: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    browser.get(f"{history_url}/log-ind")
    browser.delete_all_cookies()
    browser.get(f"{history_url}/admin/kapacitet")
    assert "Log ind" in browser.title  # signed out: sent to the sign-in page
    browser.find_element(By.ID, "key").send_keys(history_app.config["KEYS"]["admin"])
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 20).until(expected_conditions.presence_of_element_located((By.ID, "gaps")))
    browser.get(f"{history_url}/")  # and from the header's menu
    browser.find_element(By.ID, "capacity-report").click()
    WebDriverWait(browser, 60).until(expected_conditions.presence_of_element_located((By.ID, "gaps")))
    images = _images(browser)
    assert len(images) == 3 and all(width > 300 for _, _, width, _ in images), images
