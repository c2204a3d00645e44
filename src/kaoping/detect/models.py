"""What a detector reports: one possible gaming pattern in one organ and period."""

from __future__ import annotations

from pydantic import BaseModel, Field, TypeAdapter

#: at most this many record ids travel with a detection; ``record_count`` says how many
MAX_RECORDS = 200


class Detection(BaseModel):
    """A flag for a reviewer, not a finding: the numbers behind it and the records it rests on.

    ``p_value`` is the chance of a pattern at least this strong in an organ that behaves
    like its baseline; ``q_value`` the Benjamini-Hochberg adjusted value across every organ
    (and measure) the detector tested, so that about ``q`` of flags at that level are false.
    """

    detector: str
    organ_code: str
    organ_name: str = ""
    organ_name_en: str = ""
    period: str
    measure: str | None = None  # for detectors run on several rates
    p_value: float
    q_value: float
    #: the figures the flag rests on, by name (counts, shares, the baseline it was held to)
    figures: dict[str, float | int | None] = Field(default_factory=dict)
    summary_zh: str
    summary_en: str
    #: what the records are (which persons), in both languages
    records_zh: str = ""
    records_en: str = ""
    record_table: str = "persons"
    record_ids: list[str] = Field(default_factory=list)
    record_count: int = 0


#: a list of detections as JSON and back: how the render process hands a period's
#: detections to the server (kaoping.web.renderpool, kaoping.web.detect_routes)
DETECTIONS_JSON: TypeAdapter[list[Detection]] = TypeAdapter(list[Detection])
