"""The briefing (通报) a case-management office circulates, as Markdown, in Chinese or English.

Sections: headline figures with year-on-year changes, the indicators outside their
reasonable range, the biggest movers, the league table of the organs below with their
grades, and the prosecutors' grade distribution. Every sentence is generated from a
figure; a clause with nothing behind it (no previous year, no organ below, no value) is
left out rather than filled with a guess -- no sentence states what the data does not show.

Figures are read through :class:`kaoping.api.Warehouse` -- the same path as
``kaoping show`` -- and each headline sentence carries, as an HTML comment, the command
that reproduces it. Grades come from the stored appraisal run of the period over the
organ's subjects (published first), else from the published run of an organ above it
that appraised them (a province's run over its counties, for a municipal briefing);
without either, the default scheme is run for the briefing without storing it, and the
briefing names its content hash and the command that reproduces it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kaoping.narrative.numbers import Lang, format_change, format_value

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from kaoping.api import Warehouse
    from kaoping.appraisal.compute import ComputedRun
    from kaoping.appraisal.results import SubjectResult
    from kaoping.appraisal.runs import Run
    from kaoping.catalogue.models import Catalogue, Indicator
    from kaoping.detect.annex import AnnexRow
    from kaoping.engine.hierarchy import Hierarchy
    from kaoping.engine.values import IndicatorValue

__all__ = ["HEADLINE", "Briefing", "GradeTable", "build_briefing", "write_briefing"]

#: what a briefing leads with, when the catalogue has it: arrests, prosecutions, the
#: "fewer arrests, cautious prosecution, cautious detention" rates, the case ratio
HEADLINE: tuple[str, ...] = (
    "persons_arrest_approved",
    "non_arrest_rate",
    "persons_prosecuted",
    "non_prosecution_rate",
    "minor_conditional_non_prosecution_rate",
    "pretrial_detention_rate",
    "plea_leniency_rate",
    "sentencing_recommendation_adoption_rate",
    "case_proceeding_ratio",
    "avg_prosecution_review_days",
)
MAX_MOVERS = 5

_T: dict[str, tuple[str, str]] = {
    "title": ("{organ}{period}检察业务数据通报", "{organ}: briefing for {period}"),
    "s1": ("主要业务数据", "Headline figures"),
    "s2": ("超出合理区间的指标", "Indicators outside their reasonable range"),
    "s3": ("同比变化较大的指标", "Biggest year-on-year changes"),
    "s4": ("下级院考评排名", "League table of the organs below"),
    "s5": ("检察官考评等次分布", "Prosecutors' grades"),
    "thin": ("（样本较少，仅供参考）", " (few cases; for reference only)"),
    "no_headline": ("本期无主要业务数据。", "No headline figure has data for this period."),
    "in_range": (
        "本期设有合理区间的{n}项指标均在合理区间内。",
        "All {n} indicators with a reasonable range are within it this period.",
    ),
    "no_range": (
        "本期没有可与合理区间比较的指标数据。",
        "No indicator with a reasonable range has a value this period.",
    ),
    "no_movers": ("本期无可比较的同比数据。", "No year-on-year comparison is available."),
    "movers_note": ("样本较少的指标不列入。", "Indicators with few cases are left out."),
    "league_intro": (
        "{n}个下级院参加考评，各院得分和等次如下。",
        "{n} organs below were appraised; their totals and grades follow.",
    ),
    "tie_note": (
        "标“≈”的院与相邻名次的得分区间重叠，名次差异在统计上不显著。",
        "≈ marks organs whose score interval overlaps a neighbour's: their order "
        "is not statistically meaningful.",
    ),
    "no_pros": ("本期没有可考评的检察官。", "No prosecutor had cases to appraise this period."),
    "not_graded": (
        "本期尚无已保存的考评；本院及下级院共{n}名检察官，人数超过通报临时计算的上限"
        "（{limit}名），请先运行考评并发布。<!-- {cmd} -->",
        "No appraisal of this period is stored, and its {n:,} prosecutors are more than a "
        "briefing scores on the fly ({limit:,}): make and publish a run first. <!-- {cmd} -->",
    ),
    "pros_intro": (
        "{n}名检察官参加考评，等次分布如下。",
        "{n} prosecutors were appraised; their grades are distributed as follows.",
    ),
    "annex": ("附件：可能的数据异常（供复核）", "Annex: possible gaming (for review)"),
    "annex_none": (
        "本期未检出需要复核的数据异常。",
        "No possible gaming was detected in this period.",
    ),
    "annex_intro": (
        "以下情况由统计检验检出，仅提示可能的数据异常，需结合案卷复核，不作为考评结论。",
        "The tests below flag possible gaming only: each needs a review of the files and is "
        "not an appraisal finding.",
    ),
    "source": (
        "数据来源：kaoping 数据仓库，指标按现行指标目录计算；每个数字可用所附命令复核。",
        "Source: the kaoping warehouse, indicators as the catalogue defines them; "
        "each figure can be checked with the command beside it.",
    ),
    "stored": (
        "考评结果：第{run}号考评（{status}），内容哈希 {hash}。",
        "Appraisal: run {run} ({status}), content hash {hash}.",
    ),
    "transient": (
        "考评结果：按默认方案为本通报计算（未保存），内容哈希 {hash}；复核命令：`{cmd}`。",
        "Appraisal: computed for this briefing with the default scheme (not "
        "stored), content hash {hash}; reproduce with `{cmd}`.",
    ),
}
_STATUS_ZH = {"draft": "草稿", "published": "已发布"}
#: the most subjects a briefing with no stored run to quote scores on the fly: an organ's
#: own prosecutors (tens) or a city's (hundreds) take a second or two, a province's or
#: the nation's (thousands) up to a minute -- for grades nobody reviewed, so those are a
#: run of their own (kaoping appraise), made once and quoted by every briefing after it
TRANSIENT_AT_MOST = 500
_NUMERALS_ZH = "一二三四五六七八九"


def _t(key: str, lang: Lang, **kw: object) -> str:
    zh, en = _T[key]
    return (zh if lang == "zh" else en).format(**kw)


@dataclass(frozen=True)
class GradeTable:
    """The run the grades of a section come from."""

    subject_type: str
    results: tuple[SubjectResult, ...]
    grades: tuple[tuple[str, str, str], ...]  # (id, name_zh, name_en) best first
    run_id: int | None
    status: str
    content_hash: str
    command: str
    #: subjects left ungraded: no stored run, and more than a briefing scores on the fly
    #: (:data:`TRANSIENT_AT_MOST`); ``results`` is then empty
    not_graded: int = 0


@dataclass
class Briefing:
    """The briefing's figures, kept beside its text so that tests can check every number."""

    organ: str
    period: str
    lang: Lang
    headline: list[IndicatorValue] = field(default_factory=list)
    out_of_range: list[IndicatorValue] = field(default_factory=list)
    movers: list[IndicatorValue] = field(default_factory=list)
    league: GradeTable | None = None
    prosecutors: GradeTable | None = None
    text: str = ""
    #: why the period has no figures at all (after the data ends), in the briefing's language
    no_data: str | None = None
    #: the detections of possible gaming for the annex (None: no annex)
    annex: Sequence[AnnexRow] | None = None


