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
# Stop the all-in-one cloud that tools/aio/deploy.sh started and remove its
# state: every service process, the libvirt guests it created (and only
# those: their names start with AIO_INSTANCE_PREFIX), the private MariaDB
# and RabbitMQ instances and their data. The venvs are kept (a later deploy
# reuses them when the pins did not change) unless --all is given; the logs
# are kept for inspection (deploy.sh clears them when it starts again).
#
# Usage: tools/aio/teardown.sh [--all]

set -o nounset
set -o pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

remove_all=0
if [[ ${1:-} == --all ]]; then
    remove_all=1
fi

if [[ ! -d $AIO_DIR ]]; then
    aio_log "nothing to tear down ($AIO_DIR does not exist)"
    exit 0
fi
mkdir -p "$AIO_RUN"

# The reference third party and the API services first, so that nothing
# new starts while nova-compute is going away.
# They stop in parallel: each may take seconds to drain.
for name in nova-ext-gate nova-api nova-scheduler nova-conductor \
        nova-compute neutron placement glance keystone; do
    aio_stop "$name" &
done
wait

# Guests of this cloud only.
if command -v virsh >/dev/null && virsh -c qemu:///system uri \
        >/dev/null 2>&1; then
    for dom in $(virsh -c qemu:///system list --all --name 2>/dev/null \
            | grep "^$AIO_INSTANCE_PREFIX" || true); do
        aio_log "removing libvirt domain $dom"
        virsh -c qemu:///system destroy "$dom" >/dev/null 2>&1 || true
        virsh -c qemu:///system undefine --nvram "$dom" >/dev/null 2>&1 \
            || virsh -c qemu:///system undefine "$dom" >/dev/null 2>&1 \
            || true
    done
fi

# RabbitMQ: a clean stop through rabbitmqctl, then the process group.
if aio_running rabbitmq; then
    (
        export HOME=$AIO_DATA/rabbitmq/home
        export RABBITMQ_NODENAME=nova-ext-aio@localhost
        timeout 30 /usr/lib/rabbitmq/bin/rabbitmqctl stop >/dev/null 2>&1
    ) || true
fi
aio_stop rabbitmq
aio_stop mysql

# Libvirt daemons, only when deploy.sh started them.
for name in libvirtd virtlogd; do
    aio_stop "$name"
done

rm -rf "$AIO_DATA" "$AIO_RUN" "$AIO_ETC" "$AIO_DIR/tempest"
if [[ $remove_all -eq 1 ]]; then
    rm -rf "$AIO_VENV" "$AIO_TEMPEST_VENV"
fi
aio_log "torn down; logs kept in $AIO_LOGS"
