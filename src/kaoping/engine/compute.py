"""Compute the whole catalogue for every organ, every prosecutor and every period.

The steps, each an Ibis query (no Python loop ever touches a record):

1. **Monthly cubes.** One grouped aggregation per (table, date column) over the raw
   records: a row per organ, prosecutor, year and month, a column per measure
   (:mod:`kaoping.engine.compile`). The raw data is read once per cube.
2. **Organs.** The cubes are summed per organ and month, joined to the ancestor closure and
   summed per ancestor -- so an organ covers its own records and every organ below it,
   and a rate is always recomputed from summed numerators and denominators, never
   averaged -- then joined to the period membership (which months make up which period,
   and which make up the same period a year earlier) and summed per period.
3. **Indicators, in batches.** Per batch of indicators the prosecutors' figures are summed
   per period from the cubes (only the measures the batch needs), the numerator and
   denominator of each indicator picked for organs and prosecutors, value, change, Wilson
   interval and flags derived (:mod:`kaoping.engine.stats`) and ranks among peers taken
   with window functions. Batches keep memory bounded whatever the catalogue's size.
4. **Write.** Each batch is appended to a staging table, which replaces the results in one
   transaction at the end (:mod:`kaoping.engine.store`).
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kaoping.catalogue.models import Aggregation, Indicator, Measure
from kaoping.engine import store
from kaoping.engine.blocks import (
    PREV,
    Temp,
    conform,
    join_figures,
    period_months,
    period_table,
    sums,
)
from kaoping.engine.compile import (
    Plan,
    distinct_parts,
    make_plan,
    month_cube,
)
from kaoping.engine.distinct import distinct_by_period
from kaoping.engine.hierarchy import Hierarchy, load_hierarchy
from kaoping.engine.periods import PeriodKind, standard_periods
from kaoping.engine.rank import ranked
from kaoping.engine.stats import avg_as_ratio, decorate, is_ratio, score

if TYPE_CHECKING:
    import duckdb
    import ibis.backends.duckdb
    import ibis.expr.types as ir

__all__ = [
    "BATCH_SIZE",
    "ComputeSummary",
    "ProgressCallback",
    "catalogue_digest",
    "compute",
    "data_years",
    "default_years",
    "load_organs",
]

#: called before each step with (description, step number from 0, number of steps)
ProgressCallback = Callable[[str, int, int], None]

#: indicators computed together; bounds the rows a rank window holds at once
BATCH_SIZE = 6

#: a year with fewer records than this share of the busiest year is a spill-over (e.g.
#: December arrests of persons prosecuted the next year) and is not computed by default
SPILL_OVER_SHARE = 0.25

_KEYS = ("subject", "period")


@dataclass(frozen=True)
class ComputeSummary:
    """What a computation did, for the CLI summary and the ``compute_runs`` log."""

    run_id: str
    years: tuple[int, ...]
    indicators: int
    organs: int
    prosecutors: int
    periods: int
    rows: int
    seconds: float
    steps: tuple[tuple[str, float], ...] = field(default=())


def catalogue_digest(indicators: Iterable[Indicator]) -> str:
    """A fingerprint of the definitions, so a reader can tell results are stale."""
    h = hashlib.sha256()
    for ind in sorted(indicators, key=lambda i: i.id):
        h.update(ind.model_dump_json().encode())
    return h.hexdigest()[:16]


def load_organs(backend: ibis.backends.duckdb.Backend) -> Hierarchy:
    """The organ hierarchy of the warehouse (a small reference table)."""
    organs = backend.table("organs")
    frame = backend.execute(
        organs.select("organ_code", "parent_code", "level", "name_zh", "name_en")
    )
    return load_hierarchy(frame)


def data_years(backend: ibis.backends.duckdb.Backend, table: str, date: str) -> dict[int, int]:
    """Records of ``table`` per year of ``date`` (years without records are absent).

    A year-on-year comparison is only made when the previous year has records: without
    them a count would compare with zero and every rate with nothing.
    """
    t = backend.table(table)
    t = t.filter(t[date].notnull())
    frame = backend.execute(t.group_by(y=t[date].year()).aggregate(n=t.count()))
    return {int(y): int(n) for y, n in zip(frame["y"], frame["n"], strict=True)}


def default_years(counts: Iterable[dict[int, int]]) -> tuple[int, ...]:
    """The years computed when none are asked for: every year with substantial data.

    A year holding less than :data:`SPILL_OVER_SHARE` of the records of the busiest year
    is a spill-over of the neighbouring years' cases (arrest reviews concluded in the
    December before, verdicts the year after) and is left out.
    """
    total: dict[int, int] = {}
    for c in counts:
        for y, n in c.items():
            total[y] = total.get(y, 0) + n
    if not total:
        return ()
    busiest = max(total.values())
    return tuple(sorted(y for y, n in total.items() if n >= SPILL_OVER_SHARE * busiest))


@dataclass(frozen=True)
class _Part:
    """A materialised monthly cube and the measure columns it holds."""

    table: ir.Table
    columns: frozenset[str]


def _batches(indicators: Sequence[Indicator]) -> Iterator[list[Indicator]]:
    """Indicators in batches of one family (split when large), for progress and memory."""
    by_family: dict[str, list[Indicator]] = {}
    for ind in indicators:
        by_family.setdefault(ind.family, []).append(ind)
    for members in by_family.values():
        for i in range(0, len(members), BATCH_SIZE):
            yield members[i : i + BATCH_SIZE]


class _Run:
    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        indicators: Sequence[Indicator],
        years: Sequence[int] | None,
        progress: ProgressCallback | None,
        prosecutor_periods: Collection[PeriodKind],
    ) -> None:
        from kaoping.warehouse import ibis_connection

        self.prosecutor_kinds = frozenset(PeriodKind(k) for k in prosecutor_periods)
        self.con = con
        self.backend = ibis_connection(con)
        self.plan: Plan = make_plan(indicators)
        self.batches = list(_batches(self.plan.indicators))
        self.requested_years = tuple(sorted(set(years))) if years else None
        self.progress = progress
        self.temp = Temp(con, self.backend)
        self.timings: list[tuple[str, float]] = []
        self.parts: list[_Part] = []
        #: count_distinct column -> distinct (cell, value) rows found in several cells
        self.remainders: dict[str, ir.Table] = {}
        self._step = 0
        self._t0 = time.perf_counter()
        self._mark = self._t0

    # --- bookkeeping ------------------------------------------------------------------

    @property
    def total_steps(self) -> int:
        distinct = sum(len(g.distinct) for g in self.plan.groups)
        return 2 + len(self.plan.groups) + distinct + len(self.batches) + 1

    def step(self, description: str) -> None:
        now = time.perf_counter()
        if self.timings:
            self.timings[-1] = (self.timings[-1][0], now - self._mark)
        self._mark = now
        self.timings.append((description, 0.0))
        if self.progress is not None:
            self.progress(description, self._step, self.total_steps)
        self._step += 1

    # --- 1. cubes ---------------------------------------------------------------------

    def build_cubes(self) -> None:
        for i, group in enumerate(self.plan.groups):
            self.step(f"{group.table} by {group.date}")
            cube = month_cube(self.backend, group)
            if cube is not None:
                cols = frozenset(c for mc in group.additive for c in mc.columns)
                self.parts.append(_Part(self.temp.keep(f"cube{i}", cube), cols))
            for mc in group.distinct:
                self.step(f"{group.table}: distinct {mc.measure.expr} by {group.date}")
                simple, several = distinct_parts(self.backend, group, mc)
                self.parts.append(
                    _Part(self.temp.keep(f"dcube_{mc.key}", simple), frozenset([mc.key]))
                )
                self.remainders[mc.key] = self.temp.keep(f"drest_{mc.key}", several)

    def years(self) -> tuple[dict[tuple[str, str], set[int]], tuple[int, ...]]:
        counts = {
            (g.table, g.date): data_years(self.backend, g.table, g.date) for g in self.plan.groups
        }
        target = self.requested_years or default_years(counts.values())
        return {k: set(v) for k, v in counts.items()}, target

    # --- 2. organs --------------------------------------------------------------------

    def _periodsums(
        self, cells: ir.Table, subject: str, cols: Sequence[str], membership: ir.Table
    ) -> ir.Table:
        """(subject, period, cols): monthly cells summed over each period's months."""
        j = cells.join(membership, ["year", "month"])
        return sums(j, {"subject": j[subject], "period": j["period"]}, cols)

    def _combine(self, parts: list[ir.Table], cols: Sequence[str]) -> ir.Table:
        """Union of (subject, period, some of cols) tables, summed: an outer join by sums."""
        import ibis

        if len(parts) == 1:
            return conform(parts[0], _KEYS, cols)
        conformed = [conform(p, _KEYS, cols) for p in parts]
        return sums(ibis.union(*conformed, distinct=False), list(_KEYS), cols)

    def _remainder(self, key: str, subject: str, closure: ir.Table | None) -> ir.Table:
        """The distinct (subject, year, month, value) rows of a count_distinct remainder."""
        rest = self.remainders[key]
        if closure is not None:
            r = rest.join(closure, rest["organ_code"] == closure["descendant"])
            r = r.select(subject=r["ancestor"], year=r["year"], month=r["month"], value=r["value"])
        else:
            r = rest.filter(rest[subject].notnull())
            r = r.select(subject=r[subject], year=r["year"], month=r["month"], value=r["value"])
        out: ir.Table = r.distinct()
        return out

    def organ_part(
        self, part: _Part, closure: ir.Table, membership: ir.Table
    ) -> tuple[ir.Table, list[str]]:
        """One cube rolled up the hierarchy and summed per period: (subject, period, cols)."""
        cols = sorted(part.columns)
        own = sums(part.table, ["organ_code", "year", "month"], cols)
        j = own.join(closure, own["organ_code"] == closure["descendant"])
        rolled = sums(j, {"organ": j["ancestor"], "year": j["year"], "month": j["month"]}, cols)
        pieces = [self._periodsums(rolled, "organ", cols, membership)]
        for key in cols:
            if key in self.remainders:
                rows = self._remainder(key, "organ_code", closure)
                pieces.append(distinct_by_period(rows, membership, key))
        return self._combine(pieces, cols), cols

    def organ_base(self, hierarchy: Hierarchy, membership: ir.Table, info: ir.Table) -> ir.Table:
        """Every organ x target period (zeros where there are no records), with figures.

        Each cube is rolled up on its own and joined onto the grid of organs and periods
        by its own columns, so no wide zero-padded table is ever built.
        """
        import ibis

        closure = hierarchy.closure_table()
        o = hierarchy.organ_table()
        base = o.select(
            subject_type=ibis.literal("organ"),
            subject=o["organ_code"],
            organ_code=o["organ_code"],
            level=o["level"].cast("int32"),
            parent_code=o["parent_code"],
        ).cross_join(info)
        for part in self.parts:
            per, cols = self.organ_part(part, closure, membership)
            base = join_figures(base, self.temp.keep("organ_part", per), cols)
        return self.temp.keep("organ_base", base)

    # --- 3. prosecutors ---------------------------------------------------------------

    def prosecutor_subjects(self, hierarchy: Hierarchy) -> ir.Table:
        import ibis

        p = self.backend.table("prosecutors")
        o = hierarchy.organ_table()
        j = p.join(o, p["organ_code"] == o["organ_code"])
        subjects = j.select(
            subject_type=ibis.literal("prosecutor"),
            subject=j["prosecutor_id"],
            organ_code=j["organ_code"],
            level=j["level"].cast("int32"),
            parent_code=j["organ_code"],
        )
        return self.temp.keep("prosecutors", subjects)

    def prosecutor_base(
        self, cols: Sequence[str], subjects: ir.Table, membership: ir.Table, info: ir.Table
    ) -> ir.Table:
        """The (prosecutor, target period) pairs with records, with the figures ``cols``."""
        wanted = set(cols)
        pieces: list[ir.Table] = []
        for part in self.parts:
            mine = sorted(part.columns & wanted)
            if not mine:
                continue
            cells = part.table.filter(part.table["prosecutor_id"].notnull())
            pieces.append(self._periodsums(cells, "prosecutor_id", mine, membership))
            for key in mine:
                if key in self.remainders:
                    rows = self._remainder(key, "prosecutor_id", None)
                    pieces.append(distinct_by_period(rows, membership, key))
        wide = self.temp.keep("prosecutor_periods", self._combine(pieces, cols))
        keys = wide.join(info, "period").select("subject", "period").join(subjects, "subject")
        base = join_figures(keys.join(info, "period"), wide, cols)
        return self.temp.keep("prosecutor_base", base)

    # --- 4. indicators ----------------------------------------------------------------

    def _figure(self, base: ir.Table, m: Measure, suffix: str) -> Any:
        import ibis

        mc = self.plan.columns_of(m)
        if m.agg is Aggregation.AVG:
            total, n = (base[c + suffix] for c in mc.columns)
            return ibis.ifelse(n > 0, total / n, ibis.null("float64"))
        return base[mc.key + suffix]

    def _num_den(self, base: ir.Table, ind: Indicator, suffix: str) -> tuple[Any, Any]:
        import ibis

        if avg_as_ratio(ind):
            total, n = self.plan.columns_of(ind.numerator).columns
            return base[total + suffix], base[n + suffix]
        num = self._figure(base, ind.numerator, suffix)
        den_m = ind.denominator
        den = self._figure(base, den_m, suffix) if den_m else ibis.null("float64")
        return num, den

    def _columns(self, inds: Iterable[Indicator]) -> list[str]:
        out: dict[str, None] = {}
        for ind in inds:
            for m in (ind.numerator, ind.denominator):
                if m is not None:
                    out.update(dict.fromkeys(self.plan.columns_of(m).columns))
        return list(out)

    def indicator_rows(
        self, base: ir.Table, ind: Indicator, previous_years: set[int], sparse: bool
    ) -> ir.Table:
        """The result rows of one indicator for the subjects of ``base``, ranked."""
        import ibis

        num, den = self._num_den(base, ind, "")
        pnum, pden = self._num_den(base, ind, PREV)
        has_prev = (
            base["year"].isin(sorted(previous_years)) if previous_years else ibis.literal(False)
        )
        if ind.denominator is None and not is_ratio(ind):
            pden = ibis.null("float64")
        t = base.select(
            "subject_type",
            "subject",
            "organ_code",
            "level",
            "parent_code",
            "period",
            "period_kind",
            "year",
            indicator=ibis.literal(ind.id),
            numerator=num.cast("float64"),
            denominator=den.cast("float64"),
            previous_numerator=pnum.cast("float64"),
            previous_denominator=pden.cast("float64"),
            has_previous=has_prev,
        )
        if sparse:
            t = t.filter((t["numerator"] != 0) | (t["denominator"] != 0).fill_null(False))
        return decorate(ranked(score(t, ind)), ind)

    def _previous_years(
        self,
        ind: Indicator,
        group_years: dict[tuple[str, str], set[int]],
        target: Sequence[int],
    ) -> set[int]:
        """Target years whose previous year has records for every measure of ``ind``."""
        ok = set(target)
        for m in (ind.numerator, ind.denominator):
            if m is not None:
                ok &= {y + 1 for y in group_years[(m.table, m.date)]}
        return ok

    # --- the whole run ----------------------------------------------------------------

    def run(self) -> ComputeSummary:
        import ibis

        started = datetime.now()
        run_id = uuid.uuid4().hex
        staging = None
        # the results need no particular row order; not keeping one lets DuckDB insert in
        # parallel and with less memory
        order = self.con.execute("SELECT current_setting('preserve_insertion_order')")
        keep_order = bool(order.fetchall()[0][0])
        self.con.execute("SET preserve_insertion_order = false")
        try:
            self.step("organ hierarchy and years")
            hierarchy = load_organs(self.backend)
            group_years, target = self.years()
            if not target:
                raise ValueError("the warehouse holds no dated records to compute from")
            self.build_cubes()
            periods = standard_periods(target)
            # the previous years' periods are summed too, for the year-on-year comparison
            earlier = standard_periods(y - 1 for y in target)
            membership = period_months(tuple(dict.fromkeys(periods + earlier)))
            info = period_table(periods)
            kinds = self.prosecutor_kinds
            pros_membership = (
                period_months(tuple(dict.fromkeys(p for p in periods + earlier if p.kind in kinds)))
                if kinds
                else None
            )
            pros_info = period_table([p for p in periods if p.kind in kinds]) if kinds else None

            self.step("organs: roll-up and periods")
            organ_base = self.organ_base(hierarchy, membership, info)
            subjects = self.prosecutor_subjects(hierarchy)

            staging = store.Staging(self.con, self.backend)
            for batch in self.batches:
                ids = ", ".join(i.id for i in batch)
                self.step(f"{batch[0].family}: {ids}")
                parts = []
                mark = self.temp.mark()
                pros = [i for i in batch if self.plan.by_prosecutor(i)]
                pros_base = None
                if pros and pros_membership is not None and pros_info is not None:
                    pros_base = self.prosecutor_base(
                        self._columns(pros), subjects, pros_membership, pros_info
                    )
                for ind in batch:
                    prev_years = self._previous_years(ind, group_years, target)
                    parts.append(self.indicator_rows(organ_base, ind, prev_years, sparse=False))
                    if pros_base is not None and ind in pros:
                        parts.append(self.indicator_rows(pros_base, ind, prev_years, sparse=True))
                staging.insert(ibis.union(*parts, distinct=False))
                self.temp.drop(since=mark)  # this batch's prosecutor tables

            self.step("writing results")
            rows = staging.commit(
                replace_years=self.requested_years,
                run={
                    "run_id": run_id,
                    "started_at": started,
                    "years": list(target),
                    "indicators": len(self.plan.indicators),
                    "catalogue_digest": catalogue_digest(self.plan.indicators),
                    "summary": {"steps": self.timings},
                },
            )
            staging = None
            n_pros = self.backend.execute(subjects.count())
            self.step("done")
        finally:
            if staging is not None:
                staging.discard()
            self.temp.drop()
            self.con.execute(f"SET preserve_insertion_order = {str(keep_order).lower()}")
        return ComputeSummary(
            run_id=run_id,
            years=tuple(target),
            indicators=len(self.plan.indicators),
            organs=len(hierarchy.organs),
            prosecutors=int(n_pros),
            periods=len(periods),
            rows=rows,
            seconds=time.perf_counter() - self._t0,
            steps=tuple(self.timings[:-1]),
        )


def compute(
    con: duckdb.DuckDBPyConnection,
    indicators: Sequence[Indicator],
    *,
    years: Sequence[int] | None = None,
    progress: ProgressCallback | None = None,
    prosecutor_periods: Collection[PeriodKind | str] = tuple(PeriodKind),
) -> ComputeSummary:
    """Compute ``indicators`` for every organ, prosecutor and standard period; store them.

    ``years`` restricts the periods computed (and replaced in ``indicator_values``) to
    those years; by default every year with substantial data is computed
    (:func:`default_years`) and the table replaced. ``prosecutor_periods`` names the kinds
    of period (``month``, ``quarter``, ``half``, ``year``, ``ytd``) computed per
    prosecutor -- all by default, none when empty: prosecutors hold most of the rows, so
    this is the knob for a quicker run. ``con`` must be writable.
    """
    if not indicators:
        raise ValueError("no indicators to compute")
    kinds = [PeriodKind(k) for k in prosecutor_periods]
    return _Run(con, indicators, years, progress, kinds).run()
