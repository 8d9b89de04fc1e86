"""The capacity report people read: one self-contained Danish HTML file with its
charts embedded as base64 PNG, and a CSV file of each table beside it (UTF-8 with
a byte-order mark and ``;``, so Danish Excel opens it).

Numbers and dates are Danish (Babel); table cells a spreadsheet could run as a
formula are neutralised (``catalogue.formats.neutralise_cell``).
"""

from __future__ import annotations

import base64
import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any, Final

from babel.dates import format_date
from babel.numbers import format_decimal
from jinja2 import Environment

from capacity.ledger import kr
from catalogue.formats import neutralise_cell
from matcher.request import BARRIERS

from . import charts
from .collect import ReportData

LOCALE: Final = "da_DK"
TOP_GAPS: Final = 20
#: Supply figures shown against the baseline: metric -> Danish label.
SUPPLY_LABELS: Final[dict[str, str]] = {
    "organisations": "Aktive foreninger",
    "offers": "Aktive tilbud",
    "places_total": "Pladser i alt",
    "places_available": "Ledige pladser",
    "waitlist": "På venteliste",
    "volunteers_reported": "Frivillige (indberettet)",
    "companions_reported": "Ledsagere (indberettet)",
    "companion_offers": "Tilbud med ledsager",
}
CHART_SERIES: Final = ("offers", "places_total", "volunteers_reported")
OTHER_LABELS: Final = {"(ingen)": "Ingen barriere", "(ukendt)": "Ukendt", "(online)": "Online", "(alle)": "Alle"}


def number(value: Any) -> str:
    """Danish number text: ``1.234``, ``13.333,33``; ``"<5"`` and None (``–``) pass through."""
    if value is None:
        return "–"
    if isinstance(value, Decimal):
        return format_decimal(value, format="#,##0.00", locale=LOCALE)
    if isinstance(value, int | float):
        return format_decimal(value, locale=LOCALE)
    return str(value)


def percent(value: float | None) -> str:
    return "–" if value is None else format_decimal(value * 100, format="0.0", locale=LOCALE) + " %"


def day_text(day: date) -> str:
    return format_date(day, format="d. MMMM yyyy", locale="da")


@dataclass(frozen=True)
class Table:
    title: str
    filename: str
    header: list[str]
    rows: list[list[Any]]  # raw values; formatted for HTML and CSV separately


def _label(key: str, labels: Mapping[str, str]) -> str:
    return labels.get(key) or BARRIERS.get(key) or OTHER_LABELS.get(key) or key


def tables(data: ReportData, labels: Mapping[str, str]) -> dict[str, Table]:
    """Every table of the report (``labels``: category code -> Danish name)."""
    months = [[day.isoformat(), *(data.series[m][i] for m in SUPPLY_LABELS)] for i, day in enumerate(data.months)]
    grants = [
        [
            g["organisation_name"] or g["organisation_id"],
            g["purpose"],
            g["committed_on"].isoformat(),
            kr(g["amount_ore"]),
            kr(g["paid_ore"]),
            *(f"{g['expected'][k]} / {g['realised'][k]}" for k in ("offers", "places", "volunteers", "companions")),
            g["cost_per_place"],
            g["cost_per_volunteer"],
        ]
        for g in data.ledger["grants"]
    ]
    demand = data.demand
    out = {
        "supply": Table(
            "Udbud pr. måned", "udbud_pr_maaned.csv", ["Dato", *SUPPLY_LABELS.values()], [list(r) for r in months]
        ),
        "grants": Table(
            "Bevillinger",
            "bevillinger.csv",
            [
                "Modtager",
                "Formål",
                "Bevilget",
                "Beløb (kr.)",
                "Udbetalt (kr.)",
                "Tilbud forventet / realiseret",
                "Pladser forventet / realiseret",
                "Frivillige forventet / realiseret",
                "Ledsagere forventet / realiseret",
                "Kr. pr. ny plads",
                "Kr. pr. ny frivillig",
            ],
            grants,
        ),
        "supply_demand": Table(
            "Efterspørgsel og udbud pr. emne",
            "efterspoergsel_og_udbud_pr_emne.csv",
            ["Emne", "Forespørgsler", "Aktive tilbud", "Ledige pladser"],
            [
                [_label(r["category"], labels), r["requests"], r["offers"], r["places_available"]]
                for r in data.supply_demand
            ],
        ),
        "zero_results": Table(
            "Forespørgsler uden resultat, efter den barriere der fjernede flest tilbud",
            "uden_resultat_pr_barriere.csv",
            ["Barriere", "Forespørgsler"],
            [[_label(r["barrier"], labels), r["requests"]] for r in demand["zero_results_by_barrier"]],
        ),
        "waiting": Table(
            "Tilbud med venteliste",
            "ventelister.csv",
            ["Tilbud", "By", "På venteliste", "Pladser i alt"],
            [[r["title"], _label(r["town"], labels), r["waitlist"], r["places_total"]] for r in data.waiting],
        ),
        "utilisation": Table(
            "Udnyttelse: henvisninger startet pr. tilbud mod pladser",
            "udnyttelse.csv",
            ["Tilbud", "Startet", "Pladser i alt", "Andel"],
            [
                [r["title"] or r["offer_id"], r["started"], r["places_total"], percent(r["share"])]
                for r in data.utilisation
            ],
        ),
        "gaps": Table(
            "Huller",
            "huller.csv",
            [
                "Nr.",
                "By",
                "Emne",
                "Barriere",
                "Forespørgsler",
                "Uden godt match",
                "Uden resultat",
                "Tilbud",
                "Pladser i alt",
                "Ledige pladser",
                "På venteliste",
            ],
            [
                [
                    g["rank"],
                    _label(g["town"], labels),
                    _label(g["category"], labels),
                    _label(g["barrier"], labels),
                    g["requests"],
                    g["no_good_match"],
                    g["zero_results"],
                    g["offers"],
                    g["places_total"],
                    g["places_available"],
                    g["waitlist"],
                ]
                for g in data.gaps
            ],
        ),
    }
    for dim, title in (("town", "by"), ("category", "emne"), ("barrier", "barriere"), ("age_band", "aldersgruppe")):
        out[f"demand_{dim}"] = Table(
            f"Forespørgsler pr. {title}",
            f"efterspoergsel_pr_{title}.csv",
            [title.capitalize(), "Forespørgsler", "Uden godt match", "Andel uden godt match"],
            [
                [_label(r["key"], labels), r["requests"], r["no_good_match"], percent(r["share_no_good_match"])]
                for r in demand[f"by_{dim}"]
            ],
        )
    return out


