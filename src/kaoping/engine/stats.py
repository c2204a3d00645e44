"""From numerator and denominator to what a briefing prints: value, change, interval, flags.

The stored figures of a computation are numerators and denominators (this period's and
the same period's a year earlier); everything else is derived from them by :func:`derive`,
an Ibis expression over those figures joined to the indicator's parameters (one row per
indicator and level, :func:`params_frame`). The same expression defines the
``indicator_values`` view over the stored figures and the one-off figure ``show``
computes on the fly, so the two always agree.

Conventions (docs/engine.md states them for users):

- value: counts and amounts are the numerator; rates, ratios and days are numerator /
  denominator, missing when the denominator is 0.
- change (year-on-year): rates in percentage points, ``(value - previous) * 100``;
  counts and amounts in percent, ``(value - previous) / previous * 100`` (missing when
  the previous value is 0); ratios and days as the plain difference, in their own unit
  (a briefing says "up 0.12" of a case-to-proceeding ratio and "down 2.3 days").
- rates carry a 95% Wilson score interval, sound near 0% and 100% and on small
  denominators, where the normal approximation fails.
- flags (comma-separated, '' when none): ``out_of_range`` (outside the reasonable range
  for the organ's level), ``yoy_swing`` (|change| above the indicator's
  ``max_yoy_change``), ``small_denominator`` (denominator below ``min_denominator``; such
  values are not ranked).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from kaoping.catalogue.models import Aggregation, Direction, Indicator, Range, Unit

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

__all__ = [
    "FLAGS",
    "PARAMS_COLUMNS",
    "Z95",
    "avg_as_ratio",
    "change_unit",
    "derive",
    "is_ratio",
    "params_frame",
]

#: The two-sided 95% normal quantile used by the Wilson interval.
Z95 = 1.959963984540054

FLAGS = ("out_of_range", "yoy_swing", "small_denominator")

_CHANGE_UNITS = {
    Unit.RATE: "percentage_points",
    Unit.COUNT: "percent",
    Unit.AMOUNT: "percent",
    Unit.RATIO: "difference",
    Unit.DAYS: "days",
}

#: column -> (DuckDB type, meaning) of the parameter table, one row per indicator and level
PARAMS_COLUMNS: dict[str, tuple[str, str]] = {
    "indicator": ("VARCHAR", "indicator id"),
    "level": ("INTEGER", "organ level 1-4 (prosecutors take their organ's)"),
    "ratio": ("BOOLEAN", "the value is numerator / denominator (else the numerator)"),
    "change_unit": ("VARCHAR", "percentage_points, percent, difference, days"),
    "wilson": ("BOOLEAN", "the value is a rate with a Wilson interval"),
    "direction": ("VARCHAR", "higher_is_better, lower_is_better, within_range"),
    "has_range": ("BOOLEAN", "the indicator has a reasonable range"),
    "low": ("DOUBLE", "lower bound of the reasonable range at this level"),
    "high": ("DOUBLE", "upper bound of the reasonable range at this level"),
    "min_denominator": ("DOUBLE", "below it a rate is flagged and not ranked (0: never)"),
    "max_yoy_change": ("DOUBLE", "a larger year-on-year change is flagged"),
}


def change_unit(indicator: Indicator) -> str:
    """What a year-on-year change of ``indicator`` is measured in."""
    return _CHANGE_UNITS[indicator.unit]


def is_ratio(indicator: Indicator) -> bool:
    """Whether the value is numerator / denominator (else it is the numerator itself).

    An ``avg`` numerator without a denominator is stored as its sum over its count, so it
    is a ratio too -- which is what lets it roll up.
    """
    if indicator.unit in (Unit.COUNT, Unit.AMOUNT):
        return False
    return indicator.denominator is not None or indicator.numerator.agg is Aggregation.AVG


def avg_as_ratio(indicator: Indicator) -> bool:
    """An ``avg`` numerator without a denominator: stored as its sum over its count."""
    return (
        indicator.denominator is None
        and indicator.numerator.agg is Aggregation.AVG
        and is_ratio(indicator)
    )


def _bound(indicator: Indicator, level: int, which: str) -> float | None:
    """The range bound for a level: ``by_level`` overrides the default."""
    rr = indicator.reasonable_range
    if rr is None:
        return None
    r: Range | None = rr.by_level.get(level, rr.default)
    return None if r is None else getattr(r, which)


def params_frame(indicators: Iterable[Indicator], levels: Iterable[int]) -> pd.DataFrame:
    """The parameters :func:`derive` needs, one row per indicator and level of the
    hierarchy (a reasonable range may differ by level; the levels are the data's -- four
    in China, another number elsewhere)."""
    import pandas as pd

    rows = []
    for ind in indicators:
        ratio = is_ratio(ind)
        for level in sorted(set(levels)):
            rows.append(
                {
                    "indicator": ind.id,
                    "level": level,
                    "ratio": ratio,
                    "change_unit": change_unit(ind),
                    "wilson": ind.unit is Unit.RATE and ratio,
                    "direction": str(ind.direction),
                    "has_range": ind.reasonable_range is not None,
                    "low": _bound(ind, level, "low"),
                    "high": _bound(ind, level, "high"),
                    # a median's denominator is its number of records
                    "min_denominator": float(ind.min_denominator)
                    if ratio or ind.is_median else 0.0,
                    "max_yoy_change": ind.max_yoy_change,
                }
            )
    frame = pd.DataFrame(rows, columns=list(PARAMS_COLUMNS))
    # The optional bounds are pandas' nullable Float64, so a missing bound is NA -- SQL's
    # NULL -- rather than NaN: DuckDB happens to turn NaN into NULL when it registers a
    # frame, other engines keep NaN, which compares as a number (``value < NaN`` is false
    # rather than unknown) and would be stored as a bound that is not there.
    return frame.astype(
        {
            "level": "int32",
            "ratio": "bool",
            "wilson": "bool",
            "has_range": "bool",
            "low": "Float64",
            "high": "Float64",
            "min_denominator": "float64",
            "max_yoy_change": "Float64",
        }
    )


def _ratio(num: Any, den: Any) -> Any:
    import ibis

    return ibis.ifelse(den > 0, num / den, ibis.null("float64"))


def _value(ratio: Any, num: Any, den: Any) -> Any:
    import ibis

    return ibis.ifelse(ratio, _ratio(num, den), num.cast("float64"))


def _change(unit: Any, value: Any, previous: Any) -> Any:
    import ibis

    percent = ibis.ifelse(
        previous != 0, (value - previous) / previous.abs() * 100, ibis.null("float64")
    )
    return ibis.cases(
        (unit == "percentage_points", (value - previous) * 100),
        (unit == "percent", percent),
        else_=value - previous,
    )


def _wilson(x: Any, n: Any) -> tuple[Any, Any]:
    """The 95% Wilson score interval for x successes out of n (None outside 0 <= x <= n)."""
    import ibis

    z2 = Z95 * Z95
    nf = n.cast("float64")
    p = x / nf
    scale = 1 + z2 / nf
    centre = (p + z2 / (2 * nf)) / scale
    half = Z95 * (p * (1 - p) / nf + z2 / (4 * nf * nf)).sqrt() / scale
    ok = (n > 0) & (x >= 0) & (x <= n)
    none = ibis.null("float64")
    low = ibis.ifelse(ok, ibis.greatest(centre - half, 0.0), none)
    high = ibis.ifelse(ok, ibis.least(centre + half, 1.0), none)
    return low, high


def _score(t: ir.Table, value: Any, out_of_range: Any) -> Any:
    """Higher is better: what ranks order by within a tier (missing = not ranked).

    Ranks order by ``in_range`` first, then by this score (:func:`kaoping.engine.rank.
    ranked`): inside the reasonable range (or without one) the value in the indicator's
    direction; outside it, minus the distance to the range -- so a 96.9% non-prosecution
    rate above its range ranks after every organ inside it, however high "higher is
    better" would place it, and the nearer of two values outside comes first.
    """
    import ibis

    low, high = t["low"], t["high"]
    # 0 inside the range, minus the distance to the nearer bound outside it
    below = ibis.ifelse(low.notnull() & (value < low), low - value, 0.0)
    above = ibis.ifelse(high.notnull() & (value > high), value - high, 0.0)
    distance = -(below + above)
    within = ibis.ifelse(value.notnull() & t["has_range"], distance, ibis.null("float64"))
    return ibis.cases(
        (value.notnull() & out_of_range, distance),
        (t["direction"] == str(Direction.HIGHER_IS_BETTER), value),
        (t["direction"] == str(Direction.LOWER_IS_BETTER), -value),
        else_=within,
    ).cast("float64")


def derive(t: ir.Table) -> ir.Table:
    """Add value, previous, change, ci_low, ci_high, flags, ``score``, ``in_range`` and
    ``rankable``.

    ``t`` holds numerator, denominator, previous_numerator, previous_denominator,
    has_previous and the columns of :data:`PARAMS_COLUMNS` (the indicator's parameters
    for the subject's level). Ranks order by ``in_range`` (values outside the
    reasonable range after those inside it), then by ``score`` (higher is better);
    ``rankable`` is false for missing values and small denominators.
    """
    import ibis

    num, den = t["numerator"], t["denominator"]
    ratio = t["ratio"]
    value = _value(ratio, num, den)
    previous = ibis.ifelse(
        t["has_previous"].fill_null(False),
        _value(ratio, t["previous_numerator"], t["previous_denominator"]),
        ibis.null("float64"),
    )
    change = _change(t["change_unit"], value, previous).cast("float64")
    ci_low, ci_high = _wilson(num, den)
    none = ibis.null("float64")
    # min_denominator is 0 unless the denominator is the population of the value (a
    # rate's, an average's, a median's records: params_frame)
    small = (t["min_denominator"] > 0) & (den < t["min_denominator"]).fill_null(False)
    out_of_range = (value < t["low"]).fill_null(False) | (value > t["high"]).fill_null(False)
    swing = (change.abs() > t["max_yoy_change"]).fill_null(False)
    nothing = ibis.null("string")
    flags = (
        ibis.literal(",")
        .join(
            [
                ibis.ifelse(out_of_range, "out_of_range", nothing),
                ibis.ifelse(swing, "yoy_swing", nothing),
                ibis.ifelse(small, "small_denominator", nothing),
            ]
        )
        .fill_null("")
    )
    score = _score(t, value, out_of_range)
    out: ir.Table = t.mutate(
        value=value,
        previous=previous,
        change=change,
        ci_low=ibis.ifelse(t["wilson"], ci_low, none),
        ci_high=ibis.ifelse(t["wilson"], ci_high, none),
        flags=flags,
        score=score,
        in_range=~out_of_range,
        rankable=score.notnull() & ~small,
    )
    return out
