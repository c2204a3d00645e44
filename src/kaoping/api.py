"""The Python API: open a warehouse, compute the catalogue, read and explain figures.

::

    import kaoping

    with kaoping.Warehouse("kaoping.duckdb") as wh:
        wh.compute()                                   # every indicator, organ, period
        v = wh.indicator("minor_conditional_non_prosecution_rate",
                         organ="100000", period="2020-H1")
        v.value, v.change, v.sentence("en")
        wh.values("non_prosecution_rate", "2020", level=2)   # a league table (DataFrame)
        wh.explain("non_prosecution_rate", organ="110000", period="2020-Q3").arithmetic()

Reads open the file read-only, so several readers (the web app, a notebook) can share
it; :meth:`Warehouse.compute` writes a private copy and publishes it atomically
(:mod:`kaoping.versions`), so readers keep reading meanwhile. A long-lived reader calls
:meth:`Warehouse.refresh` to move to a version published since.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from kaoping.catalogue.models import Catalogue, Indicator
from kaoping.engine.periods import Period, parse_period
from kaoping.engine.values import IndicatorValue, Subject

if TYPE_CHECKING:
    import duckdb
    import ibis.backends.duckdb
    import pandas as pd

    from kaoping.engine.backends import ComputeBackend
    from kaoping.engine.breakdown import Breakdown
    from kaoping.engine.compute import ComputeSummary, ProgressCallback
    from kaoping.engine.explain import Explanation
    from kaoping.engine.freshness import Freshness
    from kaoping.engine.hierarchy import Hierarchy
    from kaoping.engine.store import LastRun
    from kaoping.versions import Token

__all__ = ["Warehouse"]


@dataclass
class _Kept:
    """What a reader reads once of the version it reads (never written): the organs as
    subjects, their names, the years of records per table and date."""

    organs: dict[str, Subject] = field(default_factory=dict)
    names: dict[str, tuple[str | None, str | None]] | None = None
    years: dict[tuple[str, str, int], dict[int, int]] = field(default_factory=dict)


class Warehouse:
    """A kaoping warehouse (a DuckDB file) with its indicator catalogue.

    ``catalogue`` is a :class:`~kaoping.catalogue.models.Catalogue`, a list of
    indicators, or None for the default catalogue (plus ``$KAOPING_CATALOGUE_DIR``).
    Errors a user can make -- an unknown indicator, organ or prosecutor, a malformed
    period -- raise ``KeyError`` / ``ValueError`` whose message names the culprit and
    suggests near misses.
    """

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        catalogue: Catalogue | Sequence[Indicator] | None = None,
        results: Path | str | None = None,
    ) -> None:
        if path is None:
            from kaoping.warehouse import warehouse_path

            path = warehouse_path()
        if results is None:
            from kaoping.warehouse import results_dir

            results = results_dir()
        self.path = Path(path)
        #: a directory of Parquet results (a Spark computation's) read instead of the
        #: warehouse file's (:mod:`kaoping.engine.backends.parquet`)
        self.results = Path(results) if results is not None else None
        self._catalogue = (
            Catalogue(indicators=list(catalogue))
            if catalogue is not None and not isinstance(catalogue, Catalogue)
            else catalogue
        )
        self._con: duckdb.DuckDBPyConnection | None = None
        self._hierarchy: Hierarchy | None = None
        self._backend: ibis.backends.duckdb.Backend | None = None
        self._tables: dict[str, ibis.Table] = {}
        self._token: Token | None = None
        self._freshness: Freshness | None = None
        #: what is read once from the version being read (it is never written)
        self._kept = _Kept()

    @classmethod
    def over(
        cls,
        path: Path | str,
        con: duckdb.DuckDBPyConnection,
        token: Token | None,
        *,
        catalogue: Catalogue | None = None,
        beside: Warehouse | None = None,
    ) -> Warehouse:
        """A reader over ``con``, an open read-only connection to the version ``token``
        of ``path`` (the web server's readers share one opened file this way); beside
        ``beside``, a reader of the same version, it shares what that one read once of
        the version (organs, names, years of records), which a server's readers would
        otherwise each read again."""
        wh = cls(path, catalogue=catalogue)
        wh._con, wh._token = con, token
        if beside is not None and beside._token == token:
            wh._kept = beside._kept
        return wh

    # --- life cycle -------------------------------------------------------------------

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
        self._backend = None
        self._tables = {}
        self._hierarchy = None
        self._freshness = None
        self._kept = _Kept()

    def _connection(self) -> duckdb.DuckDBPyConnection:
        """The read-only connection to the version of the warehouse this object reads."""
        from kaoping.versions import version_token
        from kaoping.warehouse import connect_version

        if self._con is not None:
            return self._con
        self.close()
        if self.results is not None:
            from kaoping.engine.backends.parquet import open_results

            token = version_token(self._published())
            self._con, _ = open_results(self.results)
            self._token = token
            return self._con
        self._con, self._token = connect_version(self.path)
        return self._con

    def _published(self) -> Path:
        """The file whose version is the version read: the warehouse, or the newest
        manifest of the Parquet results."""
        if self.results is None:
            return self.path
        from kaoping.engine.backends.parquet import latest_manifest_path

        return latest_manifest_path(self.results)

    @property
    def version(self) -> Token | None:
        """What identifies the version being read (None before the first read)."""
        return self._token if self._con is not None else None

    def refresh(self) -> bool:
        """Move to the version published since this object started reading, if any;
        returns whether it moved. Each read sees one version: a reader that wants
        consistent figures across several reads calls this between them, not during."""
        from kaoping.versions import version_token

        if self._con is None or version_token(self._published()) == self._token:
            return False
        self.close()
        return True

    def freshness(self) -> Freshness:
        """Whether the stored figures are as new as the data (see
        :mod:`kaoping.engine.freshness`)."""
        from kaoping.engine.freshness import freshness

        if self._freshness is None:
            self._freshness = freshness(self._connection())
        return self._freshness

    @property
    def backend(self) -> ibis.backends.duckdb.Backend:
        """An Ibis backend over the warehouse (read-only unless computing)."""
        from kaoping.warehouse import ibis_connection

        con = self._connection()
        if self._backend is None:
            self._backend = ibis_connection(con)
        return self._backend

    def table(self, name: str) -> ibis.Table:
        """A table or view of the warehouse, as an Ibis table (kept: asking DuckDB for a
        view's columns means planning the view)."""
        if name not in self._tables:
            self._tables[name] = self.backend.table(name)
        return self._tables[name]

    # --- definitions ------------------------------------------------------------------

    @property
    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            from kaoping.catalogue import load_catalogue

            self._catalogue = load_catalogue()
        return self._catalogue

    def definition(self, indicator_id: str) -> Indicator:
        """The indicator called ``indicator_id``; KeyError suggests near misses."""
        return self.catalogue.get(indicator_id)

    @property
    def hierarchy(self) -> Hierarchy:
        if self._hierarchy is None:
            from kaoping.engine.compute import load_organs

            self._hierarchy = load_organs(self.backend)
        return self._hierarchy

    def organ(self, organ_code: str) -> Subject:
        """The organ as a subject: itself and every organ below it.

        Read with a few small queries rather than through :attr:`hierarchy` (pandas), so
        that a point read -- `kaoping show` -- starts without pandas or Ibis; an unknown
        organ, or a tree that does not hold together, is left to :attr:`hierarchy` to
        name."""
        from kaoping.engine.tree import organ_subjects

        if not self._kept.organs:
            # every organ at once, kept until the version changes: a page asks for its
            # organ once per read it makes, and a server for any of thousands
            self._kept.organs = organ_subjects(self._connection()) or {}
        kept = self._kept.organs.get(organ_code)
        if kept is not None:
            return kept
        import pandas as pd

        h = self.hierarchy  # raises HierarchyError naming the organ of a broken tree
        row = h.organ(organ_code)  # raises KeyError with near misses
        parent = row["parent_code"]
        return Subject(
            kind="organ",
            code=organ_code,
            organ_code=organ_code,
            level=int(str(row["level"])),
            parent_code=None if parent is None or pd.isna(parent) else str(parent),
            name_zh=str(row["name_zh"]),
            name_en=str(row["name_en"]),
            organs=tuple(h.descendants(organ_code)),
        )

    def prosecutor(self, prosecutor_id: str) -> Subject:
        """The prosecutor as a subject (records he handled, in any organ)."""
        from kaoping.model.organs import has_prosecutors

        if not has_prosecutors():
            raise KeyError(
                f"no prosecutor {prosecutor_id!r}: the data model keeps no prosecutors, "
                "so its figures are per organ only"
            )
        rows = self.prosecutor_rows(prosecutor=prosecutor_id)
        if not rows:
            raise KeyError(f"no prosecutor {prosecutor_id!r} in the warehouse")
        organ = self.organ(str(rows[0]["organ_code"]))
        name = str(rows[0]["display_name"])
        return Subject(
            kind="prosecutor",
            code=prosecutor_id,
            organ_code=organ.code,
            level=organ.level,
            parent_code=organ.code,
            name_zh=f"{organ.name_zh}{name}",
            name_en=f"{name} ({organ.name_en})",
            organs=(organ.code,),
        )

    def prosecutor_rows(
        self, *, organ: str | None = None, prosecutor: str | None = None
    ) -> list[dict[str, Any]]:
        """The prosecutors of ``organ`` (or the one ``prosecutor``) as rows of the
        prosecutors table (id, organ, department, display name), by id. Plain SQL: an
        organ page lists them, and an Ibis query cost it 15 ms where DuckDB answers in 1."""
        from kaoping.engine.results import dict_rows

        who, code = ("prosecutor_id", prosecutor) if prosecutor is not None else (
            "organ_code", organ)
        return dict_rows(self._connection().execute(
            "SELECT prosecutor_id, organ_code, department, display_name FROM prosecutors "
            f"WHERE {who} = ? ORDER BY prosecutor_id",
            [code],
        ))

    def subject(self, *, organ: str | None = None, prosecutor: str | None = None) -> Subject:
        """An organ or a prosecutor; with neither, the national (root) organ."""
        if organ is not None and prosecutor is not None:
            raise ValueError("give an organ or a prosecutor, not both")
        if prosecutor is not None:
            return self.prosecutor(prosecutor)
        if organ is None:
            from kaoping.engine.tree import root_codes, tree_holds

            if not tree_holds(self._connection()):
                self.hierarchy  # noqa: B018 -- raises HierarchyError naming the organ
            roots = root_codes(self._connection())
            if len(roots) != 1:
                raise ValueError("the warehouse has no single top organ; name one with organ=")
            organ = roots[0]
        return self.organ(organ)

    # --- computing --------------------------------------------------------------------

    def compute(
        self,
        *,
        years: Sequence[int] | None = None,
        indicators: Sequence[str] | None = None,
        progress: ProgressCallback | None = None,
        prosecutor_periods: Collection[str] | None = None,
        on_wait: Callable[[str], None] | None = None,
        engine: ComputeBackend | None = None,
    ) -> ComputeSummary:
        """Compute the catalogue (or the ``indicators`` named), store and publish the
        results.

        ``years`` limits the periods computed and replaced to those years;
        ``prosecutor_periods`` the kinds of period computed per prosecutor (default all of
        month, quarter, half, year, ytd; an empty list computes organs only). When
        another import or computation is writing, this waits for it (``on_wait`` is told).
        Readers see the previous results until this one is published, then these.
        ``engine`` computes elsewhere than in the warehouse file -- on Spark, into Parquet
        results (:mod:`kaoping.engine.backends`).
        """
        from kaoping.engine.compute import compute
        from kaoping.engine.periods import PeriodKind
        from kaoping.warehouse import writing

        chosen = (
            [self.definition(i) for i in indicators]
            if indicators is not None
            else list(self.catalogue.indicators)
        )
        kinds = tuple(PeriodKind) if prosecutor_periods is None else tuple(prosecutor_periods)
        if engine is not None:
            self.close()
            return compute(engine, chosen, years=years, progress=progress, prosecutor_periods=kinds)
        if not self.path.exists():
            raise FileNotFoundError(
                f"no warehouse at {self.path}: run `kaoping import` (or `kaoping demo`) first"
            )
        self.close()
        with writing(self.path, "kaoping compute", on_wait=on_wait) as con:
            summary = compute(
                con, chosen, years=years, progress=progress, prosecutor_periods=kinds
            )
        return summary

    def last_run(self) -> LastRun | None:
        from kaoping.engine.results import last_run

        return last_run(self._connection())

    @property
    def stale(self) -> bool:
        """Whether the stored results were computed with other definitions than these."""
        from kaoping.catalogue.models import catalogue_digest

        run = self.last_run()
        return run is not None and run.catalogue_digest != catalogue_digest(
            self.catalogue.indicators
        )

    # --- reading ----------------------------------------------------------------------

    def _stored(
        self, indicators: Sequence[Indicator], subject: Subject, period: Period
    ) -> dict[str, dict[str, Any]]:
        """indicator id -> the stored row of ``subject`` and ``period``, in one query."""
        from kaoping.engine.results import has_results, read_results

        con = self._connection()
        if not indicators or not has_results(con):
            return {}
        labels = list(period.equivalent_labels())
        rows = read_results(
            con, subject.kind, [i.id for i in indicators], level=subject.level,
            subject=subject.code, periods=labels,
        )
        out: dict[str, dict[str, Any]] = {}
        # a period stored under several labels (2020-H1, 2020-01..2020-06): the first wins
        for row in sorted(rows, key=lambda r: labels.index(str(r["period"]))):
            out.setdefault(str(row["indicator"]), {**row, "period": period.label})
        return out

    def _has_previous(self, indicator: Indicator, period: Period) -> bool:
        """Whether ``period`` (computed on the fly) is compared with the same months a
        year earlier: as :meth:`kaoping.engine.compute._Run._previous_years` decides for
        stored years, every year those months touch must be one a computation computes
        (:meth:`_comparable_years`) and hold records for each of the indicator's
        measures -- for 2019-11..2020-02, both 2018 and 2019."""
        from kaoping.engine.periods import fiscal_year_start

        needed = set(period.previous().years_from(fiscal_year_start()))
        if not needed <= self._comparable_years():
            return False
        for m in (indicator.numerator, indicator.denominator):
            if m is not None and not needed <= set(self._data_years(m.table, m.date)):
                return False
        return True

    def _data_years(self, table: str, date: str) -> dict[int, int]:
        """:func:`kaoping.engine.compute.data_years`, kept for the version read: a figure
        computed on the fly asks it of each of its measures, 35 ms a count of a national
        table's records, and the version read never changes."""
        from kaoping.engine.compute import data_years
        from kaoping.engine.periods import fiscal_year_start

        key = (table, date, fiscal_year_start())
        if key not in self._kept.years:
            counted = data_years(self.backend, table, date, key[2])  # may open the version
            self._kept.years[key] = counted
        return self._kept.years[key]

    def indicator(
        self,
        indicator: str,
        *,
        period: str | Period,
        organ: str | None = None,
        prosecutor: str | None = None,
    ) -> IndicatorValue:
        """One indicator for one organ (or prosecutor) and period.

        Read from the stored results when ``kaoping compute`` stored that period; computed
        from the records otherwise (any month range works; ranks are then missing and
        ``source`` is ``"on_the_fly"``).
        """
        return self.indicators([indicator], period=period, organ=organ, prosecutor=prosecutor)[0]

    def indicators(
        self,
        indicators: Sequence[str],
        *,
        period: str | Period,
        organ: str | None = None,
        prosecutor: str | None = None,
        stored_only: bool = False,
    ) -> list[IndicatorValue]:
        """Several indicators of one organ (or prosecutor) and period, as :meth:`indicator`
        reads each -- the stored ones in one query. With ``stored_only`` the indicators
        not stored for the period are left out rather than computed.

        For a prosecutor, an indicator that is not computed per prosecutor (its records
        name no prosecutor, or ``per_prosecutor: false``) has no figure:
        :class:`~kaoping.engine.values.NotPerProsecutorError` (a ValueError) names every
        such indicator asked for -- or, with ``stored_only``, they are left out like
        any other figure that is not stored (a scorecard asks for the whole catalogue)."""
        from kaoping.catalogue.validate import not_per_prosecutor_reason
        from kaoping.engine.values import NotPerProsecutorError

        defs = [self.definition(i) for i in indicators]
        p = parse_period(period)
        subject = self.subject(organ=organ, prosecutor=prosecutor)
        if subject.kind == "prosecutor":
            refused = {
                ind.id: why
                for ind in defs
                if (why := not_per_prosecutor_reason(ind)) is not None
            }
            if refused and not stored_only:
                raise NotPerProsecutorError(subject.code, refused)
            defs = [ind for ind in defs if ind.id not in refused]
        stored = self._stored(defs, subject, p)
        out = []
        for ind in defs:
            row = stored.get(ind.id)
            source = "stored"
            if row is None:
                if stored_only:
                    continue
                from kaoping.engine.adhoc import compute_one

                row = compute_one(
                    self.backend, ind, subject, p, has_previous=self._has_previous(ind, p)
                )
                source = "on_the_fly"
            value = IndicatorValue.from_row(
                row, ind, subject, period_zh=p.label_zh, period_en=p.phrase_en, source=source
            )
            if source == "on_the_fly" and not self._covered(p):
                # 2021 in a 2019-2020 warehouse: no records, not "0 persons"
                value = value.without_data()
            out.append(value)
        return out

    def values(
        self,
        indicator: str,
        period: str | Period,
        *,
        level: int | None = None,
        parent: str | None = None,
        subject_type: Literal["organ", "prosecutor"] = "organ",
    ) -> pd.DataFrame:
        """The stored figures of one indicator and period for many subjects: a league table.

        Filter by ``level`` (1-4) and/or ``parent`` (the organs directly below it, or for
        prosecutors the prosecutors of that organ). Sorted best first within the level;
        organ names are added as ``name_zh`` / ``name_en``.
        """
        import pandas as pd

        rows = self.value_rows(
            indicator, period, level=level, parent=parent, subject_type=subject_type
        )
        if rows:
            return pd.DataFrame(rows)
        columns = self._result_columns(self._connection(), subject_type)
        return pd.DataFrame(columns=[*columns, "name_zh", "name_en"])

    def value_rows(
        self,
        indicator: str,
        period: str | Period,
        *,
        level: int | None = None,
        parent: str | None = None,
        subject_type: Literal["organ", "prosecutor"] = "organ",
    ) -> list[dict[str, Any]]:
        """:meth:`values` as dicts, read with plain SQL.

        Why both: a dashboard page draws a level's 3,000 organs from these rows, and the
        Ibis expression, the pandas frame and its sorting and merging were four fifths of
        the 90 ms such a read took on a national warehouse."""
        from kaoping.engine.results import read_slice
        from kaoping.engine.store import has_results

        ind = self.definition(indicator)
        p = parse_period(period)
        con = self._connection()
        if not has_results(con):
            raise LookupError("no stored results: run `kaoping compute` (or .compute()) first")
        labels = list(p.equivalent_labels())
        if parent is not None:
            rows = self._below(ind.id, p, parent, level, subject_type)
        else:
            rows = read_slice(con, subject_type, ind.id, labels, level=level)
        kept = _canonical(rows, labels, lambda r: (r["subject"], str(r["period"])))
        names = self._organ_names()
        out = []
        for row in kept:
            row["period"] = p.label
            row["name_zh"], row["name_en"] = names.get(row["organ_code"], (None, None))
            out.append(row)
        out.sort(key=lambda r: (r["level"], r["rank_in_level"] is None,
                                r["rank_in_level"] or 0, r["subject"]))
        return out

    def level_values(self, indicator: str, period: str | Period, *, level: int) -> list[float]:
        """The figures (not None) of every organ of ``level``: :meth:`value_rows`'
        values, read without their ranks, names or any other column."""
        from kaoping.engine.results import read_level_values
        from kaoping.engine.store import has_results

        ind = self.definition(indicator)
        con = self._connection()
        if not has_results(con):
            raise LookupError("no stored results: run `kaoping compute` (or .compute()) first")
        labels = list(parse_period(period).equivalent_labels())
        return read_level_values(con, "organ", ind.id, labels, level=level)

    def _organ_names(self) -> dict[str, tuple[str | None, str | None]]:
        """Organ code -> (Chinese name, English name), kept with the version read."""
        if self._kept.names is None:
            # from the hierarchy, which reads the organs under the active model's names
            h = self.hierarchy.organs
            self._kept.names = {
                str(code): (zh, en)
                for code, zh, en in zip(h["organ_code"], h["name_zh"], h["name_en"],
                                        strict=True)
            }
        return self._kept.names

    def _below(
        self, indicator: str, period: Period, parent: str, level: int | None, subject_type: str
    ) -> list[dict[str, Any]]:
        """The stored rows of the subjects directly below ``parent``, read as point reads
        (:func:`kaoping.engine.results.read_results`, one per level below it) -- through
        the results view, ranking a level's 30,000 prosecutors takes seconds."""
        from kaoping.engine.results import SUBJECTS_TABLE, read_results

        con = self._connection()
        levels = [level] if level is not None else [
            int(r[0])
            for r in con.execute(
                f"SELECT DISTINCT level FROM {SUBJECTS_TABLE} "
                "WHERE subject_type = ? AND parent_code = ?",
                [subject_type, parent],
            ).fetchall()
        ]
        labels = list(period.equivalent_labels())
        return [
            r
            for lv in sorted(levels)
            for r in read_results(
                con, subject_type, [indicator], level=lv, parent=parent, periods=labels
            )
        ]

    @staticmethod
    def _result_columns(con: Any, subject_type: str) -> list[str]:
        from kaoping.engine.results import results_table

        cur = con.execute(f'SELECT * FROM "{results_table(subject_type)}" LIMIT 0')
        return [d[0] for d in cur.description or ()]

    def explain(
        self,
        indicator: str,
        *,
        period: str | Period,
        organ: str | None = None,
        prosecutor: str | None = None,
        limit: int = 50,
    ) -> Explanation:
        """The definition and the records behind one figure (see :class:`Explanation`).

        The figure explained is counted from the records listed -- the same state of the
        warehouse -- so the explanation never contradicts its own records. When the
        stored figure differs (the data changed after the last computation) it is given
        too, as ``Explanation.stored``.
        """
        from kaoping.engine.adhoc import compute_one, figure_of
        from kaoping.engine.explain import explain

        stored = self.indicator(indicator, period=period, organ=organ, prosecutor=prosecutor)
        subject = self.subject(organ=organ, prosecutor=prosecutor)
        p = parse_period(period)
        # from the dict kept per version: the nation's 3,269 organs looked up one by one
        # in a frame took a national organ's records page a tenth of a second
        names = self._organ_names()
        organs = tuple(
            (c, str(names[c][0]), str(names[c][1])) for c in subject.organs
        )
        ind = stored.definition
        if stored.source == "stored" and _counts_records(ind):
            # a figure that counts records is its records' count: the listed records say
            # whether it is the stored one, without counting them once more to check
            e = explain(self.backend, ind, subject, p, stored, organs, limit=limit)
            den = e.denominator.total_records if e.denominator is not None else None
            if _same_pair((e.numerator.total_records, den),
                          (stored.numerator, stored.denominator)):
                return e
        value = stored
        # the records' count first: when it is the stored one, the stored row is the
        # figure, and deriving the whole row again (150 ms) would only confirm it
        if stored.source == "stored" and not _same_pair(
            figure_of(self.backend, stored.definition, subject, p),
            (stored.numerator, stored.denominator),
        ):
            ind = stored.definition
            row = compute_one(
                self.backend, ind, subject, p, has_previous=self._has_previous(ind, p)
            )
            counted = IndicatorValue.from_row(
                {**row, "period": p.label}, ind, subject, period_zh=p.label_zh,
                period_en=p.phrase_en, source="records",
            )
            if _same_figure(counted, stored):
                counted = stored
            value = counted
        return explain(
            self.backend,
            value.definition,
            subject,
            p,
            value,
            organs,
            limit=limit,
            stored=None if value is stored else stored,
        )

    def breakdown(
        self,
        indicator: str,
        *,
        period: str | Period,
        by: str,
        organ: str | None = None,
    ) -> Breakdown:
        """``indicator`` for one organ (and every organ below it) and period, split by the
        categories of the column ``by`` -- any categorical column of the indicator's tables
        (``Indicator.breakdowns`` lists the ones the dashboard offers). Computed from the
        records, like :meth:`explain`; ``Breakdown.ok`` says whether the categories add up
        to the total (``Breakdown.problems`` says how they do not)."""
        from kaoping.engine.breakdown import compute_breakdown

        ind = self.definition(indicator)
        subject = self.subject(organ=organ)
        return compute_breakdown(self.backend, ind, subject, parse_period(period), by)

    def breakdowns(
        self,
        requests: Sequence[tuple[str, str]],
        *,
        period: str | Period,
        organ: str | None = None,
    ) -> list[Breakdown]:
        """:meth:`breakdown` of each (indicator, column) of ``requests``, read together
        (a report's breakdowns: a few grouped queries instead of two per indicator)."""
        from kaoping.engine.breakdown import compute_breakdowns

        wanted = [(self.definition(i), by) for i, by in requests]
        subject = self.subject(organ=organ)
        return compute_breakdowns(self.backend, wanted, subject, parse_period(period))

    # --- which years the records cover (issue 10) ---------------------------------------

    def _comparable_years(self) -> frozenset[int]:
        """The years with figures of their own, to compare with or to show: those a
        default computation computes -- every year with substantial data for the
        catalogue's measures (:func:`kaoping.engine.compute.default_years`; a spill-over
        year is not one) -- and those stored because they were asked for. Kept per
        connection (a reopened warehouse may hold new data)."""
        from kaoping.engine.compile import make_plan
        from kaoping.engine.compute import default_years
        from kaoping.engine.store import stored_years

        con = self._connection()
        cached = getattr(self, "_comparable_cache", None)
        if cached is not None and cached[0] is con:
            return cast("frozenset[int]", cached[1])
        groups = make_plan(self.catalogue.indicators).groups
        counts = [self._data_years(g.table, g.date) for g in groups]
        years = frozenset(default_years(counts)) | frozenset(stored_years(con))
        self._comparable_cache = (con, years)
        return years

    def _covered(self, period: Period) -> bool:
        """Whether every year ``period`` touches is one the records cover (see
        :meth:`_comparable_years`); a figure outside them is no figure at all."""
        from kaoping.engine.periods import fiscal_year_start

        return period.years_from(fiscal_year_start()) <= self._comparable_years()


def _same_figure(a: IndicatorValue, b: IndicatorValue) -> bool:
    """Whether two figures have the same numerator and denominator (up to the rounding of
    sums of fractional amounts)."""
    return _same_pair((a.numerator, a.denominator), (b.numerator, b.denominator))


def _counts_records(indicator: Indicator) -> bool:
    """Whether the figure's numerator and denominator (if any) are counts of the records
    its explanation lists, one per record."""
    from kaoping.catalogue.models import Aggregation

    den = indicator.denominator
    return indicator.numerator.agg is Aggregation.COUNT and (
        den is None or den.agg is Aggregation.COUNT)


def _same_pair(
    a: tuple[float | None, float | None], b: tuple[float | None, float | None]
) -> bool:
    """:func:`_same_figure` of two (numerator, denominator) pairs."""

    def close(x: float | None, y: float | None) -> bool:
        if x is None or y is None:
            return x is None and y is None
        return abs(x - y) <= 1e-9 * max(1.0, abs(x), abs(y))

    return close(a[0], b[0]) and close(a[1], b[1])


_Row = TypeVar("_Row")


def _canonical(
    rows: Sequence[_Row], labels: Sequence[str], key: Callable[[_Row], tuple[str, str]]
) -> list[_Row]:
    """One row per subject (``key``: its subject and period label): a period stored under
    several labels (2020, 2020-01..2020-12) has a row under each; the canonical label's is
    kept, as :meth:`Warehouse._stored` keeps it, not whichever came first."""
    order = {label: i for i, label in enumerate(labels)}
    kept: dict[str, tuple[int, _Row]] = {}
    for row in rows:
        subject, label = key(row)
        rank = order[label]
        mine = kept.get(subject)
        if mine is None or rank < mine[0]:
            kept[subject] = (rank, row)
    return [row for _, row in kept.values()]
