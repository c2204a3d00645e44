"""Reading what ``kaoping compute`` stored: the relations' names, the runs, point reads.

Kept apart from :mod:`kaoping.engine.store` (which writes) so that a reader -- `kaoping
show`, a request of the web server -- needs neither pandas nor Ibis for a point read: a
figure is one parametrised query on the results view.
"""

from __future__ import annotations

import contextlib
import json
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "FLAGGED_COLUMNS",
    "ORDER_COLUMNS",
    "ORGAN_DERIVED_TABLE",
    "ORGAN_LEVEL_VALUES_SQL",
    "ORGAN_LEVEL_VALUES_TABLE",
    "ORGAN_RANKS_SQL",
    "ORGAN_RANKS_TABLE",
    "ORGAN_RESULTS",
    "ORGAN_SCORES",
    "ORGAN_SUBJECT_ORDER",
    "ORGAN_UNRANKED",
    "POINT_VIEWS",
    "PROSECUTOR_RESULTS",
    "PROSECUTOR_ROWS_TABLE",
    "PROSECUTOR_SCORES",
    "PROSECUTOR_UNRANKED",
    "RESULTS_TABLE",
    "RUNS_TABLE",
    "LastRun",
    "dict_rows",
    "has_results",
    "last_run",
    "read_flagged",
    "read_histories",
    "read_level_values",
    "read_results",
    "read_slice",
    "results_table",
    "stored_years",
    "unranked_table",
]

RESULTS_TABLE = "indicator_values"
ORGAN_RESULTS = "indicator_values_organ"
PROSECUTOR_RESULTS = "indicator_values_prosecutor"
ORGAN_FIGURES_TABLE = "indicator_organ_figures"
#: the organs' results but their ranks, derived once per computation from the organs'
#: figures and grid (:func:`kaoping.engine.store.store_organ_derivations`); the organs'
#: views read it when it is there
ORGAN_DERIVED_TABLE = "indicator_derived_organ"
#: the ranks of the organs' rankable derived rows, written beside them
#: (:data:`ORGAN_RANKS_SQL`); a point read takes its ranks from here when it is there
ORGAN_RANKS_TABLE = "indicator_ranks_organ"
#: the order both are written in: a subject's rows (and the subjects below one parent)
#: lie together, so a point read, a league of one parent's organs and a history each
#: touch one or two row groups of the 79 of a national two-year grid. Why not period
#: first: DuckDB prunes row groups by an equality on the period but not by the ``IN``
#: list of a period's labels (2020 and 2020-01..2020-12), nor by the subject within a
#: period's rows, so a county's point read scanned 18 row groups (17 ms against 1.7)
ORGAN_SUBJECT_ORDER = "level, parent_code, subject, period, indicator"
#: every organ figure's value, by period, level and indicator: what a distribution of
#: one level bins (:func:`read_level_values`), which in the subject order above would
#: scan the level's every row group (50 ms for the counties against 3)
ORGAN_LEVEL_VALUES_TABLE = "indicator_level_values_organ"
#: every prosecutor figure (indicator, subject_key, pid, numerator, denominator), one row
#: per indicator, picked from the prosecutors' cube tables at compute time
PROSECUTOR_ROWS_TABLE = "indicator_prosecutor_rows"
#: the organs' grid the stored organs' figures complete to on read (they leave out the
#: rows of nothing recorded): the (indicator, pid) pairs computed, and the organs
#: (subject_key) computed per year
ORGAN_PERIODS_TABLE = "indicator_organ_periods"
ORGAN_YEARS_TABLE = "indicator_organ_years"
RUNS_TABLE = "compute_runs"
LAYOUT_TABLE = "indicator_figure_tables"
SUBJECTS_TABLE = "indicator_subjects"
PERIODS_TABLE = "indicator_periods"
PARAMS_TABLE = "indicator_params"
YEARS_TABLE = "indicator_years"
#: per subject type, the results without ranks (with what ranks order by), and what
#: ranks compare -- the rankable rows' scores -- for a point read to rank its few rows
ORGAN_UNRANKED = "indicator_unranked_organ"
PROSECUTOR_UNRANKED = "indicator_unranked_prosecutor"
ORGAN_SCORES = "indicator_scores_organ"
PROSECUTOR_SCORES = "indicator_scores_prosecutor"
POINT_VIEWS = (ORGAN_UNRANKED, PROSECUTOR_UNRANKED, ORGAN_SCORES, PROSECUTOR_SCORES)
#: the columns the unranked views add to those of the results: what ranks order by
ORDER_COLUMNS = ("in_range", "score", "rankable")
_POINT = {
    "organ": (ORGAN_UNRANKED, ORGAN_SCORES),
    "prosecutor": (PROSECUTOR_UNRANKED, PROSECUTOR_SCORES),
}


