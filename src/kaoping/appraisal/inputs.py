"""The appraisal's one door to the warehouse: subjects, stored indicator values, digests.

Everything the appraisal reads from DuckDB goes through here, so that a change in the
engine's results (``indicator_values`` and its organ and prosecutor halves, written by
``kaoping compute``) touches one module. Reads are plain SQL on a read-only connection:
they are small (one period, the subjects of one run) and the shapes are the engine's
documented columns.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from kaoping.appraisal.errors import AppraisalError
from kaoping.engine.periods import Period
from kaoping.engine.results import unranked_table
from kaoping.engine.store import has_results, results_table
from kaoping.model.schema import TABLES

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "Organ",
    "StoredValue",
    "SubjectRow",
    "check_fresh",
    "data_digest",
    "kept",
    "read_organs",
    "read_prosecutors",
    "read_values",
    "warehouse_identity",
]

RUNS_TABLE = "compute_runs"

#: what :func:`kept` holds: a dozen entries -- a run keeps its values, the data digest, the
#: workloads and the strata counts; the largest, a national run's values, ~75,000 rows
_KEPT: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_KEPT_ENTRIES = 12
_KEPT_LOCK = threading.Lock()
T = TypeVar("T")


def warehouse_identity(path: Path | str) -> tuple[Any, ...] | None:
    """What changes whenever the content of the warehouse at ``path`` does, or None.

    Writers never change a published warehouse in place: they write a copy and rename it
    over the old one (:mod:`kaoping.versions`), so the file's inode changes; a file
    written in place by other means changes its size or modification time, and an
    unfinished write shows as a write-ahead log. None when reads go to a Parquet run
    (``KAOPING_RESULTS``), which this does not cover.
    """
    from kaoping.warehouse import results_dir

    if results_dir() is not None:
        return None
    marks: list[Any] = [str(Path(path).resolve())]
    for name in (Path(path), Path(f"{path}.wal")):
        try:
            st = name.stat()
        except FileNotFoundError:
            marks.append(None)
            continue
        marks.append((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(marks)


def kept(key: tuple[Any, ...] | None, make: Callable[[], T]) -> T:
    """``make()``, kept in this process under ``key`` (which names the warehouse by
    :func:`warehouse_identity`); not kept when ``key`` is None.

    Why: an accepted objection remakes a run on the same warehouse, and reading its
    values and fingerprinting its records again were most of that re-run's time.
    """
    if key is None:
        return make()
    with _KEPT_LOCK:
        if key in _KEPT:
            _KEPT.move_to_end(key)
            found: T = _KEPT[key]
            return found
    made = make()
    with _KEPT_LOCK:
        _KEPT[key] = made
        while len(_KEPT) > _KEPT_ENTRIES:
            _KEPT.popitem(last=False)
    return made


@dataclass(frozen=True)
class Organ:
    code: str
    parent_code: str | None
    level: int
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class SubjectRow:
    """A prosecutor as the warehouse lists him."""

    code: str
    organ_code: str
    department: str
    display_name: str


@dataclass(frozen=True)
class StoredValue:
    """One row of ``indicator_values``: the figures a score is computed from."""

    indicator: str
    subject: str
    level: int | None
    numerator: float | None
    denominator: float | None
    value: float | None
    previous: float | None
    change: float | None
    ci_low: float | None
    ci_high: float | None
    flags: tuple[str, ...]

    def canonical(self) -> list[Any]:
        """The row as a JSON-able list, for the content hash."""
        return [self.indicator, self.subject, self.numerator, self.denominator, self.value,
                self.ci_low, self.ci_high, list(self.flags)]


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchone()
    return bool(row and row[0])


def _num(x: float | None) -> float | None:
    return None if x is None or x != x else x  # NaN is no value


def read_organs(con: duckdb.DuckDBPyConnection) -> dict[str, Organ]:
    # flags come back as text: converting DuckDB lists row by row is the slow part
    rows = con.execute(
        "SELECT organ_code, parent_code, level, name_zh, name_en FROM organs ORDER BY organ_code"
    ).fetchall()
    return {
        str(c): Organ(str(c), None if p is None or p == "" else str(p), int(lv), str(zh), str(en))
        for c, p, lv, zh, en in rows
    }


def read_prosecutors(con: duckdb.DuckDBPyConnection) -> dict[str, SubjectRow]:
    # flags come back as text: converting DuckDB lists row by row is the slow part
    rows = con.execute(
        "SELECT prosecutor_id, organ_code, department, display_name FROM prosecutors "
        "ORDER BY prosecutor_id"
    ).fetchall()
    return {str(p): SubjectRow(str(p), str(o), str(d), str(n)) for p, o, d, n in rows}


#: up to this many subjects :func:`read_values` names them as a list; more, as a semi-join
LISTED_SUBJECTS = 1000


def read_values(
    con: duckdb.DuckDBPyConnection,
    subject_type: str,
    period: Period,
    indicators: Sequence[str],
    subjects: Iterable[str],
) -> dict[tuple[str, str], StoredValue]:
    """(subject, indicator) -> stored value, for ``period`` (any of its equivalent labels).

    Raises :class:`AppraisalError` when nothing is stored for the period at all.
    """
    if not has_results(con):
        raise AppraisalError("no indicator values in the warehouse: run `kaoping compute` first")
    labels = list(period.equivalent_labels())
    marks = ", ".join("?" for _ in labels)
    if not any(_period_stored(con, kind, labels) for kind in ("organ", "prosecutor")):
        raise AppraisalError(
            f"no indicator values stored for period {period.label}: `kaoping compute` stores "
            "years, halves, quarters, months and January-to-month ranges of the years it "
            "computed; compute that year first"
        )
    wanted = sorted(set(subjects))
    if not wanted or not indicators:
        return {}
    ind_marks = ", ".join("?" for _ in indicators)
    # a few subjects as a list DuckDB pushes into the view (it derives a prosecutor's rows
    # on read): a county's 36 prosecutors in 70 ms instead of the 550 of deriving the
    # period's 30,000 and keeping 36; many as a semi-join, which a list would make a
    # scan of the list per row
    listed = len(wanted) <= LISTED_SUBJECTS
    which = ("list_contains(?::VARCHAR[], subject)" if listed
             else "subject IN (SELECT unnest(?::VARCHAR[]))")
    # doubles and the canonical label chosen here, not per row in Python: converting
    # 75,000 decimals and ranking labels row by row was most of a national run's read
    rows = con.execute(
        f"""
        SELECT indicator, subject, level, numerator::DOUBLE, denominator::DOUBLE,
               value::DOUBLE, previous::DOUBLE, change::DOUBLE, ci_low::DOUBLE,
               ci_high::DOUBLE, coalesce(flags, '') AS flags
        FROM {unranked_table(con, subject_type)}
        WHERE subject_type = ? AND period IN ({marks}) AND indicator IN ({ind_marks})
          AND {which}
        QUALIFY row_number() OVER (
            PARTITION BY subject, indicator ORDER BY list_position(?::VARCHAR[], period)) = 1
        """,
        [subject_type, *labels, *indicators, wanted, labels],
    ).fetchall()
    # the same months stored under two labels: the canonical (first) label is kept
    return {
        (str(subj), str(ind)): StoredValue(
            str(ind), str(subj), None if lv is None else int(lv), _num(num), _num(den),
            _num(val), _num(prev), _num(chg), _num(lo), _num(hi),
            tuple(f for f in str(flags).split(",") if f) if flags else (),
        )
        for ind, subj, lv, num, den, val, prev, chg, lo, hi, flags in rows
    }


def _period_stored(con: duckdb.DuckDBPyConnection, subject_type: str, labels: list[str]) -> bool:
    marks = ", ".join("?" for _ in labels)
    row = con.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM {results_table(subject_type)} "
        f"WHERE period IN ({marks}) LIMIT 1)",
        labels,
    ).fetchone()
    return bool(row and row[0])


def check_fresh(con: duckdb.DuckDBPyConnection) -> None:
    """Refuse to appraise indicator values computed before the last import.

    A run's hash covers the records and the values; values older than the records would
    pair a new data digest with old figures.
    """
    if not (_table_exists(con, RUNS_TABLE) and _table_exists(con, "imports")):
        return
    from kaoping.engine.freshness import freshness

    fresh = freshness(con)
    if fresh.computed_version is not None:
        # the data versions say it exactly: an import that changed nothing is no reason
        if fresh.stale:
            raise AppraisalError(
                f"the indicator values were computed before the last import changed the "
                f"data ({fresh.message('en')})"
            )
        return
    row = con.execute(
        "SELECT (SELECT max(finished_at) FROM imports), "
        f"(SELECT max(finished_at) FROM {RUNS_TABLE})"
    ).fetchone()
    if row is None or row[0] is None or row[1] is None:
        return
    if row[0] > row[1]:
        raise AppraisalError(
            f"the indicator values ({row[1]:%Y-%m-%d %H:%M}) are older than the last import "
            f"({row[0]:%Y-%m-%d %H:%M}): run `kaoping compute` before appraising"
        )


def data_digest(con: duckdb.DuckDBPyConnection) -> str:
    """A fingerprint of every record of every canonical table (order-independent).

    Per table the row count and the sum of DuckDB's row hashes: one record changed
    anywhere changes it, and it takes a single scan per table.
    """
    h = hashlib.sha256()
    for name in TABLES:
        # fetchall, not fetchone: the connection is used for more after this, and a
        # result that was not fetched to its end keeps it busy
        rows = con.execute(
            f'SELECT count(*), coalesce(sum(hash("{name}")::HUGEINT), 0) FROM "{name}"'
        ).fetchall()
        count, total = rows[0] if rows else (0, 0)
        h.update(json.dumps([name, int(count), str(total)]).encode())
    return h.hexdigest()
