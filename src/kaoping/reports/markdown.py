"""Read the briefing's Markdown (``kaoping brief``) into document blocks.

Only the Markdown the narrative writes is understood: ``#`` title, ``##``/``###`` headings,
``- `` bullets, pipe tables, paragraphs, a ``---`` rule before the footer. HTML comments
carry the command that reproduces a figure; they are taken out of the text and returned
separately, so the document can list them instead of printing markup. Inline code marks
and bold markers are dropped; the text itself is kept word for word, so the Word and PDF
versions say exactly what ``kaoping brief`` says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kaoping.reports.document import Align, Block, Bullets, Heading, Paragraph, Table

__all__ = ["ParsedBriefing", "Section", "parse_markdown"]

_COMMENT = re.compile(r"<!--\s*(.*?)\s*-->")
_CODE = re.compile(r"`([^`]*)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_RULE = re.compile(r"^\s*(-{3,}|\*{3,}|_{3,})\s*$")
_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
#: a cell that is a figure: 12, 3,709, 17.1%, +5.9, 1 : 1.18, "5 ≈"
_NUMBER = re.compile(r"^[+\-−]?\d[\d,.]*\s*(%|:\s*[\d.]+)?\s*≈?$")


@dataclass
class Section:
    heading: Heading
    blocks: list[Block] = field(default_factory=list)


@dataclass
class ParsedBriefing:
    title: str = ""
    #: blocks before the first heading
    preamble: list[Block] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    #: blocks after the ``---`` rule (the source line)
    footer: list[Block] = field(default_factory=list)
    #: the commands found in HTML comments, in order
    commands: list[str] = field(default_factory=list)


def _inline(text: str, commands: list[str]) -> str:
    commands.extend(_COMMENT.findall(text))
    text = _COMMENT.sub("", text)
    text = _BOLD.sub(r"\1", _CODE.sub(r"\1", text))
    return text.strip()


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _table(lines: list[str], commands: list[str]) -> Table:
    header = [_inline(c, commands) for c in _cells(lines[0])]
    body = [
        [_inline(c, commands) for c in _cells(line)]
        for line in lines[1:]
        if not _SEPARATOR.match(line)
    ]
    body = [(row + [""] * len(header))[: len(header)] for row in body]
    align: list[Align] = []
    for c in range(len(header)):
        cells = [row[c] for row in body if row[c]]
        numeric = c > 0 and bool(cells) and all(_NUMBER.match(x) for x in cells)
        align.append("right" if numeric else "left")
    return Table(tuple(header), tuple(tuple(r) for r in body), tuple(align))


def parse_markdown(text: str) -> ParsedBriefing:
    """The blocks of ``text``, grouped by section."""
    out = ParsedBriefing()
    target: list[Block] = out.preamble
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            i += 1
        elif stripped.startswith("# "):
            out.title = _inline(stripped[2:], out.commands)
            i += 1
        elif stripped.startswith("#"):
            level = len(stripped) - len(stripped.lstrip("#"))
            heading = Heading(_inline(stripped[level:], out.commands), level=min(level - 1, 2))
            out.sections.append(Section(heading))
            target = out.sections[-1].blocks
            i += 1
        elif _RULE.match(stripped):
            target = out.footer
            i += 1
        elif stripped.startswith(("- ", "* ")):
            items = []
            while i < len(lines) and lines[i].strip().startswith(("- ", "* ")):
                items.append(_inline(lines[i].strip()[2:], out.commands))
                i += 1
            target.append(Bullets(tuple(items)))
        elif stripped.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(lines[i])
                i += 1
            target.append(_table(rows, out.commands))
        else:
            para = []
            while i < len(lines) and lines[i].strip() and not _starts_block(lines[i]):
                para.append(lines[i].strip())
                i += 1
            joined = _join(para)
            if text_ := _inline(joined, out.commands):
                target.append(Paragraph(text_))
    return out


def _starts_block(line: str) -> bool:
    s = line.strip()
    return s.startswith(("#", "- ", "* ", "|")) or bool(_RULE.match(s))


def _join(lines: list[str]) -> str:
    """Soft-wrapped lines of one paragraph: no space between Chinese characters."""
    out = ""
    for line in lines:
        if out and not (_is_cjk(out[-1]) and _is_cjk(line[0])):
            out += " "
        out += line
    return out


def _is_cjk(ch: str) -> bool:
    return ord(ch) >= 0x2E80
