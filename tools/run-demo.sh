#!/usr/bin/env bash
# The nova-ext demo on Nova's in-process cloud: an approved, a rejected and
# a timed-out boot, then test1, sample1, test2. Needs no root and no
# services: tools/bootstrap.sh prepares .venv, Nova's functional harness
# does the rest.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
"$REPO/tools/bootstrap.sh" > /dev/null
VENV=${NOVA_EXT_VENV:-$REPO/.venv}
cd "$REPO"
exec "$VENV/bin/python" tools/demo.py "$@"
