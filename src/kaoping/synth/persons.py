"""Suspects (persons), generated in vectorised chunks so 10 million rows stream in bounded memory.

Each chunk is drawn from its own random stream, seeded by (seed, year, chunk number), so the
output depends only on the arguments, never on timing. A chunk holds whole cases: suspects
of one case share organ, prosecutor, crime and dates; decisions are drawn per person from a
logit model: the year's national rate (``calibration``), the organ's practice effect, and
adjustments for minors and for the arrest decision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kaoping.synth import calibration as cal
from kaoping.synth import gaming
from kaoping.synth.profiles import OrganProfiles

EPOCH = dt.date(1970, 1, 1)
CHUNK_PERSONS = 400_000

PROSECUTION_DECISIONS = np.array(["prosecuted", "not_prosecuted", "conditional_not_prosecuted"])
ARREST_DECISIONS = np.array(["approved", "not_approved"])
RECOMMENDATIONS = np.array(["none", "fixed", "range"])
VERDICTS = np.array(["guilty", "acquitted"])
DIFFICULTIES = np.array(["simple", "ordinary", "complex"])


@dataclass(frozen=True)
class CrimeMix:
    codes: np.ndarray  # crime_code per crime
    weight_by_year: dict[int, np.ndarray]  # normalised weights
    upper_weight_by_year: dict[int, np.ndarray]  # for municipal / provincial organs
    minor_share: np.ndarray
    serious: np.ndarray  # serious violent crime flag
    median_months: np.ndarray  # typical sentence
    max_months: np.ndarray  # statutory maximum, capped for drawing


@dataclass(frozen=True)
class Planting:
    """Per organ, which gaming pattern it carries (:mod:`kaoping.synth.gaming`)."""

    rush: np.ndarray
    relabel: np.ndarray
    hold_back: np.ndarray
    perfect: np.ndarray
    relabel_year: int  # the year re-labelling happens in (the last one generated)
    first_day: int  # days since epoch of the window's first day

    @classmethod
    def of(cls, plan: gaming.GamingPlan, profiles: OrganProfiles, years: range) -> Planting:
        return cls(
            rush=plan.mask("rush", profiles),
            relabel=plan.mask("relabel", profiles),
            hold_back=plan.mask("hold_back", profiles),
            perfect=plan.mask("perfect", profiles),
            # with one year there is no earlier year to re-label against
            relabel_year=years[-1] if len(years) > 1 else -1,
            first_day=_days(dt.date(years[0], 1, 1)),
        )


@dataclass(frozen=True)
class ProsecutorIndex:
    """Per organ, where its criminal and its minors' prosecutors sit in the ids array."""

    ids: np.ndarray
    criminal_start: np.ndarray
    criminal_count: np.ndarray
    minors_start: np.ndarray
    minors_count: np.ndarray


