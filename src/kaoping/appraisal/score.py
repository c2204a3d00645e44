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
import functools
import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

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
    posteriors,
    prior_for,
)
from kaoping.appraisal.validate import CORRECTION, item_range
from kaoping.appraisal.weighting import Workload
from kaoping.catalogue.models import Indicator

__all__ = ["ItemInput", "ScoringInputs", "SubjectInfo", "rescore", "score_subjects"]

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


# --- what scoring one item needs, worked out once per run ----------------------------------


@dataclass
class _Plan:
    """One item of the scheme and everything about it that does not depend on the subject.

    A national run scores some 75,000 indicator lines; looking these up per line (the
    dimension's weight sum, the pydantic attribute fallbacks, the reasonable range per
    level) was a third of its time.
    """

    item: ItemBase
    ind: Indicator | None
    direction: str
    family: Family | None
    #: the points the item can earn in its dimension
    max_points: float
    method: str
    name_zh: str
    name_en: str
    unit: str
    ranges: dict[int, tuple[float | None, float | None]]

    def range(self, level: int) -> tuple[float | None, float | None]:
        found = self.ranges.get(level)
        if found is None:
            found = self.ranges[level] = item_range(self.item, self.ind, level)
        return found


def _plan(inputs: ScoringInputs, dim: Dimension, item: ItemBase) -> _Plan:
    ind = inputs.definitions.get(item.indicator)
    name_zh, name_en = (ind.name_zh, ind.name_en) if ind else WEIGHTED_NAMES
    return _Plan(
        item=item, ind=ind, direction=_direction(item, ind), family=_family(item, ind),
        max_points=_max_points(dim, item), method=_method(item), name_zh=name_zh,
        name_en=name_en, unit=ind.unit.value if ind else "count", ranges={},
    )


# --- reading the figure ----------------------------------------------------------------


def _figure(inputs: ScoringInputs, plan: _Plan, subject: SubjectInfo) -> _Figure:
    item, ind = plan.item, plan.ind
    if item.indicator == WEIGHTED_CASES:
        w = inputs.workloads.get(subject.code)
        weighted = w.weighted if w is not None else 0.0
        return _Figure(weighted, weighted, None, None, None, True, None)
    if ind is None:
        raise KeyError(item.indicator)
    row = inputs.values.get((subject.code, item.indicator))
    if row is None:
        if plan.unit in ("count", "amount"):
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


Attain = Callable[[float], float]
Explain = Callable[[float], str]


@dataclass(frozen=True)
class _Group:
    """What scoring one item needs of the group: its reliable values, prepared once."""

    peers: tuple[float, ...]
    #: order keys of the peers, sorted (percentile)
    keys: tuple[float, ...]
    target: tuple[float, str] | None


def _group(plan: _Plan, level: int, peers: list[float]) -> _Group:
    low, high = plan.range(level)
    keys = tuple(sorted(order_key(p, plan.direction, low, high) for p in peers))
    target = _target(plan.item, peers) if isinstance(plan.item, RatioItem) else None
    return _Group(tuple(peers), keys, target)


