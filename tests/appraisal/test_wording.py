"""The scorer's sentences in Chinese (:mod:`kaoping.appraisal.wording`)."""

from __future__ import annotations

import pytest

from kaoping.appraisal.wording import scoring_zh


@pytest.mark.parametrize(("en", "zh"), [
    ("0.2745 within [0.1, 0.75]: full marks", "0.2745 在 [0.1, 0.75] 内：满分"),
    ("0.8 outside [0.1, 0.75] by 0.05: max(0, 1 - 0.05 / 0.2)",
     "0.8 超出 [0.1, 0.75] 达 0.05：max(0, 1 - 0.05 / 0.2)"),
    ("min(1, 0.911 / target 0.95)", "min(1, 0.911 / 目标值 0.95)"),
    ("better than 3, tied with 2 of 11 reliable peers: (3 + 2/2) / 10",
     "在 11 个可靠同组对象中优于 3 个、并列 2 个：(3 + 2/2) / 10"),
    ("unreliable (no data in the period), no reliable peer: neutral 0.5",
     "数据不可靠（本期无数据），无可靠同组对象：取中性值 0.5"),
    ("unreliable (denominator 3 < 10 (scheme)): neutral = mean attainment of 12 reliable "
     "peers", "数据不可靠（分母 3 < 10（方案规定））：取中性值 = 12 个可靠同组对象的平均达成度"),
    ("estimate (23 + 5) / (23 + 64 + 15) = 0.2745, own cases weigh 15%; prior Beta(23, 64) "
     "from 11 subjects of the group: mean 0.2644, worth 87",
     "估计值 (23 + 5) / (23 + 64 + 15) = 0.2745，本对象案件权重 15%；先验 Beta(23, 64)，由本组 "
     "11 个对象拟合：均值 0.2644，相当于 87 个分母单位"),
    ("prior from fewer than 5 subjects of the run (not shown)",
     "先验由本次考评不足 5 个对象拟合（不予显示）"),
    ("reached excellent (min 90) but its quota of 15% admits 1 of 11",
     "达到“优秀”（最低 90 分），但该等次比例 15% 只容纳 11 个中的 1 个"),
])
def test_each_sentence_of_the_scorer_reads_in_chinese(en: str, zh: str) -> None:
    assert scoring_zh(en, {"excellent": "优秀"}) == zh


def test_a_sentence_no_pattern_knows_stays_as_written() -> None:
    assert scoring_zh("a new kind of formula 3.5") == "a new kind of formula 3.5"
