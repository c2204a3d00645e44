"""The filter language: what parses into what, and how a mistake is pointed at."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kaoping.catalogue.expr import (
    Arith,
    BoolOp,
    Call,
    Column,
    Compare,
    ExprSyntaxError,
    InList,
    IsNull,
    Literal,
    Neg,
    Not,
    columns,
    conjuncts,
    parse,
    unparse,
)

a, b, c = Column("a"), Column("b"), Column("c")


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("a or b and c", BoolOp("or", a, BoolOp("and", b, c))),
        ("(a or b) and c", BoolOp("and", BoolOp("or", a, b), c)),
        ("not a and b", BoolOp("and", Not(a), b)),
        ("not a = 1", Not(Compare("=", a, Literal(1)))),
        ("a + b * c", Arith("+", a, Arith("*", b, c))),
        ("a - b - c", Arith("-", Arith("-", a, b), c)),
        ("a / b / c", Arith("/", Arith("/", a, b), c)),
        ("-a * b", Arith("*", Neg(a), b)),
        ("a + 1 > b and c", BoolOp("and", Compare(">", Arith("+", a, Literal(1)), b), c)),
        ("a or b or c", BoolOp("or", BoolOp("or", a, b), c)),
    ],
)
def test_precedence(text: str, tree: object) -> None:
    assert parse(text) == tree


@pytest.mark.parametrize(
    ("op", "canonical"),
    [
        ("=", "="),
        ("==", "="),
        ("!=", "!="),
        ("<>", "!="),
        ("<", "<"),
        ("<=", "<="),
        (">", ">"),
        (">=", ">="),
    ],
)
def test_comparison_operators(op: str, canonical: str) -> None:
    assert parse(f"a {op} 2") == Compare(canonical, a, Literal(2))  # type: ignore[arg-type]


def test_literals() -> None:
    assert parse("1.50 = 'x'") == Compare("=", Literal(Decimal("1.50")), Literal("x"))
    assert parse('a = "it\\"s"') == Compare("=", a, Literal('it"s'))
    assert parse("a = TRUE or b = false") == BoolOp(
        "or", Compare("=", a, Literal(True)), Compare("=", b, Literal(False))
    )
    assert parse("a = -3") == Compare("=", a, Literal(-3))
    assert parse("coalesce(a, null)") == Call("coalesce", (a, Literal(None)))


def test_in_is_and_functions() -> None:
    assert parse("a in ('x', 'y')") == InList(a, (Literal("x"), Literal("y")))
    assert parse("a NOT IN (1)") == InList(a, (Literal(1),), negated=True)
    assert parse("a is null") == IsNull(a)
    assert parse("a is not null") == IsNull(a, negated=True)
    assert parse("days_between(a, b) <= 7") == Compare(
        "<=", Call("days_between", (a, b)), Literal(7)
    )
    assert parse("Year(a) = 2020") == Compare("=", Call("year", (a,)), Literal(2020))


@pytest.mark.parametrize(
    "text",
    [
        "a = 1 and not (b in ('x', 'y') or c is null)",
        "1 + coalesce(a, 0) + coalesce(b, 0)",
        "a - (b - c) * -2",
        "not not a",
        "add_months(a, 3) >= b and month(a) != 1 and date('2020-01-01') <= a",
        "a = 'it\\'s'",
    ],
)
def test_unparse_round_trips(text: str) -> None:
    tree = parse(text)
    assert parse(unparse(tree)) == tree


def test_columns_and_conjuncts() -> None:
    tree = parse("is_minor and prosecution_decision = 'x' and days_between(r, c) > 1")
    assert columns(tree) == {"is_minor", "prosecution_decision", "r", "c"}
    assert len(conjuncts(tree)) == 3


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("a =", "expected a value", 4),
        ("a < b < c", "comparisons do not chain", 7),
        ("a in (b)", "must be constants", 7),
        ("foo(a)", "unknown function `foo`", 1),
        ("days_betwen(a, b)", "did you mean `days_between`?", 1),
        ("days_between(a)", "wrong number of arguments", 1),
        ("'abc", "string is not closed", 1),
        ("a && b", "write `and`, `or`, `not`", 3),
        ("a b", "unexpected `b`", 3),
        ("(a = 1", "expected `)`", 7),
        ("", "empty", 1),
        ("a is 1", "expected `null`", 6),
        ("a = ‘x’", "plain ' or \"", 5),
    ],
)
def test_syntax_errors_point_at_the_mistake(text: str, message: str, column: int) -> None:
    with pytest.raises(ExprSyntaxError) as info:
        parse(text)
    err = info.value
    assert message in err.message
    assert err.pos == column - 1
    if text:
        shown, pointer = str(err).splitlines()[-2:]
        assert shown.strip() == text
        assert pointer.index("^") - 4 == err.pos  # the caret sits under the mistake


def test_caret_on_the_right_line_of_a_multiline_filter() -> None:
    with pytest.raises(ExprSyntaxError) as info:
        parse("a = 1\nand b = = 2")
    assert str(info.value).splitlines()[-2:] == ["    and b = = 2", "            ^"]
