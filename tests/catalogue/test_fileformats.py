"""The format registry: every format round-trips through one reader and one writer."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from catalogue.errors import FileFormatError
from catalogue.fileformats import EXPORT_FORMATS, IMPORT_FORMATS, detect_format, read_any, read_bytes, write_any
from catalogue.hsds import write_datapackage
from catalogue.store import Store
from tests.conftest import make_offer

OFFERS = [
    make_offer("a"),
    make_offer("b", location={"online": True}, schedule={"slots": []}, contact={"email": "a@b.example"}),
    make_offer("c", cost={"amount_dkk": 0, "per": "gang"}, accessibility=[], waitlist=3, places_available=0),
]
SUFFIX = {"json": ".json", "jsonl": ".jsonl", "csv": ".csv", "hsds": ".json"}


def test_the_format_lists() -> None:
    assert IMPORT_FORMATS == ("json", "jsonl", "csv", "hsds", "hsds-datapackage")
    assert EXPORT_FORMATS == ("json", "jsonl", "csv", "hsds")


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_export_then_read_any_then_import_changes_nothing(sqlite_store: Store, tmp_path: Path, fmt: str) -> None:
    assert sqlite_store.import_offers(OFFERS, actor="x").committed
    path = tmp_path / f"export{SUFFIX[fmt]}"
    with path.open("w", encoding="utf-8", newline="") as out:
        assert write_any(sqlite_store.iter_offers(), fmt, out, categories=sqlite_store.categories()) == 3
    parsed = read_any(path, fmt if fmt == "hsds" else None, known_categories=sqlite_store.categories())
    assert sorted(r.data["id"] for r in parsed.records) == ["a", "b", "c"]
    report = sqlite_store.import_offers(parsed.records, actor="y", categories=parsed.categories)
    assert report.committed and report.unchanged == 3, report.to_dict()


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_read_bytes_reads_what_write_any_wrote(sqlite_store: Store, fmt: str) -> None:
    assert sqlite_store.import_offers(OFFERS, actor="x").committed
    buf = io.StringIO()
    write_any(sqlite_store.iter_offers(), fmt, buf, categories=sqlite_store.categories())
    upload = ("\ufeff" + buf.getvalue()).encode("utf-8")  # spreadsheets add a byte-order mark
    parsed = read_bytes(upload, fmt, filename=f"upload{SUFFIX[fmt]}")
    assert parsed.meta["source"] == f"upload{SUFFIX[fmt]}"
    report = sqlite_store.import_offers(parsed.records, actor="y", categories=parsed.categories)
    assert report.committed and report.unchanged == 3, report.to_dict()


def test_datapackage_folder_is_detected_and_read(sqlite_store: Store, tmp_path: Path) -> None:
    assert sqlite_store.import_offers(OFFERS, actor="x").committed
    folder = tmp_path / "pakke"
    write_datapackage(list(sqlite_store.iter_offers()), sqlite_store.categories(), folder)
    assert detect_format(folder) == "hsds-datapackage"
    parsed = read_any(folder, known_categories=sqlite_store.categories())
    report = sqlite_store.import_offers(parsed.records, actor="y", categories=parsed.categories)
    assert report.committed and report.unchanged == 3, report.to_dict()


@pytest.mark.parametrize(
    ("name", "explicit", "expected"),
    [
        ("tilbud.json", None, "json"),
        ("TILBUD.JSON", None, "json"),
        ("tilbud.jsonl", None, "jsonl"),
        ("tilbud.ndjson", None, "jsonl"),
        ("tilbud.csv", None, "csv"),
        ("tilbud.json", "hsds", "hsds"),
        ("tilbud.txt", "csv", "csv"),
    ],
)
def test_detect_format(tmp_path: Path, name: str, explicit: str | None, expected: str) -> None:
    assert detect_format(tmp_path / name, explicit) == expected


def test_unknown_suffix_asks_for_a_format(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match=r"Cannot tell the format of tilbud\.txt"):
        detect_format(tmp_path / "tilbud.txt")


@pytest.mark.parametrize("call", ["detect", "read_bytes", "write_any"])
def test_unknown_format_is_one_clear_error(tmp_path: Path, call: str) -> None:
    with pytest.raises(FileFormatError, match=r"Unknown (import|export) format 'xml'; use one of json, jsonl, csv"):
        if call == "detect":
            detect_format(tmp_path / "a.json", "xml")
        elif call == "read_bytes":
            read_bytes(b"[]", "xml")
        else:
            write_any([], "xml", io.StringIO(), categories={})


def test_datapackage_is_not_an_export_format() -> None:
    with pytest.raises(FileFormatError, match="Unknown export format 'hsds-datapackage'"):
        write_any([], "hsds-datapackage", io.StringIO(), categories={})


def test_datapackage_cannot_be_uploaded_as_bytes() -> None:
    with pytest.raises(FileFormatError, match="is a folder of CSV files"):
        read_bytes(b"{}", "hsds-datapackage")


def test_non_utf8_upload_names_the_file() -> None:
    with pytest.raises(FileFormatError, match=r"tilbud\.csv is not UTF-8 \(byte 20\)"):
        read_bytes("id;title\na;Sang for ældre\n".encode("cp1252"), "csv", filename="tilbud.csv")


def test_unreadable_file_and_folder_with_a_file_format(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="Cannot read"):
        read_any(tmp_path / "missing.json")
    with pytest.raises(FileFormatError, match="is a folder"):
        read_any(tmp_path, "json")


def test_hsds_parse_errors_come_through(tmp_path: Path) -> None:
    path = tmp_path / "hsds.json"
    path.write_text('{"contents": [', encoding="utf-8")
    with pytest.raises(FileFormatError, match="Not valid JSON"):
        read_any(path, "hsds")


def test_native_json_keeps_file_categories(tmp_path: Path) -> None:
    path = tmp_path / "tilbud.json"
    path.write_text(json.dumps({"offers": [make_offer("a")], "categories": {"fiskeri": "Fiskeri"}}), encoding="utf-8")
    parsed = read_any(path)
    assert parsed.categories == {"fiskeri": "Fiskeri"}
    assert parsed.meta["source"] == "tilbud.json"
