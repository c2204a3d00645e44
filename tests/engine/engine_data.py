"""Tiny hand-built warehouses whose right answers can be worked out on paper.

The tree used throughout::

    100000 SPP (1)
    ├── 110000 Beijing (2)            prosecutor P5
    │   └── 110100 Beijing branch (3)
    │       ├── 110101 Dongcheng (4)  prosecutors P1, P2
    │       └── 110102 Xicheng (4)    prosecutor P3
    └── 120000 Tianjin (2)
        └── 120100 Tianjin branch (3)
            └── 120101 Heping (4)     prosecutor P4
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from tests.helpers import insert_rows

from kaoping.catalogue.models import Indicator, Measure
from kaoping.model.schema import TABLES
from kaoping.warehouse import connect

ORGANS = [
    ("100000", None, 1, "最高人民检察院", "Supreme People's Procuratorate"),
    ("110000", "100000", 2, "北京市人民检察院", "Beijing Procuratorate"),
    ("120000", "100000", 2, "天津市人民检察院", "Tianjin Procuratorate"),
    ("110100", "110000", 3, "北京市第一分院", "Beijing Branch"),
    ("120100", "120000", 3, "天津市第一分院", "Tianjin Branch"),
    ("110101", "110100", 4, "东城区人民检察院", "Dongcheng"),
    ("110102", "110100", 4, "西城区人民检察院", "Xicheng"),
    ("120101", "120100", 4, "和平区人民检察院", "Heping"),
]
PROSECUTORS = [
    ("P1", "110101"),
    ("P2", "110101"),
    ("P3", "110102"),
    ("P4", "120101"),
    ("P5", "110000"),
]
CRIMES = [
    ("C1", "盗窃罪", "Theft", "264", 5, False, "life", None),
    ("C2", "故意杀人罪", "Intentional homicide", "232", 4, True, "death", None),
]


def person(
    pid: str,
    organ: str,
    concluded: date | None,
    decision: str | None = "prosecuted",
    *,
    prosecutor: str | None = None,
    minor: bool = False,
    case: str | None = None,
    crime: str = "C1",
    **extra: Any,
) -> dict[str, Any]:
    """A person whose prosecution review concluded on ``concluded`` with ``decision``."""
    row: dict[str, Any] = {c: None for c in TABLES["persons"].column_names}
    row.update(
        person_id=pid,
        case_id=case or f"K{pid}",
        organ_code=organ,
        prosecutor_id=prosecutor,
        crime_code=crime,
        is_minor=minor,
        prosecution_review_concluded=concluded,
        prosecution_decision=decision,
    )
    row.update(extra)
    return row


def build_warehouse(path: Path, persons: Iterable[dict[str, Any]]) -> Path:
    """A warehouse at ``path`` holding the test tree and ``persons``."""
    con = connect(path)
    try:
        insert_rows(con, "organs", [(*o, None, False) for o in ORGANS])
        insert_rows(con, "prosecutors", [(p, o, "ordinary_crime", p) for p, o in PROSECUTORS])
        insert_rows(con, "crimes", CRIMES)
        insert_rows(
            con, "persons", [tuple(p[c] for c in TABLES["persons"].column_names) for p in persons]
        )
    finally:
        con.close()
    return path


def rate(
    ind_id: str,
    num_filter: str,
    den_filter: str,
    *,
    date_col: str = "prosecution_review_concluded",
    **kw: Any,
) -> Indicator:
    """A persons rate indicator built in Python (independent of the default catalogue)."""
    fields: dict[str, Any] = {
        "id": ind_id,
        "name_zh": ind_id,
        "name_en": ind_id,
        "definition_zh": "定义",
        "definition_en": "definition",
        "unit": "rate",
        "numerator": Measure(table="persons", filter=num_filter, date=date_col),
        "denominator": Measure(table="persons", filter=den_filter, date=date_col),
        "direction": "higher_is_better",
        "family": "prosecution_review",
        "aspect": 4,
    }
    fields.update(kw)
    return Indicator(**fields)


def count(ind_id: str, num_filter: str | None, **kw: Any) -> Indicator:
    fields: dict[str, Any] = {
        "id": ind_id,
        "name_zh": ind_id,
        "name_en": ind_id,
        "definition_zh": "定义",
        "definition_en": "definition",
        "unit": "count",
        "numerator": Measure(
            table="persons", filter=num_filter, date="prosecution_review_concluded"
        ),
        "direction": "lower_is_better",
        "family": "prosecution_review",
        "aspect": 4,
    }
    fields.update(kw)
    return Indicator(**fields)


CONDITIONAL = rate(
    "cond_rate",
    "is_minor and prosecution_decision = 'conditional_not_prosecuted'",
    "is_minor and prosecution_decision is not null",
)
