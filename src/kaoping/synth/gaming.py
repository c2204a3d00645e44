"""Gaming planted in known organs, so that the detectors (``kaoping.detect``) can be tested.

Four patterns, each in its own small set of grassroots organs, chosen deterministically from
the seed among the organs large enough for a pattern to be visible (a bunching of five
cases proves nothing). :func:`gaming_plan` recomputes the sets from the seed alone, so a
test knows which organs were planted without a side file next to the data:

- **rush**: cases under review at a year end and due to conclude in the two months after it
  are concluded in its last two weeks instead (rushed through before the books close), and
  some due in the six weeks before those two weeks are left to them (worked to the deadline);
- **relabel**: in the last year generated, persons who would have been arrested are
  recorded as not arrested, yet handled as arrested persons are (prosecuted, in custody):
  the non-arrest rate rises and so does the share of non-arrested persons who are
  prosecuted in custody after all;
- **hold_back**: conclusions due in the last 20 days of a half-year (June, December) are
  held over into the first weeks of the next one;
- **perfect**: every sentencing recommendation is adopted and every person is recorded
  under plea leniency: 100% on denominators where no real organ reaches 100%.

A case is rushed or held over as a whole (its suspects move together, to one day). The
planted organs are few (8 per pattern) and, though among the larger grassroots organs,
move national rates by well under a percentage point; ``generate_dataset(plant=False)``
plants nothing (the December habit of some organs, :mod:`kaoping.synth.persons`, is not
gaming and stays).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kaoping.synth.profiles import OrganProfiles

PATTERNS = ("rush", "relabel", "hold_back", "perfect")
#: organs planted per pattern
ORGANS_PER_PATTERN = 8
#: planted organs are drawn from grassroots organs between these quantiles of volume
VOLUME_BAND = (0.95, 0.998)

#: rush: share of the conclusions due in the window after a year end that are pulled in
RUSH_SHARE = 0.85
RUSH_AFTER_DAYS = 60  # conclusions due this many days after the year end are candidates
RUSH_LAST_DAYS = 14  # ... and are moved into the year's last this many days
RUSH_BEFORE_DAYS = 42  # conclusions due this many days before those last days ...
RUSH_LATE_SHARE = 0.35  # ... slip into them with this chance
#: relabel: share of would-be arrests recorded as non-arrest
RELABEL_SHARE = 0.5
#: hold_back: share of conclusions due in a half-year's last days that are held over
HOLD_SHARE = 0.85
HOLD_LAST_DAYS = 20
HOLD_INTO_DAYS = 25


@dataclass(frozen=True)
class GamingPlan:
    """Pattern -> the organ codes it was planted in (empty sets when nothing is planted)."""

    organs: dict[str, frozenset[str]]

    def planted(self, pattern: str) -> frozenset[str]:
        return self.organs.get(pattern, frozenset())

    def mask(self, pattern: str, profiles: OrganProfiles) -> np.ndarray:
        """One boolean per organ of ``profiles``, in its order."""
        chosen = self.planted(pattern)
        return np.asarray([c in chosen for c in profiles.codes], dtype=bool)


NOTHING = GamingPlan({p: frozenset() for p in PATTERNS})


def plan_for(profiles: OrganProfiles, seed: int) -> GamingPlan:
    """The organs each pattern is planted in, from the seed alone (its own random stream)."""
    rng = np.random.default_rng([seed, 4])
    level = profiles.organs["level"].to_numpy()
    grassroots = np.flatnonzero(level == 4)
    vol = profiles.volume[grassroots]
    low, high = np.quantile(vol, VOLUME_BAND)
    eligible = grassroots[(vol >= low) & (vol <= high)]
    picked = rng.choice(eligible, size=len(PATTERNS) * ORGANS_PER_PATTERN, replace=False)
    codes = profiles.codes
    return GamingPlan(
        {
            p: frozenset(str(c) for c in codes[picked[k :: len(PATTERNS)]])
            for k, p in enumerate(PATTERNS)
        }
    )


def gaming_plan(seed: int = 7) -> GamingPlan:
    """The plan ``generate_dataset(seed=seed)`` plants (with the default ``plant=True``)."""
    from kaoping.model.reference import load_organs
    from kaoping.synth.profiles import build_profiles

    profiles = build_profiles(load_organs(), np.random.default_rng([seed, 0]))
    return plan_for(profiles, seed)


def _year_end_before(days: np.ndarray) -> np.ndarray:
    """Days-since-epoch of 31 December of the year before each date."""
    year_start = days.astype("datetime64[D]").astype("datetime64[Y]").astype("datetime64[D]")
    return np.asarray(year_start.astype(np.int64) - 1)


def pull_into_year_end(
    draws: np.ndarray,
    received: np.ndarray,
    concluded: np.ndarray,
    planted: np.ndarray,
    first_day: int,
) -> np.ndarray:
    """Conclusions of planted persons due just after a year end, moved before it.

    ``draws``: two uniform numbers per person, shared by the suspects of a case, so that a
    case is rushed (or left to the deadline) as a whole, on one day."""
    chance, day = draws
    d = concluded.astype(np.int64)
    year_end = _year_end_before(d).astype(np.int64)
    offset = (day * RUSH_LAST_DAYS).astype(np.int64)
    # a case can only be concluded once received: those received in the last days are
    # concluded between their receipt and the year end
    new = np.maximum(year_end - offset, received)
    move = (
        planted
        & (d - year_end <= RUSH_AFTER_DAYS)
        & (year_end >= first_day)
        & (received <= year_end)
        & (chance < RUSH_SHARE)
    )
    out = np.where(move, new, d)
    # ... and work left to the deadline: conclusions due in the weeks before those last
    # days slip into them
    this_end = np.where(move, -1, _year_end_after(d))
    to_go = this_end - d
    late = (
        planted
        & (this_end >= 0)
        & (to_go >= RUSH_LAST_DAYS)
        & (to_go < RUSH_LAST_DAYS + RUSH_BEFORE_DAYS)
        & (chance > 1.0 - RUSH_LATE_SHARE)
    )
    return np.asarray(np.where(late, this_end - offset, out))


def _year_end_after(days: np.ndarray) -> np.ndarray:
    """Days-since-epoch of 31 December of each date's own year."""
    year = days.astype("datetime64[D]").astype("datetime64[Y]")
    return np.asarray((year + 1).astype("datetime64[D]").astype(np.int64) - 1)


