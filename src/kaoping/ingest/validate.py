"""Every rule a row must pass, as set-wise SQL over the staged text of one file.

Each rule is one SELECT yielding a problem per failing row (row number, column, value,
reason); the union of them is the file's problem table. Running the rules as whole-column
queries keeps a ten-million-row file to a few scans instead of ten million Python calls.
"""

from __future__ import annotations

import duckdb

from kaoping.ingest.controls import CONTROL_CLASS
from kaoping.ingest.headers import HeaderMap
from kaoping.ingest.hierarchy import hierarchy_problems
from kaoping.ingest.sql import (
    DATE_SETTINGS,
    accepted_spellings,
    date_window,
    date_window_text,
    excel_error_expr,
    expectation,
    ident,
    literal,
    number_text,
    parse_expr,
)
from kaoping.model.schema import ORGANS, Column, ColumnType, DateOrder, Table

PROBLEMS = "_kaoping_problems"

PROBLEMS_DDL = (
    f"CREATE TEMP TABLE {PROBLEMS} (_row BIGINT, position INTEGER, "
    "column_name VARCHAR, value VARCHAR, reason VARCHAR)"
)


def _quoted(expr: str) -> str:
    """SQL for the text '<expr>' with the quotes a reason puts around an offending value."""
    return f"'''' || {expr} || ''''"


def _reason(prefix: str, expr: str, suffix: str = "") -> str:
    tail = f" || {literal(suffix)}" if suffix else ""
    return f"{literal(prefix)} || {_quoted(expr)}{tail}"


def _problems_select(position: int, column: str, value: str, reason: str, source: str) -> str:
    return (
        f"SELECT s._row, {position} AS position, {literal(column)} AS column_name, "
        f"{value} AS value, {reason} AS reason {source}"
    )


def value_check(stage: str, col: Column, position: int) -> str | None:
    """Empty required value, unreadable value, unknown code, value below the minimum."""
    v = f"s.{ident(col.name)}"
    parsed = parse_expr(col, v)
    whens: list[str] = []
    if col.required:
        whens.append(f"WHEN {v} IS NULL THEN 'required value is empty'")
    if col.type is ColumnType.TEXT:
        # Typed values with a control character fail their parse below; text would keep it
        # (invisible, illegal in the XML of every report, live in a terminal).
        control = f"regexp_extract({v}, {literal(CONTROL_CLASS)})"
        why = (
            f"'control character ' || printf('U+%04X', unicode({control})) || ' in '"
            f" || {_quoted(v)} || '; expected printable text'"
        )
        whens.append(f"WHEN regexp_matches({v}, {literal(CONTROL_CLASS)}) THEN {why}")
    why = _reason("an Excel error value ", v, " (a formula that failed); expected a value")
    whens.append(f"WHEN {excel_error_expr(v)} THEN {why}")
    if col.enum is not None:
        why = _reason(
            f"unknown {col.enum.name} ", v, f"; expected one of {accepted_spellings(col.enum)}"
        )
        whens.append(f"WHEN {v} IS NOT NULL AND {parsed} IS NULL THEN {why}")
    elif col.type is not ColumnType.TEXT:
        why = _reason(f"{expectation(col)}, got ", v)
        whens.append(f"WHEN {v} IS NOT NULL AND {parsed} IS NULL THEN {why}")
    if col.minimum is not None:
        why = _reason(f"must be at least {number_text(col.minimum)}, got ", v)
        whens.append(f"WHEN {parsed} < {number_text(col.minimum)} THEN {why}")
    if col.type is ColumnType.DATE:
        # DuckDB reads infinity, -infinity, epoch, BC and five-digit years as dates; a
        # placeholder or a typo such as 9999-12-31 would turn every duration into nonsense.
        low, high = date_window()
        why = _reason(
            f"outside the plausible range {date_window_text()} ({DATE_SETTINGS}), got ", v
        )
        whens.append(
            f"WHEN NOT ({parsed} BETWEEN DATE '{low.isoformat()}' AND DATE '{high.isoformat()}') "
            f"THEN {why}"
        )
    if not whens:
        return None
    reason = f"CASE {' '.join(whens)} END"
    inner = _problems_select(position, col.name, v, reason, f"FROM {stage} s")
    return f"SELECT * FROM ({inner}) WHERE reason IS NOT NULL"


def _ref_target(col: Column) -> tuple[str, str]:
    assert col.references is not None
    table, column = col.references.split(".")
    return table, column


def reference_check(stage: str, tbl: Table, col: Column, position: int) -> str:
    """The referenced row must exist in the warehouse -- or, for a table referring to itself
    (organs.parent_code), anywhere in the same file; whether that row is itself good is
    settled afterwards by :func:`quarantined_parent_check`."""
    ref_table, ref_col = _ref_target(col)
    v = f"s.{ident(col.name)}"
    keys = f"SELECT {ident(ref_col)} AS k FROM {ident(ref_table)}"
    if ref_table == tbl.name:
        keys += f" UNION ALL SELECT {ident(ref_col)} FROM {stage}"
    why = _reason(f"no {ref_table} row with {ref_col} ", v)
    source = f"FROM {stage} s ANTI JOIN ({keys}) r ON {v} = r.k WHERE {v} IS NOT NULL"
    return _problems_select(position, col.name, v, why, source)


