"""Typed indicator definitions: what a catalogue YAML file holds once parsed.

These models are the contract between the catalogue (loading, validation) and the engine
(compilation to Ibis). Cross-checks against the data model -- columns exist, enumeration
values are valid, filters parse -- are done by ``kaoping.catalogue.validate`` after parsing,
so that each error can name the file, the indicator and the field.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


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
    min_denominator: float = 0
    #: year-on-year change beyond which the value is flagged (points for rates, % for counts)
    max_yoy_change: float | None = None
    family: str
    aspect: int = Field(ge=1, le=5)  # the five aspects of DOMAIN.md
    #: whether the indicator is computed per prosecutor as well as per organ
    per_prosecutor: bool = True
    #: sentence templates for briefings; engine supplies {value}, {numerator}, ...
    sentence_zh: str | None = None
    sentence_en: str | None = None


class Catalogue(Strict):
    indicators: list[Indicator]
