"""Post-holding prosecutors, spread over organs in proportion to the persons they handle."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from kaoping.synth.persons import ProsecutorIndex
from kaoping.synth.profiles import OrganProfiles

#: ~67,000 post-holding prosecutors nationwide; fewer when a small dataset is asked for
NATIONAL_PROSECUTORS = 67_000
#: persons a criminal prosecutor concludes in a year, roughly
PERSONS_PER_PROSECUTOR_YEAR = 35

CRIMINAL_DEPARTMENTS = np.array(
    ["ordinary_crime", "serious_crime", "economic_crime", "duty_crime", "comprehensive"]
)
CRIMINAL_P = np.array([0.55, 0.2, 0.15, 0.05, 0.05])


def build_prosecutors(
    profiles: OrganProfiles, persons_per_year: float, rng: np.random.Generator
) -> tuple[pa.Table, ProsecutorIndex]:
    n_organs = len(profiles.volume)
    total = int(
        np.clip(persons_per_year / PERSONS_PER_PROSECUTOR_YEAR, 2 * n_organs, NATIONAL_PROSECUTORS)
    )
    criminal = np.maximum(1, np.round(profiles.volume * total * 0.8)).astype(np.int64)
    level = profiles.organs["level"].to_numpy()
    criminal[level == 1] = 0  # the SPP concludes no persons here
    minors = np.where(level >= 3, np.maximum(1, np.round(criminal * 0.06)), 0).astype(np.int64)
    others = np.maximum(1, np.round(criminal * 0.12)).astype(np.int64)
    ids: list[str] = []
    organ_codes: list[str] = []
    departments: list[str] = []
    names: list[str] = []
    crim_start = np.zeros(n_organs, dtype=np.int64)
    minors_start = np.zeros(n_organs, dtype=np.int64)
    for i, code in enumerate(profiles.codes):
        k = 0

        def add(department: str, code: str = code) -> None:
            nonlocal k
            k += 1
            ids.append(f"P{code}{k:04d}")
            organ_codes.append(code)
            departments.append(department)
            names.append(f"检察官{len(ids):06d}")

        crim_start[i] = len(ids)
        for dep in rng.choice(CRIMINAL_DEPARTMENTS, size=int(criminal[i]), p=CRIMINAL_P):
            add(str(dep))
        minors_start[i] = len(ids)
        for _ in range(int(minors[i])):
            add("minors")
        for dep in rng.choice(
            ["public_interest", "civil_administrative"], size=int(others[i]), p=[0.6, 0.4]
        ):
            add(str(dep))
    table = pa.table(
        {
            "prosecutor_id": ids,
            "organ_code": organ_codes,
            "department": departments,
            "display_name": names,
        }
    )
    index = ProsecutorIndex(
        np.asarray(ids, dtype=object), crim_start, criminal, minors_start, minors
    )
    return table, index