# --- reading figures -----------------------------------------------------------------------


def _figures(wh: Warehouse, organ: str, period: str) -> list[IndicatorValue]:
    """Every catalogue indicator of the organ for the period, as ``kaoping show`` reads it
    (those without a value too: a period without data says so)."""
    ids = [ind.id for ind in wh.catalogue.indicators]
    return wh.indicators(ids, organ=organ, period=period)


def _thin(v: IndicatorValue) -> bool:
    return "small_denominator" in v.flags


def _movers(values: Sequence[IndicatorValue]) -> list[IndicatorValue]:
    """The largest year-on-year changes: rates (in points) first, then counts (in percent)."""
    usable = [v for v in values if v.change is not None and not _thin(v) and v.change != 0]
    rates = sorted(
        (v for v in usable if v.change_unit == "percentage_points"),
        key=lambda v: (-abs(v.change or 0), v.indicator),
    )
    counts = sorted(
        (v for v in usable if v.change_unit == "percent"),
        key=lambda v: (-abs(v.change or 0), v.indicator),
    )
    return rates[:MAX_MOVERS] + counts[:MAX_MOVERS]


def _range(ind: Indicator, level: int, lang: Lang) -> str:
    rr = ind.reasonable_range
    r = None if rr is None else rr.by_level.get(level, rr.default)
    if r is None:
        return "—"
    unit = ind.unit.value
    low = format_value(r.low, unit, lang) if r.low is not None else None
    high = format_value(r.high, unit, lang) if r.high is not None else None
    if low and high:
        return f"{low}–{high}"
    return f"≥ {low}" if low else f"≤ {high}"


# --- grades ------------------------------------------------------------------------------------


