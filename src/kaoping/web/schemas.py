"""Request and response models of the HTTP API: what the OpenAPI schema documents.

``IndicatorValueOut`` is the fixed shape scripts rely on: exactly the keys of
``kaoping show --json`` (:meth:`kaoping.engine.values.IndicatorValue.to_dict`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "PERIOD_PATTERN",
    "BreakdownOut",
    "DefinitionOut",
    "DistributionOut",
    "IndicatorValueOut",
    "LeagueRow",
    "MeOut",
    "OrganDetailOut",
    "OrganOut",
    "PeriodsOut",
    "ProsecutorOut",
    "RecordsOut",
    "TokenIn",
    "TokenOut",
]


_YEAR_OR_PART = r"[1-9]\d{3}(-([Hh][12]|[Qq][1-4]|0?[1-9]|1[0-2]))?"
_MONTH = r"[1-9]\d{3}-(0?[1-9]|1[0-2])"
_FISCAL = r"[Ff][Yy][1-9]\d{3}(-([Hh][12]|[Qq][1-4]))?"
#: the period grammar of :func:`kaoping.engine.periods.parse_period`, for the schema: a
#: year, half, quarter, month, a fiscal year, half or quarter, or a range of months (one
#: that ends before it starts still answers 400)
PERIOD_PATTERN = rf"^({_YEAR_OR_PART}|{_FISCAL}|{_MONTH} ?\.\. ?{_MONTH})$"


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class MeOut(BaseModel):
    username: str
    role: str
    organ_code: str | None = Field(description="the organ whose scope the user has")
    prosecutor_id: str | None
    organs_in_scope: int


class OrganOut(BaseModel):
    organ_code: str
    parent_code: str | None
    level: int
    name_zh: str
    name_en: str


class OrganDetailOut(OrganOut):
    children: list[OrganOut]
    #: the organs above, from the top of the user's scope down (his own organ first)
    path: list[OrganOut]


class ProsecutorOut(BaseModel):
    prosecutor_id: str
    organ_code: str
    department: str | None
    display_name: str | None


class PeriodsOut(BaseModel):
    default: str
    periods: list[str]


class MeasureOut(BaseModel):
    table: str
    agg: str
    expr: str | None
    filter: str | None
    date: str


class DefinitionOut(BaseModel):
    id: str
    name_zh: str
    name_en: str
    definition_zh: str
    definition_en: str
    unit: str
    direction: str
    family: str
    aspect: int
    per_prosecutor: bool
    numerator: MeasureOut
    denominator: MeasureOut | None
    reasonable_range: dict[str, Any] | None
    min_denominator: float
    max_yoy_change: float | None
    #: the columns the dashboard breaks the indicator down by (.../breakdown?by=)
    breakdowns: list[str] = Field(default_factory=list)
    versions: list[dict[str, Any]] = Field(
        default_factory=list,
        description="later definitions, each from its effective_from (docs/catalogue.md, "
        "Versions): version, effective_from, numerator/denominator filters, definition",
    )


class FreshnessOut(BaseModel):
    """Whether the stored figures are as new as the data (see docs/operations.md)."""

    stale: bool = Field(description="the data changed after the last computation")
    data_version: int = Field(description="imports that changed the data so far")
    computed_version: int | None = Field(
        description="the data version the stored figures were computed from"
    )
    data_changed_at: str | None
    computed_at: str | None


class IndicatorValueOut(BaseModel):
    """One figure: the keys of ``kaoping show --json``."""

    indicator: str
    organ: str
    period: str
    value: float | None
    numerator: float | None
    denominator: float | None
    previous: float | None
    change: float | None
    name_zh: str
    name_en: str
    unit: str
    subject_type: str
    subject_name_zh: str
    subject_name_en: str
    period_zh: str
    period_en: str
    previous_numerator: float | None
    previous_denominator: float | None
    change_unit: str
    ci_low: float | None
    ci_high: float | None
    rank: int | None
    peers: int | None
    rank_in_level: int | None
    peers_in_level: int | None
    percentile: float | None
    flags: list[str]
    source: str
    freshness: FreshnessOut | None = None
    previous_note: str | None = Field(
        default=None,
        description="why previous/change are missing: previous_year_not_computed, "
        "no_previous_records, previous_zero (docs/engine.md)",
    )
    previous_reason_zh: str | None = None
    previous_reason_en: str | None = None
    data_note: str | None = Field(
        default=None, description="no_data: a period the records do not cover"
    )
    data_reason_zh: str | None = None
    data_reason_en: str | None = None
    definition_version: str = Field(
        default="v1",
        description="the definition versions that made the figure: v1, or e.g. "
        "'v1 + v2 (2020-04)' for a period straddling a change (docs/catalogue.md)",
    )
    definition_versions: list[int] = Field(default_factory=lambda: [1])
    definition_note: str | None = Field(
        default=None,
        description="definition_changed: the same period a year earlier was computed "
        "with another definition version",
    )
    definition_reason_zh: str | None = None
    definition_reason_en: str | None = None


class ProsecutorValueOut(IndicatorValueOut):
    """A prosecutor's figure: ``kaoping show --prosecutor ID --json``."""

    prosecutor: str


