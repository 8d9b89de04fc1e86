"""Shared browser fixtures and helpers: Debian's headless Chromium, axe-core, screenshots.

Use in a test module (pytest finds fixtures imported into it)::

    from tests.api.browser import browser, live_url  # noqa: F401
    from tests.api.browser import axe_violations, screenshot, sign_in_browser

``browser`` and ``live_url`` are module-scoped (one Chromium and one server
for the ``demo_app`` of the module). Everything is skipped with a reason
when Chromium, its driver or selenium is missing. axe-core comes from the
``axe-selenium-python`` package (its bundled ``axe.min.js``), no CDN.
Screenshots go to ``FAELLESSKAB_SCREENSHOT_DIR`` (made if missing), or to the
system's temporary directory under ``faellesskab-screenshots``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
#: axe impacts that fail a page.
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def live_url(demo_app: Flask) -> Iterator[str]:
    """The module's ``demo_app`` served on a free local port by a threaded werkzeug server."""
    server = make_server("127.0.0.1", 0, demo_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Chromium through chromedriver (selenium), 1200×1800, Danish."""
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
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


def sign_in_browser(browser: Any, live_url: str, key: str, start: str = "/") -> None:
    """Sign out (clear cookies), open ``start``, go to the sign-in page if sent there, and sign in with ``key``."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    browser.get(f"{live_url}/log-ind")
    browser.delete_all_cookies()
    browser.get(f"{live_url}{start}")
    if "Log ind" not in browser.title:
        browser.get(f"{live_url}/log-ind")
    browser.find_element(By.ID, "key").send_keys(key)
    browser.find_element(By.CSS_SELECTOR, "form#login button[type=submit]").click()
    WebDriverWait(browser, 20).until(expected_conditions.none_of(expected_conditions.title_contains("Log ind")))


def axe_violations(browser: Any, impacts: tuple[str, ...] = BLOCKING) -> list[dict[str, Any]]:
    """Run axe-core on the open page; the violations of these impacts as ``{id, impact, help, targets}``."""
    from axe_selenium_python import Axe

    axe = Axe(browser)
    axe.inject()
    results = axe.run()
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"]][:5],
        }
        for v in results["violations"]
        if v.get("impact") in impacts
    ]


def screenshot_dir() -> Path:
    path = Path(os.environ.get("FAELLESSKAB_SCREENSHOT_DIR") or Path(tempfile.gettempdir()) / "faellesskab-screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def screenshot(browser: Any, name: str) -> Path:
    """Save the whole page as ``<name>.png`` in :func:`screenshot_dir`; the path."""
    height = browser.execute_script("return Math.max(document.body.scrollHeight, 600)")
    browser.set_window_size(1200, min(int(height) + 200, 6000))
    path = screenshot_dir() / f"{name}.png"
    browser.save_screenshot(str(path))
    browser.set_window_size(1200, 1800)
    return path
