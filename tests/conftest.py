"""Settings every test shares."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _compiled_definitions_apart(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The compiled model and catalogues (:mod:`kaoping.compiled`) of a test run -- and of
    the processes its tests start -- are kept in a directory of its own, not the user's."""
    os.environ["KAOPING_CACHE_DIR"] = str(tmp_path_factory.mktemp("kaoping-cache"))
