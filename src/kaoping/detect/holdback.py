"""Denominator management (压案): conclusions held over a period end into the next period.

For each organ: of the cases whose prosecution review it concluded in the 20 days before
the period's end or the 25 days after, how many fell before? An organ that holds cases
back to keep them out of a period's figures (or to start the next period with a stock of
quick conclusions) has few before and many after. The baseline is the share of every other
organ across the same end, lowered to the organ's own habit at ordinary month ends over the
year before when that is lower. A one-sided binomial test (lower tail) gives the p-value;
flags need q <= 5% across organs and a share at most 0.6 times the baseline. The evidence
adds cases received against cases concluded in the period's last month, and lists the
persons concluded just after the end although received before it.

Only testable where the data run at least 25 days past the period's end. Cases are
counted, not persons (see :meth:`Source.daily`).
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
from kaoping.detect.stats import binom_lower
from kaoping.engine.periods import Period

NAME = "hold_back"
BEFORE_DAYS = 20
AFTER_DAYS = 25
MIN_CASES = 15
MAX_RATIO = 0.6
COLUMN = "prosecution_review_concluded"
RECEIVED = "prosecution_review_received"


def testable(source: Source, period: Period) -> bool:
    last = source.last_date(COLUMN)
    return last is not None and last >= period.end_date + dt.timedelta(days=AFTER_DAYS - 1)


def detect(source: Source, period: Period) -> list[Detection]:
    if not testable(source, period):
        return []
    end = period.end_date  # first day after the period
    before, after = end - dt.timedelta(days=BEFORE_DAYS), end + dt.timedelta(days=AFTER_DAYS)
    last_year, last_month = period.end
    own_start = month_start(last_year, last_month - 12)
    daily = source.daily(COLUMN, own_start, after)
    x = in_window(daily, before, end)
    n = in_window(daily, before, after)
    months = ordinary_months(own_start, month_start(last_year, last_month), AFTER_DAYS)
    ratio = own_habit(
        daily,
        [(b - dt.timedelta(days=BEFORE_DAYS), b) for _, b in months],
        [
            (b - dt.timedelta(days=BEFORE_DAYS), b + dt.timedelta(days=AFTER_DAYS))
            for _, b in months
        ],
        n.index,
    )
    last_month_start = month_start(last_year, last_month)
    concluded_month = in_window(daily, last_month_start, end)
    received_month = in_window(source.daily(RECEIVED, last_month_start, end), last_month_start, end)
    total_x, total_n = float(x.sum()), float(n.sum())
    candidates = []
    for organ, n_o in n.items():
        if n_o < MIN_CASES:
            continue
        x_o = int(x.get(organ, 0))
        others = (total_x - x_o) / max(total_n - n_o, 1.0)
        baseline = others * min(1.0, float(ratio[organ]))
        share = x_o / n_o
        figures: dict[str, float | int | None] = {
            "concluded_before_end": x_o,
            "concluded_around_end": int(n_o),
            "share_before_end": share,
            "share_other_organs": others,
            "own_month_end_ratio": float(ratio[organ]),
            "baseline_share": baseline,
            "received_last_month": int(received_month.get(organ, 0)),
            "concluded_last_month": int(concluded_month.get(organ, 0)),
            "days_before": BEFORE_DAYS,
            "days_after": AFTER_DAYS,
        }
        candidates.append(
            Candidate(
                organ_code=str(organ),
                p_value=binom_lower(x_o, int(n_o), baseline),
                strong=share <= MAX_RATIO * baseline,
                figures=figures,
                summary_zh=(
                    f"期末前{BEFORE_DAYS}日与期后{AFTER_DAYS}日共审结{int(n_o)}件，期末前仅"
                    f"{x_o}件（{pct(share)}），基准为{pct(baseline)}；末月受理"
                    f"{figures['received_last_month']}件、审结{figures['concluded_last_month']}件。"
                ),
                summary_en=(
                    f"Of {int(n_o)} cases concluded in the {BEFORE_DAYS} days before the "
                    f"period's end and the {AFTER_DAYS} days after, only {x_o} ({pct(share)}) "
                    f"were concluded before it, against a baseline of {pct(baseline)}; last "
                    f"month {figures['received_last_month']} received, "
                    f"{figures['concluded_last_month']} concluded."
                ),
                where=lambda p: (p[COLUMN] >= end) & (p[COLUMN] < after) & (p[RECEIVED] < end),
                records_zh=f"{end:%Y-%m-%d}前受理、期末后{AFTER_DAYS}日内审结的人员",
                records_en=(
                    f"persons received before {end} and concluded in the {AFTER_DAYS} days after"
                ),
            )
        )
    return flag(source, NAME, period.label, candidates)
