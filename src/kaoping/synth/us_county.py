"""A synthetic dataset for the US county model (``model/examples/us_county.yaml``).

One fictional state with a few county offices, each with a felony and a misdemeanour
unit; defendants referred by police agencies go through intake (approved, rejected,
diverted, or sent back), initiation in court, disposition charge by charge and
sentencing. Rates differ by office (some decline more, some dismiss more) so that
comparisons and breakdowns have something to show. Every name and id is made up; the
tables are written in the model's column names, as ``kaoping import`` reads them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from kaoping.model.schema import TABLES, ColumnType
from kaoping.synth import Format, Progress, _from_frame, _Writer, arrow_schema

__all__ = ["MODEL_NAME", "generate_us_county"]

#: the ``model:`` name of the file this generator writes for
MODEL_NAME = "us_county"

STATE = ("ST", "State of Example")
COUNTIES = (
    ("C01", "Adams County"),
    ("C02", "Baker County"),
    ("C03", "Clark County"),
    ("C04", "Dale County"),
)
UNITS = (("FEL", "Felony Trial Unit"), ("MIS", "Misdemeanor Unit"))

OFFENSES = ("person", "property", "drug", "weapons", "dui", "public_order", "other")
OFFENSE_P = (0.18, 0.24, 0.2, 0.08, 0.1, 0.14, 0.06)
FELONY = ("murder", "class_x", "class_1", "class_2", "class_3", "class_4")
FELONY_P = (0.01, 0.07, 0.12, 0.2, 0.25, 0.35)
MISDEMEANOR = ("misdemeanor_a", "misdemeanor_b", "misdemeanor_c")
MISDEMEANOR_P = (0.6, 0.3, 0.1)
SEX = ("male", "female", "unknown")
SEX_P = (0.78, 0.2, 0.02)
RACE = ("white", "black", "hispanic", "asian", "native_american", "other", "unknown")
RACE_P = (0.38, 0.33, 0.18, 0.04, 0.02, 0.02, 0.03)
AGENCIES = ("State Police", "County Sheriff", "City Police Department", "Transit Police")
DISPOSITIONS = (
    "plea_guilty",
    "verdict_guilty",
    "verdict_not_guilty",
    "dismissed",
    "nolle_prosequi",
    "diverted",
    "other",
)
SENTENCES = ("prison", "jail", "probation", "conditional_discharge", "fine", "other")
SENTENCE_P = (0.25, 0.15, 0.4, 0.08, 0.1, 0.02)


def _offices() -> pd.DataFrame:
    rows: list[tuple[str, str | None, int, str]] = [(STATE[0], None, 1, STATE[1])]
    for code, name in COUNTIES:
        rows.append((code, STATE[0], 2, name))
        rows += [(f"{code}-{u}", code, 3, f"{name} {label}") for u, label in UNITS]
    return pd.DataFrame(rows, columns=["office_code", "parent_code", "level", "office_name"])


def _pick(
    rng: np.random.Generator, values: tuple[str, ...], p: tuple[float, ...], n: int
) -> np.ndarray:
    weights = np.asarray(p) / sum(p)
    return np.asarray(values, dtype=object)[rng.choice(len(values), size=n, p=weights)]


def _days(start: np.ndarray, days: np.ndarray) -> np.ndarray:
    out: np.ndarray = start + days.astype("timedelta64[D]")
    return out


def _intake(rng: np.random.Generator, n: int, years: range, units: list[str]) -> pd.DataFrame:
    first = np.datetime64(dt.date(years.start, 1, 1), "D")
    span = (np.datetime64(dt.date(years.stop, 1, 1), "D") - first).astype(int)
    office = np.asarray(units, dtype=object)[rng.integers(0, len(units), n)]
    felony_unit = np.char.endswith(office.astype(str), "-FEL")
    # an office's own habit: its decline and diversion propensity
    lean = {u: rng.uniform(0.6, 1.6) for u in units}
    lean_v = np.array([lean[o] for o in office])
    klass = np.where(
        felony_unit, _pick(rng, FELONY, FELONY_P, n), _pick(rng, MISDEMEANOR, MISDEMEANOR_P, n)
    )
    p_reject = np.clip(0.12 * lean_v, 0, 0.5)
    p_divert = np.where(felony_unit, 0.04, 0.14)
    u = rng.random(n)
    decision = np.where(
        u < p_reject,
        "rejected",
        np.where(
            u < p_reject + p_divert,
            "diverted",
            np.where(u < 0.95, "approved", "further_investigation"),
        ),
    ).astype(object)
    received = _days(np.full(n, first), rng.integers(0, span, n))
    decided = _days(received, rng.geometric(0.15, n))
    pending = rng.random(n) < 0.03
    decision[pending] = None
    # several defendants of one case: every fifth defendant joins the case before him
    case = np.arange(n)
    joins = (rng.random(n) < 0.2) & (case > 0)
    case[joins] = case[joins] - 1
    sex = _pick(rng, SEX, SEX_P, n)
    sex[rng.random(n) < 0.01] = None
    return pd.DataFrame(
        {
            "case_participant_id": [f"P{i:07d}" for i in range(n)],
            "case_id": [f"K{c:07d}" for c in case],
            "office_code": office,
            "received": received,
            "police_agency": _pick(rng, AGENCIES, (0.3, 0.3, 0.35, 0.05), n),
            "offense_category": _pick(rng, OFFENSES, OFFENSE_P, n),
            "felony_class": klass,
            "sex": sex,
            "race": _pick(rng, RACE, RACE_P, n),
            "age_at_incident": rng.integers(16, 75, n),
            "decision": decision,
            "decided": pd.Series(decided).where(~pending, pd.NaT),
        }
    )


def _initiation(rng: np.random.Generator, intake: pd.DataFrame) -> pd.DataFrame:
    filed = intake[intake["decision"] == "approved"].reset_index(drop=True)
    n = len(filed)
    return pd.DataFrame(
        {
            "case_participant_id": filed["case_participant_id"],
            "case_id": filed["case_id"],
            "office_code": filed["office_code"],
            "arraigned": _days(filed["decided"].to_numpy("datetime64[D]"), rng.integers(3, 45, n)),
            "offense_category": filed["offense_category"],
            "sex": filed["sex"],
            "race": filed["race"],
            "initiation_type": _pick(
                rng, ("indictment", "information", "direct_file"), (0.5, 0.4, 0.1), n
            ),
            "charge_offense": filed["offense_category"].str.replace("_", " ").str.title()
            + " offense",
            "charge_count": rng.choice([1, 1, 1, 2, 2, 3], n),
            "felony_class": filed["felony_class"],
            "in_custody": rng.random(n) < 0.3,
            "courthouse": filed["office_code"].str[:3] + " Courthouse",
            "received": filed["received"],
        }
    )


def _disposition(
    rng: np.random.Generator, initiation: pd.DataFrame, end: np.datetime64
) -> pd.DataFrame:
    lean = {u: rng.uniform(0.5, 1.8) for u in initiation["office_code"].unique()}
    # a defendant's charges are disposed of together, some months after arraignment
    initiation = initiation.assign(delay=(rng.gamma(2.0, 80.0, len(initiation)) + 1).astype(int))
    per = initiation.loc[initiation.index.repeat(initiation["charge_count"])].copy()
    per["charge_no"] = per.groupby("case_participant_id").cumcount() + 1
    n = len(per)
    dismiss = np.clip(0.1 * per["office_code"].map(lean).to_numpy(float), 0, 0.4)
    u = rng.random(n)
    rest = _pick(
        rng,
        ("plea_guilty", "verdict_guilty", "verdict_not_guilty", "diverted", "other"),
        (0.78, 0.07, 0.04, 0.08, 0.03),
        n,
    )
    kind = np.where(u < dismiss * 0.4, "dismissed", np.where(u < dismiss, "nolle_prosequi", rest))
    arraigned = per["arraigned"].to_numpy("datetime64[D]")
    disposed = _days(arraigned, per["delay"].to_numpy())
    out = pd.DataFrame(
        {
            "case_participant_id": per["case_participant_id"].to_numpy(),
            "charge_id": per["charge_no"].astype(str).to_numpy(),
            "office_code": per["office_code"].to_numpy(),
            "offense_category": per["offense_category"].to_numpy(),
            "felony_class": per["felony_class"].to_numpy(),
            "primary_charge": (per["charge_no"] == 1).to_numpy(),
            "disposition_type": kind,
            "received": per["received"].to_numpy("datetime64[D]"),
            "disposed": disposed,
            "sex": per["sex"].to_numpy(),
            "race": per["race"].to_numpy(),
            "courthouse": per["courthouse"].to_numpy(),
        }
    )
    missing = rng.random(n) < 0.02  # a referral date the court's record lacks
    out["received"] = pd.Series(out["received"]).where(~missing, pd.NaT)
    return out[out["disposed"] < end].reset_index(drop=True)


def _sentencing(
    rng: np.random.Generator, disposition: pd.DataFrame, end: np.datetime64
) -> pd.DataFrame:
    guilty = disposition[disposition["disposition_type"].isin(["plea_guilty", "verdict_guilty"])]
    n = len(guilty)
    kind = _pick(rng, SENTENCES, SENTENCE_P, n)
    custody = np.isin(kind, ["prison", "jail"])
    days = np.where(kind == "prison", rng.integers(365, 3650, n), rng.integers(10, 364, n))
    fine = np.round(rng.uniform(100, 2500, n), 2)
    out = pd.DataFrame(
        {
            "case_participant_id": guilty["case_participant_id"].to_numpy(),
            "charge_id": guilty["charge_id"].to_numpy(),
            "office_code": guilty["office_code"].to_numpy(),
            "sentenced": _days(
                guilty["disposed"].to_numpy("datetime64[D]"), rng.integers(0, 40, n)
            ),
            "sentence_type": kind,
            "commitment_days": [int(d) if c else None for d, c in zip(days, custody, strict=True)],
            "fine_amount": pd.Series(fine).where(kind == "fine").to_numpy(),
            "courthouse": guilty["courthouse"].to_numpy(),
        }
    )
    return out[out["sentenced"] < end].reset_index(drop=True)


def generate_us_county(
    out: Path,
    *,
    defendants: int,
    years: range,
    seed: int = 7,
    fmt: Format = "csv",
    progress: Progress | None = None,
) -> dict[str, Path]:
    """Write the US county model's tables to ``out`` (the active model must be it);
    returns table name -> file. The same seed gives the same files."""
    missing = [
        t
        for t in ("offices", "intake", "initiation", "disposition", "sentencing")
        if t not in TABLES
    ]
    if missing:
        raise ValueError(
            f"the active data model lacks the US county tables {', '.join(missing)}; "
            "run with --model src/kaoping/model/examples/us_county.yaml"
        )
    if defendants < 1:
        raise ValueError("defendants must be at least 1")
    rng = np.random.default_rng([seed, 15])
    end = np.datetime64(dt.date(years.stop, 1, 1), "D")
    offices = _offices()
    units = [c for c, lv in zip(offices["office_code"], offices["level"], strict=True) if lv == 3]
    intake = _intake(rng, defendants, years, units)
    initiation = _initiation(rng, intake)
    disposition = _disposition(rng, initiation, end)
    sentencing = _sentencing(rng, disposition, end)
    initiation = initiation[initiation["arraigned"] < end]
    frames = {
        "offices": offices,
        "intake": intake,
        "initiation": initiation,
        "disposition": disposition,
        "sentencing": sentencing,
    }
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, frame in frames.items():
        table = TABLES[name]
        frame = frame.reset_index(drop=True)
        for col in table.columns:
            if col.type is ColumnType.DATE:  # Arrow's date32 takes dates, not Timestamps
                frame[col.name] = pd.to_datetime(frame[col.name]).dt.date.astype(object)
            elif col.type is ColumnType.DECIMAL:  # and decimal128 takes Decimals
                frame[col.name] = [
                    None if pd.isna(v) else Decimal(f"{v:.2f}") for v in frame[col.name]
                ]
        data: pa.Table = _from_frame(frame, table)
        paths[name] = out / f"{name}.{fmt}"
        writer = _Writer(paths[name], arrow_schema(table), fmt)
        writer.write(data)
        writer.close()
        if progress:
            progress(name, data.num_rows, data.num_rows)
    return paths
