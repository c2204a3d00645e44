"""The briefing as a small tree of blocks, so Word and PDF render the same content.

The content is decided once (:mod:`kaoping.reports.content`) and each writer only maps a
block to its own markup: a heading, a paragraph, a bullet list, a table, a chart image.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Block", "Bullets", "Chart", "Document", "Heading", "Letterhead", "Paragraph",
           "Table"]

Align = Literal["left", "right", "center"]


@dataclass(frozen=True)
class Heading:
    text: str
    #: 1 = a section (一、二、…), 2 = a subsection
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    text: str
    #: "note" is the small print under a table or at the end (sources, definitions)
    style: Literal["body", "note"] = "body"


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]
    style: Literal["body", "note"] = "body"


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    #: one per column; numbers are right-aligned
    align: tuple[Align, ...] = ()
    #: indexes into ``rows`` to emphasise (the organ's own row, a total)
    bold_rows: frozenset[int] = frozenset()
    #: indexes into ``rows`` to mark as warnings (a value outside its reasonable range)
    warn_rows: frozenset[int] = frozenset()
    caption: str | None = None

    def alignment(self, column: int) -> Align:
        return self.align[column] if column < len(self.align) else "left"


@dataclass(frozen=True)
class Chart:
    """A chart already rendered to PNG (by :mod:`kaoping.reports.charts`)."""

    png: bytes = field(repr=False)
    caption: str
    #: the width it is printed at, in centimetres (height follows the image's aspect)
    width_cm: float = 15.0


Block = Heading | Paragraph | Bullets | Table | Chart


@dataclass(frozen=True)
class Letterhead:
    """The parts of an official document (党政机关公文格式, GB/T 9704) around the body."""

    #: 发文机关标志: the red line at the head, e.g. "广东省人民检察院文件"
    mark: str
    #: 发文字号, e.g. "〔2020〕6号"
    number: str
    #: 发文机关署名 above the date at the end of the body
    signature: str
    #: 成文日期, e.g. "2026年12月2日"
    date: str
    #: 版记: who issued it and when ("广东省人民检察院案件管理办公室　2026年12月2日印发")
    colophon: str


@dataclass(frozen=True)
class Document:
    title: str
    #: the line under the title: the period, the date the figures were computed
    subtitle: str
    blocks: tuple[Block, ...]
    lang: Literal["zh", "en"] = "zh"
    letterhead: Letterhead | None = None
    #: 附件: printed after the signature and date, from a new page
    annex: tuple[Block, ...] = ()
    #: where the figures come from -- the commands that reproduce them, the appraisal
    #: runs and their content hashes: written to the file's properties, never the body
    provenance: tuple[str, ...] = ()

    def texts(self) -> Iterator[str]:
        """Every piece of text printed, e.g. to know which glyphs a PDF font needs."""
        if self.letterhead is not None:
            lh = self.letterhead
            yield from (lh.mark, lh.number, lh.signature, lh.date, lh.colophon)
        yield self.title
        yield self.subtitle
        for block in (*self.blocks, *self.annex):
            if isinstance(block, Heading | Paragraph):
                yield block.text
            elif isinstance(block, Bullets):
                yield from block.items
            elif isinstance(block, Table):
                yield from block.header
                for row in block.rows:
                    yield from row
                if block.caption:
                    yield block.caption
            else:
                yield block.caption
