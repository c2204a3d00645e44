"""What the Word and PDF briefing (通报) print, decided once for both.

The text is the narrative's briefing (``kaoping brief``) word for word, read from its
Markdown by :mod:`kaoping.reports.markdown`: headline figures with their year-on-year
sentences, indicators outside their reasonable range, the biggest movers, the league table
of the organs below with their grades, the prosecutors' grade distribution. This module
adds what Markdown cannot carry -- a chart after the headline figures, the league table and
the grade distribution -- and an annex with the league tables of the key rates among the
organs below (value, numerator/denominator, change, flags), read from the stored results
like ``kaoping show``, so that a warning about an organ below is visible too.

The layout is that of an official document (党政机关公文格式, GB/T 9704; docs/reports.md):
a letterhead (the issuing organ in red, the document number, a red rule), the title, the
body numbered 一、（一）1., the signature and date, and a colophon. What only a system
needs -- indicator ids, appraisal content hashes, the commands that reproduce each figure
-- is kept out of the body and goes to the file's properties (:attr:`Document.provenance`).
"""

from __future__ import annotations

import re
from datetime import date

from kaoping.reports import charts
from kaoping.reports.data import Figure, IndicatorInfo, ReportData
from kaoping.reports.document import (
    Block,
    Bullets,
    Chart,
    Document,
    Heading,
    Letterhead,
    Paragraph,
    Table,
)
from kaoping.reports.labels import Lang, change_text, flag_text, range_text, t, value_text
from kaoping.reports.markdown import Section, parse_markdown
from kaoping.reports.narrative import BriefingSource

__all__ = ["LEAGUE", "build_document"]

#: Indicators whose league table of the organs below the annex prints (DOMAIN.md: "fewer
#: arrests, cautious prosecution").
LEAGUE: tuple[str, ...] = ("non_arrest_rate", "non_prosecution_rate")

_W: dict[str, tuple[str, str]] = {
    "annex": ("附：主要比率指标各院情况", "Annex: key rates of the organs below"),
    "league_title": ("{name}（{period}）", "{name} ({period})"),
    "parent_line": ("{organ}（本院）", "{organ} (this organ)"),
    "range_band": ("合理区间", "reasonable range"),
    "changes_chart": (
        "主要比率指标同比变化（百分点）",
        "Year-on-year change of the headline rates (percentage points)",
    ),
    "pp": ("百分点", "percentage points"),
    "league_chart": ("下级院考评总分", "Totals of the organs below"),
    "grades_chart": ("检察官考评等次分布（人）", "Prosecutors by grade"),
    "commands": (
        "复核命令（在数据仓库所在目录执行）：",
        "Commands that reproduce the figures (run where the warehouse is):",
    ),
    "mark": ("{issuer}文件", "{issuer}"),
    "number": ("〔{year}〕{n}号", "No. {n} ({year})"),
    "office": ("{issuer}案件管理办公室", "Case-management office, {issuer}"),
    "colophon": ("{office}　　{date}印发", "Issued by the {office}, {date}"),
}

_NUMERALS_ZH = "一二三四五六七八九十"
#: a cell holding an internal identifier (an indicator id such as non_arrest_rate)
_INTERNAL_ID = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")


def _w(key: str, lang: Lang, **fields: object) -> str:
    text = _W[key][0] if lang == "zh" else _W[key][1]
    return text.format(**fields) if fields else text


