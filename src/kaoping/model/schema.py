"""The canonical data model: the tables a case-management export holds.

This module is the contract between the generator, the importer, the warehouse, the
indicator catalogue and the docs. Everything about a column -- its type, whether it may be
empty, its enumeration, the Chinese headers an export may use for it -- lives here once.
Enumerations are stored in English codes; their Chinese labels double as import aliases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ColumnType(StrEnum):
    """Logical column types; each maps to one DuckDB type and one Arrow type."""

    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATE = "date"
    ENUM = "enum"


DUCKDB_TYPES: dict[ColumnType, str] = {
    ColumnType.TEXT: "VARCHAR",
    ColumnType.INTEGER: "INTEGER",
    ColumnType.DECIMAL: "DECIMAL(18,2)",
    ColumnType.BOOLEAN: "BOOLEAN",
    ColumnType.DATE: "DATE",
    ColumnType.ENUM: "VARCHAR",
}


@dataclass(frozen=True)
class Enumeration:
    """A closed set of codes, each with the Chinese label exports write for it."""

    name: str
    labels: dict[str, str]  # code -> Chinese label
    extra_aliases: dict[str, str] = field(default_factory=dict)  # alias -> code

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.labels)

    def aliases(self) -> dict[str, str]:
        """Every accepted spelling (code, Chinese label, extra alias) mapped to its code."""
        out = {code: code for code in self.labels}
        out.update({label: code for code, label in self.labels.items()})
        out.update(self.extra_aliases)
        return out


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    label_zh: str
    description: str
    required: bool = False
    enum: Enumeration | None = None
    references: str | None = None  # "table.column" this column must match
    aliases: tuple[str, ...] = ()  # further header spellings besides label_zh
    minimum: float | None = None

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type]

    def header_aliases(self) -> tuple[str, ...]:
        return (self.name, self.label_zh, *self.aliases)


@dataclass(frozen=True)
class DateOrder:
    """`earlier` must not fall after `later` when both are present."""

    earlier: str
    later: str


@dataclass(frozen=True)
class Table:
    name: str
    label_zh: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    date_orders: tuple[DateOrder, ...] = ()
    aliases: tuple[str, ...] = ()  # file-name stems that also mean this table

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


BOOLEAN_ALIASES: dict[str, bool] = {
    "true": True,
    "false": False,
    "t": True,
    "f": False,
    "1": True,
    "0": False,
    "yes": True,
    "no": False,
    "y": True,
    "n": False,
    "是": True,
    "否": False,
    "有": True,
    "无": False,
    "真": True,
    "假": False,
}

# --- enumerations --------------------------------------------------------------------

ARREST_DECISION = Enumeration(
    "arrest_decision",
    {"approved": "批准逮捕", "not_approved": "不批准逮捕"},
    {
        "批捕": "approved",
        "不捕": "not_approved",
        "决定逮捕": "approved",
        "不予逮捕": "not_approved",
    },
)
PROSECUTION_DECISION = Enumeration(
    "prosecution_decision",
    {
        "prosecuted": "起诉",
        "not_prosecuted": "不起诉",
        "conditional_not_prosecuted": "附条件不起诉",
    },
    {"提起公诉": "prosecuted", "决定起诉": "prosecuted", "不诉": "not_prosecuted"},
)
SENTENCING_RECOMMENDATION = Enumeration(
    "sentencing_recommendation",
    {"none": "无量刑建议", "fixed": "确定刑量刑建议", "range": "幅度刑量刑建议"},
    {"无": "none", "确定刑": "fixed", "幅度刑": "range"},
)
VERDICT = Enumeration(
    "verdict",
    {"guilty": "有罪判决", "acquitted": "无罪判决"},
    {"有罪": "guilty", "无罪": "acquitted"},
)
DIFFICULTY = Enumeration(
    "difficulty",
    {"simple": "简易", "ordinary": "普通", "complex": "疑难复杂"},
    {"简单": "simple", "一般": "ordinary", "复杂": "complex", "疑难": "complex"},
)
DEPARTMENT = Enumeration(
    "department",
    {
        "ordinary_crime": "普通犯罪检察部",
        "serious_crime": "重大犯罪检察部",
        "economic_crime": "经济犯罪检察部",
        "duty_crime": "职务犯罪检察部",
        "minors": "未成年人检察部",
        "civil_administrative": "民事行政检察部",
        "public_interest": "公益诉讼检察部",
        "comprehensive": "综合业务部",
    },
)
STATUTORY_MAX = Enumeration(
    "statutory_max",
    {"detention": "拘役", "fixed_term": "有期徒刑", "life": "无期徒刑", "death": "死刑"},
)
SUGGESTION_CATEGORY = Enumeration(
    "suggestion_category",
    {
        "social_governance": "社会治理类",
        "remedy": "纠正违法类",
        "retrial": "再审检察建议",
        "public_interest": "公益诉讼诉前检察建议",
        "other": "其他",
    },
)
LEAD_OUTCOME = Enumeration(
    "lead_outcome",
    {
        "substantiated": "查证属实",
        "unsubstantiated": "查无实据",
        "transferred": "移送办理",
        "pending": "正在核查",
    },
)
REVIEW_GRADE = Enumeration(
    "review_grade",
    {
        "excellent": "优质案件",
        "qualified": "合格案件",
        "flawed": "瑕疵案件",
        "unqualified": "不合格案件",
    },
    {"优质": "excellent", "合格": "qualified", "瑕疵": "flawed", "不合格": "unqualified"},
)
PUBLIC_INTEREST_FIELD = Enumeration(
    "public_interest_field",
    {
        "ecology_environment": "生态环境和资源保护",
        "food_drug_safety": "食品药品安全",
        "state_property": "国有财产保护",
        "land_transfer": "国有土地使用权出让",
        "heroes_martyrs": "英烈权益保护",
        "personal_information": "个人信息保护",
        "other": "其他",
    },
)

ENUMERATIONS: dict[str, Enumeration] = {
    e.name: e
    for e in (
        ARREST_DECISION,
        PROSECUTION_DECISION,
        SENTENCING_RECOMMENDATION,
        VERDICT,
        DIFFICULTY,
        DEPARTMENT,
        STATUTORY_MAX,
        SUGGESTION_CATEGORY,
        LEAD_OUTCOME,
        REVIEW_GRADE,
        PUBLIC_INTEREST_FIELD,
    )
}

T, INT, D, B, DT, E = (
    ColumnType.TEXT,
    ColumnType.INTEGER,
    ColumnType.DECIMAL,
    ColumnType.BOOLEAN,
    ColumnType.DATE,
    ColumnType.ENUM,
)


def _organ_ref() -> Column:
    return Column(
        "organ_code",
        T,
        "院代码",
        "The procuratorate that handled the record.",
        required=True,
        references="organs.organ_code",
        aliases=("单位代码", "承办单位代码", "检察院代码"),
    )


def _prosecutor_ref(required: bool = False) -> Column:
    return Column(
        "prosecutor_id",
        T,
        "承办检察官编号",
        "The handling prosecutor (pseudonymous id).",
        required=required,
        references="prosecutors.prosecutor_id",
        aliases=("检察官编号", "承办人编号"),
    )


ORGANS = Table(
    "organs",
    "检察院",
    "The four-level hierarchy of procuratorates.",
    key=("organ_code",),
    columns=(
        Column(
            "organ_code",
            T,
            "院代码",
            "Code of the procuratorate; GB/T 2260 division code "
            "where the organ serves one division.",
            required=True,
            aliases=("单位代码", "检察院代码"),
        ),
        Column(
            "parent_code",
            T,
            "上级院代码",
            "The organ one level up; empty for the national organ.",
            references="organs.organ_code",
            aliases=("上级单位代码",),
        ),
        Column(
            "level",
            INT,
            "层级",
            "1 national, 2 provincial, 3 municipal, 4 grassroots.",
            required=True,
            minimum=1,
            aliases=("级别",),
        ),
        Column(
            "name_zh",
            T,
            "院名称",
            "Chinese name, e.g. 北京市海淀区人民检察院.",
            required=True,
            aliases=("单位名称", "检察院名称", "名称"),
        ),
        Column("name_en", T, "英文名称", "English name.", required=True),
        Column("division_code", T, "行政区划代码", "The GB/T 2260 division the organ serves."),
        Column(
            "three_regions",
            B,
            "三区三州",
            "Serves the 'three districts and three "
            "prefectures' (poverty-alleviation priority areas).",
            aliases=("是否三区三州",),
        ),
    ),
)

PROSECUTORS = Table(
    "prosecutors",
    "检察官",
    "Post-holding prosecutors (员额检察官), pseudonymous.",
    key=("prosecutor_id",),
    columns=(
        Column(
            "prosecutor_id",
            T,
            "检察官编号",
            "Pseudonymous id.",
            required=True,
            aliases=("承办人编号", "承办检察官编号"),
        ),
        _organ_ref(),
        Column(
            "department",
            E,
            "部门",
            "Department (检察部).",
            required=True,
            enum=DEPARTMENT,
            aliases=("所在部门",),
        ),
        Column(
            "display_name",
            T,
            "显示名",
            "Pseudonymous display name (a code such as 检察官007514, never a real name).",
            required=True,
            aliases=("显示名称", "化名"),
        ),
    ),
)

CRIMES = Table(
    "crimes",
    "罪名",
    "Crime catalogue of the Criminal Law, Part II.",
    key=("crime_code",),
    columns=(
        Column("crime_code", T, "罪名代码", "Code of the crime.", required=True),
        Column(
            "name_zh",
            T,
            "罪名",
            "Chinese name, e.g. 危险驾驶罪.",
            required=True,
            aliases=("罪名名称",),
        ),
        Column("name_en", T, "英文罪名", "English name.", required=True),
        Column(
            "article",
            T,
            "条文",
            "Article of the Criminal Law, e.g. 133之一.",
            required=True,
            aliases=("刑法条文",),
        ),
        Column(
            "chapter",
            INT,
            "章",
            "Chapter of Part II, 1 (national security) to 10.",
            required=True,
            minimum=1,
            aliases=("所属章",),
        ),
        Column(
            "serious_violent",
            B,
            "严重暴力犯罪",
            "Counts as serious violent crime.",
            required=True,
            aliases=("是否严重暴力犯罪",),
        ),
        Column(
            "statutory_max",
            E,
            "法定最高刑",
            "Statutory maximum penalty.",
            required=True,
            enum=STATUTORY_MAX,
        ),
        Column(
            "statutory_max_years",
            INT,
            "法定最高刑期(年)",
            "For fixed-term maxima, the years.",
            minimum=0,
        ),
    ),
)

PERSONS = Table(
    "persons",
    "犯罪嫌疑人",
    "One row per suspect per case: the unit of procuratorial statistics.",
    key=("person_id",),
    aliases=("suspects", "犯罪嫌疑人", "人员"),
    columns=(
        Column(
            "person_id",
            T,
            "嫌疑人编号",
            "Pseudonymous id of the suspect in this case.",
            required=True,
            aliases=("犯罪嫌疑人编号", "人员编号"),
        ),
        Column(
            "case_id",
            T,
            "案件编号",
            "The case (案) the suspect belongs to.",
            required=True,
            aliases=("部门受案号", "案号"),
        ),
        _organ_ref(),
        _prosecutor_ref(),
        Column(
            "crime_code",
            T,
            "罪名代码",
            "Principal crime.",
            required=True,
            references="crimes.crime_code",
            aliases=("主罪名代码",),
        ),
        Column(
            "is_minor",
            B,
            "是否未成年人",
            "Under 18 at the time of the offence.",
            required=True,
            aliases=("未成年人",),
        ),
        Column(
            "enterprise_related", B, "是否涉企", "Enterprise-related case.", aliases=("涉企案件",)
        ),
        Column(
            "organized_crime",
            B,
            "是否涉黑恶",
            "Organised-crime case (涉黑涉恶).",
            aliases=("涉黑恶",),
        ),
        Column("difficulty", E, "案件难度", "Difficulty, for case weighting.", enum=DIFFICULTY),
        Column(
            "arrest_review_received",
            DT,
            "审查逮捕受理日期",
            "Received for arrest review.",
            aliases=("审查逮捕受理时间",),
        ),
        Column(
            "arrest_review_concluded",
            DT,
            "审查逮捕审结日期",
            "Arrest review concluded.",
            aliases=("审查逮捕审结时间",),
        ),
        Column(
            "arrest_decision",
            E,
            "审查逮捕决定",
            "Outcome of the arrest review.",
            enum=ARREST_DECISION,
            aliases=("逮捕决定",),
        ),
        Column(
            "prosecution_review_received",
            DT,
            "审查起诉受理日期",
            "Received for prosecution review.",
            aliases=("审查起诉受理时间",),
        ),
        Column(
            "prosecution_review_concluded",
            DT,
            "审查起诉审结日期",
            "Prosecution review concluded.",
            aliases=("审查起诉审结时间",),
        ),
        Column(
            "prosecution_decision",
            E,
            "审查起诉决定",
            "Outcome of the prosecution review.",
            enum=PROSECUTION_DECISION,
            aliases=("起诉决定",),
        ),
        Column(
            "detained_at_prosecution",
            B,
            "起诉时是否羁押",
            "In custody when the prosecution decision was taken.",
            aliases=("是否羁押",),
        ),
        Column(
            "plea_leniency",
            B,
            "是否适用认罪认罚",
            "Plea-leniency system applied (认罪认罚从宽).",
            aliases=("认罪认罚",),
        ),
        Column(
            "sentencing_recommendation",
            E,
            "量刑建议类型",
            "Kind of sentencing recommendation.",
            enum=SENTENCING_RECOMMENDATION,
            aliases=("量刑建议",),
        ),
        Column(
            "recommendation_adopted",
            B,
            "量刑建议是否采纳",
            "Court adopted the recommendation.",
            aliases=("量刑建议采纳",),
        ),
        Column(
            "supplementary_returns",
            INT,
            "退回补充侦查次数",
            "Returns for supplementary investigation.",
            minimum=0,
            aliases=("退补次数",),
        ),
        Column(
            "extensions",
            INT,
            "延长审查起诉期限次数",
            "Extensions of the review period.",
            minimum=0,
            aliases=("延长审限次数",),
        ),
        Column(
            "prosecution_withdrawn",
            B,
            "是否撤回起诉",
            "Prosecution withdrawn.",
            aliases=("撤回起诉",),
        ),
        Column(
            "verdict", E, "判决结果", "First-instance verdict.", enum=VERDICT, aliases=("判决",)
        ),
        Column("verdict_date", DT, "判决日期", "Date of the verdict.", aliases=("判决时间",)),
        Column(
            "sentence_months",
            INT,
            "判处刑期(月)",
            "Sentence in months (0 for non-custodial).",
            minimum=0,
            aliases=("刑期",),
        ),
        Column("probation", B, "是否缓刑", "Sentence suspended (缓刑).", aliases=("缓刑",)),
    ),
    date_orders=(
        DateOrder("arrest_review_received", "arrest_review_concluded"),
        DateOrder("prosecution_review_received", "prosecution_review_concluded"),
        DateOrder("arrest_review_concluded", "prosecution_review_received"),
        DateOrder("prosecution_review_concluded", "verdict_date"),
    ),
)

SUGGESTIONS = Table(
    "suggestions",
    "检察建议",
    "Procuratorial suggestions (检察建议).",
    key=("suggestion_id",),
    columns=(
        Column("suggestion_id", T, "检察建议编号", "Id of the suggestion.", required=True),
        _organ_ref(),
        _prosecutor_ref(),
        Column(
            "spp_number",
            INT,
            "最高检检察建议号",
            "Number of an SPP suggestion this follows up "
            "(1 = campus sexual assault, 4 = manhole safety, ...).",
            minimum=1,
            aliases=("号检察建议",),
        ),
        Column("serial", T, "文号", "The organ's own serial, e.g. 京海检建〔2020〕3号."),
        Column(
            "category",
            E,
            "类别",
            "Category.",
            required=True,
            enum=SUGGESTION_CATEGORY,
            aliases=("建议类别",),
        ),
        Column("recipient", T, "被建议单位", "Kind of recipient (e.g. 教育局).", required=True),
        Column("issued", DT, "制发日期", "Date issued.", required=True, aliases=("发出日期",)),
        Column(
            "reply_due", DT, "回复期限", "Reply deadline (2 months after issue).", required=True
        ),
        Column("replied", DT, "回复日期", "Date replied."),
        Column("adopted", B, "是否采纳", "Recipient adopted the suggestion."),
        Column("rectified", B, "是否整改", "Recipient rectified."),
    ),
    date_orders=(DateOrder("issued", "reply_due"), DateOrder("issued", "replied")),
)

PETITIONS = Table(
    "petitions",
    "群众来信",
    "Letters from the public (信访).",
    key=("petition_id",),
    columns=(
        Column("petition_id", T, "来信编号", "Id of the letter.", required=True),
        _organ_ref(),
        Column("received", DT, "收信日期", "Date received.", required=True, aliases=("受理日期",)),
        Column("procedural_reply", DT, "程序性回复日期", "Procedural reply (within 7 days)."),
        Column("result_reply", DT, "结果答复日期", "Process or result reply (within 3 months)."),
    ),
    date_orders=(DateOrder("received", "procedural_reply"), DateOrder("received", "result_reply")),
)

LEADS = Table(
    "leads",
    "涉黑恶线索",
    "Organised-crime leads (扫黑除恶线索).",
    key=("lead_id",),
    columns=(
        Column("lead_id", T, "线索编号", "Id of the lead.", required=True),
        _organ_ref(),
        Column("received", DT, "线索受理日期", "Date received.", required=True),
        Column("verified", DT, "核查完毕日期", "Date verification was completed."),
        Column("outcome", E, "核查结果", "Outcome.", required=True, enum=LEAD_OUTCOME),
    ),
    date_orders=(DateOrder("received", "verified"),),
)

PROPERTY_RETURNS = Table(
    "property_returns",
    "扶贫领域涉案财物返还",
    "Property involved in poverty-alleviation cases.",
    key=("return_id",),
    columns=(
        Column("return_id", T, "返还编号", "Id.", required=True),
        _organ_ref(),
        Column("case_id", T, "案件编号", "The case.", required=True),
        Column("registered", DT, "登记日期", "Date the property was registered.", required=True),
        Column(
            "amount_involved", D, "涉案金额(元)", "Amount involved, yuan.", required=True, minimum=0
        ),
        Column("amount_returned", D, "返还金额(元)", "Amount returned, yuan.", minimum=0),
        Column("returned", DT, "返还日期", "Date returned."),
    ),
    date_orders=(DateOrder("registered", "returned"),),
)

QUALITY_REVIEWS = Table(
    "quality_reviews",
    "案件质量评查",
    "Case-quality reviews (案件质量评查).",
    key=("review_id",),
    columns=(
        Column("review_id", T, "评查编号", "Id.", required=True),
        _organ_ref(),
        _prosecutor_ref(),
        Column("case_id", T, "案件编号", "The reviewed case.", required=True),
        Column("reviewed", DT, "评查日期", "Date of the review.", required=True),
        Column(
            "grade",
            E,
            "评查结论",
            "Grade.",
            required=True,
            enum=REVIEW_GRADE,
            aliases=("评定等次",),
        ),
    ),
)

PUBLIC_INTEREST_CASES = Table(
    "public_interest_cases",
    "公益诉讼案件",
    "Public-interest litigation cases (公益诉讼).",
    key=("pi_case_id",),
    columns=(
        Column("pi_case_id", T, "公益诉讼案件编号", "Id.", required=True, aliases=("案件编号",)),
        _organ_ref(),
        _prosecutor_ref(),
        Column("field", E, "领域", "Field.", required=True, enum=PUBLIC_INTEREST_FIELD),
        Column("filed", DT, "立案日期", "Date filed.", required=True),
        Column(
            "pre_litigation_suggestion",
            DT,
            "诉前检察建议日期",
            "Date of the pre-litigation suggestion.",
        ),
        Column("rectified", B, "是否整改", "Rectified after the pre-litigation suggestion."),
        Column("litigation_filed", DT, "提起诉讼日期", "Date a lawsuit was brought."),
    ),
    date_orders=(
        DateOrder("filed", "pre_litigation_suggestion"),
        DateOrder("filed", "litigation_filed"),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        ORGANS,
        PROSECUTORS,
        CRIMES,
        PERSONS,
        SUGGESTIONS,
        PETITIONS,
        LEADS,
        PROPERTY_RETURNS,
        QUALITY_REVIEWS,
        PUBLIC_INTEREST_CASES,
    )
}

# Tables in the order they must be loaded so that references resolve.
LOAD_ORDER: tuple[str, ...] = tuple(TABLES)


def table(name: str) -> Table:
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; known tables: {', '.join(TABLES)}") from None
