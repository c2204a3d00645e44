"""What a reader gets back: one indicator's figure for one subject and period.

:class:`Subject` says who a figure is about (an organ with every organ below it, or one
prosecutor); :class:`IndicatorValue` carries the figure with everything ``kaoping show``
prints, converts to the JSON the CLI emits, and renders the briefing sentence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from kaoping.catalogue.models import Indicator

__all__ = ["IndicatorValue", "NotPerProsecutorError", "Subject"]

SubjectType = Literal["organ", "prosecutor"]


class NotPerProsecutorError(ValueError):
    """Indicators asked for a prosecutor that have no figures per prosecutor: their
    records name no prosecutor (letters, leads, property returns), or the catalogue says
    ``per_prosecutor: false`` (cases per prosecutor is an organ's figure). A ValueError,
    so the CLI prints it in one line and the web answers 400."""

    def __init__(self, prosecutor: str, reasons: dict[str, str]) -> None:
        self.prosecutor = prosecutor
        #: indicator id -> why it is not computed per prosecutor
        self.reasons = dict(reasons)
        parts = "; ".join(f"`{i}` is not computed per prosecutor ({why})"
                          for i, why in reasons.items())
        super().__init__(f"{parts}: ask for an organ instead of prosecutor {prosecutor}")


@dataclass(frozen=True)
class Subject:
    """An organ (covering itself and every organ below it) or a prosecutor."""

    kind: SubjectType
    #: organ_code or prosecutor_id
    code: str
    #: the organ; for a prosecutor, the prosecutor's organ
    organ_code: str
    level: int
    parent_code: str | None
    name_zh: str
    name_en: str
    #: the organs whose records count: the organ and all below it (a prosecutor: his organ)
    organs: tuple[str, ...] = field(repr=False)


def _clean(x: Any) -> float | None:
    """None for SQL NULL / NaN, else a float."""
    if x is None:
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _json_number(x: float | None) -> float | int | None:
    if x is None:
        return None
    return int(x) if float(x).is_integer() else x


def _int(x: Any) -> int | None:
    f = _clean(x)
    return None if f is None else int(f)


@dataclass(frozen=True)
class IndicatorValue:
    """One indicator for one subject and period, as stored (or computed on the fly).

    Rates are fractions (``value == 0.171`` prints as 17.1%); ``change`` is in
    ``change_unit`` (percentage points for rates, percent for counts and amounts, the
    plain difference for ratios and days).
    """

    indicator: str
    name_zh: str
    name_en: str
    unit: str
    subject_type: SubjectType
    subject: str
    organ: str
    subject_name_zh: str
    subject_name_en: str
    period: str
    period_zh: str
    period_en: str
    value: float | None
    numerator: float | None
    denominator: float | None
    previous: float | None
    previous_numerator: float | None
    previous_denominator: float | None
    change: float | None
    change_unit: str
    ci_low: float | None
    ci_high: float | None
    rank: int | None
    peers: int | None
    rank_in_level: int | None
    peers_in_level: int | None
    percentile: float | None
    flags: tuple[str, ...]
    #: "stored" (read from indicator_values) or "on_the_fly" (no ranks)
    source: str
    definition: Indicator = field(repr=False, compare=False)
    #: why ``previous`` (or ``change``) is missing: one of :data:`PREVIOUS_NOTES`, or None
    previous_note: str | None = None
    #: "no_data" when the period lies outside the years the records cover (then value,
    #: numerator and denominator are None rather than a zero nobody recorded)
    data_note: str | None = None
    #: the same period a year earlier, as words ("2018年" / "2018"), for the notes
    previous_period_zh: str = field(default="", repr=False)
    previous_period_en: str = field(default="", repr=False)
    #: the definition versions that made the figure (1: the catalogue's own fields, 2..:
    #: its ``versions``); several when the period straddles a change
    definition_versions: tuple[int, ...] = (1,)
    #: the same for the same period a year earlier
    previous_definition_versions: tuple[int, ...] = (1,)
    #: "definition_changed" when the two were made by different versions
    definition_note: str | None = None

    @property
    def definition_version(self) -> str:
        """The versions that made the figure in words: ``v1``, ``v1 + v2 (2020-04)``."""
        return _versions_text(self.definition, self.definition_versions)

    def definition_reason(self, lang: Literal["zh", "en"] = "en") -> str | None:
        """That the year-on-year comparison crosses a change of definition, in words."""
        if self.definition_note is None:
            return None
        zh, en = DEFINITION_NOTES[self.definition_note]
        return (zh if lang == "zh" else en).format(
            now=self.definition_version,
            before=_versions_text(self.definition, self.previous_definition_versions),
        )

    def previous_reason(self, lang: Literal["zh", "en"] = "en") -> str | None:
        """Why there is no year-on-year comparison, in words; None when there is one."""
        if self.previous_note is None:
            return None
        zh, en = PREVIOUS_NOTES[self.previous_note]
        return (zh if lang == "zh" else en).format(
            previous=self.previous_period_zh if lang == "zh" else self.previous_period_en
        )

    def data_reason(self, lang: Literal["zh", "en"] = "en") -> str | None:
        """Why there is no figure at all (a period the records do not cover), in words."""
        if self.data_note is None:
            return None
        zh, en = DATA_NOTES[self.data_note]
        return (zh if lang == "zh" else en).format(
            period=self.period_zh if lang == "zh" else self.period_en
        )

    @property
    def sentence_zh(self) -> str | None:
        return self.definition.sentence_zh

    @property
    def sentence_en(self) -> str | None:
        return self.definition.sentence_en

    def sentence(self, lang: Literal["zh", "en"] = "zh") -> str:
        """The sentence a briefing would print, e.g. "对3709名未成年人附条件不起诉，…";
        for a period without data, that there is none (never "0 persons" as a fact)."""
        from kaoping.narrative.sentences import render_sentence

        reason = self.data_reason(lang)
        if reason is not None:
            return reason
        return render_sentence(self, lang)

    def to_dict(self) -> dict[str, Any]:
        """The JSON ``kaoping show --json`` prints."""
        out: dict[str, Any] = {
            "indicator": self.indicator,
            "organ": self.organ,
            "period": self.period,
            "value": self.value,
            "numerator": _json_number(self.numerator),
            "denominator": _json_number(self.denominator),
            "previous": self.previous,
            "change": self.change,
        }
        if self.subject_type == "prosecutor":
            out["prosecutor"] = self.subject
        out.update(
            name_zh=self.name_zh,
            name_en=self.name_en,
            unit=self.unit,
            subject_type=self.subject_type,
            subject_name_zh=self.subject_name_zh,
            subject_name_en=self.subject_name_en,
            period_zh=self.period_zh,
            period_en=self.period_en,
            previous_numerator=_json_number(self.previous_numerator),
            previous_denominator=_json_number(self.previous_denominator),
            change_unit=self.change_unit,
            ci_low=self.ci_low,
            ci_high=self.ci_high,
            rank=self.rank,
            peers=self.peers,
            rank_in_level=self.rank_in_level,
            peers_in_level=self.peers_in_level,
            percentile=self.percentile,
            flags=list(self.flags),
            source=self.source,
            previous_note=self.previous_note,
            previous_reason_zh=self.previous_reason("zh"),
            previous_reason_en=self.previous_reason("en"),
            data_note=self.data_note,
            data_reason_zh=self.data_reason("zh"),
            data_reason_en=self.data_reason("en"),
            definition_version=self.definition_version,
            definition_versions=list(self.definition_versions),
            definition_note=self.definition_note,
            definition_reason_zh=self.definition_reason("zh"),
            definition_reason_en=self.definition_reason("en"),
        )
        return out

    def without_data(self) -> IndicatorValue:
        """This figure for a period the records do not cover: no value, no comparison."""
        from dataclasses import replace

        return replace(
            self, value=None, numerator=None, denominator=None, previous=None,
            previous_numerator=None, previous_denominator=None, change=None, ci_low=None,
            ci_high=None, rank=None, peers=None, rank_in_level=None, peers_in_level=None,
            percentile=None, flags=(), previous_note=None, data_note="no_data",
        )

    @classmethod
    def from_row(
        cls,
        row: dict[str, Any],
        indicator: Indicator,
        subject: Subject,
        *,
        period_zh: str,
        period_en: str,
        source: str,
    ) -> IndicatorValue:
        """Build from a row of ``indicator_values`` (or the same columns computed ad hoc).

        ``previous_note`` says why a comparison is missing, from the row alone (see
        :func:`previous_note`)."""
        from kaoping.engine.periods import parse_period

        flags = row.get("flags")
        period = parse_period(str(row["period"]))
        before = period.previous()
        now_v = indicator.versions_between(period.start_date, period.end_date)
        before_v = indicator.versions_between(before.start_date, before.end_date)
        return cls(
            indicator=indicator.id,
            name_zh=indicator.name_zh,
            name_en=indicator.name_en,
            unit=str(indicator.unit),
            subject_type=subject.kind,
            subject=subject.code,
            organ=subject.organ_code,
            subject_name_zh=subject.name_zh,
            subject_name_en=subject.name_en,
            period=str(row["period"]),
            period_zh=period_zh,
            period_en=period_en,
            value=_clean(row.get("value")),
            numerator=_clean(row.get("numerator")),
            denominator=_clean(row.get("denominator")),
            previous=_clean(row.get("previous")),
            previous_numerator=_clean(row.get("previous_numerator")),
            previous_denominator=_clean(row.get("previous_denominator")),
            change=_clean(row.get("change")),
            change_unit=str(row.get("change_unit")),
            ci_low=_clean(row.get("ci_low")),
            ci_high=_clean(row.get("ci_high")),
            rank=_int(row.get("rank_in_parent")),
            peers=_int(row.get("peers_in_parent")),
            rank_in_level=_int(row.get("rank_in_level")),
            peers_in_level=_int(row.get("peers_in_level")),
            percentile=_clean(row.get("percentile")),
            flags=tuple(f for f in str(flags).split(",") if f) if isinstance(flags, str) else (),
            source=source,
            definition=indicator,
            previous_note=previous_note(row, indicator),
            previous_period_zh=before.label_zh,
            previous_period_en=before.label_en,
            definition_versions=now_v,
            previous_definition_versions=before_v,
            definition_note="definition_changed" if now_v != before_v else None,
        )


#: why a figure has no year-on-year comparison: code -> (zh, en) with ``{previous}``
PREVIOUS_NOTES: dict[str, tuple[str, str]] = {
    "previous_year_not_computed": (
        "不作同比：上年同期（{previous}）所在年度记录过少，系相邻年度案件的溢出，未作统计",
        "not compared: the same period a year earlier ({previous}) lies in a year with too "
        "few records to be computed (a spill-over of its neighbours' cases)",
    ),
    "no_previous_records": (
        "不作同比：上年同期（{previous}）无记录",
        "not compared: no records in the same period a year earlier ({previous})",
    ),
    "previous_zero": (
        "上年同期（{previous}）为0，无法计算增减百分比",
        "no percent change: the same period a year earlier ({previous}) was 0",
    ),
}

#: what a figure says about the definitions behind it: code -> (zh, en) with ``{now}``
#: and ``{before}`` (the versions of this period and of the same period a year earlier)
DEFINITION_NOTES: dict[str, tuple[str, str]] = {
    "definition_changed": (
        "口径变化：本期按{now}计算，上年同期按{before}计算，同比不完全可比",
        "definition changed between the periods: this period by {now}, the same period "
        "a year earlier by {before}; the comparison is not like for like",
    ),
}


def _versions_text(indicator: Indicator, numbers: tuple[int, ...]) -> str:
    return " + ".join(indicator.version_label(n) for n in numbers)


#: why a figure is missing altogether: code -> (zh, en) with ``{period}``
DATA_NOTES: dict[str, tuple[str, str]] = {
    "no_data": (
        "{period}无数据：记录未覆盖该期间。",
        "No data for {period}: the records do not cover it.",
    ),
}


def _nonzero(x: Any) -> bool:
    f = _clean(x)
    return f is not None and f != 0


def previous_note(row: dict[str, Any], indicator: Indicator) -> str | None:
    """Why ``row`` (a row of ``indicator_values``) has no previous value or no change.

    The previous value is left out when the year before has no comparable data
    (``has_previous`` false: a spill-over year, or no records for the measures), and a
    ratio's is missing when its denominator a year earlier is 0. The stored row keeps the
    previous numerator and denominator all the same, so a reader who sees them filled
    beside an empty ``previous`` is told why: figures recorded a year earlier mean the
    year was not comparable; none, that nothing was recorded. A percent change from 0 is
    missing too, and said so.
    """
    from kaoping.engine.stats import is_ratio

    if _clean(row.get("previous")) is not None:
        if _clean(row.get("change")) is None and _clean(row.get("value")) is not None:
            return "previous_zero"
        return None
    pnum, pden = row.get("previous_numerator"), row.get("previous_denominator")
    if is_ratio(indicator) and not _nonzero(pden):
        return "no_previous_records"  # nothing to divide by a year earlier
    if _nonzero(pnum) or _nonzero(pden):
        return "previous_year_not_computed"  # recorded, yet not compared: has_previous
    return "no_previous_records"
