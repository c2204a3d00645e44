"""Ranks and grades within a group: ties share a rank and are never split by a quota.

Ranks are competition ranks ("1224"): subjects whose totals are equal to the published
precision (two decimals) share a rank, and the next rank skips. Grades are handed out best
first: a subject gets the first grade whose ``min_total`` it reaches and whose quota still
has room for it *and everyone tied with it*; a tie that would overflow a quota falls, whole,
to the next grade -- splitting equal totals between two grades would be arbitrary, and
exceeding the quota would break the rule the quota stands for.
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


def assign_grades(
    totals: Mapping[str, float], grades: Sequence[Grade]
) -> dict[str, GradeAssignment]:
    """Grade every subject of one group (the last grade is the catch-all)."""
    n = len(totals)
    used = {g.id: 0 for g in grades}
    # once a tie block is turned away by a quota, no lower subject may take that grade
    closed: set[str] = set()
    out: dict[str, GradeAssignment] = {}
    for block in _blocks(totals):
        total = totals[block[0]]
        note: str | None = None
        for g in grades:
            if g.min_total is not None and _key(total) < g.min_total:
                continue
            if g.quota is not None:
                room = quota_size(g.quota, n)
                if g.id in closed or used[g.id] + len(block) > room:
                    closed.add(g.id)
                    note = note or (
                        f"reached {g.id} (min {g.min_total:g}) but its quota of "
                        f"{g.quota:.0%} admits {room} of {n}"
                        + (f" and {len(block)} are tied here" if len(block) > 1 else "")
                    )
                    continue
            used[g.id] += len(block)
            for subject in block:
                out[subject] = GradeAssignment(g.id, note)
            break
    return out
