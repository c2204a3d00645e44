"""Case weighting (案件权重系数): a prosecutor's workload as weighted cases.

Counting cases rewards whoever takes many easy ones. Each case a prosecutor concluded in
the period is weighted by its type (the first :class:`CaseType` filter its persons match,
e.g. national-security or serious violent crime) and its difficulty (simple / ordinary /
complex), plus a little for each further suspect, and the weights are summed::

    person weight = type weight x difficulty weight
    case weight   = heaviest person of the case + per_extra_person x (persons - 1)
    workload      = sum of the case weights

So three complex homicides (3 x 1.8 x 1.8 = 9.72) outweigh eight simple thefts
(8 x 0.6 = 4.8). Records are read with the catalogue's filter language, so a case type
is written like an indicator filter and checked the same way at load time. Sums use
:func:`math.fsum` over sorted values: the same records give the same bits.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kaoping.appraisal.scheme import CaseWeighting
from kaoping.catalogue.expr import parse, to_ibis
from kaoping.catalogue.virtual import source_table
from kaoping.engine.periods import Period

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["CaseWeight", "Workload", "case_weights", "workloads"]


@dataclass(frozen=True)
class CaseWeight:
    """One case of one prosecutor with how its weight was made."""

    prosecutor_id: str
    case_id: str
    persons: int
    case_type: str
    difficulty: str
    person_weight: float
    weight: float


@dataclass(frozen=True)
class Workload:
    prosecutor_id: str
    cases: int
    persons: int
    weighted: float


def _person_table(backend: Any, cw: CaseWeighting, period: Period) -> ir.Table:
    """Persons counted: handled by a prosecutor, concluded in the period, matching the filter."""
    import ibis

    t = source_table(backend, "persons")
    date = t[cw.date]
    cond = (
        t["prosecutor_id"].notnull() & date.notnull()
        & (date >= period.start_date) & (date < period.end_date)
    )
    if cw.filter:
        cond = cond & to_ibis(parse(cw.filter), t).fill_null(False)
    t = t.filter(cond)
    type_cases = [
        (to_ibis(parse(ct.when), t).fill_null(False), ibis.literal(ct.id)) for ct in cw.types
    ]
    type_weights = [
        (to_ibis(parse(ct.when), t).fill_null(False), ibis.literal(ct.weight, type="float64"))
        for ct in cw.types
    ]
    default = ibis.literal("other")
    case_type = ibis.cases(*type_cases, else_=default) if type_cases else default
    default_w = ibis.literal(cw.default_type_weight, type="float64")
    type_w = ibis.cases(*type_weights, else_=default_w) if type_weights else default_w
    diff = t["difficulty"]
    unknown = ibis.literal(cw.unknown_difficulty, type="float64")
    diff_w = (
        ibis.cases(
            *(
                (diff == k, ibis.literal(v, type="float64"))
                for k, v in sorted(cw.difficulty.items())
            ),
            else_=unknown,
        )
        if cw.difficulty
        else unknown
    )
    out: ir.Table = t.select(
        prosecutor_id=t["prosecutor_id"], case_id=t["case_id"], person_id=t["person_id"],
        case_type=case_type, difficulty=diff.fill_null("unknown"), person_weight=type_w * diff_w,
    )
    return out


def _case_frame(persons: pd.DataFrame, cw: CaseWeighting) -> pd.DataFrame:
    """One row per (prosecutor, case): its heaviest person's type, difficulty and weight."""
    persons = persons.sort_values(
        ["prosecutor_id", "case_id", "person_weight", "person_id"],
        ascending=[True, True, False, True], kind="mergesort",
    )
    keys = ["prosecutor_id", "case_id"]
    top = persons.drop_duplicates(keys).reset_index(drop=True)
    sizes = persons.groupby(keys, sort=True).size().reset_index(name="persons")
    cases = top.merge(sizes, on=keys, how="left", validate="one_to_one")
    cases["weight"] = cases["person_weight"] + cw.per_extra_person * (cases["persons"] - 1)
    return cases.sort_values(keys, kind="mergesort").reset_index(drop=True)


def case_weights(
    backend: Any, cw: CaseWeighting, period: Period, prosecutor: str | None = None
) -> list[CaseWeight]:
    """Every (prosecutor, case) concluded in ``period`` with its weight (one prosecutor's
    if ``prosecutor`` is given), sorted by prosecutor and case."""
    t = _person_table(backend, cw, period)
    if prosecutor is not None:
        t = t.filter(t["prosecutor_id"] == prosecutor)
    cases = _case_frame(backend.execute(t), cw)
    return [
        CaseWeight(str(r.prosecutor_id), str(r.case_id), int(r.persons), str(r.case_type),
                   str(r.difficulty), float(r.person_weight), float(r.weight))
        for r in cases.itertuples(index=False)
    ]


def workloads(
    backend: Any, cw: CaseWeighting, period: Period, prosecutors: Collection[str] | None = None
) -> dict[str, Workload]:
    """Prosecutor -> cases, persons and the sum of case weights, for every prosecutor with
    a case in ``period`` (of ``prosecutors`` only, when given).

    Sums run over cases in (prosecutor, case) order, so the same records give the same
    bits whatever order the database returns them in. A run of one organ's prosecutors
    names them: their records are then all that is read, not every prosecutor's of the
    nation (a workload is its own prosecutor's cases alone).
    """
    t = _person_table(backend, cw, period)
    if prosecutors is not None and len(prosecutors) <= _NAMED_AT_MOST:
        t = t.filter(t["prosecutor_id"].isin(sorted(prosecutors)))
    cases = _case_frame(backend.execute(t), cw)
    if prosecutors is not None:
        cases = cases[cases["prosecutor_id"].isin(set(prosecutors))]
    if cases.empty:
        return {}
    # one fsum per prosecutor over his rows (the frame is sorted by prosecutor and case):
    # the same correctly rounded sums as a grouped lambda, without a Python call per group
    pids = cases["prosecutor_id"].to_numpy()
    weights = cases["weight"].to_numpy(dtype="float64")
    persons = cases["persons"].to_numpy()
    starts = [0, *(np.flatnonzero(pids[1:] != pids[:-1]) + 1).tolist()]
    ends = [*starts[1:], len(pids)]
    return {
        str(pids[a]): Workload(str(pids[a]), b - a, int(persons[a:b].sum()),
                               math.fsum(weights[a:b].tolist()))
        for a, b in zip(starts, ends, strict=True)
    }


#: a run naming at most this many prosecutors reads their records alone (a longer list
#: costs more to plan than the scan it saves)
_NAMED_AT_MOST = 2000
