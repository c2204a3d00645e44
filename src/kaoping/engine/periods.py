"""Reporting periods: months, quarters, halves, years and month ranges.

Procuratorial statistics are calendar based and usually cumulative within the year
("January to September"), compared with the same months of the previous year. Every
period is therefore modelled as a contiguous run of calendar months; that one shape lets
the engine build any period by summing a monthly cube, and makes the year-on-year
counterpart a shift by twelve months.

Text forms (the canonical label of each kind is the form shown)::

    2020                year
    2020-H1             half (H1, H2)
    2020-Q3             quarter (Q1..Q4)
    2020-06             month
    2020-01..2020-09    month range; one starting in January is year-to-date ("ytd")
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = [
    "VALID_FORMS",
    "Period",
    "PeriodError",
    "PeriodKind",
    "parse_period",
    "parse_years",
    "standard_periods",
]

VALID_FORMS = "2020, 2020-H1, 2020-Q3, 2020-06, 2020-01..2020-09"

_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_QUARTERS_ZH = ("一", "二", "三", "四")


class PeriodError(ValueError):
    """A period text that cannot be read; the message names it and shows the valid forms."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"invalid period {text!r}: {reason}; valid forms: {VALID_FORMS}")
        self.text = text


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"
    YTD = "ytd"  # a month range starting in January of the year it ends in
    RANGE = "range"  # any other month range


def _index(year: int, month: int) -> int:
    """Months since year 0, so that ranges and year shifts are integer arithmetic."""
    return year * 12 + (month - 1)


def _year_month(index: int) -> tuple[int, int]:
    return index // 12, index % 12 + 1


