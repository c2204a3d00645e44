"""Numbers as a Chinese or an English briefing writes them.

The two languages differ on purpose, following the published releases: English groups
thousands ("3,709 minors"), Chinese does not ("3709名") and writes large numbers in 万 and
亿 ("22.2万人"). Rates are percentages with one decimal (17.1%); a change of a rate is in
percentage points (百分点), a change of a count or an amount in percent.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "Lang",
    "format_amount",
    "format_change",
    "format_count",
    "format_value",
]

Lang = Literal["zh", "en"]

MISSING = {"zh": "无数据", "en": "n/a"}


def _trim(text: str) -> str:
    """'22.0' -> '22'; keeps '22.5'."""
    return text[:-2] if text.endswith(".0") else text


def _zh_large(x: float) -> str | None:
    """12.3万 / 1.2亿 for numbers a Chinese release would not write in full."""
    if abs(x) >= 1e8:
        return f"{_trim(f'{x / 1e8:.1f}')}亿"
    if abs(x) >= 1e5:
        return f"{_trim(f'{x / 1e4:.1f}')}万"
    return None


def format_count(x: float | None, lang: Lang) -> str:
    """A count: 3,709 (en), 3709 or 22.2万 (zh)."""
    if x is None:
        return MISSING[lang]
    n = round(x)
    if lang == "zh":
        return _zh_large(n) or str(n)
    return f"{n:,}"


def format_amount(x: float | None, lang: Lang) -> str:
    """An amount of money (yuan): 1,234.56 (en), 1234.56 or 123.5万 (zh)."""
    if x is None:
        return MISSING[lang]
    if lang == "zh":
        return _zh_large(x) or f"{x:.2f}"
    return f"{x:,.2f}"


def format_value(x: float | None, unit: str, lang: Lang) -> str:
    """A value in its unit: 17.1% (rate), 3,709 (count), 1.23 (ratio), 45.6 (days)."""
    if x is None:
        return MISSING[lang]
    if unit == "rate":
        return f"{x * 100:.1f}%"
    if unit == "count":
        return format_count(x, lang)
    if unit == "amount":
        return format_amount(x, lang)
    if unit == "ratio":
        return f"{x:.2f}"
    return f"{x:.1f}"  # days


_CHANGE_DECIMALS = {"percentage_points": 1, "percent": 1, "days": 1, "difference": 2}


def format_change(change: float | None, change_unit: str, lang: Lang) -> str | None:
    """The year-on-year change with its direction, without the words "year-on-year".

    ``上升5.9个百分点`` / ``up 5.9 percentage points`` for rates, ``上升12.3%`` /
    ``up 12.3%`` for counts and amounts, ``下降2.3天`` / ``down 2.3 days`` for days,
    ``持平`` / ``unchanged`` when it rounds to zero; None when there is no comparison.
    """
    if change is None:
        return None
    decimals = _CHANGE_DECIMALS.get(change_unit, 1)
    size = f"{abs(change):.{decimals}f}"
    if float(size) == 0:
        return "持平" if lang == "zh" else "unchanged"
    up = change > 0
    if lang == "zh":
        word = "上升" if up else "下降"
        suffix = {"percentage_points": "个百分点", "percent": "%", "days": "天"}.get(
            change_unit, ""
        )
        return f"{word}{size}{suffix}"
    word = "up" if up else "down"
    suffix = {"percentage_points": " percentage points", "percent": "%", "days": " days"}.get(
        change_unit, ""
    )
    if change_unit == "percentage_points" and size == "1.0":
        suffix = " percentage point"
    return f"{word} {size}{suffix}"
