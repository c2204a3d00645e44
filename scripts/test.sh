#!/usr/bin/env bash
# Install kaoping with its test tools, then run the whole test suite.
# This is the README's test command; .ci/run runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
exec python -m pytest -n 2 --dist loadfile -q "$@"
