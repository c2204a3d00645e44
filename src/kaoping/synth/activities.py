"""The smaller tables: suggestions, letters, leads, property returns, reviews, public interest.

Their volumes scale with the persons asked for; their timeliness and outcomes carry the
organ's practice effects, so the same organs that lag in cases tend to lag here too.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kaoping.synth import calibration as cal
from kaoping.synth.persons import EPOCH, ProsecutorIndex, _dates, _str_ids, _take
from kaoping.synth.profiles import OrganProfiles

SUGGESTION_CATEGORIES = np.array(
    ["social_governance", "remedy", "retrial", "public_interest", "other"]
)
RECIPIENTS = np.array(
    [
        "教育局",
        "公安局",
        "市场监督管理局",
        "住房和城乡建设局",
        "生态环境局",
        "自然资源局",
        "交通运输局",
        "人民法院",
        "乡镇人民政府",
        "企业",
    ]
)
LEAD_OUTCOMES = np.array(["substantiated", "unsubstantiated", "transferred", "pending"])
GRADES = np.array(["excellent", "qualified", "flawed", "unqualified"])
FIELDS = np.array(
    [
        "ecology_environment",
        "food_drug_safety",
        "state_property",
        "land_transfer",
        "heroes_martyrs",
        "personal_information",
        "other",
    ]
)


class _Ctx:
    """What every small table draws on: organs, the years, the random stream."""

    def __init__(
        self,
        profiles: OrganProfiles,
        years: range,
        rng: np.random.Generator,
        prosecutors: ProsecutorIndex,
    ) -> None:
        self.profiles = profiles
        self.years = years
        self.rng = rng
        self.prosecutors = prosecutors
        self.start = (dt.date(years[0], 1, 1) - EPOCH).days
        self.end = (dt.date(years[-1], 12, 31) - EPOCH).days

    def draw(
        self, n: int, weight_by_year: dict[int, float] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Organs (by volume, with lower-level floor) and dates across the window."""
        vol = np.sqrt(self.profiles.volume)  # flatter than persons: every organ has some
        organs = self.rng.choice(len(vol), size=n, p=vol / vol.sum())
        w = np.array([(weight_by_year or {}).get(y, 1.0) for y in self.years])
        year_idx = self.rng.choice(len(self.years), size=n, p=w / w.sum())
        months = self.rng.choice(12, size=n, p=cal.MONTH_WEIGHTS / cal.MONTH_WEIGHTS.sum())
        firsts = np.array(
            [[(dt.date(y, m + 1, 1) - EPOCH).days for m in range(12)] for y in self.years]
        )
        days = firsts[year_idx, months] + self.rng.integers(0, 28, n)
        return organs, days

    def effect(self, name: str, organs: np.ndarray) -> np.ndarray:
        return np.asarray(self.profiles.effects[name][organs])

    def codes(self, organs: np.ndarray) -> pa.Array:
        return pa.array(self.profiles.codes[organs].tolist(), type=pa.string())

    def prosecutor(self, organs: np.ndarray) -> pa.Array:
        p = self.prosecutors
        count = p.criminal_count[organs]
        pick = p.criminal_start[organs] + (
            self.rng.random(len(organs)) * np.maximum(count, 1)
        ).astype(np.int64)
        return pc.take(
            pa.array(p.ids.tolist(), type=pa.string()),
            pa.array(np.where(count > 0, pick, 0), mask=count == 0),
        )

    def chance(self, base: float, effect: np.ndarray) -> np.ndarray:
        return self.rng.random(len(effect)) < cal.expit(cal.logit(base) + effect)


def suggestions(c: _Ctx, n: int) -> pa.Table:
    organs, issued = c.draw(n)
    due = issued + 61
    timely = c.chance(0.88, c.effect("reply", organs))
    replied_ok = c.rng.random(n) < 0.97
    reply = np.where(timely, issued + c.rng.integers(10, 61, n), due + c.rng.integers(1, 90, n))
    has_reply = replied_ok & (reply <= c.end)
    adopted = has_reply & c.chance(0.93, c.effect("adoption", organs))
    rectified = adopted & (c.rng.random(n) < 0.9)
    spp = np.where(c.rng.random(n) < 0.12, c.rng.choice([1, 2, 3, 4, 5, 6, 7, 8], n), 0)
    year = (np.datetime64("1970-01-01") + issued.astype("timedelta64[D]")).astype("datetime64[Y]")
    serial = pc.binary_join_element_wise(
        pa.array(year.astype(str).tolist()),
        pc.cast(pa.array(c.rng.integers(1, 60, n)), pa.string()),
        "检建第",
    )
    return pa.table(
        {
            "suggestion_id": _str_ids("J", np.arange(1, n + 1), 8),
            "organ_code": c.codes(organs),
            "prosecutor_id": c.prosecutor(organs),
            "spp_number": pa.array(spp.astype(np.int32), mask=spp == 0),
            "serial": pc.binary_join_element_wise(serial, pa.scalar("号"), ""),
            "category": _take(
                SUGGESTION_CATEGORIES, c.rng.choice(5, n, p=[0.5, 0.25, 0.05, 0.15, 0.05])
            ),
            "recipient": _take(RECIPIENTS, c.rng.integers(0, len(RECIPIENTS), n)),
            "issued": _dates(issued, np.ones(n, bool)),
            "reply_due": _dates(due, np.ones(n, bool)),
            "replied": _dates(reply, has_reply),
            "adopted": pa.array(adopted, mask=~has_reply),
            "rectified": pa.array(rectified, mask=~has_reply),
        }
    )


