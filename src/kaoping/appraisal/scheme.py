"""Typed appraisal schemes: what a scheme YAML file holds once parsed.

A scheme says who is appraised and how: the subjects (organs of one level, or
prosecutors), the dimensions with their weights, the indicators of each dimension with a
weight and a scoring method, how unreliable values are scored, the bonus and deduction
items with their caps, the grades with thresholds and quotas, and -- for prosecutors --
the case weighting. Shape is checked here by pydantic; what needs the catalogue or the
data model (indicator ids exist, filters parse, weights add up) is checked by
:mod:`kaoping.appraisal.validate`, so each error can name the file, the place and the
field (docs/appraisal.md describes every field).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "WEIGHTED_CASES",
    "Adjustment",
    "AdjustmentKind",
    "Adjustments",
    "CaseType",
    "CaseWeighting",
    "Dimension",
    "Grade",
    "Item",
    "LinearItem",
    "PercentileItem",
    "RangeItem",
    "RatioItem",
    "Scheme",
    "Subjects",
    "Unreliable",
]

#: The built-in indicator a prosecutor scheme may score: the weighted number of cases a
#: prosecutor concluded in the period (see :mod:`kaoping.appraisal.weighting`).
WEIGHTED_CASES = "weighted_cases"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Subjects(Strict):
    """Who is appraised and whom each subject is compared with.

    Organs: ``level`` (1-4) and ``compare`` = ``parent`` (peers under the same parent)
    or ``level`` (every organ of the level in the run). Prosecutors: ``compare`` =
    ``organ`` (the prosecutors of one organ), ``department`` (of one department of one
    organ) or ``all``; ``department`` restricts the run to one department.
    """

    kind: Literal["organ", "prosecutor"]
    level: int | None = Field(default=None, ge=1, le=4)
    compare: Literal["parent", "level", "organ", "department", "all"]
    department: str | None = None


class Unreliable(Strict):
    """How a value on few cases (small denominator) or none is scored.

    ``shrink``: every rate, ratio and days value is replaced by its empirical-Bayes
    estimate -- the subject's own cases combined with its comparison group's pattern
    (:mod:`kaoping.appraisal.shrinkage`) -- and scored with its ``credible`` interval.
    ``neutral``: the mean attainment of the group's reliable values of the same indicator
    (0.5 when there is none) -- neither rewarded nor punished against the peers.
    ``fixed``: ``fraction`` of the indicator's points. Never the raw value.
    """

    policy: Literal["shrink", "neutral", "fixed"] = "neutral"
    fraction: float | None = Field(default=None, gt=0, lt=1)
    #: probability of the credible interval of an estimate (shrink)
    credible: float = Field(default=0.9, gt=0, lt=1)


class ItemBase(Strict):
    """One indicator in a dimension: its relative weight and how it is scored."""

    indicator: str
    weight: float = Field(default=1.0, gt=0)
    #: overrides the catalogue's min_denominator for deciding that a value is reliable
    min_denominator: float | None = Field(default=None, ge=0)
    #: overrides the catalogue's direction (needed for within_range indicators scored by
    #: ratio or percentile)
    direction: Literal["higher_is_better", "lower_is_better"] | None = None


class RangeItem(ItemBase):
    """Full marks inside the reasonable range, a linear deduction outside it.

    ``low`` / ``high`` default to the catalogue's reasonable range for the subject's
    level; ``zero_at_distance`` is how far outside the range (in the value's unit, rates
    as fractions: 0.2 = 20 percentage points) the score reaches zero.
    """

    method: Literal["within_range"]
    low: float | None = None
    high: float | None = None
    zero_at_distance: float = Field(gt=0)


class RatioItem(ItemBase):
    """Value over a target (target over value when lower is better), capped at 1.

    ``target`` is a number, or ``peer_max`` / ``peer_mean`` / ``peer_median`` of the
    group's reliable values.
    """

    method: Literal["ratio_to_target"]
    target: float | Literal["peer_max", "peer_mean", "peer_median"]


class LinearItem(ItemBase):
    """Zero at ``zero_at``, full marks at ``full_at``, linear between, clamped."""

    method: Literal["linear"]
    zero_at: float
    full_at: float


class PercentileItem(ItemBase):
    """The subject's mid-rank percentile among the group's reliable values."""

    method: Literal["percentile"]


Item = Annotated[
    RangeItem | RatioItem | LinearItem | PercentileItem, Field(discriminator="method")
]

METHODS: dict[str, type[ItemBase]] = {
    "within_range": RangeItem,
    "ratio_to_target": RatioItem,
    "linear": LinearItem,
    "percentile": PercentileItem,
}


class Dimension(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str
    name_en: str
    #: points of the dimension; the weights of all dimensions add up to 100
    weight: float = Field(gt=0)
    #: the aspect of DOMAIN.md the dimension stands for (organ schemes)
    aspect: int | None = Field(default=None, ge=1, le=5)
    indicators: list[Item] = Field(min_length=1)


AdjustmentKind = Literal["bonus", "deduction"]


class Adjustment(Strict):
    """A kind of bonus or deduction item appraisers may enter (加分/扣分项)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str
    name_en: str
    #: the most one entered item of this kind may carry
    max_points: float = Field(gt=0)


