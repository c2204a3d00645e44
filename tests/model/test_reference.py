"""The packaged reference lists: the organ hierarchy and the crime catalogue."""

from __future__ import annotations

import pandas as pd
import pytest

from kaoping.model.reference import load_crimes, load_organs
from kaoping.model.schema import CRIMES, ORGANS, STATUTORY_MAX


@pytest.fixture(scope="module")
def organs() -> pd.DataFrame:
    return load_organs()


@pytest.fixture(scope="module")
def crimes() -> pd.DataFrame:
    return load_crimes()


def _organ(organs: pd.DataFrame, name_zh: str) -> pd.Series:
    rows = organs[organs["name_zh"] == name_zh]
    assert len(rows) == 1, f"{name_zh}: {len(rows)} rows"
    return rows.iloc[0]


# --- organs --------------------------------------------------------------------------


def test_organs_columns_and_types(organs: pd.DataFrame) -> None:
    assert tuple(organs.columns) == ORGANS.column_names
    assert str(organs["level"].dtype) == "Int64"
    assert organs["three_regions"].dtype == bool
    assert organs["organ_code"].map(type).eq(str).all()
    assert organs["organ_code"].str.fullmatch(r"\d{6}").all()
    for col in ORGANS.columns:
        if col.required:
            assert organs[col.name].notna().all(), col.name


def test_organ_hierarchy_is_well_formed(organs: pd.DataFrame) -> None:
    assert organs["organ_code"].is_unique
    assert organs["name_zh"].is_unique
    assert organs["name_en"].is_unique
    national = organs[organs["level"] == 1]
    assert national["organ_code"].tolist() == ["000000"]
    assert national["parent_code"].isna().all()
    level_of = dict(zip(organs["organ_code"], organs["level"], strict=True))
    others = organs[organs["level"] > 1]
    assert others["parent_code"].notna().all()
    assert others["parent_code"].isin(level_of).all()
    parent_levels = others["parent_code"].map(level_of)
    assert (parent_levels == others["level"] - 1).all()
    assert set(organs["level"]) == {1, 2, 3, 4}


def test_organ_counts(organs: pd.DataFrame) -> None:
    counts = organs["level"].value_counts()
    assert counts[2] == 32  # 31 provinces + the XPCC
    assert 300 <= counts[3] <= 420
    assert 2800 <= counts[4] <= 3300
    assert 3100 <= len(organs) <= 3600


def test_provincial_organs(organs: pd.DataFrame) -> None:
    prov = organs[organs["level"] == 2]
    codes = set(prov["organ_code"])
    assert {"110000", "440000", "540000", "650000", "660000"} <= codes
    assert not codes & {"710000", "810000", "820000"}
    assert _organ(organs, "广西壮族自治区人民检察院")["name_en"] == (
        "People's Procuratorate of Guangxi Zhuang Autonomous Region"
    )
    assert _organ(organs, "河北省人民检察院")["name_en"] == (
        "People's Procuratorate of Hebei Province"
    )
    assert _organ(organs, "新疆生产建设兵团人民检察院")["organ_code"] == "660000"


def test_municipal_branches(organs: pd.DataFrame) -> None:
    expected = {"110000": 4, "120000": 3, "310000": 3, "500000": 5}
    for code, n in expected.items():
        kids = organs[organs["parent_code"] == code]
        assert len(kids) == n, code
        assert kids["name_zh"].str.contains("分院").all()
        # every district/county of the municipality sits under one of its branches
        grand = organs[organs["parent_code"].isin(kids["organ_code"])]
        assert len(grand) >= 16
        assert grand["division_code"].str[:2].eq(code[:2]).all()
    haidian = _organ(organs, "北京市海淀区人民检察院")
    assert haidian["level"] == 4
    assert haidian["division_code"] == "110108"
    branch = organs.set_index("organ_code").loc[haidian["parent_code"]]
    assert branch["name_zh"].startswith("北京市人民检察院第")
    assert branch["parent_code"] == "110000"


def test_grassroots_names(organs: pd.DataFrame) -> None:
    assert _organ(organs, "石家庄市长安区人民检察院")["name_en"] == (
        "Chang'an District People's Procuratorate, Shijiazhuang"
    )
    zhengding = _organ(organs, "正定县人民检察院")
    assert zhengding["name_en"] == "Zhengding County People's Procuratorate"
    assert zhengding["parent_code"] == _organ(organs, "石家庄市人民检察院")["organ_code"]
    assert _organ(organs, "辛集市人民检察院")["level"] == 4
    assert _organ(organs, "凉山彝族自治州人民检察院")["level"] == 3