def _scorer(
    plan: _Plan, level: int, group: _Group, own: float
) -> tuple[Attain, Explain, list[float]]:
    """For one subject's item: value -> attainment, value -> formula, and interval extras.

    The attainment and its formula are apart because an interval's ends need only the
    attainment, and formatting the formula was the costliest part of scoring.
    Peer targets use every reliable value of the group, ``own`` among them; a percentile
    compares ``v`` with the *others*, so that the subject's value at the ends of its
    interval is not compared with itself. The extras are values where the attainment can
    peak inside an interval (the bounds of a reasonable range).
    """
    item, direction = plan.item, plan.direction
    low, high = plan.range(level)
    if isinstance(item, RangeItem):
        z = item.zero_at_distance

        def range_attainment(v: float) -> float:
            return within_range(v, low, high, z)

        def range_formula(v: float) -> str:
            where = f"[{_g(low)}, {_g(high)}]"
            if range_attainment(v) == 1:
                return f"{_g(v)} within {where}: full marks"
            d = (low - v) if low is not None and v < low else (v - (high or 0.0))
            return f"{_g(v)} outside {where} by {_g(d)}: max(0, 1 - {_g(d)} / {_g(z)})"

        return range_attainment, range_formula, [b for b in (low, high) if b is not None]
    if isinstance(item, RatioItem):
        assert group.target is not None
        target, label = group.target
        higher = direction != "lower_is_better"

        def ratio_attainment(v: float) -> float:
            return ratio_to_target(v, target, higher)

        def ratio_formula(v: float) -> str:
            shown = f"{_g(v)} / {label}" if higher else f"{label} / {_g(v)}"
            return f"min(1, {shown})"

        return ratio_attainment, ratio_formula, []
    if isinstance(item, LinearItem):
        lin = item

        def linear_attainment(v: float) -> float:
            return linear(v, lin.zero_at, lin.full_at)

        def linear_formula(v: float) -> str:
            return (f"clamp(({_g(v)} - {_g(lin.zero_at)}) / "
                    f"({_g(lin.full_at)} - {_g(lin.zero_at)}))")

        return linear_attainment, linear_formula, []
    assert isinstance(item, PercentileItem)
    own_key = order_key(own, direction, low, high)
    keys = group.keys
    n = len(keys)

    def counts(v: float) -> tuple[int, int]:
        k = order_key(v, direction, low, high)
        first, last = bisect.bisect_left(keys, k), bisect.bisect_right(keys, k)
        worse = first - (1 if own_key < k else 0)
        tied = last - first - (1 if own_key == k else 0)
        return worse, tied

    def percentile_attainment(v: float) -> float:
        return percentile_from_counts(*counts(v), n)

    def percentile_formula(v: float) -> str:
        worse, tied = counts(v)
        return (f"better than {worse}, tied with {tied} of {n} reliable peers: "
                f"({worse} + {tied}/2) / {max(n - 1, 1)}")

    return percentile_attainment, percentile_formula, []


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


def _interval(attain: Attain, fig: _Figure, extras: Sequence[float]) -> tuple[float, float]:
    """Lowest and highest attainment over the scored value's interval."""
    assert fig.bounds is not None
    lo, hi = fig.bounds
    points = [lo, hi, *(e for e in extras if lo <= e <= hi)]
    if fig.scored is not None:
        points.append(fig.scored)
    values = [attain(p) for p in points]
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
    inputs: ScoringInputs, plan: _Plan, figures: dict[str, _Figure], run: Prior | None
) -> dict[str, _Figure]:
    """Every figure with its posterior estimate, the prior fitted on the group (or run)."""
    if inputs.scheme.unreliable.policy != "shrink" or plan.family is None:
        return figures
    prior = prior_for(plan.family, _counts(list(figures.values())), run)
    if prior is None:
        return figures
    ns = [max(f.denominator or 0.0, 0.0) for f in figures.values()]
    xs = [(f.numerator or 0.0) if n > 0 else 0.0
          for f, n in zip(figures.values(), ns, strict=True)]
    estimates = posteriors(prior, xs, ns, inputs.scheme.unreliable.credible)
    return {
        code: _Figure(f.value, f.numerator, f.denominator, f.ci_low, f.ci_high, f.reliable,
                      f.note, est, prior)
        for (code, f), est in zip(figures.items(), estimates, strict=True)
    }


@functools.lru_cache(maxsize=4096)
def _prior_texts(prior: Prior) -> tuple[str, str, str]:
    """alpha, beta and the prior's description, as every estimator line prints them."""
    return f"{prior.alpha:.6g}", f"{prior.beta:.6g}", prior.describe()