def _published_above(
    app_engine: Engine,
    period: str,
    kind: str,
    organ: str,
    level: int | None,
    hierarchy: Hierarchy,
) -> tuple[Run | None, tuple[SubjectResult, ...]]:
    """The published run of an organ above ``organ`` that appraised the subjects below
    ``organ`` (its organs of ``level`` one step down, or its prosecutors), with only
    those subjects' results -- or (None, ()).

    Why: the office above publishes one run over every organ it appraises (a province's
    over all its counties); a municipal briefing quotes those official grades for its
    own counties rather than scoring a run of its own for the briefing -- which also
    took a national warehouse tens of seconds per briefing.
    """
    from kaoping.appraisal.runs import find_run, results_of

    parents = dict(zip(hierarchy.organs["organ_code"], hierarchy.organs["parent_code"],
                       strict=True))
    children = [c for c, p in parents.items() if p == organ]
    above = parents.get(organ)
    while isinstance(above, str) and above:
        run = find_run(app_engine, period, subject_type=kind, organ=above, level=level,
                       with_results=False)
        if run is not None and run.status == "published":
            # only this organ's subjects: the run above may hold tens of thousands
            if kind == "organ":
                mine = results_of(app_engine, run.run_id, subjects=children)
            else:
                mine = results_of(app_engine, run.run_id, organ=organ)
            if mine:
                return run, mine
        above = parents.get(above)
    return None, ()


def _grade_table(
    warehouse: Path,
    period: str,
    organ: str,
    kind: str,
    level: int | None,
    app_engine: Engine | None,
    catalogue: Catalogue,
    hierarchy: Hierarchy,
) -> GradeTable | None:
    from kaoping.appraisal.errors import AppraisalError, SchemeError, ScopeTooLarge
    from kaoping.appraisal.load import default_scheme
    from kaoping.appraisal.runs import find_run

    run = None
    results: tuple[SubjectResult, ...] = ()
    if app_engine is not None:
        run = find_run(app_engine, period, subject_type=kind, organ=organ, level=level)
        if run is not None:
            results = run.results
        else:
            run, results = _published_above(app_engine, period, kind, organ, level, hierarchy)
    if run is not None:
        scheme = run.scheme
        return GradeTable(
            kind,
            results,
            _grade_names(scheme),
            run.run_id,
            run.status,
            run.content_hash,
            f"kaoping appraise show {run.run_id}",
        )
    try:
        scheme = default_scheme(kind, catalogue)
    except SchemeError:
        # the shipped scheme scores indicators this catalogue does not have (another
        # office's catalogue): without a run of its own scheme there are no grades
        return None
    cmd = f"kaoping appraise --organ {organ} --period {period}"
    if kind == "organ":
        subjects = scheme.subjects.model_copy(update={"level": level})
        scheme = scheme.model_copy(update={"subjects": subjects})
        cmd += f" --level {level}"
    else:
        cmd += " --scheme prosecutors"
    try:
        computed = _compute(warehouse, scheme, period, organ, catalogue)
    except ScopeTooLarge as exc:
        return GradeTable(kind, (), _grade_names(scheme), None, "not_graded", "", cmd,
                          not_graded=exc.subjects)
    except AppraisalError:
        return None  # nobody to appraise below this organ
    return GradeTable(
        kind, computed.results, _grade_names(scheme), None, "transient", computed.content_hash, cmd
    )


def _compute(
    warehouse: Path, scheme: object, period: str, organ: str, catalogue: Catalogue
) -> ComputedRun:
    from kaoping.appraisal.compute import compute_run
    from kaoping.appraisal.scheme import Scheme

    assert isinstance(scheme, Scheme)
    return compute_run(warehouse, scheme, period, organ=organ, catalogue=catalogue,
                       max_subjects=TRANSIENT_AT_MOST)


def _grade_names(scheme: object) -> tuple[tuple[str, str, str], ...]:
    from kaoping.appraisal.scheme import Scheme

    assert isinstance(scheme, Scheme)
    return tuple((g.id, g.name_zh, g.name_en) for g in scheme.grades)


# --- writing ---------------------------------------------------------------------------------


def _provenance(v: IndicatorValue) -> str:
    return f"<!-- kaoping show {v.indicator} --organ {v.organ} --period {v.period} -->"


def _name(v: IndicatorValue, lang: Lang) -> str:
    return v.name_zh if lang == "zh" else v.name_en


def _headline(b: Briefing) -> list[str]:
    lines = [f"## {_t('s1', b.lang)}", ""]
    if not b.headline:
        return [*lines, b.no_data or _t("no_headline", b.lang), ""]
    for v in b.headline:
        note = _t("thin", b.lang) if _thin(v) else ""
        lines.append(f"- {v.sentence(b.lang)}{note}{_no_comparison(v, b.lang)} {_provenance(v)}")
    return [*lines, ""]


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _change(v: IndicatorValue, lang: Lang) -> str:
    return format_change(v.change, v.change_unit, lang) or "—"


