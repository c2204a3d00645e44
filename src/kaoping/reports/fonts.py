"""The CJK fonts of the reports: packaged with kaoping, never looked up on the system.

Charts and PDFs need a font with Chinese glyphs. Looking one up among the installed system
fonts (as kaoping once did, through matplotlib's font manager) made a fresh machine fail
with a PDF error and a bare HTTP 500 until a system package was installed, and then until
matplotlib's stale font cache was deleted by hand. So the fonts come with kaoping itself:
the dependency ``pylopdf-fonts-zh-cn`` (a data-only wheel, SIL Open Font License 1.1)
carries Google's **Noto Sans SC** and **Noto Serif SC** as OpenType files, and they are used
from their file paths: registered with reportlab by file, added to matplotlib's font
manager by file (:func:`chart_font`). No font cache and no system font is consulted.

The faces follow the usage of Chinese official documents (GB/T 9704): headings in a
黑体-like sans (Noto Sans SC), body text in a 宋体-like serif (Noto Serif SC; no free
仿宋/FangSong face of that quality is packaged anywhere). ``KAOPING_FONT_SANS`` and
``KAOPING_FONT_SERIF`` may name other TrueType/OpenType files, e.g. an office's licensed
仿宋_GB2312, to be used instead.

The PDF needs more than a file name. reportlab's ``TTFont`` reads only TrueType (``glyf``)
outlines, while the Noto CJK fonts are CFF-outlined OpenType. So for each PDF a TrueType
font of the characters it uses is built with fontTools (which matplotlib already depends
on): a few hundred glyphs, a font of some tens of kilobytes that reportlab embeds, so the
PDF shows the same glyphs on any reader. Each glyph's outline is converted once per
process, and kept on disk when a caller says where (:func:`keep_outlines_in`): the
conversion is most of a PDF's font time.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from matplotlib.font_manager import FontProperties

__all__ = [
    "CjkFont",
    "FontNotFoundError",
    "chart_font",
    "cjk_font",
    "find_cjk_font",
    "font_cache_beside",
    "keep_outlines_in",
    "truetype_subset",
]

Role = Literal["sans", "serif"]

#: the environment variables that replace a packaged face by another font file
FONT_ENV: dict[Role, str] = {"sans": "KAOPING_FONT_SANS", "serif": "KAOPING_FONT_SERIF"}

REINSTALL_HINT = (
    "kaoping's CJK fonts come with the Python package pylopdf-fonts-zh-cn, a dependency of "
    "kaoping: reinstall kaoping (`pip install -e .` in its checkout) or "
    "`pip install pylopdf-fonts-zh-cn`"
)

_UNUSED_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "VORG", "vhea", "vmtx")


class FontNotFoundError(RuntimeError):
    """A CJK font file is missing or unreadable; the message says how to get it back."""


@dataclass(frozen=True)
class CjkFont:
    """One face of a font file: its family name, file and index in a collection."""

    family: str
    path: Path
    index: int
    bold: bool


def _packaged(role: Role) -> Path:
    try:
        import pylopdf_fonts_zh_cn as packaged
    except ImportError:
        raise FontNotFoundError(f"no CJK font: {REINSTALL_HINT}") from None
    return packaged.sans_path() if role == "sans" else packaged.serif_path()


@lru_cache(maxsize=8)
def _face(role: Role, override: str | None) -> CjkFont:
    """The face for ``role``, read once per file (cached on the override too, so that a
    changed environment is seen)."""
    path = Path(override).expanduser() if override else _packaged(role)
    where = f"{FONT_ENV[role]}={override}" if override else REINSTALL_HINT
    if not path.is_file():
        raise FontNotFoundError(f"the CJK font file {path} does not exist ({where})")
    try:
        from fontTools.ttLib import TTFont

        tt = TTFont(str(path), fontNumber=0, lazy=True)
        family = tt["name"].getBestFamilyName() or path.stem
        weight = int(tt["OS/2"].usWeightClass) if "OS/2" in tt else 400
        has_cjk = 0x9662 in (tt.getBestCmap() or {})  # 院, as in 检察院
        tt.close()
    except Exception as exc:  # fontTools raises many kinds for a file that is not a font
        raise FontNotFoundError(f"cannot read the CJK font {path}: {exc} ({where})") from None
    if not has_cjk:
        raise FontNotFoundError(f"the font {path} has no Chinese characters ({where})")
    return CjkFont(family=str(family), path=path, index=0, bold=weight >= 600)


def cjk_font(role: Role) -> CjkFont:
    """The packaged (or configured) face: ``sans`` for headings and charts, ``serif`` for
    body text. Raises :class:`FontNotFoundError` saying how to get the font back."""
    return _face(role, os.environ.get(FONT_ENV[role]) or None)


def find_cjk_font(bold: bool = False) -> CjkFont:
    """The face of body text, or of headings and bold cells when ``bold``.

    Kept for the callers of the former system-font lookup; the packaged faces have one
    weight each, so headings are set apart by the sans face rather than by weight.
    """
    return cjk_font("sans" if bold else "serif")


def chart_font() -> FontProperties:
    """The sans face as matplotlib font properties, added to matplotlib's font manager by
    file so that the family name resolves to this very file whatever the font cache says."""
    from matplotlib import font_manager

    face = cjk_font("sans")
    _add_to_matplotlib(str(face.path))
    return font_manager.FontProperties(family=face.family, fname=str(face.path))


@lru_cache(maxsize=8)
def _add_to_matplotlib(path: str) -> None:
    from matplotlib import font_manager

    font_manager.fontManager.addfont(path)


def truetype_subset(font: CjkFont, text: str, suffix: str = "") -> bytes:
    """A TrueType font holding the glyphs of ``text`` from ``font``, for reportlab.

    CFF outlines are converted to quadratic TrueType outlines; TrueType fonts are only
    subset. ``suffix`` is appended to the PostScript name: reportlab keeps per-process
    state under that name, so two different subsets must not share it (the second one
    would be embedded with the first one's glyphs). Raises whatever fontTools raises if
    the font cannot be read.

    A CFF font is not run through fontTools' subsetter: subsetting the CFF table
    (closure, hint and subroutine removal) took two thirds of a second per document and
    the conversion the rest, for every PDF. Instead each glyph asked for is drawn once
    per process from the full font (:class:`_CffSource`) and kept, and the small
    TrueType font is built around the glyphs of ``text`` with the source's metrics and
    names: a second document costs its new glyphs only.
    """
    from fontTools.ttLib import TTFont

    probe = TTFont(str(font.path), fontNumber=font.index, lazy=True)
    cff = "CFF " in probe
    probe.close()
    if cff:
        return _cff_source(str(font.path), font.index).subset(text + " ", suffix)
    return _glyf_subset(font, text, suffix)


def _rename(tt: object, suffix: str) -> None:
    """Append ``suffix`` to the PostScript name of ``tt`` (see :func:`truetype_subset`)."""
    from fontTools.ttLib import TTFont

    assert isinstance(tt, TTFont)
    names = tt["name"]
    ps_name = f"{names.getDebugName(6) or 'KaopingCJK'}-{suffix}"[:63]
    for record in [r for r in names.names if r.nameID == 6]:
        names.setName(ps_name, 6, record.platformID, record.platEncID, record.langID)


def _glyf_subset(font: CjkFont, text: str, suffix: str) -> bytes:
    """:func:`truetype_subset` of a font with TrueType outlines: fontTools' subsetter."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    tt = TTFont(str(font.path), fontNumber=font.index, lazy=False)
    # vertical metrics and OpenType layout are not used by reportlab; dropped before
    # subsetting because decompiling them is most of the subsetter's time
    for tag in _UNUSED_TABLES:
        if tag in tt:
            del tt[tag]
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.layout_features = []
    options.drop_tables += list(_UNUSED_TABLES)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text + " ")
    subsetter.subset(tt)
    if suffix:
        _rename(tt, suffix)
    out = io.BytesIO()
    tt.save(out)
    return out.getvalue()


