"""Ranks among peers: who is first, and how many were compared.

Peers share the indicator, the kind of subject, the period and the level, and for
``rank_in_parent`` the parent too (organs under the same organ; prosecutors of the same
organ) -- ``rank_in_level`` and ``percentile`` compare every organ of the level (and
prosecutors of every organ of that level). In a hierarchy where every organ's parent is
one level up, as China's four levels are, the level adds nothing to the parent; where an
organ hangs below an organ two levels up (a county directly under a province), it is
compared with the organs of its own level under that parent, not with those a level
above it. Rank 1 is the best whatever the direction (the ``score`` of
:func:`kaoping.engine.stats.derive` is higher-is-better). For an indicator with a
reasonable range, leaving the range is never rewarded: values inside it (``in_range``)
rank before every value outside it, and those outside rank by their distance to it --
the nearest first -- rather than by "higher is better" (a 96.9% non-prosecution rate,
flagged out of range, would otherwise rank first). Ties share the lowest rank;
values flagged unreliable (small denominator) or missing are not ranked and do not count
as peers.

Ranks are taken when the figures are read, not stored: they are window functions in the
``indicator_values`` view (:mod:`kaoping.engine.store`). Every window is partitioned by
indicator, kind of subject, period and level, so a reader who asks for one indicator and
period (and level, as kaoping's readers do) ranks only that slice -- DuckDB pushes such
filters below the windows -- while a computation is spared sorting a hundred million
prosecutor rows nobody may ever look at.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["RANK_COLUMNS", "ranked"]

RANK_COLUMNS = (
    "rank_in_parent",
    "peers_in_parent",
    "rank_in_level",
    "peers_in_level",
    "percentile",
)


def ranked(t: ir.Table) -> ir.Table:
    """``t`` with the rank columns added.

    ``t`` holds indicator, subject_type, period, level, parent_code, subject, score,
    in_range and rankable (see :func:`kaoping.engine.stats.derive`).
    """
    import ibis

    slice_ = [t.indicator, t.subject_type, t.period, t.level, t.rankable]
    order = [ibis.desc(t.in_range), ibis.desc(t.score)]
    by_parent = ibis.window(group_by=[*slice_, t.parent_code], order_by=order)
    by_level = ibis.window(group_by=slice_, order_by=order)
    whole_parent = ibis.window(group_by=[*slice_, t.parent_code])
    whole_level = ibis.window(group_by=slice_)
    ok = t.rankable
    none = ibis.null("int64")
    out: ir.Table = t.mutate(
        rank_in_parent=ibis.ifelse(ok, (ibis.rank().over(by_parent) + 1).cast("int64"), none),
        peers_in_parent=ibis.ifelse(ok, t.subject.count().over(whole_parent).cast("int64"), none),
        rank_in_level=ibis.ifelse(ok, (ibis.rank().over(by_level) + 1).cast("int64"), none),
        peers_in_level=ibis.ifelse(ok, t.subject.count().over(whole_level).cast("int64"), none),
        percentile=ibis.ifelse(
            ok,
            ((1 - ibis.percent_rank().over(by_level)) * 100).cast("float64"),
            ibis.null("float64"),
        ),
    )
    return out
