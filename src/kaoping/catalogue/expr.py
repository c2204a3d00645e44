"""The filter language of indicator catalogues: parsed by hand, never evaluated by Python.

Catalogue authors write filters and measure expressions as short text::

    is_minor and prosecution_decision = 'conditional_not_prosecuted'
    1 + coalesce(supplementary_returns, 0) + coalesce(extensions, 0)
    replied is not null and replied <= reply_due

The text is tokenised and parsed (recursive descent) into an immutable tree (``Expr``);
nothing in it is ever handed to ``eval`` or to Python's ``ast``, so a catalogue cannot run
code. The tree is checked against the data model by ``kaoping.catalogue.typecheck`` when
the catalogue loads, and translated to Ibis by :func:`to_ibis`, so the same definition runs
on any Ibis backend (no SQL strings anywhere).

Grammar, loosest binding first::

    expr        := or
    or          := and ("or" and)*
    and         := not ("and" not)*
    not         := "not" not | comparison
    comparison  := additive [ cmp additive
                            | "is" ["not"] "null"
                            | ["not"] "in" "(" literal ("," literal)* ")" ]
    cmp         := "=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">="
    additive    := term (("+" | "-") term)*
    term        := unary (("*" | "/") unary)*
    unary       := "-" unary | primary
    primary     := literal | name | function "(" [expr ("," expr)*] ")" | "(" expr ")"
    literal     := integer | decimal | 'string' | "string" | true | false | null

Keywords are case-insensitive. Comparisons do not chain (``a < b < c`` is an error: write
``a < b and b < c``). Functions: :data:`FUNCTIONS`.

Missing values follow SQL: a comparison with a missing value is unknown, and a filter
leaves unknown records out. ``prosecution_decision != 'prosecuted'`` therefore does *not*
keep persons without a decision; say ``is null`` when you mean it.

Crime attributes (chapter, serious violent crime, statutory maximum) live in the
``crimes`` table, but indicators about persons need them. The contract: filters on the
``persons`` table may name the *virtual columns* in
:data:`kaoping.catalogue.virtual.VIRTUAL_COLUMNS` (``crime_chapter``,
``crime_serious_violent``, ``crime_statutory_max``, ``crime_statutory_max_years``), and
the engine must hand :func:`to_ibis` a table that has them, which
:func:`kaoping.catalogue.virtual.source_table` builds (a left join on ``crime_code``).
"""

from __future__ import annotations

import datetime as _dt
import difflib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from typing import Literal as _Lit

if TYPE_CHECKING:
    import ibis.expr.types as ir

# --- errors ----------------------------------------------------------------------------


