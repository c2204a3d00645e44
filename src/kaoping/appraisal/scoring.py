"""Scoring methods: small pure functions from a value to an attainment in [0, 1].

An indicator's points are its share of the dimension's weight times its attainment, so
every method answers one question -- how much of the full marks did this value earn? --
and can be checked by hand (docs/appraisal.md gives each formula with an example).
Values are in the unit the engine stores: rates as fractions (0.171), days, ratios.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "clamp",
    "linear",
    "order_key",
    "percentile",
    "percentile_from_counts",
    "ratio_to_target",
    "within_range",
]


def clamp(x: float) -> float:
    """``x`` limited to [0, 1]."""
    return 0.0 if x < 0 else 1.0 if x > 1 else x


def within_range(
    value: float, low: float | None, high: float | None, zero_at_distance: float
) -> float:
    """1 inside [low, high]; outside, ``1 - distance / zero_at_distance``, at least 0.

    ``distance`` is how far the value lies beyond the nearer bound; an open bound (None)
    is never crossed.
    """
    if zero_at_distance <= 0:
        raise ValueError("zero_at_distance must be above 0")
    distance = 0.0
    if low is not None and value < low:
        distance = low - value
    elif high is not None and value > high:
        distance = value - high
    return clamp(1 - distance / zero_at_distance)


def ratio_to_target(value: float, target: float, higher_is_better: bool) -> float:
    """``value / target`` (``target / value`` when lower is better), capped at 1.

    A lower-is-better value of 0 meets any target (1); so does any value when a
    higher-is-better target is 0 (e.g. ``peer_max`` of a group where nobody has a case).
    """
    if higher_is_better:
        if target <= 0:
            return 1.0  # nothing to reach
        return clamp(value / target)
    if value <= 0:
        return 1.0
    return clamp(target / value)


def linear(value: float, zero_at: float, full_at: float) -> float:
    """0 at ``zero_at``, 1 at ``full_at``, linear between and clamped outside.

    Works in both directions: ``full_at < zero_at`` scores lower values higher.
    """
    if zero_at == full_at:
        raise ValueError("zero_at and full_at must differ")
    return clamp((value - zero_at) / (full_at - zero_at))


def order_key(
    value: float, direction: str, low: float | None = None, high: float | None = None
) -> float:
    """A number that is larger for a better value, for ordering peers.

    Within-range indicators are ordered by their distance outside the range (0 inside).
    """
    if direction == "higher_is_better":
        return value
    if direction == "lower_is_better":
        return -value
    below = low - value if low is not None and value < low else 0.0
    above = value - high if high is not None and value > high else 0.0
    return -(below + above)


def percentile(key: float, peer_keys: Sequence[float]) -> float:
    """Mid-rank percentile of ``key`` among ``peer_keys`` (which include it), in [0, 1].

    ``(worse + (equal - 1) / 2) / (n - 1)``: the best of n gets 1, the worst 0, ties share
    the mean of the places they occupy. A group of one scores 0.5: there is no one to be
    better or worse than.
    """
    worse = sum(1 for k in peer_keys if k < key)
    equal = sum(1 for k in peer_keys if k == key)
    if equal == 0:
        raise ValueError("peer_keys must include the subject's own key")
    return percentile_from_counts(worse, equal - 1, len(peer_keys))


def percentile_from_counts(worse: int, tied: int, n: int) -> float:
    """The same percentile from counts: ``worse`` and ``tied`` others among ``n`` in all."""
    if n <= 1:
        return 0.5
    return (worse + tied / 2) / (n - 1)
