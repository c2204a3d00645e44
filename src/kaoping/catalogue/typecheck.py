"""Check an expression against the data model before it ever runs.

A catalogue is read far more often than it is written, and a mistake in a filter would
otherwise surface as a wrong number in a briefing or as a backend error months later. So
every column is looked up in the table (virtual columns included), every enumeration
value is checked against its enumeration, and operands must have types that fit:
comparing a date with a number, or summing a text column, is refused here.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal as _Lit

from kaoping.catalogue.expr import (
    Arith,
    BoolOp,
    Call,
    Column,
    Compare,
    Expr,
    ExprError,
    InList,
    IsNull,
    Literal,
    Neg,
    Not,
    unparse,
)
from kaoping.catalogue.virtual import table_columns
from kaoping.model.schema import Column as SchemaColumn
from kaoping.model.schema import ColumnType, Enumeration

Kind = _Lit["boolean", "number", "text", "date", "null", "any"]

_KINDS: dict[ColumnType, Kind] = {
    ColumnType.TEXT: "text",
    ColumnType.INTEGER: "number",
    ColumnType.DECIMAL: "number",
    ColumnType.BOOLEAN: "boolean",
    ColumnType.DATE: "date",
    ColumnType.ENUM: "text",
}


class ExprTypeError(ExprError):
    """The expression parses but does not fit the data model."""


@dataclass(frozen=True)
class Type:
    kind: Kind
    enum: Enumeration | None = None


ANY = Type("any")


def did_you_mean(name: str, candidates: list[str] | tuple[str, ...], quote: str = "`") -> str:
    """``"; did you mean `x`?"`` for the closest candidate, or an empty string."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    if not close and "." in name:
        close = difflib.get_close_matches(name.replace(".", "_"), list(candidates), n=1)
    return f"; did you mean {quote}{close[0]}{quote}?" if close else ""


def enum_problem(value: str, enum: Enumeration, where: str) -> str | None:
    """Why ``value`` is not a code of ``enum`` (None when it is)."""
    if value in enum.codes:
        return None
    valid = ", ".join(f"'{c}'" for c in enum.codes)
    code = enum.aliases().get(value)
    if code is not None:
        return (
            f"'{value}' is a label of {where}; catalogues use codes: write '{code}' "
            f"(valid values: {valid})"
        )
    hint = did_you_mean(value, enum.codes, quote="'")
    return f"'{value}' is not a value of {where}{hint} (valid values: {valid})"


