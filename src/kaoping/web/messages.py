"""Error messages in the page's language.

The engine, the scope checks and FastAPI's validation word their errors in English, for
the API and the log (scripts match on them; the API keeps them as they are). A page in
Chinese shows them in Chinese: each known message is recognised here by its pattern and
re-worded through the i18n catalogue, with the codes and values it names kept. A message
not recognised is shown as it came, so nothing is hidden; the untranslated-string test
(tests/web/test_i18n_pages.py) walks the pages and their errors and fails on one.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kaoping.web.i18n import Lang, translate

__all__ = ["localise"]


def _t(key: str, lang: Lang, **fields: object) -> str:
    return translate(key, lang).format(**fields)


def _scope(text: str, lang: Lang) -> str:
    if m := re.fullmatch(r"organ (\S+) and the organs below it", text):
        return _t("err_scope_below", lang, code=m.group(1))
    if m := re.fullmatch(r"organ (\S+)", text):
        return _t("err_scope_own", lang, code=m.group(1))
    return _t("err_scope_none", lang)


def _why(msg: str, lang: Lang) -> str:
    if msg.startswith("String should match pattern"):
        return _t("err_why_pattern", lang)
    if msg.startswith("String should have at most"):
        return _t("err_why_too_long", lang)
    if m := re.match(r"Input should be greater than or equal to (\S+)", msg):
        return _t("err_why_too_small", lang, limit=m.group(1))
    if m := re.match(r"Input should be less than or equal to (\S+)", msg):
        return _t("err_why_too_big", lang, limit=m.group(1))
    if msg.startswith("Input should be a valid integer"):
        return _t("err_why_number", lang)
    return _t("err_why_other", lang)


def _validation(message: str, lang: Lang) -> str | None:
    """``query parameter 'offset': Input should be ...; ...`` (kaoping.web.app)."""
    parts = []
    for part in message.split("; "):
        m = re.fullmatch(r"(?:query|path|form|body) parameter '([^']*)': (.*)", part)
        if m is None:
            return None
        name = translate(f"param_{m.group(1)}", lang)
        name = m.group(1) if name.startswith("param_") else name
        parts.append(_t("err_bad_parameter", lang, name=name, why=_why(m.group(2), lang)))
    return "；".join(parts) if lang == "zh" else "; ".join(parts)


_Rule = tuple[re.Pattern[str], Callable[[re.Match[str], Lang], str]]

_RULES: list[_Rule] = [
    (re.compile(r"no organ '([^']*)' in the warehouse"),
     lambda m, lang: _t("err_no_organ", lang, code=m.group(1))),
    (re.compile(r"no prosecutor '([^']*)' in the warehouse"),
     lambda m, lang: _t("err_no_prosecutor", lang, id=m.group(1))),
    (re.compile(r"organ '([^']*)' is outside your scope \((.*)\)"),
     lambda m, lang: _t("err_outside_scope", lang, code=m.group(1),
                        scope=_scope(m.group(2), lang))),
    (re.compile(r"prosecutor '([^']*)' belongs to organ '([^']*)', outside your scope.*"),
     lambda m, lang: _t("err_prosecutor_outside", lang, id=m.group(1), code=m.group(2))),
    (re.compile(r"no such page or endpoint: (.*)"),
     lambda m, lang: _t("err_no_page", lang, path=m.group(1))),
    (re.compile(r"invalid period '([^']*)'.*"),
     lambda m, lang: _t("err_bad_period", lang, text=m.group(1))),
    (re.compile(r"no indicator `([^`]*)` in the catalogue.*", re.S),
     lambda m, lang: _t("err_no_indicator", lang, id=m.group(1))),
    (re.compile(r"no stored results.*"), lambda m, lang: _t("err_no_stored", lang)),
    (re.compile(r"internal error.*"), lambda m, lang: _t("err_internal", lang)),
    (re.compile(r"prosecutors see their own figures.*"),
     lambda m, lang: _t("err_staff_only", lang)),
    (re.compile(r"a prosecutor sees his own scorecard only"),
     lambda m, lang: _t("err_own_scorecard", lang)),
    (re.compile(r"the form has expired.*"), lambda m, lang: _t("err_form_expired", lang)),
    (re.compile(r"this page has no table '([^']*)' to export"),
     lambda m, lang: _t("err_no_table", lang, name=m.group(1))),
]


def localise(message: str, lang: Lang) -> str:
    """``message`` as a page in ``lang`` shows it (English messages are kept word for word
    in English: they are already the English text)."""
    if lang == "en":
        return message
    for pattern, reword in _RULES:
        m = pattern.fullmatch(message)
        if m is not None:
            return reword(m, lang)
    return _validation(message, lang) or message
