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
from kaoping.appraisal.wording import METHODS_ZH, scoring_zh
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
    run: Run | None = None,
) -> ScoreExplanation:
    """How ``subject``'s score in run ``run_id`` was made; with ``records`` > 0, also the
    first ``records`` records behind each value (read from ``warehouse``, by default the
    one the run was made from). ``run``: the run, read already (its results need hold
    only the subject's group)."""
    if run is None or run.run_id != run_id:
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


#: the words of the explanation, (zh, en): the English is what the CLI has always printed
_SAY: dict[str, tuple[str, str]] = {
    "value": ("{id} {name}：数值 {value}", "{id} {name}: value {value}"),
    "points": ("得分 {a} x {max} = {points}", "points {a} x {max} = {points}"),
    "estimate_interval": ("估计值的可信区间 [{low}, {high}]",
                          "credible interval of the estimate [{low}, {high}]"),
    "ci": ("95% 区间 [{low}, {high}]", "95% interval [{low}, {high}]"),
    "over": ("按{which}：{low} 至 {high} 分", "over the {which}: {low} to {high} points"),
    "method": ("{method}：{formula} = {a}", "{method}: {formula} = {a}"),
    "observed_expected": ("，实际/预期 {oe}", ", observed/expected {oe}"),
    "expected": ("按案件构成预期 {expected}{oe}", "expected from the case mix {expected}{oe}"),
    "note": ("说明：{note}", "note: {note}"),
    "run": ("考评 {run} · {scheme} · {period} · {status} · 内容哈希 {hash}",
            "run {run} · {scheme} · {period} · {status} · content hash {hash}"),
    "total": ("{subject} {name}：总分 {total} = 各维度 {base} + 加分 {bonus} - 扣分 "
              "{deduction} + 更正 {correction}",
              "{subject} {name}: total {total} = dimensions {base} + bonus {bonus} - "
              "deduction {deduction} + correction {correction}"),
    "rank": ("在 {group} 组 {peers} 个对象中排第 {rank} 名；等次 {grade}",
             "rank {rank} of {peers} in group {group}; grade {grade}"),
    "interval": ("总分区间：{low} 至 {high}", "total's interval: {low} to {high}"),
    "adjustment": ("{kind}项目 {item}（{category}）：{points:g} 分，计入 {counted:g} 分 — "
                   "{reason}", "{kind} item {item} ({category}): {points:g} points, "
                   "{counted:g} counted — {reason}"),
    # a dimension's id is an English word: the Chinese names it only
    "dimension": ("{name}：{score} / {weight:g}", "{id} {name}: {score} of {weight:g}"),
    "indistinct": ("；与 {who} 无法区分", "; not distinguishable from {who}"),
    "others": ("另外 {n} 个对象", "{n} other subject{s}"),
    "and": ("和", " and "),
    "records": ("记录：{arithmetic}", "records: {arithmetic}"),
    "side": ("{role}：{total} 条记录{listed}", "{role}: {total} records{listed}"),
    "case": ("案件 {id}：{persons} 人，{type}，{difficulty}，权重 {weight:g}",
             "case {id}: {persons} person(s), {type}, {difficulty}, weight {weight:g}"),
    "all_records": ("全部记录：{command}", "all records: {command}"),
}
#: the sides of a value's records (:class:`kaoping.engine.explain.Side`'s role)
_ROLES_ZH = {"numerator": "分子", "denominator": "分母"}
#: a weighted case's type when no type of the scheme matches, and its difficulties
#: (:func:`kaoping.appraisal.weighting.case_weights`)
_CASES_ZH = {"other": "其他", "simple": "简单", "ordinary": "普通", "complex": "复杂"}
#: a run's status and an adjustment's kind, in Chinese
_STATUS_ZH = {"draft": "草稿", "published": "已发布", "superseded": "已被取代"}
_KIND_ZH = {"bonus": "加分", "deduction": "扣分", "correction": "更正"}


def _say(key: str, lang: Literal["zh", "en"], **values: object) -> str:
    zh, en = _SAY[key]
    return (zh if lang == "zh" else en).format(**values)