class _Checker:
    def __init__(self, text: str, table: str) -> None:
        self.text = text
        self.table = table
        self.columns: dict[str, SchemaColumn] = table_columns(table)
        self.issues: list[ExprTypeError] = []

    def fail(self, node: Expr, message: str) -> Type:
        self.issues.append(ExprTypeError(message, self.text, node.pos))
        return ANY

    def want(self, node: Expr, kind: Kind, role: str) -> Type:
        got = self.infer(node)
        if got.kind not in (kind, "any"):
            self.fail(node, f"{role} must be {_a(kind)}, but `{unparse(node)}` is {_a(got.kind)}")
        return got

    def infer(self, node: Expr) -> Type:
        match node:
            case Literal(value=v):
                return Type(_literal_kind(v))
            case Column(name=name):
                return self.column(node, name)
            case Not(operand=o):
                self.want(o, "boolean", "the operand of `not`")
                return Type("boolean")
            case Neg(operand=o):
                self.want(o, "number", "the operand of unary `-`")
                return Type("number")
            case BoolOp(op=op, left=a, right=b):
                self.want(a, "boolean", f"each side of `{op}`")
                self.want(b, "boolean", f"each side of `{op}`")
                return Type("boolean")
            case Compare():
                return self.compare(node)
            case Arith(op=op, left=a, right=b):
                for side in (a, b):
                    self.operand_of_arith(side, op)
                return Type("number")
            case InList():
                return self.in_list(node)
            case IsNull(operand=o):
                self.infer(o)
                return Type("boolean")
            case Call():
                return self.call(node)

    def operand_of_arith(self, side: Expr, op: str) -> None:
        kind = self.infer(side).kind
        if kind == "date":
            self.fail(
                side,
                f"dates cannot take `{op}`: use days_between(a, b) for the days between "
                "two dates, add_months(d, n) to move a date",
            )
        elif kind not in ("number", "any"):
            self.fail(
                side, f"each side of `{op}` must be a number, but `{unparse(side)}` is {_a(kind)}"
            )

    def column(self, node: Expr, name: str) -> Type:
        col = self.columns.get(name)
        if col is None:
            names = list(self.columns)
            hint = did_you_mean(name, names)
            listing = "" if hint else f" (columns: {', '.join(names)})"
            return self.fail(
                node, f"unknown column `{name}` in table `{self.table}`{hint}{listing}"
            )
        return Type(_KINDS[col.type], col.enum)

    def compare(self, node: Compare) -> Type:
        left, right = self.infer(node.left), self.infer(node.right)
        if "null" in (left.kind, right.kind):
            neg = "not " if node.op == "!=" else ""
            return self.fail(node, f"compare with null using `is {neg}null`, not `{node.op}`")
        if node.op not in ("=", "!=") and (
            left.kind == "boolean" or left.enum is not None or right.enum is not None
        ):
            kind = "a yes/no value" if left.kind == "boolean" else "an enumeration"
            return self.fail(node, f"`{node.op}` cannot order {kind}; use `=`, `!=` or `in`")
        if not _compatible(left, right):
            return self.mismatch(node, left, right)
        for col_side, lit_side, col_type in (
            (node.left, node.right, left),
            (node.right, node.left, right),
        ):
            if col_type.enum is not None and isinstance(lit_side, Literal):
                self.enum_value(lit_side, col_type.enum, col_side)
        return Type("boolean")

    def mismatch(self, node: Compare, left: Type, right: Type) -> Type:
        hint = ""
        if {left.kind, right.kind} == {"date", "text"}:
            hint = "; write a date constant as date('2020-01-01')"
        elif {left.kind, right.kind} == {"boolean", "number"}:
            hint = "; yes/no columns take true or false"
        return self.fail(
            node,
            f"cannot compare `{unparse(node.left)}` ({left.kind}) with "
            f"`{unparse(node.right)}` ({right.kind}){hint}",
        )

    def enum_value(self, lit: Literal, enum: Enumeration, col: Expr) -> None:
        if isinstance(lit.value, str):
            problem = enum_problem(lit.value, enum, f"`{unparse(col)}`")
            if problem:
                self.fail(lit, problem)

    def in_list(self, node: InList) -> Type:
        operand = self.infer(node.operand)
        for opt in node.options:
            if opt.value is None:
                self.fail(opt, "null cannot be in a list; add `or ... is null`")
                continue
            got = Type(_literal_kind(opt.value))
            if not _compatible(operand, got):
                self.fail(
                    opt,
                    f"`{unparse(opt)}` ({got.kind}) cannot be a value of "
                    f"`{unparse(node.operand)}` ({operand.kind})",
                )
            elif operand.enum is not None:
                self.enum_value(opt, operand.enum, node.operand)
        return Type("boolean")

    def call(self, node: Call) -> Type:
        name, args = node.name, node.args
        if name == "days_between":
            for arg in args:
                self.want(arg, "date", "each argument of days_between")
            return Type("number")
        if name in ("year", "month"):
            self.want(args[0], "date", f"the argument of {name}")
            return Type("number")
        if name == "add_months":
            self.want(args[0], "date", "the first argument of add_months")
            n = args[1]
            if not (isinstance(n, Literal) and type(n.value) is int):
                self.fail(n, "the second argument of add_months must be a whole number")
            return Type("date")
        if name == "date":
            return self.date_constant(args[0])
        return self.coalesce(node)

    def date_constant(self, arg: Expr) -> Type:
        if not (isinstance(arg, Literal) and isinstance(arg.value, str)):
            return self.fail(arg, "date(...) takes a string such as '2020-01-01'")
        try:
            date.fromisoformat(arg.value)
        except ValueError:
            return self.fail(arg, f"'{arg.value}' is not a date; write it as 'YYYY-MM-DD'")
        return Type("date")

    def coalesce(self, node: Call) -> Type:
        types = [self.infer(a) for a in node.args]
        known = [t for t in types if t.kind not in ("null", "any")]
        for arg, t in zip(node.args, types, strict=True):
            if known and t.kind not in ("null", "any") and not _compatible(known[0], t):
                self.fail(arg, f"the arguments of coalesce must have one type: {known[0].kind}")
        return known[0] if known else ANY


def _literal_kind(value: object) -> Kind:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | Decimal):
        return "number"
    return "text"


def _compatible(a: Type, b: Type) -> bool:
    return a.kind == b.kind or "any" in (a.kind, b.kind)


def _a(kind: Kind) -> str:
    return {
        "boolean": "a yes/no condition",
        "number": "a number",
        "text": "text",
        "date": "a date",
        "null": "null",
        "any": "anything",
    }[kind]


def check(
    expr: Expr, text: str, table: str, *, want: Kind | None = None, role: str = "the expression"
) -> list[ExprTypeError]:
    """Every problem of ``expr`` (parsed from ``text``) on ``table``; empty when it fits.

    ``want`` is the kind the whole expression must have: ``"boolean"`` for a filter,
    ``"number"`` for the expression of a sum or an average.
    """
    checker = _Checker(text, table)
    if want is None:
        checker.infer(expr)
    else:
        checker.want(expr, want, role)
    return checker.issues


def infer_kind(expr: Expr, table: str) -> Kind:
    """The kind of value ``expr`` has on ``table`` (``"any"`` when it does not check)."""
    return _Checker("", table).infer(expr).kind
