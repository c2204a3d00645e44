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

<!-- Generated from src/kaoping/model/schema.py by kaoping.ingest.docs.render_data_format();
regenerate with `python -m kaoping.ingest.docs > docs/data-format.md`, do not edit by hand. -->

`kaoping import PATH...` loads case-management exports into the warehouse, one file per
table. This page is the contract: every table, every column, every header and every value
spelling the importer accepts.

## Files

- **Formats**: CSV ({csv}), Excel ({excel}: the first worksheet, its first non-empty row is
  the header) and Parquet ({parquet}). A directory stands for every such file inside it.
- **CSV**: UTF-8, UTF-8 with a byte-order mark, GBK/GB18030 or UTF-16 with a byte-order
  mark, detected from the bytes; comma, tab, semicolon or `|` between fields, the one the
  header line uses most; `"` quotes fields that hold a delimiter or a line break. A line
  with more or fewer fields than the header stops the import with an error naming it.
- **Which table**: `--table NAME` if given; otherwise the table whose name, Chinese name or
  file-name alias the file name starts with, longest first (`persons_2020_gbk.csv` →
  `persons`, `检察院.xlsx` → `organs`); otherwise the table whose required columns the
  headers contain. Files load in this order, so that references resolve within one
  import: {order}.
- **Headers**: the English column name or any Chinese header listed below, in any case,
  with full-width or half-width brackets and surrounding spaces alike. Other columns are
  ignored with a warning; a missing required column stops the import with one error
  naming the file, the column and the headers found.
- **No real names**: kaoping holds pseudonymous ids only. `prosecutors.display_name` is a
  pseudonym or code (`检察官007514`), never a person's name; a column headed 姓名, 检察官姓名,
  承办人, 犯罪嫌疑人姓名, 被害人姓名, 身份证号, `name` or the like is dropped with a warning
  and never reaches the warehouse, the pages or the appraisal (docs/security.md). Export a
  pseudonym column headed 显示名 instead.

## Values

- An empty cell is a missing value; spaces around a value are ignored.
- **Dates**: `2020-01-31`, `2020/1/31`, `20200131`, `2020年1月31日`, `2020.1.31`, a date with
  a time (`2020-01-31 08:30:00`, the time is dropped) or an Excel serial day number
  (`43861`).
- **Whole numbers**: `3` or `3.0`, never `3.5`. **Numbers** (amounts in yuan): `1234.5` or
  `1,234.50`, kept to two decimals.
- **Yes/no**: {booleans}.
- **Codes**: the English code, the Chinese label or another listed spelling, in any case;
  the warehouse stores the English code. See [Enumerations](#enumerations).

## What happens to a row

Each row is checked against every rule in the tables below: required values present,
values readable as their type, codes known, minimums respected, dates in order,
references to organs, prosecutors and crimes found (in the warehouse or earlier in the
same import; an organ's parent also in the same file), and natural keys unique in the
file (the first occurrence is kept). A row that breaks a rule is not loaded: each problem
becomes one row of the `quarantine` table -- file, row number (the header is row 1, as a
spreadsheet counts), column, value, reason and the whole record -- listed by
`kaoping quarantine`. Rows with nothing in them are skipped; in a CSV, blank lines are
not counted in row numbers either (in Excel they are).

Good rows are upserted by their natural key: importing the same file twice changes
nothing, and a corrected file replaces the rows it carries, while its earlier quarantine
entries are replaced by the new ones. An import is one transaction: if it fails or is
killed, the warehouse is exactly as it was before.

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
    intro = _INTRO.format(
        csv=", ".join(by_format["csv"]),
        excel=", ".join(by_format["excel"]),
        parquet=", ".join(by_format["parquet"]),
        order=", ".join(LOAD_ORDER),
        booleans=f"yes is {spelled(True)}; no is {spelled(False)}",
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
