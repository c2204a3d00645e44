"""What-if before adoption: two schemes (or one with changed weights) on the same inputs.

:func:`compare_schemes` runs both schemes on one warehouse and period without storing
anything and says what a change would do: whose rank moves and how far, who changes
grade, how similar the two orders are (Kendall's tau, within groups: league tables are
per group), and which indicators drive the differences. :func:`sensitivity` asks, for
each indicator of a scheme, how far ranks move when its weight moves by ±20% (the other
weights of its dimension unchanged, so its share is renormalised within the dimension).
It reuses the run's attainments, so it needs no new read of the warehouse.

:func:`apply_overrides` turns ``weight.ITEM=0.3``, ``threshold.GRADE=80``,
``quota.GRADE=0.1`` (and ``min_low.GRADE``, ``max_high.GRADE``) into a changed scheme,
checked like a scheme file.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kaoping.appraisal.errors import AppraisalError, SchemeError, SchemeProblem
from kaoping.appraisal.grading import competition_ranks
from kaoping.appraisal.results import SubjectResult, rounded
from kaoping.appraisal.scheme import Scheme
from kaoping.catalogue.models import Catalogue
from kaoping.engine.periods import Period

__all__ = [
    "Comparison",
    "ItemDriver",
    "SubjectMove",
    "WeightSensitivity",
    "apply_overrides",
    "compare_results",
    "compare_schemes",
    "kendall_tau",
    "sensitivity",
]

#: how far sensitivity moves each weight, as a share of it
SENSITIVITY_STEP = 0.2

GRADE_FIELDS = {"threshold": "min_total", "quota": "quota", "min_low": "min_low",
                "max_high": "max_high"}


@dataclass(frozen=True)
class SubjectMove:
    subject: str
    name_zh: str
    name_en: str
    group: str
    total_a: float
    total_b: float
    rank_a: int
    rank_b: int
    grade_a: str
    grade_b: str

    @property
    def rank_change(self) -> int:
        """Places gained under B (positive = better)."""
        return self.rank_a - self.rank_b


@dataclass(frozen=True)
class ItemDriver:
    """How much one indicator's points differ between A and B, over all subjects."""

    indicator: str
    name_zh: str
    name_en: str
    max_points_a: float
    max_points_b: float
    #: mean over subjects of |points under B - points under A|
    mean_abs_change: float
    #: mean of (points under B - points under A)
    mean_change: float


@dataclass(frozen=True)
class WeightSensitivity:
    """Ranks when one indicator's weight moves down and up by SENSITIVITY_STEP."""

    dimension: str
    indicator: str
    weight: float
    mean_abs_rank_change_down: float
    mean_abs_rank_change_up: float
    tau_down: float | None
    tau_up: float | None


@dataclass(frozen=True)
class Comparison:
    scheme_a: str
    scheme_b: str
    period: str
    organ: str
    subjects: tuple[SubjectMove, ...]
    #: within-group Kendall tau-b of the totals (pairs-weighted mean over groups)
    tau: float | None
    grade_moves: tuple[tuple[str, str, int], ...]
    drivers: tuple[ItemDriver, ...]
    sensitivity_a: tuple[WeightSensitivity, ...] = ()
    subject_type: str = "organ"

    @property
    def rank_changes(self) -> int:
        return sum(1 for s in self.subjects if s.rank_change != 0)

    @property
    def mean_abs_rank_change(self) -> float:
        if not self.subjects:
            return 0.0
        return math.fsum(abs(s.rank_change) for s in self.subjects) / len(self.subjects)

    @property
    def grade_changes(self) -> int:
        return sum(1 for s in self.subjects if s.grade_a != s.grade_b)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scheme_a": self.scheme_a, "scheme_b": self.scheme_b, "period": self.period,
            "organ": self.organ, "subject_type": self.subject_type, "tau": self.tau,
            "subjects_compared": len(self.subjects),
            "rank_changes": self.rank_changes,
            "mean_abs_rank_change": rounded(self.mean_abs_rank_change),
            "grade_changes": self.grade_changes,
            "grade_moves": [{"from": a, "to": b, "subjects": n} for a, b, n in self.grade_moves],
            "drivers": [asdict(d) for d in self.drivers],
            "sensitivity": [asdict(s) for s in self.sensitivity_a],
            "subjects": [{**asdict(s), "rank_change": s.rank_change} for s in self.subjects],
        }


