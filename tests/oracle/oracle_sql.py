"""An independent oracle for the default catalogue: every indicator recounted in plain SQL.

Each indicator of ``src/kaoping/catalogue/default/*.yaml`` is translated here BY HAND,
from its YAML measures and its prose definition, into DuckDB SQL. Nothing here calls the
catalogue's expression parser, its Ibis translation or the engine: the point is to get the
same figures a second, separate way, so that a bug in either shows up as a mismatch.

The rules the oracle implements (from DOMAIN.md, docs/catalogue.md and the issue):

- A measure counts (``count``), sums (``sum``) or counts distinct values
  (``count_distinct``) of the records of one table that pass its condition and whose date
  column falls in the period. A condition that is NULL drops the record (SQL ``WHERE``
  semantics, which is what the filter language documents).
- An organ's figure covers its own records and those of every organ below it in the
  ``organs`` hierarchy (a recursive CTE over ``parent_code`` builds the closure). A
  ``count_distinct`` counts distinct values over the organ's whole subtree and period.
- A prosecutor's figure covers the records whose ``prosecutor_id`` is his.
- A period is a set of calendar months (or explicit date bounds); a record belongs to it
  when its date column falls in one of them. The previous-year figure uses the same
  months (the same days) one year earlier.
- Value: numerator / denominator for rate, ratio and days (NULL when the denominator is
  0); the numerator itself for count and amount, which have no denominator (NULL).
- The previous-year value is NULL when the data hold no record at all of a measure's
  table dated (by that measure's date column) in the year(s) of the previous period: a
  comparison with a year the data do not cover is no comparison.
- It is NULL too when a year of the previous period is a spill-over year (issue 10): one
  whose records -- counted once per distinct (table, date column) the catalogue's
  measures name -- are fewer than a quarter of the busiest year's, unless that year was
  computed on purpose (``KAOPING_ORACLE_YEARS``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import duckdb
import pandas as pd

__all__ = [
    "INDICATORS",
    "PROSECUTOR_TABLES",
    "IndicatorSQL",
    "MeasureSQL",
    "months_of",
    "national_totals",
    "organ_figures",
    "own_figures",
    "prosecutor_figures",
]

Agg = Literal["count", "sum", "count_distinct"]
Month = tuple[int, int]
Interval = tuple[date, date]
#: a period: a label, the (year, month) pairs it covers, or date bounds (first, after)
PeriodSpec = str | Sequence[Month] | Interval
Periods = Iterable[str] | Mapping[str, PeriodSpec]

#: Tables that record the handling prosecutor (the tests check this against the warehouse).
PROSECUTOR_TABLES = frozenset(
    {"persons", "suggestions", "quality_reviews", "public_interest_cases"}
)


@dataclass(frozen=True)
class MeasureSQL:
    """One measure, hand-written: the records it takes and what it aggregates.

    ``where`` and ``value`` are SQL over the table ``table`` (for ``persons``, the crime's
    attributes are reachable as ``c.chapter``, ``c.serious_violent`` ...).
    """

    table: str
    date: str
    where: str = "TRUE"
    agg: Agg = "count"
    value: str | None = None
    #: False for sums of DECIMAL amounts, which two float summations may round differently
    exact: bool = True

    def records_sql(self) -> str:
        """The records the measure takes: organ, prosecutor, date and value, one per row."""
        source = self.table
        if self.table == "persons":
            source = "persons LEFT JOIN crimes c ON c.crime_code = persons.crime_code"
        prosecutor = (
            f"{self.table}.prosecutor_id"
            if self.table in PROSECUTOR_TABLES
            else "CAST(NULL AS VARCHAR)"
        )
        value = self.value if self.value is not None else "NULL"
        return (
            f"SELECT {self.table}.organ_code AS organ_code, {prosecutor} AS prosecutor_id, "
            f"{self.table}.{self.date} AS d, {value} AS v "
            f"FROM {source} "
            f"WHERE {self.table}.{self.date} IS NOT NULL AND ({self.where})"
        )

    def aggregate_sql(self) -> str:
        if self.agg == "count":
            return "CAST(count(*) AS DOUBLE)"
        if self.agg == "sum":
            return "CAST(coalesce(sum(r.v), 0) AS DOUBLE)"
        return "CAST(count(DISTINCT r.v) AS DOUBLE)"


@dataclass(frozen=True)
class IndicatorSQL:
    """An indicator: its measures and whether its value is a quotient."""

    numerator: MeasureSQL
    denominator: MeasureSQL | None = None

    @property
    def quotient(self) -> bool:
        """rate / ratio / days: value = numerator / denominator; count / amount: numerator."""
        return self.denominator is not None

    @property
    def measures(self) -> tuple[MeasureSQL, ...]:
        return (self.numerator,) if self.denominator is None else (self.numerator, self.denominator)


# --- the catalogue, translated by hand --------------------------------------------------

_NOT_PROSECUTED = "prosecution_decision IN ('not_prosecuted', 'conditional_not_prosecuted')"
_ARREST_DECIDED = "arrest_decision IN ('approved', 'not_approved')"
_ARC = "arrest_review_concluded"
_PRC = "prosecution_review_concluded"


def _persons(
    date_col: str, where: str = "TRUE", agg: Agg = "count", value: str | None = None
) -> MeasureSQL:
    return MeasureSQL("persons", date_col, where, agg, value)


def _prosecuted_in_chapter(chapter: int) -> IndicatorSQL:
    return IndicatorSQL(
        _persons(_PRC, f"prosecution_decision = 'prosecuted' AND c.chapter = {chapter}")
    )


INDICATORS: dict[str, IndicatorSQL] = {
    # --- arrest review ------------------------------------------------------------------
    "persons_arrest_approved": IndicatorSQL(_persons(_ARC, "arrest_decision = 'approved'")),
    "non_arrest_rate": IndicatorSQL(
        _persons(_ARC, "arrest_decision = 'not_approved'"),
        _persons(_ARC, _ARREST_DECIDED),
    ),
    "minor_non_arrest_rate": IndicatorSQL(
        _persons(_ARC, "is_minor AND arrest_decision = 'not_approved'"),
        _persons(_ARC, f"is_minor AND {_ARREST_DECIDED}"),
    ),
    "enterprise_non_arrest_rate": IndicatorSQL(
        _persons(_ARC, "enterprise_related AND arrest_decision = 'not_approved'"),
        _persons(_ARC, f"enterprise_related AND {_ARREST_DECIDED}"),
    ),
    "avg_arrest_review_days": IndicatorSQL(
        _persons(
            _ARC,
            "arrest_review_received IS NOT NULL",
            "sum",
            "date_diff('day', arrest_review_received, arrest_review_concluded)",
        ),
        _persons(_ARC, "arrest_review_received IS NOT NULL"),
    ),
    # --- case-to-proceeding ratio -------------------------------------------------------
    "case_proceeding_ratio": IndicatorSQL(
        _persons(
            _PRC,
            "prosecution_decision IS NOT NULL",
            "sum",
            "1 + coalesce(supplementary_returns, 0) + coalesce(extensions, 0)",
        ),
        _persons(_PRC, "prosecution_decision IS NOT NULL"),
    ),
    # --- crime structure ----------------------------------------------------------------
    "national_security_persons_prosecuted": _prosecuted_in_chapter(1),
    "public_safety_persons_prosecuted": _prosecuted_in_chapter(2),
    "economic_order_persons_prosecuted": _prosecuted_in_chapter(3),
    "personal_rights_persons_prosecuted": _prosecuted_in_chapter(4),
    "property_persons_prosecuted": _prosecuted_in_chapter(5),
    "social_order_persons_prosecuted": _prosecuted_in_chapter(6),
    "corruption_persons_prosecuted": _prosecuted_in_chapter(8),
    "serious_violent_persons_prosecuted": IndicatorSQL(
        _persons(_PRC, "prosecution_decision = 'prosecuted' AND c.serious_violent")
    ),
    "serious_violent_crime_share": IndicatorSQL(
        _persons(_PRC, "prosecution_decision = 'prosecuted' AND c.serious_violent"),
        _persons(_PRC, "prosecution_decision = 'prosecuted'"),
    ),
    "heavy_sentence_rate": IndicatorSQL(
        _persons("verdict_date", "verdict = 'guilty' AND sentence_months >= 36"),
        _persons("verdict_date", "verdict = 'guilty' AND sentence_months IS NOT NULL"),
    ),
    # --- letters from the public --------------------------------------------------------
    "petition_7day_reply_rate": IndicatorSQL(
        MeasureSQL(
            "petitions",
            "received",
            "procedural_reply IS NOT NULL AND procedural_reply - received <= 7",
        ),
        MeasureSQL("petitions", "received"),
    ),
    "petition_3month_reply_rate": IndicatorSQL(
        MeasureSQL(
            "petitions",
            "received",
            "result_reply IS NOT NULL AND result_reply <= received + INTERVAL 3 MONTH",
        ),
        MeasureSQL("petitions", "received"),
    ),
    # --- prosecution review -------------------------------------------------------------
    "persons_received_for_prosecution": IndicatorSQL(_persons("prosecution_review_received")),
    "persons_prosecuted": IndicatorSQL(_persons(_PRC, "prosecution_decision = 'prosecuted'")),
    "non_prosecution_rate": IndicatorSQL(
        _persons(_PRC, _NOT_PROSECUTED),
        _persons(_PRC, "prosecution_decision IS NOT NULL"),
    ),
    "minor_non_prosecution_rate": IndicatorSQL(
        _persons(_PRC, f"is_minor AND {_NOT_PROSECUTED}"),
        _persons(_PRC, "is_minor AND prosecution_decision IS NOT NULL"),
    ),
    "minor_conditional_non_prosecution_rate": IndicatorSQL(
        _persons(_PRC, "is_minor AND prosecution_decision = 'conditional_not_prosecuted'"),
        _persons(_PRC, "is_minor AND prosecution_decision IS NOT NULL"),
    ),
    "enterprise_non_prosecution_rate": IndicatorSQL(
        _persons(_PRC, f"enterprise_related AND {_NOT_PROSECUTED}"),
        _persons(_PRC, "enterprise_related AND prosecution_decision IS NOT NULL"),
    ),
    "pretrial_detention_rate": IndicatorSQL(
        _persons(_PRC, "prosecution_decision = 'prosecuted' AND detained_at_prosecution"),
        _persons(_PRC, "prosecution_decision = 'prosecuted'"),
    ),
    "plea_leniency_rate": IndicatorSQL(
        _persons(_PRC, "plea_leniency AND prosecution_decision IS NOT NULL"),
        _persons(_PRC, "prosecution_decision IS NOT NULL"),
    ),
    "sentencing_recommendation_adoption_rate": IndicatorSQL(
        _persons(
            "verdict_date",
            "sentencing_recommendation IN ('fixed', 'range') AND verdict = 'guilty' "
            "AND recommendation_adopted",
        ),
        _persons(
            "verdict_date",
            "sentencing_recommendation IN ('fixed', 'range') AND verdict = 'guilty'",
        ),
    ),
    "fixed_sentence_recommendation_rate": IndicatorSQL(
        _persons(
            _PRC,
            "plea_leniency AND prosecution_decision = 'prosecuted' "
            "AND sentencing_recommendation = 'fixed'",
        ),
        _persons(_PRC, "plea_leniency AND prosecution_decision = 'prosecuted'"),
    ),
    "avg_prosecution_review_days": IndicatorSQL(
        _persons(
            _PRC,
            "prosecution_review_received IS NOT NULL AND prosecution_decision IS NOT NULL",
            "sum",
            "prosecution_review_concluded - prosecution_review_received",
        ),
        _persons(
            _PRC,
            "prosecution_review_received IS NOT NULL AND prosecution_decision IS NOT NULL",
        ),
    ),
    "cases_per_prosecutor": IndicatorSQL(
        _persons(_PRC, "prosecution_decision IS NOT NULL AND prosecutor_id IS NOT NULL"),
        _persons(
            _PRC,
            "prosecution_decision IS NOT NULL AND prosecutor_id IS NOT NULL",
            "count_distinct",
            "prosecutor_id",
        ),
    ),
    # --- public-interest litigation -----------------------------------------------------
    "public_interest_cases_filed": IndicatorSQL(MeasureSQL("public_interest_cases", "filed")),
    "pre_litigation_rectification_rate": IndicatorSQL(
        MeasureSQL(
            "public_interest_cases",
            "pre_litigation_suggestion",
            "pre_litigation_suggestion IS NOT NULL AND rectified",
        ),
        MeasureSQL(
            "public_interest_cases",
            "pre_litigation_suggestion",
            "pre_litigation_suggestion IS NOT NULL",
        ),
    ),
    # --- quality review -----------------------------------------------------------------
    "quality_review_defect_rate": IndicatorSQL(
        MeasureSQL("quality_reviews", "reviewed", "grade IN ('flawed', 'unqualified')"),
        MeasureSQL("quality_reviews", "reviewed"),
    ),
    "quality_review_excellent_rate": IndicatorSQL(
        MeasureSQL("quality_reviews", "reviewed", "grade = 'excellent'"),
        MeasureSQL("quality_reviews", "reviewed"),
    ),
    # --- reverse review -----------------------------------------------------------------
    "non_prosecution_after_arrest_rate": IndicatorSQL(
        _persons(_PRC, f"arrest_decision = 'approved' AND {_NOT_PROSECUTED}"),
        _persons(_PRC, "arrest_decision = 'approved' AND prosecution_decision IS NOT NULL"),
    ),
    "light_sentence_after_arrest_rate": IndicatorSQL(
        _persons(
            "verdict_date",
            "arrest_decision = 'approved' AND verdict = 'guilty' "
            "AND (probation OR sentence_months <= 6)",
        ),
        _persons("verdict_date", "arrest_decision = 'approved' AND verdict = 'guilty'"),
    ),
    "prosecution_withdrawal_rate": IndicatorSQL(
        _persons(_PRC, "prosecution_decision = 'prosecuted' AND prosecution_withdrawn"),
        _persons(_PRC, "prosecution_decision = 'prosecuted'"),
    ),
    "acquittal_rate": IndicatorSQL(
        _persons("verdict_date", "verdict = 'acquitted'"),
        _persons("verdict_date", "verdict IS NOT NULL"),
    ),
    "supplementary_return_rate": IndicatorSQL(
        _persons(_PRC, "prosecution_decision IS NOT NULL AND supplementary_returns > 0"),
        _persons(_PRC, "prosecution_decision IS NOT NULL"),
    ),
    "extension_rate": IndicatorSQL(
        _persons(_PRC, "prosecution_decision IS NOT NULL AND extensions > 0"),
        _persons(_PRC, "prosecution_decision IS NOT NULL"),
    ),
    # --- special mechanisms -------------------------------------------------------------
    "organized_crime_lead_verification_rate": IndicatorSQL(
        MeasureSQL("leads", "received", "verified IS NOT NULL AND outcome <> 'pending'"),
        MeasureSQL("leads", "received"),
    ),
    "poverty_property_return_rate": IndicatorSQL(
        MeasureSQL(
            "property_returns",
            "registered",
            "returned IS NOT NULL",
            "sum",
            "amount_returned",
            exact=False,
        ),
        MeasureSQL("property_returns", "registered", "TRUE", "sum", "amount_involved", exact=False),
    ),
    "poverty_property_amount_returned": IndicatorSQL(
        MeasureSQL("property_returns", "returned", "TRUE", "sum", "amount_returned", exact=False),
    ),
    "avg_poverty_property_return_days": IndicatorSQL(
        MeasureSQL(
            "property_returns", "returned", "TRUE", "sum", "date_diff('day', registered, returned)"
        ),
        MeasureSQL("property_returns", "returned"),
    ),
    # --- procuratorial suggestions ------------------------------------------------------
    "suggestions_issued": IndicatorSQL(MeasureSQL("suggestions", "issued")),
    "suggestion_timely_reply_rate": IndicatorSQL(
        MeasureSQL("suggestions", "reply_due", "replied IS NOT NULL AND replied <= reply_due"),
        MeasureSQL("suggestions", "reply_due"),
    ),
    "suggestion_adoption_rate": IndicatorSQL(
        MeasureSQL("suggestions", "replied", "replied IS NOT NULL AND adopted"),
        MeasureSQL("suggestions", "replied", "replied IS NOT NULL"),
    ),
    "suggestion_rectification_rate": IndicatorSQL(
        MeasureSQL("suggestions", "replied", "replied IS NOT NULL AND rectified"),
        MeasureSQL("suggestions", "replied", "replied IS NOT NULL"),
    ),
    "spp_suggestion_no1_follow_ups": IndicatorSQL(
        MeasureSQL("suggestions", "issued", "spp_number = 1")
    ),
}


# --- periods ----------------------------------------------------------------------------

_YEAR = re.compile(r"^(\d{4})$")
_HALF = re.compile(r"^(\d{4})-H([12])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_RANGE = re.compile(r"^(\d{4})-(\d{2})\.\.(\d{4})-(\d{2})$")


def _span(y1: int, m1: int, y2: int, m2: int) -> list[Month]:
    out: list[Month] = []
    y, m = y1, m1
    while (y, m) <= (y2, m2):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def months_of(label: str) -> list[Month]:
    """The (year, month) pairs a period label covers: 2020, 2020-H1, 2020-Q3, 2020-06,
    2020-01..2020-09."""
    if m := _YEAR.match(label):
        y = int(m[1])
        return _span(y, 1, y, 12)
    if m := _HALF.match(label):
        y, h = int(m[1]), int(m[2])
        return _span(y, 6 * h - 5, y, 6 * h)
    if m := _QUARTER.match(label):
        y, q = int(m[1]), int(m[2])
        return _span(y, 3 * q - 2, y, 3 * q)
    if m := _MONTH.match(label):
        return [(int(m[1]), int(m[2]))]
    if m := _RANGE.match(label):
        return _span(int(m[1]), int(m[2]), int(m[3]), int(m[4]))
    raise ValueError(f"oracle cannot read period {label!r}")


def _month_intervals(months: Sequence[Month]) -> list[Interval]:
    """Half-open date intervals [first day, first day of the next month), one per month."""
    out = []
    for y, m in months:
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        out.append((date(y, m, 1), date(ny, nm, 1)))
    return out


def _year_earlier(d: date) -> date:
    """The same day a year earlier; 29 February becomes 1 March (the day after the 28th)."""
    if (d.month, d.day) == (2, 29):
        return date(d.year - 1, 3, 1)
    return d.replace(year=d.year - 1)


def _is_date_bounds(spec: object) -> bool:
    return isinstance(spec, tuple) and len(spec) == 2 and all(isinstance(x, date) for x in spec)


def _normalise(periods: Periods) -> dict[str, tuple[list[Interval], list[Interval]]]:
    """label -> (the period's date intervals, the same a year earlier).

    A period is a label, a list of (year, month) pairs, or date bounds ``(first, after)``
    (``first <= d < after``). Months shift back a year as months; date bounds day by day.
    """
    out: dict[str, tuple[list[Interval], list[Interval]]] = {}
    items: Iterable[tuple[str, PeriodSpec]] = (
        periods.items() if isinstance(periods, Mapping) else ((p, p) for p in periods)
    )
    for label, spec in items:
        if isinstance(spec, str):
            spec = months_of(spec)
        if _is_date_bounds(spec):
            lo, hi = spec  # type: ignore[misc]
            out[str(label)] = ([(lo, hi)], [(_year_earlier(lo), _year_earlier(hi))])
        else:
            months = [(int(y), int(m)) for y, m in spec]  # type: ignore[misc]
            earlier = [(y - 1, m) for y, m in months]
            out[str(label)] = (_month_intervals(months), _month_intervals(earlier))
    return out


def _periods_values(
    periods: Mapping[str, tuple[list[Interval], list[Interval]]], which: int
) -> str:
    """VALUES rows (period, lo, hi) of the current (0) or previous-year (1) intervals."""
    rows = []
    for label, both in periods.items():
        for lo, hi in both[which]:
            rows.append(f"('{label}', DATE '{lo.isoformat()}', DATE '{hi.isoformat()}')")
    return "VALUES " + ", ".join(rows)


def _years(intervals: Sequence[Interval]) -> list[int]:
    """The calendar years the half-open intervals touch."""
    years: set[int] = set()
    for lo, hi in intervals:
        years.update(range(lo.year, (hi - timedelta(days=1)).year + 1))
    return sorted(years)


# --- the queries ------------------------------------------------------------------------

_CLOSURE = """
closure(ancestor, descendant) AS (
    SELECT organ_code, organ_code FROM organs
    UNION ALL
    SELECT o.parent_code, cl.descendant
    FROM closure cl JOIN organs o ON o.organ_code = cl.ancestor
    WHERE o.parent_code IS NOT NULL
)"""


def _asked_years() -> list[int]:
    """The years the oracle's warehouse was computed for on purpose (``--years``)."""
    out: list[int] = []
    for part in os.environ.get("KAOPING_ORACLE_YEARS", "").replace(" ", "").split(","):
        if "-" in part:
            lo, hi = part.split("-")
            out += range(int(lo), int(hi) + 1)
        elif part:
            out.append(int(part))
    return out


def _comparable_years_sql() -> str:
    """The years with substantial data: at least a quarter of the busiest year's records,
    each (table, date column) of the catalogue's measures counted once -- or asked for."""
    pairs = sorted({(m.table, m.date) for ind in INDICATORS.values() for m in ind.measures})
    dated = " UNION ALL ".join(
        f"SELECT year({d}) AS y FROM {t} WHERE {d} IS NOT NULL" for t, d in pairs
    )
    asked = "".join(f" UNION SELECT {y}" for y in _asked_years())
    return (
        f"(SELECT y FROM (SELECT y, count(*) AS n FROM ({dated}) GROUP BY y) "
        f"WHERE 4 * n >= (SELECT max(n) FROM (SELECT count(*) AS n FROM ({dated}) GROUP BY y))"
        f"{asked})"
    )


def _has_data_sql(
    measure: MeasureSQL, periods: Mapping[str, tuple[list[Interval], list[Interval]]]
) -> str:
    """Per period: does the table hold any record dated in every year the previous period
    covers, and is each of those years one with substantial data?"""
    parts = []
    comparable = _comparable_years_sql()
    for label, (_, earlier) in periods.items():
        years = _years(earlier)
        checks = " AND ".join(
            f"EXISTS (SELECT 1 FROM {measure.table} WHERE year({measure.date}) = {y}) "
            f"AND {y} IN {comparable}"
            for y in years
        )
        parts.append(f"SELECT '{label}' AS period, ({checks}) AS ok")
    return " UNION ALL ".join(parts)


def _figures_sql(
    ind: IndicatorSQL,
    periods: Mapping[str, tuple[list[Interval], list[Interval]]],
    *,
    by: Literal["organ", "own", "prosecutor"],
) -> str:
    """Per subject and period: numerator, denominator, previous_numerator,
    previous_denominator, value, previous."""
    ctes = [_CLOSURE.strip()] if by == "organ" else []
    ctes.append(f"cur_periods(period, lo, hi) AS ({_periods_values(periods, 0)})")
    ctes.append(f"prev_periods(period, lo, hi) AS ({_periods_values(periods, 1)})")
    names = ["num"] + (["den"] if ind.denominator is not None else [])
    for name, m in zip(names, ind.measures, strict=True):
        ctes.append(f"{name}_rec AS ({m.records_sql()})")
        for when in ("cur", "prev"):
            if by == "organ":
                subject = "cl.ancestor"
                join = "JOIN closure cl ON cl.descendant = r.organ_code"
            elif by == "own":
                subject, join = "r.organ_code", ""
            else:
                subject, join = "r.prosecutor_id", ""
            where = "WHERE r.prosecutor_id IS NOT NULL" if by == "prosecutor" else ""
            ctes.append(
                f"{name}_{when} AS (SELECT {subject} AS subject, p.period, "
                f"{m.aggregate_sql()} AS x FROM {name}_rec r {join} "
                f"JOIN {when}_periods p ON r.d >= p.lo AND r.d < p.hi {where} "
                f"GROUP BY ALL)"
            )
        ctes.append(f"{name}_has_prev AS ({_has_data_sql(m, periods)})")
    if by == "prosecutor":
        subjects = (
            "SELECT DISTINCT subject FROM ("
            + " UNION ".join(f"SELECT subject FROM {n}_{w}" for n in names for w in ("cur", "prev"))
            + ")"
        )
    else:
        subjects = "SELECT organ_code AS subject FROM organs"
    ctes.append(f"subjects AS ({subjects})")
    ctes.append("labels AS (SELECT DISTINCT period FROM cur_periods)")

    num, pnum = "coalesce(num_cur.x, 0)", "coalesce(num_prev.x, 0)"
    if ind.denominator is not None:
        den, pden = "coalesce(den_cur.x, 0)", "coalesce(den_prev.x, 0)"
        value = f"CASE WHEN {den} > 0 THEN {num} / {den} END"
        prev_value = f"CASE WHEN {pden} > 0 THEN {pnum} / {pden} END"
        prev_ok = "num_has_prev.ok AND den_has_prev.ok"
        den_joins = (
            "LEFT JOIN den_cur ON den_cur.subject = s.subject AND den_cur.period = l.period "
            "LEFT JOIN den_prev ON den_prev.subject = s.subject AND den_prev.period = l.period "
            "JOIN den_has_prev ON den_has_prev.period = l.period "
        )
    else:
        den = pden = "CAST(NULL AS DOUBLE)"
        value, prev_value, prev_ok, den_joins = num, pnum, "num_has_prev.ok", ""
    return (
        "WITH RECURSIVE " + ",\n".join(ctes) + "\n"
        f"SELECT s.subject, l.period, {num} AS numerator, {den} AS denominator, "
        f"{value} AS value, {pnum} AS previous_numerator, {pden} AS previous_denominator, "
        f"CASE WHEN {prev_ok} THEN {prev_value} END AS previous "
        "FROM subjects s CROSS JOIN labels l "
        "LEFT JOIN num_cur ON num_cur.subject = s.subject AND num_cur.period = l.period "
        "LEFT JOIN num_prev ON num_prev.subject = s.subject AND num_prev.period = l.period "
        "JOIN num_has_prev ON num_has_prev.period = l.period "
        f"{den_joins}"
    )


def _run(
    con: duckdb.DuckDBPyConnection,
    indicator_id: str,
    periods: Periods,
    by: Literal["organ", "own", "prosecutor"],
) -> pd.DataFrame:
    ind = INDICATORS[indicator_id]
    sql = _figures_sql(ind, _normalise(periods), by=by)
    frame = con.execute(sql).df()
    key = "prosecutor_id" if by == "prosecutor" else "organ_code"
    return frame.rename(columns={"subject": key})


def organ_figures(
    con: duckdb.DuckDBPyConnection,
    indicator_id: str,
    periods: Periods,
) -> pd.DataFrame:
    """Every organ x period: its subtree's figures (organ_code, period, numerator,
    denominator, value, previous_numerator, previous_denominator, previous).

    ``periods`` is a list of labels (``2020-H1``, ``2020-01..2020-09`` ...) or a mapping
    from a label to the (year, month) pairs it covers, or to date bounds
    ``(first_day, day_after)``.
    """
    return _run(con, indicator_id, periods, "organ")


def own_figures(
    con: duckdb.DuckDBPyConnection,
    indicator_id: str,
    periods: Periods,
) -> pd.DataFrame:
    """Every organ x period: the figures of the organ's OWN records only (no organ below)."""
    return _run(con, indicator_id, periods, "own")


def prosecutor_figures(
    con: duckdb.DuckDBPyConnection,
    indicator_id: str,
    periods: Periods,
) -> pd.DataFrame:
    """Every prosecutor with a record of the indicator (this period or a year earlier) x
    period: the figures of the records carrying his prosecutor_id."""
    return _run(con, indicator_id, periods, "prosecutor")


def national_totals(
    con: duckdb.DuckDBPyConnection,
    indicator_id: str,
    periods: Periods,
) -> pd.DataFrame:
    """Per period: numerator and denominator over ALL records, whatever their organ."""
    ind = INDICATORS[indicator_id]
    pmap = _normalise(periods)
    out = []
    for label, (intervals, _) in pmap.items():
        row: dict[str, object] = {"period": label}
        conds = " OR ".join(
            f"(r.d >= DATE '{lo.isoformat()}' AND r.d < DATE '{hi.isoformat()}')"
            for lo, hi in intervals
        )
        for name, m in (("numerator", ind.numerator), ("denominator", ind.denominator)):
            if m is None:
                row[name] = None
                continue
            sql = f"SELECT {m.aggregate_sql()} FROM ({m.records_sql()}) r WHERE {conds}"
            fetched = con.execute(sql).fetchall()
            row[name] = float(fetched[0][0])
        out.append(row)
    return pd.DataFrame(out)
