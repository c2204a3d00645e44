"""Which columns an indicator can be broken down by, and the categories of each.

A breakdown splits an indicator's numerator and denominator by a *categorical* column of
the records they count: an enumeration (``prosecution_decision``), a yes/no column
(``is_minor``) or a coded number with a code list (``crime_chapter``, the chapter of the
Criminal Law a person's crime belongs to, looked up in ``crimes``). Virtual columns count
as columns of the base table (:mod:`kaoping.catalogue.virtual`), so a breakdown can use
an attribute of a joined reference table. Every breakdown ends with one more category,
"unknown / other", that holds the records whose value is empty or not in the list, so the
categories always cover every record the total counts.

Labels come from the data model: an enumeration's Chinese labels, and an English label
made from its code (the model keeps English codes such as ``not_approved``, which read as
English once the underscores go).
"""

from __future__ import annotations

from dataclasses import dataclass

from kaoping.catalogue.models import Indicator
from kaoping.catalogue.typecheck import did_you_mean
from kaoping.catalogue.virtual import VIRTUAL_COLUMNS, table_columns
from kaoping.model.schema import Column, ColumnType

__all__ = [
    "CHAPTERS",
    "UNKNOWN",
    "BreakdownColumn",
    "Category",
    "breakdown_column",
    "breakdown_columns",
    "column_problem",
]

#: The ten chapters of Part II of the Criminal Law (分则), by number.
CHAPTERS: dict[int, tuple[str, str]] = {
    1: ("危害国家安全罪", "Endangering national security"),
    2: ("危害公共安全罪", "Endangering public security"),
    3: ("破坏社会主义市场经济秩序罪", "Undermining the socialist market economy"),
    4: ("侵犯公民人身权利、民主权利罪", "Infringing citizens' personal and democratic rights"),
    5: ("侵犯财产罪", "Property crimes"),
    6: ("妨害社会管理秩序罪", "Obstructing the administration of public order"),
    7: ("危害国防利益罪", "Endangering national defence"),
    8: ("贪污贿赂罪", "Embezzlement and bribery"),
    9: ("渎职罪", "Dereliction of duty"),
    10: ("军人违反职责罪", "Servicemen's transgression of duties"),
}

#: (table, column) of the data model -> code list of a coded integer column
CODE_LISTS: dict[tuple[str, str], dict[int, tuple[str, str]]] = {("crimes", "chapter"): CHAPTERS}

#: Chinese names of a breakdown where the column's own label is too terse out of context
_NAMES_ZH: dict[str, str] = {"crime_chapter": "罪名所属章（刑法分则）"}

#: English names of the categorical columns; the model labels columns in Chinese only
_NAMES_EN: dict[str, str] = {
    "is_minor": "Minor",
    "enterprise_related": "Enterprise-related",
    "organized_crime": "Organised crime",
    "difficulty": "Difficulty",
    "arrest_decision": "Arrest decision",
    "prosecution_decision": "Prosecution decision",
    "detained_at_prosecution": "Detained at prosecution",
    "plea_leniency": "Plea leniency",
    "sentencing_recommendation": "Sentencing recommendation",
    "recommendation_adopted": "Recommendation adopted",
    "prosecution_withdrawn": "Prosecution withdrawn",
    "probation": "Probation",
    "crime_chapter": "Chapter of the Criminal Law",
    "crime_serious_violent": "Serious violent crime",
    "crime_statutory_max": "Statutory maximum penalty",
}

_YES_NO = (("true", "是", "Yes"), ("false", "否", "No"))


@dataclass(frozen=True)
class Category:
    """One category of a breakdown; ``code`` None is the unknown / other category."""

    code: str | None
    label_zh: str
    label_en: str

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_zh


#: the category of records whose value is empty or not in the column's list
UNKNOWN = Category(None, "不详或其他", "Unknown or other")


