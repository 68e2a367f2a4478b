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
# One entry point for CI: deploy the all-in-one cloud, run the host-level
# checks (tools/aio/smoke.py) and the tempest plugin against it, tear it
# down, print where the logs are and how long each part took. Exits
# non-zero when any part failed.
#
# Usage: tools/aio/run.sh            (as root)
# Env:   AIO_KEEP=1        leave the cloud running afterwards
#        AIO_SKIP_TEMPEST=1 / AIO_SKIP_SMOKE=1   skip a part
#        AIO_TEMPEST_REGEX  tests to run (default: ^nova_ext_tempest_plugin\.,
#                           the regex of the nova-ext-tempest Zuul job)

set -o nounset
set -o pipefail

TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$TOOLS/common.sh"

START=$(date +%s)
declare -A DURATION RESULT

part() {
    local name=$1 t0 rc
    shift
    t0=$(date +%s)
    echo "==== $name"
    "$@"
    rc=$?
    DURATION[$name]=$(( $(date +%s) - t0 ))
    RESULT[$name]=$rc
    return $rc
}

finish() {
    if [[ ${AIO_KEEP:-0} != 1 ]]; then
        part teardown bash "$TOOLS/teardown.sh"
    fi
    echo "==== summary"
    local name
    for name in deploy smoke tempest teardown; do
        [[ -n ${RESULT[$name]:-} ]] || continue
        printf '%-10s %-6s %5ss\n' "$name" \
            "$([[ ${RESULT[$name]} -eq 0 ]] && echo ok || echo FAILED)" \
            "${DURATION[$name]}"
    done
    echo "total      $(( $(date +%s) - START ))s"
    aio_print_logs
}
trap finish EXIT

rc=0
if ! part deploy bash "$TOOLS/deploy.sh"; then
    echo "deploy failed; service logs below" >&2
    exit 1
fi
if [[ ${AIO_SKIP_SMOKE:-0} != 1 ]]; then
    part smoke bash "$TOOLS/smoke.sh" || rc=1
fi
if [[ ${AIO_SKIP_TEMPEST:-0} != 1 ]]; then
    part tempest bash "$TOOLS/run-tempest.sh" \
        "${AIO_TEMPEST_REGEX:-^nova_ext_tempest_plugin\.}" || rc=1
fi
exit $rc