def _estimate_text(fig: _Figure) -> str:
    est, prior = fig.estimate, fig.prior
    assert est is not None and prior is not None
    n = max(fig.denominator or 0.0, 0.0)
    x = (fig.numerator or 0.0) if n > 0 else 0.0
    a, b, described = _prior_texts(prior)
    if prior.family == "beta":
        how = f"({a} + {x:.10g}) / ({a} + {b} + {n:.10g})"
    else:
        how = f"({a} + {x:.10g}) / ({b} + {n:.10g})"
    return (f"estimate {how} = {_g(est.mean)}, own cases weigh {est.weight:.0%}; "
            f"prior {described}")


def _score_group(
    inputs: ScoringInputs, plan: _Plan, members: Sequence[SubjectInfo],
    figures_of: Mapping[str, _Figure], run: Prior | None = None,
) -> dict[str, tuple[_Figure, _Scored]]:
    figures = _shrink(inputs, plan, {s.code: figures_of[s.code] for s in members}, run)
    peers = sorted(f.scored for f in figures.values() if f.scored is not None)
    out: dict[str, tuple[_Figure, _Scored]] = {}
    scored_attainments: list[float] = []
    prepared: dict[int, _Group] = {}
    for s in members:
        fig = figures[s.code]
        v = fig.scored
        if v is None:
            continue
        group = prepared.get(s.level)
        if group is None:
            group = prepared[s.level] = _group(plan, s.level, peers)
        attain, explain, extras = _scorer(plan, s.level, group, v)
        a = attain(v)
        low = high = None
        if fig.bounds is not None:
            low, high = _interval(attain, fig, extras)
        out[s.code] = (fig, _Scored(a, explain(v), low, high))
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


def _r6(x: float | None) -> float | None:
    return rounded(x, 6)