class AdjustmentGroup(Strict):
    #: the most all items of this direction may add (or take off) in total
    cap: float = Field(ge=0)
    items: list[Adjustment] = Field(default_factory=list)


class Adjustments(Strict):
    bonus: AdjustmentGroup = AdjustmentGroup(cap=0)
    deduction: AdjustmentGroup = AdjustmentGroup(cap=0)


class Grade(Strict):
    """A grade: the subjects whose total reaches ``min_total``, at most ``quota`` of a group.

    The last grade has no ``min_total``: every subject gets a grade. Uncertainty
    (:func:`kaoping.appraisal.grading.assign_grades`): ``min_low`` asks the lower end of
    the total's interval to reach it too; ``max_high`` (last grade only) gives the grade
    only when the interval's upper end stays below it -- else the grade above.
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str
    name_en: str
    min_total: float | None = None
    min_low: float | None = None
    max_high: float | None = None
    #: at most this share of a group (floor of share x group size); ties are never split
    quota: float | None = Field(default=None, gt=0, le=1)


class CaseType(Strict):
    """Cases whose persons match ``when`` (a filter on persons) weigh ``weight``."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str
    name_en: str
    when: str
    weight: float = Field(gt=0)


class CaseWeighting(Strict):
    """Case weight coefficients (案件权重系数) for the ``weighted_cases`` indicator.

    A case counts for a prosecutor in the period when one of its persons he handled was
    concluded in it (``date``) and matches ``filter``. A person's weight is the weight of
    the first case type it matches (``default_type_weight`` if none) times the weight of
    its difficulty; a case weighs as its heaviest person, plus ``per_extra_person`` for
    each further person.
    """

    date: str = "prosecution_review_concluded"
    filter: str | None = "prosecution_decision is not null"
    types: list[CaseType] = Field(default_factory=list)
    default_type_weight: float = Field(default=1.0, gt=0)
    difficulty: dict[str, float] = Field(
        default_factory=lambda: {"simple": 0.6, "ordinary": 1.0, "complex": 1.8}
    )
    #: weight of a person whose difficulty is not recorded
    unknown_difficulty: float = Field(default=1.0, gt=0)
    per_extra_person: float = Field(default=0.0, ge=0)


class Scheme(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str
    name_en: str
    description: str | None = None
    subjects: Subjects
    unreliable: Unreliable = Unreliable()
    dimensions: list[Dimension] = Field(min_length=1)
    adjustments: Adjustments = Adjustments()
    grades: list[Grade] = Field(min_length=1)
    case_weighting: CaseWeighting | None = None
    #: compute expected values from the case mix beside organ rates (fairness checks)
    fairness: bool = True

    def items(self) -> list[tuple[Dimension, ItemBase]]:
        """Every (dimension, indicator item), in scheme order."""
        return [(d, i) for d in self.dimensions for i in d.indicators]

    def indicator_ids(self) -> list[str]:
        """The catalogue indicators the scheme reads (``weighted_cases`` left out)."""
        ids = [i.indicator for _, i in self.items() if i.indicator != WEIGHTED_CASES]
        return list(dict.fromkeys(ids))

    def adjustment(self, category: str) -> tuple[AdjustmentKind, Adjustment] | None:
        """The bonus or deduction kind called ``category``, or None."""
        for kind in ("bonus", "deduction"):
            group: AdjustmentGroup = getattr(self.adjustments, kind)
            for adj in group.items:
                if adj.id == category:
                    return ("bonus" if kind == "bonus" else "deduction"), adj
        return None

    def adjustment_ids(self) -> list[str]:
        return [a.id for a in [*self.adjustments.bonus.items, *self.adjustments.deduction.items]]