def _no_comparison(v: IndicatorValue, lang: Lang) -> str:
    """Why a headline figure has no year-on-year clause (its sentence drops it), so that
    a reader does not take the silence for "unchanged" -- e.g. a year compared with a
    spill-over year."""
    reason = v.previous_reason(lang) if v.change is None else None
    if reason is None:
        return ""
    return f"（{reason}）" if lang == "zh" else f" ({reason})"


def _out_of_range(b: Briefing, values: Sequence[IndicatorValue], level: int) -> list[str]:
    lines = [f"## {_t('s2', b.lang)}", ""]
    ranged = [v for v in values if v.definition.reasonable_range is not None]
    if not b.out_of_range:
        key = "in_range" if ranged else "no_range"
        return [*lines, _t(key, b.lang, n=len(ranged)), ""]
    head = (
        ("指标", "代码", "本期", "合理区间", "同比")
        if b.lang == "zh"
        else ("Indicator", "Id", "Value", "Reasonable range", "Year-on-year")
    )
    rows = [
        (
            _name(v, b.lang) + (_t("thin", b.lang) if _thin(v) else ""),
            f"`{v.indicator}`",
            format_value(v.value, v.unit, b.lang),
            _range(v.definition, level, b.lang),
            _change(v, b.lang),
        )
        for v in b.out_of_range
    ]
    return [*lines, *_table(head, rows), ""]


def _movers_section(b: Briefing) -> list[str]:
    lines = [f"## {_t('s3', b.lang)}", ""]
    if not b.movers:
        return [*lines, _t("no_movers", b.lang), ""]
    head = (
        ("指标", "代码", "本期", "去年同期", "同比")
        if b.lang == "zh"
        else ("Indicator", "Id", "Value", "A year earlier", "Year-on-year")
    )
    rows = [
        (
            _name(v, b.lang),
            f"`{v.indicator}`",
            format_value(v.value, v.unit, b.lang),
            format_value(v.previous, v.unit, b.lang),
            _change(v, b.lang),
        )
        for v in b.movers
    ]
    return [*lines, *_table(head, rows), "", _t("movers_note", b.lang), ""]


def _grade_label(table: GradeTable, grade: str, lang: Lang) -> str:
    for gid, zh, en in table.grades:
        if gid == grade:
            return zh if lang == "zh" else en
    return grade


def _source_line(table: GradeTable, lang: Lang) -> str:
    if table.run_id is None:
        return _t("transient", lang, hash=table.content_hash[:16], cmd=table.command)
    status = _STATUS_ZH.get(table.status, table.status) if lang == "zh" else table.status
    return _t("stored", lang, run=table.run_id, status=status, hash=table.content_hash[:16])


def _league(b: Briefing) -> list[str]:
    t = b.league
    if t is None or not t.results:
        return []
    lines = [f"## {_t('s4', b.lang)}", "", _t("league_intro", b.lang, n=len(t.results)), ""]
    ordered = sorted(t.results, key=lambda r: (-r.total, r.subject))
    head = (
        ("名次", "院", "代码", "总分", "等次")
        if b.lang == "zh"
        else ("Rank", "Organ", "Code", "Total", "Grade")
    )
    rows = []
    ranks = _overall_ranks(ordered)
    for r in ordered:
        mark = " ≈" if r.indistinct_from else ""
        rows.append(
            (
                f"{ranks[r.subject]}{mark}",
                r.name_zh if b.lang == "zh" else r.name_en,
                r.subject,
                f"{r.total:.2f}",
                _grade_label(t, r.grade, b.lang),
            )
        )
    lines += _table(head, rows)
    if any(r.indistinct_from for r in ordered):
        lines += ["", _t("tie_note", b.lang)]
    return [*lines, "", _source_line(t, b.lang), ""]


def _overall_ranks(ordered: Sequence[SubjectResult]) -> dict[str, int]:
    from kaoping.appraisal.grading import competition_ranks

    return competition_ranks({r.subject: r.total for r in ordered})


