"""The capacity report's charts: matplotlib on the Agg canvas, as PNG bytes.

Figures are made with :class:`matplotlib.figure.Figure` and
:class:`~matplotlib.backends.backend_agg.FigureCanvasAgg` directly (never
pyplot), so drawing is thread-safe in the web server and needs no display.
Numbers on the axes are Danish (Babel).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

LOCALE = "da_DK"
_DANISH = FuncFormatter(lambda value, _pos: format_decimal(value, format="#,##0.##", locale=LOCALE))


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=100, bbox_inches="tight")
    return out.getvalue()


def _month_labels(days: Sequence[date]) -> list[str]:
    return [format_date(day, format="MMM yy", locale="da") for day in days]


def growth_chart(days: Sequence[date], series: dict[str, list[int]], labels: dict[str, str], baseline: date) -> bytes:
    """One line per series over ``days``, each with its baseline value as a dashed line."""
    fig = Figure(figsize=(8, 3.6))
    ax = fig.add_subplot()
    x = list(range(len(days)))
    base_index = max((i for i, day in enumerate(days) if day <= baseline), default=0)
    for name, values in series.items():
        (line,) = ax.plot(x, values, marker="o", label=labels[name])
        ax.axhline(values[base_index], color=line.get_color(), linestyle="--", linewidth=0.8)
    ax.axvline(base_index, color="grey", linestyle=":", label="Baseline")
    ax.set_xticks(x, _month_labels(days), rotation=45, ha="right")
    ax.yaxis.set_major_formatter(_DANISH)
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def money_chart(days: Sequence[date], committed: Sequence[float], paid: Sequence[float], fund: float) -> bytes:
    """Committed and paid kroner (cumulative) against the fund's total."""
    fig = Figure(figsize=(8, 3.6))
    ax = fig.add_subplot()
    x = list(range(len(days)))
    ax.step(x, committed, where="post", label="Bevilget", marker="o")
    ax.step(x, paid, where="post", label="Udbetalt", marker="o")
    ax.axhline(fund, color="black", linestyle="--", label="Puljen i alt")
    ax.set_xticks(x, _month_labels(days), rotation=45, ha="right")
    ax.yaxis.set_major_formatter(_DANISH)
    ax.set_ylabel("kr.")
    ax.set_ylim(0, fund * 1.1)
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def supply_demand_chart(categories: Sequence[str], requests: Sequence[int | str], offers: Sequence[int]) -> bytes:
    """Requests (suppressed ones drawn as 0 and marked "<5") and active offers per category."""
    fig = Figure(figsize=(8, 3.8))
    ax = fig.add_subplot()
    x = list(range(len(categories)))
    req = [r if isinstance(r, int) else 0 for r in requests]
    ax.bar([i - 0.2 for i in x], req, width=0.4, label="Forespørgsler")
    ax.bar([i + 0.2 for i in x], offers, width=0.4, label="Aktive tilbud")
    for i, r in enumerate(requests):
        if not isinstance(r, int):
            ax.annotate(str(r), (i - 0.2, 0), ha="center", va="bottom", fontsize="small")
    ax.set_xticks(x, list(categories), rotation=45, ha="right")
    ax.yaxis.set_major_formatter(_DANISH)
    ax.legend(loc="upper right", fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)
