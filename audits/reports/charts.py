"""Charts for the PDF, as inline SVG (WeasyPrint draws it; nothing fetched,
no chart library): horizontal bars for shares, columns for months."""

from __future__ import annotations

from decimal import Decimal
from xml.sax.saxutils import escape

FONT = 'font-family="WenQuanYi Micro Hei, sans-serif"'
BAR = "#b42318"
MUTED = "#57606a"


def _amount(value: Decimal) -> str:
    return f"{value:,.2f}"


def bars(items: list[tuple[str, Decimal]], *, width: int = 640) -> str:
    """One bar per (label, amount), the longest the largest amount."""
    if not items:
        return ""
    row, label_w, value_w = 22, 150, 120
    top = max((v for _l, v in items), default=Decimal(0)) or Decimal(1)
    span = width - label_w - value_w
    height = row * len(items) + 6
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" {FONT} font-size="11">'
    ]
    for i, (label, value) in enumerate(items):
        y = i * row + 4
        length = float(value / top) * span if value > 0 else 0
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" '
            f'fill="{MUTED}">{escape(label[:14])}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{length:.1f}" height="14" '
            f'fill="{BAR}"/>'
            f'<text x="{label_w + length + 4:.1f}" y="{y + 13}">'
            f"{_amount(value)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def columns(items: list[tuple[str, Decimal]], *, width: int = 640) -> str:
    """One column per (month, amount), with the month under it."""
    if not items:
        return ""
    height, base, top_pad = 190, 160, 18
    top = max((v for _l, v in items), default=Decimal(0)) or Decimal(1)
    step = (width - 20) / len(items)
    bar_w = min(step * 0.6, 48)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" {FONT} font-size="10">',
        f'<line x1="10" y1="{base}" x2="{width - 10}" y2="{base}" stroke="{MUTED}" '
        'stroke-width="0.5"/>',
    ]
    for i, (label, value) in enumerate(items):
        x = 10 + i * step + (step - bar_w) / 2
        h = float(value / top) * (base - top_pad) if value > 0 else 0
        parts.append(
            f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar_w:.1f}" '
            f'height="{h:.1f}" fill="{BAR}"/>'
            f'<text x="{x + bar_w / 2:.1f}" y="{base + 14}" text-anchor="middle" '
            f'fill="{MUTED}">{escape(label)}</text>'
            f'<text x="{x + bar_w / 2:.1f}" y="{base - h - 4:.1f}" '
            f'text-anchor="middle">{_amount(value)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
