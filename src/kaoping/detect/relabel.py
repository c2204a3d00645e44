"""Re-labelling (换标签): a decision recorded as what the scheme rewards, handled as before.

The appraisal rewards a high non-arrest rate. An organ can raise it genuinely (persons who
need no custody are left free, and many of them are then not prosecuted either) or by
recording persons as "not arrested" who are otherwise handled as arrested persons are:
then the non-arrest rate jumps *and* the share of non-arrested persons who are later
prosecuted while in custody jumps with it. The detector compares the period with the same
months a year
earlier, each organ against the national change (so a nationwide policy shift is not a
flag):

1. the organ's non-arrest log-odds rose more than the nation's (one-sided test of the log
   odds ratio, Woolf's standard error); this p-value is FDR-controlled across organs;
2. the log-odds of "prosecuted in custody" among its non-arrested persons (those with a
   prosecution decision) rose more than the nation's too (same test, p < 0.10);
3. the non-arrest rate rose at least 10 points more than the national rate.
"""

from __future__ import annotations

from kaoping.detect.base import Candidate, flag, pct
from kaoping.detect.models import Detection
from kaoping.detect.source import Source
from kaoping.detect.stats import logit, logit_shift
from kaoping.engine.periods import Period

NAME = "relabel"
MIN_DECISIONS = 30
MIN_NON_ARRESTED = 10
MIN_RISE = 0.10
SECOND_P = 0.10
DATE = "arrest_review_concluded"


Counts = dict[str, tuple[int, int, int, int]]


def _counts(source: Source, period: Period) -> Counts:
    """organ -> (not approved, approved, of the not approved with a prosecution decision:
    prosecuted in custody, the rest)."""
    p = source.persons
    rows = p.filter(p[DATE] >= period.start_date, p[DATE] < period.end_date)
    na = rows.arrest_decision == "not_approved"
    decided = rows.prosecution_decision.notnull()
    custody = (rows.prosecution_decision == "prosecuted") & rows.detained_at_prosecution.fill_null(
        False
    )
    expr = rows.group_by("organ_code").aggregate(
        na=na.sum(),
        ap=(rows.arrest_decision == "approved").sum(),
        pros=(na & custody).sum(),
        notpros=(na & decided & ~custody).sum(),
    )
    frame = source.frame(expr).fillna(0)
    return {
        str(r.organ_code): (int(r.na), int(r.ap), int(r.pros), int(r.notpros))
        for r in frame.itertuples()
    }


def _national_shift(now: Counts, before: Counts, i: int, j: int) -> tuple[float, float, float]:
    """The nation's log-odds change of count ``i`` against ``j``, and its two rates."""
    a1, b1 = sum(v[i] for v in now.values()), sum(v[j] for v in now.values())
    a0, b0 = sum(v[i] for v in before.values()), sum(v[j] for v in before.values())
    r1, r0 = a1 / max(a1 + b1, 1), a0 / max(a0 + b0, 1)
    return logit(r1) - logit(r0), r1, r0


def detect(source: Source, period: Period) -> list[Detection]:
    now, before = _counts(source, period), _counts(source, period.previous())
    if not before:
        return []
    shift_na, nat1, nat0 = _national_shift(now, before, 0, 1)
    shift_pros, _, _ = _national_shift(now, before, 2, 3)
    start, end = period.start_date, period.end_date
    candidates = []
    for organ, (na1, ap1, pr1, np1) in now.items():
        na0, ap0, pr0, np0 = before.get(organ, (0, 0, 0, 0))
        if (
            min(na1 + ap1, na0 + ap0) < MIN_DECISIONS
            or min(pr1 + np1, pr0 + np0) < MIN_NON_ARRESTED
        ):
            continue
        _, p1 = logit_shift(na1, ap1, na0, ap0, shift_na)
        _, p2 = logit_shift(pr1, np1, pr0, np0, shift_pros)
        rate1, rate0 = na1 / (na1 + ap1), na0 / (na0 + ap0)
        pros1, pros0 = pr1 / (pr1 + np1), pr0 / (pr0 + np0)
        rise = (rate1 - rate0) - (nat1 - nat0)
        candidates.append(
            Candidate(
                organ_code=organ,
                p_value=p1,
                strong=rise >= MIN_RISE and p2 < SECOND_P,
                figures={
                    "non_arrest_rate": rate1,
                    "non_arrest_rate_last_year": rate0,
                    "national_non_arrest_rate": nat1,
                    "national_non_arrest_rate_last_year": nat0,
                    "not_arrested": na1,
                    "arrest_decisions": na1 + ap1,
                    "custody_share_of_not_arrested": pros1,
                    "custody_share_of_not_arrested_last_year": pros0,
                    "p_custody_share_rise": p2,
                },
                summary_zh=(
                    f"不捕率由去年同期{pct(rate0)}升至{pct(rate1)}（全国{pct(nat0)}→{pct(nat1)}），"
                    f"而不捕人员中被羁押起诉的比例由{pct(pros0)}升至{pct(pros1)}。"
                ),
                summary_en=(
                    f"The non-arrest rate rose from {pct(rate0)} to {pct(rate1)} year-on-year "
                    f"(national {pct(nat0)} to {pct(nat1)}), while the share of non-arrested "
                    f"persons prosecuted in custody rose from {pct(pros0)} to {pct(pros1)}."
                ),
                where=lambda p: (
                    (p[DATE] >= start)
                    & (p[DATE] < end)
                    & (p.arrest_decision == "not_approved")
                    & (p.prosecution_decision == "prosecuted")
                    & p.detained_at_prosecution.fill_null(False)
                ),
                records_zh="本期不批准逮捕、后被羁押起诉的人员",
                records_en=(
                    "persons not approved for arrest in the period and prosecuted in custody"
                ),
            )
        )
    return flag(source, NAME, period.label, candidates)


__all__ = ["NAME", "detect"]
