"""``faellesskab capacity``: the report on disk, volunteer reports and grants from the command line."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner

from api.cli import main
from api.extensions import get_store
from capacity.volunteers import list_reports
from tests.capacity.history import build_history
from tests.reports.demand_history import build_demand


def run(cli: FlaskCliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(main, list(args))
    return result.exit_code, result.output


def test_report_volunteers_and_grants(cli: FlaskCliRunner, app: Flask, tmp_path: Path) -> None:
    store = get_store(app)
    build_history(store)
    build_demand(store)
    code, out = run(
        cli, "capacity", "report", "--from", "2026-03-01", "--to", "2026-03-31", "--out", str(tmp_path / "r")
    )
    assert code == 0, out
    html = (tmp_path / "r" / "kapacitetsrapport.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 3 and "Huller" in html
    assert (tmp_path / "r" / "huller.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    code, out = run(cli, "capacity", "report", "--from", "2026-04-01", "--to", "2026-03-31", "--out", str(tmp_path))
    assert code == 2 and "--from" in out

    code, out = run(
        cli, "capacity", "volunteers", "org-b", "--date", "2026-05-01", "--volunteers", "7", "--companions", "2"
    )
    assert code == 0, out
    assert [(r["reported_on"].isoformat(), r["volunteers"]) for r in list_reports(store, "org-b")] == [
        ("2026-05-01", 7)
    ]
    code, out = run(cli, "capacity", "volunteers", "nope", "--volunteers", "1", "--companions", "0")
    assert code == 1 and "nope" in out

    code, out = run(cli, "capacity", "grant", "org-a", "--amount", "1.300.000,01", "--date", "2026-05-01")
    assert code == 1 and "1300000.00 kr. remain" in out
    code, out = run(cli, "capacity", "grant", "org-a", "--amount", "12,345")
    assert code == 2 and "--amount" in out
    code, out = run(cli, "capacity", "grant", "org-a", "--amount", "300.000", "--offer", "o1", "--expect-places", "10")
    assert code == 0 and "committed" in out


def test_a_report_period_out_of_range_is_refused(cli: FlaskCliRunner, tmp_path: Path) -> None:
    """``--to 9999-12-31`` crashed (no month end in year 10000); ``--from 0001-01-01`` ran for minutes."""
    for period in (["--to", "9999-12-31"], ["--from", "0001-01-01"], ["--from", "2026-02-01", "--to", "2026-01-01"]):
        code, output = run(cli, "capacity", "report", *period, "--out", str(tmp_path / "r"))
        assert code == 2 and "--from/--to" in output, output
    assert not (tmp_path / "r").exists()
