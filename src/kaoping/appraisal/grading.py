"""Ranks and grades within a group: ties share a rank and are never split by a quota.

Ranks are competition ranks ("1224"): subjects whose totals are equal to the published
precision (two decimals) share a rank, and the next rank skips. Grades are handed out best
first: a subject gets the first grade whose ``min_total`` it reaches and whose quota still
has room for it *and everyone tied with it*; a tie that would overflow a quota falls, whole,
to the next grade -- splitting equal totals between two grades would be arbitrary, and
exceeding the quota would break the rule the quota stands for.

Uncertainty counts at both ends, as the scheme's grades say: a grade with ``min_low`` goes
only to a subject whose interval's *lower* end reaches it as well (the data show it is
excellent, not only that it may be), and a last grade with ``max_high`` only to one whose
interval's *upper* end stays below it (a subject that may well be good on its few cases is
not called poor; it gets the grade above).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kaoping.appraisal.scheme import Grade

__all__ = ["RANK_DECIMALS", "GradeAssignment", "assign_grades", "competition_ranks", "quota_size"]

#: totals equal to this many decimals tie (the precision a league table prints)
RANK_DECIMALS = 2


def _key(total: float) -> float:
    return round(total, RANK_DECIMALS)


def competition_ranks(totals: Mapping[str, float]) -> dict[str, int]:
    """Subject -> rank, 1 = best; equal totals (to two decimals) share a rank ("1224")."""
    ordered = sorted(totals, key=lambda s: (-_key(totals[s]), s))
    ranks: dict[str, int] = {}
    for i, subject in enumerate(ordered):
        prev = ordered[i - 1] if i else None
        if prev is not None and _key(totals[prev]) == _key(totals[subject]):
            ranks[subject] = ranks[prev]
        else:
            ranks[subject] = i + 1
    return ranks


def quota_size(quota: float, group_size: int) -> int:
    """How many subjects of a group a quota admits: floor(quota x size) ("at most 15%")."""
    return math.floor(quota * group_size + 1e-9)


@dataclass(frozen=True)
class GradeAssignment:
    grade: str
    #: why the subject did not get a better grade it reached, e.g. the quota was full
    note: str | None = None


def _blocks(totals: Mapping[str, float]) -> list[list[str]]:
    """Subjects in rank order, grouped into blocks of equal totals."""
    ranks = competition_ranks(totals)
    blocks: dict[int, list[str]] = {}
    for subject in sorted(totals, key=lambda s: (ranks[s], s)):
        blocks.setdefault(ranks[subject], []).append(subject)
    return [blocks[r] for r in sorted(blocks)]


Bounds = Mapping[str, tuple[float, float]]


def _reaches(
    g: Grade, block: Sequence[str], totals: Mapping[str, float], bounds: Bounds
) -> tuple[bool, str | None]:
    """Whether every subject of the tie block reaches ``g``, and why not when only its
    interval held it back."""
    total = _key(totals[block[0]])
    if g.min_total is not None and total < g.min_total:
        return False, None
    if g.min_low is not None and bounds:
        low = min(_key(bounds[s][0]) for s in block)
        if low < g.min_low:
            return False, (f"total {total:.2f} reaches {g.id} but the lower end of its "
                           f"interval, {low:.2f}, is below {g.min_low:g}")
    return True, None


def _doubt(g: Grade, block: Sequence[str], bounds: Bounds) -> str | None:
    """Why the tie block does not get the last grade ``g`` after all (``max_high``)."""
    if g.max_high is None or not bounds:
        return None
    high = min(_key(bounds[s][1]) for s in block)
    if high < g.max_high:
        return None
    return (f"not graded {g.id}: the upper end of its interval, {high:.2f}, reaches "
            f"{g.max_high:g}")


def assign_grades(
    totals: Mapping[str, float], grades: Sequence[Grade], bounds: Bounds | None = None
) -> dict[str, GradeAssignment]:
    """Grade every subject of one group (the last grade is the catch-all).

    ``bounds`` (subject -> interval of its total) are what ``min_low`` and ``max_high``
    compare with; without them those limits are not applied.
    """
    n = len(totals)
    used = {g.id: 0 for g in grades}
    # once a tie block is turned away by a quota, no lower subject may take that grade
    closed: set[str] = set()
    out: dict[str, GradeAssignment] = {}
    for block in _blocks(totals):
        note: str | None = None
        chosen = grades[-1]
        for g in grades:
            ok, why = _reaches(g, block, totals, bounds or {})
            if not ok:
                note = note or why
                continue
            if g.quota is not None and not _room(g, used, closed, n, len(block)):
                note = note or (
                    f"reached {g.id} (min {g.min_total:g}) but its quota of "
                    f"{g.quota:.0%} admits {quota_size(g.quota, n)} of {n}"
                    + (f" and {len(block)} are tied here" if len(block) > 1 else "")
                )
                continue
            chosen = g
            break
        doubt = _doubt(chosen, block, bounds or {}) if chosen is grades[-1] else None
        if doubt is not None and len(grades) > 1 and _room(grades[-2], used, closed, n,
                                                           len(block)):
            chosen, note = grades[-2], doubt
        used[chosen.id] += len(block)
        for subject in block:
            out[subject] = GradeAssignment(chosen.id, note)
    return out


def _room(g: Grade, used: dict[str, int], closed: set[str], n: int, size: int) -> bool:
    """Whether ``g``'s quota admits ``size`` more; a quota that turns a block away closes."""
    if g.quota is None:
        return True
    if g.id in closed or used[g.id] + size > quota_size(g.quota, n):
        closed.add(g.id)
        return False
    return True