def crime_mix(crimes: pd.DataFrame, years: range) -> CrimeMix:
    names = crimes["name_zh"].astype(str).tolist()
    base = np.array([cal.CRIME_WEIGHTS.get(n, cal.DEFAULT_CRIME_WEIGHT) for n in names])
    serious = crimes["serious_violent"].to_numpy(dtype=bool)
    chapter = crimes["chapter"].to_numpy(dtype=np.int64)
    weights, upper = {}, {}
    for year in years:
        w = base.copy()
        w[serious] *= cal.at(cal.SERIOUS_VIOLENT_TREND, year)
        w[np.array([n == "危险驾驶罪" for n in names])] *= cal.at(cal.DANGEROUS_DRIVING_TREND, year)
        w[np.array([n == "帮助信息网络犯罪活动罪" for n in names])] *= cal.at(
            cal.HELPING_NETWORK_TREND, year
        )
        weights[year] = w / w.sum()
        # upper-level organs take serious, economic, duty and security crimes
        u = w * np.where(serious, 8.0, 1.0) * np.where(np.isin(chapter, [1, 3, 8]), 4.0, 1.0)
        upper[year] = u / u.sum()
    minor = np.array([cal.MINOR_SHARE.get(n, cal.DEFAULT_MINOR_SHARE) for n in names])
    kind = crimes["statutory_max"].astype(str).to_numpy()
    years_max = pd.to_numeric(crimes["statutory_max_years"], errors="coerce").fillna(0).to_numpy()
    max_months = np.select(
        [kind == "detention", kind == "fixed_term"], [6.0, np.maximum(years_max, 1) * 12.0], 240.0
    )
    median = np.where(
        serious,
        cal.SERIOUS_MEDIAN_MONTHS,
        np.minimum(max_months * cal.MEDIAN_SHARE_OF_MAXIMUM, cal.MEDIAN_CAP_MONTHS),
    )
    median = np.where(kind == "detention", 2.5, median)
    return CrimeMix(
        np.asarray(crimes["crime_code"].astype(str).to_numpy(), dtype=object),
        weights,
        upper,
        minor,
        serious,
        median,
        max_months,
    )


def _days(d: dt.date) -> int:
    return (d - EPOCH).days


def _year_of(days: int) -> int:
    return (EPOCH + dt.timedelta(days=days)).year


def _sample_dates(rng: np.random.Generator, year: int, n: int, push: np.ndarray) -> np.ndarray:
    """Days since epoch in ``year``: seasonal months, more cases in December in organs that
    push work into the year's last month (a habit, spread over the month; the period-end
    rush of :mod:`kaoping.synth.gaming` is planted later, in known organs)."""
    months = rng.choice(12, size=n, p=cal.MONTH_WEIGHTS / cal.MONTH_WEIGHTS.sum())
    pushed = rng.random(n) < np.clip(0.05 * push, 0.0, 0.25)
    months = np.where(pushed, 11, months)
    starts = np.array(
        [_days(dt.date(year, m + 1, 1)) for m in range(12)] + [_days(dt.date(year + 1, 1, 1))]
    )
    length = starts[months + 1] - starts[months]
    return np.asarray(starts[months] + (rng.random(n) * length).astype(np.int64))