def quarantined_parent_check(stage: str, tbl: Table, col: Column, position: int) -> str:
    """Rows still good whose parent exists only as a row of this file that is not good."""
    ref_table, ref_col = _ref_target(col)
    v = f"s.{ident(col.name)}"
    good = (
        f"SELECT {ident(ref_col)} AS k FROM {ident(ref_table)} UNION ALL "
        f"SELECT g.{ident(ref_col)} FROM {stage} g ANTI JOIN {PROBLEMS} p USING (_row)"
    )
    why = _reason(f"the {ref_table} row with {ref_col} ", v, " is quarantined in this file")
    source = (
        f"FROM {stage} s ANTI JOIN {PROBLEMS} p USING (_row) "
        f"ANTI JOIN ({good}) r ON {v} = r.k WHERE {v} IS NOT NULL"
    )
    return _problems_select(position, col.name, v, why, source)


def date_order_check(stage: str, tbl: Table, order: DateOrder) -> str:
    earlier, later = tbl.column(order.earlier), tbl.column(order.later)
    e = parse_expr(earlier, f"s.{ident(earlier.name)}")
    lt = parse_expr(later, f"s.{ident(later.name)}")
    why = (
        f"{literal(later.name + ' ')} || strftime(dl, '%Y-%m-%d') || "
        f"{literal(' is earlier than ' + earlier.name + ' ')} || strftime(de, '%Y-%m-%d')"
    )
    inner = f"SELECT s.*, {e} AS de, {lt} AS dl FROM {stage} s"
    source = f"FROM ({inner}) s WHERE de > dl"
    position = tbl.column_names.index(later.name)
    return _problems_select(position, later.name, f"s.{ident(later.name)}", why, source)


def duplicate_check(stage: str, tbl: Table) -> str:
    """Later rows repeating the natural key of an earlier row; the first occurrence is the
    one kept, as a user reading the file top-down expects."""
    keys = [ident(k) for k in tbl.key]
    not_null = " AND ".join(f"{k} IS NOT NULL" for k in keys)
    shown = " || ', ' || ".join(f"{literal(k + '=')} || s.{ident(k)}" for k in tbl.key)
    why = f"'duplicate key ' || {shown} || ', first at row ' || CAST(s.first_row AS VARCHAR)"
    inner = (
        f"SELECT _row, {', '.join(keys)}, min(_row) OVER (PARTITION BY {', '.join(keys)}) "
        f"AS first_row FROM {stage} WHERE {not_null}"
    )
    value = " || ', ' || ".join(f"s.{k}" for k in keys)
    position = tbl.column_names.index(tbl.key[0])
    return _problems_select(
        position, ", ".join(tbl.key), value, why, f"FROM ({inner}) s WHERE s._row > s.first_row"
    )


def row_checks(stage: str, mapping: HeaderMap) -> list[str]:
    """The checks that need only the file's own rows and the warehouse as it stands."""
    tbl = mapping.table
    present = set(mapping.present)
    checks: list[str] = []
    for position, col in enumerate(tbl.columns):
        if col.name not in present:
            continue
        check = value_check(stage, col, position)
        if check is not None:
            checks.append(check)
        if col.references is not None:
            checks.append(reference_check(stage, tbl, col, position))
    for order in tbl.date_orders:
        if order.earlier in present and order.later in present:
            checks.append(date_order_check(stage, tbl, order))
    checks.append(duplicate_check(stage, tbl))
    return checks


def find_problems(con: duckdb.DuckDBPyConnection, stage: str, mapping: HeaderMap) -> None:
    """Fill the problem table for the file staged as ``stage`` (a view of ``_row`` and every
    column of the table as cleaned text)."""
    con.execute(PROBLEMS_DDL)
    con.execute(f"INSERT INTO {PROBLEMS} " + " UNION ALL ".join(row_checks(stage, mapping)))
    tbl = mapping.table
    self_refs = [
        (i, c)
        for i, c in enumerate(tbl.columns)
        if c.name in mapping.present and c.references is not None and _ref_target(c)[0] == tbl.name
    ]
    # A quarantined organ makes its children dangling, and theirs in turn; and a row the
    # tree check refuses leaves the stored organ (or none) in its place, which may break
    # further rows: repeat until no more rows fall (at most the depth of the hierarchy).
    while True:
        before = _count(con, PROBLEMS)
        _cascade_quarantined_parents(con, stage, tbl, self_refs)
        if tbl.name == ORGANS.name:
            positions = {c: tbl.column_names.index(c) for c in ("parent_code", "level")}
            found = hierarchy_problems(con, stage, PROBLEMS, positions)
            if found:
                con.executemany(f"INSERT INTO {PROBLEMS} VALUES (?, ?, ?, ?, ?)", found)
        if _count(con, PROBLEMS) == before:
            break


def _cascade_quarantined_parents(
    con: duckdb.DuckDBPyConnection, stage: str, tbl: Table, self_refs: list[tuple[int, Column]]
) -> None:
    while self_refs:
        before = _count(con, PROBLEMS)
        for position, col in self_refs:
            check = quarantined_parent_check(stage, tbl, col, position)
            con.execute(f"INSERT INTO {PROBLEMS} {check}")
        if _count(con, PROBLEMS) == before:
            break


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {relation}").fetchall()
    return int(row[0][0])
