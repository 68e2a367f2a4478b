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
# What the third-party gate adds to a boot on the all-in-one cloud: nova-api,
# conductor, scheduler, compute and the reference third party as separate
# processes, real QEMU guests (see aio_gate_bench.py). Complements
# gate_bench.py, whose single-process harness puts nova-api's handling of
# the verdict event on the same interpreter as the build it unblocks.
#
# Usage (as root, with the cloud up):
#   AIO_KEEP=1 AIO_SKIP_SMOKE=1 AIO_SKIP_TEMPEST=1 tools/aio/run.sh
#   benchmarks/aio_gate_bench.sh [ROUNDS]     (default 20)
#   tools/aio/teardown.sh
#
# It gates only a flavor of its own while it runs (the selector
# [third_party_gate] flavor_extra_spec), restarting nova-compute, and runs
# the reference third party in sync mode, then async mode, with no delay;
# it puts the deployed configuration back when it ends.

set -o errexit
set -o nounset
set -o pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../tools/aio/common.sh"
ROUNDS=${1:-20}
BIN=$AIO_VENV/bin
CPU_CONF=$AIO_ETC/nova/nova-cpu.conf
aio_running nova-api || aio_die "no cloud: run AIO_KEEP=1 AIO_SKIP_SMOKE=1 AIO_SKIP_TEMPEST=1 tools/aio/run.sh first"

# set_selector VALUE: write (or, with '', remove) the flavor selector and
# restart nova-compute.
set_selector() {
    "$BIN/python" - "$CPU_CONF" "$1" <<'PY'
import configparser, sys
path, value = sys.argv[1:]
conf = configparser.RawConfigParser(interpolation=None, strict=False)
conf.optionxform = str
conf.read(path)
if value:
    conf.set('third_party_gate', 'flavor_extra_spec', value)
else:
    conf.remove_option('third_party_gate', 'flavor_extra_spec')
with open(path, 'w') as f:
    conf.write(f)
PY
    aio_stop nova-compute
    aio_start nova-compute "$BIN/nova-compute" --config-file "$CPU_CONF"
    "$BIN/python" "$AIO_TOOLS/aio_setup.py" wait-compute
}

# reference MODE DELAY: restart the reference third party.
reference() {
    aio_stop nova-ext-gate
    aio_start_reference "$1" "$2"
}

restore() {
    set_selector '' >/dev/null
    reference "$AIO_GATE_REFERENCE_MODE" "$AIO_GATE_DELAY" >/dev/null
}
trap restore EXIT

set_selector 'third_party_gate:enabled=true' >/dev/null
echo "Median time to launch on the all-in-one cloud, $ROUNDS boots each:"
for mode in sync async; do
    reference "$mode" 0 >/dev/null
    echo " reference third party in $mode mode:"
    "$BIN/python" "$AIO_REPO/benchmarks/aio_gate_bench.py" \
        --rounds "$ROUNDS" --label "gate on ($mode)"
done
