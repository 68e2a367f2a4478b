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
# What the third-party gate costs on the all-in-one cloud: nova-api,
# conductor, scheduler, compute and the reference third party as separate
# processes, real QEMU guests (see aio_gate_bench.py). Complements
# gate_bench.py, whose single-process harness puts nova-api's handling of
# the verdict event on the same interpreter as the build it unblocks.
#
# One run prints both parts:
#   1. overlap: AIO_BENCH_BOOTS (12) boots in one request, every verdict
#      AIO_BENCH_DELAY (2) s late, [DEFAULT] max_concurrent_builds =
#      AIO_BENCH_BUILDS (4), gate off vs on, nova-compute under native
#      threading, then under eventlet: the added wall time against the goal
#      1.25 x boots / builds x delay, and the most gates open at once;
#   2. latency: ROUNDS (30) rounds of one boot each with the gate off, a
#      synchronous approval and an asynchronous one, interleaved; medians,
#      p90s and ratios against the gate off.
#
# Usage (as root, with the cloud up):
#   AIO_KEEP=1 AIO_SKIP_SMOKE=1 AIO_SKIP_TEMPEST=1 tools/aio/run.sh
#   benchmarks/aio_gate_bench.sh [ROUNDS]
#   tools/aio/teardown.sh
#
# While it runs, nova-compute gates only a flavor of its own (the selector
# [third_party_gate] flavor_extra_spec) and has room for the batch
# ([DEFAULT] cpu_allocation_ratio); it is restarted for each setting. The
# deployed configuration and reference third party are put back at the end.

set -o errexit
set -o nounset
set -o pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../tools/aio/common.sh"
ROUNDS=${1:-30}
BOOTS=${AIO_BENCH_BOOTS:-12}
DELAY=${AIO_BENCH_DELAY:-2}
BUILDS=${AIO_BENCH_BUILDS:-4}
BIN=$AIO_VENV/bin
CPU_CONF=$AIO_ETC/nova/nova-cpu.conf
aio_running nova-api || aio_die "no cloud: run AIO_KEEP=1 AIO_SKIP_SMOKE=1 AIO_SKIP_TEMPEST=1 tools/aio/run.sh first"
cp "$CPU_CONF" "$CPU_CONF.bench-orig"

# compute BACKEND [SECTION OPTION VALUE]...: nova-compute.conf as deployed
# plus these options, then restart nova-compute under BACKEND (threading or
# eventlet) and wait until it reported its resources.
compute() {
    local backend=$1
    shift
    cp "$CPU_CONF.bench-orig" "$CPU_CONF"
    "$BIN/python" - "$CPU_CONF" "$@" <<'PY'
import configparser, sys
path, args = sys.argv[1], sys.argv[2:]
conf = configparser.RawConfigParser(interpolation=None, strict=False)
conf.optionxform = str
conf.read(path)
for section, option, value in zip(args[::3], args[1::3], args[2::3]):
    if section != 'DEFAULT' and not conf.has_section(section):
        conf.add_section(section)
    conf.set(section, option, value)
with open(path, 'w') as f:
    conf.write(f)
PY
    local log=$AIO_LOGS/nova-compute.log lines i
    lines=$(wc -l <"$log")
    aio_stop nova-compute
    if [[ $backend == eventlet ]]; then
        OS_NOVA_DISABLE_EVENTLET_PATCHING=false aio_start nova-compute \
            "$BIN/nova-compute" --config-file "$CPU_CONF"
    else
        OS_NOVA_DISABLE_EVENTLET_PATCHING=true aio_start nova-compute \
            "$BIN/nova-compute" --config-file "$CPU_CONF"
    fi
    # Up once the resource tracker wrote the inventory (new ratios).
    for ((i = 0; i < 240; i++)); do
        tail -n "+$((lines + 1))" "$log" | grep -q 'Final resource view' &&
            return 0
        aio_running nova-compute || aio_die "nova-compute exited; see $log"
        sleep 0.5
    done
    aio_die "nova-compute did not report its resources; see $log"
}

# reference MODE DELAY [ARGS...]: restart the reference third party.
reference() {
    aio_stop nova-ext-gate
    aio_start_reference "$@"
}

restore() {
    cp "$CPU_CONF.bench-orig" "$CPU_CONF"
    compute threading >/dev/null 2>&1 || true
    cp "$CPU_CONF.bench-orig" "$CPU_CONF"
    rm -f "$CPU_CONF.bench-orig"
    reference "$AIO_GATE_REFERENCE_MODE" "$AIO_GATE_DELAY" >/dev/null 2>&1
}
trap restore EXIT

SELECTOR=(third_party_gate flavor_extra_spec 'third_party_gate:enabled=true')
echo "aio_gate_bench.sh on $(hostname), $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "1. Overlap: waiting guests do not serialize one another"
for backend in threading eventlet; do
    compute "$backend" "${SELECTOR[@]}" DEFAULT max_concurrent_builds "$BUILDS" \
        DEFAULT cpu_allocation_ratio 32.0 2>/dev/null
    reference async "$DELAY" 2>/dev/null
    "$BIN/python" "$AIO_REPO/benchmarks/aio_gate_bench.py" overlap \
        --boots "$BOOTS" --delay "$DELAY" --max-builds "$BUILDS" \
        --backend "$backend"
    echo "    (load: $(cut -d' ' -f1-3 /proc/loadavg))"
done
echo "2. Time to ACTIVE, gate off / synchronous / asynchronous approval" \
    "(nova-compute on threading, [third_party_gate] early_verdict_window" \
    "as deployed)"
compute threading "${SELECTOR[@]}" 2>/dev/null
reference async 0 --sync-name '^aio-sync-' 2>/dev/null
"$BIN/python" "$AIO_REPO/benchmarks/aio_gate_bench.py" latency --rounds "$ROUNDS"
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