def _prosecutors(b: Briefing) -> list[str]:
    t = b.prosecutors
    lines = [f"## {_t('s5', b.lang)}", ""]
    if t is not None and t.not_graded:
        note = _t("not_graded", b.lang, n=t.not_graded, limit=TRANSIENT_AT_MOST,
                  cmd=t.command)
        return [*lines, note, ""]
    if t is None or not t.results:
        return [*lines, _t("no_pros", b.lang), ""]
    n = len(t.results)
    lines += [_t("pros_intro", b.lang, n=n), ""]
    head = ("等次", "人数", "占比") if b.lang == "zh" else ("Grade", "Prosecutors", "Share")
    rows = []
    for gid, zh, en in t.grades:
        k = sum(1 for r in t.results if r.grade == gid)
        rows.append((zh if b.lang == "zh" else en, str(k), f"{k / n * 100:.1f}%"))
    return [*lines, *_table(head, rows), "", _source_line(t, b.lang), ""]


def _annex(b: Briefing) -> list[str]:
    if b.annex is None:
        return []
    lines = [f"## {_t('annex', b.lang)}", ""]
    if not b.annex:
        return [*lines, _t("annex_none", b.lang), ""]
    head = (
        ("检测", "院", "情况", "q 值", "记录数")
        if b.lang == "zh"
        else ("Test", "Organ", "What was seen", "q-value", "Records")
    )
    zh = b.lang == "zh"
    rows = [
        (
            r.detector_zh if zh else r.detector_en,
            r.organ_name if zh else r.organ_name_en,
            (r.summary_zh if zh else r.summary_en).replace("|", "/"),
            f"{r.q_value:.3g}",
            str(r.record_count),
        )
        for r in b.annex
    ]
    return [*lines, _t("annex_intro", b.lang), "", *_table(head, rows), ""]


def build_briefing(
    warehouse: Path | str,
    period: str,
    *,
    organ: str | None = None,
    lang: Lang = "zh",
    app_engine: Engine | None = None,
    catalogue: Catalogue | None = None,
    annex: Sequence[AnnexRow] | None = None,
) -> Briefing:
    """The briefing with its figures (``Briefing.text`` is the Markdown).

    ``annex``: the detections of possible gaming of the organ and those below it
    (:func:`kaoping.detect.annex.annex`), rendered as the annex; None leaves it out --
    the detectors read every organ's records, so a caller that has them (the web
    server keeps them per data version) passes them rather than have them run again."""
    from kaoping.api import Warehouse
    from kaoping.engine.periods import parse_period

    p = parse_period(period)
    path = Path(warehouse)
    with Warehouse(path, catalogue=catalogue) as wh:
        subject = wh.subject(organ=organ)
        every = _figures(wh, subject.code, p.label)
        cat = wh.catalogue
        tree = wh.hierarchy
        has_below = bool((tree.organs["parent_code"] == subject.code).any())
    b = Briefing(subject.code, p.label, lang, annex=annex)
    b.no_data = next((v.data_reason(lang) for v in every if v.data_note is not None), None)
    values = [v for v in every if v.value is not None]
    by_id = {v.indicator: v for v in values}
    b.headline = [by_id[i] for i in HEADLINE if i in by_id]
    b.out_of_range = [v for v in values if "out_of_range" in v.flags]
    b.movers = _movers(values)
    if has_below:
        b.league = _grade_table(
            path, p.label, subject.code, "organ", subject.level + 1, app_engine, cat, tree
        )
    b.prosecutors = _grade_table(
        path, p.label, subject.code, "prosecutor", None, app_engine, cat, tree
    )
    name = subject.name_zh if lang == "zh" else subject.name_en
    period_name = p.label_zh if lang == "zh" else p.label_en
    lines = [f"# {_t('title', lang, organ=name, period=period_name)}", ""]
    sections = [
        _headline(b),
        _out_of_range(b, values, subject.level),
        _movers_section(b),
        _league(b),
        _prosecutors(b),
    ]
    for i, section in enumerate(s for s in sections if s):
        number = f"{_NUMERALS_ZH[i]}、" if lang == "zh" else f"{i + 1}. "
        lines += [section[0].replace("## ", f"## {number}", 1), *section[1:]]
    lines += _annex(b)
    lines += ["---", "", _t("source", lang)]
    b.text = "\n".join(lines) + "\n"
    return b


def write_briefing(
    warehouse: Path | str,
    period: str,
    *,
    organ: str | None = None,
    lang: Lang = "zh",
    app_engine: Engine | None = None,
    catalogue: Catalogue | None = None,
    annex: Sequence[AnnexRow] | None = None,
) -> str:
    """The briefing's Markdown text (see :func:`build_briefing`)."""
    return build_briefing(
        warehouse, period, organ=organ, lang=lang, app_engine=app_engine, catalogue=catalogue,
        annex=annex,
    ).text