def _league_table(data: ReportData, ind: IndicatorInfo, lang: Lang) -> list[Block]:
    figs = sorted(
        data.figures_below(ind.id), key=lambda f: (f.rank is None, f.rank or 0, f.organ.code)
    )
    if not figs:
        return []
    own = data.own.get(ind.id)
    rows: list[tuple[str, ...]] = []
    warn: set[int] = set()
    for i, fig in enumerate(figs):
        if "out_of_range" in fig.flags:
            warn.add(i)
        rows.append(
            (
                str(fig.rank or ""),
                fig.organ.name(lang),
                value_text(fig.value, ind.unit, lang),
                _fraction(fig, ind, lang),
                change_text(fig.change, fig.change_unit, lang),
                flag_text(fig.flags, lang),
            )
        )
    bold: frozenset[int] = frozenset()
    if own is not None:
        bold = frozenset({len(rows)})
        rows.append(
            (
                "",
                _w("parent_line", lang, organ=data.organ.name(lang)),
                value_text(own.value, ind.unit, lang),
                _fraction(own, ind, lang),
                change_text(own.change, own.change_unit, lang),
                flag_text(own.flags, lang),
            )
        )
    title = _w("league_title", lang, name=ind.name(lang), period=data.period_name(lang))
    header = tuple(t(k, lang) for k in ("rank", "organ", "value", "numerator", "change", "flags"))
    header = (*header[:3], f"{t('numerator', lang)}/{t('denominator', lang)}", *header[4:])
    blocks: list[Block] = [
        Heading(title, level=2),
        Table(
            header,
            tuple(rows),
            ("center", "left", "right", "right", "right", "left"),
            bold_rows=bold,
            warn_rows=frozenset(warn),
        ),
    ]
    plotted = [f for f in figs if f.value is not None]
    if plotted:
        bounds = ind.range_for(plotted[0].organ.level)
        png = charts.bar_chart(
            [
                charts.Bar(f.organ.name(lang), f.value or 0.0, "out_of_range" in f.flags)
                for f in plotted
            ],
            percent=ind.unit == "rate",
            reference=own.value if own is not None else None,
            reference_label=data.organ.name(lang) if own is not None else None,
            band=bounds,
            band_label=(
                f"{_w('range_band', lang)} {range_text(bounds, ind.unit, lang)}" if bounds else None
            ),
        )
        blocks.append(Chart(png, title))
    return blocks


def _fraction(fig: Figure, ind: IndicatorInfo, lang: Lang) -> str:
    unit = "amount" if ind.unit == "amount" else "count"
    if fig.denominator is None:
        return value_text(fig.numerator, unit, lang)
    return f"{value_text(fig.numerator, unit, 'en')}/{value_text(fig.denominator, unit, 'en')}"


def _annex(data: ReportData, lang: Lang, ids: tuple[str, ...]) -> list[Block]:
    blocks: list[Block] = []
    for ind in data.indicators:
        if ind.id in ids:
            blocks += _league_table(data, ind, lang)
    return [Heading(_w("annex", lang)), *blocks] if blocks else []


def _charts(kind: str | None, source: BriefingSource, lang: Lang) -> list[Block]:
    """The chart that follows a section of the briefing, if it has one."""
    if kind == "headline" and source.headline_changes:
        bars = [charts.Bar(name, change, swing) for name, change, swing in source.headline_changes]
        png = charts.change_chart(bars, unit_label=_w("pp", lang))
        return [Chart(png, _w("changes_chart", lang))]
    if kind == "league" and source.league:
        bars = [charts.Bar(e.name, e.total, e.worst) for e in source.league]
        return [Chart(charts.bar_chart(bars, percent=False), _w("league_chart", lang))]
    if kind == "prosecutors" and any(n for _, n in source.grades):
        bars = [charts.Bar(name, float(n)) for name, n in source.grades]
        png = charts.bar_chart(bars, percent=False)
        return [Chart(png, _w("grades_chart", lang), width_cm=12.0)]
    return []


def _section_kinds(source: BriefingSource, sections: list[Section]) -> list[str | None]:
    """Which section is which; without a one-to-one match, no charts rather than wrong ones."""
    if len(source.sections) == len(sections):
        return list(source.sections)
    return [None] * len(sections)


def _as_note(block: Block) -> Block:
    if isinstance(block, Paragraph):
        return Paragraph(block.text, style="note")
    if isinstance(block, Bullets):
        return Bullets(block.items, style="note")
    return block


def _date_text(day: date, lang: Lang) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else day.strftime("%d %B %Y")


def letterhead(data: ReportData, lang: Lang, *, issued: date, number: int | None) -> Letterhead:
    """The official-document parts of the briefing of ``data``. The document number is
    the period's last month unless given: a monthly briefing series numbers itself 1-12
    in the year (〔2020〕6号 for June or for 2020-H1)."""
    issuer = data.organ.name(lang)
    year = int(data.period[:4])
    n = number if number is not None else _last_month(data.period)
    office = _w("office", lang, issuer=issuer)
    day = _date_text(issued, lang)
    return Letterhead(
        mark=_w("mark", lang, issuer=issuer),
        number=_w("number", lang, year=year, n=n),
        signature=office,
        date=day,
        colophon=_w("colophon", lang, office=office, date=day),
    )


