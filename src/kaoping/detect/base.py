"""What every detector shares: a candidate per organ, FDR control, fetching the evidence."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from kaoping.detect.models import Detection
from kaoping.detect.source import Source, Where
from kaoping.detect.stats import FDR, bh

#: pseudo-persons of national pattern an organ's own pattern is shrunk with, so that a
#: small organ's habits are not read off a handful of cases
OWN_PRIOR = 20.0


@dataclass
class Candidate:
    """One organ (and measure) tested: its p-value, whether the effect matters, the story."""

    organ_code: str
    p_value: float
    strong: bool  # the effect is large enough to be worth a reviewer's time
    figures: dict[str, float | int | None]
    summary_zh: str
    summary_en: str
    where: Where
    records_zh: str
    records_en: str
    measure: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


def flag(
    source: Source, detector: str, period: str, candidates: list[Candidate], fdr: float = FDR
) -> list[Detection]:
    """Adjust every candidate's p-value across all tested, keep the strong ones under ``fdr``."""
    q = bh([c.p_value for c in candidates])
    kept = [(c, q_value) for c, q_value in zip(candidates, q, strict=True)
            if c.strong and q_value <= fdr]
    evidence = source.records_of([(c.organ_code, c.where) for c, _ in kept])
    out = []
    for (c, q_value), (ids, count) in zip(kept, evidence, strict=True):
        out.append(
            Detection(
                detector=detector,
                organ_code=c.organ_code,
                organ_name=source.names.get(c.organ_code, ("", ""))[0],
                organ_name_en=source.names.get(c.organ_code, ("", ""))[1],
                period=period,
                measure=c.measure,
                p_value=c.p_value,
                q_value=float(q_value),
                figures=c.figures,
                summary_zh=c.summary_zh,
                summary_en=c.summary_en,
                records_zh=c.records_zh,
                records_en=c.records_en,
                record_ids=ids,
                record_count=count,
            )
        )
    return sorted(out, key=lambda d: (d.q_value, d.organ_code))


def in_window(daily: pd.DataFrame, start: dt.date, end: dt.date) -> pd.Series:
    """Persons per organ whose day falls in [start, end)."""
    day = daily["day"]
    mask = (day >= pd.Timestamp(start)) & (day < pd.Timestamp(end))
    return daily.loc[mask].groupby("organ_code")["n"].sum()


def sum_windows(daily: pd.DataFrame, windows: list[tuple[dt.date, dt.date]]) -> pd.Series:
    """Persons per organ over several [start, end) windows together."""
    parts = [in_window(daily, a, b) for a, b in windows]
    if not parts:
        return pd.Series(dtype="float64")
    return pd.concat(parts, axis=1).fillna(0).sum(axis=1)


def ordinary_months(start: dt.date, stop: dt.date, after: int = 0) -> list[tuple[dt.date, dt.date]]:
    """(first day, first day of the next month) of each month from ``start`` that ends no
    quarter and whose end plus ``after`` days is before ``stop``: the organ's everyday
    month ends, against which a period end is compared."""
    out: list[tuple[dt.date, dt.date]] = []
    m = start
    while True:
        nxt = month_start(m.year, m.month + 1)
        if nxt + dt.timedelta(days=after) > stop:
            return out
        if m.month % 3:
            out.append((m, nxt))
        m = nxt


def month_start(year: int, month: int) -> dt.date:
    """The first day of a month given possibly out of range (month 0 is last December)."""
    year += (month - 1) // 12
    return dt.date(year, (month - 1) % 12 + 1, 1)


def shrunk_ratio(own_x: pd.Series, own_n: pd.Series, national_share: float) -> pd.Series:
    """An organ's own share relative to the national one, shrunk towards 1 for small organs."""
    share = (own_x + OWN_PRIOR * national_share) / (own_n + OWN_PRIOR)
    return share / max(national_share, 1e-9)


def own_habit(
    daily: pd.DataFrame,
    part: list[tuple[dt.date, dt.date]],
    whole: list[tuple[dt.date, dt.date]],
    organs: pd.Index,
) -> pd.Series:
    """Per organ: its share of ``part`` in ``whole`` (summed over its ordinary month ends)
    relative to every organ's, shrunk towards 1 (:func:`shrunk_ratio`)."""
    own_x, own_n = sum_windows(daily, part), sum_windows(daily, whole)
    everyone = float(own_x.sum()) / max(float(own_n.sum()), 1.0)
    return shrunk_ratio(
        own_x.reindex(organs, fill_value=0), own_n.reindex(organs, fill_value=0), everyone
    )


def pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"
