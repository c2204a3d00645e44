"""A file with some of its table's columns: the rules and the upsert of partial rows.

An export of one stage (arrest review only, say) carries the key and that stage's columns.
Its rows are merged into the stored ones: the columns the file has are taken from the
file -- an empty cell sets NULL where the column may be empty, and is quarantined by the
value rules where it may not -- and the columns it lacks keep their stored values. A key
not stored yet is a new record, which needs every required column: without one it is
quarantined, never stored half-empty.

Rules that relate two columns (dates in order) hold for the merged row: when the file has
one side of a rule and the stored row the other, the two are compared here; when the file
has both sides the value rules of :mod:`kaoping.ingest.validate` compare them; when it has
neither, the stored row is unchanged.

Everything is set-wise SQL: one anti join for the new records, one join per date rule,
and for the upsert one LEFT JOIN of the good rows with the stored ones into a temporary
table, from which the counts are one aggregate and the write is one DELETE of the changed
keys and one INSERT of the new and changed rows. Unchanged rows are not written at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from kaoping.ingest.headers import HeaderMap
from kaoping.ingest.sql import ident, literal, parse_expr
from kaoping.ingest.validate import PROBLEMS, quarantined_parent_check
from kaoping.model.schema import Column, DateOrder, Table

_MERGED = "_kaoping_merged"  # temp table: good rows merged with the stored ones


@dataclass(frozen=True)
class MergeCounts:
    """What the upsert of one file did to the stored rows."""

    inserted: int
    updated: int  # stored rows of which at least one column of the file changed
    unchanged: int  # stored rows the file repeats exactly
    columns_updated: tuple[str, ...]  # in table order, each changed in at least one row
    cells_updated: int  # changed values, over all updated rows and columns

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated)


def _typed(col: Column, v: str) -> str:
    return f"CAST({parse_expr(col, v)} AS {col.duckdb_type})"


def _key_match(tbl: Table, left: str, right: str, *, typed_left: bool) -> str:
    """Join condition on the natural key; the left side is staged text unless typed."""
    terms = []
    for k in tbl.key:
        value = f"{left}.{ident(k)}"
        terms.append(
            f"{value if typed_left else _typed(tbl.column(k), value)} = {right}.{ident(k)}"
        )
    return " AND ".join(terms)


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchall()[0][0])


def new_record_check(stage: str, mapping: HeaderMap) -> str | None:
    """Rows whose key is not stored and whose file lacks a required column: one problem per
    missing column, so the quarantine names each one."""
    tbl = mapping.table
    missing = [c for c in mapping.missing_required() if c not in tbl.key]
    if not missing:
        return None
    known = " AND ".join(f"s.{ident(k)} IS NOT NULL" for k in tbl.key)
    selects = []
    for name in missing:
        col = tbl.column(name)
        why = literal(f"new record: required column {name} ({col.label_zh}) is not in the file")
        selects.append(
            f"SELECT s._row, {tbl.column_names.index(name)} AS position, {literal(name)} AS "
            f"column_name, CAST(NULL AS VARCHAR) AS value, {why} AS reason FROM {stage} s "
            f"ANTI JOIN {ident(tbl.name)} t ON {_key_match(tbl, 's', 't', typed_left=False)} "
            f"WHERE {known}"  # a row without its key is quarantined for that alone
        )
    return " UNION ALL ".join(selects)


def stored_date_order_check(stage: str, mapping: HeaderMap, order: DateOrder) -> str | None:
    """A date of the file against the stored date on the other side of ``order``, for rules
    of which the file has exactly one side."""
    tbl, present = mapping.table, set(mapping.present)
    if (order.earlier in present) == (order.later in present):
        return None
    earlier, later = tbl.column(order.earlier), tbl.column(order.later)
    if order.later in present:  # the file's later date against the stored earlier one
        mine, theirs, test, words = later, earlier, "t.{o} > f.d", " is earlier than the stored "
    else:
        mine, theirs, test, words = earlier, later, "f.d > t.{o}", " is later than the stored "
    condition = test.format(o=ident(theirs.name))
    why = (
        f"{literal(mine.name + ' ')} || strftime(f.d, '%Y-%m-%d') || "
        f"{literal(words + theirs.name + ' ')} || strftime(t.{ident(theirs.name)}, '%Y-%m-%d')"
    )
    keys = ", ".join(f"s.{ident(k)}" for k in tbl.key)
    inner = (
        f"SELECT s._row, {keys}, s.{ident(mine.name)} AS v, "
        f"{_typed(mine, 's.' + ident(mine.name))} AS d FROM {stage} s"
    )
    return (
        f"SELECT f._row, {tbl.column_names.index(mine.name)} AS position, "
        f"{literal(mine.name)} AS column_name, f.v AS value, {why} AS reason "
        f"FROM ({inner}) f JOIN {ident(tbl.name)} t "
        f"ON {_key_match(tbl, 'f', 't', typed_left=False)} WHERE {condition}"
    )


def merge_problems(con: duckdb.DuckDBPyConnection, stage: str, mapping: HeaderMap) -> None:
    """Add to the problem table what only the stored rows can tell: new records without a
    required column, and date rules broken by a file date against a stored one.

    Runs after :func:`kaoping.ingest.validate.find_problems`; a row it quarantines can
    make rows of the same file that refer to it dangling (organs.parent_code), so the
    cascade of quarantined parents is run again when it added anything."""
    tbl = mapping.table
    checks = [new_record_check(stage, mapping)]
    checks += [stored_date_order_check(stage, mapping, order) for order in tbl.date_orders]
    wanted = [c for c in checks if c is not None]
    if not wanted:
        return
    before = _count(con, f"SELECT count(*) FROM {PROBLEMS}")
    con.execute(f"INSERT INTO {PROBLEMS} " + " UNION ALL ".join(wanted))
    if _count(con, f"SELECT count(*) FROM {PROBLEMS}") == before:
        return
    self_refs = [
        (i, c)
        for i, c in enumerate(tbl.columns)
        if c.name in mapping.present
        and c.references is not None
        and c.references.split(".")[0] == tbl.name
    ]
    while self_refs:
        before = _count(con, f"SELECT count(*) FROM {PROBLEMS}")
        for position, col in self_refs:
            check = quarantined_parent_check(stage, tbl, col, position)
            con.execute(f"INSERT INTO {PROBLEMS} {check}")
        if _count(con, f"SELECT count(*) FROM {PROBLEMS}") == before:
            break


def upsert(con: duckdb.DuckDBPyConnection, typed: str, mapping: HeaderMap) -> MergeCounts:
    """Insert the new keys of ``typed`` (the good rows, typed, the file's columns only) and
    rewrite the stored rows of which a column of the file changed, keeping the stored values
    of the columns the file lacks."""
    tbl, present = mapping.table, set(mapping.present)
    target = ident(tbl.name)
    if not _count(con, f"SELECT count(*) FROM (SELECT 1 FROM {target} LIMIT 1)"):
        # A first load has nothing to merge with: insert straight from the typed rows.
        names = ", ".join(ident(c) for c in tbl.column_names if c in present)
        inserted = _count(con, f"INSERT INTO {target} ({names}) SELECT {names} FROM {typed}")
        return MergeCounts(inserted, 0, 0, (), 0)  # an INSERT's result is its row count
    stored = f"t.{ident(tbl.key[0])} IS NOT NULL"  # a key column is never NULL when stored
    compared = [c for c in tbl.column_names if c in present and c not in tbl.key]
    flags = [
        f"({stored} AND g.{ident(c)} IS DISTINCT FROM t.{ident(c)}) AS _d{i}"
        for i, c in enumerate(compared)
    ]
    values = [f"{'g' if c in present else 't'}.{ident(c)} AS {ident(c)}" for c in tbl.column_names]
    con.execute(
        f"CREATE TEMP TABLE {_MERGED} AS SELECT g._row, {stored} AS _stored, "
        f"{', '.join([*flags, *values])} FROM {typed} g LEFT JOIN {target} t "
        f"ON {_key_match(tbl, 'g', 't', typed_left=True)}"
    )
    try:
        changed = " OR ".join(f"_d{i}" for i in range(len(compared))) or "false"
        sums = "".join(f", sum(CAST(_d{i} AS BIGINT))" for i in range(len(compared)))
        row = con.execute(
            f"SELECT count(*) FILTER (WHERE NOT _stored), "
            f"count(*) FILTER (WHERE _stored AND ({changed})), "
            f"count(*) FILTER (WHERE _stored AND NOT ({changed})){sums} FROM {_MERGED}"
        ).fetchall()[0]
        inserted, updated, unchanged = (int(v or 0) for v in row[:3])
        per_column = [int(v or 0) for v in row[3:]]
        if updated:
            keys = ", ".join(ident(k) for k in tbl.key)
            con.execute(
                f"DELETE FROM {target} AS t USING (SELECT {keys} FROM {_MERGED} "
                f"WHERE _stored AND ({changed})) AS g "
                f"WHERE {_key_match(tbl, 'g', 't', typed_left=True)}"
            )
        if inserted or updated:
            names = ", ".join(ident(c) for c in tbl.column_names)
            con.execute(
                f"INSERT INTO {target} ({names}) SELECT {names} FROM {_MERGED} "
                f"WHERE NOT _stored OR ({changed})"
            )
    finally:
        con.execute(f"DROP TABLE IF EXISTS {_MERGED}")
    return MergeCounts(
        inserted,
        updated,
        unchanged,
        tuple(c for c, n in zip(compared, per_column, strict=True) if n),
        sum(per_column),
    )


_CLUSTERED = "_kaoping_clustered"  # temp table: a table's rows in organ order


def organ_order(tbl: Table) -> str | None:
    """The ORDER BY that keeps ``tbl``'s records of one organ together (its organ column,
    then its key), or None when its records name no organ."""
    from kaoping.model.organs import organ_column

    try:
        column = organ_column(tbl.name)
    except ValueError:  # a model without a hierarchy: no organ to order by
        return None
    if column is None:
        return None
    return ", ".join(ident(c) for c in (column, *tbl.key) if c in tbl.column_names)


def cluster_by_organ(con: duckdb.DuckDBPyConnection, tbl: Table, order: str) -> None:
    """Rewrite ``tbl``'s rows in ``order`` (:func:`organ_order`), inside the caller's
    transaction, the table's definition kept.

    Why: nearly every read of records is one organ's (a county's records page, the
    breakdown of its figure, a figure of a period not stored); DuckDB skips the row
    groups whose organ range the filter excludes, so with the rows of an organ together
    such a read touches one row group instead of every one -- a county's records page
    read in half the time on a national warehouse. An import appends its rows at the end
    and would scatter them again; the rewrite costs ~2.5 s per 2,000,000 rows."""
    target = ident(tbl.name)
    con.execute(f"CREATE TEMP TABLE {_CLUSTERED} AS SELECT * FROM {target} ORDER BY {order}")
    try:
        con.execute(f"DELETE FROM {target}")
        con.execute(f"INSERT INTO {target} SELECT * FROM {_CLUSTERED}")
    finally:
        con.execute(f"DROP TABLE IF EXISTS {_CLUSTERED}")
