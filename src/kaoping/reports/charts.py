"""Charts for the briefing, drawn with matplotlib and returned as PNG bytes.

Figures are built with the object API and the Agg canvas, never ``pyplot``: no global
state, no display needed, safe to call from the web server's threads. Chinese labels use
kaoping's packaged sans face (:func:`kaoping.reports.fonts.chart_font`), added to
matplotlib's font manager from its file, so neither the system's fonts nor matplotlib's
font cache decide whether a chart shows Chinese; if the font is missing a
:class:`~kaoping.reports.fonts.FontNotFoundError` says how to get it back, rather than a
chart of empty boxes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure

from kaoping.reports.fonts import chart_font

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

__all__ = ["Bar", "bar_chart", "change_chart"]

_BLUE = "#2F5597"
_RED = "#C00000"
_GREY = "#7F7F7F"
DPI = 150


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    #: drawn in red: outside the reasonable range, or flagged
    warn: bool = False


def _style() -> dict[RcKeyType, Any]:
    family = chart_font().get_family()[0]
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [family, "DejaVu Sans"],
        # the CJK fonts lack U+2212 in some versions; an ASCII hyphen always renders
        "axes.unicode_minus": False,
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def _figure(n: int) -> MplFigure:
    """A figure for ``n`` bars at the resolution it is saved in, laid out by matplotlib's
    constrained layout (:func:`_png`)."""
    return MplFigure(figsize=(7.0, _height(n)), dpi=DPI, layout="constrained")


def _png(fig: MplFigure) -> bytes:
    """The figure as PNG, drawn once.

    Why not ``savefig(bbox_inches="tight")``, as kaoping once did: it draws the figure to
    measure it and again to save it, and so does saving a figure that keeps a layout
    engine. The constrained layout is run here once -- it measures the labels and the
    legend without drawing -- and then dropped, so saving draws the figure once, at the
    fixed size.
    """
    FigureCanvasAgg(fig)
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
        fig.set_layout_engine(None)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white")
    return buf.getvalue()


def _height(n: int) -> float:
    return max(2.2, 0.9 + 0.24 * n)


def bar_chart(
    bars: Sequence[Bar],
    *,
    percent: bool,
    reference: float | None = None,
    reference_label: str | None = None,
    band: tuple[float | None, float | None] | None = None,
    band_label: str | None = None,
) -> bytes:
    """Horizontal bars, first bar on top: a league table of organs for one indicator.

    ``reference`` draws a dashed line (e.g. the parent organ's own value); ``band`` shades
    the reasonable range. Values are fractions when ``percent`` (0.171 -> 17.1%). The
    title is left to the caption the document prints under the image.
    """
    scale = 100.0 if percent else 1.0
    with mpl.rc_context(_style()):
        fig = _figure(len(bars))
        ax = fig.add_subplot()
        ys = list(range(len(bars)))[::-1]
        values = [b.value * scale for b in bars]
        colours = [_RED if b.warn else _BLUE for b in bars]
        ax.barh(ys, values, color=colours, height=0.65)
        ax.set_yticks(ys, [b.label for b in bars])
        if band is not None and band != (None, None):
            lo = band[0] * scale if band[0] is not None else min(0.0, *values)
            hi = band[1] * scale if band[1] is not None else max(values, default=0.0) * 1.1
            ax.axvspan(lo, hi, color="#E2EFDA", zorder=0, label=band_label)
        if reference is not None:
            ax.axvline(
                reference * scale, color=_GREY, linestyle="--", linewidth=1, label=reference_label
            )
        for y, v in zip(ys, values, strict=True):
            ax.text(v, y, f" {v:.1f}{'%' if percent else ''}", va="center", fontsize=7)
        if band_label or reference_label:
            ax.legend(
                loc="upper center",
                bbox_to_anchor=(0.5, -0.06 - 0.6 / _height(len(bars))),
                ncol=2,
                fontsize=7,
                frameon=False,
            )
        ax.margins(x=0.12)
        return _png(fig)


def change_chart(bars: Sequence[Bar], *, unit_label: str) -> bytes:
    """Year-on-year changes as diverging bars around zero (rises right, falls left)."""
    with mpl.rc_context(_style()):
        fig = _figure(len(bars))
        ax = fig.add_subplot()
        ys = list(range(len(bars)))[::-1]
        values = [b.value for b in bars]
        colours = [
            _RED if b.warn else (_BLUE if v >= 0 else _GREY)
            for b, v in zip(bars, values, strict=True)
        ]
        ax.barh(ys, values, color=colours, height=0.65)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_yticks(ys, [b.label for b in bars])
        for y, v in zip(ys, values, strict=True):
            ax.text(
                v,
                y,
                f" {v:+.1f} " if v >= 0 else f"{v:+.1f} ",
                va="center",
                ha="left" if v >= 0 else "right",
                fontsize=7,
            )
        ax.set_xlabel(unit_label)
        ax.margins(x=0.18)
        return _png(fig)
