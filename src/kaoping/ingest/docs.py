"""The canonical import format as a Markdown page, generated from the data model.

``docs/data-format.md`` is this function's output; a test compares the two, so the page
cannot drift from what the importer accepts. Regenerate it with::

    python -m kaoping.ingest.docs > docs/data-format.md
"""

from __future__ import annotations

from kaoping.ingest.read import FORMATS
from kaoping.ingest.sql import number_text
from kaoping.model.schema import (
    BOOLEAN_ALIASES,
    ENUMERATIONS,
    LOAD_ORDER,
    TABLES,
    Column,
    ColumnType,
    Enumeration,
    Table,
)
from kaoping.model.selection import DEFAULT_NAME, active
from kaoping.settings import ImportLimits

_TYPE_NAMES = {
    ColumnType.TEXT: "text",
    ColumnType.INTEGER: "whole number",
    ColumnType.DECIMAL: "number",
    ColumnType.BOOLEAN: "yes/no",
    ColumnType.DATE: "date",
    ColumnType.ENUM: "code",
}

_INTRO = """\
# Data format

<!-- Generated from {source} by kaoping.ingest.docs.render_data_format();
regenerate with `python -m kaoping.ingest.docs > docs/data-format.md`, do not edit by hand. -->

`kaoping import PATH...` loads case-management exports into the warehouse, one file per
table. This page is the contract: every table, every column, every header and every value
spelling the importer accepts. It is generated from the data model ([model.md](model.md)):
a model of your own adds the tables and columns your export holds.

## Files

- **Formats**: CSV ({csv}), Excel ({excel}: the first worksheet, its first non-empty row is
  the header) and Parquet ({parquet}). A directory stands for every such file inside it.
- **CSV**: UTF-8, UTF-8 with a byte-order mark, GBK/GB18030 or UTF-16 with a byte-order
  mark, detected from the bytes; comma, tab, semicolon or `|` between fields, the one the
  header line uses most; `"` quotes fields that hold a delimiter or a line break. Lines may
  end in CRLF or LF, even mixed in one file. A line with more or fewer fields than the
  header stops the import with an error naming it; so does a NUL byte anywhere (named by
  its offset) and text that is not UTF-8 and not plausible as GBK -- Big5 or Shift-JIS,
  which GB18030 would decode into nonsense.
- **Excel**: at most {excel_cells} cells in the first sheet's rectangle (setting
  `KAOPING_EXCEL_MAX_CELLS`) and {excel_bytes} bytes unpacked (`KAOPING_EXCEL_MAX_BYTES`),
  checked before the sheet is parsed; a larger workbook, or one with a stray cell far
  out such as `XFD1048576`, stops the import with an error naming the file and the cell.
- **Parquet**: plain columns only; a list or struct column, or an integer column for a
  date, stops the import with an error naming the column.
- **Which table**: `--table NAME` if given; otherwise the table whose name, Chinese name or
  file-name alias the file name starts with, longest first (`persons_2020_gbk.csv` →
  `persons`, `检察院.xlsx` → `organs`); otherwise the table whose required columns the
  headers contain (so a file with only some columns needs a telling name or `--table`).
  Files load in this order, so that references resolve within one import: {order}.
- **Headers**: the English column name or any Chinese header listed below, in any case,
  with full-width or half-width brackets and surrounding spaces alike. Other columns are
  ignored with a warning. A file must have its table's natural key: a missing key column
  stops the import with one error naming the file, the column and the headers found. Any
  other column may be missing: see
  [Files with some of the columns](#files-with-some-of-the-columns).
- **No real names**: kaoping holds pseudonymous ids only. `prosecutors.display_name` is a
  pseudonym or code (`检察官007514`), never a person's name; a column headed 姓名, 检察官姓名,
  承办人, 犯罪嫌疑人姓名, 被害人姓名, 身份证号, `name` or the like is dropped with a warning
  and never reaches the warehouse, the pages or the appraisal (docs/security.md). Export a
  pseudonym column headed 显示名 instead.

## Values

- An empty cell is a missing value; spaces around a value are ignored. A spreadsheet error
  value (`#DIV/0!`, `#N/A`, `#VALUE!` …) and text holding a control character (other than
  a tab or a line break) are quarantined.
- **Dates**: `2020-01-31`, `2020/1/31`, `20200131`, `2020年1月31日`, `2020.1.31`, a date with
  a time (`2020-01-31 08:30:00`, the time is dropped) or an Excel serial day number
  (`43861`); in Parquet a `date32` column or text. A date must lie in the plausible range
  {date_min} to one year after today (the settings `KAOPING_DATE_MIN` and
  `KAOPING_DATE_MAX` move it): `9999-12-31`, `0001-01-01`, `infinity` or a BC date is
  quarantined. A Parquet integer column is refused for a date: it could mean days since
  1970 or an Excel serial.
- **Whole numbers**: plain digits with an optional leading minus, `3` or `-3` (a spreadsheet's
  `3.0` too), never `3.5`, `+3`, `1e3`, `1_000`, `1,000` or `0x10`. **Numbers** (amounts in
  yuan): `1234.5`, `-12` or `1,234.50`, kept to two decimals.
- **Yes/no**: {booleans}.
- **Codes**: the English code, the Chinese label or another listed spelling, in any case;
  the warehouse stores the English code. See [Enumerations](#enumerations).

## What happens to a row

Each row is checked against every rule in the tables below: required values present,
values readable as their type, codes known, minimums respected, dates plausible and in
order, references to organs, prosecutors and crimes found (in the warehouse or earlier in the
same import; an organ's parent also in the same file), natural keys unique in the file
(the first occurrence is kept), and, for organs, the tree the stored organs and the file's
rows form together: no cycles, one national organ (level 1, no parent), levels 1 to 4,
each organ one level below its parent. A row that breaks a rule is not loaded: each problem
becomes one row of the `quarantine` table -- file, row number (the header is row 1, as a
spreadsheet counts), column, value, reason and the whole record -- listed by
`kaoping quarantine`. Rows with nothing in them are skipped; in a CSV, blank lines are
not counted in row numbers either (in Excel they are).

Good rows are upserted by their natural key: importing the same file twice changes
nothing, and a corrected file replaces the values it carries, while its earlier quarantine
entries are replaced by the new ones. An import is one transaction: if it fails or is
killed, the warehouse is exactly as it was before.

## Files with some of the columns

An export of one stage -- the arrest reviews of suspects already stored, say -- may carry
only the key and that stage's columns. Such a file updates only the columns it has, for
the keys it has; every column it lacks keeps its stored value.

- **A present but empty cell** sets the stored value to empty (NULL) where the column may
  be empty; in a required column the row is quarantined (`required value is empty`).
- **A key not stored yet** is a new record and needs every required column: without one
  it is quarantined (`new record: required column case_id (案件编号) is not in the file`),
  one quarantine row per missing column. The columns it may lack are stored empty.
- **Dates in order** hold for the record as it will be stored: when the file has one date
  of a rule and the warehouse the other, the two are compared
  (`prosecution_review_concluded 2020-01-15 is earlier than the stored
  prosecution_review_received 2020-02-01`); when the file has both, its own two are.
- **The summary** says for every file the rows inserted, updated (at least one value
  changed), unchanged and quarantined, and which columns changed. An import that changes
  no row leaves the data version as it was, so figures computed before it stay current.
- **Every import is logged**: who, when, the file's name and SHA-256, and those counts;
  `kaoping imports` lists them, newest first. `kaoping import --dry-run` runs the whole
  import -- rules, merge, counts, quarantine -- and shows what it would do without
  changing the warehouse (and without logging it).

## Tables
"""


