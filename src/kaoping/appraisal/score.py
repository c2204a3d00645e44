"""Score every subject of a run: indicators -> dimensions -> total -> rank and grade.

This module is pure: it takes the figures a run read (:class:`ScoringInputs`) and returns
:class:`~kaoping.appraisal.results.SubjectResult` objects, touching no database. That is
what makes a run reproducible (same inputs, same bits: subjects are processed in sorted
order and sums use :func:`math.fsum`) and what lets the tests check every number by hand.

An indicator's points are ``dimension weight x item weight / sum of item weights in the
dimension x attainment``; a dimension's score is the sum of its indicators' points; the
total is the sum of the dimensions plus capped bonuses, minus capped deductions, plus
reviewers' corrections, never below 0.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from kaoping.appraisal.fairness import Expected, indistinct_neighbours
from kaoping.appraisal.grading import assign_grades, competition_ranks
from kaoping.appraisal.inputs import StoredValue
from kaoping.appraisal.results import (
    AdjustmentLine,
    DimensionScore,
    IndicatorScore,
    SubjectResult,
    rounded,
)
from kaoping.appraisal.scheme import (
    WEIGHTED_CASES,
    Dimension,
    ItemBase,
    LinearItem,
    PercentileItem,
    RangeItem,
    RatioItem,
    Scheme,
)
from kaoping.appraisal.scoring import (
    linear,
    order_key,
    percentile_from_counts,
    ratio_to_target,
    within_range,
)
from kaoping.appraisal.shrinkage import (
    Estimate,
    Family,
    Prior,
    fit_prior,
    posterior,
    prior_for,
)
from kaoping.appraisal.validate import CORRECTION, item_range
from kaoping.appraisal.weighting import Workload
from kaoping.catalogue.models import Indicator

__all__ = ["ItemInput", "ScoringInputs", "SubjectInfo", "score_subjects"]

WEIGHTED_NAMES = ("加权办案数", "Weighted cases")


@dataclass(frozen=True)
class SubjectInfo:
    """A subject of the run and the group it is compared within."""

    code: str
    kind: str
    name_zh: str
    name_en: str
    organ_code: str
    level: int
    group: str


@dataclass(frozen=True)
class ItemInput:
    """A manual bonus / deduction / correction item as a run counts it."""

    item_id: int
    subject: str
    category: str
    points: float
    reason: str


@dataclass(frozen=True)
class ScoringInputs:
    scheme: Scheme
    definitions: Mapping[str, Indicator]
    subjects: Sequence[SubjectInfo]
    values: Mapping[tuple[str, str], StoredValue]
    workloads: Mapping[str, Workload]
    items: Sequence[ItemInput]
    expected: Mapping[tuple[str, str], Expected]


@dataclass(frozen=True)
class _Figure:
    """The value an item scores for one subject, and whether it may be taken at face value."""

    value: float | None
    numerator: float | None
    denominator: float | None
    ci_low: float | None
    ci_high: float | None
    reliable: bool
    note: str | None
    #: the empirical-Bayes estimate (shrink policy) and the prior it came from
    estimate: Estimate | None = None
    prior: Prior | None = None

    @property
    def scored(self) -> float | None:
        """The value the scoring methods see: the estimate, else a reliable raw value."""
        if self.estimate is not None:
            return self.estimate.mean
        return self.value if self.reliable else None

    @property
    def bounds(self) -> tuple[float, float] | None:
        """The interval of the scored value: credible (estimate) or the stored 95% one."""
        if self.estimate is not None:
            return self.estimate.low, self.estimate.high
        if self.ci_low is not None and self.ci_high is not None:
            return self.ci_low, self.ci_high
        return None


def _g(x: float | None) -> str:
    return "—" if x is None else f"{x:.4g}"


# --- reading the figure ----------------------------------------------------------------


def _figure(inputs: ScoringInputs, item: ItemBase, subject: SubjectInfo) -> _Figure:
    if item.indicator == WEIGHTED_CASES:
        w = inputs.workloads.get(subject.code)
        weighted = w.weighted if w is not None else 0.0
        return _Figure(weighted, weighted, None, None, None, True, None)
    ind = inputs.definitions[item.indicator]
    row = inputs.values.get((subject.code, item.indicator))
    if row is None:
        if ind.unit.value in ("count", "amount"):
            # prosecutors' results are stored only where they have records: none = 0
            return _Figure(0.0, 0.0, None, None, None, True, None)
        return _Figure(None, None, None, None, None, False, "no data in the period")
    if row.value is None:
        return _Figure(None, row.numerator, row.denominator, None, None, False,
                       "no denominator in the period")
    reliable, note = True, None
    if item.min_denominator is not None:
        if row.denominator is not None and row.denominator < item.min_denominator:
            reliable = False
            note = f"denominator {_g(row.denominator)} < {item.min_denominator:g} (scheme)"
    elif "small_denominator" in row.flags:
        reliable = False
        note = f"denominator {_g(row.denominator)} < {ind.min_denominator:g} (catalogue)"
    return _Figure(row.value, row.numerator, row.denominator, row.ci_low, row.ci_high,
                   reliable, note)


def _direction(item: ItemBase, ind: Indicator | None) -> str:
    if item.direction is not None:
        return item.direction
    return "higher_is_better" if ind is None else ind.direction.value


# --- one item over one group ------------------------------------------------------------


@dataclass(frozen=True)
class _Scored:
    attainment: float
    formula: str
    low: float | None = None
    high: float | None = None


Scorer = Callable[[float], tuple[float, str]]


@dataclass(frozen=True)
class _Group:
    """What scoring one item needs of the group: its reliable values, prepared once."""

    peers: tuple[float, ...]
    #: order keys of the peers, sorted (percentile)
    keys: tuple[float, ...]
    target: tuple[float, str] | None


def _group(item: ItemBase, ind: Indicator | None, level: int, peers: list[float]) -> _Group:
    direction = _direction(item, ind)
    low, high = item_range(item, ind, level)
    keys = tuple(sorted(order_key(p, direction, low, high) for p in peers))
    target = _target(item, peers) if isinstance(item, RatioItem) else None
    return _Group(tuple(peers), keys, target)


def _scorer(
    item: ItemBase, ind: Indicator | None, level: int, group: _Group, own: float
) -> tuple[Scorer, list[float]]:
    """A function value -> (attainment, formula) for one subject's item, and interval extras.

    Peer targets use every reliable value of the group, ``own`` among them; a percentile
    compares ``v`` with the *others*, so that the subject's value at the ends of its
    interval is not compared with itself. The extras are values where the attainment can
    peak inside an interval (the bounds of a reasonable range).
    """
    direction = _direction(item, ind)
    low, high = item_range(item, ind, level)
    if isinstance(item, RangeItem):
        z = item.zero_at_distance

        def score_range(v: float) -> tuple[float, str]:
            a = within_range(v, low, high, z)
            where = f"[{_g(low)}, {_g(high)}]"
            if a == 1:
                return a, f"{_g(v)} within {where}: full marks"
            d = (low - v) if low is not None and v < low else (v - (high or 0.0))
            return a, f"{_g(v)} outside {where} by {_g(d)}: max(0, 1 - {_g(d)} / {_g(z)})"

        return score_range, [b for b in (low, high) if b is not None]
    if isinstance(item, RatioItem):
        assert group.target is not None
        target, label = group.target
        higher = direction != "lower_is_better"

        def score_ratio(v: float) -> tuple[float, str]:
            a = ratio_to_target(v, target, higher)
            shown = f"{_g(v)} / {label}" if higher else f"{label} / {_g(v)}"
            return a, f"min(1, {shown})"

        return score_ratio, []
    if isinstance(item, LinearItem):
        lin = item

        def score_linear(v: float) -> tuple[float, str]:
            a = linear(v, lin.zero_at, lin.full_at)
            return a, (f"clamp(({_g(v)} - {_g(lin.zero_at)}) / "
                       f"({_g(lin.full_at)} - {_g(lin.zero_at)}))")

        return score_linear, []
    assert isinstance(item, PercentileItem)
    own_key = order_key(own, direction, low, high)
    n = len(group.keys)

    def score_percentile(v: float) -> tuple[float, str]:
        k = order_key(v, direction, low, high)
        worse = bisect.bisect_left(group.keys, k) - (1 if own_key < k else 0)
        tied = bisect.bisect_right(group.keys, k) - bisect.bisect_left(group.keys, k)
        tied -= 1 if own_key == k else 0
        a = percentile_from_counts(worse, tied, n)
        return a, (f"better than {worse}, tied with {tied} of {n} reliable peers: "
                   f"({worse} + {tied}/2) / {max(n - 1, 1)}")

    return score_percentile, []


def _target(item: RatioItem, peers: Sequence[float]) -> tuple[float, str]:
    if not isinstance(item.target, str):
        return float(item.target), f"target {_g(item.target)}"
    if not peers:
        return 0.0, f"{item.target} (no reliable peer) 0"
    if item.target == "peer_max":
        t = max(peers)
    elif item.target == "peer_mean":
        t = math.fsum(sorted(peers)) / len(peers)
    else:
        t = float(statistics.median(sorted(peers)))
    return t, f"{item.target} {_g(t)}"


def _interval(scorer: Scorer, fig: _Figure, extras: Sequence[float]) -> tuple[float, float]:
    """Lowest and highest attainment over the scored value's interval."""
    assert fig.bounds is not None
    lo, hi = fig.bounds
    points = [lo, hi, *(e for e in extras if lo <= e <= hi)]
    if fig.scored is not None:
        points.append(fig.scored)
    values = [scorer(p)[0] for p in points]
    return min(values), max(values)


