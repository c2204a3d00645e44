"""Ranks among peers: who is first, and how many were compared.

Peers share the indicator, the kind of subject and the period, and either the parent
(``rank_in_parent``: organs under the same organ; prosecutors of the same organ) or the
level (``rank_in_level`` and ``percentile``: every organ of the level; prosecutors of
every organ of that level). Rank 1 is the best whatever the direction (the ``score`` of
:func:`kaoping.engine.stats.score` is higher-is-better); ties share the lowest rank;
values flagged unreliable (small denominator) or missing are not ranked and do not count
as peers.

Ranking is a sort, the dearest step of the computation, so only the rankable rows go
through the windows -- at month level most of a prosecutor's rates have too small a
denominator to be ranked, and skip them.
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
    """``t`` (one indicator, one kind of subject) with the rank columns added.

    ``t`` holds period, parent_code, level, subject, score and rankable.
    """
    import ibis

    r = t.filter(t.rankable)
    by_parent = ibis.window(group_by=[r.period, r.parent_code], order_by=ibis.desc(r.score))
    by_level = ibis.window(group_by=[r.period, r.level], order_by=ibis.desc(r.score))
    with_ranks = r.mutate(
        rank_in_parent=(ibis.rank().over(by_parent) + 1).cast("int64"),
        peers_in_parent=r.subject.count().over(by_parent).cast("int64"),
        rank_in_level=(ibis.rank().over(by_level) + 1).cast("int64"),
        peers_in_level=r.subject.count().over(by_level).cast("int64"),
        percentile=((1 - ibis.percent_rank().over(by_level)) * 100).cast("float64"),
    )
    rest = t.filter(~t.rankable)
    none = ibis.null("int64")
    without = rest.mutate(
        rank_in_parent=none,
        peers_in_parent=none,
        rank_in_level=none,
        peers_in_level=none,
        percentile=ibis.null("float64"),
    )
    out: ir.Table = ibis.union(with_ranks, without, distinct=False)
    return out
