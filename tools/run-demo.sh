#!/usr/bin/env bash
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
