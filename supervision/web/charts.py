"""Charts as inline SVG, drawn on the server (no script, no library, nothing fetched).

Each chart is an `<svg role="img">` named by its `<title>` and described by `<desc>`; the page puts
the same numbers in a table right after it (the accessible alternative). Bars scale to the largest
value; every bar carries its number as text, so the picture is readable without colour. Sizes are
in SVG user units (the `viewBox`); the SVG stretches to its container's width.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

#: bar fills: dark enough for 3:1 against white (WCAG 1.4.11), told apart by pattern of order too
PALETTE = ("#0b4f8a", "#9b1c1c", "#1d6b3a", "#6b3fa0", "#8a5a00", "#30506b", "#7a2e5c", "#4a4a4a")
INK = "#1a1a1a"


def bars(chart_id: str, title: str, rows: Sequence[tuple[str, int]], desc: str = "") -> Markup:
    """Horizontal bars, one per (label, count), in the given order."""
    width, label_w, row_h, pad = 360, 96, 30, 6
    top = max((n for _, n in rows), default=0) or 1
    height = pad * 2 + row_h * max(len(rows), 1)
    parts = [f'<svg id="{chart_id}" class="chart" role="img" viewBox="0 0 {width} {height}" '
             f'aria-labelledby="{chart_id}-t {chart_id}-d" preserveAspectRatio="xMinYMin meet">',
             f'<title id="{chart_id}-t">{escape(title)}</title>',
             f'<desc id="{chart_id}-d">{escape(desc or _describe(rows))}</desc>']
    span = width - label_w - 48
    for k, (label, n) in enumerate(rows):
        y = pad + k * row_h
        w = round(span * n / top) if n else 0
        parts.append(f'<text x="{label_w - 6}" y="{y + 20}" text-anchor="end" font-size="15" '
                     f'fill="{INK}">{escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{max(w, 1)}" height="{row_h - 8}" '
                     f'fill="{PALETTE[0]}"/>')
        parts.append(f'<text x="{label_w + max(w, 1) + 6}" y="{y + 20}" font-size="15" '
                     f'fill="{INK}">{n}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked(chart_id: str, title: str, months: Sequence[str], series: Sequence[tuple[str, str]],
            counts: dict[tuple[str, str], int], desc: str = "") -> Markup:
    """Vertical bars per month, stacked by series (key, label), with a legend and each month's total."""
    width, height, left, bottom, top_pad = 360, 220, 8, 40, 20
    totals = [sum(counts.get((m, k), 0) for k, _ in series) for m in months]
    top = max(totals, default=0) or 1
    slot = (width - left - 8) / max(len(months), 1)
    plot_h = height - bottom - top_pad
    legend_h = 22 * ((len(series) + 1) // 2)
    parts = [f'<svg id="{chart_id}" class="chart" role="img" viewBox="0 0 {width} {height + legend_h}" '
             f'aria-labelledby="{chart_id}-t {chart_id}-d" preserveAspectRatio="xMinYMin meet">',
             f'<title id="{chart_id}-t">{escape(title)}</title>',
             f'<desc id="{chart_id}-d">{escape(desc or _month_totals(months, totals))}</desc>',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - 8}" y2="{height - bottom}" '
             f'stroke="{INK}"/>']
    for i, month in enumerate(months):
        x = left + i * slot + slot * 0.15
        w = slot * 0.7
        y = height - bottom
        for s, (key, _) in enumerate(series):
            n = counts.get((month, key), 0)
            if not n:
                continue
            h = plot_h * n / top
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
                         f'fill="{PALETTE[s % len(PALETTE)]}" stroke="#fff"/>')
        if totals[i]:
            parts.append(f'<text x="{x + w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="13" '
                         f'fill="{INK}">{totals[i]}</text>')
        parts.append(f'<text x="{x + w / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                     f'font-size="12" fill="{INK}">{int(month[5:])}</text>')
        if i == 0 or month.endswith("-01"):
            parts.append(f'<text x="{x:.1f}" y="{height - bottom + 32}" font-size="12" '
                         f'fill="{INK}">{escape(month[:4])}年</text>')
    if not any(totals):
        parts.append(f'<text x="{width / 2}" y="{top_pad + plot_h / 2}" text-anchor="middle" font-size="15" '
                     f'fill="{INK}">各月均为 0</text>')
    for s, (_, label) in enumerate(series):
        lx = left + (s % 2) * 180
        ly = height + 8 + 22 * (s // 2)
        fill = PALETTE[s % len(PALETTE)]
        parts.append(f'<rect x="{lx}" y="{ly - 11}" width="14" height="14" fill="{fill}"/>')
        parts.append(f'<text x="{lx + 20}" y="{ly + 1}" font-size="13" fill="{INK}">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _describe(rows: Sequence[tuple[str, int]]) -> str:
    return "，".join(f"{label} {n}" for label, n in rows)


def _month_totals(months: Sequence[str], totals: Sequence[int]) -> str:
    return "各月合计：" + _describe(list(zip(months, totals, strict=True)))
