"""Period-end rush (突击结案): conclusions bunched in the last two weeks of a period.

For each organ: of the cases whose prosecution review it concluded in the period's last
three months (the whole period when shorter), how many fell in the last 14 days? Under no
rush that share follows the baseline: the share of every other organ in the same days
(which carries the national year-end and half-year pattern), raised to the organ's own
habit at ordinary month ends over the year before when that habit is higher (an organ that
always works to the end of the month is not rushing for the period). A one-sided binomial
test gives the p-value; flags need q <= 5% across organs and a share at least 1.5 times the
baseline, on at least 8 cases in the last days. Cases are counted, not persons: suspects
of one case are concluded together (see :meth:`Source.daily`).
"""

from __future__ import annotations

import datetime as dt

from kaoping.detect.base import (
    Candidate,
    flag,
    in_window,
    month_start,
    ordinary_months,
    own_habit,
    pct,
)
from kaoping.detect.models import Detection
from kaoping.detect.source import Source
from kaoping.detect.stats import binom_upper
from kaoping.engine.periods import Period

NAME = "rush"
LAST_DAYS = 14
MIN_REFERENCE = 20
MIN_IN_WINDOW = 8
MIN_RATIO = 1.5
COLUMN = "prosecution_review_concluded"


def detect(source: Source, period: Period) -> list[Detection]:
    end = period.end_date  # exclusive
    last_year, last_month = period.end
    ref_start = max(period.start_date, month_start(last_year, last_month - 2))
    window_start = end - dt.timedelta(days=LAST_DAYS)
    own_start = month_start(last_year, last_month - 12)
    daily = source.daily(COLUMN, own_start, end)
    x = in_window(daily, window_start, end)
    n = in_window(daily, ref_start, end)
    months = ordinary_months(own_start, ref_start)
    ratio = own_habit(
        daily, [(b - dt.timedelta(days=LAST_DAYS), b) for _, b in months], months, n.index
    )
    total_x, total_n = float(x.sum()), float(n.sum())
    candidates = []
    for organ, n_o in n.items():
        if n_o < MIN_REFERENCE:
            continue
        x_o = int(x.get(organ, 0))
        others = (total_x - x_o) / max(total_n - n_o, 1.0)
        baseline = min(others * max(1.0, float(ratio[organ])), 0.95)
        candidates.append(
            _candidate(
                str(organ), x_o, int(n_o), others, baseline, float(ratio[organ]), window_start, end
            )
        )
    return flag(source, NAME, period.label, candidates)


def _candidate(
    organ: str,
    x: int,
    n: int,
    others: float,
    baseline: float,
    ratio: float,
    window_start: dt.date,
    end: dt.date,
) -> Candidate:
    last = end - dt.timedelta(days=1)
    share = x / n
    return Candidate(
        organ_code=organ,
        p_value=binom_upper(x, n, baseline),
        strong=x >= MIN_IN_WINDOW and share >= MIN_RATIO * baseline,
        figures={
            "concluded_last_days": x,
            "concluded_reference": n,
            "share_last_days": share,
            "share_other_organs": others,
            "own_month_end_ratio": ratio,
            "baseline_share": baseline,
            "last_days": LAST_DAYS,
        },
        summary_zh=(
            f"期末{LAST_DAYS}日内审结{x}件，占期末三个月审结{n}件的{pct(share)}，"
            f"基准为{pct(baseline)}（其他院同期{pct(others)}）。"
        ),
        summary_en=(
            f"{x} of the {n} cases concluded in the period's last three months were concluded "
            f"in its last {LAST_DAYS} days ({pct(share)}), against a baseline of "
            f"{pct(baseline)} (other organs: {pct(others)})."
        ),
        where=lambda p: (p[COLUMN] >= window_start) & (p[COLUMN] < end),
        records_zh=f"{window_start:%Y-%m-%d}至{last:%Y-%m-%d}审查起诉审结的人员",
        records_en=f"persons whose prosecution review was concluded {window_start} to {last}",
    )
