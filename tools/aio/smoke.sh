#!/bin/bash
# Copyright 2026 nova-ext developers
#
#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.

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