def _str_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Ids such as S000012345, built in Arrow's C++ kernels rather than a Python loop."""
    digits = pc.utf8_lpad(pa.array(numbers).cast(pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def _take(values: np.ndarray, idx: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    arr = pa.array(idx.astype(np.int32), mask=None if valid is None else ~valid)
    return pc.take(pa.array(values.astype(str)), arr)


def _dates(days: np.ndarray, valid: np.ndarray) -> pa.Array:
    return pa.array(days.astype(np.int32), mask=~valid).cast(pa.date32())


def person_chunks(
    *,
    persons: int,
    years: range,
    seed: int,
    profiles: OrganProfiles,
    mix: CrimeMix,
    prosecutors: ProsecutorIndex,
    plan: gaming.GamingPlan = gaming.NOTHING,
) -> Iterator[pa.RecordBatch]:
    """Yield record batches of persons, in schema column order, ``persons`` rows in all."""
    volume = np.array([cal.at(cal.VOLUME, y) for y in years])
    per_year = np.floor(volume / volume.sum() * persons).astype(np.int64)
    per_year[-1] += persons - per_year.sum()
    window = (_days(dt.date(years[0], 1, 1)), _days(dt.date(years[-1], 12, 31)))
    planting = Planting.of(plan, profiles, years)
    person_seq = 0
    case_seq = 0
    for year, n_year in zip(years, per_year, strict=True):
        for chunk_no, start in enumerate(range(0, int(n_year), CHUNK_PERSONS)):
            n = int(min(CHUNK_PERSONS, n_year - start))
            rng = np.random.default_rng([seed, 1, year, chunk_no])
            batch, n_cases = _chunk(
                rng, year, n, person_seq, case_seq, window, profiles, mix, prosecutors, planting
            )
            person_seq += n
            case_seq += n_cases
            yield batch


def _chunk(
    rng: np.random.Generator,
    year: int,
    n: int,
    person_seq: int,
    case_seq: int,
    window: tuple[int, int],
    profiles: OrganProfiles,
    mix: CrimeMix,
    prosecutors: ProsecutorIndex,
    planting: Planting,
) -> tuple[pa.RecordBatch, int]:
    fx = profiles.effects
    # --- cases: suspects per case, organ, crime, prosecutor, anchor date -----------------
    window_start, window_end = window
    size = np.minimum(rng.geometric(0.72, n) + (rng.random(n) < 0.04) * rng.integers(1, 6, n), 12)
    ends = np.cumsum(size)
    n_cases = int(np.searchsorted(ends, n) + 1)
    size = size[:n_cases]
    case_of = np.repeat(np.arange(n_cases), size)[:n]
    organ_c = rng.choice(len(profiles.volume), size=n_cases, p=profiles.volume)
    level_c = profiles.organs["level"].to_numpy()[organ_c]
    crime_c = rng.choice(len(mix.codes), size=n_cases, p=mix.weight_by_year[year])
    upper = level_c < 4
    if upper.any():
        crime_c[upper] = rng.choice(
            len(mix.codes), size=int(upper.sum()), p=mix.upper_weight_by_year[year]
        )
    anchor_c = _sample_dates(rng, year, n_cases, fx["rush"][organ_c])
    difficulty_c = np.where(mix.serious[crime_c], 2, rng.choice(3, n_cases, p=[0.45, 0.45, 0.1]))
    enterprise_c = rng.random(n_cases) < 0.06
    organized_c = rng.random(n_cases) < np.where(year in (2018, 2019, 2020), 0.025, 0.008)
    # --- persons --------------------------------------------------------------------------
    organ = organ_c[case_of]
    crime = crime_c[case_of]
    minor = rng.random(n) < mix.minor_share[crime] * 1.1
    # prosecutor: the minors' department handles minors where the organ has one
    use_minors = minor & (prosecutors.minors_count[organ] > 0)
    pstart = np.where(
        use_minors, prosecutors.minors_start[organ], prosecutors.criminal_start[organ]
    )
    pcount = np.where(
        use_minors, prosecutors.minors_count[organ], prosecutors.criminal_count[organ]
    )
    case_pick = rng.random(n_cases)[case_of]
    has_prosecutor = pcount > 0
    pros = pstart + (case_pick * np.maximum(pcount, 1)).astype(np.int64)

    # arrest review (anchored on its conclusion) or direct prosecution review
    p_review = cal.at(cal.ARREST_REVIEW_SHARE, year) * np.where(minor, 0.8, 1.0)
    reviewed = rng.random(n_cases)[case_of] < p_review
    anchor = anchor_c[case_of]
    lead_in = np.zeros(n, dtype=bool)
    if year == _year_of(window_start):
        # persons arrested late in the year before the window whose prosecution review ends
        # inside it: without them the window's first months would lack arrested persons
        lead_in = reviewed & (rng.random(n_cases) < 0.3)[case_of]
        lead_anchor = window_start - rng.integers(1, 150, n_cases)[case_of]
    na_base = np.where(minor, cal.at(cal.MINOR_NON_ARREST, year), cal.at(cal.NON_ARREST, year))
    p_na = cal.expit(
        cal.logit(na_base)
        + fx["non_arrest"][organ]
        + np.where(mix.serious[crime], -1.0, 0.12)
        + np.where(minor, 0.02, 0.0)
    )
    not_approved = reviewed & (rng.random(n) < p_na)
    approved = reviewed & ~not_approved
    # re-labelling: recorded as not arrested, handled as an arrested person would be (as
    # often prosecuted, as often in custody when prosecuted)
    handled_as_approved = approved
    if year == planting.relabel_year:
        relabelled = approved & planting.relabel[organ] & (rng.random(n) < gaming.RELABEL_SHARE)
        not_approved = not_approved | relabelled
        approved = approved & ~relabelled
    ar_concluded = anchor
    ar_received = anchor - rng.integers(1, 8, n)
    # prosecution review follows the investigation; direct cases are anchored on conclusion
    gap = rng.gamma(2.0, 28.0, n).astype(np.int64) + 5
    returns = rng.poisson(cal.at(cal.SUPPLEMENTARY_RETURNS, year) * np.exp(fx["returns"][organ]))
    returns = np.minimum(returns, 2)
    extensions = np.minimum(
        rng.poisson(cal.at(cal.EXTENSIONS, year) * np.exp(fx["extensions"][organ])), 3
    )
    days = (
        rng.gamma(4.0, cal.at(cal.REVIEW_DAYS, year) / 4.0, n) * np.exp(fx["days"][organ])
        + returns * 30
        + extensions * 15
    ).astype(np.int64) + 1
    if lead_in.any():
        # keep the lead-in only where its prosecution review concludes inside the window
        lead_in &= lead_anchor + gap + days >= window_start
        anchor = np.where(lead_in, lead_anchor, anchor)
        ar_concluded = anchor
        ar_received = anchor - rng.integers(1, 8, n)
    pr_received = np.where(reviewed, ar_concluded + gap, anchor - days)
    pr_concluded = pr_received + days
    # planted gaming moves conclusions across period ends; rush first, so a conclusion
    # pulled before a year end is not then held over it
    if planting.rush.any():
        pr_concluded = gaming.pull_into_year_end(
            rng.random((2, n_cases))[:, case_of],
            pr_received,
            pr_concluded,
            planting.rush[organ],
            planting.first_day,
        )
    if planting.hold_back.any():
        pr_concluded = gaming.hold_over_half_end(
            rng.random((2, n_cases))[:, case_of], pr_concluded, planting.hold_back[organ]
        )
    pr_done = pr_concluded <= window_end
    pr_started = pr_received <= window_end

    # prosecution decision
    np_base = np.where(
        minor, cal.at(cal.MINOR_NON_PROSECUTION, year), cal.at(cal.NON_PROSECUTION, year)
    )
    p_np = cal.expit(
        cal.logit(np_base)
        + fx["non_prosecution"][organ]
        + np.where(handled_as_approved, -1.3, np.where(not_approved, 0.9, 0.25))
        + np.where(mix.serious[crime], -1.5, 0.0)
        + np.where(minor, 0.45, 0.0)
    )
    not_prosecuted = pr_done & (rng.random(n) < p_np)
    cond_share = cal.at(cal.MINOR_CONDITIONAL, year) / max(
        cal.at(cal.MINOR_NON_PROSECUTION, year), 1e-9
    )
    p_cond = cal.expit(cal.logit(cond_share) + fx["conditional"][organ])
    conditional = not_prosecuted & minor & (rng.random(n) < p_cond)
    decision = np.where(conditional, 2, np.where(not_prosecuted, 1, 0))
    prosecuted = pr_done & (decision == 0)

    # custody at prosecution: nearly all arrested persons, few of the others
    share_arrested = float(handled_as_approved[prosecuted].mean()) if prosecuted.any() else 0.5
    p_det = cal.expit(
        cal.logit(cal.at(cal.PRETRIAL_DETENTION, year))
        + fx["detention"][organ]
        + 3.0 * (handled_as_approved - share_arrested)
    )
    detained = prosecuted & (rng.random(n) < p_det)

    plea_p = cal.expit(
        cal.logit(cal.at(cal.PLEA_LENIENCY, year))
        + fx["plea"][organ]
        + np.where(mix.serious[crime], -1.0, 0.1)
    )
    perfect = planting.perfect[organ]  # every recommendation adopted, no acquittal
    plea = pr_done & ((rng.random(n) < plea_p) | perfect)
    fixed_p = cal.at(cal.FIXED_RECOMMENDATION, year)
    rec = np.where(
        ~prosecuted,
        -1,
        np.where(
            plea, np.where(rng.random(n) < fixed_p, 1, 2), np.where(rng.random(n) < 0.3, 2, 0)
        ),
    )

    # trial
    verdict_date = pr_concluded + rng.gamma(2.5, 22.0, n).astype(np.int64) + 7
    withdrawn = prosecuted & (rng.random(n) < 0.0012)
    tried = prosecuted & ~withdrawn & (verdict_date <= window_end)
    acquitted = tried & (rng.random(n) < 0.0006) & ~planting.perfect[organ]
    guilty = tried & ~acquitted
    months = np.minimum(
        np.round(rng.lognormal(np.log(mix.median_months[crime]), 0.7)), mix.max_months[crime]
    )
    months = np.maximum(months, 1).astype(np.int64)
    months = np.where(plea, np.maximum(1, (months * 0.85).astype(np.int64)), months)
    probation = guilty & (months <= 36) & (rng.random(n) < np.where(plea, 0.42, 0.25))
    adopted_p = cal.expit(
        cal.logit(cal.at(cal.RECOMMENDATION_ADOPTED, year)) + fx["adoption"][organ]
    )
    adopted = guilty & (rec > 0) & ((rng.random(n) < adopted_p) | perfect)

    cols: dict[str, pa.Array] = {
        "person_id": _str_ids("S", np.arange(person_seq + 1, person_seq + n + 1), 10),
        "case_id": _str_ids("A", case_seq + 1 + case_of, 9),
        "organ_code": pa.array(profiles.codes[organ].tolist(), type=pa.string()),
        "prosecutor_id": pc.take(
            pa.array(prosecutors.ids.tolist(), type=pa.string()),
            pa.array(np.where(has_prosecutor, pros, 0), mask=~has_prosecutor),
        ),
        "crime_code": pa.array(mix.codes[crime].tolist(), type=pa.string()),
        "is_minor": pa.array(minor),
        "enterprise_related": pa.array(enterprise_c[case_of]),
        "organized_crime": pa.array(organized_c[case_of]),
        "difficulty": _take(DIFFICULTIES, difficulty_c[case_of]),
        "arrest_review_received": _dates(ar_received, reviewed),
        "arrest_review_concluded": _dates(ar_concluded, reviewed),
        "arrest_decision": _take(ARREST_DECISIONS, not_approved.astype(np.int64), reviewed),
        "prosecution_review_received": _dates(pr_received, pr_started),
        "prosecution_review_concluded": _dates(pr_concluded, pr_done),
        "prosecution_decision": _take(PROSECUTION_DECISIONS, decision, pr_done),
        "detained_at_prosecution": pa.array(detained, mask=~prosecuted),
        "plea_leniency": pa.array(plea, mask=~pr_done),
        "sentencing_recommendation": _take(RECOMMENDATIONS, np.maximum(rec, 0), prosecuted),
        "recommendation_adopted": pa.array(adopted, mask=~(tried & (rec > 0))),
        "supplementary_returns": pa.array(np.where(pr_started, returns, 0).astype(np.int32)),
        "extensions": pa.array(np.where(pr_started, extensions, 0).astype(np.int32)),
        "prosecution_withdrawn": pa.array(withdrawn, mask=~prosecuted),
        "verdict": _take(VERDICTS, acquitted.astype(np.int64), tried),
        "verdict_date": _dates(verdict_date, tried),
        "sentence_months": pa.array(np.where(guilty, months, 0).astype(np.int32), mask=~guilty),
        "probation": pa.array(probation, mask=~guilty),
    }
    return pa.RecordBatch.from_pydict(cols), n_cases
