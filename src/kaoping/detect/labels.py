"""Names of the detectors and of their measures, in Chinese and English, for every reader."""

from __future__ import annotations

from typing import NamedTuple


class Label(NamedTuple):
    name_zh: str
    name_en: str
    what_zh: str
    what_en: str


DETECTOR_LABELS: dict[str, Label] = {
    "rush": Label(
        "期末突击结案",
        "Period-end rush",
        "期末最后两周审结人数占比明显高于其他院同期及本院平时月末水平。",
        "Far more conclusions in the period's last two weeks than other organs and the "
        "organ's own ordinary month ends.",
    ),
    "relabel": Label(
        "决定换标签",
        "Re-labelling",
        "不捕率同比大幅上升，而不捕人员中仍被起诉的比例同时上升。",
        "Non-arrest up sharply year-on-year while more of the non-arrested are prosecuted "
        "after all.",
    ),
    "hold_back": Label(
        "跨期压案",
        "Cases held over a period end",
        "期末前审结明显偏少、期初审结明显偏多。",
        "Few conclusions just before the period's end, many just after it.",
    ),
    "perfection": Label(
        "数据过于完美",
        "Implausible perfection",
        "在较大分母上出现100%或0%，而各院实际分布中这几乎不可能。",
        "100% or 0% on a denominator where organs' real spread makes it nearly impossible.",
    ),
}


#: the section that lists detections (organ page, briefing annex), and what it means
SECTION_ZH = "可能的数据异常"
SECTION_EN = "Possible gaming"
NOTE_ZH = (
    "以下为统计检验提示的可能异常（q 为经 Benjamini-Hochberg 校正的错误发现率），"
    "是核查的线索而非结论；每条均列明所依据的数字与人员记录。"
)
NOTE_EN = (
    "Patterns a statistical test flags (q: the Benjamini-Hochberg adjusted false-discovery "
    "rate): a reason to look, not a finding; each lists the figures and records behind it."
)
NONE_ZH = "本期未发现可能的数据异常。"
NONE_EN = "No possible gaming found in this period."
PENDING_ZH = "正在检测本期的数据异常（首次查看需数秒）……"
PENDING_EN = "Testing this period for possible gaming (a few seconds the first time)…"
