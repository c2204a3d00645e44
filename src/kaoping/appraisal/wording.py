"""The appraisal's explanations in Chinese: formulas, notes, estimates and grade notes.

The scorer writes each of these as one English sentence (:mod:`.score`, :mod:`.shrinkage`,
:mod:`.grading`, the redactions of :mod:`.explain`); the sentence is stored with the run
and hashed into it, so it stays as written and a Chinese reader gets it through the
patterns below, one per sentence the scorer writes. Inner sentences (a note quoted in a
formula) are translated first, so the outer patterns see them already in Chinese. A
sentence no pattern knows is shown as written: the web's i18n test reads every formula of
a decomposition in Chinese and names what is left.

Numbers, ids (``peer_max``, grade ids are named through ``grades``) and the functions
``min``/``max`` of the formulas stay as they are: they are notation, not words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

__all__ = ["METHODS_ZH", "scoring_zh"]

#: the scoring methods of a scheme's items (:mod:`.scheme`), as a Chinese reader names them
METHODS_ZH = {"within_range": "合理区间", "ratio_to_target": "与目标值之比",
              "linear": "线性", "percentile": "百分位"}
#: where a prior was fitted (:func:`kaoping.appraisal.shrinkage.fit_prior`'s ``source``)
_SOURCES_ZH = {"group": "本组", "run": "本次考评"}

_N = r"-?\d[\d.]*(?:e[+-]?\d+)?%?"  # a number as the scorer prints it

_Rule = tuple[re.Pattern[str], Callable[[re.Match[str], Mapping[str, str]], str]]


def _rule(pattern: str, zh: str | Callable[[re.Match[str], Mapping[str, str]], str]
          ) -> _Rule:
    if isinstance(zh, str):
        template = zh
        return re.compile(pattern), lambda m, _g: m.expand(template)
    return re.compile(pattern), zh


def _grade(m: re.Match[str], grades: Mapping[str, str], group: int) -> str:
    return f"“{grades.get(m.group(group), m.group(group))}”"


_RULES: tuple[_Rule, ...] = (
    # notes (score.py): why a figure is not reliable
    _rule(r"no data in the period", "本期无数据"),
    _rule(r"no denominator in the period", "本期无分母"),
    _rule(rf"denominator ({_N}) < ({_N}) \(scheme\)", r"分母 \1 < \2（方案规定）"),
    _rule(rf"denominator ({_N}) < ({_N}) \(catalogue\)", r"分母 \1 < \2（指标目录规定）"),
    # redactions (explain.py): what a viewer of limited scope may not read
    _rule(r"\(the peers' figure, not shown\)", "（同组对象的数值，不予显示）"),
    _rule(r"mean attainment of the reliable peers \(fewer than (\d+)\)",
          r"可靠同组对象（不足 \1 个）的平均达成度"),
    _rule(r"prior from fewer than (\d+) subjects of the (\w+) \(not shown\)",
          lambda m, _g: f"先验由{_SOURCES_ZH.get(m[2], m[2])}不足 {m[1]} 个对象拟合（不予显示）"),
    # formulas of an unreliable figure (score.py)
    _rule(r"unreliable \((.*)\), no reliable peer: neutral ([\d.]+)",
          r"数据不可靠（\1），无可靠同组对象：取中性值 \2"),
    _rule(rf"unreliable \((.*)\): fixed share ({_N})", r"数据不可靠（\1）：取固定达成度 \2"),
    _rule(r"unreliable \((.*)\): neutral = mean attainment of (\d+) reliable peers",
          r"数据不可靠（\1）：取中性值 = \2 个可靠同组对象的平均达成度"),
    _rule(r"unreliable \((.*)\): neutral = ", r"数据不可靠（\1）：取中性值 = "),
    # formulas of the scoring methods (score.py)
    _rule(r"(\S+) within (\[[^\]]*\]): full marks", r"\1 在 \2 内：满分"),
    _rule(r"(\S+) outside (\[[^\]]*\]) by (\S+): ", r"\1 超出 \2 达 \3："),
    _rule(r"better than (\d+), tied with (\d+) of (\d+) reliable peers: ",
          r"在 \3 个可靠同组对象中优于 \1 个、并列 \2 个："),
    _rule(r" \(no reliable peer\) ", "（无可靠同组对象）"),
    _rule(rf"\btarget (?={_N})", "目标值 "),
    _rule(r"\bclamp\(", "限于0至1("),
    # estimates (score.py, shrinkage.py): empirical-Bayes shrinkage
    _rule(rf"estimate (.*) = ({_N}), own cases weigh ({_N}); ",
          r"估计值 \1 = \2，本对象案件权重 \3；"),
    _rule(rf"prior (Beta|Gamma)\(({_N}), ({_N})\) from (\d+) subjects of the (\w+): "
          rf"mean ({_N}), worth ({_N})",
          lambda m, _g: (f"先验 {m[1]}({m[2]}, {m[3]})，由{_SOURCES_ZH.get(m[5], m[5])} "
                         f"{m[4]} 个对象拟合：均值 {m[6]}，相当于 {m[7]} 个分母单位")),
    # grade notes (grading.py)
    _rule(rf"total ({_N}) reaches (\w+) but the lower end of its interval, ({_N}), is "
          rf"below ({_N})",
          lambda m, g: f"总分 {m[1]} 达到{_grade(m, g, 2)}，但其区间下限 {m[3]} 低于 {m[4]}"),
    _rule(rf"reached (\w+) \(min ({_N})\) but its quota of ({_N}) admits (\d+) of (\d+)"
          r"(?: and (\d+) are tied here)?",
          lambda m, g: (f"达到{_grade(m, g, 1)}（最低 {m[2]} 分），但该等次比例 {m[3]} "
                        f"只容纳 {m[5]} 个中的 {m[4]} 个"
                        + (f"，此处 {m[6]} 个并列" if m[6] else ""))),
    _rule(rf"not graded (\w+): the upper end of its interval, ({_N}), reaches ({_N})",
          lambda m, g: f"未评为{_grade(m, g, 1)}：其区间上限 {m[2]} 达到 {m[3]}"),
    # the weighted caseload's records (explain.py)
    _rule(rf"(\d+) cases, weighted ({_N})", r"\1 件案件，加权后为 \2"),
    # an adjustment whose category the scheme does not list (score.py)
    _rule(r" \(not an item of this scheme\)", "（不属于本方案的加减分项目）"),
)


def scoring_zh(text: str, grades: Mapping[str, str] | None = None) -> str:
    """``text`` (a formula, note, estimate or grade note the scorer wrote) in Chinese;
    ``grades`` names grade ids (id -> Chinese name)."""
    names = grades or {}
    for pattern, zh in _RULES:
        text = pattern.sub(_with(zh, names), text)
    return text


def _with(zh: Callable[[re.Match[str], Mapping[str, str]], str],
          names: Mapping[str, str]) -> Callable[[re.Match[str]], str]:
    return lambda m: zh(m, names)
