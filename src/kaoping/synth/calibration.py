"""National trajectories the synthetic dataset is calibrated to.

Anchors come from published SPP figures (see ``shared/CALIBRATION.md`` in the project's
steering material and ``docs/synthetic-data.md``); between anchors values are interpolated
linearly, outside them held flat. A year asked for far in the past (say 2001) thus gets the
low non-arrest rates and the high serious-crime share of that era, so 20-year runs show the
long shift from serious crime to misdemeanours.
"""

from __future__ import annotations

import numpy as np

# Each curve: year -> national value. Rates are fractions of the population named.
Curve = dict[int, float]

#: not approved / (approved + not approved), all suspects
NON_ARREST: Curve = {
    2000: 0.09,
    2010: 0.155,
    2018: 0.20,
    2019: 0.205,
    2020: 0.25,
    2021: 0.30,
    2022: 0.434,
    2025: 0.45,
}
#: (not prosecuted + conditional) / concluded, all suspects
NON_PROSECUTION: Curve = {
    2000: 0.03,
    2010: 0.05,
    2018: 0.077,
    2019: 0.092,
    2020: 0.118,
    2021: 0.16,
    2022: 0.263,
    2025: 0.28,
}
#: persons in custody when prosecuted / persons prosecuted
#: (anchors are set so that the rates by year of conclusion land on the published ones once
#: arrests of one year spill into the prosecutions of the next)
PRETRIAL_DETENTION: Curve = {
    2000: 0.85,
    2010: 0.70,
    2018: 0.57,
    2019: 0.565,
    2020: 0.47,
    2021: 0.42,
    2022: 0.267,
    2025: 0.25,
}
#: minors: not approved / arrest decisions
MINOR_NON_ARREST: Curve = {
    2000: 0.15,
    2014: 0.28,
    2019: 0.375,
    2020: 0.405,
    2021: 0.504,
    2022: 0.62,
    2025: 0.65,
}
#: minors: all non-prosecution (incl. conditional) / concluded
MINOR_NON_PROSECUTION: Curve = {
    2000: 0.06,
    2012: 0.10,
    2019: 0.245,
    2020: 0.32,
    2021: 0.39,
    2022: 0.45,
    2025: 0.47,
}
#: minors: conditional non-prosecution / concluded (conditional NP exists since 2013)
MINOR_CONDITIONAL: Curve = {
    2012: 0.0,
    2013: 0.03,
    2018: 0.09,
    2019: 0.095,
    2020: 0.17,
    2021: 0.297,
    2022: 0.35,
    2025: 0.37,
}
#: share of persons whose case went through arrest review
ARREST_REVIEW_SHARE: Curve = {
    2000: 0.75,
    2018: 0.62,
    2019: 0.60,
    2020: 0.53,
    2021: 0.48,
    2022: 0.40,
    2025: 0.38,
}
#: plea-leniency applied / concluded (piloted 2016-2018, national from late 2018)
PLEA_LENIENCY: Curve = {
    2015: 0.0,
    2016: 0.02,
    2017: 0.05,
    2018: 0.20,
    2019: 0.62,
    2020: 0.85,
    2021: 0.87,
    2022: 0.90,
}
#: fixed-term share of sentencing recommendations under plea leniency
FIXED_RECOMMENDATION: Curve = {2018: 0.25, 2019: 0.45, 2020: 0.72, 2022: 0.90}
#: court adopted the recommendation
RECOMMENDATION_ADOPTED: Curve = {2018: 0.85, 2019: 0.88, 2020: 0.95, 2022: 0.98}
#: mean returns for supplementary investigation per person (2018 -> 2022: -80%)
SUPPLEMENTARY_RETURNS: Curve = {
    2000: 0.40,
    2018: 0.30,
    2019: 0.22,
    2020: 0.12,
    2021: 0.08,
    2022: 0.06,
}
#: mean extensions of the review period per person (2018 -> 2022: -95.8%)
EXTENSIONS: Curve = {2000: 0.18, 2018: 0.15, 2019: 0.10, 2020: 0.035, 2021: 0.012, 2022: 0.0063}
#: mean days of prosecution review (2018 -> 2022: -6.9 days)
REVIEW_DAYS: Curve = {2000: 30.0, 2018: 26.0, 2019: 24.5, 2020: 22.5, 2021: 20.5, 2022: 19.1}
#: relative national volume of persons by year (prosecutions ~0.8M in 1999, ~2M 2019)
VOLUME: Curve = {
    1999: 0.45,
    2010: 0.65,
    2015: 0.80,
    2019: 1.0,
    2020: 0.90,
    2021: 0.97,
    2022: 0.95,
    2025: 0.95,
}
#: multiplier on serious violent crimes' weight (162k persons in 1999 -> 60k in 2019)
SERIOUS_VIOLENT_TREND: Curve = {1999: 6.5, 2010: 2.6, 2019: 1.0, 2022: 0.85, 2025: 0.8}
#: dangerous driving was made a crime in May 2011
DANGEROUS_DRIVING_TREND: Curve = {2010: 0.0, 2011: 0.25, 2013: 0.6, 2019: 1.0, 2020: 1.1, 2022: 1.2}
#: helping information-network crime: created Nov 2015; 137 persons 2018 -> 130,000 in 2022
HELPING_NETWORK_TREND: Curve = {
    2015: 0.0,
    2018: 0.003,
    2019: 0.12,
    2020: 1.0,
    2021: 4.0,
    2022: 4.5,
    2025: 4.5,
}

#: typical (median) sentence, in months: serious violent crimes; other fixed-term crimes a
#: share of the statutory maximum, capped. Set so that about a fifth of the persons found
#: guilty in 2019-2020 get three years or more (SPP work report 2020: ~21.3% in 2019)
SERIOUS_MEDIAN_MONTHS = 66.0
MEDIAN_SHARE_OF_MAXIMUM = 0.19
MEDIAN_CAP_MONTHS = 28.0