# --- empirical-Bayes estimates (shrink policy) ---------------------------------------------

Counts = tuple[list[float], list[float]]


def _family(item: ItemBase, ind: Indicator | None) -> Family | None:
    """Which model estimates the item: Beta for rates, Gamma for ratios and days, none for
    counts and amounts (a count is what was done, not an estimate of anything)."""
    if item.indicator == WEIGHTED_CASES or ind is None:
        return None
    unit = ind.unit.value
    return "beta" if unit == "rate" else "gamma" if unit in ("ratio", "days") else None


def _counts(figures: Sequence[_Figure]) -> Counts:
    nums = [(f.numerator or 0.0) if f.denominator else 0.0 for f in figures]
    dens = [max(f.denominator or 0.0, 0.0) for f in figures]
    return nums, dens


def _shrink(
    inputs: ScoringInputs, item: ItemBase, figures: dict[str, _Figure], run: Prior | None
) -> dict[str, _Figure]:
    """Every figure with its posterior estimate, the prior fitted on the group (or run)."""
    if inputs.scheme.unreliable.policy != "shrink":
        return figures
    family = _family(item, inputs.definitions.get(item.indicator))
    if family is None:
        return figures
    prior = prior_for(family, _counts(list(figures.values())), run)
    if prior is None:
        return figures
    level = inputs.scheme.unreliable.credible
    out = {}
    for code, fig in figures.items():
        n = max(fig.denominator or 0.0, 0.0)
        x = (fig.numerator or 0.0) if n > 0 else 0.0
        out[code] = replace(fig, estimate=posterior(prior, x, n, level), prior=prior)
    return out


