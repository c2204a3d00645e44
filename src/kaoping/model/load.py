"""Read a model file (docs/model.md): check every table, column and enumeration it declares.

A model file is YAML: the languages its labels are written in, its enumerations, its
tables with their columns, and the organ hierarchy's levels. A file may ``extends:``
another model (``default``, or a path) and add tables, columns and enumerations to it.

Nothing stops at the first mistake: the file's shape is checked piece by piece with
pydantic, then the pieces against each other (a reference to an unknown column, a label
lacking a required language...), and every problem is reported with the file, line,
table, column and key it sits in, and what would be valid.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from kaoping.model.errors import ModelError, Problem
from kaoping.model.selection import DEFAULT_FILE, DEFAULT_NAME
from kaoping.model.types import (
    Column,
    ColumnType,
    DataModel,
    DateOrder,
    Enumeration,
    Hierarchy,
    Level,
    Table,
)
from kaoping.yamltext import (
    Path_,
    annotation_at,
    duplicate_keys,
    line_at,
    parse,
    syntax_error,
)

#: the boolean spellings of a model that declares none
ENGLISH_BOOLEANS = {
    "true_values": ["true", "t", "1", "yes", "y"],
    "false_values": ["false", "f", "0", "no", "n"],
}

# --- the file as written ---------------------------------------------------------------

#: table, column, enumeration and level names end up in SQL and URLs: keep them plain
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
_NAME = re.compile(r"[a-z][a-z0-9_]*")
Labels = dict[str, str]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ColumnSpec(_Spec):
    name: Name
    type: ColumnType
    label: Labels
    description: str = ""
    required: bool = False
    enum: str | None = None
    references: str | None = None
    aliases: list[str] = []
    minimum: float | None = None


class DateOrderSpec(_Spec):
    earlier: str
    later: str


class TableSpec(_Spec):
    name: Name
    label: Labels | None = None
    description: str | None = None
    key: list[str] | None = None
    aliases: list[str] = []
    columns: list[Any] = []  # each checked as a ColumnSpec on its own
    date_orders: list[DateOrderSpec] = []


class EnumerationSpec(_Spec):
    values: dict[str, Labels]
    aliases: dict[str, str] = {}


class LevelSpec(_Spec):
    level: int
    name: Name
    label: Labels


class HierarchySpec(_Spec):
    table: str
    code: str
    parent: str
    level: str
    levels: list[LevelSpec]
    names: dict[str, str] = {}


class BooleanSpec(_Spec):
    true_values: list[str]
    false_values: list[str]


class ModelSpec(_Spec):
    model: Name
    title: Labels = {}
    extends: str | None = None
    languages: list[str] | None = None
    required_languages: list[str] | None = None
    booleans: BooleanSpec | None = None
    hierarchy: HierarchySpec | None = None
    enumerations: dict[str, Any] = {}  # each checked as an EnumerationSpec on its own
    tables: list[Any] = []  # each checked as a TableSpec on its own
    #: the publication's small-number suppression for this model's offices, in the shape
    #: of a rules file (``default:``, ``indicators:``); checked by kaoping.publication
    suppression: dict[str, Any] | None = None


# --- where things are ------------------------------------------------------------------


@dataclass(frozen=True)
class _Where:
    """A place in one file: its name, its line map and the YAML path of the object."""

    file: str
    lines: dict[Path_, int]
    path: Path_

    def at(self, *sub: str | int) -> int | None:
        return line_at(self.lines, (*self.path, *sub))

    def inner(self, *sub: str | int) -> _Where:
        return _Where(self.file, self.lines, (*self.path, *sub))


@dataclass
class _Col:
    spec: ColumnSpec
    where: _Where


@dataclass
class _Tab:
    spec: TableSpec
    where: _Where
    columns: list[_Col] = field(default_factory=list)
    date_orders: list[tuple[DateOrderSpec, _Where]] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    #: columns whose own declaration is wrong: already reported, so not blamed again
    #: where a key, date order or reference names them
    broken: set[str] = field(default_factory=set)


@dataclass
class _Draft:
    """A model as read so far: a file merged onto the model it extends."""

    name: str = ""
    source: str = ""
    title: Labels = field(default_factory=dict)
    extends: str | None = None
    languages: list[str] | None = None
    required_languages: list[str] = field(default_factory=list)
    languages_where: _Where | None = None
    booleans: BooleanSpec | None = None
    hierarchy: tuple[HierarchySpec, _Where] | None = None
    enumerations: dict[str, tuple[EnumerationSpec, _Where]] = field(default_factory=dict)
    broken_enumerations: set[str] = field(default_factory=set)  # reported where declared
    tables: dict[str, _Tab] = field(default_factory=dict)
    suppression: dict[str, Any] | None = None
    sha256: str = ""
    problems: list[Problem] = field(default_factory=list)

    def problem(
        self,
        where: _Where,
        message: str,
        *sub: str | int,
        table: str | None = None,
        column: str | None = None,
        key: str | None = None,
    ) -> None:
        self.problems.append(Problem(where.file, message, table, column, key, where.at(*sub)))


# --- pydantic's errors, said as a model author needs them ------------------------------




def _closest(name: str, candidates: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f"; did you mean `{close[0]}`?" if close else ""


def _friendly(cls: type[BaseModel], err: Any) -> tuple[Path_, str]:
    """A pydantic error as (key path, message saying what would be valid)."""
    loc: Path_ = tuple(p for p in err["loc"] if p != "[key]")
    kind, given = err["type"], err.get("input")
    name = str(loc[-1]) if loc else "model"
    if kind == "extra_forbidden":
        parent = annotation_at(cls, loc[:-1])
        valid = (
            list(parent.model_fields)
            if isinstance(parent, type) and issubclass(parent, BaseModel)
            else []
        )
        return loc, f"unknown key `{name}`{_closest(name, valid)} (keys here: {', '.join(valid)})"
    if kind == "missing":
        return loc, f"required key `{name}` is missing"
    annotation = annotation_at(cls, loc)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        values = [str(m.value) for m in annotation]
        return loc, (
            f"'{given}' is not a valid {name}{_closest(str(given), values)} "
            f"(valid {name}s: {', '.join(values)})"
        )
    if kind == "string_pattern_mismatch":
        return loc, (
            f"'{given}' is not a valid name: use lower-case letters, digits and underscores, "
            "starting with a letter (e.g. handling_department); a Chinese or other header "
            "goes in `label:` or `aliases:`"
        )
    return loc, f"{err['msg']}; got {given!r}"


S = TypeVar("S", bound=BaseModel)


def _validate(
    draft: _Draft,
    cls: type[S],
    data: Any,
    where: _Where,
    table: str | None = None,
    column: str | None = None,
) -> S | None:
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc, message = _friendly(cls, err)
            draft.problem(
                where,
                message,
                *loc,
                table=table,
                column=column,
                key=".".join(map(str, loc)) or None,
            )
        return None


# --- reading a file --------------------------------------------------------------------


def _source_name(path: Path) -> str:
    return DEFAULT_NAME if path.resolve() == DEFAULT_FILE.resolve() else str(path)


def _read(path: Path, chain: tuple[Path, ...] = ()) -> _Draft:
    """The draft of ``path`` merged onto the model it extends; never raises for mistakes."""
    draft = _Draft(source=_source_name(path))
    name = str(path)
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except FileNotFoundError:
        draft.problems.append(Problem(name, "no such model file"))
        return draft
    except (OSError, UnicodeDecodeError) as exc:
        draft.problems.append(Problem(name, f"cannot read the file ({exc}); save it as UTF-8"))
        return draft
    try:
        data, lines, node = parse(text)
    except yaml.YAMLError as exc:
        message, line = syntax_error(exc)
        draft.problems.append(Problem(name, message, line=line))
        return draft
    top = _Where(name, lines, ())
    for key, line in duplicate_keys(node):
        draft.problems.append(
            Problem(name, f"key `{key}` appears twice in one mapping; the first is lost", line=line)
        )
    if not isinstance(data, dict):
        draft.problems.append(
            Problem(
                name,
                "a model file is a mapping with `model:`, `tables:` and more (docs/model.md); "
                f"this file holds {type(data).__name__}",
                line=1,
            )
        )
        return draft
    spec = _validate(draft, ModelSpec, data, top) or _salvage(data)
    if spec is None:
        return draft
    if spec.extends is not None:
        base = _base(draft, spec.extends, path, chain, top)
        if base is None:
            return draft
        base.problems.extend(draft.problems)
        draft = base
        draft.extends = spec.extends
    draft.name, draft.source = spec.model, _source_name(path)
    draft.title = spec.title or draft.title
    draft.sha256 = hashlib.sha256(draft.sha256.encode() + raw).hexdigest()
    if spec.languages is not None:
        draft.languages, draft.languages_where = spec.languages, top.inner("languages")
    if spec.required_languages is not None:
        draft.required_languages = spec.required_languages
    draft.booleans = spec.booleans or draft.booleans
    if spec.suppression is not None:
        draft.suppression = spec.suppression
    if spec.hierarchy is not None:
        draft.hierarchy = (spec.hierarchy, top.inner("hierarchy"))
    for enum_name, item in spec.enumerations.items():
        _add_enumeration(draft, str(enum_name), item, top.inner("enumerations", enum_name))
    for i, item in enumerate(spec.tables):
        _add_table(draft, item, top.inner("tables", i))
    return draft


def _salvage(data: dict[Any, Any]) -> ModelSpec | None:
    """The file without its faulty top-level keys (already reported), so that its tables
    are checked too and one run reports every mistake."""
    try:
        return ModelSpec.model_validate(data)
    except ValidationError as exc:
        bad = {err["loc"][0] for err in exc.errors() if err["loc"]}
    clean = {k: v for k, v in data.items() if k not in bad}
    clean["model"] = clean.get("model", "invalid")
    try:
        return ModelSpec.model_validate(clean)
    except ValidationError:
        return None


def _base(
    draft: _Draft, extends: str, path: Path, chain: tuple[Path, ...], top: _Where
) -> _Draft | None:
    """The model ``extends`` names: ``default``, or a file relative to this one."""
    target = DEFAULT_FILE if extends == DEFAULT_NAME else (path.parent / extends)
    if target.resolve() in (p.resolve() for p in (*chain, path)):
        draft.problem(
            top,
            f"`extends: {extends}` makes a cycle: a model cannot extend "
            "itself, directly or through another",
            "extends",
            key="extends",
        )
        return None
    if not target.is_file():
        draft.problem(
            top,
            f"`extends: {extends}` names no model: use `{DEFAULT_NAME}` "
            f"or the path of a model file (relative to {path.name}); "
            f"{target} does not exist",
            "extends",
            key="extends",
        )
        return None
    return _read(target, (*chain, path))


def _add_enumeration(draft: _Draft, name: str, item: Any, where: _Where) -> None:
    if not _NAME.fullmatch(name):
        draft.problem(
            where,
            f"'{name}' is not a valid enumeration name: use lower-case letters, digits and "
            "underscores, starting with a letter (e.g. offense_category)",
            key=f"enumerations.{name}",
        )
        draft.broken_enumerations.add(name)
        return
    if name in draft.enumerations:
        first = draft.enumerations[name][1]
        draft.problem(
            where,
            f"enumeration `{name}` is already declared in "
            f"{first.file}:{first.at()}; a model adds enumerations, it does not "
            "redefine them",
            key=f"enumerations.{name}",
        )
        return
    spec = _validate(draft, EnumerationSpec, item, where)
    if spec is None:
        draft.broken_enumerations.add(name)
    else:
        draft.enumerations[name] = (spec, where)


def _add_table(draft: _Draft, item: Any, where: _Where) -> None:
    label = item.get("name") if isinstance(item, dict) else None
    table_name = label if isinstance(label, str) else None
    spec = _validate(draft, TableSpec, item, where, table=table_name)
    if spec is None:
        return
    existing = draft.tables.get(spec.name)
    if existing is not None and existing.where.file == where.file:
        draft.problem(
            where,
            f"duplicate table `{spec.name}`: already declared at line {existing.where.at()}",
            "name",
            table=spec.name,
        )
        return
    if existing is not None:
        changed = [k for k in ("label", "description", "key") if getattr(spec, k) is not None]
        if changed:
            draft.problem(
                where,
                f"table `{spec.name}` is declared in {existing.where.file}; a model that "
                f"extends it may add columns, date_orders and aliases, not change its "
                f"{', '.join(changed)}",
                changed[0],
                table=spec.name,
                key=changed[0],
            )
        tab = existing
    else:
        tab = _Tab(spec, where)
        for key in ("label", "key"):
            if getattr(spec, key) is None:
                draft.problem(where, f"a new table needs `{key}:`", table=spec.name, key=key)
        draft.tables[spec.name] = tab
    tab.aliases.extend(spec.aliases)
    tab.date_orders.extend(
        (d, where.inner("date_orders", i)) for i, d in enumerate(spec.date_orders)
    )
    for j, raw in enumerate(spec.columns):
        col_where = where.inner("columns", j)
        col_name = raw.get("name") if isinstance(raw, dict) else None
        col = _validate(
            draft,
            ColumnSpec,
            raw,
            col_where,
            table=spec.name,
            column=col_name if isinstance(col_name, str) else f"#{j + 1}",
        )
        if col is None:
            if isinstance(col_name, str):
                tab.broken.add(col_name)
            continue
        twin = next((c for c in tab.columns if c.spec.name == col.name), None)
        if twin is not None:
            draft.problem(
                col_where,
                f"duplicate column `{col.name}`: already declared in "
                f"{twin.where.file}:{twin.where.at()}",
                "name",
                table=spec.name,
                column=col.name,
                key="name",
            )
            continue
        tab.columns.append(_Col(col, col_where))


# --- the pieces against each other -----------------------------------------------------


def _check_labels(draft: _Draft, labels: Labels, where: _Where, sub: Path_, **names: Any) -> None:
    key = ".".join(map(str, sub))
    if not labels:
        draft.problem(
            where,
            "needs a label, e.g. `label: {zh: 院代码, en: organ code}`",
            *sub,
            key=key,
            **names,
        )
        return
    if draft.languages is not None:
        unknown = [lang for lang in labels if lang not in draft.languages]
        if unknown:
            draft.problem(
                where,
                f"label in undeclared language `{unknown[0]}`; the model's "
                f"languages: {', '.join(draft.languages)} (add it to `languages:`)",
                *sub,
                key=key,
                **names,
            )
    for lang in draft.required_languages:
        if not labels.get(lang, "").strip():
            draft.problem(
                where,
                f"label lacks `{lang}`, which the model requires "
                f"(required_languages: {', '.join(draft.required_languages)})",
                *sub,
                key=key,
                **names,
            )


def _check_languages(draft: _Draft) -> None:
    if draft.languages is None:
        return
    where = draft.languages_where or _Where(draft.source, {}, ())
    for lang in draft.required_languages:
        if lang not in draft.languages:
            draft.problem(
                where,
                f"required language `{lang}` is not among the languages "
                f"({', '.join(draft.languages)})",
                key="required_languages",
            )


def _check_enumerations(draft: _Draft) -> None:
    for name, (spec, where) in draft.enumerations.items():
        names = {"key": f"enumerations.{name}"}
        if not spec.values:
            draft.problem(where, f"enumeration `{name}` has no values", "values", **names)
        for code, labels in spec.values.items():
            _check_labels(draft, labels, where, ("values", code))
        for alias, code in spec.aliases.items():
            if code not in spec.values:
                draft.problem(
                    where,
                    f"alias `{alias}` names `{code}`, which is not a value "
                    f"of `{name}` (values: {', '.join(spec.values)})",
                    "aliases",
                    alias,
                    **names,
                )


def _check_tables(draft: _Draft) -> None:
    order = list(draft.tables)
    for position, (name, tab) in enumerate(draft.tables.items()):
        columns = {c.spec.name: c for c in tab.columns}
        listing = ", ".join(columns) or "none"
        if tab.spec.label is not None:
            _check_labels(draft, tab.spec.label, tab.where, ("label",), table=name)
        if not columns:
            draft.problem(tab.where, "a table needs at least one column", table=name, key="columns")
        for k in tab.spec.key or []:
            if k in tab.broken:
                continue
            if k not in columns:
                draft.problem(
                    tab.where,
                    f"key column `{k}` is not declared in the table (columns: {listing})",
                    "key",
                    table=name,
                    key="key",
                )
            elif not columns[k].spec.required:
                draft.problem(
                    columns[k].where,
                    f"key column `{k}` must be `required: true`",
                    "name",
                    table=name,
                    column=k,
                    key="required",
                )
        if tab.spec.key == []:
            draft.problem(
                tab.where,
                "`key:` names no column; name the columns that tell one record from another",
                "key",
                table=name,
                key="key",
            )
        for col in tab.columns:
            _check_column(draft, name, col, order[: position + 1])
        for rule, where in tab.date_orders:
            for side in ("earlier", "later"):
                col_name = getattr(rule, side)
                found = columns.get(col_name)
                if col_name in tab.broken:
                    continue
                if found is None:
                    draft.problem(
                        where,
                        f"date order names `{col_name}`, which is not a "
                        f"column of `{name}` (columns: {listing})",
                        side,
                        table=name,
                        key=f"date_orders.{side}",
                    )
                elif found.spec.type is not ColumnType.DATE:
                    dates = (
                        ", ".join(c for c, v in columns.items() if v.spec.type is ColumnType.DATE)
                        or "none"
                    )
                    draft.problem(
                        where,
                        f"date order names `{col_name}`, a {found.spec.type} "
                        f"column; date orders compare date columns ({dates})",
                        side,
                        table=name,
                        key=f"date_orders.{side}",
                    )


def _check_column(draft: _Draft, table: str, col: _Col, earlier: list[str]) -> None:
    spec, where = col.spec, col.where
    names = {"table": table, "column": spec.name}
    _check_labels(draft, spec.label, where, ("label",), **names)
    enums = ", ".join(draft.enumerations) or "none declared"
    if spec.type is ColumnType.ENUM and spec.enum is None:
        draft.problem(
            where,
            f"a column of type enum needs `enum:` naming one of the enumerations ({enums})",
            "type",
            key="enum",
            **names,
        )
    if spec.enum is not None and spec.type is not ColumnType.ENUM:
        draft.problem(
            where,
            f"`enum: {spec.enum}` on a {spec.type} column; use `type: enum`",
            "enum",
            key="enum",
            **names,
        )
    if (
        spec.enum is not None
        and spec.enum not in draft.enumerations
        and spec.enum not in draft.broken_enumerations
    ):
        draft.problem(
            where,
            f"unknown enumeration `{spec.enum}`"
            f"{_closest(spec.enum, list(draft.enumerations))} (enumerations: "
            f"{enums})",
            "enum",
            key="enum",
            **names,
        )
    if spec.minimum is not None and spec.type not in (ColumnType.INTEGER, ColumnType.DECIMAL):
        draft.problem(
            where,
            f"`minimum:` on a {spec.type} column; only integer and decimal columns have one",
            "minimum",
            key="minimum",
            **names,
        )
    if spec.references is not None:
        _check_reference(draft, spec.references, where, earlier, names)


def _check_reference(
    draft: _Draft, ref: str, where: _Where, earlier: list[str], names: dict[str, str]
) -> None:
    target_table, _, target_column = ref.partition(".")
    tables = ", ".join(draft.tables)
    if not target_column:
        draft.problem(
            where,
            f"`references: {ref}` must name `table.column`, e.g. organs.organ_code",
            "references",
            key="references",
            **names,
        )
    elif target_table not in draft.tables:
        draft.problem(
            where,
            f"`references: {ref}` names unknown table `{target_table}`"
            f"{_closest(target_table, list(draft.tables))} (tables: {tables})",
            "references",
            key="references",
            **names,
        )
    elif target_column in draft.tables[target_table].broken:
        return
    elif target_column not in (cols := [c.spec.name for c in draft.tables[target_table].columns]):
        draft.problem(
            where,
            f"`references: {ref}`: table `{target_table}` has no column "
            f"`{target_column}`{_closest(target_column, cols)} (columns: "
            f"{', '.join(cols)})",
            "references",
            key="references",
            **names,
        )
    elif target_table not in earlier:
        draft.problem(
            where,
            f"`references: {ref}`: table `{target_table}` comes after "
            f"`{names['table']}`; list a table after the tables it references, "
            "so that imports load them first",
            "references",
            key="references",
            **names,
        )


def _check_hierarchy(draft: _Draft) -> None:
    if draft.hierarchy is None:
        return
    spec, where = draft.hierarchy
    tab = draft.tables.get(spec.table)
    if tab is None:
        draft.problem(
            where,
            f"hierarchy table `{spec.table}` is not a table of the model "
            f"(tables: {', '.join(draft.tables)})",
            "table",
            key="hierarchy.table",
        )
    else:
        cols = {c.spec.name: c.spec for c in tab.columns}
        for role in ("code", "parent", "level"):
            name = getattr(spec, role)
            if name not in cols:
                draft.problem(
                    where,
                    f"hierarchy {role} column `{name}` is not a column of "
                    f"`{spec.table}` (columns: {', '.join(cols)})",
                    role,
                    table=spec.table,
                    key=f"hierarchy.{role}",
                )
        for language, name in spec.names.items():
            if name not in cols:
                draft.problem(
                    where,
                    f"hierarchy name column `{name}` (for `{language}`) is not a column of "
                    f"`{spec.table}` (columns: {', '.join(cols)})",
                    "names",
                    table=spec.table,
                    key="hierarchy.names",
                )
        level = cols.get(spec.level)
        if level is not None and level.type is not ColumnType.INTEGER:
            draft.problem(
                where,
                f"hierarchy level column `{spec.level}` is {level.type}; "
                "levels are integers (1 the top)",
                "level",
                table=spec.table,
                key="hierarchy.level",
            )
    numbers = [lv.level for lv in spec.levels]
    if numbers != list(range(1, len(numbers) + 1)):
        draft.problem(
            where,
            f"hierarchy levels are numbered {numbers}; number them 1, 2, 3 ... from the top",
            "levels",
            key="hierarchy.levels",
        )
    for i, lv in enumerate(spec.levels):
        _check_labels(draft, lv.label, where, ("levels", i, "label"))


def _check_booleans(draft: _Draft) -> None:
    if draft.booleans is None:
        return
    both = set(draft.booleans.true_values) & set(draft.booleans.false_values)
    if both:
        draft.problems.append(
            Problem(
                draft.source,
                "boolean spellings both true and false: " + ", ".join(sorted(both)),
                field="booleans",
            )
        )


# --- the model -------------------------------------------------------------------------


def _primary(draft: _Draft) -> str | None:
    if draft.required_languages:
        return draft.required_languages[0]
    return draft.languages[0] if draft.languages else None


def _pick(labels: Labels, primary: str | None) -> str:
    if primary and labels.get(primary):
        return labels[primary]
    return next(iter(labels.values()), "")


def _build(draft: _Draft) -> DataModel:
    primary = _primary(draft)
    enums = {
        name: Enumeration(
            name,
            {code: _pick(labels, primary) for code, labels in spec.values.items()},
            dict(spec.aliases),
            {code: dict(labels) for code, labels in spec.values.items()},
        )
        for name, (spec, _) in draft.enumerations.items()
    }
    tables = {}
    for name, tab in draft.tables.items():
        columns = tuple(
            Column(
                c.spec.name,
                c.spec.type,
                _pick(c.spec.label, primary),
                c.spec.description,
                required=c.spec.required,
                enum=enums[c.spec.enum] if c.spec.enum else None,
                references=c.spec.references,
                aliases=tuple(c.spec.aliases),
                minimum=c.spec.minimum,
                labels=dict(c.spec.label),
            )
            for c in tab.columns
        )
        tables[name] = Table(
            name,
            _pick(tab.spec.label or {}, primary),
            tab.spec.description or "",
            tuple(tab.spec.key or ()),
            columns,
            tuple(DateOrder(d.earlier, d.later) for d, _ in tab.date_orders),
            tuple(tab.aliases),
            dict(tab.spec.label or {}),
        )
    booleans = draft.booleans or BooleanSpec.model_validate(ENGLISH_BOOLEANS)
    hierarchy = None
    if draft.hierarchy is not None:
        h = draft.hierarchy[0]
        levels = tuple(Level(lv.level, lv.name, dict(lv.label)) for lv in h.levels)
        hierarchy = Hierarchy(h.table, h.code, h.parent, h.level, levels, dict(h.names))
    return DataModel(
        name=draft.name,
        title=dict(draft.title),
        languages=tuple(draft.languages or ()),
        required_languages=tuple(draft.required_languages),
        tables=tables,
        enumerations=enums,
        booleans=_interleave(booleans),
        hierarchy=hierarchy,
        source=draft.source,
        sha256=draft.sha256,
        extends=draft.extends,
        suppression=draft.suppression,
    )


def _interleave(spec: BooleanSpec) -> dict[str, bool]:
    """true, false, t, f, ...: each true spelling beside its false one, as messages list
    them."""
    out: dict[str, bool] = {}
    for i in range(max(len(spec.true_values), len(spec.false_values))):
        if i < len(spec.true_values):
            out[spec.true_values[i]] = True
        if i < len(spec.false_values):
            out[spec.false_values[i]] = False
    return out


def check_model(path: Path | str) -> tuple[DataModel | None, list[Problem]]:
    """Read and check the model file at ``path``: the model (None when it has errors) and
    every problem found. Never raises for a mistake in the file."""
    draft = _read(Path(path))
    if draft.name:  # the file's shape was read: check its pieces against each other too
        _check_languages(draft)
        _check_enumerations(draft)
        _check_tables(draft)
        _check_hierarchy(draft)
        _check_booleans(draft)
    if draft.problems:
        return None, draft.problems
    return _build(draft), []


def load_model(path: Path | str) -> DataModel:
    """The model of the file at ``path``; raises :class:`ModelError` listing every
    mistake."""
    model, problems = check_model(path)
    if model is None:
        raise ModelError(problems)
    return model