def _code(text: str) -> str:
    return f"`{text}`"


def _rules(tbl: Table, col: Column) -> str:
    rules: list[str] = [col.description]
    if col.name in tbl.key:
        rules.append("Natural key." if len(tbl.key) == 1 else "Part of the natural key.")
    if col.enum is not None:
        rules.append(f"One of [{col.enum.name}](#{col.enum.name}).")
    if col.minimum is not None:
        rules.append(f"At least {number_text(col.minimum)}.")
    if col.references is not None:
        rules.append(f"Must exist in {_code(col.references)}.")
    return " ".join(rules)


def _table_section(tbl: Table) -> list[str]:
    stems = list(dict.fromkeys([tbl.name, tbl.label_zh, *tbl.aliases]))
    lines = [
        f"### {tbl.name} — {tbl.label_zh}",
        "",
        f"{tbl.description} Natural key: {', '.join(_code(k) for k in tbl.key)}. "
        f"File names starting with {', '.join(_code(s) for s in stems)}.",
        "",
        "| column | 中文表头 | also accepted | type | required | meaning and rules |",
        "|---|---|---|---|---|---|",
    ]
    for col in tbl.columns:
        also = ", ".join(col.aliases) or ""
        lines.append(
            f"| {_code(col.name)} | {col.label_zh} | {also} | "
            f"{_TYPE_NAMES[col.type]} | {'yes' if col.required else ''} | "
            f"{_rules(tbl, col)} |"
        )
    if tbl.date_orders:
        orders = "; ".join(f"{_code(o.earlier)} ≤ {_code(o.later)}" for o in tbl.date_orders)
        lines += ["", f"Dates in order, when both are given: {orders}."]
    return [*lines, ""]


def _enum_section(enum: Enumeration) -> list[str]:
    lines = [f"### {enum.name}", "", "| code | 中文 | also accepted |", "|---|---|---|"]
    for code, label in enum.labels.items():
        extra = [alias for alias, target in enum.extra_aliases.items() if target == code]
        lines.append(f"| {_code(code)} | {label} | {', '.join(extra)} |")
    return [*lines, ""]


def render_data_format() -> str:
    """The whole of ``docs/data-format.md``."""

    def spelled(value: bool) -> str:
        return ", ".join(_code(k) for k, v in BOOLEAN_ALIASES.items() if v is value)

    by_format: dict[str, list[str]] = {}
    for suffix, fmt in FORMATS.items():
        by_format.setdefault(fmt, []).append(_code(suffix))
    source = active().source
    intro = _INTRO.format(
        source="src/kaoping/model/default/model.yaml" if source == DEFAULT_NAME else source,
        csv=", ".join(by_format["csv"]),
        excel=", ".join(by_format["excel"]),
        parquet=", ".join(by_format["parquet"]),
        order=", ".join(LOAD_ORDER),
        booleans=f"yes is {spelled(True)}; no is {spelled(False)}",
        excel_cells=f"{ImportLimits.model_fields['excel_max_cells'].default:,}",
        excel_bytes=f"{ImportLimits.model_fields['excel_max_bytes'].default:,}",
        date_min=_code(ImportLimits.model_fields["date_min"].default.isoformat()),
    )
    lines = [intro]
    for name in LOAD_ORDER:
        lines += _table_section(TABLES[name])
    lines += ["## Enumerations", ""]
    for enum in ENUMERATIONS.values():
        lines += _enum_section(enum)
    return "\n".join(lines).rstrip("\n") + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(render_data_format())
