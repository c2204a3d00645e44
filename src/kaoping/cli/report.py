"""Commands for this area (filled in by its owner)."""

from __future__ import annotations

from kaoping.cli.app import app  # noqa: F401