def caret(text: str, pos: int) -> str:
    """Two lines: the line of ``text`` holding offset ``pos``, and a caret under it."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    line = text[start : end if end >= 0 else len(text)]
    return f"    {line}\n    {' ' * (pos - start)}^"


class ExprError(Exception):
    """Any problem with an expression; carries the text and the offset of the problem."""

    def __init__(self, message: str, text: str = "", pos: int = 0) -> None:
        self.message = message
        self.text = text
        self.pos = pos
        super().__init__(self.render())

    def render(self) -> str:
        if not self.text:
            return self.message
        return f"{self.message} (at column {self.pos + 1})\n{caret(self.text, self.pos)}"


class ExprSyntaxError(ExprError):
    """The text is not a well-formed expression."""


# --- the tree --------------------------------------------------------------------------

LiteralValue = int | Decimal | str | bool | None
CompareOp = _Lit["=", "!=", "<", "<=", ">", ">="]
ArithOp = _Lit["+", "-", "*", "/"]


@dataclass(frozen=True)
class Literal:
    value: LiteralValue
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Column:
    name: str
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Not:
    operand: Expr
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Neg:
    operand: Expr
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class BoolOp:
    op: _Lit["and", "or"]
    left: Expr
    right: Expr
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Compare:
    op: CompareOp
    left: Expr
    right: Expr
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Arith:
    op: ArithOp
    left: Expr
    right: Expr
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class InList:
    operand: Expr
    options: tuple[Literal, ...]
    negated: bool = False
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class IsNull:
    operand: Expr
    negated: bool = False
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Expr, ...]
    pos: int = field(default=0, compare=False)


Expr = Literal | Column | Not | Neg | BoolOp | Compare | Arith | InList | IsNull | Call

#: function name -> (min args, max args or None for any, one-line help)
FUNCTIONS: dict[str, tuple[int, int | None, str]] = {
    "days_between": (2, 2, "days_between(a, b): date b minus date a, in whole days"),
    "coalesce": (2, None, "coalesce(a, b, ...): the first argument that is not missing"),
    "year": (1, 1, "year(d): the calendar year of date d"),
    "month": (1, 1, "month(d): the month (1-12) of date d"),
    "add_months": (2, 2, "add_months(d, n): date d plus n calendar months (n an integer)"),
    "date": (1, 1, "date('2020-01-01'): a date constant"),
}

KEYWORDS = frozenset({"and", "or", "not", "in", "is", "null", "true", "false"})

# --- tokens ----------------------------------------------------------------------------

TokenKind = _Lit["num", "str", "name", "kw", "op", "end"]


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str  # keywords lower-cased; strings unescaped
    pos: int


_OPERATORS = ("==", "!=", "<>", "<=", ">=", "=", "<", ">", "+", "-", "*", "/", "(", ")", ",")


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch.isdigit():
            j = i
            while j < n and text[j].isdigit():
                j += 1
            if j < n and text[j] == "." and j + 1 < n and text[j + 1].isdigit():
                j += 1
                while j < n and text[j].isdigit():
                    j += 1
            if j < n and (text[j].isalpha() or text[j] == "_"):
                raise ExprSyntaxError("a name cannot start with a digit", text, i)
            tokens.append(Token("num", text[i:j], i))
            i = j
        elif ch in "'\"":
            value, i2 = _read_string(text, i)
            tokens.append(Token("str", value, i))
            i = i2
        elif ch.isalpha() or ch == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_."):
                j += 1
            word = text[i:j]
            if word.lower() in KEYWORDS:
                tokens.append(Token("kw", word.lower(), i))
            else:
                tokens.append(Token("name", word, i))
            i = j
        else:
            op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
            if op is None:
                hint = ""
                if ch in "&|!":
                    hint = "; write `and`, `or`, `not`"
                elif ch in "\u2018\u2019\u201c\u201d":
                    hint = "; quote strings with plain ' or \""
                raise ExprSyntaxError(f"unexpected character {ch!r}{hint}", text, i)
            tokens.append(Token("op", op, i))
            i += len(op)
    tokens.append(Token("end", "", n))
    return tokens


def _read_string(text: str, start: int) -> tuple[str, int]:
    quote = text[start]
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        elif ch == quote:
            return "".join(out), i + 1
        else:
            out.append(ch)
            i += 1
    raise ExprSyntaxError("string is not closed", text, start)


# --- parser ----------------------------------------------------------------------------

_CMP: dict[str, CompareOp] = {
    "=": "=",
    "==": "=",
    "!=": "!=",
    "<>": "!=",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    # helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at(self, kind: TokenKind, text: str | None = None) -> bool:
        return self.tok.kind == kind and (text is None or self.tok.text == text)

    def error(self, message: str, tok: Token | None = None) -> ExprSyntaxError:
        return ExprSyntaxError(message, self.text, (tok or self.tok).pos)

    def expect(self, kind: TokenKind, text: str) -> Token:
        if not self.at(kind, text):
            raise self.error(f"expected `{text}` but found {_describe(self.tok)}")
        return self.advance()

    # grammar
    def parse(self) -> Expr:
        if self.at("end"):
            raise self.error("the expression is empty")
        expr = self.or_()
        if not self.at("end"):
            raise self.error(f"unexpected {_describe(self.tok)}; expected `and`, `or` or the end")
        return expr

    def or_(self) -> Expr:
        left = self.and_()
        while self.at("kw", "or"):
            tok = self.advance()
            left = BoolOp("or", left, self.and_(), tok.pos)
        return left

    def and_(self) -> Expr:
        left = self.not_()
        while self.at("kw", "and"):
            tok = self.advance()
            left = BoolOp("and", left, self.not_(), tok.pos)
        return left

    def not_(self) -> Expr:
        if self.at("kw", "not"):
            tok = self.advance()
            return Not(self.not_(), tok.pos)
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.additive()
        tok = self.tok
        result: Expr
        if tok.kind == "op" and tok.text in _CMP:
            self.advance()
            result = Compare(_CMP[tok.text], left, self.additive(), tok.pos)
        elif self.at("kw", "is"):
            self.advance()
            negated = False
            if self.at("kw", "not"):
                self.advance()
                negated = True
            self.expect("kw", "null")
            result = IsNull(left, negated, tok.pos)
        elif self.at("kw", "in") or (self.at("kw", "not") and self.peek().text == "in"):
            negated = self.at("kw", "not")
            if negated:
                self.advance()
            self.advance()
            result = InList(left, self.literal_list(), negated, tok.pos)
        else:
            return left
        nxt = self.tok
        if (nxt.kind == "op" and nxt.text in _CMP) or (
            nxt.kind == "kw" and nxt.text in ("is", "in")
        ):
            raise self.error("comparisons do not chain; join them with `and`", nxt)
        return result

    def literal_list(self) -> tuple[Literal, ...]:
        self.expect("op", "(")
        options = [self.list_item()]
        while self.at("op", ","):
            self.advance()
            options.append(self.list_item())
        self.expect("op", ")")
        return tuple(options)

    def list_item(self) -> Literal:
        tok = self.tok
        item = self.unary()
        if not isinstance(item, Literal):
            raise self.error("the values after `in` must be constants", tok)
        return item

    def additive(self) -> Expr:
        left = self.term()
        while self.tok.kind == "op" and self.tok.text in ("+", "-"):
            tok = self.advance()
            left = Arith("+" if tok.text == "+" else "-", left, self.term(), tok.pos)
        return left

    def term(self) -> Expr:
        left = self.unary()
        while self.tok.kind == "op" and self.tok.text in ("*", "/"):
            tok = self.advance()
            left = Arith("*" if tok.text == "*" else "/", left, self.unary(), tok.pos)
        return left

    def unary(self) -> Expr:
        if self.at("op", "-"):
            tok = self.advance()
            operand = self.unary()
            if (
                isinstance(operand, Literal)
                and isinstance(operand.value, int | Decimal)
                and not (isinstance(operand.value, bool))
            ):
                return Literal(-operand.value, tok.pos)
            return Neg(operand, tok.pos)
        return self.primary()

    def primary(self) -> Expr:
        tok = self.tok
        if tok.kind == "num":
            self.advance()
            value: LiteralValue = Decimal(tok.text) if "." in tok.text else int(tok.text)
            return Literal(value, tok.pos)
        if tok.kind == "str":
            self.advance()
            return Literal(tok.text, tok.pos)
        if tok.kind == "kw" and tok.text in ("true", "false", "null"):
            self.advance()
            return Literal({"true": True, "false": False, "null": None}[tok.text], tok.pos)
        if tok.kind == "name":
            self.advance()
            if self.at("op", "("):
                return self.call(tok)
            return Column(tok.text, tok.pos)
        if self.at("op", "("):
            self.advance()
            inner = self.or_()
            self.expect("op", ")")
            return inner
        raise self.error(f"expected a value, a column or `(` but found {_describe(tok)}")

    def call(self, name_tok: Token) -> Call:
        name = name_tok.text.lower()
        if name not in FUNCTIONS:
            close = difflib.get_close_matches(name, FUNCTIONS, n=1)
            hint = f"did you mean `{close[0]}`? " if close else ""
            raise self.error(
                f"unknown function `{name_tok.text}`; {hint}functions: {', '.join(FUNCTIONS)}",
                name_tok,
            )
        self.expect("op", "(")
        args: list[Expr] = []
        if not self.at("op", ")"):
            args.append(self.or_())
            while self.at("op", ","):
                self.advance()
                args.append(self.or_())
        self.expect("op", ")")
        low, high, usage = FUNCTIONS[name]
        if len(args) < low or (high is not None and len(args) > high):
            raise self.error(f"wrong number of arguments: {usage}", name_tok)
        return Call(name, tuple(args), name_tok.pos)


def _describe(tok: Token) -> str:
    if tok.kind == "end":
        return "the end of the expression"
    if tok.kind == "str":
        return f"string {tok.text!r}"
    return f"`{tok.text}`"


def parse(text: str) -> Expr:
    """Parse ``text`` into an expression tree; raise :class:`ExprSyntaxError` with a caret."""
    return _Parser(text).parse()


# --- walking the tree ------------------------------------------------------------------


def children(expr: Expr) -> tuple[Expr, ...]:
    match expr:
        case Literal() | Column():
            return ()
        case Not(operand=o) | Neg(operand=o) | IsNull(operand=o):
            return (o,)
        case BoolOp(left=a, right=b) | Compare(left=a, right=b) | Arith(left=a, right=b):
            return (a, b)
        case InList(operand=o, options=opts):
            return (o, *opts)
        case Call(args=args):
            return args


def walk(expr: Expr) -> list[Expr]:
    """Every node of ``expr``, parents before children."""
    out = [expr]
    for child in children(expr):
        out.extend(walk(child))
    return out


def columns(expr: Expr) -> set[str]:
    """The column names ``expr`` reads (virtual columns included, as written)."""
    return {node.name for node in walk(expr) if isinstance(node, Column)}


def conjuncts(expr: Expr) -> list[Expr]:
    """``a and (b and c)`` -> ``[a, b, c]``; anything else -> ``[expr]``."""
    if isinstance(expr, BoolOp) and expr.op == "and":
        return [*conjuncts(expr.left), *conjuncts(expr.right)]
    return [expr]


def _literal_text(value: LiteralValue) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace("'", "\\'")
        return f"'{escaped}'"
    return str(value)


_PRECEDENCE = {"or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6, "neg": 7}


def unparse(expr: Expr) -> str:
    """Canonical text of ``expr``: ``parse(unparse(e)) == e`` for every tree."""
    return _unparse(expr, 0)


def _wrap(text: str, own: int, outer: int) -> str:
    return f"({text})" if own < outer else text


def _unparse(expr: Expr, outer: int) -> str:
    match expr:
        case Literal(value=v):
            return _literal_text(v)
        case Column(name=name):
            return name
        case Not(operand=o):
            return _wrap(f"not {_unparse(o, 3)}", 3, outer)
        case Neg(operand=o):
            return _wrap(f"-{_unparse(o, 7)}", 7, outer)
        case BoolOp(op=op, left=a, right=b):
            p = _PRECEDENCE[op]
            return _wrap(f"{_unparse(a, p)} {op} {_unparse(b, p + 1)}", p, outer)
        case Compare(op=op, left=a, right=b):
            return _wrap(f"{_unparse(a, 5)} {op} {_unparse(b, 5)}", 4, outer)
        case Arith(op=op, left=a, right=b):
            p = _PRECEDENCE[op]
            return _wrap(f"{_unparse(a, p)} {op} {_unparse(b, p + 1)}", p, outer)
        case InList(operand=o, options=opts, negated=neg):
            values = ", ".join(_literal_text(x.value) for x in opts)
            kw = "not in" if neg else "in"
            return _wrap(f"{_unparse(o, 5)} {kw} ({values})", 4, outer)
        case IsNull(operand=o, negated=neg):
            return _wrap(f"{_unparse(o, 5)} is {'not ' if neg else ''}null", 4, outer)
        case Call(name=name, args=args):
            return f"{name}({', '.join(_unparse(a, 0) for a in args)})"


# --- translation to Ibis ---------------------------------------------------------------


def to_ibis(expr: Expr, table: ir.Table) -> ir.Value:
    """Translate ``expr`` into an Ibis value over ``table`` (no SQL; any backend).

    ``table`` must have every column ``columns(expr)`` names; for ``persons`` measures
    that reach crime attributes, build it with
    :func:`kaoping.catalogue.virtual.source_table`. A filter translates to a boolean value
    that may be null for records with missing data; ``Table.filter`` leaves those out.
    """
    value: ir.Value = _to_ibis(expr, table)
    return value


def _to_ibis(expr: Expr, t: ir.Table) -> Any:
    import ibis

    match expr:
        case Literal(value=v):
            if v is None:
                return ibis.null()
            if isinstance(v, Decimal):
                return ibis.literal(float(v))
            return ibis.literal(v)
        case Column(name=name):
            if name not in t.columns:
                raise ExprError(f"the table given to to_ibis has no column `{name}`")
            return t[name]
        case Not(operand=o):
            return ~_to_ibis(o, t)
        case Neg(operand=o):
            return -_to_ibis(o, t)
        case BoolOp(op=op, left=a, right=b):
            left, right = _to_ibis(a, t), _to_ibis(b, t)
            return (left & right) if op == "and" else (left | right)
        case Compare(op=op, left=a, right=b):
            return _compare(op, _to_ibis(a, t), _to_ibis(b, t))
        case Arith(op=op, left=a, right=b):
            left, right = _to_ibis(a, t), _to_ibis(b, t)
            if op == "+":
                return left + right
            if op == "-":
                return left - right
            if op == "*":
                return left * right
            return left / right
        case InList(operand=o, options=opts, negated=neg):
            operand = _to_ibis(o, t)
            values = [float(x.value) if isinstance(x.value, Decimal) else x.value for x in opts]
            return operand.notin(values) if neg else operand.isin(values)
        case IsNull(operand=o, negated=neg):
            operand = _to_ibis(o, t)
            return operand.notnull() if neg else operand.isnull()
        case Call(name=name, args=args):
            return _call(name, args, t)


def _compare(op: CompareOp, left: Any, right: Any) -> Any:
    if op == "=":
        return left == right
    if op == "!=":
        return left != right
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    return left >= right


def _call(name: str, args: tuple[Expr, ...], t: ir.Table) -> Any:
    import ibis

    if name == "date":
        (arg,) = args
        if not isinstance(arg, Literal) or not isinstance(arg.value, str):
            raise ExprError("date(...) takes a string constant such as '2020-01-01'")
        return ibis.literal(_parse_date(arg.value, arg.pos), type="date")
    if name == "add_months":
        d, n = args
        if not isinstance(n, Literal) or isinstance(n.value, bool) or not isinstance(n.value, int):
            raise ExprError("add_months(d, n) takes an integer constant n")
        return _to_ibis(d, t) + ibis.interval(months=n.value)
    values = [_to_ibis(a, t) for a in args]
    if name == "days_between":
        start, end = values
        return end.delta(start, unit="day")
    if name == "coalesce":
        return ibis.coalesce(*values)
    if name == "year":
        return values[0].year()
    if name == "month":
        return values[0].month()
    raise ExprError(f"unknown function `{name}`")  # pragma: no cover - parser rejects it


def _parse_date(text: str, pos: int) -> _dt.date:
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise ExprError(f"{text!r} is not a date; write it as 'YYYY-MM-DD'", text, 0) from None


__all__ = [
    "FUNCTIONS",
    "Arith",
    "BoolOp",
    "Call",
    "Column",
    "Compare",
    "Expr",
    "ExprError",
    "ExprSyntaxError",
    "InList",
    "IsNull",
    "Literal",
    "Neg",
    "Not",
    "caret",
    "columns",
    "conjuncts",
    "parse",
    "to_ibis",
    "unparse",
    "walk",
]

# Re-exported so that the engine finds the whole contract of the language in one module.
from kaoping.catalogue.virtual import (  # noqa: E402
    VIRTUAL_COLUMNS,
    source_table,
    with_virtual_columns,
)

__all__ += ["VIRTUAL_COLUMNS", "source_table", "with_virtual_columns"]
