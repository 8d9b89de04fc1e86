"""``faellesskab catalogue``: organisations and offers — import, export, demo, summary, categories, capacity."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import click
from flask import current_app

from catalogue import fileformats
from catalogue.errors import FileFormatError
from catalogue.fileformats import EXPORT_FORMATS, IMPORT_FORMATS

from ..extensions import get_store
from .common import cli_actor, uses_store


@click.group()
def catalogue() -> None:
    """Organisations and offers: import, export, summary."""


@catalogue.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(IMPORT_FORMATS),
    help="Default: from the file name; a folder is an HSDS datapackage.",
)
@click.option(
    "--skip-invalid", is_flag=True, help="Import the valid records and report the rest (default: all or nothing)."
)
@click.option("--dry-run", is_flag=True, help="Validate and report, write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@uses_store
def catalogue_import(path: Path, fmt: str | None, skip_invalid: bool, dry_run: bool, as_json: bool) -> None:
    """Import offers from PATH (JSON, JSON Lines, CSV, HSDS JSON or an HSDS datapackage folder)."""
    store = get_store()
    try:
        parsed = fileformats.read_any(path, fmt, known_categories=store.categories())
    except FileFormatError as exc:
        raise click.ClickException(f"{path}: {exc} Nothing was imported.") from None
    for warning in parsed.meta.get("warnings") or []:
        click.echo(f"  note: {warning}", err=True)
    report = store.import_offers(
        parsed.records,
        actor=cli_actor(),
        source=path.name,
        categories=parsed.categories,
        skip_invalid=skip_invalid,
        dry_run=dry_run,
        warnings=parsed.meta.get("warnings") or [],
    )
    _print_report(report, as_json)
    if report.rejected_total and not (skip_invalid and report.committed):
        sys.exit(1)


def _print_report(report: Any, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
        return
    click.echo(report.summary())
    for rej in report.rejected:
        where = (
            f"record {rej.record}" + (f" (line {rej.line})" if rej.line else "") + (f", id {rej.id}" if rej.id else "")
        )
        for field, messages in rej.errors.items():
            for message in messages:
                click.echo(f"  {where}: {field}: {message}", err=True)
    if report.rejected_total > len(report.rejected):
        click.echo(f"  … and {report.rejected_total - len(report.rejected)} more rejected records.", err=True)
    if report.rejected_total and not report.committed and not report.dry_run:
        click.echo("Fix the records above and import again; nothing was written.", err=True)


@catalogue.command("export")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Default: standard output.")
@uses_store
def catalogue_export(fmt: str, output: Path | None) -> None:
    """Export the whole catalogue (HSDS 3.0 JSON with --format hsds)."""
    store = get_store()
    out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        count = fileformats.write_any(store.iter_offers(), fmt, out, categories=store.categories())
    finally:
        if output:
            out.close()
    if output:
        click.echo(f"Wrote {count} offers to {output} ({fmt}).", err=True)


def demo_path() -> Path:
    return Path(str(resources.files("catalogue") / "data" / "demo_catalogue.json"))


@catalogue.command("demo")
@uses_store
def catalogue_demo() -> None:
    """Load the bundled, illustrative Norddjurs demo catalogue (idempotent)."""
    store = get_store()
    parsed = fileformats.read_any(demo_path())
    notice = parsed.meta.get("notice_da") or parsed.meta.get("notice")
    if notice:
        click.echo(f"NB: {notice}")
    report = store.import_offers(
        parsed.records, actor="demo-loader", source="demo_catalogue.json", categories=parsed.categories
    )
    _print_report(report, as_json=False)
    if not report.committed:
        sys.exit(1)


@catalogue.command("summary")
@click.option("--json", "as_json", is_flag=True)
@uses_store
def catalogue_summary(as_json: bool) -> None:
    """How many organisations and offers, by status, kind and town."""
    counts = get_store().counts()
    if as_json:
        click.echo(json.dumps(counts, ensure_ascii=False, indent=1))
        return
    click.echo(f"Catalogue at {current_app.config['DATABASE_URL'].split('@')[-1]}")
    click.echo(f"  {counts['organisations']} organisations, {counts['offers']} offers")
    click.echo("  by status: " + ", ".join(f"{k} {v}" for k, v in sorted(counts["by_status"].items())))
    click.echo("  by kind:   " + ", ".join(f"{k} {v}" for k, v in sorted(counts["by_kind"].items())))
    click.echo("  by town:   " + ", ".join(f"{k} {v}" for k, v in counts["by_town"].items()))


@catalogue.command("add-category")
@click.argument("code")
@click.argument("label_da")
@uses_store
def catalogue_add_category(code: str, label_da: str) -> None:
    """Extend the category taxonomy, e.g. `add-category fiskeri "Fiskeri"`."""
    from catalogue.errors import InvalidRecord

    try:
        get_store().add_category(code, label_da, actor=cli_actor())
    except InvalidRecord as exc:
        raise click.ClickException("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())) from None
    click.echo(f"Category {code} = {label_da}")


@catalogue.command("capacity")
@click.option(
    "--baseline",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Start of the pilot; later additions count as new. Default: first event.",
)
@click.option("--json", "as_json", is_flag=True)
@uses_store
def catalogue_capacity(baseline: datetime | None, as_json: bool) -> None:
    """Civil-society capacity month by month: organisations, offers, places, volunteers."""
    from catalogue.capacity import capacity_report

    report = capacity_report(get_store(), baseline=baseline.date() if baseline else None)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=1))
        return
    if not report.points or report.baseline is None:
        click.echo("No capacity history yet.")
        return
    base, points = report.baseline, report.points
    click.echo(f"Baseline {base.isoformat()}; 'new' = added after the baseline.")
    click.echo(
        f"{'month end':<11} {'orgs':>5} {'new':>4} {'offers':>6} {'new':>4} {'places':>6} {'free':>5} {'waitl':>5} {'volunt':>6}"
    )
    for p in points:
        click.echo(
            f"{p.period_end.isoformat():<11} {p.organisations:>5} {p.organisations_new:>4} {p.active_offers:>6} "
            f"{p.active_offers_new:>4} {p.places_total:>6} {p.places_available:>5} {p.waitlist:>5} {p.volunteers:>6}"
        )
