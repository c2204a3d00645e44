"""Organ profiles: how much each procuratorate handles and how it differs from the rest.

Volumes follow province population, then urban districts over rural counties, with
lognormal spread, so big-city districts handle many times what a remote county does.
Practice effects are nested (province + municipality + own), so neighbours resemble each
other, and a few organs are outliers -- that is what makes rankings and warnings mean
something on generated data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kaoping.synth.calibration import PROVINCE_POPULATION

#: share of a municipality's volume its own (level 3) procuratorate handles, first-instance
#: cases of the intermediate courts; and the same for provincial organs
OWN_SHARE = {1: 0.0, 2: 0.003, 3: 0.05, 4: 1.0}

#: the practice effects each organ carries, on the logit (or log) scale
EFFECTS = (
    "non_arrest",
    "non_prosecution",
    "conditional",
    "detention",
    "plea",
    "returns",
    "extensions",
    "days",
    "rush",
    "reply",
    "adoption",
    "verification",
    "quality",
)


@dataclass(frozen=True)
class OrganProfiles:
    organs: pd.DataFrame  # the reference organs, in a fixed order
    volume: np.ndarray  # share of national persons handled, sums to 1
    effects: dict[str, np.ndarray]  # effect name -> one value per organ
    index: dict[str, int]  # organ_code -> position

    @property
    def codes(self) -> np.ndarray:
        return np.asarray(self.organs["organ_code"].to_numpy(), dtype=object)


def _province_of(organs: pd.DataFrame) -> np.ndarray:
    parent = dict(zip(organs["organ_code"], organs["parent_code"], strict=True))
    level = dict(zip(organs["organ_code"], organs["level"], strict=True))
    out = []
    for code in organs["organ_code"]:
        c = code
        while level[c] > 2:
            c = parent[c]
        out.append(c if level[c] == 2 else "")
    return np.asarray(out, dtype=object)


def build_profiles(organs: pd.DataFrame, rng: np.random.Generator) -> OrganProfiles:
    organs = organs.sort_values("organ_code", kind="stable").reset_index(drop=True)
    n = len(organs)
    level = organs["level"].to_numpy(dtype=np.int64)
    province = _province_of(organs)
    names = organs["name_zh"].astype(str)
    three = organs["three_regions"].to_numpy(dtype=bool)

    # grassroots weights within a province, then scaled to the province's population
    w = rng.lognormal(0.0, 0.55, n)
    w *= np.where(names.str.contains("区人民检察院"), 2.2, 1.0)
    w *= np.where(three, 0.35, 1.0)
    w[level != 4] = 0.0
    volume = np.zeros(n)
    for prov in np.unique(province[level == 4]):
        mask = (province == prov) & (level == 4)
        volume[mask] = w[mask] / w[mask].sum() * PROVINCE_POPULATION.get(prov, 5.0)
    # upper levels handle a share of what their subtree handles
    parent_pos = _parent_positions(organs)
    subtree = volume.copy()
    for lvl in (4, 3):
        for i in np.flatnonzero(level == lvl):
            if parent_pos[i] >= 0:
                subtree[parent_pos[i]] += subtree[i]
    for lvl in (2, 3):
        mask = level == lvl
        volume[mask] = subtree[mask] * OWN_SHARE[lvl]
    volume /= volume.sum()

    effects = {name: _nested_effect(rng, level, parent_pos, n) for name in EFFECTS}
    # a few organs stand out: far more lenient or far stricter than their peers
    outliers = rng.random(n) < 0.04
    for name in ("non_arrest", "non_prosecution", "detention", "returns", "rush"):
        effects[name] = np.where(
            outliers, effects[name] * 3.5 + rng.choice([-0.8, 0.8], n), effects[name]
        )
    index = {code: i for i, code in enumerate(organs["organ_code"])}
    return OrganProfiles(organs=organs, volume=volume, effects=effects, index=index)


def _parent_positions(organs: pd.DataFrame) -> np.ndarray:
    pos = {code: i for i, code in enumerate(organs["organ_code"])}
    return np.asarray(
        [pos.get(p, -1) if isinstance(p, str) and p else -1 for p in organs["parent_code"]],
        dtype=np.int64,
    )


def _nested_effect(
    rng: np.random.Generator, level: np.ndarray, parent_pos: np.ndarray, n: int
) -> np.ndarray:
    """Province + municipality + own effect, so that organs under one parent resemble it."""
    own = rng.normal(0.0, 1.0, n) * np.select([level == 2, level == 3], [0.18, 0.15], 0.22)
    out = own.copy()
    for lvl in (3, 4):  # parents first, so each organ inherits its parent's total
        idx = np.flatnonzero((level == lvl) & (parent_pos >= 0))
        out[idx] += out[parent_pos[idx]]
    return np.asarray(out)
