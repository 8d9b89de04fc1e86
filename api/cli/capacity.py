"""``faellesskab capacity``: the capacity report, volunteer reports, the fund and grants."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click
from flask import current_app

from ..extensions import get_store
from .common import cli_actor, uses_store

DATE = click.DateTime(["%Y-%m-%d"])


@click.group()
def capacity() -> None:
    """The civil-society build-up: report, volunteer reports, fund, grants."""


def _today() -> date:
    return datetime.now(UTC).date()


def _ore(text: str, field: str) -> int:
    from capacity.ledger import to_ore

    try:
        return to_ore(Decimal(text.replace(".", "").replace(",", ".") if "," in text else text))
    except (ValueError, InvalidOperation):
        raise click.BadParameter("an amount in kroner with at most two decimals", param_hint=field) from None


@capacity.command("report")
@click.option("--from", "start", type=DATE, help="First day of the period (default: the baseline).")
@click.option("--to", "end", type=DATE, help="Last day of the period (default: today).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@uses_store
def capacity_report(start: datetime | None, end: datetime | None, out_dir: Path) -> None:
    """Write the Danish HTML report (charts embedded) and a CSV per table into OUT."""
    from capacity.supply import offer_history
    from reports.collect import baseline_of, collect, period_error
    from reports.html import write_report

    store = get_store()
    last = end.date() if end else _today()
    baseline = baseline_of(offer_history(store), current_app.config.get("CAPACITY_BASELINE"))
    first = start.date() if start else min(baseline, last)
    error = period_error(first, last)
    if error:
        raise click.BadParameter(error, param_hint="--from/--to")
    files = write_report(collect(store, first, last, baseline), out_dir, store.categories(), made=_today())
    click.echo(f"Wrote {files[0]} and {len(files) - 1} CSV files.")


@capacity.command("volunteers")
@click.argument("organisation_id")
@click.option("--date", "day", type=DATE, help="The day the counts are for (default: today).")
@click.option("--volunteers", required=True, type=click.IntRange(0, 100_000))
@click.option("--companions", required=True, type=click.IntRange(0, 100_000))
@uses_store
def capacity_volunteers(organisation_id: str, day: datetime | None, volunteers: int, companions: int) -> None:
    """Record an organisation's registered volunteers and companions on a date (a new record)."""
    from capacity.volunteers import report_volunteers
    from catalogue.errors import NotFound

    try:
        report_volunteers(
            get_store(),
            organisation_id,
            reported_on=day.date() if day else _today(),
            volunteers=volunteers,
            companions=companions,
            actor=cli_actor(),
        )
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{organisation_id}: {volunteers} volunteers, {companions} companions recorded.")


@capacity.command("grant")
@click.argument("organisation_id")
@click.option("--amount", required=True, help="Kroner, e.g. 250000 or 250.000,50.")
@click.option("--date", "day", type=DATE, help="Committed on (default: today).")
@click.option("--purpose", default="")
@click.option("--offer", "offers", multiple=True, help="An offer the grant creates or expands (repeatable).")
@click.option("--expect-offers", type=click.IntRange(0), default=0)
@click.option("--expect-places", type=click.IntRange(0), default=0)
@click.option("--expect-volunteers", type=click.IntRange(0), default=0)
@click.option("--expect-companions", type=click.IntRange(0), default=0)
@uses_store
def capacity_grant(
    organisation_id: str,
    amount: str,
    day: datetime | None,
    purpose: str,
    offers: tuple[str, ...],
    expect_offers: int,
    expect_places: int,
    expect_volunteers: int,
    expect_companions: int,
) -> None:
    """Commit a grant from the capacity fund (refused when the fund has less left)."""
    from capacity.ledger import FundExceeded, add_grant
    from catalogue.errors import InvalidRecord

    expected = {
        "offers": expect_offers,
        "places": expect_places,
        "volunteers": expect_volunteers,
        "companions": expect_companions,
    }
    try:
        made = add_grant(
            get_store(),
            organisation_id=organisation_id,
            amount_ore=_ore(amount, "--amount"),
            committed_on=day.date() if day else _today(),
            purpose=purpose,
            expected=expected,
            offer_ids=list(offers),
            actor=cli_actor(),
        )
    except FundExceeded as exc:
        raise click.ClickException(str(exc)) from None
    except InvalidRecord as exc:
        raise click.ClickException("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())) from None
    click.echo(f"Grant {made['id']} committed.")
