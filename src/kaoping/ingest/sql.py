"""SQL text for reading one value of each logical type, and the reason when it cannot be read.

Validation and loading both use these expressions, so a value is accepted exactly when it
is loaded the way it was checked.
"""

from __future__ import annotations

import datetime as dt

from kaoping.ingest.errors import import_limits
from kaoping.model.schema import BOOLEAN_ALIASES, Column, ColumnType, Enumeration

# Spaces an export pads values with, including the full-width space and a stray BOM.
TRIM_CHARS = " \t\r\n\u3000\ufeff"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def cleaned(expr: str) -> str:
    """Trimmed text, NULL when empty: an empty cell is a missing value in every format.

    DuckDB's one-argument trim strips spaces (the full-width one too) and is three times
    faster than trim with a character set, so only values holding a tab, a line break or a
    stray BOM -- rare -- take the slow path.
    """
    x = f"CAST({expr} AS VARCHAR)"
    odd = " OR ".join(f"contains({x}, {literal(ch)})" for ch in "\t\r\n\ufeff")
    return f"NULLIF(CASE WHEN {odd} THEN trim({x}, {literal(TRIM_CHARS)}) ELSE trim({x}) END, '')"


#: What a spreadsheet shows for a formula that failed; as data it is a missing value that
#: nobody meant, in any column and any format (an Excel sheet saved as CSV keeps them).
EXCEL_ERRORS = (
    "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
    "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#ERROR",
)  # fmt: skip


def excel_error_expr(v: str) -> str:
    """True when ``v`` is a spreadsheet's error value (case as Excel writes it)."""
    return f"(starts_with({v}, '#') AND upper({v}) IN ({_in_list(list(EXCEL_ERRORS))}))"


def _in_list(values: list[str]) -> str:
    return ", ".join(literal(v) for v in values)


def boolean_expr(v: str) -> str:
    trues = [k.casefold() for k, b in BOOLEAN_ALIASES.items() if b]
    falses = [k.casefold() for k, b in BOOLEAN_ALIASES.items() if not b]
    return (
        f"CASE WHEN lower({v}) IN ({_in_list(trues)}) THEN true "
        f"WHEN lower({v}) IN ({_in_list(falses)}) THEN false END"
    )


def enum_expr(v: str, enum: Enumeration) -> str:
    whens = " ".join(
        f"WHEN {literal(alias.casefold())} THEN {literal(code)}"
        for alias, code in enum.aliases().items()
    )
    return f"CASE lower({v}) {whens} END"


def date_expr(v: str) -> str:
    """ISO dates and 2020/1/31 through DuckDB's own cast; 20200131, 2020年1月31日 and 2020.1.31
    rewritten first; a five-digit number is an Excel serial day (1899-12-30 is day 0)."""
    zh = r"^([0-9]{4})\s*[年./]\s*([0-9]{1,2})\s*[月./]\s*([0-9]{1,2})\s*日?$"
    return (
        f"COALESCE(TRY_CAST({v} AS DATE), CASE "
        f"WHEN regexp_full_match({v}, '[0-9]{{8}}') "
        f"THEN CAST(TRY_STRPTIME({v}, '%Y%m%d') AS DATE) "
        f"WHEN regexp_full_match({v}, '[0-9]{{5}}(\\.[0-9]+)?') "
        f"THEN DATE '1899-12-30' + CAST(floor(CAST({v} AS DOUBLE)) AS INTEGER) "
        f"ELSE TRY_CAST(regexp_replace({v}, {literal(zh)}, '\\1-\\2-\\3') AS DATE) END)"
    )


#: The settings that move the window, named in every reason a date outside it gives.
DATE_SETTINGS = "KAOPING_DATE_MIN, KAOPING_DATE_MAX"


def date_window() -> tuple[dt.date, dt.date]:
    """The dates an import accepts: ``KAOPING_DATE_MIN`` to ``KAOPING_DATE_MAX`` (default
    1979-01-01 to one year after today). Read per import, so a changed setting applies."""
    settings = import_limits()
    if settings.date_max is not None:
        return settings.date_min, settings.date_max
    today = dt.date.today()
    try:
        return settings.date_min, today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        return settings.date_min, today.replace(year=today.year + 1, day=28)


def date_window_text() -> str:
    low, high = date_window()
    return f"{low.isoformat()} … {high.isoformat()}"


def integer_expr(v: str) -> str:
    """Plain digits with an optional leading minus (and a zero fraction, 3.0, as spreadsheets
    write whole numbers). DuckDB's own cast also takes 0x10, 0b101, 1e3, 1_000 and +5 --
    spellings no export uses, so a value that looks like one is a mistake, not a number --
    and rounds 3.5 to 4."""
    return f"CASE WHEN regexp_full_match({v}, '-?[0-9]+(\\.0*)?') THEN TRY_CAST({v} AS INTEGER) END"


#: An amount as exports write it: 1234.5, -12, 1,234.50 (thousands separated by commas).
_DECIMAL = r"-?([0-9]+|[0-9]{1,3}(,[0-9]{3})+)(\.[0-9]+)?"


def decimal_expr(v: str) -> str:
    """Only the documented spellings; DuckDB's cast alone would take 1e3, 1_000 and +5."""
    return (
        f"CASE WHEN regexp_full_match({v}, '{_DECIMAL}') "
        f"THEN TRY_CAST(replace({v}, ',', '') AS DECIMAL(18,2)) END"
    )


def parse_expr(col: Column, v: str) -> str:
    """The typed, canonical value of text ``v`` for ``col``; NULL when it cannot be read."""
    match col.type:
        case ColumnType.TEXT:
            return v
        case ColumnType.INTEGER:
            return integer_expr(v)
        case ColumnType.DECIMAL:
            return decimal_expr(v)
        case ColumnType.BOOLEAN:
            return boolean_expr(v)
        case ColumnType.DATE:
            return date_expr(v)
        case ColumnType.ENUM:
            assert col.enum is not None, f"enum column {col.name} has no enumeration"
            return enum_expr(v, col.enum)
    raise AssertionError(f"unhandled column type {col.type}")


def accepted_spellings(enum: Enumeration) -> str:
    return ", ".join(enum.aliases())


def boolean_spellings() -> str:
    return ", ".join(BOOLEAN_ALIASES)


def expectation(col: Column) -> str:
    """What a value of ``col`` should look like, for the reason of a value that is not it."""
    match col.type:
        case ColumnType.INTEGER:
            return "expected a whole number"
        case ColumnType.DECIMAL:
            return "expected a number"
        case ColumnType.BOOLEAN:
            return f"expected yes or no ({boolean_spellings()})"
        case ColumnType.DATE:
            return "expected a date (YYYY-MM-DD)"
        case _:
            return "expected text"


def number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
