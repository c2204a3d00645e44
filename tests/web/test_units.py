"""Pure pieces: signed tokens, traffic lights and arrows, the secret file."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from kaoping.catalogue.models import Indicator, Measure, Range, ReasonableRange
from kaoping.web import tokens
from kaoping.web.config import SECRET_ENV, resolve_secret, secret_file_for
from kaoping.web.status import status, trend


def test_tokens_round_trip_and_refuse_tampering() -> None:
    t = tokens.issue(b"k", user_id=7, epoch=2, kind="api", ttl=60)
    p = tokens.verify(b"k", t, kind="api")
    assert (p.user_id, p.epoch, p.kind) == (7, 2, "api")
    with pytest.raises(tokens.TokenError, match="invalid"):
        tokens.verify(b"other", t, kind="api")
    with pytest.raises(tokens.TokenError, match="cannot be used"):
        tokens.verify(b"k", t, kind="session")
    for bad in ("", "abc", "abc.def", t + "x", "." + t.split(".")[1]):
        with pytest.raises(tokens.TokenError):
            tokens.verify(b"k", bad, kind="api")
    old = tokens.issue(b"k", user_id=7, epoch=0, kind="api", ttl=-1)
    with pytest.raises(tokens.TokenError, match="expired"):
        tokens.verify(b"k", old, kind="api")
    assert time.time() < p.expires


def test_secret_is_generated_once_beside_the_app_db(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    url = f"sqlite:///{tmp_path / 'app.db'}"
    first = resolve_secret(url)
    assert len(first) >= 32 and resolve_secret(url) == first
    path = secret_file_for(url)
    assert path.parent == tmp_path and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    monkeypatch.setenv(SECRET_ENV, "from-env")
    assert resolve_secret(url) == b"from-env"


def _rate(direction: str, low: float | None, high: float | None) -> Indicator:
    m = Measure(table="persons", date="arrest_review_concluded")
    return Indicator(
        id="r", name_zh="r", name_en="r", definition_zh="d", definition_en="d", unit="rate",
        numerator=m, denominator=m, direction=direction, family="arrest_review", aspect=4,
        reasonable_range=ReasonableRange(default=Range(low=low, high=high),
                                         by_level={4: Range(low=0.5, high=0.6)}),
    )


@pytest.mark.parametrize(
    ("value", "level", "flags", "expected"),
    [
        (0.3, 2, [], "green"),
        (0.11, 2, [], "amber"),  # within a tenth of the range of the low bound
        (0.49, 2, [], "amber"),
        (0.05, 2, ["out_of_range"], "red"),
        (0.3, 2, ["yoy_swing"], "amber"),
        (0.3, 4, ["out_of_range"], "red"),  # the level's own range
        (0.55, 4, [], "green"),
        (None, 2, [], "none"),
    ],
)
def test_traffic_light(value: float | None, level: int, flags: list[str], expected: str) -> None:
    assert status(_rate("higher_is_better", 0.1, 0.5), value, level, flags) == expected


def test_no_range_is_no_light() -> None:
    ind = _rate("higher_is_better", None, None)
    assert status(ind, 0.3, 2, []) == "none"


def test_arrows_judge_by_direction() -> None:
    assert trend(_rate("higher_is_better", 0, 1), 1.5) == {"arrow": "up", "judgement": "better"}
    assert trend(_rate("lower_is_better", 0, 1), 1.5) == {"arrow": "up", "judgement": "worse"}
    assert trend(_rate("lower_is_better", 0, 1), -2)["judgement"] == "better"
    assert trend(_rate("within_range", 0, 1), -2)["judgement"] == "neutral"
    assert trend(_rate("within_range", 0, 1), None)["arrow"] == "none"
    assert trend(_rate("within_range", 0, 1), 0.0)["arrow"] == "flat"
