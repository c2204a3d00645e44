"""The briefing's annex of possible gaming: one plain row per detection, both languages.

The briefing (kaoping.narrative / kaoping.reports) renders these rows as a table; this
module only decides what a reader of a briefing needs: what was seen, how sure, and how
many records a reviewer can open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kaoping.detect.labels import DETECTOR_LABELS

if TYPE_CHECKING:
    import duckdb

    from kaoping.detect.models import Detection
    from kaoping.engine.periods import Period


@dataclass(frozen=True)
class AnnexRow:
    detector: str
    detector_zh: str
    detector_en: str
    organ_code: str
    organ_name: str
    organ_name_en: str
    summary_zh: str
    summary_en: str
    q_value: float
    record_count: int
    records_zh: str
    records_en: str


def annex_rows(detections: list[Detection]) -> list[AnnexRow]:
    rows = []
    for d in detections:
        label = DETECTOR_LABELS[d.detector]
        rows.append(
            AnnexRow(
                detector=d.detector,
                detector_zh=label.name_zh,
                detector_en=label.name_en,
                organ_code=d.organ_code,
                organ_name=d.organ_name,
                organ_name_en=d.organ_name_en,
                summary_zh=d.summary_zh,
                summary_en=d.summary_en,
                q_value=d.q_value,
                record_count=d.record_count,
                records_zh=d.records_zh,
                records_en=d.records_en,
            )
        )
    return rows


def annex(con: duckdb.DuckDBPyConnection, organ: str, period: Period | str) -> list[AnnexRow]:
    """The annex for a briefing on ``organ`` (and the organs below it) in ``period``."""
    from kaoping.detect import detect

    return annex_rows(detect(con, period, organ=organ))
