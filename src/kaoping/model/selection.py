"""Which data model is in force: the default one, or the file ``KAOPING_MODEL`` names.

Every part of kaoping that reads the model (the importer, the warehouse, the catalogue
checker, the docs generator) asks :func:`active`, so pointing ``KAOPING_MODEL`` (or the
command line's ``--model``) at a file changes them all at once. :func:`use_model` sets the
model for a block of code, for tests and programs that hold a model object.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from kaoping.model.types import DataModel

ENV = "KAOPING_MODEL"
#: the model shipped with kaoping, and the name that chooses it
DEFAULT_FILE = Path(__file__).parent / "default" / "model.yaml"
DEFAULT_NAME = "default"

_lock = threading.Lock()
_chosen: list[DataModel] = []  # a stack: use_model() blocks nest
_from_env: dict[str, DataModel] = {}  # the env's value -> its model, read once


@cache
def default_model() -> DataModel:
    """The model shipped with kaoping (``kaoping/model/default/model.yaml``), kept
    compiled (:mod:`kaoping.compiled`): then neither the loader nor PyYAML is imported."""
    from kaoping.compiled import compiled, file_digest

    def load() -> DataModel:
        from kaoping.model.load import load_model

        return load_model(DEFAULT_FILE)

    return compiled("model", file_digest([DEFAULT_FILE]), load)


def model_from(source: DataModel | Path | str | None) -> DataModel:
    """A model given as an object, a file, ``default`` or nothing (the default)."""
    from kaoping.model.load import load_model

    if isinstance(source, DataModel):
        return source
    if source is None or str(source).strip() in ("", DEFAULT_NAME):
        return default_model()
    return load_model(Path(source))


def active() -> DataModel:
    """The model in force: the innermost :func:`use_model`, else ``KAOPING_MODEL``'s.

    Read from the environment directly (as ``KAOPING_RESULTS`` is, see
    :func:`kaoping.warehouse.results_dir`): every lookup of a table asks, so it must cost
    a dictionary read, not the settings machinery. Raises
    :class:`kaoping.model.errors.ModelError` when the file named has mistakes.
    """
    if _chosen:
        return _chosen[-1]
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return default_model()
    model = _from_env.get(raw)
    if model is None:
        with _lock:
            model = _from_env.setdefault(raw, model_from(raw))
    return model


@contextmanager
def use_model(source: DataModel | Path | str | None) -> Iterator[DataModel]:
    """Make ``source`` the active model inside the block."""
    model = model_from(source)
    _chosen.append(model)
    try:
        yield model
    finally:  # by identity: two reads of one file are equal models, not the same block's
        del _chosen[max(i for i, m in enumerate(_chosen) if m is model)]
