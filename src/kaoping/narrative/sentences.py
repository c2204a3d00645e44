"""A computed value as the sentence a briefing prints, in Chinese or English.

The words come from the indicator's ``sentence_zh`` / ``sentence_en`` template (a
``str.format`` string over the placeholders of
:data:`kaoping.catalogue.models.SENTENCE_PLACEHOLDERS`); this module supplies the
numbers, formatted for the language. Without a template a plain sentence is built from
the indicator's name.

When a placeholder has nothing to say -- no previous year to compare with -- the clause
holding it is dropped rather than printed as "n/a": "起诉3人，同比{change}。" becomes
"起诉3人。".
"""

from __future__ import annotations

import re
import string
from typing import Protocol

from kaoping.narrative.numbers import Lang, format_change, format_value

__all__ = ["Figure", "SentenceError", "render_sentence", "sentence_values"]


class Figure(Protocol):
    """What a sentence needs of a computed value (``kaoping.IndicatorValue`` has it)."""

    @property
    def name_zh(self) -> str: ...
    @property
    def name_en(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def value(self) -> float | None: ...
    @property
    def numerator(self) -> float | None: ...
    @property
    def denominator(self) -> float | None: ...
    @property
    def previous(self) -> float | None: ...
    @property
    def change(self) -> float | None: ...
    @property
    def change_unit(self) -> str: ...
    @property
    def subject_name_zh(self) -> str: ...
    @property
    def subject_name_en(self) -> str: ...
    @property
    def period_zh(self) -> str: ...
    @property
    def period_en(self) -> str: ...
    @property
    def sentence_zh(self) -> str | None: ...
    @property
    def sentence_en(self) -> str | None: ...


class SentenceError(ValueError):
    """A template names a placeholder the engine does not supply."""


_GENERIC = {
    "zh": "{period}，{organ}{name}为{value}，同比{change}。",
    "en": "In {period}, the {name} of the {organ} was {value}, {change} year-on-year.",
}

_MISSING = "\x00"
# clause separators: full-width ones, or ASCII ones followed by a space (so that 3,709 and
# 17.1% are not split)
_CLAUSE = re.compile(r"(，|；|, |; )")
_END = re.compile(r"([。.！!]?)\s*$")


def _number(x: float | None, unit: str, lang: Lang) -> str | None:
    if x is None:
        return None
    # numerators and denominators are counts, except the sums behind amounts and days
    return format_value(x, "amount" if unit == "amount" else "count", lang)


def sentence_values(fig: Figure, lang: Lang) -> dict[str, str | None]:
    """Every placeholder's text for ``fig`` in ``lang``; None where there is nothing."""
    zh = lang == "zh"
    unit = fig.unit
    return {
        "organ": fig.subject_name_zh if zh else _strip_article(fig.subject_name_en),
        "period": fig.period_zh if zh else fig.period_en,
        "name": fig.name_zh if zh else _lower_first(fig.name_en),
        "value": None if fig.value is None else format_value(fig.value, unit, lang),
        "numerator": _number(fig.numerator, unit, lang),
        "denominator": _number(fig.denominator, unit, lang),
        "previous": None if fig.previous is None else format_value(fig.previous, unit, lang),
        "change": format_change(fig.change, fig.change_unit, lang),
    }


def _lower_first(name: str) -> str:
    """'Non-arrest rate' -> 'non-arrest rate' inside a sentence; acronyms stay ('SPP ...')."""
    if len(name) > 1 and name[0].isupper() and not name[1].isupper():
        return name[0].lower() + name[1:]
    return name


def _strip_article(name: str) -> str:
    """Organ names are written without "the": the templates supply it where it belongs."""
    return name[4:] if name.lower().startswith("the ") else name


def _drop_missing(text: str) -> str:
    """Remove every clause that holds a missing placeholder, keeping the final stop."""
    if _MISSING not in text:
        return text
    end = _END.search(text)
    stop = end.group(1) if end else ""
    body = text[: end.start()] if end else text
    parts = _CLAUSE.split(body)
    clauses = parts[0::2]
    seps = ["", *parts[1::2]]
    kept = [(sep, c) for sep, c in zip(seps, clauses, strict=True) if _MISSING not in c]
    if not kept:
        return ""
    out = kept[0][1] + "".join(sep + c for sep, c in kept[1:])
    return out + stop


def render_sentence(fig: Figure, lang: Lang = "zh", template: str | None = None) -> str:
    """The briefing sentence for ``fig``: its template filled in, or a generic sentence."""
    if lang not in ("zh", "en"):
        raise ValueError(f"unknown language {lang!r}; use 'zh' or 'en'")
    tpl = template or (fig.sentence_zh if lang == "zh" else fig.sentence_en) or _GENERIC[lang]
    values = sentence_values(fig, lang)
    names = {f for _, f, _, _ in string.Formatter().parse(tpl) if f is not None}
    unknown = sorted(n for n in names if n not in values)
    if unknown:
        raise SentenceError(
            f"sentence template names {', '.join('{' + n + '}' for n in unknown)}; "
            f"available: {', '.join('{' + n + '}' for n in values)}"
        )
    filled = tpl.format_map({k: _MISSING if v is None else v for k, v in values.items()})
    return _drop_missing(filled).strip()
