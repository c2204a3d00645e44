"""The fixed words of the reports, in Chinese and English, and how figures are written.

Numbers are formatted by the engine's narrative (:mod:`kaoping.narrative.numbers`) so that
a table cell and a briefing sentence never disagree; this module only adds the words.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "Lang",
    "change_text",
    "direction_text",
    "flag_text",
    "range_text",
    "t",
    "unit_text",
    "value_text",
]

Lang = Literal["zh", "en"]

_WORDS: dict[str, tuple[str, str]] = {
    "code": ("院代码", "Code"),
    "organ": ("单位", "Organ"),
    "indicator": ("指标", "Indicator"),
    "value": ("数值", "Value"),
    "numerator": ("分子", "Numerator"),
    "denominator": ("分母", "Denominator"),
    "previous": ("上年同期", "Previous year"),
    "change": ("同比", "Change"),
    "rank": ("排名", "Rank"),
    "flags": ("预警", "Flags"),
    "family": ("类别", "Family"),
    "unit": ("单位", "Unit"),
    "direction": ("方向", "Direction"),
    "range": ("合理区间", "Reasonable range"),
    "definition": ("定义", "Definition"),
    "source": ("定义来源", "Defined in"),
    "id": ("指标代码", "Indicator id"),
    "name_zh": ("中文名称", "Chinese name"),
    "name_en": ("英文名称", "English name"),
    "definitions_sheet": ("指标定义", "Definitions"),
    "breakdowns_sheet": ("分类统计", "Breakdowns"),
    "breakdown_title": ("{indicator}：按{column}", "{indicator} by {column}"),
    "category": ("类别", "Category"),
    "share": ("占比", "Share"),
    "total": ("合计", "Total"),
    "breakdown_mismatch": ("各类别之和与合计不符：", "The categories do not add up to the total: "),
    "about_sheet": ("说明", "About"),
    "this_organ": ("（本院）", " (this organ)"),
    "report_title": (
        "{organ}{period}检察业务考评统计表",
        "{organ}: performance statistics, {period}",
    ),
    "briefing_title": (
        "{organ}{period}检察业务考评情况通报",
        "{organ}: performance briefing, {period}",
    ),
    "computed_at": ("数据计算时间：{when}", "Figures computed {when}"),
    "generated_at": ("报表生成时间：{when}", "Report generated {when}"),
    "not_computed": ("未记录计算时间", "time of computation not recorded"),
    "period": ("统计期间", "Period"),
    "warehouse": ("数据仓库", "Warehouse"),
    "catalogue_version": ("指标目录版本", "Catalogue version"),
    "organs_below": ("下级院数", "Organs below"),
    "about_note": (
        "比率以百分比表示；比率的同比变化以百分点表示，人数、金额的同比变化以百分比表示。"
        "排名为在同一上级院所辖各院中的名次（1为最好）。超出合理区间的数值以红色标出。",
        "Rates are percentages; a change in a rate is in percentage points, a change in a "
        "count or an amount in percent. Rank is among the organs under the same parent "
        "(1 = best). Values outside their reasonable range are shown in red.",
    ),
    "no_data": ("无数据", "n/a"),
}

_FLAGS: dict[str, tuple[str, str]] = {
    "out_of_range": ("超出合理区间", "outside reasonable range"),
    "yoy_swing": ("同比波动过大", "large year-on-year swing"),
    "small_denominator": ("分母过小", "small denominator"),
}

_UNITS: dict[str, tuple[str, str]] = {
    "count": ("人/件", "count"),
    "rate": ("%", "%"),
    "ratio": ("比值", "ratio"),
    "days": ("天", "days"),
    "amount": ("元", "yuan"),
}

_DIRECTIONS: dict[str, tuple[str, str]] = {
    "higher_is_better": ("越高越好", "higher is better"),
    "lower_is_better": ("越低越好", "lower is better"),
    "within_range": ("处于合理区间为好", "within the range"),
}


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang == "zh" else pair[1]


def t(key: str, lang: Lang, **fields: str) -> str:
    """The word or phrase ``key`` in ``lang``, with ``fields`` filled in."""
    text = _pick(_WORDS[key], lang)
    return text.format(**fields) if fields else text


def flag_text(flags: tuple[str, ...] | list[str], lang: Lang) -> str:
    sep = "、" if lang == "zh" else "; "
    return sep.join(_pick(_FLAGS[f], lang) if f in _FLAGS else f for f in flags)


def unit_text(unit: str, lang: Lang) -> str:
    return _pick(_UNITS[unit], lang) if unit in _UNITS else unit


def direction_text(direction: str, lang: Lang) -> str:
    return _pick(_DIRECTIONS[direction], lang) if direction in _DIRECTIONS else direction


def value_text(x: float | None, unit: str, lang: Lang) -> str:
    """A value as the briefing writes it: 17.1%, 3,709, 1.23, 45.6."""
    from kaoping.narrative.numbers import format_value

    return format_value(x, unit, lang)


def change_text(change: float | None, change_unit: str, lang: Lang) -> str:
    """A year-on-year change with its sign: +5.9个百分点 / +5.9 pp, -12.3%."""
    if change is None:
        return t("no_data", lang)
    decimals = 2 if change_unit == "difference" else 1
    suffix = {
        "percentage_points": ("个百分点", " pp"),
        "percent": ("%", "%"),
        "days": ("天", " days"),
    }.get(change_unit, ("", ""))
    return f"{change:+.{decimals}f}{_pick(suffix, lang)}"


def range_text(bounds: tuple[float | None, float | None] | None, unit: str, lang: Lang) -> str:
    """A reasonable range as text: 15.0%–65.0%, ≥ 15.0%, ≤ 1.50."""
    if bounds is None or bounds == (None, None):
        return ""
    low, high = bounds
    if low is not None and high is not None:
        return f"{value_text(low, unit, lang)}–{value_text(high, unit, lang)}"
    if low is not None:
        return f"≥ {value_text(low, unit, lang)}"
    return f"≤ {value_text(high, unit, lang)}"