def _indicator_score(
    inputs: ScoringInputs, plan: _Plan, subject: SubjectInfo, fig: _Figure, scored: _Scored,
) -> IndicatorScore:
    mx = plan.max_points
    exp = inputs.expected.get((subject.code, plan.item.indicator)) if inputs.expected else None
    est = fig.estimate
    return IndicatorScore(
        indicator=plan.item.indicator, name_zh=plan.name_zh, name_en=plan.name_en,
        unit=plan.unit, method=plan.method,
        value=_r6(fig.value), numerator=_r6(fig.numerator),
        denominator=_r6(fig.denominator), ci_low=_r6(fig.ci_low),
        ci_high=_r6(fig.ci_high), reliable=fig.reliable, note=fig.note,
        attainment=_r6(scored.attainment) or 0.0, max_points=rounded(mx) or 0.0,
        points=rounded(mx * scored.attainment) or 0.0, formula=scored.formula,
        points_low=rounded(mx * scored.low) if scored.low is not None else None,
        points_high=rounded(mx * scored.high) if scored.high is not None else None,
        expected=_r6(exp.expected) if exp else None,
        o_e=rounded(exp.ratio, 4) if exp else None,
        estimate=_r6(est.mean) if est else None,
        estimate_low=_r6(est.low) if est else None,
        estimate_high=_r6(est.high) if est else None,
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
    """A subject scored on its indicators, before items, ranks and grades: what an
    accepted objection does not change, kept in each result (``base_low``/``base_high``)
    so that a re-run can start from it (:func:`rescore`)."""

    info: SubjectInfo
    dimensions: tuple[DimensionScore, ...]
    base: float
    base_low: float
    base_high: float


def _run_prior(inputs: ScoringInputs, plan: _Plan, figures: Sequence[_Figure]) -> Prior | None:
    """The prior fitted on every subject of the run: for groups too small for their own."""
    if inputs.scheme.unreliable.policy != "shrink" or plan.family is None:
        return None
    nums, dens = _counts(figures)
    return fit_prior(plan.family, nums, dens, source="run")


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
    ordered = sorted(inputs.subjects, key=lambda s: s.code)
    groups: dict[str, list[SubjectInfo]] = {}
    for s in ordered:
        groups.setdefault(s.group, []).append(s)
    plans = {item.indicator: _plan(inputs, dim, item) for dim, item in inputs.scheme.items()}
    scored: dict[tuple[str, str], tuple[_Figure, _Scored]] = {}
    for _, item in inputs.scheme.items():
        plan = plans[item.indicator]
        figures = {s.code: _figure(inputs, plan, s) for s in inputs.subjects}
        run = _run_prior(inputs, plan, list(figures.values()))
        for members in groups.values():
            for code, pair in _score_group(inputs, plan, members, figures, run).items():
                scored[(code, item.indicator)] = pair
    rss = inputs.scheme.unreliable.policy == "shrink"
    out: list[_Partial] = []
    for s in ordered:
        dims: list[DimensionScore] = []
        below: list[float] = []
        above: list[float] = []
        earned: list[float] = []
        for dim in inputs.scheme.dimensions:
            lines = []
            points: list[float] = []
            for item in dim.indicators:
                plan = plans[item.indicator]
                fig, sc = scored[(s.code, item.indicator)]
                lines.append(_indicator_score(inputs, plan, s, fig, sc))
                mx = plan.max_points
                points.append(mx * sc.attainment)
                if sc.low is not None:
                    below.append(mx * (sc.attainment - sc.low))
                if sc.high is not None:
                    above.append(mx * (sc.high - sc.attainment))
            earned.extend(points)
            dims.append(DimensionScore(dim.id, dim.name_zh, dim.name_en, dim.weight,
                                       rounded(math.fsum(points)) or 0.0, tuple(lines)))
        base = math.fsum(d.score for d in dims)
        exact = math.fsum(earned)
        low, high = _spread(exact, below, above, rss)
        out.append(_Partial(s, tuple(dims), base, low, high))
    return out


def score_subjects(inputs: ScoringInputs) -> list[SubjectResult]:
    """Every subject's result, ordered by group, rank and subject code."""
    return _finish(inputs.scheme, _partials(inputs), inputs.items)


def rescore(
    scheme: Scheme, results: Sequence[SubjectResult], items: Sequence[ItemInput]
) -> list[SubjectResult]:
    """The results of a run made again with other items, from the results it kept.

    Items (bonuses, deductions, corrections) move totals, ranks and grades, never an
    indicator's points: with the same figures and scheme, the indicators' part of each
    result -- the dimensions and the base with its interval -- is what it was, and only
    the rest is worked out again. Gives exactly what :func:`score_subjects` gives on the
    same inputs (``tests/appraisal/test_rescore.py``).
    """
    partials = []
    for r in results:
        if r.base_low is None or r.base_high is None:
            raise ValueError(f"the result of {r.subject} keeps no base interval")
        info = SubjectInfo(r.subject, r.subject_type, r.name_zh, r.name_en, r.organ_code,
                           0, r.group)
        base = math.fsum(d.score for d in r.dimensions)
        partials.append(_Partial(info, r.dimensions, base, r.base_low, r.base_high))
    partials.sort(key=lambda p: p.info.code)
    return _finish(scheme, partials, items)


def _finish(
    scheme: Scheme, partials: Sequence[_Partial], items: Sequence[ItemInput]
) -> list[SubjectResult]:
    by_subject: dict[str, list[ItemInput]] = {}
    for it in items:
        by_subject.setdefault(it.subject, []).append(it)
    totals: dict[str, tuple[float, float, float]] = {}
    adjust: dict[str, tuple[float, float, float, tuple[AdjustmentLine, ...]]] = {}
    for p in partials:
        adj = _adjustments(scheme, by_subject.get(p.info.code, []))
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
        grades = assign_grades(group_totals, scheme.grades, bounds)
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
                base_low=p.base_low, base_high=p.base_high,
            ))
    return results
