"""The briefing (通报) as an HTML document: its Markdown rendered, with a chart per section.

The narrative writes Markdown (``kaoping brief``); the page used to show that source, with
its ``#`` marks, pipe tables and the ``<!-- kaoping show … -->`` comments that name the
command behind each figure. Here the Markdown is rendered by markdown-it-py (CommonMark
with tables; raw HTML off, so nothing in an organ's name can inject markup), the comments
are taken out of the text and returned apart (the page lists them under a closed
"how to check these figures" fold, which does not print), and each section is followed by
the chart the Word and PDF versions print after it (:mod:`kaoping.reports.content`).
Like them, the page leaves out what only a system needs: table columns of indicator ids,
and the lines citing an appraisal's content hash and command (those join the fold).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

from kaoping.reports.narrative import BriefingSource

__all__ = ["BriefingHtml", "Section", "render_briefing"]

_COMMENT = re.compile(r"\s*<!--\s*(.*?)\s*-->")
_RULE = re.compile(r"^\s*-{3,}\s*$")
_MD = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")


@dataclass(frozen=True)
class Section:
    html: Markup
    #: the section's chart (an ECharts series: labels, values, flagged, unit), if any
    chart: dict[str, Any] | None = None


@dataclass(frozen=True)
class BriefingHtml:
    title: str
    sections: tuple[Section, ...]
    #: the small print after the closing rule (where the figures come from)
    footer: Markup
    #: the provenance: the appraisal source lines, then the commands that reproduce the
    #: figures, in order of first appearance
    commands: tuple[str, ...] = field(default=())


def _split(markdown: str) -> tuple[str, list[str], str]:
    """(the ``#`` title, the chunks -- what precedes the first ``##``, then each section --,
    and the footer after the closing ``---`` rule)."""
    title = ""
    chunks: list[list[str]] = [[]]
    footer: list[str] | None = None
    for line in markdown.splitlines():
        if footer is not None:
            footer.append(line)
        elif line.startswith("# ") and not title:
            title = line[2:].strip()
        elif line.startswith("## "):
            chunks.append([line])
        elif _RULE.match(line):
            footer = []
        else:
            chunks[-1].append(line)
    return title, ["\n".join(c) for c in chunks], "\n".join(footer or [])


def _chart(kind: str | None, source: BriefingSource) -> dict[str, Any] | None:
    if kind == "headline" and source.headline_changes:
        return {"labels": [n for n, _, _ in source.headline_changes],
                "values": [round(c, 2) for _, c, _ in source.headline_changes],
                "flagged": [s for _, _, s in source.headline_changes], "unit": "pp"}
    if kind == "league" and source.league:
        return {"labels": [e.name for e in source.league],
                "values": [round(e.total, 2) for e in source.league],
                "flagged": [e.worst for e in source.league], "unit": "points"}
    if kind == "prosecutors" and any(n for _, n in source.grades):
        return {"labels": [g for g, _ in source.grades],
                "values": [n for _, n in source.grades],
                "flagged": [False for _ in source.grades], "unit": "persons"}
    return None


_ID_CELL = re.compile(r"^`?[a-z][a-z0-9]*(_[a-z0-9]+)+`?$")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _without_id_columns(lines: list[str]) -> list[str]:
    """A pipe table without its columns of internal ids (the indicator ids the Markdown
    prints beside each name for ``kaoping show``), as the Word and PDF versions print it."""
    rows = [_cells(line) for line in lines]
    body = rows[2:]
    width = len(rows[0])
    ids = {c for c in range(width)
           if body and all(c < len(r) and _ID_CELL.match(r[c]) for r in body)}
    if not ids:
        return lines
    return ["| " + " | ".join(x for c, x in enumerate(r) if c not in ids) + " |" for r in rows]


def _readable(markdown: str, hashes: tuple[str, ...]) -> tuple[str, list[str]]:
    """The Markdown without id columns, and without the lines that cite an appraisal's
    content hash and command (returned apart: they are provenance, not text)."""
    out: list[str] = []
    provenance: list[str] = []
    table: list[str] = []
    for line in [*markdown.splitlines(), ""]:
        if line.lstrip().startswith("|"):
            table.append(line)
            continue
        if table:
            out += _without_id_columns(table)
            table = []
        if any(h and h in line for h in hashes):
            provenance.append(line.replace("`", "").strip())
        else:
            out.append(line)
    return "\n".join(out), provenance


def render_briefing(source: BriefingSource) -> BriefingHtml:
    """The briefing's sections as safe HTML, the charts that follow them, the commands."""
    commands: list[str] = []

    def strip(text: str) -> str:
        commands.extend(_COMMENT.findall(text))
        return _COMMENT.sub("", text)

    markdown, provenance = _readable(source.markdown, source.hashes)
    title, chunks, footer = _split(markdown)
    preamble, body = chunks[0], chunks[1:]
    # a chart only where sections and kinds match one to one, never a chart under the
    # wrong heading
    kinds: list[str | None] = (list(source.sections) if len(source.sections) == len(body)
                               else [None] * len(body))
    sections = []
    if preamble.strip():
        sections.append(Section(Markup(_MD.render(strip(preamble)))))
    for chunk, kind in zip(body, kinds, strict=True):
        sections.append(Section(Markup(_MD.render(strip(chunk))), _chart(kind, source)))
    return BriefingHtml(strip(title).strip(), tuple(sections),
                        Markup(_MD.render(strip(footer))),
                        tuple(dict.fromkeys([*provenance, *commands])))
