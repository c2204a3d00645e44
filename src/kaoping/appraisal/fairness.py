"""Fairness checks: expected values from the case mix, and ranks that cannot be told apart.

**Expected value (indirect standardisation).** An organ with many minors or many
dangerous-driving cases has a different non-prosecution rate for reasons that are not its
work. For a rate over persons, the national rate is computed in each stratum of crime and
minor status; an organ's *expected* numerator is what the national rates would give on its
own denominator mix::

    expected = sum over strata s of
               denominator(organ, s) x numerator(nation, s) / denominator(nation, s)

and the observed-to-expected ratio ``O/E = numerator / expected`` says whether the organ
is low because of its cases (O/E near 1) or its work (O/E far from 1). Shown beside the raw
value, never instead of it.

**Indistinguishable ranks.** A subject's total comes with an interval (its rates at the
ends of their 95% intervals, :mod:`kaoping.appraisal.score`); where the intervals of two
neighbours in a league table overlap, their order is not statistically meaningful, and
the results say so.
"""

from __future__ import annotations

import functools
import itertools
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from kaoping.catalogue.models import Aggregation, Indicator, Unit
from kaoping.engine.compile import record_filter
from kaoping.engine.compile import source_table as measure_source
from kaoping.engine.periods import Period

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["STRATA", "Expected", "expected_values", "indistinct_neighbours", "standardisable"]

#: the case-mix strata: crime and minor status (DOMAIN.md: "by crime and minor status")
STRATA = ("crime_code", "is_minor")
#: indicator -> organ_code, crime_code, is_minor, num, den (what one scan counts)
StrataCounts = dict[str, pd.DataFrame]


@dataclass(frozen=True)
class Expected:
    """An organ's rate next to what the national rates would give on its case mix."""

    indicator: str
    subject: str
    observed: float | None
    expected: float | None
    #: observed numerator / expected numerator; None when nothing was expected
    ratio: float | None
    numerator: float
    expected_numerator: float
    denominator: float


def standardisable(ind: Indicator) -> bool:
    """A rate counted over persons on both sides: the strata columns exist there."""
    den = ind.denominator
    return (
        ind.unit is Unit.RATE
        and den is not None
        and ind.numerator.table == "persons"
        and den.table == "persons"
        and ind.numerator.agg is Aggregation.COUNT
        and den.agg is Aggregation.COUNT
    )


def _strata_counts(
    backend: Any, indicators: Sequence[Indicator], period: Period
) -> StrataCounts:
    """indicator -> organ_code, crime_code, is_minor, num, den in ``period``.

    Every side of every indicator is one conditional count of the same grouped scan of
    ``persons``: one query for the whole scheme, where a query per side cost a national
    run 14 scans and as many plans. Groups where both sides are 0, and groups with an
    unknown stratum, are left out, as a count per side would leave them.
    """
    if not indicators:
        return {}
    measures = [m for ind in indicators for m in (ind.numerator, ind.denominator)
                if m is not None]
    t = measure_source(backend, "persons", measures)
    # only the records dated in the period on some side: the scan skips the other years
    dates = sorted({m.date for m in measures})
    t = t.filter(functools.reduce(operator.or_, [
        (t[d] >= period.start_date) & (t[d] < period.end_date) for d in dates]))
    # the unknown strata left out before grouping, not after: a column with a NULL
    # comes back from Ibis as Python objects
    t = t.filter(*[t[c].notnull() for c in ("organ_code", *STRATA)])
    counts: dict[str, Any] = {}
    for k, ind in enumerate(indicators):
        assert ind.denominator is not None
        for role, m in (("num", ind.numerator), ("den", ind.denominator)):
            inside = (record_filter(m, t) & (t[m.date] >= period.start_date)
                      & (t[m.date] < period.end_date))
            # counted, not summed: DuckDB sums BIGINTs as HUGEINTs, which reach pandas
            # as one Python Decimal per cell -- a second of a national run
            counts[f"{role}_{k}"] = t.count(where=inside.fill_null(False))
    grouped: ir.Table = t.group_by(["organ_code", *STRATA]).aggregate(**counts)
    wide = backend.execute(grouped)
    out = {}
    for k, ind in enumerate(indicators):
        frame = wide[["organ_code", *STRATA, f"num_{k}", f"den_{k}"]].rename(
            columns={f"num_{k}": "num", f"den_{k}": "den"})
        frame = frame[(frame["num"] > 0) | (frame["den"] > 0)]
        frame = frame.astype({"num": "int64", "den": "int64"})
        out[ind.id] = frame.sort_values(["organ_code", *STRATA]).reset_index(drop=True)
    return out