def petitions(c: _Ctx, n: int) -> pa.Table:
    organs, received = c.draw(n)
    fx = c.effect("reply", organs)
    in7 = c.chance(0.97, fx)
    proc = received + np.where(in7, c.rng.integers(0, 8, n), c.rng.integers(8, 30, n))
    in90 = c.chance(0.92, fx)
    result = received + np.where(in90, c.rng.integers(10, 91, n), c.rng.integers(91, 200, n))
    return pa.table(
        {
            "petition_id": _str_ids("X", np.arange(1, n + 1), 9),
            "organ_code": c.codes(organs),
            "received": _dates(received, np.ones(n, bool)),
            "procedural_reply": _dates(proc, proc <= c.end),
            "result_reply": _dates(result, result <= c.end),
        }
    )


def leads(c: _Ctx, n: int) -> pa.Table:
    # the special campaign against organised crime ran 2018-2020
    organs, received = c.draw(n, {2018: 3.0, 2019: 3.0, 2020: 2.5})
    verified_ok = c.chance(0.96, c.effect("verification", organs))
    verified = received + c.rng.integers(5, 120, n)
    done = verified_ok & (verified <= c.end)
    outcome = np.where(done, c.rng.choice(3, n, p=[0.35, 0.45, 0.2]), 3)
    return pa.table(
        {
            "lead_id": _str_ids("L", np.arange(1, n + 1), 8),
            "organ_code": c.codes(organs),
            "received": _dates(received, np.ones(n, bool)),
            "verified": _dates(verified, done),
            "outcome": _take(LEAD_OUTCOMES, outcome),
        }
    )


def property_returns(c: _Ctx, n: int) -> pa.Table:
    organs, registered = c.draw(n, {2018: 2.0, 2019: 2.5, 2020: 3.0})
    involved = np.round(c.rng.lognormal(10.0, 1.3, n), 2)
    returned_ok = c.chance(0.8, -c.effect("days", organs))
    share = np.clip(c.rng.beta(6, 1.2, n), 0, 1)
    when = registered + c.rng.gamma(2.0, 30.0, n).astype(np.int64) + 3
    done = returned_ok & (when <= c.end)
    return pa.table(
        {
            "return_id": _str_ids("F", np.arange(1, n + 1), 8),
            "organ_code": c.codes(organs),
            "case_id": _str_ids("FA", c.rng.integers(1, max(n, 2) * 3, n), 8),
            "registered": _dates(registered, np.ones(n, bool)),
            "amount_involved": pa.array(involved).cast(pa.decimal128(18, 2)),
            "amount_returned": pa.array(np.round(involved * share, 2), mask=~done).cast(
                pa.decimal128(18, 2)
            ),
            "returned": _dates(when, done),
        }
    )


def quality_reviews(c: _Ctx, n: int) -> pa.Table:
    organs, reviewed = c.draw(n)
    q = c.effect("quality", organs)
    u = c.rng.random(n)
    bad = cal.expit(cal.logit(0.06) - q)
    grade = np.select([u < bad * 0.15, u < bad, u < bad + 0.25], [3, 2, 0], 1)
    return pa.table(
        {
            "review_id": _str_ids("Q", np.arange(1, n + 1), 8),
            "organ_code": c.codes(organs),
            "prosecutor_id": c.prosecutor(organs),
            "case_id": _str_ids("A", c.rng.integers(1, max(n, 2) * 20, n), 9),
            "reviewed": _dates(reviewed, np.ones(n, bool)),
            "grade": _take(GRADES, grade),
        }
    )


def public_interest_cases(c: _Ctx, n: int) -> pa.Table:
    growth = {
        y: max(0.05, cal.at({2015: 0.05, 2017: 0.6, 2019: 1.0, 2022: 1.6}, y)) for y in c.years
    }
    organs, filed = c.draw(n, growth)
    pre = c.rng.random(n) < 0.85
    pre_date = filed + c.rng.integers(5, 60, n)
    has_pre = pre & (pre_date <= c.end)
    rectified = has_pre & c.chance(0.9, c.effect("adoption", organs))
    sued = ~rectified & (c.rng.random(n) < 0.3)
    sued_date = filed + c.rng.integers(60, 200, n)
    return pa.table(
        {
            "pi_case_id": _str_ids("G", np.arange(1, n + 1), 8),
            "organ_code": c.codes(organs),
            "prosecutor_id": c.prosecutor(organs),
            "field": _take(FIELDS, c.rng.choice(7, n, p=[0.45, 0.2, 0.12, 0.08, 0.02, 0.05, 0.08])),
            "filed": _dates(filed, np.ones(n, bool)),
            "pre_litigation_suggestion": _dates(pre_date, has_pre),
            "rectified": pa.array(rectified, mask=~has_pre),
            "litigation_filed": _dates(sued_date, sued & (sued_date <= c.end)),
        }
    )


#: table -> (builder, rows per person asked for)
BUILDERS = {
    "suggestions": (suggestions, 1 / 60),
    "petitions": (petitions, 1 / 12),
    "leads": (leads, 1 / 150),
    "property_returns": (property_returns, 1 / 400),
    "quality_reviews": (quality_reviews, 1 / 25),
    "public_interest_cases": (public_interest_cases, 1 / 15),
}


def build_activities(
    profiles: OrganProfiles, prosecutors: ProsecutorIndex, years: range, persons: int, seed: int
) -> dict[str, pa.Table]:
    out = {}
    for k, (name, (builder, per_person)) in enumerate(BUILDERS.items()):
        rng = np.random.default_rng([seed, 3, k])
        ctx = _Ctx(profiles, years, rng, prosecutors)
        out[name] = builder(ctx, max(10, int(persons * per_person)))
    return out