@dataclass(frozen=True, order=True)
class Period:
    """A contiguous run of calendar months, from ``first`` to ``last`` inclusive.

    ``first`` and ``last`` are month indexes (``year * 12 + month - 1``); build periods
    with :func:`parse_period` or the ``month``/``quarter``/``half``/``year``/``range``
    constructors rather than by hand.
    """

    first: int
    last: int
    kind: PeriodKind

    # --- constructors -----------------------------------------------------------------

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        i = _index(year, month)
        return cls(i, i, PeriodKind.MONTH)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first = _index(year, 3 * quarter - 2)
        return cls(first, first + 2, PeriodKind.QUARTER)

    @classmethod
    def half(cls, year: int, half: int) -> Period:
        first = _index(year, 6 * half - 5)
        return cls(first, first + 5, PeriodKind.HALF)

    @classmethod
    def year_(cls, year: int) -> Period:
        return cls(_index(year, 1), _index(year, 12), PeriodKind.YEAR)

    @classmethod
    def range(cls, start: tuple[int, int], end: tuple[int, int]) -> Period:
        """A month range; it is year-to-date when it starts in January of its last year."""
        first, last = _index(*start), _index(*end)
        ytd = start[1] == 1 and start[0] == end[0]
        return cls(first, last, PeriodKind.YTD if ytd else PeriodKind.RANGE)

    # --- what a period is -------------------------------------------------------------

    @property
    def start(self) -> tuple[int, int]:
        return _year_month(self.first)

    @property
    def end(self) -> tuple[int, int]:
        return _year_month(self.last)

    @property
    def year(self) -> int:
        """The year the period ends in (the year it is reported under)."""
        return self.end[0]

    @property
    def months(self) -> tuple[tuple[int, int], ...]:
        """Every (year, month) the period covers, in order."""
        return tuple(_year_month(i) for i in range(self.first, self.last + 1))

    @property
    def start_date(self) -> date:
        """First day of the period (inclusive)."""
        y, m = self.start
        return date(y, m, 1)

    @property
    def end_date(self) -> date:
        """First day after the period (exclusive), so ``start_date <= d < end_date``."""
        y, m = _year_month(self.last + 1)
        return date(y, m, 1)

    def previous(self) -> Period:
        """The same months one year earlier (同比)."""
        return Period(self.first - 12, self.last - 12, self.kind)

    def same_months(self, other: Period) -> bool:
        return (self.first, self.last) == (other.first, other.last)

    def equivalent_labels(self) -> tuple[str, ...]:
        """Every canonical label naming these same months (e.g. 2020-H1, 2020-01..2020-06)."""
        out = [self.label]
        (y1, m1), (y2, m2) = self.start, self.end
        out.append(f"{y1}-{m1:02d}..{y2}-{m2:02d}")
        out.extend(p.label for p in _standard_kinds(y2) if self.same_months(p))
        return tuple(dict.fromkeys(out))

    # --- labels -----------------------------------------------------------------------

    @property
    def label(self) -> str:
        """The canonical text form, e.g. ``2020-H1``; :func:`parse_period` reads it back."""
        (y1, m1), (y2, m2) = self.start, self.end
        if self.kind is PeriodKind.YEAR:
            return str(y1)
        if self.kind is PeriodKind.HALF:
            return f"{y1}-H{(m1 + 5) // 6}"
        if self.kind is PeriodKind.QUARTER:
            return f"{y1}-Q{(m1 + 2) // 3}"
        if self.kind is PeriodKind.MONTH:
            return f"{y1}-{m1:02d}"
        return f"{y1}-{m1:02d}..{y2}-{m2:02d}"

    @property
    def label_zh(self) -> str:
        """How a Chinese briefing names the period: 2020年上半年, 2020年1-9月, 2020年第三季度."""
        (y1, m1), (y2, m2) = self.start, self.end
        if self.kind is PeriodKind.YEAR:
            return f"{y1}年"
        if self.kind is PeriodKind.HALF:
            return f"{y1}年{'上' if m1 == 1 else '下'}半年"
        if self.kind is PeriodKind.QUARTER:
            return f"{y1}年第{_QUARTERS_ZH[(m1 - 1) // 3]}季度"
        if self.kind is PeriodKind.MONTH:
            return f"{y1}年{m1}月"
        if y1 == y2:
            return f"{y1}年{m1}-{m2}月"
        return f"{y1}年{m1}月至{y2}年{m2}月"

    @property
    def label_en(self) -> str:
        """How an English table names the period: H1 2020, Q3 2020, January to September 2020."""
        (y1, m1), (y2, m2) = self.start, self.end
        if self.kind is PeriodKind.YEAR:
            return str(y1)
        if self.kind is PeriodKind.HALF:
            return f"H{(m1 + 5) // 6} {y1}"
        if self.kind is PeriodKind.QUARTER:
            return f"Q{(m1 + 2) // 3} {y1}"
        if self.kind is PeriodKind.MONTH:
            return f"{_MONTHS_EN[m1 - 1]} {y1}"
        if y1 == y2:
            return f"{_MONTHS_EN[m1 - 1]} to {_MONTHS_EN[m2 - 1]} {y1}"
        return f"{_MONTHS_EN[m1 - 1]} {y1} to {_MONTHS_EN[m2 - 1]} {y2}"

    @property
    def phrase_en(self) -> str:
        """The period as an English sentence names it: "in {phrase}" reads well."""
        y1, m1 = self.start
        if self.kind is PeriodKind.HALF:
            return f"the {'first' if m1 == 1 else 'second'} half of {y1}"
        if self.kind is PeriodKind.QUARTER:
            nth = ("first", "second", "third", "fourth")[(m1 - 1) // 3]
            return f"the {nth} quarter of {y1}"
        return self.label_en

    def __str__(self) -> str:
        return self.label


# --- parsing --------------------------------------------------------------------------

_YEAR = re.compile(r"^(\d{4})$")
_HALF = re.compile(r"^(\d{4})-H(\d)$", re.IGNORECASE)
_QUARTER = re.compile(r"^(\d{4})-Q(\d)$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_RANGE = re.compile(r"^(\d{4})-(\d{1,2})\s*\.\.\s*(\d{4})-(\d{1,2})$")


def _month_number(text: str, raw: str) -> int:
    month = int(raw)
    if not 1 <= month <= 12:
        raise PeriodError(text, f"month {raw} is not between 01 and 12")
    return month


def parse_period(text: str | Period) -> Period:
    """Read a period from its text form; raises :class:`PeriodError` naming the bad text."""
    if isinstance(text, Period):
        return text
    s = text.strip()
    if m := _YEAR.match(s):
        return Period.year_(int(m[1]))
    if m := _HALF.match(s):
        if m[2] not in ("1", "2"):
            raise PeriodError(text, f"half H{m[2]} is not H1 or H2")
        return Period.half(int(m[1]), int(m[2]))
    if m := _QUARTER.match(s):
        if m[2] not in ("1", "2", "3", "4"):
            raise PeriodError(text, f"quarter Q{m[2]} is not Q1..Q4")
        return Period.quarter(int(m[1]), int(m[2]))
    if m := _MONTH.match(s):
        return Period.month(int(m[1]), _month_number(text, m[2]))
    if m := _RANGE.match(s):
        start = (int(m[1]), _month_number(text, m[2]))
        end = (int(m[3]), _month_number(text, m[4]))
        if _index(*end) < _index(*start):
            raise PeriodError(text, "the range ends before it starts")
        return Period.range(start, end)
    raise PeriodError(text, "not a recognised period")


def parse_years(text: str) -> tuple[int, ...]:
    """Read ``2020``, ``2019-2020`` or ``2018,2020`` into the years they name."""
    years: list[int] = []
    for part in text.replace(" ", "").split(","):
        m = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", part)
        if not m:
            raise ValueError(f"invalid years {text!r}: use 2020, 2019-2020 or 2018,2020")
        lo, hi = int(m[1]), int(m[2] or m[1])
        if hi < lo:
            raise ValueError(f"invalid years {text!r}: {hi} is before {lo}")
        years.extend(range(lo, hi + 1))
    return tuple(sorted(set(years)))


def _standard_kinds(year: int) -> Iterator[Period]:
    yield Period.year_(year)
    yield from (Period.half(year, h) for h in (1, 2))
    yield from (Period.quarter(year, q) for q in (1, 2, 3, 4))
    yield from (Period.month(year, m) for m in range(1, 13))


def standard_periods(years: Iterable[int]) -> tuple[Period, ...]:
    """The periods ``kaoping compute`` stores for each year.

    Year, halves, quarters, months, and the year-to-date ranges January..February to
    January..December. The ranges that cover the same months as a quarter, half or year
    are stored too, under their range labels, so that a reader asking for
    ``2020-01..2020-06`` finds it as well as ``2020-H1``.
    """
    out: list[Period] = []
    for year in sorted(set(years)):
        out.extend(_standard_kinds(year))
        out.extend(Period.range((year, 1), (year, m)) for m in range(2, 13))
    return tuple(out)
