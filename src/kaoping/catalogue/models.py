"""Typed indicator definitions: what a catalogue YAML file holds once parsed.

These models are the contract between the catalogue (loading, validation) and the engine
(compilation to Ibis). Cross-checks against the data model -- columns exist, enumeration
values are valid, filters parse -- are done by ``kaoping.catalogue.validate`` after parsing,
so that each error can name the file, the indicator and the field.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

#: Placeholders a sentence template (``sentence_zh`` / ``sentence_en``) may use. The engine
#: owns the formatting; the catalogue only checks that a template names no other field.
#: Templates are ``str.format`` strings, so a literal brace is written ``{{`` / ``}}``.
SENTENCE_PLACEHOLDERS: dict[str, str] = {
    "organ": "the organ's name in the template's language (最高人民检察院 / the SPP)",
    "period": "the period in the template's language (2020年1月至6月 / January to June 2020)",
    "name": "the indicator's name in the template's language",
    "value": "the value formatted by unit: 17.1% (rate), 3,709 (count), 1.23 (ratio), "
    "45.6 (days), 1,234.56 (amount, yuan)",
    "numerator": "the numerator, formatted like a count (3,709) or an amount",
    "denominator": "the denominator, formatted like the numerator",
    "change": "the year-on-year change with its direction: 上升5.9个百分点 / up 5.9 "
    "percentage points for rates; 上升12.3% / up 12.3% otherwise; 持平 / unchanged",
    "previous": "the value of the same period a year earlier, formatted like {value}",
}

#: The families of DOMAIN.md, with their labels; a user catalogue may add others.
FAMILIES: dict[str, tuple[str, str]] = {
    "arrest_review": ("审查逮捕", "Arrest review"),
    "prosecution_review": ("审查起诉", "Prosecution review"),
    "reverse_review": ("反向审视", "Reverse review"),
    "case_proceeding_ratio": ("案件比", "Case-to-proceeding ratio"),
    "crime_structure": ("犯罪结构", "Crime structure"),
    "suggestions": ("检察建议", "Procuratorial suggestions"),
    "petitions": ("群众来信", "Letters from the public"),
    "special_mechanisms": ("专项工作", "Special mechanisms"),
    "public_interest": ("公益诉讼", "Public-interest litigation"),
    "quality_review": ("案件质量评查", "Quality review"),
}

#: The five aspects of DOMAIN.md ("The five aspects"), numbered as there.
ASPECTS: dict[int, tuple[str, str]] = {
    1: ("维护国家政治安全", "National political security"),
    2: ("服务经济稳定", "Serving economic stability"),
    3: ("司法为民", "Justice for the people"),
    4: ("参与社会治理", "Social governance"),
    5: ("队伍建设", "The team"),
}


class Unit(StrEnum):
    COUNT = "count"
    RATE = "rate"  # a fraction 0..1 of a population; stored 0.171, printed 17.1%
    RATIO = "ratio"  # numerator / denominator, not bounded by 1 (e.g. case-to-proceeding)
    DAYS = "days"
    AMOUNT = "amount"


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"
    WITHIN_RANGE = "within_range"


class Aggregation(StrEnum):
    COUNT = "count"  # rows (persons, letters, ...)
    COUNT_DISTINCT = "count_distinct"  # distinct values of `expr`, e.g. cases
    SUM = "sum"  # sum of `expr`
    AVG = "avg"  # NOT re-aggregable; prefer sum/count pairs for indicators that roll up


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Measure(Strict):
    """An aggregate over one table, for the records that fall in a period."""

    table: str
    agg: Aggregation = Aggregation.COUNT
    #: an expression (column or arithmetic / days_between(...)) for sum, avg, count_distinct
    expr: str | None = None
    #: a boolean expression in the filter language; records not matching are left out
    filter: str | None = None
    #: the date column that places a record in a period (e.g. prosecution_review_concluded)
    date: str


class Range(Strict):
    """A reasonable range (合理区间); either bound may be open."""

    low: float | None = None
    high: float | None = None


class ReasonableRange(Strict):
    default: Range | None = None
    #: level (1-4) -> range, overriding the default for organs of that level
    by_level: dict[int, Range] = Field(default_factory=dict)


class Indicator(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str
    name_en: str
    definition_zh: str
    definition_en: str
    unit: Unit
    numerator: Measure
    #: absent for counts and amounts that are not relative to anything
    denominator: Measure | None = None
    direction: Direction
    reasonable_range: ReasonableRange | None = None
    #: below this denominator the value is flagged unreliable
    min_denominator: float = Field(default=0, ge=0)
    #: year-on-year change beyond which the value is flagged: in percentage points for rates
    #: (10 = ten points, whatever the stored fraction), in percent for every other unit
    #: (25 = a change of 25%)
    max_yoy_change: float | None = None
    family: str
    aspect: int = Field(ge=1, le=5)  # the five aspects of DOMAIN.md
    #: whether the indicator is computed per prosecutor as well as per organ
    per_prosecutor: bool = True
    #: sentence templates for briefings; placeholders: SENTENCE_PLACEHOLDERS
    sentence_zh: str | None = None
    sentence_en: str | None = None
    #: the categorical columns the indicator is broken down by on the dashboard and in
    #: reports (kaoping.catalogue.breakdowns); any other categorical column works on demand
    breakdowns: tuple[str, ...] = ()


class Catalogue(Strict):
    indicators: list[Indicator]
    #: indicator id -> "file:line" of its definition, so a figure leads back to its source
    sources: dict[str, str] = Field(default_factory=dict)
    #: problems that do not stop loading (e.g. an ``avg`` measure that cannot roll up)
    warnings: list[str] = Field(default_factory=list)

    def ids(self) -> list[str]:
        return [ind.id for ind in self.indicators]

    def get(self, indicator_id: str) -> Indicator:
        """The indicator called ``indicator_id``; a KeyError suggests near misses."""
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        close = difflib.get_close_matches(indicator_id, self.ids(), n=3)
        hint = f"; did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""
        raise KeyError(f"no indicator `{indicator_id}` in the catalogue{hint}")

    def __contains__(self, indicator_id: object) -> bool:
        return any(ind.id == indicator_id for ind in self.indicators)

    def by_family(self, family: str) -> list[Indicator]:
        return [ind for ind in self.indicators if ind.family == family]


def catalogue_digest(indicators: Iterable[Indicator]) -> str:
    """A fingerprint of the definitions, so a reader can tell stored results were
    computed from other ones."""
    import hashlib

    h = hashlib.sha256()
    for ind in sorted(indicators, key=lambda i: i.id):
        # breakdowns are computed on demand, never stored: they do not change a figure
        h.update(ind.model_dump_json(exclude={"breakdowns"}).encode())
    return h.hexdigest()[:16]
