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

An office that reports by fiscal year sets the month its year starts in
(``KAOPING_FISCAL_YEAR_START``, 1-12; 1, the default, is the calendar year). Years,
halves, quarters and year-to-date ranges are then fiscal, named by the year they end in
(FY2020 = 2019-07..2020-06 when the year starts in July)::

    FY2020              fiscal year
    FY2020-H1           its first half (2019-07..2019-12)
    FY2020-Q3           its third quarter (2020-01..2020-03)
    2019-07..2020-03    a month range from the fiscal year's first month is year-to-date

Months and other ranges are written as always; ``2020``, ``2020-H1``, ``2020-Q1`` still
name the calendar periods, which a fiscal office reads as custom periods (computed from
the records when asked for, never stored). Every period remembers the year start it was
built with, so its labels and its place in the stored figures never depend on the
setting at the time it is read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = [
    "FISCAL_YEAR_START_ENV",
    "VALID_FORMS",
    "Period",
    "PeriodError",
    "PeriodKind",
    "fiscal_year_start",
    "parse_period",
    "parse_years",
    "standard_periods",
]

VALID_FORMS = "2020, 2020-H1, 2020-Q3, 2020-06, 2020-01..2020-09, FY2020, FY2020-H1, FY2020-Q3"

#: the environment variable naming the month the reporting year starts in (1-12)
FISCAL_YEAR_START_ENV = "KAOPING_FISCAL_YEAR_START"


def fiscal_year_start() -> int:
    """The month the reporting year starts in: ``$KAOPING_FISCAL_YEAR_START``, default 1.

    Read from the environment on each call (cheaply: it is one lookup) rather than once,
    so a process -- a test, the web service -- sees the setting it was started with."""
    raw = os.environ.get(FISCAL_YEAR_START_ENV, "").strip()
    if not raw:
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= 12:
        raise ValueError(
            f"{FISCAL_YEAR_START_ENV}={raw!r} is not a month: write 1 (January: calendar "
            "years, the default) to 12, e.g. 7 for fiscal years from July to June"
        )
    return int(raw)