def expected_values(
    backend: Any,
    indicators: Sequence[Indicator],
    period: Period,
    coverage: Mapping[str, Sequence[str]],
    *,
    keep: Callable[[Sequence[Indicator], Callable[[], StrataCounts]], StrataCounts] | None = None,
) -> dict[tuple[str, str], Expected]:
    """(subject, indicator) -> :class:`Expected` for every standardisable indicator.

    ``coverage`` maps each subject (an organ) to the organs whose records it covers
    (itself and every organ below it). National stratum rates come from every record in
    the warehouse for the period. ``keep(chosen, make)`` may answer the strata counts of
    the chosen indicators from an earlier run on the same data (they are one scan of every
    person of the period, most of a small run's time).
    """
    out: dict[tuple[str, str], Expected] = {}
    owner = [(o, s) for s, organs in coverage.items() for o in organs]
    cover = pd.DataFrame(owner, columns=["organ_code", "subject"])
    chosen = [ind for ind in indicators if standardisable(ind)]

    def make() -> StrataCounts:
        return _strata_counts(backend, chosen, period)

    strata = make() if keep is None else keep(chosen, make)
    for ind_id, counts in strata.items():
        if counts.empty:
            continue
        national = counts.groupby(list(STRATA), dropna=False)[["num", "den"]].sum()
        rate = (national["num"] / national["den"].where(national["den"] > 0)).fillna(0.0)
        rate_frame = rate.rename("national_rate").reset_index()
        mine = counts.merge(cover, on="organ_code").merge(rate_frame, on=list(STRATA),
                                                          how="left")
        mine["expected_num"] = mine["den"] * mine["national_rate"].fillna(0.0)
        mine = mine.sort_values(["subject", "organ_code", *STRATA], kind="mergesort")
        # sums over rows in a fixed order: the same records give the same bits
        sums = mine.groupby("subject", sort=True)[["num", "den", "expected_num"]].sum()
        for subject, num, den, exp_num in zip(
            sums.index, sums["num"], sums["den"], sums["expected_num"], strict=True
        ):
            out[(str(subject), ind_id)] = _expected(
                ind_id, str(subject), float(num), float(den), float(exp_num)
            )
    return out


def _expected(indicator: str, subject: str, num: float, den: float, exp_num: float) -> Expected:
    return Expected(
        indicator=indicator,
        subject=subject,
        observed=num / den if den > 0 else None,
        expected=exp_num / den if den > 0 else None,
        ratio=num / exp_num if exp_num > 0 else None,
        numerator=num,
        expected_numerator=exp_num,
        denominator=den,
    )


def indistinct_neighbours(
    ranked: Sequence[tuple[str, float, float]],
) -> dict[str, list[str]]:
    """Subject -> the neighbours in rank order whose intervals overlap its own.

    ``ranked`` is (subject, low, high) best first. Only adjacent places are compared: a
    leader asks "is 3rd really ahead of 4th?", and overlap with the next one answers it.
    """
    out: dict[str, list[str]] = {s: [] for s, _, _ in ranked}
    for (a, a_lo, a_hi), (b, b_lo, b_hi) in itertools.pairwise(ranked):
        if a_lo <= b_hi and b_lo <= a_hi:
            out[a].append(b)
            out[b].append(a)
    return out
