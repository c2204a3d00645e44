"""One file's quarantine as a workbook to fix and upload again.

The first sheet holds the refused rows under the file's own headers, each with its row
number in the original file (:data:`~kaoping.web.data_work.SOURCE_ROW`); every wrong cell
is filled and carries the reason as a comment. A second sheet lists the problems, and a
hidden third names the original file and table, so that uploading the fixed workbook
takes its rows off the original's quarantine (:mod:`kaoping.web.data_work`). The importer
reads the first sheet only and ignores the row-number column (with a warning).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from kaoping.web.data_work import FIX_SHEET, SOURCE_ROW
from kaoping.web.quarantine_text import QuarantineRow

__all__ = ["workbook"]

_HEADINGS = {
    "zh": ("问题清单", ("原行号", "列", "值", "原因")),
    "en": ("Problems", ("Row", "Column", "Value", "Reason")),
}


def workbook(file: Any, rows: Sequence[QuarantineRow], lang: str) -> tuple[bytes, str]:
    """(the .xlsx file, its name) for the quarantine of ``file``
    (:class:`kaoping.ingest.QuarantinedFile`)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "待修正" if lang == "zh" else "to fix"
    headers: list[str] = list(dict.fromkeys(h for r in rows for h in r.record))
    sheet.append([SOURCE_ROW, *headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    wrong = PatternFill("solid", fgColor="FFC7CE")
    line: dict[int, int] = {}
    for r in rows:
        if r.row not in line:
            sheet.append([r.row, *(r.record.get(h, "") for h in headers)])
            line[r.row] = sheet.max_row
        if r.header in headers:
            cell = sheet.cell(line[r.row], 2 + headers.index(r.header))
            cell.fill = wrong
            why = r.reason_zh if lang == "zh" else r.reason_en
            cell.comment = Comment(why if cell.comment is None else f"{cell.comment.text}\n{why}",
                                   "kaoping")
    title, cols = _HEADINGS["zh" if lang == "zh" else "en"]
    problems = book.create_sheet(title)
    problems.append(list(cols))
    for r in rows:
        problems.append([r.row, r.header, r.value, r.reason_zh if lang == "zh" else r.reason_en])
    meta = book.create_sheet(FIX_SHEET)
    meta.append(["import", file.import_id])  # not the server's path: the import names it
    meta.sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    stem = file.file.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return out.getvalue(), f"{stem}-{'待修正' if lang == 'zh' else 'to-fix'}.xlsx"
