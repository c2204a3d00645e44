"""Which table a file holds, and which of its headers is which column.

Exports name their columns in English or Chinese, with full-width brackets or stray spaces,
so every spelling is normalised the same way before it is compared.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kaoping.ingest.errors import IngestError, file_error
from kaoping.model.schema import TABLES, ColumnType, Table


def normalise(header: str) -> str:
    """NFKC folds full-width letters and brackets (（月） -> (月)); casefold makes English
    headers case-insensitive and leaves Chinese untouched."""
    return unicodedata.normalize("NFKC", header).strip().strip("\ufeff").strip().casefold()


def header_aliases(tbl: Table) -> dict[str, str]:
    """Every accepted header spelling of ``tbl``, normalised, mapped to its column name."""
    out: dict[str, str] = {}
    for col in tbl.columns:
        for alias in col.header_aliases():
            out.setdefault(normalise(alias), col.name)
    return out


#: headers that hold real names or identity numbers of people: kaoping keeps pseudonymous
#: ids only (docs/security.md), so such a column is dropped on import, never mapped
REAL_NAME_HEADERS = frozenset(normalise(h) for h in (
    "姓名", "名字", "真实姓名", "检察官姓名", "承办人", "承办人姓名", "承办检察官",
    "承办检察官姓名", "犯罪嫌疑人", "犯罪嫌疑人姓名", "嫌疑人姓名", "被害人", "被害人姓名",
    "当事人姓名", "身份证号", "身份证号码", "公民身份号码", "证件号码", "联系电话", "手机号",
    "name", "full name", "full_name", "real name", "real_name", "id number", "id_number",
))


def is_real_name_header(header: str) -> bool:
    """Whether a column is one of :data:`REAL_NAME_HEADERS` (real names, identity numbers)."""
    return normalise(header) in REAL_NAME_HEADERS


@dataclass(frozen=True)
class HeaderMap:
    """How one file's headers map onto one table's columns."""

    table: Table
    source: dict[str, str]  # column name -> the header as the file spells it
    ignored: tuple[str, ...]  # headers that are no column of the table
    repeated: tuple[str, ...]  # headers naming a column an earlier header already named

    @property
    def present(self) -> tuple[str, ...]:
        return tuple(c for c in self.table.column_names if c in self.source)

    def missing_required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.table.columns if c.required and c.name not in self.source)

    def missing_key(self) -> tuple[str, ...]:
        return tuple(k for k in self.table.key if k not in self.source)

    def warnings(self) -> tuple[str, ...]:
        out: list[str] = []
        real = [h for h in self.ignored if is_real_name_header(h)]
        other = [h for h in self.ignored if not is_real_name_header(h)]
        if real:
            out.append("dropped columns holding real names or identity numbers (kaoping keeps "
                       "pseudonymous ids only): " + ", ".join(real))
        if other:
            out.append(
                f"ignored columns that are not in {self.table.name}: " + ", ".join(other)
            )
        for header in self.repeated:
            out.append(f"ignored column {header!r}: an earlier column already gives the same field")
        return tuple(out)


def match_headers(tbl: Table, headers: Sequence[str]) -> HeaderMap:
    aliases = header_aliases(tbl)
    source: dict[str, str] = {}
    ignored: list[str] = []
    repeated: list[str] = []
    for header in headers:
        name = None if is_real_name_header(header) else aliases.get(normalise(header))
        if name is None:
            ignored.append(header)
        elif name in source:
            repeated.append(header)
        else:
            source[name] = header
    return HeaderMap(tbl, source, tuple(ignored), tuple(repeated))


def map_headers(path: Path, tbl: Table, headers: Sequence[str]) -> HeaderMap:
    """Map ``headers`` onto ``tbl``, or fail naming every key column that is missing.

    Only the natural key is needed to take a file: a file with some columns updates those
    columns of the rows it names. Other required columns are checked row by row (a new
    record without them is quarantined, see :mod:`kaoping.ingest.merge`)."""
    mapping = match_headers(tbl, headers)
    if path.suffix.lower() == ".parquet":
        check_parquet_types(path, mapping)
    missing = mapping.missing_key()
    if missing:
        wanted = ", ".join(f"{n} ({tbl.column(n).label_zh})" for n in missing)
        found = ", ".join(headers) if headers else "none"
        noun = "column" if len(missing) == 1 else "columns"
        raise file_error(
            path,
            f"missing key {noun} {wanted} for table {tbl.name}, needed to tell which "
            f"records the file holds; found headers: {found}",
        )
    return mapping


def check_parquet_types(path: Path, mapping: HeaderMap) -> None:
    """Refuse Parquet column types whose text would be a silent guess.

    A list or struct cell would load as the text ``[A, B]``; an integer in a date column
    could be days since 1970 (18262 = 2020-01-01) or an Excel serial (18262 = 1949-12-30).
    Only the file's own schema is read, so this costs nothing per row.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except Exception as exc:  # a broken file: let the reader name what is wrong
        raise file_error(path, f"cannot read as parquet: {exc}") from None
    for name, header in mapping.source.items():
        if header not in schema.names:
            continue
        arrow = schema.field(header).type
        col = mapping.table.column(name)
        if pa.types.is_nested(arrow):
            raise file_error(
                path,
                f"column {header!r} ({name}) is a nested Parquet type {arrow}; expected one "
                "plain value per cell (text, number, boolean or date)",
            )
        if col.type is ColumnType.DATE and pa.types.is_integer(arrow):
            raise file_error(
                path,
                f"column {header!r} ({name}) is a Parquet integer ({arrow}), which could be "
                "days since 1970 or an Excel serial; expected a Parquet date32 or text "
                "such as 2020-01-31",
            )


def _stem_candidates() -> list[tuple[str, str]]:
    pairs = [(name, name) for name in TABLES]
    for tbl in TABLES.values():
        pairs.append((normalise(tbl.label_zh), tbl.name))
        pairs.extend((normalise(alias), tbl.name) for alias in tbl.aliases)
    # Longest first, so that a stem starting with a longer name is never taken by a prefix.
    return sorted(pairs, key=lambda p: len(p[0]), reverse=True)


def table_from_name(path: Path) -> Table | None:
    """The table whose name, Chinese name or alias the file name starts with, if any."""
    stem = normalise(path.name.split(".")[0])
    for candidate, name in _stem_candidates():
        if stem.startswith(candidate):
            return TABLES[name]
    return None


def table_from_headers(path: Path, headers: Sequence[str]) -> Table:
    """The table whose required columns are all present, preferring the most headers matched."""
    scored: list[tuple[int, str]] = []
    for tbl in TABLES.values():
        mapping = match_headers(tbl, headers)
        if not mapping.missing_required():
            scored.append((len(mapping.source), tbl.name))
    scored.sort(reverse=True)
    if not scored:
        raise file_error(
            path,
            "cannot tell which table this is: the file name starts with no "
            f"table name ({', '.join(TABLES)}) and the headers contain the "
            "required columns of none; use --table NAME",
        )
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        raise file_error(
            path,
            f"cannot tell which table this is: the headers fit both "
            f"{scored[0][1]} and {scored[1][1]}; use --table NAME",
        )
    return TABLES[scored[0][1]]


def resolve_table(name: str) -> Table:
    try:
        return TABLES[name]
    except KeyError:
        raise IngestError(f"unknown table {name!r}; known tables: {', '.join(TABLES)}") from None
