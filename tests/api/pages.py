"""Helpers for tests of the web pages through Flask's test client (shared with the volunteer centre's tests)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient


def csrf(html: str) -> str:
    """The CSRF token in a page's form (``name="csrf"``)."""
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def sign_in(client: FlaskClient, key: str) -> int:
    """Sign in at ``/log-ind`` with ``key``; the status of the POST (302 signed in, 401 refused)."""
    token = csrf(client.get("/log-ind").get_data(as_text=True))
    return client.post("/log-ind", data={"key": key, "csrf": token}).status_code


def sign_out(client: FlaskClient) -> int:
    """Sign out with the form in the page header; the status of the POST (302)."""
    token = csrf(client.get("/").get_data(as_text=True))
    return client.post("/log-ud", data={"csrf": token}).status_code
