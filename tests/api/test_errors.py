"""The error envelope for oversize requests: 413 before the body is read."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask

import migrations
from api import create_app
from api.auth import create_key
from api.extensions import get_store
from catalogue.store import Store
from tests.conftest import make_offer


class Unreadable(io.RawIOBase):
    """A request body of ``size`` bytes that fails the test if anyone reads it."""

    def __init__(self, size: int) -> None:
        self.size, self.position = size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence] + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer: object) -> int:
        raise AssertionError("the body was read")


@pytest.fixture
def writer_app(tmp_path: Path) -> Flask:
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "EMBEDDING_MODEL": "fake", "MAX_UPLOAD_MB": 1})
    store = get_store(app)
    migrations.upgrade(store)
    app.config["VC"] = {
        "Authorization": "Bearer " + create_key(store, name="vc", role="volunteer_centre", created_by="t")
    }
    return app


def test_max_upload_mb_sets_max_content_length(writer_app: Flask, tmp_path: Path) -> None:
    assert writer_app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    default = create_app({"DATA_DIR": str(tmp_path / "d"), "EMBEDDING_MODEL": "fake"})
    assert default.config["MAX_CONTENT_LENGTH"] == 20 * 1024 * 1024


@pytest.mark.parametrize("headers", [{}, {"VC": True}])
def test_an_oversize_body_gets_413_unread(writer_app: Flask, headers: dict[str, bool]) -> None:
    res = writer_app.test_client().post(
        "/api/v1/offers/import",
        input_stream=Unreadable(200 * 1024 * 1024),
        content_type="application/json",
        headers=writer_app.config["VC"] if headers else {},
    )
    assert res.status_code == 413
    assert res.json["code"] == "payload_too_large" and res.json["status"] == 413
    assert str(1024 * 1024) in res.json["message"]


def test_a_body_within_the_limit_is_read(writer_app: Flask) -> None:
    offers = {"offers": [make_offer("a", description="x" * 900_000)]}
    res = writer_app.test_client().post(
        "/api/v1/offers/import?dry_run=true", json=offers, headers=writer_app.config["VC"]
    )
    assert res.status_code != 413, res.json
    too_big = {"offers": [make_offer("a", description="x" * 1_100_000)]}
    res = writer_app.test_client().post(
        "/api/v1/offers/import?dry_run=true", json=too_big, headers=writer_app.config["VC"]
    )
    assert res.status_code == 413 and res.json["code"] == "payload_too_large"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nests deeper"),
        ('{"a": ' * 5000 + "1" + "}" * 5000, "nests deeper"),
        ('{"title": ' + "9" * 5000 + "}", "too many digits"),
    ],
    ids=["deep-array", "deep-object", "long-integer"],
)
@pytest.mark.parametrize("path", ["/api/v1/offers", "/api/v1/match", "/api/v1/referrals"])
def test_hostile_json_gets_400_naming_the_body(writer_app: Flask, path: str, body: str, message: str) -> None:
    res = writer_app.test_client().post(
        path, data=body, headers={**writer_app.config["VC"], "Content-Type": "application/json"}
    )
    assert res.status_code == 400, res.get_data(as_text=True)[:300]
    assert res.json is not None and message in res.json["errors"]["_body"][0]


def test_brackets_inside_strings_do_not_count() -> None:
    from api.errors import _json_depth

    assert _json_depth(b'[{"a": "[[[[\\"[[[{"}]') == 2
    assert _json_depth(b"[" * 1000, stop=10) == 11


@pytest.fixture
def both_db_app(tmp_path: Path, store: Store) -> Flask:
    """An app on SQLite and on PostgreSQL (the ``store`` fixture) with a navigator's and a centre's key."""
    url = store.engine.url.render_as_string(hide_password=False)
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "DATABASE_URL": url, "EMBEDDING_MODEL": "fake"})
    migrations.upgrade(get_store(app))
    app.config["KEYS"] = {
        role: create_key(get_store(app), name=role, role=role, created_by="t")
        for role in ("navigator", "volunteer_centre")
    }
    return app


@pytest.mark.parametrize(
    ("role", "path", "name"),
    [
        ("volunteer_centre", "/api/v1/offers/a%00b", "offer_id"),
        ("volunteer_centre", "/api/v1/offers/a%00b/history", "offer_id"),
        ("volunteer_centre", "/api/v1/organisations/%00", "org_id"),
        ("navigator", "/api/v1/referrals/a%00b", "referral_id"),
    ],
)
def test_a_nul_byte_in_a_path_is_a_404_naming_the_parameter(
    both_db_app: Flask, role: str, path: str, name: str
) -> None:
    """PostgreSQL refuses NUL in a query: the id reached it and was a 500 there (a bare 404 on SQLite)."""
    headers = {"Authorization": f"Bearer {both_db_app.config['KEYS'][role]}"}
    res = both_db_app.test_client().get(path, headers=headers)
    assert res.status_code == 404, res.json
    assert list(res.json["errors"]) == [name] and "plain text" in res.json["errors"][name][0]
