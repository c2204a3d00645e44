"""Implausible perfection (数据过于完美): 100% or 0% on a denominator where nobody is perfect.

A rate of 100% on 8 persons is luck; on 200 persons, where the nation stands at 85% and
organs spread around it, it is more likely a recording habit (every box ticked) than
reality. For each rate below and each organ with at least 30 persons in its denominator,
the chance of so extreme a rate is taken from a beta-binomial fitted to all organs' counts
in the same period -- a binomial alone would ignore that organs genuinely differ and flag
every good organ. Flags need q <= 5% across every (organ, rate) pair tested.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from kaoping.detect.base import Candidate, flag, pct
from kaoping.detect.models import Detection
from kaoping.detect.source import Source
from kaoping.detect.stats import betabinom_extreme, betabinom_fit
from kaoping.engine.periods import Period

if TYPE_CHECKING:
    import ibis.expr.types as ir

NAME = "perfection"
MIN_DENOMINATOR = 30
MIN_FIT = 10  # organs with fewer persons say little about the spread


@dataclass(frozen=True)
class Measure:
    id: str
    name_zh: str
    name_en: str
    date: str
    denominator: Callable[[ir.Table], ir.BooleanValue]
    numerator: Callable[[ir.Table], ir.BooleanValue]


MEASURES = (
    Measure(
        "plea_leniency_rate",
        "认罪认罚从宽适用率",
        "plea-leniency application rate",
        "prosecution_review_concluded",
        lambda p: p.prosecution_decision.notnull() & p.plea_leniency.notnull(),
        lambda p: p.plea_leniency.fill_null(False),
    ),
    Measure(
        "recommendation_adoption_rate",
        "量刑建议采纳率",
        "sentencing-recommendation adoption rate",
        "verdict_date",
        lambda p: p.recommendation_adopted.notnull(),
        lambda p: p.recommendation_adopted.fill_null(False),
    ),
    Measure(
        "pretrial_detention_rate",
        "诉前羁押率",
        "pretrial detention rate",
        "prosecution_review_concluded",
        lambda p: (p.prosecution_decision == "prosecuted") & p.detained_at_prosecution.notnull(),
        lambda p: p.detained_at_prosecution.fill_null(False),
    ),
    Measure(
        "non_arrest_rate",
        "不捕率",
        "non-arrest rate",
        "arrest_review_concluded",
        lambda p: p.arrest_decision.notnull(),
        lambda p: p.arrest_decision == "not_approved",
    ),
    Measure(
        "non_prosecution_rate",
        "不诉率",
        "non-prosecution rate",
        "prosecution_review_concluded",
        lambda p: p.prosecution_decision.notnull(),
        lambda p: p.prosecution_decision != "prosecuted",
    ),
)


def _counts(source: Source, m: Measure, period: Period) -> tuple[list[str], np.ndarray, np.ndarray]:
    p = source.persons
    rows = p.filter(p[m.date] >= period.start_date, p[m.date] < period.end_date, m.denominator(p))
    expr = rows.group_by("organ_code").aggregate(x=m.numerator(rows).sum(), n=rows.count())
    frame = source.frame(expr).fillna(0)
    return (
        [str(c) for c in frame["organ_code"]],
        frame["x"].to_numpy(dtype=np.int64),
        frame["n"].to_numpy(dtype=np.int64),
    )


def detect(source: Source, period: Period) -> list[Detection]:
    candidates = []
    for m in MEASURES:
        organs, x, n = _counts(source, m, period)
        fit_mask = n >= MIN_FIT
        ab = betabinom_fit(x[fit_mask], n[fit_mask])
        mu = float(x.sum() / max(n.sum(), 1))
        for organ, x_o, n_o in zip(organs, x, n, strict=True):
            if n_o < MIN_DENOMINATOR:
                continue
            extreme = x_o in (0, n_o)
            p_value = betabinom_extreme(int(x_o), int(n_o), ab, mu) if extreme else 1.0
            rate = float(x_o / n_o)
            candidates.append(_candidate(m, organ, int(x_o), int(n_o), rate, mu, p_value, period))
    return flag(source, NAME, period.label, candidates)


def _candidate(
    m: Measure, organ: str, x: int, n: int, rate: float, mu: float, p_value: float, period: Period
) -> Candidate:
    start, end, date = period.start_date, period.end_date, m.date
    return Candidate(
        organ_code=organ,
        measure=m.id,
        p_value=p_value,
        strong=p_value < 1.0,
        figures={"numerator": x, "denominator": n, "rate": float(rate), "national_rate": mu},
        summary_zh=f"{m.name_zh}为{pct(rate)}（{x}/{n}），全国为{pct(mu)}。",
        summary_en=f"The {m.name_en} is {pct(rate)} ({x} of {n}); nationally {pct(mu)}.",
        where=lambda p: (p[date] >= start) & (p[date] < end) & m.denominator(p),
        records_zh=f"计入{m.name_zh}分母的人员",
        records_en=f"persons in the denominator of the {m.name_en}",
    )
