"""The HSDS tabular datapackage, written and read (``catalogue.hsds.tabular``)."""

from __future__ import annotations

import copy
import csv
import json
import re
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from catalogue.errors import FileFormatError
from catalogue.hsds import (
    export_document,
    read_datapackage,
    write_datapackage,
)
from catalogue.hsds.tabular import _number

from .support import (
    CATEGORIES,
    Schemas,
    assert_round_trip,
    demo_offers,
    files_of,
)


def test_datapackage_round_trip(tmp_path: Path, offers: list[dict[str, Any]]) -> None:
    write_datapackage(offers, CATEGORIES, tmp_path)
    parsed = read_datapackage(tmp_path)
    assert_round_trip(offers, parsed, CATEGORIES)
    assert [r.line for r in parsed.records] == [2, 3, 4, 5]


def test_demo_datapackage_round_trip(tmp_path: Path) -> None:
    demo, cats = demo_offers()
    write_datapackage(demo, cats, tmp_path)
    assert_round_trip(demo, read_datapackage(tmp_path), cats)


def test_datapackage_follows_tabular_layout(hsds: Schemas, tmp_path: Path, offers: list[dict[str, Any]]) -> None:
    write_datapackage(offers, CATEGORIES, tmp_path)
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert package["profile"] == "tabular-data-package"
    uuid_re = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    orders = []
    for resource in package["resources"]:
        table = hsds.tabular["properties"][resource["name"]]["items"]
        orders.append(table["datapackage_metadata"]["order"])
        assert resource["path"] == table["path"]
        columns = [k for k, p in table["properties"].items() if p.get("type") != "array" and "$ref" not in p]
        assert [f["name"] for f in resource["schema"]["fields"]] == columns
        with (tmp_path / resource["path"]).open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            assert reader.fieldnames == columns
            rows = list(reader)
        ids = [row["id"] for row in rows]
        assert len(ids) == len(set(ids)), resource["name"]
        for row in rows:
            for column in columns:
                if column == "id" or (column.endswith("_id") and row[column]):
                    assert uuid_re.fullmatch(row[column]), (resource["name"], column, row[column])
            for column in table.get("tabular_required", []):
                assert row[column], (resource["name"], column)
    assert orders == sorted(orders)
    services = list(csv.DictReader((tmp_path / "services.csv").open(encoding="utf-8")))
    assert len(services) == 4
    assert (
        len(list(csv.DictReader((tmp_path / "taxonomies.csv").open(encoding="utf-8")))) == 3
    )  # extension fields, categories, audiences


def test_datapackage_reads_plural_service_at_locations_file(tmp_path: Path, offers: list[dict[str, Any]]) -> None:
    write_datapackage(offers, CATEGORIES, tmp_path)
    (tmp_path / "service_at_location.csv").rename(tmp_path / "service_at_locations.csv")
    spec = tmp_path / "datapackage.json"
    package = json.loads(spec.read_text(encoding="utf-8"))
    for resource in package["resources"]:
        if resource["name"] == "service_at_location":
            resource.update(name="service-at-locations", path="service_at_locations.csv")
    spec.write_text(json.dumps(package), encoding="utf-8")
    assert_round_trip(offers, read_datapackage(tmp_path), CATEGORIES)


def test_export_is_deterministic(tmp_path: Path, offers: list[dict[str, Any]]) -> None:
    def dump() -> str:
        return json.dumps(export_document(copy.deepcopy(offers), dict(CATEGORIES)), ensure_ascii=False, indent=1)

    assert dump() == dump()
    write_datapackage(offers, CATEGORIES, tmp_path / "a")
    write_datapackage(copy.deepcopy(offers), dict(CATEGORIES), tmp_path / "b")
    assert list(files_of(tmp_path / "a")) == list(files_of(tmp_path / "b"))


def _fails(message: str) -> AbstractContextManager[Any]:
    return pytest.raises(FileFormatError, match=re.escape(message))


def test_malformed_datapackage(tmp_path: Path) -> None:
    with _fails("has no datapackage.json"):
        read_datapackage(tmp_path)
    spec = tmp_path / "datapackage.json"
    spec.write_text("{", encoding="utf-8")
    with _fails("datapackage.json cannot be read"):
        read_datapackage(tmp_path)
    spec.write_text('{"resources": [{"name": "organization", "path": "organizations.csv"}]}', encoding="utf-8")
    with _fails("no services resource"):
        read_datapackage(tmp_path)
    spec.write_text('{"resources": [{"name": "service", "path": "../services.csv"}]}', encoding="utf-8")
    with _fails("relative file path"):
        read_datapackage(tmp_path)
    spec.write_text('{"resources": [{"name": "service", "path": "services.csv"}]}', encoding="utf-8")
    with _fails("Cannot read services.csv"):
        read_datapackage(tmp_path)
    services = tmp_path / "services.csv"
    services.write_bytes(b"id,name\nx,Kor\xe6\n")
    with _fails("services.csv is not UTF-8"):
        read_datapackage(tmp_path)
    services.write_text("id,name\nx,Kor,extra\n", encoding="utf-8")
    with _fails("line 2 has more cells"):
        read_datapackage(tmp_path)
    services.write_text("name\nKor\n", encoding="utf-8")
    with _fails("no id column"):
        read_datapackage(tmp_path)
    services.write_text('id,name\nx,"Kor\n', encoding="utf-8")
    with _fails("services.csv"):
        read_datapackage(tmp_path)


def test_an_amount_like_2_400_is_left_as_text() -> None:
    """The standard reads 2.4, Danish Excel 2400: the reader reports it rather than choose."""
    assert _number("2.400", "amount") == "2.400"
    assert _number("2.5", "amount") == 2.5
    assert _number("2.400", "latitude") == 2.4
