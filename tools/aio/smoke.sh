#!/bin/bash
#
# Host-level checks of the third-party gate on the all-in-one cloud (see
# smoke.py): PAUSED while gated, RUNNING once approved, nothing left
# behind by a rejected server.
#
# Usage: tools/aio/smoke.sh        (after tools/aio/deploy.sh)

set -o errexit
set -o nounset
set -o pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ -f $AIO_ETC/clouds.yaml ]] || aio_die "no cloud: run tools/aio/deploy.sh first"
exec "$AIO_VENV/bin/python" "$AIO_TOOLS/smoke.py" "$@"
