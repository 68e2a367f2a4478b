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
# Check that nova_ext_tempest_plugin loads in tempest from PyPI: the plugin is
# listed, its tests are discovered with an idempotent id each, and without
# [service_available] nova_ext every test class skips itself; its events
# client works against a loopback HTTP server (check_events_client.py).
#
# tempest goes into its own venv (TEMPEST_VENV, default .tempest-venv in the
# repository), not into the venv of nova_ext's tests.
#
# Usage: tests/tempest_plugin/check-tempest-plugin.sh

set -o errexit
set -o nounset
set -o pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
VENV=${TEMPEST_VENV:-$REPO/.tempest-venv}
PYTHON=${PYTHON:-python3}

if [[ ! -x $VENV/bin/tempest ]]; then
    $PYTHON -m venv "$VENV"
    if ! "$VENV/bin/pip" install -q -c "$REPO/constraints.txt" tempest; then
        echo "tempest conflicts with constraints.txt; installing it alone"
        "$VENV/bin/pip" install -q tempest
    fi
fi
# The plugin only needs tempest; nova_ext's own requirements stay out.
"$VENV/bin/pip" install -q --no-deps -e "$REPO"

WORKSPACE=$(mktemp -d)
trap 'rm -rf "$WORKSPACE"' EXIT
"$VENV/bin/tempest" init --workspace-path "$WORKSPACE/workspace.yaml" \
    "$WORKSPACE/ws" > /dev/null
cd "$WORKSPACE/ws"

"$VENV/bin/tempest" list-plugins | tee "$WORKSPACE/plugins"
grep -q 'nova_ext_tempest_plugin.plugin:NovaExtTempestPlugin' \
    "$WORKSPACE/plugins"

"$VENV/bin/python" -m stestr list nova_ext_tempest_plugin \
    > "$WORKSPACE/tests"
total=$(grep -c '^nova_ext_tempest_plugin\.' "$WORKSPACE/tests" || true)
with_id=$(grep -c '\[id-[0-9a-f-]\{36\}' "$WORKSPACE/tests" || true)
echo "$total tests discovered, $with_id with an idempotent id"
if [[ $total -eq 0 || $total -ne $with_id ]]; then
    echo "FAIL: every test needs @decorators.idempotent_id" >&2
    exit 1
fi
"$VENV/bin/check-uuid" --package nova_ext_tempest_plugin

# Not configured for nova-ext: every class must skip, none may error.
"$VENV/bin/tempest" run --regex '^nova_ext_tempest_plugin\.' \
    > "$WORKSPACE/run" 2>&1 || true
if ! grep -q -- "- Failed: 0" "$WORKSPACE/run" || \
        ! grep -q -- "- Passed: 0" "$WORKSPACE/run" || \
        grep -q -- "- Skipped: 0" "$WORKSPACE/run"; then
    cat "$WORKSPACE/run"
    echo "FAIL: the plugin's tests did not all skip" >&2
    exit 1
fi
"$VENV/bin/python" "$REPO/tests/tempest_plugin/check_events_client.py"
echo "OK: nova_ext_tempest_plugin loads"
