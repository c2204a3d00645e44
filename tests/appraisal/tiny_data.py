"""A tiny hand-built warehouse whose appraisal can be worked out on paper.

The tree::

    100000 SPP (1)
    ├── 110000 Beijing (2)
    │   └── 110100 Beijing branch (3)
    │       ├── 110101 Dongcheng (4)   prosecutors P1, P2, P3
    │       ├── 110102 Xicheng (4)
    │       └── 110103 Chaoyang (4)
    └── 120000 Tianjin (2)
        └── 120100 Tianjin branch (3)
            └── 120101 Heping (4)

Indicator values are written straight into tables of the results views' columns, in
place of the views ``kaoping compute`` makes (the engine has its own tests);
persons are written for the parts the appraisal reads from records itself (case
weighting, expected values from the case mix).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from tests.helpers import insert_rows

from kaoping.catalogue.models import Catalogue, Indicator, Measure
from kaoping.engine.store import RESULTS_COLUMNS, RESULTS_TABLE, results_table
from kaoping.model.schema import TABLES
from kaoping.warehouse import connect

ORGANS = [
    ("100000", None, 1, "最高人民检察院", "SPP"),
    ("110000", "100000", 2, "北京市人民检察院", "Beijing"),
    ("120000", "100000", 2, "天津市人民检察院", "Tianjin"),
    ("110100", "110000", 3, "北京市第一分院", "Beijing Branch"),
    ("120100", "120000", 3, "天津市第一分院", "Tianjin Branch"),
    ("110101", "110100", 4, "东城区人民检察院", "Dongcheng"),
    ("110102", "110100", 4, "西城区人民检察院", "Xicheng"),
    ("110103", "110100", 4, "朝阳区人民检察院", "Chaoyang"),
    ("120101", "120100", 4, "和平区人民检察院", "Heping"),
]
PROSECUTORS = [("P1", "110101"), ("P2", "110101"), ("P3", "110101")]
CRIMES = [
    ("C1", "盗窃罪", "Theft", "264", 5, False, "life", None),
    ("C2", "故意杀人罪", "Intentional homicide", "232", 4, True, "death", None),
]
PERIOD = "2020"
CONCLUDED = date(2020, 5, 10)


def _indicator(ind_id: str, unit: str = "rate", direction: str = "higher_is_better",
               **kw: Any) -> Indicator:
    fields: dict[str, Any] = {
        "id": ind_id, "name_zh": ind_id, "name_en": ind_id, "definition_zh": "定义",
        "definition_en": "definition", "unit": unit,
        "numerator": Measure(table="persons", filter="prosecution_decision = 'not_prosecuted'",
                             date="prosecution_review_concluded"),
        "direction": direction, "family": "prosecution_review", "aspect": 4,
    }
    if unit == "rate":
        fields["denominator"] = Measure(table="persons", filter="prosecution_decision is not null",
                                        date="prosecution_review_concluded")
    fields.update(kw)
    return Indicator(**fields)


#: the catalogue of the tiny tests, independent of the default one
CATALOGUE = Catalogue(indicators=[
    _indicator("rate_a", min_denominator=10),
    _indicator("rate_b", min_denominator=10),
    _indicator("rate_c", min_denominator=10),
    _indicator("count_d", unit="count"),
])


def person(pid: str, organ: str, *, decision: str | None = "prosecuted",
           prosecutor: str | None = None, case: str | None = None, crime: str = "C1",
           minor: bool = False, difficulty: str | None = None,
           concluded: date | None = CONCLUDED) -> dict[str, Any]:
    row: dict[str, Any] = {c: None for c in TABLES["persons"].column_names}
    row.update(person_id=pid, case_id=case or f"K{pid}", organ_code=organ,
               prosecutor_id=prosecutor, crime_code=crime, is_minor=minor,
               difficulty=difficulty, prosecution_review_concluded=concluded,
               prosecution_decision=decision)
    return row


def _flags(flags: Iterable[str]) -> Any:
    """Flags in the engine's stored form (a list, or comma-separated text)."""
    if RESULTS_COLUMNS["flags"][0].endswith("[]"):
        return list(flags)
    return ",".join(flags)


def value_row(indicator: str, subject: str, value: float | None, *,
              numerator: float | None = None, denominator: float | None = None,
              flags: Iterable[str] = (), ci: tuple[float, float] | None = None,
              subject_type: str = "organ", period: str = PERIOD) -> dict[str, Any]:
    """One row of indicator_values (organ rows take level and parent from ORGANS)."""
    organ = {o[0]: o for o in ORGANS}
    if subject_type == "organ":
        organ_code, parent, level = subject, organ[subject][1], organ[subject][2]
    else:
        organ_code = dict(PROSECUTORS)[subject]
        parent, level = organ_code, organ[organ_code][2]
    row: dict[str, Any] = {c: None for c in RESULTS_COLUMNS}
    row.update(
        indicator=indicator, subject_type=subject_type, subject=subject, organ_code=organ_code,
        level=level, parent_code=parent, period=period,
        period_kind="year" if period.isdigit() else "half", year=int(period[:4]),
        numerator=numerator if numerator is not None else value, denominator=denominator,
        value=value, change_unit="percentage_points", flags=_flags(flags),
        ci_low=ci[0] if ci else None, ci_high=ci[1] if ci else None,
    )
    return row


def build_warehouse(path: Path, persons: Iterable[dict[str, Any]],
                    values: Iterable[dict[str, Any]]) -> Path:
    con = connect(path)
    try:
        # the organ and prosecutor halves as tables, and the whole as their union, in
        # place of the views `kaoping compute` makes
        columns = ", ".join(f'"{c}" {t}' for c, (t, _) in RESULTS_COLUMNS.items())
        halves = {"organ": results_table("organ"), "prosecutor": results_table("prosecutor")}
        for name in halves.values():
            con.execute(f"CREATE TABLE {name} ({columns})")
        con.execute(
            f"CREATE VIEW {RESULTS_TABLE} AS "
            + " UNION ALL ".join(f"SELECT * FROM {name}" for name in halves.values())
        )
        insert_rows(con, "organs", [(*o, None, False) for o in ORGANS],
                list(TABLES["organs"].column_names))
        insert_rows(con, "prosecutors",
                [(p, o, "ordinary_crime", f"检察官{p}") for p, o in PROSECUTORS],
                list(TABLES["prosecutors"].column_names))
        insert_rows(con, "crimes", CRIMES, list(TABLES["crimes"].column_names))
        cols = list(TABLES["persons"].column_names)
        insert_rows(con, "persons", [[p[c] for c in cols] for p in persons], cols)
        vcols = list(RESULTS_COLUMNS)
        rows = list(values)
        for kind, name in halves.items():
            mine = [[v[c] for c in vcols] for v in rows if v["subject_type"] == kind]
            if mine:
                insert_rows(con, name, mine, vcols)
    finally:
        con.close()
    return path