def _offset(start: int) -> int:
    """Calendar month index minus fiscal month index: a year from July (start 7) named
    by the year it ends in begins six months before that year's January."""
    return 0 if start == 1 else start - 13

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
    #: the month the year starts in (1: calendar years); years, halves, quarters and
    #: year-to-date ranges count from it
    year_start: int = 1

    # --- constructors -----------------------------------------------------------------
    # ``year`` is the (fiscal) year the period is reported under: the one it ends in

    @classmethod
    def month(cls, year: int, month: int, year_start: int = 1) -> Period:
        """A calendar month (``year``, ``month``), placed in the year starting in
        ``year_start``."""
        i = _index(year, month)
        return cls(i, i, PeriodKind.MONTH, year_start)

    @classmethod
    def quarter(cls, year: int, quarter: int, year_start: int = 1) -> Period:
        first = _index(year, 3 * quarter - 2) + _offset(year_start)
        return cls(first, first + 2, PeriodKind.QUARTER, year_start)

    @classmethod
    def half(cls, year: int, half: int, year_start: int = 1) -> Period:
        first = _index(year, 6 * half - 5) + _offset(year_start)
        return cls(first, first + 5, PeriodKind.HALF, year_start)

    @classmethod
    def year_(cls, year: int, year_start: int = 1) -> Period:
        first = _index(year, 1) + _offset(year_start)
        return cls(first, first + 11, PeriodKind.YEAR, year_start)

    @classmethod
    def range(
        cls, start: tuple[int, int], end: tuple[int, int], year_start: int = 1
    ) -> Period:
        """A run of calendar months; it is year-to-date when it starts in the first month
        of the (fiscal) year it ends in."""
        first, last = _index(*start), _index(*end)
        off = _offset(year_start)
        ytd = (first - off) % 12 == 0 and (first - off) // 12 == (last - off) // 12
        return cls(first, last, PeriodKind.YTD if ytd else PeriodKind.RANGE, year_start)

    # --- what a period is -------------------------------------------------------------

    @property
    def start(self) -> tuple[int, int]:
        return _year_month(self.first)

    @property
    def end(self) -> tuple[int, int]:
        return _year_month(self.last)

    @property
    def fiscal(self) -> bool:
        """Whether years start in another month than January."""
        return self.year_start != 1

    @property
    def year(self) -> int:
        """The year the period ends in (the year it is reported under): the fiscal year
        when years start in another month."""
        return (self.last - _offset(self.year_start)) // 12

    @property
    def fiscal_months(self) -> tuple[tuple[int, int], ...]:
        """Every month as (year, month of that year), counted from the year's start:
        (2020, 1) is July 2019 when FY2020 starts in July; the calendar months when
        years are calendar years."""
        off = _offset(self.year_start)
        return tuple(_year_month(i - off) for i in range(self.first, self.last + 1))

    @property
    def years(self) -> frozenset[int]:
        """The (fiscal) years the period's months lie in."""
        return self.years_from(self.year_start)

    def years_from(self, year_start: int) -> frozenset[int]:
        """The years the period's months lie in when years start in ``year_start``: a
        calendar period read in a fiscal warehouse touches the fiscal years of its
        months (the calendar 2020 lies in FY2020 and FY2021 from July)."""
        off = _offset(year_start)
        return frozenset((i - off) // 12 for i in range(self.first, self.last + 1))

    @property
    def last_month(self) -> int:
        """The last month's number within its (fiscal) year: 1..12."""
        return self.fiscal_months[-1][1]

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
        return Period(self.first - 12, self.last - 12, self.kind, self.year_start)

    def same_months(self, other: Period) -> bool:
        return (self.first, self.last) == (other.first, other.last)

    def equivalent_labels(self) -> tuple[str, ...]:
        """Every canonical label naming these same months (e.g. 2020-H1, 2020-01..2020-06)."""
        out = [self.label]
        (y1, m1), (y2, m2) = self.start, self.end
        out.append(f"{y1}-{m1:02d}..{y2}-{m2:02d}")
        out.extend(
            p.label for p in _standard_kinds(self.year, self.year_start) if self.same_months(p)
        )
        return tuple(dict.fromkeys(out))

    def _fiscal_start(self) -> tuple[int, int]:
        """(fiscal year, month number within it) of the first month."""
        return _year_month(self.first - _offset(self.year_start))

    # --- labels -----------------------------------------------------------------------

    @property
    def label(self) -> str:
        """The canonical text form, e.g. ``2020-H1``; :func:`parse_period` reads it back."""
        (y1, m1), (y2, m2) = self.start, self.end
        if self.fiscal and self.kind in _FISCAL_KINDS:
            fy, fm = self._fiscal_start()
            return {
                PeriodKind.YEAR: f"FY{fy}",
                PeriodKind.HALF: f"FY{fy}-H{(fm + 5) // 6}",
                PeriodKind.QUARTER: f"FY{fy}-Q{(fm + 2) // 3}",
            }[self.kind]
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
        if self.fiscal and self.kind in _FISCAL_KINDS:
            fy, fm = self._fiscal_start()
            return {
                PeriodKind.YEAR: f"{fy}财年",
                PeriodKind.HALF: f"{fy}财年{'上' if fm == 1 else '下'}半年",
                PeriodKind.QUARTER: f"{fy}财年第{_QUARTERS_ZH[(fm - 1) // 3]}季度",
            }[self.kind]
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
        if self.fiscal and self.kind in _FISCAL_KINDS:
            fy, fm = self._fiscal_start()
            return {
                PeriodKind.YEAR: f"FY{fy}",
                PeriodKind.HALF: f"H{(fm + 5) // 6} FY{fy}",
                PeriodKind.QUARTER: f"Q{(fm + 2) // 3} FY{fy}",
            }[self.kind]
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
        if self.fiscal and self.kind in (PeriodKind.HALF, PeriodKind.QUARTER):
            fy, fm = self._fiscal_start()
            nth = ("first", "second", "third", "fourth")[(fm - 1) // 3]
            if self.kind is PeriodKind.HALF:
                return f"the {'first' if fm == 1 else 'second'} half of FY{fy}"
            return f"the {nth} quarter of FY{fy}"
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
_FISCAL = re.compile(r"^FY(\d{4})(?:-([HQ])(\d))?$", re.IGNORECASE)

#: the kinds whose months depend on where the year starts (ranges are written in months)
_FISCAL_KINDS = frozenset({PeriodKind.YEAR, PeriodKind.HALF, PeriodKind.QUARTER})


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
    start = fiscal_year_start()
    if m := _FISCAL.match(s):
        return _fiscal_period(text, int(m[1]), m[2], m[3], start)
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
        return Period.month(int(m[1]), _month_number(text, m[2]), start)
    if m := _RANGE.match(s):
        first = (int(m[1]), _month_number(text, m[2]))
        last = (int(m[3]), _month_number(text, m[4]))
        if _index(*last) < _index(*first):
            raise PeriodError(text, "the range ends before it starts")
        return Period.range(first, last, start)
    raise PeriodError(text, "not a recognised period")


def _fiscal_period(text: str, year: int, part: str | None, n: str | None, start: int) -> Period:
    """``FY2020``, ``FY2020-H1``, ``FY2020-Q3`` for years starting in month ``start``
    (with calendar years, FY2020 is the year 2020)."""
    if part is None:
        return Period.year_(year, start)
    if part.upper() == "H":
        if n not in ("1", "2"):
            raise PeriodError(text, f"half H{n} is not H1 or H2")
        return Period.half(year, int(n), start)
    if n not in ("1", "2", "3", "4"):
        raise PeriodError(text, f"quarter Q{n} is not Q1..Q4")
    return Period.quarter(year, int(n), start)


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


def _standard_kinds(year: int, year_start: int = 1) -> Iterator[Period]:
    first = Period.year_(year, year_start).first
    yield Period.year_(year, year_start)
    yield from (Period.half(year, h, year_start) for h in (1, 2))
    yield from (Period.quarter(year, q, year_start) for q in (1, 2, 3, 4))
    yield from (Period.month(*_year_month(first + k), year_start) for k in range(12))


def standard_periods(
    years: Iterable[int], year_start: int | None = None
) -> tuple[Period, ...]:
    """The periods ``kaoping compute`` stores for each (fiscal) year.

    Year, halves, quarters, months, and the year-to-date ranges from the year's first
    month to its second .. twelfth (January..February to January..December for calendar
    years). The ranges that cover the same months as a quarter, half or year are stored
    too, under their range labels, so that a reader asking for ``2020-01..2020-06``
    finds it as well as ``2020-H1``. ``year_start`` defaults to the setting
    (:func:`fiscal_year_start`).
    """
    start = fiscal_year_start() if year_start is None else year_start
    out: list[Period] = []
    for year in sorted(set(years)):
        out.extend(_standard_kinds(year, start))
        first = Period.year_(year, start).first
        out.extend(
            Period.range(_year_month(first), _year_month(first + k), start)
            for k in range(1, 12)
        )
    return tuple(out)
