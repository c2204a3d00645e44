"""A published table: one indicator and period over the organ tree, suppressed.

This is what leaves the procuratorate -- a public release, the API's public figures, a
report marked for publication. Each organ appears with its total and, where organs lie
below it, its own records (本院), so every sum in the table can be checked; the cells the
rules hide carry no number, only the mark.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kaoping.catalogue.models import Aggregation, Indicator, Unit
from kaoping.publication.rules import SuppressionRules, load_rules
from kaoping.publication.suppression import PRIMARY, SuppressionRule, suppress

if TYPE_CHECKING:
    from kaoping.api import Warehouse

__all__ = ["MARK", "PublicTable", "public_table", "suppressed_cells"]

#: what a hidden cell shows instead of its number
MARK = "*"

NOTES = {
    PRIMARY: ("数值过小，不予公布", "too small to publish"),
    "secondary": ("为防止推算而隐去", "hidden so that a small figure cannot be worked out"),
}


@dataclass
class PublicTable:
    indicator: Indicator
    period: str
    rule: SuppressionRule
    #: organ_code, parent_code, level, name_zh, name_en, own, numerator, denominator,
    #: value, suppressed (None / "primary" / "secondary")
    rows: pd.DataFrame
    rules_source: str = "default"
    meta: dict[str, Any] = field(default_factory=dict)

    def footnote(self, lang: str = "zh") -> str:
        r = self.rule
        if lang == "zh":
            return (
                f"“{MARK}”：{r.count_min}至{r.count_max}人（件）的数字及分母不足"
                f"{r.min_denominator:g}的比率不予公布；另有个别数字为防止推算而隐去。"
                "“本院”为该院自办案件。"
            )
        return (
            f"'{MARK}': counts of {r.count_min} to {r.count_max} and rates over fewer than "
            f"{r.min_denominator:g} are not published; some further cells are hidden so "
            "that those cannot be worked out from the totals. 'Own' is the organ's own cases."
        )

    def records(self, lang: str = "zh") -> list[dict[str, Any]]:
        """The rows as JSON-ready dicts, hidden numbers as None with the reason."""
        out = []
        zh = lang == "zh"
        for row in self.rows.itertuples(index=False):
            hidden = row.suppressed is not None
            note = NOTES[row.suppressed][0 if zh else 1] if hidden else None
            out.append({
                "organ_code": row.organ_code,
                "name": row.name_zh if zh else row.name_en,
                "level": int(row.level),
                "parent_code": _text(row.parent_code),
                "own": bool(row.own),
                "numerator": None if hidden else _num(row.numerator),
                "denominator": None if hidden else _num(row.denominator),
                "value": None if hidden else _num(row.value),
                "suppressed": hidden,
                "suppression": row.suppressed,
                "note": note,
            })
        return out


def _text(x: Any) -> str | None:
    """A code, or None for the top organ's missing parent (NaN once in a frame)."""
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else str(x)


def _num(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else float(x)


def _value(unit: Unit, num: pd.Series, den: pd.Series) -> pd.Series:
    if unit in (Unit.COUNT, Unit.AMOUNT):
        return num
    return (num / den.where(den != 0)).astype(float)


def suppressed_cells(
    wh: Warehouse, indicator: Indicator, period: str, rule: SuppressionRule
) -> pd.DataFrame:
    """The whole tree's cells of ``indicator`` in ``period``, suppressed."""
    figures = wh.values(indicator.id, period)
    organs = wh.hierarchy.organs[["organ_code", "parent_code", "level", "name_zh", "name_en"]]
    tree = organs.merge(figures[["organ_code", "numerator", "denominator"]],
                        on="organ_code", how="left")
    median = indicator.is_median
    medians = tree.set_index("organ_code")["numerator"]
    tree["numerator"] = tree["numerator"].fillna(0)
    if indicator.denominator is None and not median:
        tree["denominator"] = np.nan
    else:
        tree["denominator"] = tree["denominator"].fillna(0)
    if median:
        # a median does not add up, its records do: the cells are hidden by the number
        # of records (like a rate's denominator), and an organ's own cases (本院) have
        # no median of their own to publish -- it is not a difference of medians
        tree["numerator"] = tree["denominator"]
    count_like = indicator.numerator.agg in (Aggregation.COUNT, Aggregation.COUNT_DISTINCT)
    cells = suppress(tree, rule, count_like=count_like)
    cells = cells.merge(organs, on="organ_code", how="left")
    if median:
        own_median = cells["organ_code"].map(medians).astype(float)
        cells["numerator"] = own_median.where(~cells["own"].astype(bool))
        cells["value"] = cells["numerator"]
    else:
        cells["value"] = _value(indicator.unit, cells["numerator"], cells["denominator"])
    kind = cells["suppressed"].astype(object)
    cells["suppressed"] = kind.where(kind.notna(), None)
    return cells


def public_table(
    wh: Warehouse,
    indicator_id: str,
    period: str,
    *,
    organ: str | None = None,
    rules: SuppressionRules | None = None,
) -> PublicTable:
    """``indicator_id`` in ``period`` for ``organ`` and every organ below it (default: the
    whole tree), as published. Suppression is worked out on the whole tree first, so any
    two releases of the figure hide the same cells."""
    ind = wh.definition(indicator_id)
    rules = rules or load_rules(indicators=wh.catalogue.ids())
    rule = rules.for_indicator(ind.id)
    cells = suppressed_cells(wh, ind, period, rule)
    if organ is not None:
        below = set(wh.hierarchy.descendants(organ))
        cells = cells[cells["organ_code"].isin(below)]
    # each organ's total, then its own records; national first, organs in code order
    cells = cells.sort_values(["level", "organ_code", "own"], kind="stable").reset_index(drop=True)
    cols = ["organ_code", "parent_code", "level", "name_zh", "name_en", "own",
            "numerator", "denominator", "value", "suppressed"]
    return PublicTable(ind, str(period), rule, cells[cols], rules.source)
