"""What a run produces: per subject a total that decomposes into dimensions and indicators.

These are plain frozen dataclasses with a canonical JSON form. The JSON is what a run
stores and hashes (``results_hash``): keys sorted, floats rounded to :data:`DECIMALS`, so
the same inputs give byte-identical results on any machine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any

__all__ = [
    "DECIMALS",
    "AdjustmentLine",
    "DimensionScore",
    "IndicatorScore",
    "SubjectResult",
    "canonical_json",
    "rounded",
]

#: decimals every stored score keeps (a league table prints two)
DECIMALS = 4


def rounded(x: float | None, decimals: int = DECIMALS) -> float | None:
    """``x`` rounded for storage; -0.0 becomes 0.0 so that equal results print alike."""
    if x is None:
        return None
    r = round(x, decimals)
    return 0.0 if r == 0 else r


@dataclass(frozen=True)
class IndicatorScore:
    """One indicator of one subject: the value, how it was scored, the points it earned."""

    indicator: str
    name_zh: str
    name_en: str
    unit: str
    method: str
    value: float | None
    numerator: float | None
    denominator: float | None
    ci_low: float | None
    ci_high: float | None
    #: False when the value was too thin (or missing) to score at face value
    reliable: bool
    #: why a value was not scored at face value, e.g. "denominator 4 < 30"
    note: str | None
    #: share of the indicator's points earned, 0..1
    attainment: float
    #: the points the indicator can earn in the dimension
    max_points: float
    points: float
    #: the formula with the numbers filled in, e.g. "within [0.1, 0.75]: full marks"
    formula: str
    #: the attainment range over the scored value's interval: the estimate's credible
    #: interval, else the value's 95% interval (None without an interval)
    points_low: float | None = None
    points_high: float | None = None
    #: fairness: expected value from the case mix and observed/expected (organ rates)
    expected: float | None = None
    o_e: float | None = None
    #: the empirical-Bayes estimate that was scored (shrink policy), its credible
    #: interval, the weight of the subject's own cases and the estimator with its prior
    estimate: float | None = None
    estimate_low: float | None = None
    estimate_high: float | None = None
    own_weight: float | None = None
    estimator: str | None = None


@dataclass(frozen=True)
class DimensionScore:
    id: str
    name_zh: str
    name_en: str
    weight: float
    score: float
    indicators: tuple[IndicatorScore, ...]


@dataclass(frozen=True)
class AdjustmentLine:
    """A bonus, deduction or correction item as it counted in the total."""

    item_id: int
    category: str
    kind: str
    points: float
    #: the points that counted after the item's maximum (caps are applied to the sum)
    counted: float
    reason: str


@dataclass(frozen=True)
class SubjectResult:
    subject: str
    subject_type: str
    name_zh: str
    name_en: str
    organ_code: str
    group: str
    dimensions: tuple[DimensionScore, ...]
    base: float
    bonus: float
    deduction: float
    correction: float
    adjustments: tuple[AdjustmentLine, ...]
    total: float
    total_low: float
    total_high: float
    rank: int
    peers: int
    grade: str
    grade_note: str | None = None
    #: neighbours in the league table whose intervals overlap this subject's
    indistinct_from: tuple[str, ...] = field(default=())
    #: the interval of ``base`` (before items), from which ``total_low``/``total_high``
    #: follow: kept so that a re-run with other items starts from the indicators' part
    #: (:func:`kaoping.appraisal.score.rescore`); None in runs made before it was kept.
    #: Not rounded: the totals' bounds are rounded from these very values, and a float's
    #: JSON text gives back the same float, on any machine
    base_low: float | None = None
    base_high: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (dataclasses.asdict deep-copies every float: too slow for
        tens of thousands of results)."""
        out = _shallow(self)
        out["dimensions"] = [
            {**_shallow(d), "indicators": [_shallow(i) for i in d.indicators]}
            for d in self.dimensions
        ]
        out["adjustments"] = [_shallow(a) for a in self.adjustments]
        out["indistinct_from"] = list(self.indistinct_from)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubjectResult:
        dims = tuple(
            DimensionScore(
                **{**d, "indicators": tuple(IndicatorScore(**i) for i in d["indicators"])}
            )
            for d in data["dimensions"]
        )
        adjustments = tuple(AdjustmentLine(**a) for a in data["adjustments"])
        return cls(**{**data, "dimensions": dims, "adjustments": adjustments,
                      "indistinct_from": tuple(data.get("indistinct_from", ()))})

    def dimension(self, dim_id: str) -> DimensionScore:
        for d in self.dimensions:
            if d.id == dim_id:
                return d
        raise KeyError(f"no dimension `{dim_id}` in this result")

    def indicator(self, indicator_id: str) -> IndicatorScore:
        for d in self.dimensions:
            for i in d.indicators:
                if i.indicator == indicator_id:
                    return i
        raise KeyError(f"no indicator `{indicator_id}` in this result")


#: dataclass -> its field names: ``fields()`` rebuilds the tuple on every call, and a
#: national run shallow-copies some 200,000 objects
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _shallow(obj: Any) -> dict[str, Any]:
    names = _FIELD_NAMES.get(type(obj))
    if names is None:
        names = _FIELD_NAMES[type(obj)] = tuple(f.name for f in fields(obj))
    return {n: getattr(obj, n) for n in names}


def canonical_json(data: Any) -> str:
    """JSON with sorted keys and no whitespace variation: the bytes a hash is taken of."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False)