def _money_series(data: ReportData) -> tuple[list[float], list[float]]:
    committed, paid = [], []
    for day in data.months:
        grants = [g for g in data.ledger["grants"] if g["committed_on"] <= day]
        committed.append(float(kr(sum(g["amount_ore"] for g in grants))))
        paid.append(float(kr(sum(p["amount_ore"] for g in grants for p in g["payments"] if p["paid_on"] <= day))))
    return committed, paid


def _b64(png: bytes) -> str:
    return base64.b64encode(png).decode("ascii")


def render_html(data: ReportData, labels: Mapping[str, str], made: date) -> str:
    """The report as one HTML document (charts inline)."""
    all_tables = tables(data, labels)
    committed, paid = _money_series(data)
    fund, ledger = data.ledger["fund"], data.ledger
    sd = data.supply_demand[:15]
    png = {
        "growth": charts.growth_chart(
            data.months, {m: data.series[m] for m in CHART_SERIES}, SUPPLY_LABELS, data.baseline
        ),
        "money": charts.money_chart(data.months, committed, paid, float(kr(fund["total_ore"]))),
        "demand": charts.supply_demand_chart(
            [_label(r["category"], labels) for r in sd], [r["requests"] for r in sd], [r["offers"] for r in sd]
        ),
    }
    before, after = data.baseline_supply, data.end_supply
    supply_rows = []
    for metric, label in SUPPLY_LABELS.items():
        b, a = _metric(before, metric), _metric(after, metric)
        supply_rows.append({"label": label, "before": number(b), "after": number(a), "change": _signed(a - b)})
    html_tables = {k: _html_table(t) for k, t in all_tables.items()}
    template = Environment(autoescape=True).from_string(
        resources.files("reports").joinpath("templates/capacity_report.html").read_text(encoding="utf-8")
    )
    return template.render(
        period=f"{day_text(data.start)} – {day_text(data.end)}",
        baseline=day_text(data.baseline),
        end=day_text(data.end),
        made=day_text(made),
        supply_rows=supply_rows,
        growth=data.growth,
        charts={k: _b64(v) for k, v in png.items()},
        fund={
            "name": fund["name"],
            "total": number(kr(fund["total_ore"])),
            "committed": number(kr(ledger["committed_ore"])),
            "paid": number(kr(ledger["paid_ore"])),
            "remaining": number(kr(ledger["remaining_ore"])),
        },
        demand={
            "requests": number(data.demand["requests"]),
            "no_good_match": number(data.demand["no_good_match"]),
            "share": percent(data.demand["share_no_good_match"]),
            "threshold": number(data.demand["no_good_match_threshold"]),
        },
        tables=html_tables,
        top=TOP_GAPS,
    )


def _metric(s: Any, metric: str) -> int:
    return int(getattr(s, metric) if metric.endswith("_reported") else getattr(s.totals, metric))


def _signed(n: int) -> str:
    return ("+" if n > 0 else "") + number(n)


def _html_table(t: Table) -> dict[str, Any]:
    return {"title": t.title, "header": t.header, "rows": [[number(c) for c in row] for row in t.rows]}


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_decimal(value, format="0.00", locale=LOCALE)
    if isinstance(value, float):
        return format_decimal(value, format="0.###", locale=LOCALE)
    if isinstance(value, int):
        return str(value)
    return neutralise_cell(str(value))


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """One table as CSV: UTF-8 with BOM, ``;``, decimal commas."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(header)
        writer.writerows([_csv_cell(c) for c in row] for row in rows)


def write_report(data: ReportData, out_dir: Path, labels: Mapping[str, str], made: date) -> list[Path]:
    """Write ``kapacitetsrapport.html`` and a CSV per table into ``out_dir`` (made if
    missing); returns the paths written, the HTML first."""
    out_dir.mkdir(parents=True, exist_ok=True)
    html = out_dir / "kapacitetsrapport.html"
    html.write_text(render_html(data, labels, made), encoding="utf-8")
    written = [html]
    for t in tables(data, labels).values():
        write_csv(out_dir / t.filename, t.header, t.rows)
        written.append(out_dir / t.filename)
    return written
