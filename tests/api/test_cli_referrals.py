"""``faellesskab referrals``: purge, report and export, each kept in the access log."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select, text

from api.cli import main
from api.extensions import get_store
from api.models import AccessEvent
from catalogue.base import utcnow
from referrals import lifecycle, service
from referrals.models import Referral

GP = service.Requester(name="gp-system", role="referral_system", actor="referral_system#1")


def _old_closed_referral(app: Flask) -> str:
    store = get_store(app)
    with store.write() as session:
        rid = service.create(session, GP, citizen_ref="lp-cli-01", external_ref="gp-cli-01", gp_practice="111111").id
    lifecycle.move(store, rid, GP, 1, lifecycle.Step("closed", close_reason="no_longer_interested"))
    with store.write() as session:
        session.get(Referral, rid).updated_at = utcnow() - timedelta(days=400)
    return rid


def test_purge_report_and_export(cli: FlaskCliRunner, app: Flask, tmp_path: Path) -> None:
    rid = _old_closed_referral(app)
    result = cli.invoke(main, ["referrals", "purge", "--older-than", "12"])
    assert result.exit_code == 0 and result.stdout.startswith("1 closed referrals"), result.output
    again = cli.invoke(main, ["referrals", "purge", "--older-than", "12"])
    assert again.exit_code == 0 and again.stdout.startswith("0 closed referrals")
    assert cli.invoke(main, ["referrals", "purge", "--older-than", "0"]).exit_code == 2
    report = cli.invoke(main, ["referrals", "report"])
    assert report.exit_code == 0 and '"citizens": 0' in report.stdout
    target = tmp_path / "forskning.csv"
    export = cli.invoke(main, ["referrals", "export", "-o", str(target)])
    assert export.exit_code == 0
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfreferral_id;source;citizen_ref;") and rid.encode() in raw
    assert b"lp-cli-01" not in raw  # anonymised by the purge
    with get_store(app).read() as session:
        paths = session.scalars(select(AccessEvent.path).where(AccessEvent.role == "cli")).all()
        assert session.scalar(text("SELECT citizen_ref FROM referral")) == "anonymiseret"
    assert sorted(paths) == sorted(
        ["referrals purge --older-than 12", "referrals purge --older-than 12", "referrals report", "referrals export"]
    )
