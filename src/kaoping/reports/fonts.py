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
outlines, while the Noto CJK fonts are CFF-outlined OpenType. So for each PDF the characters
it uses are cut out of the font with fontTools (which matplotlib already depends on) and
their outlines converted to TrueType: a few hundred glyphs, a font of some tens of kilobytes
that reportlab embeds, so the PDF shows the same glyphs on any reader.
"""

from __future__ import annotations

import io
import os
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
    """
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
    if "CFF " in tt:
        _cff_to_glyf(tt)
    if suffix:
        names = tt["name"]
        ps_name = f"{names.getDebugName(6) or 'KaopingCJK'}-{suffix}"[:63]
        for record in [r for r in names.names if r.nameID == 6]:
            names.setName(ps_name, 6, record.platformID, record.platEncID, record.langID)
    out = io.BytesIO()
    tt.save(out)
    return out.getvalue()


def _cff_to_glyf(tt: object) -> None:
    """Replace the CFF table of ``tt`` by glyf/loca (cubic curves approximated by quadratics)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    assert isinstance(tt, TTFont)
    order = tt.getGlyphOrder()
    glyph_set = tt.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        # max error of 1 font unit; TrueType contours run the other way round from CFF
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    tt["glyf"] = glyf
    tt["loca"] = newTable("loca")
    del tt["CFF "]
    if "VORG" in tt:
        del tt["VORG"]
    maxp = tt["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    tt["head"].indexToLocFormat = 0
    tt["head"].glyphDataFormat = 0
    post = tt["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    tt.sfntVersion = "\x00\x01\x00\x00"