def _indicator_lines(line: IndicatorScore, lang: Literal["zh", "en"],
                     grades: dict[str, str]) -> list[str]:
    name = line.name_zh if lang == "zh" else line.name_en

    def text(x: str) -> str:
        return scoring_zh(x, grades) if lang == "zh" else x

    head = ("    " + _say("value", lang, id=line.indicator, name=name,
                          value=_value(line, lang))
            + (f" ({line.numerator:g} / {line.denominator:g})"
               if line.numerator is not None and line.denominator is not None else ""))
    out = [head]
    if line.estimator is not None:
        out.append(f"      {text(line.estimator)}")
    method = METHODS_ZH.get(line.method, line.method) if lang == "zh" else line.method
    out += ["      " + _say("method", lang, method=method, formula=text(line.formula),
                            a=f"{line.attainment:.4f}"),
            "      " + _say("points", lang, a=f"{line.attainment:.4f}",
                            max=f"{line.max_points:.2f}", points=f"{line.points:.2f}")]
    if line.points_low is not None and line.points_high is not None:
        which = (_say("estimate_interval", lang, low=line.estimate_low,
                      high=line.estimate_high) if line.estimate is not None
                 else _say("ci", lang, low=line.ci_low, high=line.ci_high))
        out.append("      " + _say("over", lang, which=which, low=f"{line.points_low:.2f}",
                                   high=f"{line.points_high:.2f}"))
    if line.expected is not None:
        oe = (_say("observed_expected", lang, oe=f"{line.o_e:.2f}")
              if line.o_e is not None else "")
        out.append("      " + _say("expected", lang,
                                   expected=format_value(line.expected, "rate", lang), oe=oe))
    return out


def _record_lines(rec: IndicatorRecords, lang: Literal["zh", "en"],
                  names: dict[str, str]) -> list[str]:
    """``names``: case types and difficulties by their Chinese names (empty in English)."""
    zh = lang == "zh"
    arithmetic = scoring_zh(rec.arithmetic) if zh else rec.arithmetic
    out = ["      " + _say("records", lang, arithmetic=arithmetic)]
    for role, total, ids in rec.sides:
        more = " …" if total > len(ids) else ""
        listed = f": {', '.join(ids)}{more}" if ids else ""
        out.append("        " + _say("side", lang, role=_ROLES_ZH.get(role, role) if zh
                                     else role, total=total, listed=listed))
    for c in rec.cases:
        out.append("        " + _say("case", lang, id=c.case_id, persons=c.persons,
                                     type=names.get(c.case_type, c.case_type),
                                     difficulty=names.get(c.difficulty, c.difficulty),
                                     weight=c.weight))
    if rec.command:
        out.append("        " + _say("all_records", lang, command=rec.command))
    return out


def _indistinct(named: tuple[str, ...], hidden: int, lang: Literal["zh", "en"]) -> str:
    if not named and not hidden:
        return ""
    others = _say("others", lang, n=hidden, s="s" if hidden != 1 else "") if hidden else ""
    return _say("indistinct", lang, who=_say("and", lang).join(
        x for x in (", ".join(named), others) if x))


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
    zh = lang == "zh"
    grades = {g.id: g.name_zh for g in run.scheme.grades} if zh else {}
    cw = run.scheme.case_weighting
    case_names = ({**_CASES_ZH, **{t.id: t.name_zh for t in cw.types}} if zh and cw
                  else {})

    def text(x: str) -> str:
        return scoring_zh(x, grades) if zh else x

    grade_note = f" ({text(r.grade_note)})" if r.grade_note else ""
    lines = [
        _say("run", lang, run=run.run_id, scheme=scheme, period=run.period,
             status=_STATUS_ZH.get(run.status, run.status) if zh else run.status,
             hash=run.content_hash[:16]),
        _say("total", lang, subject=r.subject, name=name, total=f"{r.total:.2f}",
             base=f"{r.base:.2f}", bonus=f"{r.bonus:.2f}", deduction=f"{r.deduction:.2f}",
             correction=f"{r.correction:.2f}"),
        _say("rank", lang, rank=r.rank, peers=r.peers, group=r.group,
             grade=grades.get(r.grade, r.grade)) + grade_note,
        _say("interval", lang, low=f"{r.total_low:.2f}", high=f"{r.total_high:.2f}")
        + _indistinct(r.indistinct_from, hidden, lang),
    ]
    for a in r.adjustments:
        lines.append("  " + _say("adjustment", lang,
                                 kind=_KIND_ZH.get(a.kind, a.kind) if zh else a.kind,
                                 item=a.item_id, category=a.category, points=a.points,
                                 counted=a.counted, reason=text(a.reason)))
    for d in r.dimensions:
        dname = d.name_zh if lang == "zh" else d.name_en
        lines.append("  " + _say("dimension", lang, id=d.id, name=dname,
                                 score=f"{d.score:.2f}", weight=d.weight))
        for line in d.indicators:
            lines.extend(_indicator_lines(line, lang, grades))
            if line.note:
                lines.append("      " + _say("note", lang, note=text(line.note)))
            rec = expl.records.get(line.indicator)
            if rec is not None:
                lines.extend(_record_lines(rec, lang, case_names))
    return "\n".join(lines)
