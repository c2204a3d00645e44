"""Small hand-built exports whose right import result can be worked out by reading them."""

from __future__ import annotations

from pathlib import Path

import duckdb

ORGANS_CSV = """organ_code,parent_code,level,name_zh,name_en,division_code,three_regions
100000,,1,最高人民检察院,Supreme People's Procuratorate,,false
110000,100000,2,北京市人民检察院,Beijing Municipal Procuratorate,110000,否
110108,110000,3,北京市海淀区人民检察院,Haidian District Procuratorate,110108,否
"""

CRIMES_CSV = """\
crime_code,name_zh,name_en,article,chapter,serious_violent,statutory_max,statutory_max_years
C133_1,危险驾驶罪,Dangerous driving,133之一,2,否,拘役,
C264,盗窃罪,Theft,264,5,否,无期徒刑,
"""

PROSECUTORS_CSV = """prosecutor_id,organ_code,department,display_name
P001,110108,ordinary_crime,检察官甲
P002,110108,未成年人检察部,检察官乙
"""

PERSONS_HEADER = (
    "嫌疑人编号,案件编号,院代码,承办检察官编号,罪名代码,是否未成年人,"
    "审查逮捕受理日期,审查逮捕审结日期,审查逮捕决定,"
    "审查起诉受理日期,审查起诉审结日期,审查起诉决定,"
    "退回补充侦查次数,判决结果,判决日期,判处刑期（月）,备注"
)

# Spreadsheet row numbers (the header is row 1) are in the comments.
PERSONS_ROWS = [
    # 2: good, every date spelling an export uses
    "S001,A001,110108,P001,C133_1,否,2020/1/5,2020年1月10日,批准逮捕,2020-02-01,20200301,起诉,0,"
    "有罪判决,2020-04-01,6,",
    # 3: good minor, conditionally not prosecuted
    "S002,A002,110108,P002,C264,是,2020-01-06,2020-01-12,不批准逮捕,2020-02-02,2020-03-02,"
    "附条件不起诉,1,,,,",
    # 4: bad date
    "S003,A003,110108,P001,C264,否,2020-13-45,,,,,,,,,,",
    # 5: unknown enumeration value
    "S004,A004,110108,P001,C264,否,2020-01-05,2020-01-10,批捕了,,,,,,,,",
    # 6: dates out of order
    "S005,A005,110108,P001,C264,否,,,,2020-03-01,2020-02-01,不起诉,,,,,",
    # 7: unknown organ
    "S006,A006,999999,P001,C264,否,,,,,,,,,,,",
    # 8: missing required crime
    "S007,A007,110108,P001,,否,,,,,,,,,,,",
    # 9: negative count
    "S008,A008,110108,P001,C264,否,,,,2020-02-01,2020-03-01,起诉,-1,,,,",
    # 10: duplicate key of row 2
    "S001,A001,110108,P001,C133_1,否,,,,,,,,,,,重复",
    # 11: good, Excel serial date, English code among Chinese ones
    "S009,A009,110108,,C264,否,43835,43840,approved,,,,,,,,",
    # 12: two problems in one row
    "S010,A010,110108,P999,C264,也许,,,,,,,,,,,",
]

PERSONS_EXPECTED_PROBLEMS = [
    (4, "arrest_review_received", "2020-13-45", "expected a date (YYYY-MM-DD), got '2020-13-45'"),
    (
        5,
        "arrest_decision",
        "批捕了",
        "unknown arrest_decision '批捕了'; expected one of approved, not_approved, 批准逮捕, "
        "不批准逮捕, 批捕, 不捕, 决定逮捕, 不予逮捕",
    ),
    (
        6,
        "prosecution_review_concluded",
        "2020-02-01",
        "prosecution_review_concluded 2020-02-01 is earlier than prosecution_review_received "
        "2020-03-01",
    ),
    (7, "organ_code", "999999", "no organs row with organ_code '999999'"),
    (8, "crime_code", None, "required value is empty"),
    (9, "supplementary_returns", "-1", "must be at least 0, got '-1'"),
    (10, "person_id", "S001", "duplicate key person_id=S001, first at row 2"),
    (12, "prosecutor_id", "P999", "no prosecutors row with prosecutor_id 'P999'"),
    (
        12,
        "is_minor",
        "也许",
        "expected yes or no (true, false, t, f, 1, 0, yes, no, y, n, 是, 否, 有, 无, 真, 假), "
        "got '也许'",
    ),
]


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def persons_text(rows: list[str] | None = None) -> str:
    return "\n".join([PERSONS_HEADER, *(PERSONS_ROWS if rows is None else rows)]) + "\n"


def count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0])


def checksum(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, int]:
    """Row count and an order-independent hash of every row."""
    row = con.execute(f'SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM "{table}" t')
    count_, total = row.fetchall()[0]
    return int(count_), int(total)