class StatusOut(BaseModel):
    status: str = Field(description="red, amber, green or none (see docs/web.md)")
    arrow: str
    judgement: str


class OrganIndicatorOut(BaseModel):
    value: IndicatorValueOut
    status: StatusOut


class HistoryPoint(BaseModel):
    period: str
    value: float | None
    numerator: float | None
    denominator: float | None
    previous: float | None
    change: float | None
    change_unit: str | None
    flags: list[str]


class HistoryOut(BaseModel):
    indicator: str
    subject_type: str
    subject: str
    kind: str
    points: list[HistoryPoint]


class LeagueRow(BaseModel):
    subject: str
    organ_code: str
    level: int | None = None
    name_zh: str | None = None
    name_en: str | None = None
    value: float | None
    numerator: float | None
    denominator: float | None
    previous: float | None
    change: float | None
    change_unit: str | None = None
    rank_in_parent: int | None = None
    peers_in_parent: int | None = None
    rank_in_level: int | None = None
    peers_in_level: int | None = None
    percentile: float | None = None
    flags: list[str]
    status: str
    grade: str | None = Field(
        default=None, description="appraisal grade of the organ in the latest run, if any"
    )


class RankingOut(BaseModel):
    indicator: str
    period: str
    parent: str
    rows: list[LeagueRow]


class DistributionOut(BaseModel):
    """Peer organs of the same level, anonymised: bin counts and quartiles, no names."""

    indicator: str
    period: str
    level: int
    organ_code: str
    organ_value: float | None
    peers: int
    edges: list[float]
    counts: list[int]
    quartiles: list[float | None]
    organ_bin: int | None


class WarningOut(BaseModel):
    indicator: str
    name_zh: str
    name_en: str
    organ_code: str
    organ_name_zh: str | None
    organ_name_en: str | None
    level: int | None
    period: str
    value: float | None
    change: float | None
    change_unit: str | None
    flags: list[str]


class RecordsOut(BaseModel):
    indicator: str
    period: str
    side: str
    description_zh: str
    description_en: str
    date_bounds: list[str]
    arithmetic: str
    total: int
    offset: int
    limit: int
    columns: list[str]
    records: list[dict[str, Any]]


class BreakdownCategoryOut(BaseModel):
    """One category of a breakdown (``code`` null: unknown or other)."""

    code: str | None
    label_zh: str
    label_en: str
    numerator: float | None
    denominator: float | None
    value: float | None
    share: float | None


class BreakdownSideOut(BaseModel):
    role: str
    total: float
    summed: float
    records_total: float
    records_summed: float


class BreakdownCheckOut(BaseModel):
    """Whether the categories add up to the total; the problems say how they do not."""

    ok: bool
    sides: list[BreakdownSideOut]
    problems_zh: list[str]
    problems_en: list[str]


class BreakdownOut(BaseModel):
    """An organ's figure split by a categorical column: the keys of ``kaoping show --by
    COLUMN --json``."""

    indicator: str
    name_zh: str
    name_en: str
    unit: str
    organ_code: str
    organ_name_zh: str
    organ_name_en: str
    period: str
    by: str
    by_label_zh: str
    by_label_en: str
    offered: list[str]
    categories: list[BreakdownCategoryOut]
    total: BreakdownCategoryOut
    check: BreakdownCheckOut


class BriefingOut(BaseModel):
    organ: str
    period: str
    lang: str
    markdown: str


class DrilldownLogOut(BaseModel):
    at: str
    username: str
    role: str
    subject_type: str
    subject: str
    organ_code: str
    indicator: str
    period: str
    side: str
    offset: int
    limit: int
    channel: str


class ErrorOut(BaseModel):
    detail: str | list[dict[str, Any]]


class AuthLogOut(BaseModel):
    """One event of the login audit trail (never a password)."""

    at: str
    event: str = Field(description="login_ok, login_failed, login_locked, logout, "
                       "password_changed, tokens_revoked, disabled, enabled or removed")
    username: str
    address: str
    channel: str = Field(description="api, page or cli")
    detail: str
