"""An invoice as a self-contained HTML page, with its daily usage charges as an SVG chart.

The page loads nothing: its style is inline, its chart is inline SVG, and its
Content-Security-Policy forbids every other source. Every text shown is escaped
(``html.escape``), whatever the customer's name or a line's description holds.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import Final

from telcocore.billing.invoices.model.render import STATUS_LABELS, InvoiceView

__all__ = ["CHART_HEIGHT", "CHART_WIDTH", "render_html", "usage_chart"]

CHART_WIDTH: Final = 640
"""The width of the usage chart, in SVG units."""
CHART_HEIGHT: Final = 200
"""The height of the usage chart, in SVG units (of which the bars take the top 170)."""
_BARS: Final = 170
_STYLE: Final = """
body { font-family: system-ui, sans-serif; color: #1d2430; margin: 2rem auto;
       max-width: 48rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; }
dl.facts dt { font-weight: 600; color: #4a5568; }
dl.facts dd { margin: 0; }
table { width: 100%; border-collapse: collapse; margin: 1.2rem 0; }
th, td { padding: 0.35rem 0.5rem; border-bottom: 1px solid #e2e8f0; }
th { text-align: left; background: #f7fafc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: 700; border-top: 2px solid #1d2430; }
.status { display: inline-block; padding: 0.1rem 0.6rem; border-radius: 1rem;
          background: #edf2f7; font-weight: 600; }
.status-paid { background: #c6f6d5; } .status-overdue { background: #fed7d7; }
.status-partially_paid { background: #fefcbf; } .status-void { background: #e2e8f0; }
svg .bar { fill: #3182ce; } svg text { font-size: 10px; fill: #4a5568; }
"""


def usage_chart(view: InvoiceView) -> str:
    """The daily usage charges as an inline SVG bar chart (a note if there is no usage)."""
    if not view.daily:
        return '<p class="no-usage">No usage in this period.</p>'
    top = max((amount.amount for _, amount in view.daily), default=Decimal(0))
    slot = CHART_WIDTH / len(view.daily)
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{CHART_WIDTH}" '
            f'height="{CHART_HEIGHT}" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}">'
        ),
        "<title>Usage charges by day</title>",
    ]
    for position, (day, amount) in enumerate(view.daily):
        share = float(amount.amount / top) if top > 0 else 0.0
        height = max(round(share * _BARS, 1), 0.0)
        x = round(position * slot + slot * 0.1, 1)
        label = escape(f"{view.day(day)}: {view.money(amount)}")
        parts.append(
            f'<rect class="bar" x="{x}" y="{round(_BARS - height, 1)}" '
            f'width="{round(slot * 0.8, 1)}" height="{height}"><title>{label}</title></rect>'
        )
        parts.append(
            f'<text x="{round(position * slot + slot / 2, 1)}" y="{_BARS + 15}" '
            f'text-anchor="middle">{day.day}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def render_html(view: InvoiceView) -> str:
    """The invoice as one HTML page: header, lines, totals, status and usage chart."""
    invoice = view.invoice
    facts = "".join(
        f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>" for label, value in view.facts
    )
    rows = "".join(
        f'<tr><td>{escape(row.description)}</td><td class="num">{escape(row.calls)}</td>'
        f'<td class="num">{escape(row.minutes)}</td><td class="num">{escape(row.amount)}</td></tr>'
        for row in view.rows
    )
    totals = "".join(
        f'<tr class="{"total" if label == "Total" else "sum"}"><td colspan="3">{escape(label)}</td>'
        f'<td class="num">{escape(value)}</td></tr>'
        for label, value in view.totals
    )
    language = escape(view.locale.replace("_", "-"))
    status = view.status.value
    return (
        f'<!DOCTYPE html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Invoice {escape(invoice.number)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n<h1>Invoice {escape(invoice.number)}</h1>\n"
        f'<p><span class="status status-{status}">{escape(STATUS_LABELS[view.status])}</span></p>\n'
        f'<dl class="facts">{facts}</dl>\n'
        '<table class="lines"><thead><tr><th>Description</th><th class="num">Calls</th>'
        '<th class="num">Minutes</th><th class="num">Amount</th></tr></thead>'
        f"<tbody>{rows}</tbody><tfoot>{totals}</tfoot></table>\n"
        f"<h2>Usage by day</h2>\n{usage_chart(view)}\n</body>\n</html>\n"
    )