def test_xpcc(organs: pd.DataFrame) -> None:
    branches = organs[organs["parent_code"] == "660000"]
    assert len(branches) >= 8
    assert (branches["level"] == 3).all()
    grassroots = organs[organs["parent_code"].isin(branches["organ_code"])]
    assert len(grassroots) >= len(branches)
    assert organs["organ_code"].str.startswith("66").sum() >= 1 + len(branches)


def test_three_regions(organs: pd.DataFrame) -> None:
    flag = dict(zip(organs["name_zh"], organs["three_regions"], strict=True))
    assert flag["西藏自治区人民检察院"]
    assert flag["凉山彝族自治州人民检察院"]
    assert flag["昭觉县人民检察院"]  # a county of 凉山
    assert flag["天祝藏族自治县人民检察院"]
    assert flag["喀什地区人民检察院"]
    assert flag["玉树藏族自治州人民检察院"]
    assert not flag["成都市人民检察院"]
    assert not flag["四川省人民检察院"]
    assert not flag["新疆维吾尔自治区人民检察院"]
    assert not flag["北京市海淀区人民检察院"]
    tibet = organs[organs["division_code"].fillna("").str.startswith("54")]
    assert len(tibet) > 70
    assert tibet["three_regions"].all()
    # 3 + 4 + 6 + ... prefectures flagged, and their counties with them
    pref = organs[(organs["level"] == 3) & organs["three_regions"]]
    assert 20 <= len(pref) <= 30
    kids = organs[organs["parent_code"].isin(pref["organ_code"])]
    assert kids["three_regions"].all()
    assert 180 <= organs["three_regions"].sum() <= 300


# --- crimes --------------------------------------------------------------------------

NAMED_CRIMES: dict[str, tuple[str, int]] = {
    "危险驾驶罪": ("133之一", 2),
    "盗窃罪": ("264", 5),
    "诈骗罪": ("266", 5),
    "故意伤害罪": ("234", 4),
    "走私、贩卖、运输、制造毒品罪": ("347", 6),
    "聚众斗殴罪": ("292", 6),
    "帮助信息网络犯罪活动罪": ("287之二", 6),
    "寻衅滋事罪": ("293", 6),
    "开设赌场罪": ("303", 6),
    "交通肇事罪": ("133", 2),
    "抢劫罪": ("263", 5),
    "强奸罪": ("236", 4),
    "故意杀人罪": ("232", 4),
    "掩饰、隐瞒犯罪所得、犯罪所得收益罪": ("312", 6),
    "非法吸收公众存款罪": ("176", 3),
    "集资诈骗罪": ("192", 3),
    "组织、领导、参加黑社会性质组织罪": ("294", 6),
    "妨害公务罪": ("277", 6),
    "容留他人吸毒罪": ("354", 6),
    "非法持有毒品罪": ("348", 6),
    "信用卡诈骗罪": ("196", 3),
    "合同诈骗罪": ("224", 3),
    "职务侵占罪": ("271", 5),
    "贪污罪": ("382", 8),
    "受贿罪": ("385", 8),
    "行贿罪": ("389", 8),
    "滥用职权罪": ("397", 9),
    "玩忽职守罪": ("397", 9),
    "绑架罪": ("239", 4),
    "拐卖妇女、儿童罪": ("240", 4),
    "猥亵儿童罪": ("237", 4),
    "非法拘禁罪": ("238", 4),
    "敲诈勒索罪": ("274", 5),
    "抢夺罪": ("267", 5),
    "故意毁坏财物罪": ("275", 5),
    "污染环境罪": ("338", 6),
    "非法采矿罪": ("343", 6),
    "滥伐林木罪": ("345", 6),
    "非法狩猎罪": ("341", 6),
    "生产、销售有毒、有害食品罪": ("144", 3),
    "生产、销售伪劣产品罪": ("140", 3),
    "侵犯公民个人信息罪": ("253之一", 4),
    "拒不执行判决、裁定罪": ("313", 6),
    "组织卖淫罪": ("358", 6),
    "引诱、容留、介绍卖淫罪": ("359", 6),
    "赌博罪": ("303", 6),
    "伪造、变造、买卖国家机关公文、证件、印章罪": ("280", 6),
    "非法经营罪": ("225", 3),
    "重大责任事故罪": ("134", 2),
    "失火罪": ("115", 2),
    "过失致人死亡罪": ("233", 4),
    "非法侵入住宅罪": ("245", 4),
    "拒不支付劳动报酬罪": ("276之一", 5),
    "假冒注册商标罪": ("213", 3),
    "销售假冒注册商标的商品罪": ("214", 3),
    "侵犯著作权罪": ("217", 3),
    "组织考试作弊罪": ("284之一", 6),
    "非法捕捞水产品罪": ("340", 6),
    "危害珍贵、濒危野生动物罪": ("341", 6),
    "非法占用农用地罪": ("342", 6),
    "走私普通货物、物品罪": ("153", 3),
    "非法制造、买卖、运输、邮寄、储存枪支、弹药、爆炸物罪": ("125", 2),
    "非法持有、私藏枪支、弹药罪": ("128", 2),
    "窝藏、包庇罪": ("310", 6),
    "伪证罪": ("305", 6),
    "脱逃罪": ("316", 6),
    "偷越国（边）境罪": ("322", 6),
    "组织他人偷越国（边）境罪": ("318", 6),
    "间谍罪": ("110", 1),
    "为境外窃取、刺探、收买、非法提供国家秘密、情报罪": ("111", 1),
    "分裂国家罪": ("103", 1),
    "煽动分裂国家罪": ("103", 1),
    "冒充军人招摇撞骗罪": ("372", 7),
    "战时违抗命令罪": ("421", 10),
    "放火罪": ("114、115", 2),
    "爆炸罪": ("114、115", 2),
    "虚开增值税专用发票、用于骗取出口退税、抵扣税款发票罪": ("205", 3),
}