def _last_month(period: str) -> int:
    from kaoping.engine.periods import parse_period

    return parse_period(period).last % 12 + 1


def _without_ids(block: Block) -> Block:
    """A table without its columns of internal identifiers (the narrative's Markdown
    names each indicator by id beside its name, for ``kaoping show``)."""
    if not isinstance(block, Table) or not block.rows:
        return block
    keep = [c for c in range(len(block.header))
            if not all(_INTERNAL_ID.match(row[c]) for row in block.rows if c < len(row))]
    if len(keep) == len(block.header):
        return block
    return Table(
        tuple(block.header[c] for c in keep),
        tuple(tuple(row[c] for c in keep) for row in block.rows),
        tuple(block.alignment(c) for c in keep),
        bold_rows=block.bold_rows, warn_rows=block.warn_rows, caption=block.caption,
    )


def _numbered(blocks: list[Block], lang: Lang) -> list[Block]:
    """Official-document numbering: subheadings （一）（二）within a section, listed
    sentences 1. 2. as paragraphs (a 公文 has no bullets)."""
    out: list[Block] = []
    sub = 0
    for block in blocks:
        if isinstance(block, Heading) and block.level == 1:
            sub = 0
            out.append(block)
        elif isinstance(block, Heading):
            sub += 1
            mark = f"（{_NUMERALS_ZH[sub - 1]}）" if lang == "zh" and sub <= 10 else f"({sub}) "
            out.append(Heading(mark + block.text, level=2))
        elif isinstance(block, Bullets) and block.style == "body":
            out += [Paragraph(f"{i}. {item}") for i, item in enumerate(block.items, start=1)]
        else:
            out.append(block)
    return out


def _is_provenance(block: Block, hashes: tuple[str, ...]) -> bool:
    return isinstance(block, Paragraph) and any(h and h in block.text for h in hashes)


def _text_of(block: Block) -> list[str]:
    if isinstance(block, Paragraph | Heading):
        return [block.text]
    if isinstance(block, Bullets):
        return list(block.items)
    return []


def build_document(
    data: ReportData,
    source: BriefingSource,
    lang: Lang = "zh",
    *,
    league: tuple[str, ...] = LEAGUE,
    issued: date | None = None,
    number: int | None = None,
) -> Document:
    """The briefing in ``lang`` laid out as an official document: letterhead, the
    narrative's text (without internal ids), charts, the annex of key rates; the commands
    and appraisal hashes that make it checkable go to :attr:`Document.provenance`."""
    parsed = parse_markdown(source.markdown)
    provenance: list[str] = []
    blocks: list[Block] = []
    if data.stale(lang):
        blocks.append(Paragraph(data.stale(lang), style="note"))
    body: list[Block] = list(parsed.preamble)
    for section, kind in zip(parsed.sections, _section_kinds(source, parsed.sections), strict=True):
        body += [section.heading, *section.blocks, *_charts(kind, source, lang)]
    for block in body:
        if _is_provenance(block, source.hashes):
            provenance += _text_of(block)
        else:
            blocks.append(_without_ids(block))
    blocks = _numbered(blocks, lang)
    annex = _numbered(_annex(data, lang, league), lang)
    for block in parsed.footer:
        provenance += _text_of(block)
    if parsed.commands:
        provenance += [_w("commands", lang), *dict.fromkeys(parsed.commands)]
    when = (
        data.computed_at.strftime("%Y-%m-%d %H:%M") if data.computed_at else t("not_computed", lang)
    )
    if lang == "zh":
        subtitle = f"（{t('period', lang)}：{data.period_name(lang)}；"
        subtitle += t("computed_at", lang, when=when) + "）"
    else:
        subtitle = f"({t('period', lang)}: {data.period_name(lang)}; "
        subtitle += t("computed_at", lang, when=when) + ")"
    title = parsed.title or t(
        "briefing_title", lang, organ=data.organ.name(lang), period=data.period_name(lang)
    )
    head = letterhead(data, lang, issued=issued or date.today(), number=number)
    return Document(title=title, subtitle=subtitle, blocks=tuple(blocks), lang=lang,
                    letterhead=head, annex=tuple(annex), provenance=tuple(provenance))
