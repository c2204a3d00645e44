"""Compute the whole catalogue for every organ, every prosecutor and every period.

The steps, each an Ibis query (no Python loop ever touches a record):

1. **Monthly cubes.** One grouped aggregation per part of the plan -- the additive
   measures of a (table, date column), or one distinct count -- over the raw records: a
   row per organ, prosecutor, year and month, a column per measure
   (:mod:`kaoping.engine.compile`). The raw data is read once per cube.
2. **Figures per period, cube by cube.** Organs: the cube is summed per organ and month,
   joined to the ancestor closure and summed per ancestor -- so an organ covers its own
   records and every organ below it, and a rate is always recomputed from summed
   numerators and denominators, never averaged. Prosecutors: the cube is keyed by
   prosecutor. Both are then summed per standard period, each kind built from the one
   below (:mod:`kaoping.engine.periodsums`), for the target years and the year before
   each (the year-on-year comparison); distinct counts are recounted exactly per period
   (:mod:`kaoping.engine.distinct`).
3. **Write.** Each cube's sums are written as they are to a staging table, one row per
   subject and period, one column per measure; at the end they replace the stored ones
   in one transaction, with the view ``indicator_values`` that picks every indicator's
   numerator and denominator from them and derives values, changes, intervals, flags
   and ranks on read (:mod:`kaoping.engine.figures`, :mod:`kaoping.engine.store`).

Only one cube's intermediate tables are held at a time, so memory is bounded by the
largest cube whatever the catalogue's size.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kaoping.catalogue.models import Indicator, catalogue_digest
from kaoping.engine import store
from kaoping.engine.blocks import Temp, conform, sums
from kaoping.engine.compile import (
    Part,
    Plan,
    distinct_parts,
    distinct_rows,
    make_plan,
    month_cube,
    value_counts,
)
from kaoping.engine.distinct import distinct_by_period, period_masks
from kaoping.engine.hierarchy import Hierarchy, load_hierarchy
from kaoping.engine.medians import period_medians
from kaoping.engine.periods import Period, PeriodKind, fiscal_year_start, standard_periods
from kaoping.engine.periodsums import KIND_CODES, period_ids, standard_sums
from kaoping.engine.stats import params_frame
from kaoping.model.organs import (
    PROSECUTOR_COLUMN,
    PROSECUTOR_TABLE,
    has_prosecutors,
    organ_column,
    organ_columns,
)

if TYPE_CHECKING:
    import duckdb
    import ibis.backends.duckdb
    import ibis.expr.types as ir
    import pandas as pd

    from kaoping.engine.backends import ComputeBackend

__all__ = [
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
    #: figures the results show: every indicator x subject x period (``indicator_values``)
    rows: int
    seconds: float
    steps: tuple[tuple[str, float], ...] = field(default=())


def load_organs(backend: ibis.backends.duckdb.Backend) -> Hierarchy:
    """The organ hierarchy of the warehouse (a small reference table)."""
    o = organ_columns()
    organs = backend.table(o.table)
    frame = backend.execute(
        organs.select(
            organ_code=organs[o.code].cast("string"),
            parent_code=organs[o.parent].cast("string"),
            level=organs[o.level],
            name_zh=organs[o.name_zh].cast("string"),
            name_en=organs[o.name_en].cast("string"),
        )
    )
    return load_hierarchy(frame)


def data_years(
    backend: ibis.backends.duckdb.Backend, table: str, date: str, year_start: int | None = None
) -> dict[int, int]:
    """Records of ``table`` per year of ``date`` (years without records are absent).

    A year-on-year comparison is only made when the previous year has records: without
    them a count would compare with zero and every rate with nothing. Years are fiscal
    when they start in another month (``year_start``, default the setting): a record of
    July 2019 is in FY2020 when years start in July.
    """
    start = fiscal_year_start() if year_start is None else year_start
    return records_per_year(backend, [(table, date)], start)[(table, date)]


def records_per_year(
    backend: ibis.backends.duckdb.Backend, groups: Sequence[tuple[str, str]],
    year_start: int | None = None,
) -> dict[tuple[str, str], dict[int, int]]:
    """:func:`data_years` of every (table, date column) of ``groups``, in one query: an
    engine whose cost is per query (Spark) counts them all at once."""
    import ibis

    if not groups:
        return {}
    start = fiscal_year_start() if year_start is None else year_start
    counted = []
    for n, (table, date) in enumerate(groups):
        t = backend.table(table)
        t = t.filter(t[date].notnull())
        year: Any = t[date].year()
        if start != 1:
            year = year + (t[date].month() >= start).cast("int32")
        g = t.group_by(y=year).aggregate(n=t.count())
        counted.append(g.select(g=ibis.literal(n, type="int32"), y=g["y"], n=g["n"]))
    frame = backend.execute(ibis.union(*counted, distinct=False))
    out: dict[tuple[str, str], dict[int, int]] = {k: {} for k in groups}
    for g, y, n in zip(frame["g"], frame["y"], frame["n"], strict=True):
        out[groups[int(g)]][int(y)] = int(n)
    return out


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
class _Cube:
    """A part of the plan and its materialised monthly cube."""

    part: Part
    table: ir.Table

    @property
    def columns(self) -> tuple[str, ...]:
        return self.part.columns


class _Run:
    def __init__(
        self,
        engine: ComputeBackend,
        indicators: Sequence[Indicator],
        years: Sequence[int] | None,
        progress: ProgressCallback | None,
        prosecutor_periods: Collection[PeriodKind],
    ) -> None:
        self.prosecutor_kinds = frozenset(PeriodKind(k) for k in prosecutor_periods)
        #: the month the reporting year starts in, read once for the whole run
        self.year_start = fiscal_year_start()
        self.engine = engine
        self.backend = engine.ibis
        self.plan: Plan = make_plan(indicators)
        self.requested_years = tuple(sorted(set(years))) if years else None
        self.progress = progress
        self.temp = Temp(engine)
        self.timings: list[tuple[str, float]] = []
        self.cubes: list[_Cube] = []
        #: count_distinct column -> distinct (cell, value) rows found in several cells
        self.remainders: dict[str, ir.Table] = {}
        #: years with substantial data (set by :meth:`years`)
        self.comparable: frozenset[int] = frozenset()
        self._step = 0
        self._t0 = time.perf_counter()
        self._mark = self._t0

    # --- bookkeeping ------------------------------------------------------------------

    @property
    def total_steps(self) -> int:
        """hierarchy, a cube per part, figures per part, writing (then "done")."""
        return 1 + 2 * len(self.plan.parts) + 1

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
        """One grouped aggregation of the records per part (and the exact remainders of
        the distinct counts)."""
        for i, part in enumerate(self.plan.parts):
            self.step(part.name)
            if part.median is not None:
                cube = value_counts(self.backend, part.group, part.median)
            elif part.distinct is None:
                cube = month_cube(self.backend, part.group)
                if cube is None:  # pragma: no cover - a part is made for additive measures
                    raise AssertionError(part.name)
            else:
                rows = distinct_rows(self.backend, part.group, part.distinct)
                rows = self.temp.keep(f"drows{i}", rows)
                cube, several = distinct_parts(rows, part.distinct)
                key = part.distinct.key
                self.remainders[key] = self.temp.keep(f"drest_{key}", several)
            self.cubes.append(_Cube(part, self.temp.keep(f"cube{i}", cube)))

    def years(self) -> tuple[dict[tuple[str, str], set[int]], tuple[int, ...]]:
        counts = records_per_year(self.backend, [(g.table, g.date) for g in self.plan.groups],
                                  self.year_start)
        #: the years a default run computes: the only ones a year may be compared with
        self.comparable = frozenset(default_years(counts.values()))
        target = self.requested_years or tuple(sorted(self.comparable))
        return {k: set(v) for k, v in counts.items()}, target

    # --- 2. figures per subject and period ----------------------------------------------

    def _period_figures(
        self, cells: ir.Table, cols: Sequence[str], ids: ir.Table, remainders: list[ir.Table]
    ) -> ir.Table:
        """(subject, pid, cols): monthly ``cells`` summed per standard period of ``ids``.

        ``cells`` holds subject, year, month and ``cols`` (several rows per cell are
        summed); ``remainders`` are exact distinct counts (subject, pid, one of cols).
        """
        import ibis

        per = standard_sums(cells, "subject", cols, self.temp.keep, self.year_start)
        keys = ids.select("pid", "year", "kind", "k")
        j = per.join(keys, ["year", "kind", "k"])
        summed = j.select("subject", "pid", *cols)
        if not remainders:
            return summed
        # the exact distinct counts touch a column or two: added by an outer join on
        # those columns, not a union padded to every column
        keys_ = sorted({c for r in remainders for c in r.columns} - {"subject", "pid"})
        conformed = [conform(r, ("subject", "pid"), keys_) for r in remainders]
        rest = sums(ibis.union(*conformed, distinct=False), ["subject", "pid"], keys_)
        rest = rest.select(
            __s=rest["subject"], __p=rest["pid"], **{c + "__r": rest[c] for c in keys_}
        )
        o = summed.outer_join(
            rest, [summed["subject"] == rest["__s"], summed["pid"] == rest["__p"]]
        )
        out: ir.Table = o.select(
            subject=o["subject"].fill_null(o["__s"]),
            pid=o["pid"].fill_null(o["__p"]),
            **{
                c: o[c].fill_null(0.0) + o[c + "__r"].fill_null(0.0)
                if c in keys_
                else o[c].fill_null(0.0)
                for c in cols
            },
        )
        return out

    def _remainders(
        self, cols: Sequence[str], masks: ir.Table, subjects: ir.Table, by: str
    ) -> list[ir.Table]:
        """Exact distinct counts (subject, pid, key) of the count_distinct columns in cols.

        ``subjects`` maps the remainder's column ``by`` to the subject (the closure for
        organs, the prosecutors' integer keys for prosecutors).
        """
        out = []
        for key in cols:
            if key not in self.remainders:
                continue
            rest = self.remainders[key]
            r = rest.join(subjects.view(), by)
            r = r.select(subject=r["subject"], year=r["year"], month=r["month"], value=r["value"])
            counted = distinct_by_period(r, masks, key, self.year_start)
            out.append(counted.rename(pid="period"))
        return out

    def organ_figures(
        self, part: _Cube, closure: ir.Table, ids: ir.Table, masks: ir.Table, keys: ir.Table
    ) -> ir.Table:
        """Every organ x period of ``ids`` (zeros where there are no records), with the
        figures of ``part``.

        The cube is rolled up the hierarchy -- an organ's cell is the sum of its own and
        its descendants' cells, so a rate is recomputed from summed numerators and
        denominators, never averaged -- then summed per period. ``keys`` maps subject
        (the organ_code) to subject_key.
        """
        cols = list(part.columns)
        # a median's cube counts records per value: the value is one more key
        median = part.part.median
        by = ["value"] if median is not None else []
        sum_cols = ["n"] if median is not None else cols
        own = sums(part.table, ["organ_code", "year", "month", *by], sum_cols)
        j = own.join(closure, own["organ_code"] == closure["descendant"])
        rolled = sums(
            j,
            {"subject": j["ancestor"], "year": j["year"], "month": j["month"],
             **{c: j[c] for c in by}},
            sum_cols,
        )
        if median is not None:
            per = period_medians(rolled, median.columns, ids, self.temp.keep,
                                 self.year_start)
        else:
            ancestors = closure.select(organ_code=closure["descendant"],
                                       subject=closure["ancestor"])
            rest = self._remainders(cols, masks, ancestors, "organ_code")
            per = self._period_figures(rolled, cols, ids, rest)
        grid = keys.cross_join(ids.select("pid"))
        return _join_on_grid(grid, per, cols).drop("subject")

    def prosecutor_figures(
        self, part: _Cube, ids: ir.Table, masks: ir.Table, subjects: ir.Table
    ) -> ir.Table:
        """The (prosecutor, period of ``ids``) pairs with records in ``part``, with its
        figures.

        ``subjects`` maps prosecutor_id to an integer ``subject`` (cheaper to group and
        join on than the id).
        """
        cols = list(part.columns)
        t = part.table.join(subjects.view(), "prosecutor_id")
        median = part.part.median
        if median is not None:
            cells = t.select("subject", "year", "month", "value", "n")
            per = period_medians(cells, median.columns, ids, self.temp.keep,
                                 self.year_start)
        else:
            cells = t.select("subject", "year", "month", *cols)
            rest = self._remainders(cols, masks, subjects, "prosecutor_id")
            per = self._period_figures(cells, cols, ids, rest)
        if not set(KIND_CODES) <= self.prosecutor_kinds:  # not every standard kind
            kinds = [str(k) for k in self.prosecutor_kinds]
            chosen = ids.filter(ids["period_kind"].isin(kinds))
            pids = self.backend.execute(chosen.select("pid"))["pid"].tolist()
            per = per.filter(per["pid"].isin(pids))
        return per.rename(subject_key="subject")

    def _previous_years(
        self,
        ind: Indicator,
        group_years: dict[tuple[str, str], set[int]],
        target: Sequence[int],
    ) -> set[int]:
        """Target years whose previous year is one to compare with -- a year with figures
        of its own: one a default run computes (not a spill-over, :func:`default_years`)
        or one computed on purpose (``target`` holds the years asked for and those
        kept) -- with records for every measure of ``ind``. Comparing 2019 with the
        handful of December arrests of a spill-over 2018 would be a swing of hundreds of
        percent that means nothing."""
        ok = {y for y in target if y - 1 in self.comparable or y - 1 in target}
        for m in (ind.numerator, ind.denominator):
            if m is not None:
                ok &= {y + 1 for y in group_years[(m.table, m.date)]}
        return ok

    def _prosecutors(self) -> pd.DataFrame:
        """prosecutor_id, organ_code of every prosecutor; none when the model keeps no
        prosecutors (its figures are then per organ only)."""
        import pandas as pd

        if not has_prosecutors():
            return pd.DataFrame({"prosecutor_id": [], "organ_code": []}, dtype=object)
        t = self.backend.table(PROSECUTOR_TABLE)
        organ = t[organ_column(PROSECUTOR_TABLE) or organ_columns().code]
        return self.backend.execute(t.select(prosecutor_id=t[PROSECUTOR_COLUMN], organ_code=organ))

    def dimensions(
        self,
        hierarchy: Hierarchy,
        periods: Sequence[Period],
        group_years: dict[tuple[str, str], set[int]],
        target: Sequence[int],
        kept: Collection[int],
    ) -> tuple[store.Dimensions, pd.DataFrame]:
        """The small tables stored beside the figures, and this run's subjects with
        their keys (the stored subjects table also keeps those of ``kept`` years that
        are gone since).

        Whether a year has a previous year to compare with is decided for the kept
        years too: the year before one of them may be the one being recomputed.
        """
        import pandas as pd

        # organs keyed level by level: a reader names a level, and the organs' figures,
        # stored in period and key order, then hold a level's organs in one run of keys,
        # which the scan of a point read's slice keeps to
        o = hierarchy.organs.sort_values(["level", "organ_code"], kind="stable")
        o = o.reset_index(drop=True)
        p = self._prosecutors()
        p = p.merge(o[["organ_code", "level"]], on="organ_code", how="inner")
        # a prosecutor's organ is both his organ and his parent among the subjects
        organs = _subjects("organ", o["organ_code"], o["organ_code"], o["level"], o["parent_code"])
        prosecutors = _subjects(
            "prosecutor", p["prosecutor_id"], p["organ_code"], p["level"], p["organ_code"]
        )
        every_year = sorted({*target, *kept})
        years = [
            {"indicator": ind.id, "year": y, "has_previous": y in ok}
            for ind in self.plan.indicators
            for ok in [self._previous_years(ind, group_years, every_year)]
            for y in every_year
        ]
        subjects = pd.concat([organs, prosecutors], ignore_index=True)
        keyed = self.engine.subject_keys(subjects, keep_stored=bool(kept))
        current = keyed.merge(subjects[["subject_type", "subject"]], on=["subject_type", "subject"])
        pids = period_ids(periods)[["pid", "period", "period_kind", "year", "prev_pid"]]
        # the organs' grid: every organ of this run in every period computed (their
        # cube tables hold the same, organ_figures)
        organ_keys = current.loc[current["subject_type"] == "organ", "subject_key"]
        organ_periods, organ_years = store.organ_grid(
            self.plan.indicators, pids["pid"].tolist(), organ_keys.tolist(),
            sorted({int(y) for y in pids["year"]}),
        )
        dims = store.Dimensions(
            subjects=keyed,
            periods=pids,
            params=params_frame(self.plan.indicators, o["level"].astype(int)),
            years=pd.DataFrame(years, columns=["indicator", "year", "has_previous"]),
            organ_periods=organ_periods,
            organ_years=organ_years,
        )
        return dims, current

    # --- the whole run ----------------------------------------------------------------

    def run(self) -> ComputeSummary:
        with self.engine.tuned():
            return self._run()

    def _run(self) -> ComputeSummary:
        import ibis

        started = datetime.now()
        run_id = uuid.uuid4().hex
        staging = None
        try:
            self.step("organ hierarchy and years")
            hierarchy = load_organs(self.backend)
            group_years, target = self.years()
            if not target:
                raise ValueError("the warehouse holds no dated records to compute from")
            self.build_cubes()
            periods = standard_periods(target, self.year_start)
            # the figures of the year before a target year are stored too, for the
            # year-on-year comparison -- unless they are stored already, as a year a
            # partial computation keeps
            stored = self.engine.stored_years() if self.requested_years else set()
            kept = stored - set(target)
            before = sorted({y - 1 for y in target} - set(target) - kept)
            every = tuple(periods + standard_periods(before, self.year_start))
            frame = period_ids(every)
            frame["target"] = frame["period"].isin({p.label for p in periods})
            ids = self.temp.keep("period_ids", ibis.memtable(frame))
            masks = self.temp.keep("period_masks", period_masks(every, frame["pid"].tolist()))

            dims, subj = self.dimensions(hierarchy, periods, group_years, target, kept)
            organ_keys = subj[subj["subject_type"] == "organ"]
            keys = self.temp.keep(
                "organ_keys", ibis.memtable(organ_keys[["subject", "subject_key"]])
            )
            closure = self.temp.keep("closure", hierarchy.closure_table())
            pros_keys = subj[subj["subject_type"] == "prosecutor"]
            pros_frame = pros_keys[["subject", "subject_key"]].rename(
                columns={"subject": "prosecutor_id", "subject_key": "subject"}
            )
            if pros_frame.empty:  # a model without prosecutors: typed, though empty
                pros_frame = pros_frame.astype({"prosecutor_id": "string", "subject": "int64"})
            subjects = self.temp.keep("prosecutor_keys", ibis.memtable(pros_frame))

            staging = self.engine.staging(self.plan, run_id)
            wanted = {
                i
                for ind in self.plan.indicators
                if self.plan.by_prosecutor(ind)
                for i in self.plan.parts_of(ind)
            }
            for i, cube in enumerate(self.cubes):
                self.step(f"{cube.part.name}: figures per period")
                mark = self.temp.mark()
                staging.write(i, "organ", self.organ_figures(cube, closure, ids, masks, keys))
                pros = None
                if self.prosecutor_kinds and i in wanted:
                    pros = self.prosecutor_figures(cube, ids, masks, subjects)
                staging.write(i, "prosecutor", pros)
                self.temp.drop(since=mark)

            self.step("writing results")
            rows = staging.commit(
                dims,
                replace_years=self.requested_years,
                written_years=sorted({*target, *before}),
                run={
                    "run_id": run_id,
                    "started_at": started,
                    "years": list(target),
                    "indicators": len(self.plan.indicators),
                    "catalogue_digest": catalogue_digest(self.plan.indicators),
                    "summary": {"steps": self.timings},
                    "data_version": self.engine.data_version(),
                },
            )
            staging = None
            n_pros = int((subj["subject_type"] == "prosecutor").sum())
            self.step("done")
        finally:
            if staging is not None:
                staging.discard()
            self.temp.drop()
        return ComputeSummary(
            run_id=run_id,
            years=tuple(target),
            indicators=len(self.plan.indicators),
            organs=len(hierarchy.organs),
            prosecutors=n_pros,
            periods=len(periods),
            rows=rows,
            seconds=time.perf_counter() - self._t0,
            steps=tuple(self.timings[:-1]),
        )


def _subjects(kind: str, subject: Any, organ: Any, level: Any, parent: Any) -> pd.DataFrame:
    """The subjects of one kind as the stored subjects table lists them."""
    import pandas as pd

    return pd.DataFrame(
        {
            "subject_type": kind,
            "subject": subject,
            "organ_code": organ,
            "level": level.astype("int32"),
            "parent_code": parent,
        }
    )


def _join_on_grid(base: ir.Table, per: ir.Table, cols: Sequence[str]) -> ir.Table:
    """``base`` (subject, pid, ...) with the figures of ``per``, zero where it has none."""
    p = per.select(__s=per["subject"], __p=per["pid"], **{c: per[c] for c in cols})
    j = base.left_join(p, [base["subject"] == p["__s"], base["pid"] == p["__p"]])
    out: ir.Table = j.select(*base.columns, **{c: j[c].fill_null(0.0) for c in cols})
    return out


def compute(
    con: duckdb.DuckDBPyConnection | ComputeBackend,
    indicators: Sequence[Indicator],
    *,
    years: Sequence[int] | None = None,
    progress: ProgressCallback | None = None,
    prosecutor_periods: Collection[PeriodKind | str] = tuple(PeriodKind),
) -> ComputeSummary:
    """Compute ``indicators`` for every organ, prosecutor and standard period; store them.

    ``years`` restricts the periods computed (and replaced in ``indicator_values``) to
    those years -- which needs the stored results to come from the same definitions; by
    default every year with substantial data is computed (:func:`default_years`) and
    everything replaced. ``prosecutor_periods`` names the kinds
    of period (``month``, ``quarter``, ``half``, ``year``, ``ytd``) computed per
    prosecutor -- all by default, none when empty: prosecutors hold most of the rows, so
    this is the knob for a quicker run. ``con`` is a writable DuckDB warehouse, or
    another engine to compute on (:mod:`kaoping.engine.backends`).
    """
    import duckdb

    from kaoping.engine.backends.duckdb import DuckDBCompute

    if not indicators:
        raise ValueError("no indicators to compute")
    kinds = [PeriodKind(k) for k in prosecutor_periods]
    engine = DuckDBCompute(con) if isinstance(con, duckdb.DuckDBPyConnection) else con
    return _Run(engine, indicators, years, progress, kinds).run()