def test_crimes_columns_and_types(crimes: pd.DataFrame) -> None:
    assert tuple(crimes.columns) == CRIMES.column_names
    assert str(crimes["chapter"].dtype) == "Int64"
    assert str(crimes["statutory_max_years"].dtype) == "Int64"
    assert crimes["serious_violent"].dtype == bool
    for col in CRIMES.columns:
        if col.required:
            assert crimes[col.name].notna().all(), col.name
    assert crimes["crime_code"].is_unique
    assert crimes["name_zh"].is_unique
    assert crimes["name_en"].is_unique
    assert crimes["crime_code"].str.fullmatch(r"C\d{3}(A\d)?[A-Z]?").all()
    assert crimes["article"].str.fullmatch(r"\d{3}(之[一二三四])?(、\d{3})?").all()


def test_crimes_count_and_chapters(crimes: pd.DataFrame) -> None:
    assert len(crimes) >= 70
    assert set(crimes["chapter"]) == set(range(1, 11))


@pytest.mark.parametrize(("name", "expected"), sorted(NAMED_CRIMES.items()))
def test_named_crime(crimes: pd.DataFrame, name: str, expected: tuple[str, int]) -> None:
    rows = crimes[crimes["name_zh"] == name]
    assert len(rows) == 1, name
    article, chapter = expected
    assert rows.iloc[0]["article"] == article
    assert rows.iloc[0]["chapter"] == chapter


def test_chapter_follows_article(crimes: pd.DataFrame) -> None:
    """Part II's chapters cover contiguous ranges of articles."""
    bounds = [
        (102, 113),
        (114, 139),
        (140, 231),
        (232, 262),
        (263, 276),
        (277, 367),
        (368, 381),
        (382, 396),
        (397, 419),
        (420, 451),
    ]
    first = crimes["article"].str.extract(r"^(\d{3})")[0].astype(int)
    for art, chapter in zip(first, crimes["chapter"], strict=True):
        lo, hi = bounds[chapter - 1]
        assert lo <= art <= hi, (art, chapter)


def test_statutory_max(crimes: pd.DataFrame) -> None:
    assert crimes["statutory_max"].isin(STATUTORY_MAX.codes).all()
    fixed = crimes["statutory_max"] == "fixed_term"
    assert crimes.loc[fixed, "statutory_max_years"].notna().all()
    assert crimes.loc[~fixed, "statutory_max_years"].isna().all()
    assert crimes.loc[fixed, "statutory_max_years"].between(1, 15).all()
    by_name = crimes.set_index("name_zh")
    assert by_name.loc["危险驾驶罪", "statutory_max"] == "detention"
    assert by_name.loc["帮助信息网络犯罪活动罪", "statutory_max_years"] == 3
    assert by_name.loc["聚众斗殴罪", "statutory_max_years"] == 10
    assert by_name.loc["盗窃罪", "statutory_max"] == "life"
    assert by_name.loc["诈骗罪", "statutory_max"] == "life"
    assert by_name.loc["故意伤害罪", "statutory_max"] == "death"


def test_serious_violent(crimes: pd.DataFrame) -> None:
    flagged = set(crimes.loc[crimes["serious_violent"], "name_zh"])
    assert flagged == {
        "故意杀人罪",
        "强奸罪",
        "抢劫罪",
        "放火罪",
        "爆炸罪",
        "投放危险物质罪",
        "绑架罪",
    }


def test_loaders_return_copies() -> None:
    first = load_organs()
    first.loc[0, "name_zh"] = "changed"
    assert load_organs().loc[0, "name_zh"] != "changed"
    crimes = load_crimes()
    crimes["chapter"] = 99
    assert (load_crimes()["chapter"] <= 10).all()
