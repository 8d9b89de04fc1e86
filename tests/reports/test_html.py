"""The HTML report and its CSV files, written from the simulated history."""

from __future__ import annotations

import base64
import csv
import re
from datetime import date
from pathlib import Path

from catalogue.store import Store
from reports.collect import collect, report_days
from reports.html import number, write_report
from tests.capacity.history import BASELINE, build_history
from tests.reports.demand_history import build_demand


def test_report_days() -> None:
    assert report_days(date(2026, 1, 15), date(2026, 3, 10)) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 10),
    ]


def test_danish_numbers() -> None:
    from decimal import Decimal

    assert (number(1500000), number(Decimal("13333.33")), number("<5"), number(None)) == (
        "1.500.000",
        "13.333,33",
        "<5",
        "–",
    )


def test_writes_html_with_charts_and_csv(sqlite_store: Store, tmp_path: Path) -> None:
    build_history(sqlite_store)
    build_demand(sqlite_store)
    data = collect(sqlite_store, date(2026, 3, 1), date(2026, 3, 31), BASELINE)
    assert data.months == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]
    assert data.series["offers"] == [2, 3, 2] and data.series["places_total"] == [30, 45, 25]
    files = write_report(data, tmp_path / "out", sqlite_store.categories(), made=date(2026, 4, 1))
    html = files[0].read_text(encoding="utf-8")
    assert files[0].name == "kapacitetsrapport.html"
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert len(images) == 3 and all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    assert "1.500.000,00 kr." in html and "200.000,00 kr." in html  # the fund and G1, Danish numbers
    assert "13.333,33" in html  # G1's cost per new place on 31 March
    assert "1. marts 2026 – 31. marts 2026" in html
    assert "<link" not in html and "<script" not in html  # self-contained
    gaps = tmp_path / "out" / "huller.csv"
    raw = gaps.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with gaps.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert rows[0][:4] == ["Nr.", "By", "Emne", "Barriere"]
    assert rows[1][:5] == ["1", "Auning", "Sang", "Ingen barriere", "5"]
    assert rows[2][4:6] == ["<5", "<5"]  # 2 requests: suppressed
    names = {p.name for p in files}
    assert {"udbud_pr_maaned.csv", "bevillinger.csv", "udnyttelse.csv", "ventelister.csv"} <= names
    with (tmp_path / "out" / "bevillinger.csv").open(encoding="utf-8-sig", newline="") as fh:
        grant = list(csv.reader(fh, delimiter=";"))[1]
    assert grant[3:5] == ["200000,00", "100000,00"] and grant[9] == "13333,33"


def test_an_empty_store_still_makes_a_report(sqlite_store: Store, tmp_path: Path) -> None:
    data = collect(sqlite_store, date(2026, 3, 1), date(2026, 3, 31), date(2026, 1, 1))
    files = write_report(data, tmp_path, sqlite_store.categories(), made=date(2026, 4, 1))
    html = files[0].read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 3 and "Ingen bevillinger endnu." in html
