"""Explain a score: total -> dimensions -> indicators -> values -> records.

A prosecutor must be able to see how every point was earned (DOMAIN.md). The stored
result already holds the first three levels with the formula of each indicator; this
module adds the last two on request, from the warehouse: the engine's explanation of each
value (arithmetic and the records behind it, :meth:`kaoping.api.Warehouse.explain`) and,
for the weighted caseload, the cases with their weights.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sqlalchemy import Engine

from kaoping.appraisal.results import IndicatorScore, SubjectResult
from kaoping.appraisal.runs import Run, load_run
from kaoping.appraisal.scheme import WEIGHTED_CASES
from kaoping.appraisal.weighting import CaseWeight, case_weights
from kaoping.engine.periods import parse_period
from kaoping.narrative.numbers import format_value

if TYPE_CHECKING:
    from kaoping.catalogue.models import Catalogue

__all__ = [
    "MIN_PEERS_NAMED",
    "IndicatorRecords",
    "ScoreExplanation",
    "explain_score",
    "redact_formula",
    "render_explanation",
    "scoped_result",
]

#: a count of peers below this is not printed to a viewer who may not see the peers:
#: "the mean of 1 peer" is that peer's figure
MIN_PEERS_NAMED = 5


@dataclass(frozen=True)
class IndicatorRecords:
    """The records behind one indicator value (the first few of each side)."""

    indicator: str
    arithmetic: str
    #: (role, total records, ids of the first records)
    sides: tuple[tuple[str, int, tuple[str, ...]], ...] = ()
    cases: tuple[CaseWeight, ...] = ()
    command: str = ""


@dataclass(frozen=True)
class ScoreExplanation:
    run: Run
    result: SubjectResult
    records: dict[str, IndicatorRecords] = field(default_factory=dict)


def _command(run: Run, indicator: str, subject: str) -> str:
    who = "--prosecutor" if run.subject_type == "prosecutor" else "--organ"
    return f"kaoping explain {indicator} {who} {subject} --period {run.period}"


def _records(
    run: Run, result: SubjectResult, limit: int, warehouse: Path | str,
    catalogue: Catalogue | None,
) -> dict[str, IndicatorRecords]:
    from kaoping.api import Warehouse

    out: dict[str, IndicatorRecords] = {}
    who = {"prosecutor": result.subject} if run.subject_type == "prosecutor" else {
        "organ": result.subject}
    with Warehouse(warehouse, catalogue=catalogue) as wh:
        for dim in result.dimensions:
            for line in dim.indicators:
                if line.indicator == WEIGHTED_CASES:
                    cw = run.scheme.case_weighting
                    assert cw is not None
                    cases = case_weights(wh.backend, cw, parse_period(run.period),
                                         prosecutor=result.subject)
                    out[line.indicator] = IndicatorRecords(
                        line.indicator, f"{len(cases)} cases, weighted {line.value}",
                        cases=tuple(cases[:limit]))
                    continue
                e = wh.explain(line.indicator, period=run.period, limit=limit, **who)
                sides = tuple(
                    (s.role, s.total_records,
                     tuple(str(x) for x in s.records.iloc[:, 0].tolist()[:limit]))
                    for s in (e.numerator, e.denominator) if s is not None
                )
                out[line.indicator] = IndicatorRecords(
                    line.indicator, e.arithmetic(), sides,
                    command=_command(run, line.indicator, result.subject))
    return out


def explain_score(
    app_engine: Engine,
    run_id: int,
    subject: str,
    *,
    records: int = 0,
    warehouse: Path | str | None = None,
    catalogue: Catalogue | None = None,
) -> ScoreExplanation:
    """How ``subject``'s score in run ``run_id`` was made; with ``records`` > 0, also the
    first ``records`` records behind each value (read from ``warehouse``, by default the
    one the run was made from)."""
    run = load_run(app_engine, run_id)
    result = run.result(subject)
    found: dict[str, IndicatorRecords] = {}
    if records > 0:
        found = _records(run, result, records, warehouse or run.warehouse, catalogue)
    return ScoreExplanation(run, result, found)


# --- what a viewer of limited scope may read ------------------------------------------------

_PEER_TARGET = re.compile(r"\b(peer_max|peer_mean|peer_median) -?\d[\d.e+-]*")
_PEER_MEAN = re.compile(r"mean attainment of (\d+) reliable peers")


def redact_formula(formula: str) -> str:
    """A formula without the figures of the peers, for a viewer who may not see them.

    ``peer_max 3.9`` is one peer's exact value (and ``peer_median`` of an odd group, or
    any statistic of a group of one, is one too): the name of the target stays, its value
    goes. "The mean attainment of 1 reliable peers" is that peer's attainment: counts below
    :data:`MIN_PEERS_NAMED` become "fewer than 5".
    """
    out = _PEER_TARGET.sub(lambda m: f"{m.group(1)} (the peers' figure, not shown)", formula)

    def peers(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n >= MIN_PEERS_NAMED:
            return m.group(0)
        return f"mean attainment of the reliable peers (fewer than {MIN_PEERS_NAMED})"

    return _PEER_MEAN.sub(peers, out)


_PRIOR_FROM = re.compile(r"prior (Beta|Gamma)\(.*? from (\d+) subjects of the (\w+): .*$")


def redact_estimator(text: str | None) -> str | None:
    """An estimator line without a prior fitted on fewer than MIN_PEERS_NAMED subjects
    (its mean would be close to one peer's figure)."""
    if text is None:
        return None

    def prior(m: re.Match[str]) -> str:
        if int(m.group(2)) >= MIN_PEERS_NAMED:
            return m.group(0)
        return f"prior from fewer than {MIN_PEERS_NAMED} subjects of the {m.group(3)} (not shown)"

    return _PRIOR_FROM.sub(prior, text)


def scoped_result(result: SubjectResult, visible: Callable[[str], bool]) -> SubjectResult:
    """``result`` as a viewer who sees only the subjects ``visible`` accepts may read it.

    The result is the viewer's own (or one he may see), but its derived parts speak of the
    others: ``indistinct_from`` names the neighbours whose intervals overlap (only the
    visible ones are kept; :func:`render_explanation` counts the rest), and formulas quote
    peer targets (:func:`redact_formula`). The stored run is not changed.
    """
    dims = tuple(
        replace(d, indicators=tuple(replace(i, formula=redact_formula(i.formula),
                                            estimator=redact_estimator(i.estimator))
                                    for i in d.indicators))
        for d in result.dimensions
    )
    return replace(result, dimensions=dims,
                   indistinct_from=tuple(s for s in result.indistinct_from if visible(s)))


# --- text ------------------------------------------------------------------------------------


def _value(line: IndicatorScore, lang: Literal["zh", "en"]) -> str:
    if line.value is None:
        return "—"
    if line.indicator == WEIGHTED_CASES:
        return f"{line.value:g}"
    return format_value(line.value, line.unit, lang)


def _indicator_lines(line: IndicatorScore, lang: Literal["zh", "en"]) -> list[str]:
    name = line.name_zh if lang == "zh" else line.name_en
    head = (f"    {line.indicator} {name}: value {_value(line, lang)}"
            + (f" ({line.numerator:g} / {line.denominator:g})"
               if line.numerator is not None and line.denominator is not None else ""))
    out = [head]
    if line.estimator is not None:
        out.append(f"      {line.estimator}")
    out += [f"      {line.method}: {line.formula} = {line.attainment:.4f}",
            f"      points {line.attainment:.4f} x {line.max_points:.2f} = {line.points:.2f}"]
    if line.points_low is not None and line.points_high is not None:
        which = (f"credible interval of the estimate [{line.estimate_low}, "
                 f"{line.estimate_high}]" if line.estimate is not None
                 else f"95% interval [{line.ci_low}, {line.ci_high}]")
        out.append(f"      over the {which}: "
                   f"{line.points_low:.2f} to {line.points_high:.2f} points")
    if line.expected is not None:
        oe = f", observed/expected {line.o_e:.2f}" if line.o_e is not None else ""
        out.append(f"      expected from the case mix {format_value(line.expected, 'rate', lang)}"
                   f"{oe}")
    return out


def _record_lines(rec: IndicatorRecords) -> list[str]:
    out = [f"      records: {rec.arithmetic}"]
    for role, total, ids in rec.sides:
        more = " …" if total > len(ids) else ""
        listed = f": {', '.join(ids)}{more}" if ids else ""
        out.append(f"        {role}: {total} records{listed}")
    for c in rec.cases:
        out.append(f"        case {c.case_id}: {c.persons} person(s), {c.case_type}, "
                   f"{c.difficulty}, weight {c.weight:g}")
    if rec.command:
        out.append(f"        all records: {rec.command}")
    return out


def _indistinct(named: tuple[str, ...], hidden: int) -> str:
    if not named and not hidden:
        return ""
    others = f"{hidden} other subject{'s' if hidden != 1 else ''}" if hidden else ""
    return "; not distinguishable from " + " and ".join(
        x for x in (", ".join(named), others) if x)


def render_explanation(
    expl: ScoreExplanation, lang: Literal["zh", "en"] = "en", *,
    visible: Callable[[str], bool] | None = None,
) -> str:
    """The chain as plain text (what ``kaoping appraise explain`` prints).

    With ``visible`` (the web layer passes its scope's check), only what a viewer of that
    scope may read: subjects he may not see are counted, not named, and peer figures are
    left out of the formulas (:func:`scoped_result`).
    """
    run, r = expl.run, expl.result
    hidden = 0
    if visible is not None:
        scoped = scoped_result(r, visible)
        hidden = len(r.indistinct_from) - len(scoped.indistinct_from)
        r = scoped
    scheme = run.scheme_name_zh if lang == "zh" else run.scheme_name_en
    name = r.name_zh if lang == "zh" else r.name_en
    lines = [
        f"run {run.run_id} · {scheme} · {run.period} · {run.status} · "
        f"content hash {run.content_hash[:16]}",
        f"{r.subject} {name}: total {r.total:.2f} = dimensions {r.base:.2f} + bonus "
        f"{r.bonus:.2f} - deduction {r.deduction:.2f} + correction {r.correction:.2f}",
        f"rank {r.rank} of {r.peers} in group {r.group}; grade {r.grade}"
        + (f" ({r.grade_note})" if r.grade_note else ""),
        f"total's interval: {r.total_low:.2f} to {r.total_high:.2f}"
        + _indistinct(r.indistinct_from, hidden),
    ]
    for a in r.adjustments:
        lines.append(f"  {a.kind} item {a.item_id} ({a.category}): {a.points:g} points, "
                     f"{a.counted:g} counted — {a.reason}")
    for d in r.dimensions:
        dname = d.name_zh if lang == "zh" else d.name_en
        lines.append(f"  {d.id} {dname}: {d.score:.2f} of {d.weight:g}")
        for line in d.indicators:
            lines.extend(_indicator_lines(line, lang))
            if line.note:
                lines.append(f"      note: {line.note}")
            rec = expl.records.get(line.indicator)
            if rec is not None:
                lines.extend(_record_lines(rec))
    return "\n".join(lines)
