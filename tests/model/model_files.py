"""Small model files written as a user would, for the model tests."""

from __future__ import annotations

from pathlib import Path

#: a whole, valid model of two tables: the base every mistake of the check tests edits
SMALL = """\
model: small
languages: [zh, en]
required_languages: [zh]
enumerations:
  outcome:
    values:
      filed: {zh: 立案, en: filed}
      dropped: {zh: 撤案, en: dropped}
    aliases: {撤销: dropped}
tables:
  - name: offices
    label: {zh: 单位, en: office}
    key: [office_code]
    columns:
      - name: office_code
        type: text
        label: {zh: 单位代码, en: office code}
        required: true
  - name: cases
    label: {zh: 案件, en: case}
    key: [case_id]
    columns:
      - name: case_id
        type: text
        label: {zh: 案件编号, en: case id}
        required: true
      - name: office_code
        type: text
        label: {zh: 单位代码, en: office code}
        references: offices.office_code
      - name: outcome
        type: enum
        enum: outcome
        label: {zh: 结果, en: outcome}
      - name: received
        type: date
        label: {zh: 受理日期, en: received}
      - name: closed
        type: date
        label: {zh: 审结日期, en: closed}
    date_orders:
      - {earlier: received, later: closed}
"""

#: the default model with a province's own column on persons and a table of its own
PROVINCE = """\
model: guangdong
extends: default
tables:
  - name: persons
    columns:
      - name: handling_department
        type: text
        label: {zh: 承办部门, en: handling department}
        description: The department that handled the case (a province's own field).
        aliases: [办案部门]
  - name: returns_for_investigation
    label: {zh: 退回补充侦查, en: returns for supplementary investigation}
    key: [return_id]
    columns:
      - name: return_id
        type: text
        label: {zh: 退补编号}
        required: true
      - name: person_id
        type: text
        label: {zh: 嫌疑人编号}
        required: true
        references: persons.person_id
      - name: reason
        type: text
        label: {zh: 退回原因}
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
