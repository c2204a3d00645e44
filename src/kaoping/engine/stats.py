"""From numerator and denominator to what a briefing prints: value, change, interval, flags.

All of it is written as Ibis column expressions over a table that holds, per subject and
period, ``numerator``, ``denominator``, ``previous_numerator``, ``previous_denominator``,
``has_previous`` and ``level``. The same function serves the full computation and the
one-off figure ``show`` computes on the fly, so both always agree.

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

from typing import TYPE_CHECKING, Any

from kaoping.catalogue.models import Aggregation, Direction, Indicator, Range, Unit

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "FLAGS",
    "Z95",
    "avg_as_ratio",
    "change_unit",
    "decorate",
    "derive",
    "is_ratio",
    "score",
    "small_denominator",
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


def _ratio(num: Any, den: Any) -> Any:
    import ibis

    return ibis.ifelse(den > 0, num / den, ibis.null("float64"))


def _value(indicator: Indicator, num: Any, den: Any) -> Any:
    return _ratio(num, den) if is_ratio(indicator) else num.cast("float64")


def _change(indicator: Indicator, value: Any, previous: Any) -> Any:
    import ibis

    if indicator.unit is Unit.RATE:
        return (value - previous) * 100
    if indicator.unit in (Unit.COUNT, Unit.AMOUNT):
        return ibis.ifelse(
            previous != 0, (value - previous) / previous.abs() * 100, ibis.null("float64")
        )
    return value - previous


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


def _bound(indicator: Indicator, level: Any, which: str) -> Any:
    """The range bound for the subject's level: by_level overrides the default."""
    import ibis

    rr = indicator.reasonable_range

    def pick(r: Range | None) -> float | None:
        return None if r is None else getattr(r, which)

    if rr is None:
        return ibis.null("float64")
    default = pick(rr.default)
    cases = [(level == lvl, pick(r)) for lvl, r in sorted(rr.by_level.items())]
    if not cases or all(v == default for _, v in cases):
        return ibis.literal(default, type="float64")
    return ibis.cases(
        *((cond, ibis.literal(v, type="float64")) for cond, v in cases),
        else_=ibis.literal(default, type="float64"),
    )


def _score(indicator: Indicator, value: Any, low: Any, high: Any) -> Any:
    """Higher is better: what ranks order by (missing = not ranked)."""
    import ibis

    if indicator.direction is Direction.HIGHER_IS_BETTER:
        return value
    if indicator.direction is Direction.LOWER_IS_BETTER:
        return -value
    if indicator.reasonable_range is None:
        return ibis.null("float64")
    # within a range: 0 inside it, minus the distance to the nearer bound outside it
    below = ibis.ifelse(low.notnull() & (value < low), low - value, 0.0)
    above = ibis.ifelse(high.notnull() & (value > high), value - high, 0.0)
    return ibis.ifelse(value.notnull(), -(below + above), ibis.null("float64"))


def _flags(indicator: Indicator, value: Any, change: Any, den: Any, low: Any, high: Any) -> Any:
    """Comma-separated flag names ('' when none): cheap to store and to search."""
    import ibis

    none = ibis.null("string")
    out_of_range = (value < low).fill_null(False) | (value > high).fill_null(False)
    items = [ibis.ifelse(out_of_range, "out_of_range", none)]
    if indicator.max_yoy_change is not None:
        swing = (change.abs() > indicator.max_yoy_change).fill_null(False)
        items.append(ibis.ifelse(swing, "yoy_swing", none))
    if indicator.min_denominator > 0 and is_ratio(indicator):
        items.append(ibis.ifelse(small_denominator(indicator, den), "small_denominator", none))
    return ibis.literal(",").join(items).fill_null("")


def small_denominator(indicator: Indicator, den: Any) -> Any:
    """True where the denominator is below the indicator's ``min_denominator``."""
    import ibis

    if indicator.min_denominator <= 0 or not is_ratio(indicator):
        return ibis.literal(False)
    return (den < indicator.min_denominator).fill_null(False)


def _range(indicator: Indicator, t: ir.Table) -> tuple[Any, Any]:
    return _bound(indicator, t["level"], "low"), _bound(indicator, t["level"], "high")


def score(t: ir.Table, indicator: Indicator) -> ir.Table:
    """Add ``value``, ``score`` (higher is better; what ranks order by) and ``rankable``.

    ``t`` holds numerator, denominator and level. Kept apart from :func:`decorate` so
    that the rank windows carry as few columns as possible.
    """
    value = _value(indicator, t["numerator"], t["denominator"])
    low, high = _range(indicator, t)
    with_value = t.mutate(value=value)
    v = with_value["value"]
    sc = _score(indicator, v, low, high).cast("float64")
    out: ir.Table = with_value.mutate(
        score=sc, rankable=sc.notnull() & ~small_denominator(indicator, t["denominator"])
    )
    return out


def decorate(t: ir.Table, indicator: Indicator) -> ir.Table:
    """Add previous, change, change_unit, ci_low, ci_high and flags to a scored table.

    ``t`` holds value (see :func:`score`), numerator, denominator, previous_numerator,
    previous_denominator, has_previous and level.
    """
    import ibis

    num, den, value = t["numerator"], t["denominator"], t["value"]
    prev = ibis.ifelse(
        t["has_previous"],
        _value(indicator, t["previous_numerator"], t["previous_denominator"]),
        ibis.null("float64"),
    )
    change = _change(indicator, value, prev).cast("float64")
    if indicator.unit is Unit.RATE and is_ratio(indicator):
        ci_low, ci_high = _wilson(num, den)
    else:
        ci_low = ci_high = ibis.null("float64")
    low, high = _range(indicator, t)
    out: ir.Table = t.mutate(
        previous=prev,
        change=change,
        change_unit=ibis.literal(change_unit(indicator)),
        ci_low=ci_low,
        ci_high=ci_high,
        flags=_flags(indicator, value, change, den, low, high),
    )
    return out


def derive(t: ir.Table, indicator: Indicator) -> ir.Table:
    """Everything :func:`score` and :func:`decorate` add, in one go (no ranks)."""
    return decorate(score(t, indicator), indicator)
