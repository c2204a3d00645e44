#!/usr/bin/env bash
# Install kaoping with its test tools (and the Debian packages the browser and report tests
# need), then run the whole test suite. This is the README's test command; .ci/run runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-system-deps.sh
python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
exec python -m pytest -n 2 --dist loadfile -q "$@"
