"""Typed indicator definitions: what a catalogue YAML file holds once parsed.

These models are the contract between the catalogue (loading, validation) and the engine
(compilation to Ibis). Cross-checks against the data model -- columns exist, enumeration
values are valid, filters parse -- are done by ``kaoping.catalogue.validate`` after parsing,
so that each error can name the file, the indicator and the field.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

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
    #: the middle value of ``expr`` (the mean of the two middle ones for an even number),
    #: exact at every level: the cubes keep how many records have each value
    MEDIAN = "median"


class Strict(BaseModel):
    # the validators are built when first used: a catalogue read back compiled
    # (kaoping.compiled) validates nothing, and building them cost 10 ms of every start
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def _empty(value: Any) -> bool:
    """Fields added for versions are left out of dumps when unused, so the fingerprints
    of indicators without versions (and the results they validate) stay as they were."""
    return not value


def _month_or_date(value: Any) -> Any:
    """``2020-04`` (a month: from its first day) or a date (``2020-04-15``)."""
    if isinstance(value, int | float):  # pydantic would read 2020 as seconds since 1970
        raise ValueError("write a month (2020-04) or a date (2020-04-15), not a number")
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}", value.strip()):
        year, month = (int(x) for x in value.strip().split("-"))
        if not 1 <= month <= 12:
            raise ValueError(f"month {month} does not exist")
        return dt.date(year, month, 1)
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise ValueError("write a month (2020-04) or a date (2020-04-15)")
    return value


#: a month (``2020-04``, from its first day) or a day (``2020-04-15``)
MonthOrDate = Annotated[dt.date, BeforeValidator(_month_or_date)]


class FilterChange(Strict):
    """A measure's filter from a day on, as the engine applies it: filled in from the
    indicator's ``versions`` so that every path that counts records (cubes, distinct
    counts, explain, ad hoc periods, Spark) applies the version in force by the measure
    alone."""

    effective_from: dt.date
    filter: str | None


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
    #: the later filters in date order (``filter`` holds before the first): derived from
    #: the indicator's ``versions``, never written by hand
    changes: tuple[FilterChange, ...] = Field(default=(), exclude_if=_empty)

    def filter_on(self, day: dt.date) -> str | None:
        """The filter in force for a record dated ``day``."""
        text = self.filter
        for change in self.changes:
            if change.effective_from <= day:
                text = change.filter
        return text


class Range(Strict):
    """A reasonable range (合理区间); either bound may be open."""

    low: float | None = None
    high: float | None = None


class ReasonableRange(Strict):
    default: Range | None = None
    #: level (1-4) -> range, overriding the default for organs of that level
    by_level: dict[int, Range] = Field(default_factory=dict)


class Revision(Strict):
    """A measure's new filter in a version (``filter: null`` removes the filter)."""

    filter: str | None


class DefinitionVersion(Strict):
    """A change of an indicator's definition from a month or a day on, under the same id.

    What may change is what selects the records -- the numerator's and the
    denominator's filter -- and the words; table, date column, unit and direction stay,
    so figures before and after remain one series (with a note where a comparison
    crosses the change: docs/catalogue.md, *Versions*).
    """

    effective_from: MonthOrDate
    numerator: Revision | None = None
    denominator: Revision | None = None
    definition_zh: str | None = None
    definition_en: str | None = None

    @property
    def label(self) -> str:
        """``2020-04`` for a version from a month's first day, else the ISO date."""
        d = self.effective_from
        return f"{d.year:04d}-{d.month:02d}" if d.day == 1 else d.isoformat()


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
    #: later definitions, each from its ``effective_from``; the fields above are
    #: version 1, in force before the first of them
    versions: list[DefinitionVersion] = Field(default_factory=list, exclude_if=_empty)

    @model_validator(mode="after")
    def _versioned_measures(self) -> Indicator:
        """Hand each measure the filters its versions give it (:attr:`Measure.changes`).

        The model is frozen; setting the derived field once, while it is built, keeps
        one source of truth (``versions``) without a second, hand-written one."""
        for role in ("numerator", "denominator"):
            m: Measure | None = getattr(self, role)
            if m is None:
                continue
            changes = tuple(
                FilterChange(effective_from=v.effective_from, filter=rev.filter)
                for v in sorted(self.versions, key=lambda v: v.effective_from)
                for rev in [getattr(v, role)]
                if rev is not None
            )
            if m.changes and m.changes != changes:
                raise ValueError(
                    f"`{role}.changes` is derived from `versions`; write a new filter as "
                    f"a version (`versions: - effective_from: ..., {role}: {{filter: ...}}`)"
                )
            if changes != m.changes:
                object.__setattr__(self, role, m.model_copy(update={"changes": changes}))
        return self

    @property
    def is_median(self) -> bool:
        """Whether the value is the median of the numerator's ``expr`` (stored as the
        median over its number of records; the value is the median, not a quotient)."""
        return self.numerator.agg is Aggregation.MEDIAN

    def version_on(self, day: dt.date) -> int:
        """The number of the version in force on ``day``: 1 before any change."""
        return 1 + sum(1 for v in self.versions if v.effective_from <= day)

    def versions_between(self, start: dt.date, end: dt.date) -> tuple[int, ...]:
        """The versions in force on some day of ``start`` (inclusive) .. ``end``
        (exclusive): one for most periods, several for one that straddles a change."""
        first = self.version_on(start)
        later = [self.version_on(v.effective_from) for v in self.versions
                 if start < v.effective_from < end]
        return tuple(sorted({first, *later}))

    def definition_of(self, number: int, lang: str = "en") -> str:
        """Version ``number``'s definition in words: its own, else the one before's."""
        text = self.definition_zh if lang == "zh" else self.definition_en
        ordered = sorted(self.versions, key=lambda v: v.effective_from)
        for v in ordered[: max(number - 1, 0)]:
            own = v.definition_zh if lang == "zh" else v.definition_en
            text = own or text
        return text

    def version_label(self, number: int) -> str:
        """``v1`` (the definition before any change), ``v2 (2020-04)``..."""
        if number <= 1 or not self.versions:
            return "v1"
        ordered = sorted(self.versions, key=lambda v: v.effective_from)
        return f"v{number} ({ordered[number - 2].label})"


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