# --- rank correlation -------------------------------------------------------------------------


def kendall_tau(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Kendall's tau-b of two orderings (scipy.stats.kendalltau); None if one is constant."""
    from scipy.stats import kendalltau

    if len(x) < 2:
        return None
    tau = kendalltau(x, y).statistic
    return None if tau is None or math.isnan(tau) else float(tau)


def _grouped_tau(
    groups: Mapping[str, Sequence[str]], a: Mapping[str, float], b: Mapping[str, float]
) -> float | None:
    """Mean of the groups' tau-b weighted by their pairs: a league table is per group, so
    pairs across groups are not compared."""
    num = den = 0.0
    for members in groups.values():
        tau = kendall_tau([a[s] for s in members], [b[s] for s in members])
        if tau is None:
            continue
        pairs = len(members) * (len(members) - 1) / 2
        num += tau * pairs
        den += pairs
    return num / den if den else None


def _groups(results: Sequence[SubjectResult]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in results:
        out.setdefault(r.group, []).append(r.subject)
    return out


# --- comparing two result sets ------------------------------------------------------------------


def _points(r: SubjectResult) -> dict[str, tuple[float, float]]:
    """indicator -> (points, max points); an indicator in two dimensions adds up."""
    out: dict[str, tuple[float, float]] = {}
    for d in r.dimensions:
        for i in d.indicators:
            p, m = out.get(i.indicator, (0.0, 0.0))
            out[i.indicator] = (p + i.points, m + i.max_points)
    return out


def _drivers(a: Mapping[str, SubjectResult], b: Mapping[str, SubjectResult],
             common: Sequence[str]) -> tuple[ItemDriver, ...]:
    names: dict[str, tuple[str, str]] = {}
    for res in (a, b):
        for r in list(res.values())[:1]:
            for d in r.dimensions:
                for i in d.indicators:
                    names.setdefault(i.indicator, (i.name_zh, i.name_en))
    changes: dict[str, list[float]] = {k: [] for k in names}
    maxima: dict[str, tuple[float, float]] = {}
    for s in common:
        pa, pb = _points(a[s]), _points(b[s])
        for k in names:
            (xa, ma), (xb, mb) = pa.get(k, (0.0, 0.0)), pb.get(k, (0.0, 0.0))
            changes[k].append(xb - xa)
            maxima[k] = (ma, mb)
    out = [
        ItemDriver(k, names[k][0], names[k][1], rounded(maxima[k][0]) or 0.0,
                   rounded(maxima[k][1]) or 0.0,
                   rounded(math.fsum(abs(c) for c in v) / len(v)) or 0.0,
                   rounded(math.fsum(v) / len(v)) or 0.0)
        for k, v in changes.items() if v
    ]
    return tuple(sorted(out, key=lambda d: (-d.mean_abs_change, d.indicator)))


def compare_results(
    a: Sequence[SubjectResult], b: Sequence[SubjectResult], *, scheme_a: str = "A",
    scheme_b: str = "B", period: str = "", organ: str = "",
) -> Comparison:
    """Compare two runs' results over the subjects both appraise (matched by code)."""
    by_a = {r.subject: r for r in a}
    by_b = {r.subject: r for r in b}
    common = sorted(set(by_a) & set(by_b))
    if not common:
        raise AppraisalError("the two schemes appraise no subject in common")
    moves = tuple(sorted(
        (SubjectMove(s, by_a[s].name_zh, by_a[s].name_en, by_a[s].group, by_a[s].total,
                     by_b[s].total, by_a[s].rank, by_b[s].rank, by_a[s].grade, by_b[s].grade)
         for s in common),
        key=lambda m: (-abs(m.rank_change), m.group, m.rank_a, m.subject),
    ))
    groups = _groups([by_a[s] for s in common])
    tau = _grouped_tau(groups, {s: by_a[s].total for s in common},
                       {s: by_b[s].total for s in common})
    pairs = Counter((m.grade_a, m.grade_b) for m in moves if m.grade_a != m.grade_b)
    grade_moves = tuple(sorted(((ga, gb, n) for (ga, gb), n in pairs.items()),
                               key=lambda t: (-t[2], t[0], t[1])))
    return Comparison(scheme_a, scheme_b, period, organ, moves, tau, grade_moves,
                      _drivers(by_a, by_b, common))


# --- sensitivity of each weight -----------------------------------------------------------------


def _totals(
    scheme: Scheme, results: Sequence[SubjectResult], scale: tuple[str, str, float] | None
) -> dict[str, float]:
    """Totals recomputed from the stored attainments, one item's weight scaled."""
    out: dict[str, float] = {}
    for r in results:
        shift = r.bonus - r.deduction + r.correction
        points = []
        for dim, scored in zip(scheme.dimensions, r.dimensions, strict=True):
            weights = [i.weight * (scale[2] if scale and scale[:2] == (dim.id, i.indicator)
                                   else 1.0) for i in dim.indicators]
            total_w = math.fsum(weights)
            points += [dim.weight * w / total_w * line.attainment
                       for w, line in zip(weights, scored.indicators, strict=True)]
        out[r.subject] = max(0.0, math.fsum(points) + shift)
    return out


def _ranks(groups: Mapping[str, Sequence[str]], totals: Mapping[str, float]) -> dict[str, int]:
    out: dict[str, int] = {}
    for members in groups.values():
        out.update(competition_ranks({s: totals[s] for s in members}))
    return out


def sensitivity(
    scheme: Scheme, results: Sequence[SubjectResult], step: float = SENSITIVITY_STEP,
    progress: Callable[[str], None] | None = None,
) -> tuple[WeightSensitivity, ...]:
    """For each indicator, mean |rank change| and within-group tau at weight × (1 ± step)."""
    groups = _groups(results)
    base = _totals(scheme, results, None)
    base_ranks = _ranks(groups, base)
    out = []
    for dim in scheme.dimensions:
        if len(dim.indicators) < 2:
            # one indicator has the whole dimension whatever its weight: nothing moves
            out.append(WeightSensitivity(dim.id, dim.indicators[0].indicator,
                                         dim.indicators[0].weight, 0.0, 0.0, 1.0, 1.0))
            continue
        for item in dim.indicators:
            if progress is not None:
                progress(item.indicator)
            row: list[Any] = []
            for factor in (1 - step, 1 + step):
                totals = _totals(scheme, results, (dim.id, item.indicator, factor))
                ranks = _ranks(groups, totals)
                moved = math.fsum(abs(ranks[s] - base_ranks[s]) for s in base) / len(base)
                row.append((rounded(moved) or 0.0, _grouped_tau(groups, base, totals)))
            (down, tau_down), (up, tau_up) = row
            out.append(WeightSensitivity(dim.id, item.indicator, item.weight, down, up,
                                         tau_down, tau_up))
    return tuple(out)


# --- changed schemes ----------------------------------------------------------------------------


def _problem(message: str) -> SchemeError:
    return SchemeError([SchemeProblem("--set", message)])


def _number(key: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise _problem(f"`{key}={text}`: expected a number after `=`") from None


def apply_overrides(
    scheme: Scheme, sets: Sequence[str], catalogue: Catalogue | None = None
) -> Scheme:
    """``scheme`` with ``KIND.NAME=VALUE`` changes applied, validated like a scheme file.

    ``weight.INDICATOR`` sets the item's weight (in every dimension it is in);
    ``weight.DIMENSION`` sets a dimension's weight and rescales the others so that the
    weights still add up to 100; ``threshold``, ``quota``, ``min_low``, ``max_high`` with
    a grade id set that grade's field (``none`` removes it).
    """
    import yaml

    from kaoping.appraisal.load import scheme_from_text

    data = scheme.model_dump(mode="json")
    for text in sets:
        key, sep, value = text.partition("=")
        kind, dot, name = key.strip().partition(".")
        if not sep or not dot or not name:
            raise _problem(f"`{text}`: expected KIND.NAME=VALUE, e.g. weight.non_arrest_rate=2")
        if kind == "weight":
            _set_weight(data, name, _number(key, value))
        elif kind in GRADE_FIELDS:
            grade = next((g for g in data["grades"] if g["id"] == name), None)
            if grade is None:
                ids = ", ".join(g["id"] for g in data["grades"])
                raise _problem(f"`{text}`: no grade `{name}` (grades: {ids})")
            grade[GRADE_FIELDS[kind]] = (None if value.strip().lower() == "none"
                                         else _number(key, value))
        else:
            raise _problem(f"`{text}`: unknown kind `{kind}` (weight, "
                           f"{', '.join(GRADE_FIELDS)})")
    data["id"] = f"{scheme.id}_changed"
    changed, problems = scheme_from_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "--set", catalogue)
    if changed is None:
        raise SchemeError(problems)
    return changed


def _set_weight(data: dict[str, Any], name: str, weight: float) -> None:
    dims = data["dimensions"]
    dim = next((d for d in dims if d["id"] == name), None)
    if dim is not None:
        others = math.fsum(d["weight"] for d in dims if d is not dim)
        if not 0 < weight < 100 or others <= 0:
            raise _problem(f"weight.{name}: a dimension weight lies between 0 and 100")
        for d in dims:
            d["weight"] = weight if d is dim else d["weight"] * (100 - weight) / others
        return
    items = [i for d in dims for i in d["indicators"] if i["indicator"] == name]
    if not items:
        known = sorted({d["id"] for d in dims} | {i["indicator"] for d in dims
                                                  for i in d["indicators"]})
        import difflib

        close = difflib.get_close_matches(name, known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise _problem(f"weight.{name}: no dimension or indicator `{name}` in the "
                       f"scheme{hint}")
    for i in items:
        i["weight"] = weight


# --- the whole comparison ------------------------------------------------------------------------


def compare_schemes(
    warehouse: Path | str, a: Scheme, b: Scheme, period: str | Period, *,
    organ: str | None = None, catalogue: Catalogue | None = None,
    progress: Callable[[str], None] | None = None,
) -> Comparison:
    """Run ``a`` and ``b`` on the same warehouse and period (nothing stored) and compare."""
    from dataclasses import replace

    from kaoping.appraisal.compute import compute_run

    if a.subjects.kind != b.subjects.kind:
        raise AppraisalError(f"scheme {a.id} appraises {a.subjects.kind}s and {b.id} "
                             f"{b.subjects.kind}s: compare schemes of the same subjects")
    if progress is not None:
        progress(f"scoring {a.id}")
    run_a = compute_run(warehouse, a, period, organ=organ, catalogue=catalogue)
    if progress is not None:
        progress(f"scoring {b.id}")
    run_b = compute_run(warehouse, b, period, organ=organ, catalogue=catalogue)
    out = compare_results(run_a.results, run_b.results, scheme_a=a.id, scheme_b=b.id,
                          period=run_a.period, organ=run_a.organ)

    def step(indicator: str) -> None:
        if progress is not None:
            progress(f"sensitivity of {indicator}")

    return replace(out, sensitivity_a=sensitivity(a, run_a.results, progress=step),
                   subject_type=run_a.subject_type)
