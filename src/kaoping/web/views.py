"""What a page or an endpoint shows, assembled once for both.

The API returns these structures as JSON and the pages render them, so a page can never
show a figure the API would not (the browser tests compare the two). Every function takes
an already-checked :class:`~kaoping.web.scope.Scope` or organ / prosecutor reference:
access is decided before anything here runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from kaoping.catalogue.models import Indicator
from kaoping.web import appraisal_data
from kaoping.web.data import WebData, definition_dict
from kaoping.web.scope import OrganRef, Scope
from kaoping.web.status import status, trend

__all__ = [
    "distribution",
    "headline",
    "indicator_card",
    "ranking",
    "warning_rows",
    "warnings",
]


def _card(data: WebData, value: dict[str, Any], level: int | None) -> dict[str, Any]:
    """The figure with its light and arrow. The arrow judges a change better or worse
    only when both sides are real figures: a period without data (``data_note``) or
    without a comparable year has none, rather than a green "down 100%"."""
    ind = data.definition(value["indicator"])
    light = status(ind, value["value"], level, value["flags"])
    real = (
        value.get("data_note") is None
        and value["value"] is not None
        and value["previous"] is not None
    )
    return {
        "value": value,
        "status": {"status": light, **trend(ind, value["change"] if real else None)},
    }


def indicator_card(
    data: WebData, indicator: str, period: str, *, organ: str | None = None,
    prosecutor: str | None = None, level: int | None = None,
) -> dict[str, Any]:
    """A figure (the ``show --json`` dict) with its traffic light and arrow."""
    return _card(data, data.value(indicator, period, organ=organ, prosecutor=prosecutor), level)


def indicator_cards(
    data: WebData, ids: Sequence[str], period: str, *, organ: str | None = None,
    prosecutor: str | None = None, level: int | None = None, stored_only: bool = False,
) -> list[dict[str, Any]]:
    """:func:`indicator_card` for several indicators, read together."""
    values = data.values_many(ids, period, organ=organ, prosecutor=prosecutor,
                              stored_only=stored_only)
    return [_card(data, v, level) for v in values]


#: how many headline cards an overview shows when none of the configured ones is in
#: the catalogue (another office's catalogue): its first indicators
HEADLINE_FALLBACK = 8


def headline_ids(data: WebData, ids: Sequence[str]) -> list[str]:
    """The configured headline indicators the catalogue has, in their order -- or, when
    it has none of them (a catalogue of another office's), its first ones."""
    known = [ind.id for ind in data.indicators()]
    chosen = [i for i in ids if i in set(known)]
    return chosen or known[:HEADLINE_FALLBACK]


def headline(
    data: WebData, ids: Sequence[str], period: str, *, organ: str, level: int
) -> list[dict[str, Any]]:
    """The overview's headline cards (:func:`headline_ids`)."""
    return indicator_cards(data, headline_ids(data, ids), period, organ=organ, level=level)


def ranking(
    data: WebData, organ: OrganRef, indicator: str, period: str
) -> dict[str, Any]:
    """The organs directly below ``organ``, ranked, with lights and appraisal grades."""
    ind = data.definition(indicator)
    rows = data.league(indicator, period, parent=organ.code)
    grades = appraisal_data.organ_grades(organ.scope.ctx.engine, [r["subject"] for r in rows],
                                          period)
    for r in rows:
        r["status"] = status(ind, r["value"], r.get("level"), r["flags"])
        r["grade"] = grades.get(r["subject"])
    visible = organ.scope.visible([r["subject"] for r in rows])
    rows = [r for r in rows if r["subject"] in set(visible)]
    return {"indicator": ind.id, "period": period, "parent": organ.code, "rows": rows}


def distribution(
    data: WebData, organ: OrganRef, indicator: str, period: str, *, bins: int = 10
) -> dict[str, Any]:
    """Where the organ stands among all organs of its level, without naming any of them.

    Only counts per bin and quartiles leave the server: a leader may see that 40 organs
    have a lower rate than his, never which ones (a sibling's figure stays his own).
    """
    level = int(organ.row["level"])
    values = np.array(data.level_figures(indicator, period, level=level), dtype=float)
    mine = data.value(indicator, period, organ=organ.code)["value"]
    if values.size == 0:
        return {"indicator": indicator, "period": period, "level": level,
                "organ_code": organ.code, "organ_value": mine, "peers": 0, "edges": [],
                "counts": [], "quartiles": [None, None, None], "organ_bin": None}
    edges, counts, step = anonymised_bins(values, bins)
    organ_bin = None
    if mine is not None:
        organ_bin = int(min(max(np.searchsorted(edges, mine, side="right") - 1, 0),
                            len(counts) - 1))
    quartiles: list[float | None] = [None, None, None]
    if values.size >= 2 * MIN_BIN:  # a quartile of a handful of organs is one organ's value
        quartiles = [_on_grid(float(q), step / 10) for q in
                     np.quantile(values, [0.25, 0.5, 0.75])]
    return {
        "indicator": indicator, "period": period, "level": level, "organ_code": organ.code,
        "organ_value": mine, "peers": int(values.size), "edges": edges,
        "counts": counts, "quartiles": quartiles, "organ_bin": organ_bin,
    }


#: the fewest organs a non-empty bin of a distribution may hold
MIN_BIN = 5


def _on_grid(x: float, step: float) -> float:
    return x if step <= 0 else round(round(x / step) * step, 12)


def anonymised_bins(values: Any, bins: int) -> tuple[list[float], list[int], float]:
    """Bin edges and counts in which no organ stands out: every non-empty bin holds at
    least :data:`MIN_BIN` organs (neighbouring bins are merged until it does, so few peers
    give few bins), and the edges lie on a round grid, so neither the exact minimum nor the
    exact maximum -- each one organ's figure -- is given away. Also returns the grid step."""
    n = int(values.size)
    lo, hi = float(values.min()), float(values.max())
    wanted = max(1, min(bins, n // MIN_BIN))
    raw = (hi - lo) / wanted or (abs(lo) * 0.01 or 0.01)
    magnitude = 10 ** np.floor(np.log10(raw))
    step = float(next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw))
    start = float(np.floor(lo / step) * step)
    k = max(1, int(np.ceil((hi - start) / step - 1e-9)))
    if start + k * step <= hi:
        k += 1  # the maximum must fall inside the last bin, not on its upper edge
    fine_edges = [_on_grid(start + i * step, step) for i in range(k + 1)]
    fine, _ = np.histogram(values, bins=fine_edges)
    edges, counts, run = [fine_edges[0]], [], 0
    for i, c in enumerate(fine):
        run += int(c)
        if run >= MIN_BIN:  # close the bin; empty fine bins before it widen it
            counts.append(run)
            edges.append(fine_edges[i + 1])
            run = 0
    if not counts:  # fewer than MIN_BIN organs in all: one bin
        counts = [run]
        edges.append(fine_edges[-1])
    else:  # the last few (and any empty bins after) join the last bin
        counts[-1] += run
        edges[-1] = fine_edges[-1]
    return edges, counts, step


def warnings(
    data: WebData, scope: Scope, organ: OrganRef, period: str, *, below: bool, limit: int
) -> list[dict[str, Any]]:
    """Flagged figures of the organ (and, with ``below``, of the organs below it)."""
    codes = sorted(data.descendants(organ.code)) if below else [organ.code]
    codes = scope.visible(codes)
    return warning_rows(data, data.flagged(codes, period, limit=limit))


def warning_rows(data: WebData, flagged: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flagged figures (:meth:`WebData.flagged` rows) with the indicator's names and unit."""
    defs = {ind.id: ind for ind in data.indicators()}
    out = []
    for r in flagged:
        ind = defs.get(r["indicator"])
        out.append({
            "indicator": r["indicator"],
            "name_zh": ind.name_zh if ind else r["indicator"],
            "name_en": ind.name_en if ind else r["indicator"],
            "organ_code": r["subject"], "organ_name_zh": r["name_zh"],
            "organ_name_en": r["name_en"], "level": r["level"], "period": r["period"],
            "value": r["value"], "change": r["change"], "change_unit": r["change_unit"],
            "flags": r["flags"],
            "unit": str(ind.unit) if ind else None,
        })
    return out


def describe(data: WebData, indicator: str) -> dict[str, str | None]:
    """Numerator and denominator in words, zh and en, as ``kaoping explain`` prints them."""
    from kaoping.engine.explain import MeasureRecords

    ind = data.definition(indicator)
    out: dict[str, str | None] = {}
    for role, m in (("numerator", ind.numerator), ("denominator", ind.denominator)):
        # the wording lives on MeasureRecords; no records are needed to describe a measure
        side = MeasureRecords(role, m, 0, pd.DataFrame(), None) if m is not None else None
        for lang in ("zh", "en"):
            out[f"{role}_{lang}"] = side.describe(lang) if side is not None else None
    return out


def definitions(data: WebData) -> list[dict[str, Any]]:
    return [definition_dict(ind) for ind in data.indicators()]


def breakdown(
    data: WebData, ind: Indicator, period: str, *, organ: str, by: str | None, lang: str
) -> dict[str, Any] | None:
    """The indicator page's breakdown: the figure per category of ``by`` (default: the
    first column the catalogue declares), the columns to choose from, and the chart's
    data. None when the indicator declares no breakdown and none is asked for."""
    from kaoping.catalogue.breakdowns import breakdown_columns

    if by is None and not ind.breakdowns:
        return None
    body = data.breakdown(ind.id, period, organ=organ, by=by)
    valid = breakdown_columns(ind)
    names = list(dict.fromkeys([*ind.breakdowns, body["by"]]))
    options = [{"name": n, "label": valid[n].label(lang)} for n in names]
    rows = body["categories"]
    label = "label_en" if lang == "en" else "label_zh"
    chart = {"labels": [r[label] for r in rows], "values": [r["value"] for r in rows]}
    problems = body["check"]["problems_en" if lang == "en" else "problems_zh"]
    return {**body, "options": options, "chart": chart, "problems": problems}