def _estimate_text(fig: _Figure) -> str:
    est, prior = fig.estimate, fig.prior
    assert est is not None and prior is not None
    n = max(fig.denominator or 0.0, 0.0)
    x = (fig.numerator or 0.0) if n > 0 else 0.0
    a, b = f"{prior.alpha:.6g}", f"{prior.beta:.6g}"
    if prior.family == "beta":
        how = f"({a} + {x:.10g}) / ({a} + {b} + {n:.10g})"
    else:
        how = f"({a} + {x:.10g}) / ({b} + {n:.10g})"
    return (f"estimate {how} = {_g(est.mean)}, own cases weigh {est.weight:.0%}; "
            f"prior {prior.describe()}")


def _score_group(
    inputs: ScoringInputs, item: ItemBase, members: Sequence[SubjectInfo],
    run: Prior | None = None,
) -> dict[str, tuple[_Figure, _Scored]]:
    ind = inputs.definitions.get(item.indicator)
    figures = _shrink(inputs, item, {s.code: _figure(inputs, item, s) for s in members}, run)
    peers = sorted(f.scored for f in figures.values() if f.scored is not None)
    out: dict[str, tuple[_Figure, _Scored]] = {}
    scored_attainments: list[float] = []
    prepared: dict[tuple[int, str], _Group] = {}
    for s in members:
        fig = figures[s.code]
        v = fig.scored
        if v is None:
            continue
        key = (s.level, item.indicator)
        if key not in prepared:
            prepared[key] = _group(item, ind, s.level, peers)
        scorer, extras = _scorer(item, ind, s.level, prepared[key], v)
        a, formula = scorer(v)
        low = high = None
        if fig.bounds is not None:
            low, high = _interval(scorer, fig, extras)
        out[s.code] = (fig, _Scored(a, formula, low, high))
        scored_attainments.append(a)
    policy = inputs.scheme.unreliable
    for s in members:
        if s.code in out:
            continue
        fig = figures[s.code]
        if policy.policy == "fixed" and policy.fraction is not None:
            a = policy.fraction
            formula = f"unreliable ({fig.note}): fixed share {_g(a)}"
        elif scored_attainments:
            a = math.fsum(sorted(scored_attainments)) / len(scored_attainments)
            formula = (f"unreliable ({fig.note}): neutral = mean attainment of "
                       f"{len(scored_attainments)} reliable peers")
        else:
            a = 0.5
            formula = f"unreliable ({fig.note}), no reliable peer: neutral 0.5"
        out[s.code] = (fig, _Scored(a, formula))
    return out