#: relative volume of persons by month of the year; February has the Spring Festival,
#: October the national holiday; June and December carry the half-year and year-end rush
MONTH_WEIGHTS = np.array([0.88, 0.60, 1.0, 0.97, 0.98, 1.10, 0.95, 0.94, 1.0, 0.84, 1.05, 1.33])

#: 2020 census population of the provinces, millions: drives each province's volume
PROVINCE_POPULATION: dict[str, float] = {
    "110000": 21.9,
    "120000": 13.9,
    "130000": 74.6,
    "140000": 34.9,
    "150000": 24.0,
    "210000": 42.6,
    "220000": 24.1,
    "230000": 31.9,
    "310000": 24.9,
    "320000": 84.7,
    "330000": 64.6,
    "340000": 61.0,
    "350000": 41.5,
    "360000": 45.2,
    "370000": 101.5,
    "410000": 99.4,
    "420000": 57.8,
    "430000": 66.4,
    "440000": 126.0,
    "450000": 50.1,
    "460000": 10.1,
    "500000": 32.1,
    "510000": 83.7,
    "520000": 38.6,
    "530000": 47.2,
    "540000": 3.6,
    "610000": 39.5,
    "620000": 25.0,
    "630000": 5.9,
    "640000": 7.2,
    "650000": 23.0,
    "660000": 2.9,
}

#: relative frequency of persons by crime around 2019 (Chinese names as in crimes.csv);
#: crimes not listed get a small default weight
CRIME_WEIGHTS: dict[str, float] = {
    "危险驾驶罪": 17.0,
    "盗窃罪": 11.5,
    "诈骗罪": 5.2,
    "故意伤害罪": 5.8,
    "走私、贩卖、运输、制造毒品罪": 4.2,
    "寻衅滋事罪": 3.6,
    "开设赌场罪": 3.4,
    "交通肇事罪": 2.9,
    "聚众斗殴罪": 1.8,
    "帮助信息网络犯罪活动罪": 2.5,
    "掩饰、隐瞒犯罪所得、犯罪所得收益罪": 1.6,
    "容留他人吸毒罪": 1.9,
    "非法吸收公众存款罪": 1.1,
    "妨害公务罪": 1.2,
    "赌博罪": 1.0,
    "信用卡诈骗罪": 1.1,
    "抢劫罪": 1.0,
    "强奸罪": 0.9,
    "故意杀人罪": 0.45,
    "敲诈勒索罪": 0.7,
    "非法经营罪": 0.9,
    "组织、领导、参加黑社会性质组织罪": 0.5,
    "合同诈骗罪": 0.6,
    "职务侵占罪": 0.6,
    "故意毁坏财物罪": 0.5,
    "非法拘禁罪": 0.6,
    "引诱、容留、介绍卖淫罪": 0.8,
    "侵犯公民个人信息罪": 0.5,
    "拒不执行判决、裁定罪": 0.5,
    "污染环境罪": 0.4,
    "生产、销售有毒、有害食品罪": 0.4,
    "虚开增值税专用发票罪": 0.5,
    "受贿罪": 0.4,
    "贪污罪": 0.3,
    "行贿罪": 0.2,
    "滥用职权罪": 0.15,
    "玩忽职守罪": 0.15,
    "非法采矿罪": 0.3,
    "滥伐林木罪": 0.3,
    "非法狩猎罪": 0.2,
    "非法持有毒品罪": 0.5,
    "重大责任事故罪": 0.3,
    "过失致人死亡罪": 0.3,
    "伪造、变造、买卖国家机关公文、证件、印章罪": 0.3,
    "抢夺罪": 0.2,
    "集资诈骗罪": 0.2,
    "拒不支付劳动报酬罪": 0.2,
    "猥亵儿童罪": 0.3,
    "假冒注册商标罪": 0.2,
    "销售假冒注册商标的商品罪": 0.2,
    "非法捕捞水产品罪": 0.3,
    "非法占用农用地罪": 0.2,
    "走私普通货物、物品罪": 0.2,
    "生产、销售伪劣产品罪": 0.2,
    "组织考试作弊罪": 0.05,
    "绑架罪": 0.05,
    "放火罪": 0.08,
    "爆炸罪": 0.01,
    "拐卖妇女、儿童罪": 0.05,
    "间谍罪": 0.005,
    "分裂国家罪": 0.003,
    "煽动分裂国家罪": 0.005,
}
DEFAULT_CRIME_WEIGHT = 0.05

#: chance that a suspect of this crime is a minor; minors commit mostly theft, robbery,
#: injury, affray, provoking trouble and rape (minors' white paper 2014-2019)
MINOR_SHARE: dict[str, float] = {
    "盗窃罪": 0.075,
    "抢劫罪": 0.33,
    "故意伤害罪": 0.06,
    "聚众斗殴罪": 0.16,
    "寻衅滋事罪": 0.08,
    "强奸罪": 0.13,
    "帮助信息网络犯罪活动罪": 0.04,
    "诈骗罪": 0.012,
    "抢夺罪": 0.10,
    "敲诈勒索罪": 0.05,
    "故意杀人罪": 0.03,
    "猥亵儿童罪": 0.03,
    "放火罪": 0.03,
}
DEFAULT_MINOR_SHARE = 0.004


def at(curve: Curve, year: int | float) -> float:
    """The curve's value in ``year``: linear between anchors, flat beyond them."""
    years = sorted(curve)
    return float(np.interp(year, years, [curve[y] for y in years]))


def logit(p: np.ndarray | float) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.asarray(np.log(p / (1 - p)))


def expit(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))