class _CffSource:
    """A CFF-outlined font read once per process, and its glyphs as TrueType outlines,
    each drawn the first time a document needs it."""

    def __init__(self, path: str, index: int) -> None:
        from fontTools.ttLib import TTFont

        self.font = TTFont(path, fontNumber=index, lazy=True)
        self.cmap: dict[int, str] = dict(self.font.getBestCmap() or {})
        self.order = {name: i for i, name in enumerate(self.font.getGlyphOrder())}
        self.metrics: dict[str, tuple[int, int]] = dict(self.font["hmtx"].metrics)
        self.glyphs: dict[str, _Outline] = {}
        self.lock = threading.Lock()
        stat = Path(path).stat()
        #: the name of this font's outlines in a directory that keeps them
        self.kept_as = f"{Path(path).stem}-{index}-{stat.st_size}-{stat.st_mtime_ns}.json"
        self.read_from: Path | None = None

    def _keep(self, directory: Path | None, drawn: bool) -> None:
        """Read the outlines kept in ``directory`` (once), and write them back when this
        document drew new ones. A file that cannot be read or written is ignored: the
        glyphs are drawn again."""
        if directory is None:
            return
        path = directory / self.kept_as
        if self.read_from != directory:
            self.read_from = directory
            try:
                kept = json.loads(path.read_text(encoding="utf-8"))
                for name, (data, box, points, contours) in kept.items():
                    self.glyphs.setdefault(name, _Outline(
                        bytes.fromhex(data), None if box is None else tuple(box),
                        int(points), int(contours),
                    ))
            except (OSError, ValueError, TypeError):
                pass
        if not drawn:
            return
        body = json.dumps({
            n: [o.data.hex(), None if o.box is None else list(o.box), o.points, o.contours]
            for n, o in self.glyphs.items()
        })
        try:
            directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(body)
            os.replace(tmp, path)
        except OSError:
            pass

    def _glyph(self, name: str) -> _Outline:
        """The TrueType outline of the glyph ``name`` (cubic curves approximated by
        quadratics within 1 font unit; TrueType contours run the other way round),
        compiled: encoding the coordinates costs as much as drawing them."""
        if name not in self.glyphs:
            from fontTools.pens.cu2quPen import Cu2QuPen
            from fontTools.pens.ttGlyphPen import TTGlyphPen

            glyph_set = self.font.getGlyphSet()
            pen = TTGlyphPen(glyph_set)
            glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
            glyph = pen.glyph()
            data = glyph.compile(None, recalcBBoxes=True)
            if glyph.numberOfContours:
                box = (glyph.xMin, glyph.yMin, glyph.xMax, glyph.yMax)
                points = len(glyph.coordinates)
            else:
                box, points = None, 0
            self.glyphs[name] = _Outline(data, box, points, max(glyph.numberOfContours, 0))
        return self.glyphs[name]

    def subset(self, text: str, suffix: str) -> bytes:
        import copy

        from fontTools.fontBuilder import FontBuilder
        from fontTools.ttLib import newTable
        from fontTools.ttLib.tables._g_l_y_f import Glyph

        with self.lock:
            cmap = {cp: self.cmap[cp] for cp in sorted({ord(c) for c in text}) if cp in self.cmap}
            names = sorted(set(cmap.values()) - {".notdef"}, key=self.order.__getitem__)
            order = [".notdef", *names]
            self._keep(_KEPT_IN[0], drawn=False)
            had = len(self.glyphs)
            outlines = [self._glyph(n) for n in order]
            self._keep(_KEPT_IN[0], drawn=len(self.glyphs) > had)
            src = self.font
            fb = FontBuilder(int(src["head"].unitsPerEm), isTTF=True)
            fb.setupGlyphOrder(order)
            fb.setupCharacterMap(cmap)
            # the glyf table filled directly: FontBuilder.setupGlyf would expand each glyph
            glyf = newTable("glyf")
            glyf.glyphOrder = order
            glyf.glyphs = {n: Glyph(o.data) for n, o in zip(order, outlines, strict=True)}
            fb.setupHorizontalMetrics({n: self.metrics[n] for n in order})
            fb.setupMaxp()
            post = src["post"]
            fb.setupPost(
                keepGlyphNames=True,
                italicAngle=post.italicAngle,
                underlinePosition=post.underlinePosition,
                underlineThickness=post.underlineThickness,
                isFixedPitch=post.isFixedPitch,
            )
            tt = fb.font
            tt["loca"] = newTable("loca")
            tt["glyf"] = glyf
            # the source's own header, vertical extent, names and OS/2 (weight, embedding
            # rights, ascender...), as the subsetter kept them
            for tag in ("head", "hhea", "OS/2", "name"):
                tt[tag] = copy.deepcopy(src[tag])
            # what saving would recompute from expanded glyphs: the glyphs are kept
            # compiled, so the font is saved as it is and these are set here
            head = tt["head"]
            head.glyphDataFormat = 0
            boxes = [o.box for o in outlines if o.box is not None]
            if boxes:
                head.xMin = min(b[0] for b in boxes)
                head.yMin = min(b[1] for b in boxes)
                head.xMax = max(b[2] for b in boxes)
                head.yMax = max(b[3] for b in boxes)
            maxp = tt["maxp"]
            maxp.maxZones = 1
            maxp.maxPoints = max(o.points for o in outlines)
            maxp.maxContours = max(o.contours for o in outlines)
            hhea = tt["hhea"]
            metrics = [self.metrics[n] for n in order]
            hhea.advanceWidthMax = max(adv for adv, _ in metrics)
            inked = [(m, o.box) for m, o in zip(metrics, outlines, strict=True) if o.box]
            if inked:
                hhea.minLeftSideBearing = min(lsb for (_, lsb), _ in inked)
                hhea.minRightSideBearing = min(
                    adv - lsb - (box[2] - box[0]) for (adv, lsb), box in inked
                )
                hhea.xMaxExtent = max(lsb + box[2] - box[0] for (_, lsb), box in inked)
            if suffix:
                _rename(tt, suffix)
            tt.recalcBBoxes = False
            out = io.BytesIO()
            tt.save(out)
        return out.getvalue()


@dataclass(frozen=True)
class _Outline:
    """A glyph compiled for a ``glyf`` table, with what a font's header and ``maxp`` need."""

    data: bytes
    box: tuple[int, int, int, int] | None
    points: int
    contours: int


#: the directory the drawn outlines are kept in across processes (:func:`keep_outlines_in`)
_KEPT_IN: list[Path | None] = [None]


def keep_outlines_in(directory: Path | None) -> None:
    """Keep the glyphs a PDF's fonts draw (:func:`truetype_subset`) in ``directory``
    too, so that a new process -- a render process, a `kaoping report` -- reads them
    instead of drawing them again: drawing is most of a first PDF's font time. The
    files are named by the font file, its size and time, and hold compiled outlines
    (JSON); None keeps them in this process only."""
    _KEPT_IN[0] = directory


def font_cache_beside(db: Path) -> Path:
    """Where the outlines of the reports of the warehouse ``db`` are kept: beside it, as
    its read cache is (``.<warehouse>.fontcache/``); they do not change with its data."""
    return db.parent / f".{db.name}.fontcache"


@lru_cache(maxsize=4)
def _cff_source(path: str, index: int) -> _CffSource:
    return _CffSource(path, index)