def _half_end_on_or_after(days: np.ndarray) -> np.ndarray:
    """Days-since-epoch of the 30 June or 31 December closing each date's half-year."""
    dates = days.astype("datetime64[D]")
    months = dates.astype("datetime64[M]")
    month_no = (months.astype(np.int64) % 12) + 1
    close = months + np.where(month_no <= 6, 6 - month_no, 12 - month_no)
    return np.asarray((close + 1).astype("datetime64[D]").astype(np.int64) - 1)


def hold_over_half_end(draws: np.ndarray, concluded: np.ndarray, planted: np.ndarray) -> np.ndarray:
    """Conclusions of planted persons due in a half-year's last days, held into the next
    (``draws`` as for :func:`pull_into_year_end`: a case is held as a whole)."""
    chance, day = draws
    d = concluded.astype(np.int64)
    half_end = _half_end_on_or_after(d).astype(np.int64)
    move = planted & (half_end - d < HOLD_LAST_DAYS) & (chance < HOLD_SHARE)
    return np.asarray(np.where(move, half_end + 1 + (day * HOLD_INTO_DAYS).astype(np.int64), d))


__all__ = [
    "NOTHING",
    "PATTERNS",
    "GamingPlan",
    "gaming_plan",
    "hold_over_half_end",
    "plan_for",
    "pull_into_year_end",
]