# --- assembling a subject -----------------------------------------------------------------


def _max_points(dim: Dimension, item: ItemBase) -> float:
    return dim.weight * item.weight / math.fsum(i.weight for i in dim.indicators)


def _indicator_score(
    inputs: ScoringInputs, dim: Dimension, item: ItemBase, subject: SubjectInfo,
    fig: _Figure, scored: _Scored,
) -> IndicatorScore:
    ind = inputs.definitions.get(item.indicator)
    mx = _max_points(dim, item)
    exp = inputs.expected.get((subject.code, item.indicator))
    name_zh, name_en = (ind.name_zh, ind.name_en) if ind else WEIGHTED_NAMES
    est = fig.estimate
    return IndicatorScore(
        indicator=item.indicator, name_zh=name_zh, name_en=name_en,
        unit=ind.unit.value if ind else "count", method=_method(item),
        value=rounded(fig.value, 6), numerator=rounded(fig.numerator, 6),
        denominator=rounded(fig.denominator, 6), ci_low=rounded(fig.ci_low, 6),
        ci_high=rounded(fig.ci_high, 6), reliable=fig.reliable, note=fig.note,
        attainment=rounded(scored.attainment, 6) or 0.0, max_points=rounded(mx) or 0.0,
        points=rounded(mx * scored.attainment) or 0.0, formula=scored.formula,
        points_low=rounded(mx * scored.low) if scored.low is not None else None,
        points_high=rounded(mx * scored.high) if scored.high is not None else None,
        expected=rounded(exp.expected, 6) if exp else None,
        o_e=rounded(exp.ratio, 4) if exp else None,
        estimate=rounded(est.mean, 6) if est else None,
        estimate_low=rounded(est.low, 6) if est else None,
        estimate_high=rounded(est.high, 6) if est else None,
        own_weight=rounded(est.weight, 4) if est else None,
        estimator=_estimate_text(fig) if est else None,
    )


def _method(item: ItemBase) -> str:
    return str(getattr(item, "method", "unknown"))


def _adjustments(
    scheme: Scheme, items: Sequence[ItemInput]
) -> tuple[float, float, float, tuple[AdjustmentLine, ...]]:
    """bonus, deduction, correction and the item lines, caps applied."""
    lines: list[AdjustmentLine] = []
    sums: dict[str, list[float]] = {"bonus": [], "deduction": [], CORRECTION: []}
    for it in sorted(items, key=lambda i: i.item_id):
        if it.category == CORRECTION:
            kind, counted = CORRECTION, it.points
        else:
            found = scheme.adjustment(it.category)
            if found is None:
                lines.append(AdjustmentLine(it.item_id, it.category, "ignored", it.points, 0.0,
                                            f"{it.reason} (not an item of this scheme)"))
                continue
            kind, adj = found
            counted = min(abs(it.points), adj.max_points)
        sums[kind].append(counted)
        lines.append(AdjustmentLine(it.item_id, it.category, kind, it.points, counted,
                                    it.reason))
    bonus = min(scheme.adjustments.bonus.cap, math.fsum(sums["bonus"]))
    deduction = min(scheme.adjustments.deduction.cap, math.fsum(sums["deduction"]))
    return bonus, deduction, math.fsum(sums[CORRECTION]), tuple(lines)


@dataclass(frozen=True)
class _Partial:
    info: SubjectInfo
    dimensions: tuple[DimensionScore, ...]
    base: float
    base_low: float
    base_high: float


def _run_prior(inputs: ScoringInputs, item: ItemBase) -> Prior | None:
    """The prior fitted on every subject of the run: for groups too small for their own."""
    family = _family(item, inputs.definitions.get(item.indicator))
    if inputs.scheme.unreliable.policy != "shrink" or family is None:
        return None
    nums, dens = _counts([_figure(inputs, item, s) for s in inputs.subjects])
    return fit_prior(family, nums, dens, source="run")


def _spread(base: float, lows: Sequence[float], highs: Sequence[float], rss: bool
            ) -> tuple[float, float]:
    """The total's interval from the items' point intervals (given as distances).

    Shrink policy: root sum of squares of the items' half-widths -- the items' errors are
    independent, so they partly cancel, and the total's 90% half-width is about the root
    of the summed squares of the items' 90% half-widths. Otherwise the plain sums (every
    item at its worst, resp. best, at once).
    """
    if rss:
        return (base - math.sqrt(math.fsum(d * d for d in lows)),
                base + math.sqrt(math.fsum(d * d for d in highs)))
    return base - math.fsum(lows), base + math.fsum(highs)


