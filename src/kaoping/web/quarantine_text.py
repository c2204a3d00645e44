"""A quarantined value as its user reads it: under his own header, the reason in his language.

The importer records each problem under the data model's column name with an English
reason (the CLI and the logs read those), and the whole refused row under the file's own
headers. A case-management officer typed ``院代码``, not ``organ_code``, so the page finds
his header for the column through the same aliases the importer matched it with, and says
the reason in Chinese by recognising the importer's few sentence patterns. A reason no
pattern knows is shown as recorded rather than guessed at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from kaoping.ingest.quarantine import QuarantinedValue

__all__ = ["QuarantineRow", "reason_zh", "shown", "warning_zh"]


@dataclass(frozen=True)
class QuarantineRow:
    file: str  # the file's name (not the server's path)
    file_id: str  # the path the quarantine keys it by
    table: str
    row: int
    header: str  # as the user typed it
    column: str
    value: str
    reason_en: str
    reason_zh: str
    record: dict[str, str]


@lru_cache(maxsize=32)
def _headers(table: str) -> dict[str, str]:
    """Normalised header spelling -> column, as the importer matches headers."""
    from kaoping.ingest.headers import header_aliases
    from kaoping.model.schema import TABLES

    return dict(header_aliases(TABLES[table])) if table in TABLES else {}


def _label(table: str, column: str) -> str:
    from kaoping.model.schema import TABLES

    tbl = TABLES.get(table)
    if tbl is None or column not in tbl.column_names:
        return column
    return tbl.column(column).label_zh


def user_header(table: str, column: str, record: dict[str, str]) -> str:
    """The header of ``record`` the importer read ``column`` from (its Chinese label when
    the file did not have that column, e.g. a required column a new record lacks)."""
    from kaoping.ingest.headers import normalise

    aliases = _headers(table)
    for header in record:
        if aliases.get(normalise(header)) == column:
            return header
    return _label(table, column)


def shown(q: QuarantinedValue) -> QuarantineRow:
    """One quarantined value for the page and the export."""
    try:
        record = {str(k): "" if v is None else str(v) for k, v in json.loads(q.record).items()}
    except (ValueError, AttributeError):
        record = {}
    name = q.file.replace("\\", "/").rsplit("/", 1)[-1]
    return QuarantineRow(name, q.file, q.table, q.row_number,
                         user_header(q.table, q.column, record), q.column, q.value or "",
                         q.reason, reason_zh(q.reason, q.table), record)


def _col(table: str) -> Callable[[str], str]:
    return lambda name: _label(table, name)


def _table_zh(name: str) -> str:
    from kaoping.model.schema import TABLES

    return TABLES[name].label_zh if name in TABLES else name


#: the importer's reasons (kaoping.ingest.validate, merge, hierarchy) -> Chinese
_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str], Callable[[str], str]], str]]] = [
    (re.compile(r"^required value is empty$"), lambda m, c: "必填项为空"),
    (re.compile(r"^expected a whole number, got (.*)$"), lambda m, c: f"应为整数，实为 {m[1]}"),
    (re.compile(r"^expected a number, got (.*)$"), lambda m, c: f"应为数字，实为 {m[1]}"),
    (re.compile(r"^expected a date \(YYYY-MM-DD\), got (.*)$"),
     lambda m, c: f"应为日期（年-月-日，如 2020-06-30），实为 {m[1]}"),
    (re.compile(r"^expected yes or no \((.*)\), got (.*)$"),
     lambda m, c: f"应为“是”或“否”（{m[1]}），实为 {m[2]}"),
    (re.compile(r"^unknown (\S+) (.*); expected one of (.*)$"),
     lambda m, c: f"无法识别的代码 {m[2]}，应为以下之一：{m[3]}"),
    (re.compile(r"^must be at least (\S+), got (.*)$"),
     lambda m, c: f"不得小于 {m[1]}，实为 {m[2]}"),
    (re.compile(r"^outside the plausible range (.*?) \(.*\), got (.*)$"),
     lambda m, c: f"超出合理日期范围 {m[1]}，实为 {m[2]}"),
    (re.compile(r"^an Excel error value (.*) \(a formula that failed\); expected a value$"),
     lambda m, c: f"Excel 错误值 {m[1]}（公式计算失败），应为具体数值"),
    (re.compile(r"^control character (\S+) in (.*); expected printable text$"),
     lambda m, c: f"{m[2]} 含控制字符 {m[1]}，应为可打印文字"),
    (re.compile(r"^no (\w+) row with (\w+) (.*)$"),
     lambda m, c: f"{_table_zh(m[1])}表中没有{c(m[2])}为 {m[3]} 的记录"),
    (re.compile(r"^the (\w+) row with (\w+) (.*) is quarantined in this file$"),
     lambda m, c: f"本文件中{c(m[2])}为 {m[3]} 的{_table_zh(m[1])}记录已被隔离"),
    (re.compile(r"^duplicate key (.*), first at row (\d+)$"),
     lambda m, c: f"重复的记录 {m[1]}，首次出现在第 {m[2]} 行"),
    (re.compile(r"^new record: required column (\w+) \((.*)\) is not in the file$"),
     lambda m, c: f"新记录缺少必填列“{m[2]}”（文件中没有该列）"),
    (re.compile(r"^(\w+) (\S+) is earlier than the stored (\w+) (\S+)$"),
     lambda m, c: f"{c(m[1])} {m[2]} 早于已存储的{c(m[3])} {m[4]}"),
    (re.compile(r"^(\w+) (\S+) is later than the stored (\w+) (\S+)$"),
     lambda m, c: f"{c(m[1])} {m[2]} 晚于已存储的{c(m[3])} {m[4]}"),
    (re.compile(r"^(\w+) (\S+) is earlier than (\w+) (\S+)$"),
     lambda m, c: f"{c(m[1])} {m[2]} 早于{c(m[3])} {m[4]}"),
]


#: an import's warnings about a file's headers (kaoping.ingest.headers, load) -> Chinese
_WARNINGS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"^ignored columns that are not in (\w+): (.*)$"),
     lambda m: f"已忽略不属于{_table_zh(m[1])}表的列：{m[2]}"),
    (re.compile(r"^dropped columns holding real names or identity numbers .*: (.*)$"),
     lambda m: f"已丢弃含真实姓名或身份证号的列（系统只保存化名编号）：{m[1]}"),
    (re.compile(r"^ignored column (.*): an earlier column already gives the same field$"),
     lambda m: f"已忽略列 {m[1]}：前面的列已给出同一字段"),
    (re.compile(r"^no column (.*): stored records keep .*; new records are quarantined$"),
     lambda m: f"文件没有列 {m[1]}：已存储的记录保留这些列的原值，新记录将被隔离"),
]


def warning_zh(warning: str) -> str:
    """An import's English warning in Chinese; as recorded if no pattern knows it."""
    for pattern, say in _WARNINGS:
        m = pattern.match(warning)
        if m is not None:
            return say(m)
    return warning


def reason_zh(reason: str, table: str) -> str:
    """The importer's English reason in Chinese; as recorded if no pattern knows it."""
    names = _col(table)
    for pattern, say in _PATTERNS:
        m = pattern.match(reason)
        if m is not None:
            return say(m, names)
    return reason