def results_table(subject_type: str | None = None) -> str:
    """The relation to read results of ``subject_type`` (organ, prosecutor) from.

    ``indicator_values`` holds both, but a query against it is planned over every
    indicator's stored table; the organs' results come from a table of their own, so a
    reader who wants organs only plans and runs in milliseconds.
    """
    if subject_type is None:
        return RESULTS_TABLE
    halves = {"organ": ORGAN_RESULTS, "prosecutor": PROSECUTOR_RESULTS}
    if subject_type not in halves:
        raise ValueError(f"unknown subject type {subject_type!r}: organ or prosecutor")
    return halves[subject_type]


def unranked_table(con: duckdb.DuckDBPyConnection, subject_type: str) -> str:
    """The relation to read results of ``subject_type`` from when no rank is wanted.

    The results views rank with windows, so a filter on a subject cannot reach below
    them: a prosecutor's history through them ranks every prosecutor of every period.
    The unranked views (their rank columns NULL) derive the rows asked for alone. A
    warehouse computed before they existed has the results views only.
    """
    name = _POINT[subject_type][0] if subject_type in _POINT else ""
    return name if name and _table_exists(con, name) else results_table(subject_type)


#: per read-only connection, its relations' names and types (None: a writable one)
_CATALOGS: weakref.WeakKeyDictionary[Any, dict[str, str] | None] = weakref.WeakKeyDictionary()


def _catalog(con: duckdb.DuckDBPyConnection) -> dict[str, str] | None:
    """The relations of a read-only connection (name -> type), read once per connection;
    None for a writable one, whose relations a computation may change.

    Why: asking ``information_schema`` costs about 2 ms, and a page asked it half a dozen
    times per read. A read-only connection reads one version of the warehouse, which is
    never written in place (:mod:`kaoping.versions`), so its relations cannot change."""
    try:
        return _CATALOGS[con]
    except (KeyError, TypeError):
        pass
    mode = con.execute("SELECT current_setting('access_mode')").fetchall()
    catalog = None
    if mode and str(mode[0][0]).lower() == "read_only":
        catalog = {
            str(n): str(t)
            for n, t in con.execute(
                "SELECT table_name, table_type FROM information_schema.tables"
            ).fetchall()
        }
    # a connection that cannot be weakly referenced is asked each time
    with contextlib.suppress(TypeError):
        _CATALOGS[con] = catalog
    return catalog


