"""Traffic lights and arrows: how a page marks a figure against its reasonable range.

- **red**: outside the reasonable range (合理区间) for the organ's level -- the engine's
  ``out_of_range`` flag, so page and CLI agree;
- **amber**: inside, but within a tenth of the range of one bound (worth watching), or
  flagged for an unusual year-on-year swing or a denominator too small to trust;
- **green**: comfortably inside;
- **none**: no range is defined, or there is no value.

The arrow says which way the figure moved year on year and whether that is better or
worse given the indicator's direction.
"""

from __future__ import annotations

from typing import Any

from kaoping.catalogue.models import Direction, Indicator, Range

__all__ = ["MARGIN", "level_range", "status", "trend"]

#: share of the range's width (or of the bound, for a half-open range) counted as "near"
MARGIN = 0.1


def level_range(ind: Indicator, level: int | None) -> Range | None:
    rr = ind.reasonable_range
    if rr is None:
        return None
    if level is not None and level in rr.by_level:
        return rr.by_level[level]
    return rr.default


def _near(value: float, r: Range) -> bool:
    if r.low is not None and r.high is not None:
        margin = (r.high - r.low) * MARGIN
        return value - r.low < margin or r.high - value < margin
    if r.low is not None:
        return value - r.low < abs(r.low) * MARGIN
    if r.high is not None:
        return r.high - value < abs(r.high) * MARGIN
    return False


def status(ind: Indicator, value: float | None, level: int | None, flags: list[str]) -> str:
    """"red", "amber", "green" or "none" (see the module docstring)."""
    if value is None:
        return "none"
    if "out_of_range" in flags:
        return "red"
    r = level_range(ind, level)
    caution = "yoy_swing" in flags or "small_denominator" in flags
    if r is None or (r.low is None and r.high is None):
        return "amber" if caution else "none"
    if caution or _near(value, r):
        return "amber"
    return "green"


def trend(ind: Indicator, change: float | None) -> dict[str, Any]:
    """{"arrow": up|down|flat|none, "judgement": better|worse|neutral}."""
    if change is None:
        return {"arrow": "none", "judgement": "neutral"}
    if abs(change) < 1e-9:
        return {"arrow": "flat", "judgement": "neutral"}
    up = change > 0
    if ind.direction is Direction.HIGHER_IS_BETTER:
        judgement = "better" if up else "worse"
    elif ind.direction is Direction.LOWER_IS_BETTER:
        judgement = "worse" if up else "better"
    else:
        judgement = "neutral"
    return {"arrow": "up" if up else "down", "judgement": judgement}
