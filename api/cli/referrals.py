"""``faellesskab referrals``: retention purge, the outcome report and the research export."""

from __future__ import annotations

import json
import logging
import sys

import click

from ..extensions import get_store
from .common import cli_actor, uses_store

access_log = logging.getLogger("faellesskab.access")


def audit(command: str) -> None:
    """Keep a command that reads or changes referral data in the access log: a log line and an
    ``access_event`` row (who: ``cli:<login>``, what: the command, when), as the API does for keys."""
    from catalogue.base import utcnow

    from ..models import AccessEvent

    who = cli_actor()
    access_log.info("CLI %s by %s", command, who)
    with get_store().write() as session:
        session.add(AccessEvent(at=utcnow(), key_name=who[:100], role="cli", method="CLI", path=command, status=0))


@click.group()
def referrals() -> None:
    """Referrals: purge (anonymise) closed ones, outcome report, research export."""


@referrals.command("purge")
@click.option(
    "--older-than",
    "months",
    required=True,
    type=click.IntRange(1, 1200),
    help="Anonymise closed referrals last changed more than this many months ago.",
)
@uses_store
def referrals_purge(months: int) -> None:
    """Anonymise closed referrals: pseudonyms, ids, links, place, codes and offers go; practice, age band,
    reasons, dates, status and scores stay. Running it again changes nothing."""
    from referrals.retention import purge

    count = purge(get_store(), months)
    audit(f"referrals purge --older-than {months}")
    click.echo(f"{count} closed referrals older than {months} months anonymised.")


@referrals.command("report")
@uses_store
def referrals_report() -> None:
    """The outcome report as JSON (figures from fewer than 5 citizens shown as "<5")."""
    from referrals.outcomes import outcome_report

    audit("referrals report")
    click.echo(json.dumps(outcome_report(get_store()), ensure_ascii=False, indent=2))


@referrals.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="File to write; default stdout.")
@uses_store
def referrals_export(output: str | None) -> None:
    """The research export: CSV, UTF-8 with BOM, `;`-separated, one row per referral (pseudonymous)."""
    from referrals.export import research_csv

    audit("referrals export")
    text = research_csv(get_store())
    if output:
        with open(output, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        click.echo(f"Research export written to {output}.", err=True)
    else:
        sys.stdout.write(text)