@dataclass(frozen=True)
class BreakdownColumn:
    """A categorical column of a table, with its categories in display order."""

    name: str
    kind: ColumnType
    label_zh: str
    label_en: str
    #: the listed categories, without :data:`UNKNOWN` (which :attr:`categories` appends)
    listed: tuple[Category, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.listed if c.code is not None)

    @property
    def categories(self) -> tuple[Category, ...]:
        return (*self.listed, UNKNOWN)

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_zh


def _humanise(code: str) -> str:
    return code.replace("_", " ").capitalize()


def _source(table: str, column: str) -> tuple[str, str]:
    """The (table, column) a column of ``table`` really is (a virtual one's origin)."""
    v = VIRTUAL_COLUMNS.get(table, {}).get(column)
    return (v.table, v.column) if v is not None else (table, column)


def _categories(table: str, col: Column) -> tuple[Category, ...] | None:
    """The listed categories of ``col``, or None when it is not categorical."""
    if col.type is ColumnType.ENUM and col.enum is not None:
        # the model's English label where it has one (a US model's), else the code's words
        en = {c: t["en"] for c, t in col.enum.translations.items() if "en" in t}
        return tuple(
            Category(c, zh, en.get(c) or _humanise(c)) for c, zh in col.enum.labels.items()
        )
    if col.type is ColumnType.BOOLEAN:
        return tuple(Category(*yes_no) for yes_no in _YES_NO)
    codes = CODE_LISTS.get(_source(table, col.name))
    if col.type is ColumnType.INTEGER and codes is not None:
        return tuple(Category(str(n), zh, en) for n, (zh, en) in codes.items())
    return None


def _column(table: str, col: Column) -> BreakdownColumn | None:
    listed = _categories(table, col)
    if listed is None:
        return None
    name_zh = _NAMES_ZH.get(col.name, col.label_zh)
    name_en = _NAMES_EN.get(col.name) or col.labels.get("en") or _humanise(col.name)
    return BreakdownColumn(col.name, col.type, name_zh, name_en, listed)


def _tables(ind: Indicator) -> list[str]:
    tables = [ind.numerator.table]
    if ind.denominator is not None and ind.denominator.table not in tables:
        tables.append(ind.denominator.table)
    return tables


def breakdown_columns(ind: Indicator) -> dict[str, BreakdownColumn]:
    """Every column ``ind`` can be broken down by: categorical, and a column of the table
    of its numerator and of its denominator (a split must apply to both sides)."""
    per_table = []
    for table in _tables(ind):
        cols = {}
        for name, col in table_columns(table).items():
            bc = _column(table, col)
            if bc is not None:
                cols[name] = bc
        per_table.append(cols)
    first, *rest = per_table
    return {name: bc for name, bc in first.items() if all(name in other for other in rest)}


def column_problem(ind: Indicator, name: str) -> str | None:
    """Why ``ind`` cannot be broken down by ``name`` (None when it can), naming the valid
    columns -- the one message the catalogue checker, the CLI and the API give."""
    valid = breakdown_columns(ind)
    if name in valid:
        return None
    listed = ", ".join(valid) or "none"
    for table in _tables(ind):
        col = table_columns(table).get(name)
        if col is None:
            hint = did_you_mean(name, list(valid))
            return (
                f"unknown column `{name}` in table `{table}`{hint} "
                f"(columns `{ind.id}` can be broken down by: {listed})"
            )
        if _column(table, col) is None:
            kind = col.type.value
            article = "an" if kind[0] in "aeiou" else "a"
            return (
                f"`{name}` is {article} {kind} column of `{table}`, not a categorical one "
                f"(enumeration, yes/no or coded); `{ind.id}` can be broken down by: {listed}"
            )
    return f"`{name}` is not a column of every table of `{ind.id}` (valid: {listed})"


def breakdown_column(ind: Indicator, name: str) -> BreakdownColumn:
    """The breakdown column ``name`` of ``ind``; a ValueError says what would be valid."""
    problem = column_problem(ind, name)
    if problem is not None:
        raise ValueError(problem)
    return breakdown_columns(ind)[name]