def _partials(inputs: ScoringInputs) -> list[_Partial]:
    groups: dict[str, list[SubjectInfo]] = {}
    for s in sorted(inputs.subjects, key=lambda s: s.code):
        groups.setdefault(s.group, []).append(s)
    scored: dict[tuple[str, str], tuple[_Figure, _Scored]] = {}
    for _, item in inputs.scheme.items():
        run = _run_prior(inputs, item)
        for members in groups.values():
            for code, pair in _score_group(inputs, item, members, run).items():
                scored[(code, item.indicator)] = pair
    rss = inputs.scheme.unreliable.policy == "shrink"
    out: list[_Partial] = []
    for s in sorted(inputs.subjects, key=lambda s: s.code):
        dims: list[DimensionScore] = []
        below: list[float] = []
        above: list[float] = []
        for dim in inputs.scheme.dimensions:
            lines = []
            for item in dim.indicators:
                fig, sc = scored[(s.code, item.indicator)]
                line = _indicator_score(inputs, dim, item, s, fig, sc)
                lines.append(line)
                mx = _max_points(dim, item)
                if sc.low is not None:
                    below.append(mx * (sc.attainment - sc.low))
                if sc.high is not None:
                    above.append(mx * (sc.high - sc.attainment))
            points = math.fsum(_max_points(dim, i) * scored[(s.code, i.indicator)][1].attainment
                               for i in dim.indicators)
            dims.append(DimensionScore(dim.id, dim.name_zh, dim.name_en, dim.weight,
                                       rounded(points) or 0.0, tuple(lines)))
        base = math.fsum(d.score for d in dims)
        exact = math.fsum(
            _max_points(d, i) * scored[(s.code, i.indicator)][1].attainment
            for d in inputs.scheme.dimensions for i in d.indicators)
        low, high = _spread(exact, below, above, rss)
        out.append(_Partial(s, tuple(dims), base, low, high))
    return out


def score_subjects(inputs: ScoringInputs) -> list[SubjectResult]:
    """Every subject's result, ordered by group, rank and subject code."""
    by_subject: dict[str, list[ItemInput]] = {}
    for it in inputs.items:
        by_subject.setdefault(it.subject, []).append(it)
    partials = _partials(inputs)
    totals: dict[str, tuple[float, float, float]] = {}
    adjust: dict[str, tuple[float, float, float, tuple[AdjustmentLine, ...]]] = {}
    for p in partials:
        adj = _adjustments(inputs.scheme, by_subject.get(p.info.code, []))
        bonus, deduction, correction, _ = adj
        shift = bonus - deduction + correction
        total, low, high = (
            rounded(max(0.0, b + shift)) or 0.0 for b in (p.base, p.base_low, p.base_high)
        )
        # the base adds rounded dimension scores, the bounds unrounded points: keep the
        # interval around the printed total whatever the last digit does
        totals[p.info.code] = (total, min(low, total), max(high, total))
        adjust[p.info.code] = adj
    results: list[SubjectResult] = []
    groups: dict[str, list[_Partial]] = {}
    for p in partials:
        groups.setdefault(p.info.group, []).append(p)
    for group, members in sorted(groups.items()):
        group_totals = {p.info.code: totals[p.info.code][0] for p in members}
        ranks = competition_ranks(group_totals)
        bounds = {p.info.code: (totals[p.info.code][1], totals[p.info.code][2])
                  for p in members}
        grades = assign_grades(group_totals, inputs.scheme.grades, bounds)
        order = sorted(members, key=lambda p: (ranks[p.info.code], p.info.code))
        overlap = indistinct_neighbours(
            [(p.info.code, totals[p.info.code][1], totals[p.info.code][2]) for p in order]
        )
        for p in order:
            code = p.info.code
            bonus, deduction, correction, lines = adjust[code]
            total, low, high = totals[code]
            results.append(SubjectResult(
                subject=code, subject_type=p.info.kind, name_zh=p.info.name_zh,
                name_en=p.info.name_en, organ_code=p.info.organ_code, group=group,
                dimensions=p.dimensions, base=rounded(p.base) or 0.0,
                bonus=rounded(bonus) or 0.0, deduction=rounded(deduction) or 0.0,
                correction=rounded(correction) or 0.0, adjustments=lines, total=total,
                total_low=low, total_high=high, rank=ranks[code], peers=len(members),
                grade=grades[code].grade, grade_note=grades[code].note,
                indistinct_from=tuple(overlap[code]),
            ))
    return results