def _relation_kind(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """'VIEW', 'BASE TABLE' (or another table type), or None when there is no ``name``."""
    catalog = _catalog(con)
    if catalog is not None:
        return catalog.get(name)
    rows = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchall()
    return str(rows[0][0]) if rows else None


def has_results(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``kaoping compute`` stored results in this layout (kaoping 0.1's results
    table does not count: it is recomputed)."""
    return _table_exists(con, ORGAN_RESULTS)


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    catalog = _catalog(con)
    if catalog is not None:
        return name in catalog
    # fetchall, not fetchone: DuckDB 2 refuses new work while a result is unfinished
    rows = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchall()
    return bool(rows and rows[0][0])


@dataclass(frozen=True)
class LastRun:
    finished_at: datetime
    years: tuple[int, ...]
    catalogue_digest: str
    rows: int
    #: the warehouse's data version the run computed from (None: recorded before versions)
    data_version: int | None = None


def last_run(con: duckdb.DuckDBPyConnection) -> LastRun | None:
    """The most recent computation, or None if ``kaoping compute`` never ran."""
    if not _table_exists(con, RUNS_TABLE):
        return None
    columns = {
        str(r[0])
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
            [RUNS_TABLE],
        ).fetchall()
    }
    version = "data_version" if "data_version" in columns else "NULL"
    rows = con.execute(
        f"SELECT finished_at, years, catalogue_digest, rows_written, {version} "
        f"FROM {RUNS_TABLE} ORDER BY finished_at DESC LIMIT 1"
    ).fetchall()
    if not rows:
        return None
    row = rows[0]
    years = tuple(int(y) for y in json.loads(row[1]))
    return LastRun(
        row[0], years, str(row[2]), int(row[3]), None if row[4] is None else int(row[4])
    )


def stored_years(con: duckdb.DuckDBPyConnection) -> set[int]:
    """The years of the stored results (in this layout or kaoping 0.1's results table);
    not the years stored only as the previous year of a computed one."""
    kind = _relation_kind(con, RESULTS_TABLE)
    if kind is not None and kind != "VIEW":
        source = RESULTS_TABLE
    elif _table_exists(con, PERIODS_TABLE):
        source = PERIODS_TABLE
    else:
        return set()
    rows = con.execute(f'SELECT DISTINCT "year" FROM "{source}"').fetchall()
    return {int(r[0]) for r in rows}


def read_results(
    con: duckdb.DuckDBPyConnection,
    subject_type: str,
    indicators: Sequence[str],
    *,
    level: int,
    subject: str | None = None,
    parent: str | None = None,
    periods: Sequence[str],
) -> list[dict[str, object]]:
    """The stored rows of one subject (or of the subjects directly below ``parent``):
    ``indicators`` x ``periods`` (labels), as dicts.

    A point read, so plain SQL on the connection: no Ibis expression to build and no
    pandas frame to fill, which is most of what a `kaoping show` would otherwise wait for.
    The level is redundant with the subject, but ranks are taken per level.

    Why not the results view: it ranks with window functions, so it derives every
    subject of the level before it can keep one -- for prosecutors, 30,000 of them per
    indicator, their previous year joined in, seconds for a scorecard. Here the subject's
    own rows are derived alone (:data:`ORGAN_UNRANKED`, ...), and each is ranked by
    counting the rankable peers that order before it (:data:`ORGAN_SCORES`, ...): the
    same ranks as :func:`kaoping.engine.rank.ranked`'s -- ties share the lowest rank,
    the unrankable get none -- from this period's values alone (a rank never looks at
    the previous year). A warehouse computed before those views existed is read through
    the results view.
    """
    if (subject is None) == (parent is None):
        raise ValueError("read_results: name a subject or a parent")
    if not indicators or not periods:
        return []
    who, whom = ("subject", subject) if subject is not None else ("parent_code", parent)
    unranked, scores = _POINT[subject_type]
    # many indicators are read as all of them, the others dropped here: DuckDB plans a
    # long IN list slowly (2-3 ms each, two per read), and a subject has a few dozen rows
    # per period however many are asked
    every = len(indicators) > _FEW_INDICATORS
    which = "TRUE" if every else f"indicator IN ({_marks(indicators)})"
    asked: list[object] = [] if every else list(indicators)
    if not _table_exists(con, scores):
        cur = con.execute(
            f'SELECT * FROM "{results_table(subject_type)}" WHERE {which} '
            f"AND subject_type = ? AND level = ? AND {who} = ? "
            f"AND period IN ({_marks(periods)})",
            [*asked, subject_type, level, whom, *periods],
        )
    elif subject_type == "organ" and _table_exists(con, ORGAN_RANKS_TABLE):
        cur = con.execute(
            _STORED_RANKS_SQL.format(
                unranked=unranked, who=who, indicators=which, periods=_marks(periods),
            ),
            [*asked, subject_type, level, whom, *periods, *asked, level, whom, *periods],
        )
    elif subject_type == "organ" and not _table_exists(con, ORGAN_DERIVED_TABLE):
        cur = con.execute(
            _ORGAN_RANKED_SQL.format(
                unranked=unranked, who=who, indicators=which, periods=_marks(periods),
            ),
            [*asked, subject_type, level, *periods, whom],
        )
    else:
        cur = con.execute(
            _RANKED_SQL.format(
                unranked=unranked, scores=scores, who=who,
                indicators=which, periods=_marks(periods),
            ),
            [*asked, subject_type, level, whom, *periods,
             *asked, subject_type, level, *periods],
        )
    rows = dict_rows(cur)
    if every:
        wanted = set(indicators)
        rows = [r for r in rows if r["indicator"] in wanted]
    return rows


def read_slice(
    con: duckdb.DuckDBPyConnection,
    subject_type: str,
    indicator: str,
    periods: Sequence[str],
    *,
    level: int | None = None,
) -> list[dict[str, object]]:
    """The stored rows of one indicator in ``periods`` (labels) for every subject (of
    ``level``), ranked, as dicts: a league table's rows.

    Read from the results view: its ranks are window functions over exactly this slice,
    and DuckDB keeps the filters on their partitions below them, so over the organs'
    stored derived rows that is a read of one slice (a few milliseconds). A whole level
    of prosecutors is derived on read, as through any other path."""
    if not periods:
        return []
    where = f"indicator = ? AND subject_type = ? AND period IN ({_marks(periods)})"
    params: list[object] = [indicator, subject_type, *periods]
    if level is not None:
        where += " AND level = ?"
        params.append(level)
    return dict_rows(con.execute(f'SELECT * FROM "{results_table(subject_type)}" WHERE {where}',
                              params))


def read_level_values(
    con: duckdb.DuckDBPyConnection,
    subject_type: str,
    indicator: str,
    periods: Sequence[str],
    *,
    level: int,
) -> list[float]:
    """The value of every subject of ``level`` that has one, in the first of ``periods``
    (labels of the same months: 2020, 2020-01..2020-12) it is stored under, in no order:
    what a distribution bins, without the ranks :func:`read_slice` takes by windows
    (2 ms against 16 for the 2,873 counties of a national warehouse).

    The canonical label is chosen and the values taken out as an array in DuckDB: as
    Python tuples, a level's 5,746 rows held the serving process's GIL for a tenth of
    what a distribution waited for under load."""
    if not periods:
        return []
    if subject_type == "organ" and _table_exists(con, ORGAN_LEVEL_VALUES_TABLE):
        relation, kind = ORGAN_LEVEL_VALUES_TABLE, "TRUE"
    else:
        relation, kind = unranked_table(con, subject_type), "subject_type = ?"
    values = con.execute(
        f"SELECT value::DOUBLE AS value FROM (SELECT value FROM \"{relation}\" "
        f"WHERE indicator = ? AND {kind} AND period IN ({_marks(periods)}) AND level = ? "
        "QUALIFY row_number() OVER (PARTITION BY subject "
        "ORDER BY list_position(?::VARCHAR[], period)) = 1) WHERE value IS NOT NULL",
        [indicator, *([] if kind == "TRUE" else [subject_type]), *periods, level,
         list(periods)],
    ).fetchnumpy()["value"]
    out: list[float] = values.tolist()
    return out


#: a peer orders before ``me``: inside the range before outside it, then the higher score
_BEFORE = "(p.in_range > me.in_range OR (p.in_range = me.in_range AND p.score > me.score))"
_SAME_PARENT = "p.parent_code IS NOT DISTINCT FROM me.parent_code"


def _percentile(before: str, peers: str) -> str:
    """The percentile of a figure with ``before`` peers ranked before it among ``peers``
    (SQL expressions): percent_rank()'s arithmetic, so the figures are the view's."""
    return (f"(1 - CASE WHEN {peers} > 1 THEN ({before})::DOUBLE / ({peers} - 1)::DOUBLE "
            "ELSE 0 END) * 100")


#: ``me`` ranked among ``peers`` (both defined before): counted per indicator and
#: period (:func:`_percentile`)
_COUNTED_SQL = f"""
counted AS (
    SELECT me.indicator, me.subject, me.period,
        count(*) FILTER (WHERE {_SAME_PARENT}) AS in_parent,
        count(*) FILTER (WHERE {_SAME_PARENT} AND {_BEFORE}) AS before_in_parent,
        count(*) AS in_level,
        count(*) FILTER (WHERE {_BEFORE}) AS before_in_level
    FROM me JOIN peers AS p ON p.indicator = me.indicator AND p.period = me.period
    WHERE me.rankable
    GROUP BY me.indicator, me.subject, me.period
)
SELECT me.* EXCLUDE (in_range, score, rankable) REPLACE (
    CASE WHEN me.rankable THEN c.before_in_parent + 1 END::BIGINT AS rank_in_parent,
    CASE WHEN me.rankable THEN c.in_parent END::BIGINT AS peers_in_parent,
    CASE WHEN me.rankable THEN c.before_in_level + 1 END::BIGINT AS rank_in_level,
    CASE WHEN me.rankable THEN c.in_level END::BIGINT AS peers_in_level,
    CASE WHEN me.rankable THEN {_percentile("c.before_in_level", "c.in_level")}
    END::DOUBLE AS percentile
)
FROM me LEFT JOIN counted AS c
    ON c.indicator = me.indicator AND c.subject = me.subject AND c.period = me.period
"""
#: ``me``'s rows ranked among the peers of their indicator, period and level, read from
#: two views: the unranked one for ``me``, the scores for the peers
_RANKED_SQL = """
WITH me AS (
    SELECT * FROM "{unranked}" WHERE {indicators} AND subject_type = ?
    AND level = ? AND {who} = ? AND period IN ({periods})
), peers AS (
    SELECT indicator, period, parent_code, in_range, score FROM "{scores}"
    WHERE {indicators} AND subject_type = ? AND level = ?
    AND period IN ({periods})
), """ + _COUNTED_SQL
#: the same for organs, from the unranked view alone: ``me`` and the peers are rows of
#: one slice (indicators, periods, level), read once. Why: most of a point read's time is
#: DuckDB binding and optimising the views' derivations, once per view named -- a third
#: less with one view. The organs' unranked rows cost no more to derive than their
#: scores (their previous year is stored beside them); a prosecutor's previous year is
#: found on read, so the prosecutors' peers are read from the scores view, which skips it.
#: Once the organs' derived rows are stored (:data:`ORGAN_DERIVED_TABLE`) there is
#: nothing to derive, and :data:`_RANKED_SQL`'s narrow read of the peers is the quicker:
#: 20 ms against 43 for a county's 49 indicators on a national warehouse.
_ORGAN_RANKED_SQL = """
WITH level_rows AS MATERIALIZED (
    SELECT * FROM "{unranked}" WHERE {indicators} AND subject_type = ?
    AND level = ? AND period IN ({periods})
), me AS (
    SELECT * FROM level_rows WHERE {who} = ?
), peers AS (
    SELECT indicator, period, parent_code, in_range, score FROM level_rows WHERE rankable
), """ + _COUNTED_SQL


#: the ranks of every rankable row of the organs' derived rows (``{derived}``), as
#: :data:`_COUNTED_SQL` counts them for a few: within an indicator, period and level (and
#: parent), inside the range before outside it, then the higher score; ties share the
#: lowest rank. Written at compute time in the derived rows' order
#: (:data:`ORGAN_SUBJECT_ORDER`), so a point read skips the other subjects' row groups.
#: Why: counting a county's 49 ranks
#: among the 2,873 counties on read took 9 of its 12 ms, and every organ page reads
#: one; the windows over the 5.8 million rankable rows of a national two-year grid
#: take about 7 s of a computation (over the wide derived rows themselves, 19 s)
ORGAN_RANKS_SQL = f"""
SELECT period, level, indicator, subject, parent_code, rank_in_parent, peers_in_parent,
    rank_in_level, peers_in_level,
    ({_percentile("rank_in_level - 1", "peers_in_level")})::DOUBLE AS percentile
FROM (
    SELECT period, level, indicator, subject, parent_code,
        rank() OVER (PARTITION BY indicator, period, level, parent_code
                     ORDER BY in_range DESC, score DESC)::BIGINT AS rank_in_parent,
        count(*) OVER (PARTITION BY indicator, period, level, parent_code)::BIGINT
            AS peers_in_parent,
        rank() OVER (PARTITION BY indicator, period, level
                     ORDER BY in_range DESC, score DESC)::BIGINT AS rank_in_level,
        count(*) OVER (PARTITION BY indicator, period, level)::BIGINT AS peers_in_level
    FROM "{{derived}}" WHERE rankable
)
ORDER BY {ORGAN_SUBJECT_ORDER}
"""

#: the organs' values by level (:data:`ORGAN_LEVEL_VALUES_TABLE`) from their derived rows
ORGAN_LEVEL_VALUES_SQL = """
SELECT period, level, indicator, subject, value FROM "{derived}"
ORDER BY period, level, indicator, subject
"""
#: a point read of organs with the stored ranks: the rows of ``me`` and their ranks
_STORED_RANKS_SQL = f"""
WITH me AS (
    SELECT * FROM "{{unranked}}" WHERE {{indicators}} AND subject_type = ?
    AND level = ? AND {{who}} = ? AND period IN ({{periods}})
), ranked AS (
    SELECT * FROM "{ORGAN_RANKS_TABLE}" WHERE {{indicators}} AND level = ? AND {{who}} = ?
    AND period IN ({{periods}})
)
SELECT me.* EXCLUDE (in_range, score, rankable) REPLACE (
    r.rank_in_parent AS rank_in_parent, r.peers_in_parent AS peers_in_parent,
    r.rank_in_level AS rank_in_level, r.peers_in_level AS peers_in_level,
    r.percentile AS percentile
)
FROM me LEFT JOIN ranked AS r
    ON r.indicator = me.indicator AND r.subject = me.subject AND r.period = me.period
"""


#: up to this many indicators a point read names them to DuckDB; more, it reads all
#: (:func:`read_results`): 12 ms against 18 for a county's 49 on a national warehouse,
#: where one indicator named costs 7
_FEW_INDICATORS = 8


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


def dict_rows(cur: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    """The rows of an executed query as dicts by column name."""
    names = [d[0] for d in cur.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


#: the columns a warning shows of a flagged figure
FLAGGED_COLUMNS = (
    "indicator", "subject", "organ_code", "level", "period", "value", "numerator",
    "denominator", "previous", "change", "change_unit", "flags",
)


def read_flagged(
    con: duckdb.DuckDBPyConnection,
    period: str,
    organs: Sequence[str] | None,
    *,
    severity: Sequence[tuple[str, int]] = (),
    limit: int,
    offset: int = 0,
) -> tuple[int, list[dict[str, object]]]:
    """How many stored organ figures of ``period`` carry a flag (of ``organs``; None: of
    every organ), and ``limit`` of them from ``offset``: the heaviest first by the
    summed weights of the ``severity`` (flag, weight) pairs they carry, then by level,
    organ and indicator.

    Plain SQL, as :func:`read_results`: the warnings of an organ page are two reads, and
    building and compiling their Ibis expressions cost more than DuckDB's answer."""
    if not _table_exists(con, ORGAN_RESULTS):
        return 0, []
    where = "subject_type = 'organ' AND period = ? AND length(flags) > 0"
    params: list[object] = [period]
    if organs is not None:
        where += " AND subject IN (SELECT unnest(?::VARCHAR[]))"
        params.append(list(organs))
    relation = unranked_table(con, "organ")
    total = con.execute(f'SELECT count(*) FROM "{relation}" WHERE {where}', params).fetchall()
    weight = " + ".join("CAST(contains(flags, ?) AS INTEGER) * ?" for _ in severity)
    order = f"{weight} DESC, " if severity else ""  # a bare 0 would name a column
    cur = con.execute(
        f"SELECT {', '.join(FLAGGED_COLUMNS)} FROM \"{relation}\" WHERE {where} "
        f"ORDER BY {order}level, subject, indicator LIMIT ? OFFSET ?",
        [*params, *(x for pair in severity for x in pair), limit, offset],
    )
    return int(total[0][0]) if total else 0, dict_rows(cur)


def read_histories(
    con: duckdb.DuckDBPyConnection,
    subject_type: str,
    subject: str,
    kind: str,
    indicators: Sequence[str],
) -> list[dict[str, object]]:
    """The stored rows of one subject over every period of ``kind``, of ``indicators``
    (indicator, period, value, numerator, denominator, previous, change, change_unit,
    flags), in no order. Plain SQL, as :func:`read_results`; no ranks are read, so from
    the unranked relation, which derives this subject's rows alone."""
    if not indicators:
        return []
    cur = con.execute(
        "SELECT indicator, period, value, numerator, denominator, previous, change, "
        f'change_unit, flags FROM "{unranked_table(con, subject_type)}" '
        f"WHERE indicator IN ({_marks(indicators)}) AND subject_type = ? AND subject = ? "
        "AND period_kind = ?",
        [*indicators, subject_type, subject, kind],
    )
    return dict_rows(cur)
