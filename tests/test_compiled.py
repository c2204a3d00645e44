"""The data model and catalogues kept compiled on disk (:mod:`kaoping.compiled`, issue 12).

What is read back must be what checking the files again gives; every change to a file
read gives a fresh check; a broken or unwritable cache is no error.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from kaoping import compiled
from kaoping.catalogue import CatalogueError, load_catalogue
from kaoping.catalogue.load import check_files
from kaoping.model.load import load_model
from kaoping.model.selection import DEFAULT_FILE, default_model


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv(compiled.ENV, str(where))
    return where


def _entries(cache: Path, kind: str) -> list[Path]:
    return sorted(cache.glob(f"{kind}-*.pickle")) if cache.exists() else []


def _extra(path: Path, name_en: str) -> Path:
    """A catalogue file of one indicator: a default one under another id and name."""
    base = check_files().catalogue.get("non_arrest_rate")
    item = {**base.model_dump(mode="json", exclude_none=True), "id": "copied_rate",
            "name_en": name_en}
    path.write_text(yaml.safe_dump({"indicators": [item]}, allow_unicode=True), "utf-8")
    return path


def test_a_kept_catalogue_is_the_checked_one(cache: Path) -> None:
    first = load_catalogue()
    assert len(_entries(cache, "catalogue")) == 1
    assert cache.stat().st_mode & 0o777 == 0o700  # pickles run code: the owner's alone
    again = load_catalogue()  # read back
    checked = check_files().catalogue  # the files checked anew, never kept
    assert again == checked and first == checked
    assert again.warnings == checked.warnings and again.sources == checked.sources


def test_a_changed_file_is_checked_again(cache: Path, tmp_path: Path) -> None:
    extra = _extra(tmp_path / "extra.yaml", "Copied rate")
    assert load_catalogue([extra]).get("copied_rate").name_en == "Copied rate"
    _extra(extra, "Renamed rate")
    assert load_catalogue([extra]).get("copied_rate").name_en == "Renamed rate"
    assert len(_entries(cache, "catalogue")) == 2


def test_a_catalogue_with_errors_is_not_kept(cache: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("indicators:\n  - id: broken\n", "utf-8")
    for _ in range(2):
        with pytest.raises(CatalogueError):
            load_catalogue([bad])
    assert _entries(cache, "catalogue") == []


def test_a_corrupt_entry_is_made_again(cache: Path) -> None:
    load_catalogue()
    (entry,) = _entries(cache, "catalogue")
    entry.write_bytes(b"not a pickle")
    assert load_catalogue() == check_files().catalogue
    assert entry.read_bytes() != b"not a pickle"


@pytest.mark.parametrize("setting", ["off", "file"])
def test_no_cache_is_no_error(
    setting: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way", "utf-8")
    monkeypatch.setenv(compiled.ENV, "off" if setting == "off" else str(blocker / "cache"))
    assert load_catalogue() == check_files().catalogue
    assert compiled.cache_dir() is None or not compiled.cache_dir().exists()  # type: ignore[union-attr]


def test_the_kept_default_model_is_the_loaded_one(cache: Path) -> None:
    made = compiled.compiled(
        "model", compiled.file_digest([DEFAULT_FILE]), lambda: load_model(DEFAULT_FILE)
    )
    kept = compiled.compiled("model", compiled.file_digest([DEFAULT_FILE]), lambda: None)
    assert kept == made == load_model(DEFAULT_FILE) == default_model()


def test_an_edit_to_the_code_changes_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key covers the code that checks definitions, not only the files checked."""
    package = tmp_path / "kaoping"
    (package / "catalogue").mkdir(parents=True)
    source = package / "catalogue" / "validate.py"
    source.write_text("RULES = 1\n", "utf-8")
    monkeypatch.setattr(compiled, "_PACKAGE", package)
    monkeypatch.setattr(compiled, "_SOURCES", (package / "catalogue",))
    stamps = []
    for edit in ("RULES = 1\n", "RULES = 2\n", "RULES = 3\n"):
        compiled.code_stamp.cache_clear()
        source.write_text(edit, "utf-8")
        os.utime(source, ns=(len(stamps) * 10**9, len(stamps) * 10**9))
        stamps.append(compiled.code_stamp())
    compiled.code_stamp.cache_clear()
    assert len(set(stamps)) == 3
