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

# Settings and helpers shared by the all-in-one (AIO) cloud scripts.
#
# Sourced by deploy.sh, teardown.sh, run-tempest.sh and run.sh. Every
# setting can be overridden from the environment; all servers listen on
# 127.0.0.1 only.

set -o allexport
AIO_REPO=${AIO_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
AIO_TOOLS=$AIO_REPO/tools/aio

# Everything the cloud writes lives under AIO_DIR (venvs, state, logs).
AIO_DIR=${AIO_DIR:-/opt/nova-ext-aio}
AIO_VENV=${AIO_VENV:-$AIO_DIR/venv}
AIO_TEMPEST_VENV=${AIO_TEMPEST_VENV:-$AIO_DIR/tempest-venv}
AIO_ETC=$AIO_DIR/etc
AIO_DATA=$AIO_DIR/data
AIO_RUN=$AIO_DIR/run
AIO_LOGS=${AIO_LOGS:-$AIO_DIR/logs}
AIO_PYTHON=${AIO_PYTHON:-python3.11}

AIO_HOST=127.0.0.1
AIO_COMPUTE_HOST=${AIO_COMPUTE_HOST:-nova-ext-aio}
AIO_REGION=RegionOne
AIO_PASSWORD=${AIO_PASSWORD:-aio-secret-pw}
AIO_GATE_SECRET=${AIO_GATE_SECRET:-aio-gate-hmac-secret}

# Ports (loopback only).
AIO_MYSQL_PORT=${AIO_MYSQL_PORT:-13306}
AIO_RABBIT_PORT=${AIO_RABBIT_PORT:-15673}
AIO_KEYSTONE_PORT=${AIO_KEYSTONE_PORT:-15000}
AIO_GLANCE_PORT=${AIO_GLANCE_PORT:-19292}
AIO_PLACEMENT_PORT=${AIO_PLACEMENT_PORT:-18778}
AIO_NEUTRON_PORT=${AIO_NEUTRON_PORT:-19696}
AIO_NOVA_PORT=${AIO_NOVA_PORT:-18774}
AIO_GATE_PORT=${AIO_GATE_PORT:-18999}

# Gate and reference third party (names follow devstack/settings).
AIO_GATE_TIMEOUT=${AIO_GATE_TIMEOUT:-20}
AIO_GATE_MAX_TOTAL_WAIT=${AIO_GATE_MAX_TOTAL_WAIT:-120}
AIO_GATE_REFERENCE_MODE=${AIO_GATE_REFERENCE_MODE:-async}
AIO_GATE_DELAY=${AIO_GATE_DELAY:-5}
AIO_GATE_REJECT_NAME=${AIO_GATE_REJECT_NAME:-^nova-ext-reject}
AIO_GATE_IGNORE_NAME=${AIO_GATE_IGNORE_NAME:-^nova-ext-ignore}
AIO_GATE_REPORTER_ROLE=${AIO_GATE_REPORTER_ROLE:-third_party_gate_reporter}
AIO_GATE_USER=${AIO_GATE_USER:-nova-ext-gate}
AIO_GATE_CLOUD=${AIO_GATE_CLOUD:-nova-ext-gate}
AIO_NAME_TEMPLATE=${AIO_NAME_TEMPLATE:-%(name)s%(count)d}

# Libvirt domains of this cloud carry this prefix, so that teardown never
# touches a domain it did not create.
AIO_INSTANCE_PREFIX=${AIO_INSTANCE_PREFIX:-nova-ext-aio-}

KEYSTONE_URL=http://$AIO_HOST:$AIO_KEYSTONE_PORT/v3
DB_URL_BASE=mysql+pymysql://aio:$AIO_PASSWORD@$AIO_HOST:$AIO_MYSQL_PORT
TRANSPORT_URL=rabbit://aio:$AIO_PASSWORD@$AIO_HOST:$AIO_RABBIT_PORT/

# Services run from AIO_VENV as separate processes; each one's pid file
# is $AIO_RUN/<name>.pid and its log $AIO_LOGS/<name>.log.
AIO_SERVICES="mysql rabbitmq keystone glance placement neutron nova-api
nova-conductor nova-scheduler nova-compute nova-ext-gate"

OS_CLIENT_CONFIG_FILE=$AIO_ETC/clouds.yaml
set +o allexport

aio_log() {
    echo "aio: $(date -u +%H:%M:%S) $*" >&2
}

aio_die() {
    aio_log "ERROR: $*"
    exit 1
}

# Timing summary: aio_step NAME starts a step and ends the previous one.
AIO_TIMINGS=()
_AIO_STEP=
_AIO_STEP_START=
aio_step() {
    local now
    now=$(date +%s)
    if [[ -n "$_AIO_STEP" ]]; then
        AIO_TIMINGS+=("$(printf '%-28s %5ds' "$_AIO_STEP" \
            $((now - _AIO_STEP_START)))")
    fi
    _AIO_STEP=$1
    _AIO_STEP_START=$now
    if [[ -n "$1" ]]; then
        aio_log "== $1"
    fi
}

aio_print_timings() {
    aio_step ""
    echo "---- timing summary ----"
    local line
    for line in "${AIO_TIMINGS[@]}"; do
        echo "$line"
    done
}

aio_print_logs() {
    echo "---- service logs ----"
    local name
    for name in $AIO_SERVICES; do
        printf '%-16s %s\n' "$name" "$AIO_LOGS/$name.log"
    done
    printf '%-16s %s\n' libvirt-guests /var/log/libvirt/qemu/
}

# aio_start NAME CMD... runs CMD in its own session (so that teardown can
# stop it and every child it forked with one signal), output to the log.
aio_start() {
    local name=$1
    shift
    aio_log "starting $name (log: $AIO_LOGS/$name.log)"
    setsid "$@" >>"$AIO_LOGS/$name.log" 2>&1 </dev/null &
    echo $! >"$AIO_RUN/$name.pid"
}

# aio_stop NAME: TERM the process group, KILL it after 15 s.
aio_stop() {
    local name=$1 pidfile=$AIO_RUN/$1.pid pid i
    [[ -f $pidfile ]] || return 0
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        aio_log "stopping $name (pid $pid)"
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        for i in $(seq 1 30); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}

# aio_start_reference MODE DELAY [ARGS...]: start the reference third
# party, the gate's url, answering in MODE (sync, async) after DELAY
# seconds (ARGS: more nova-ext-gate-reference flags), and wait until it
# answers.
aio_start_reference() {
    aio_start nova-ext-gate "$AIO_VENV/bin/nova-ext-gate-reference" \
        --host $AIO_HOST --port "$AIO_GATE_PORT" \
        --secret-file "$AIO_ETC/gate-secret" \
        --mode "$1" \
        --reject-name "$AIO_GATE_REJECT_NAME" \
        --ignore-name "$AIO_GATE_IGNORE_NAME" \
        --delay "$2" \
        --os-cloud "$AIO_GATE_CLOUD" "${@:3}"
    aio_wait_http nova-ext-gate "http://$AIO_HOST:$AIO_GATE_PORT/healthz" 60
}

aio_running() {
    local pidfile=$AIO_RUN/$1.pid
    [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# aio_wait_http NAME URL [SECONDS]: wait until URL answers (any status
# below 500); fail naming the service and its log otherwise.
aio_wait_http() {
    local name=$1 url=$2 timeout=${3:-120} i code
    for ((i = 0; i < timeout * 2; i++)); do
        if ! aio_running "$name"; then
            tail -n 30 "$AIO_LOGS/$name.log" >&2 || true
            aio_die "$name exited during start; log: $AIO_LOGS/$name.log"
        fi
        code=$(curl -s -o /dev/null -w '%{http_code}' "$url" || true)
        if [[ $code =~ ^[234] ]]; then
            return 0
        fi
        sleep 0.5
    done
    tail -n 30 "$AIO_LOGS/$name.log" >&2 || true
    aio_die "$name did not answer on $url in ${timeout}s; log: $AIO_LOGS/$name.log"
}
