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
# Deploy an all-in-one cloud of real services on this Debian 12 machine,
# all on 127.0.0.1, for nova-ext's end-to-end tests:
#
#   MariaDB, RabbitMQ (Debian packages; private instances on their own
#   ports and data directories), Keystone, Glance, Placement, Neutron (API
#   only: see README.rst), Nova 34.0.0 patched with patches/ and nova_ext
#   installed (nova-api, nova-conductor, nova-scheduler, nova-compute as
#   separate processes), libvirtd + QEMU (TCG), a tiny qcow2 image in
#   Glance, and the reference third party (nova-ext-gate-reference).
#
# Re-runnable: it tears the previous deployment down first. The Python
# packages go to their own venv (AIO_VENV), never to the test venv.
#
# Usage: tools/aio/deploy.sh          (as root)
# Settings: see tools/aio/common.sh (every one can be set in the env).

set -o errexit
set -o nounset
set -o pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

[[ $(id -u) -eq 0 ]] || aio_die "must run as root"

DEPLOY_START=$(date +%s)

# ---------------------------------------------------------------- cleanup
aio_step "teardown of previous run"
bash "$AIO_TOOLS/teardown.sh"
rm -rf "$AIO_LOGS"
mkdir -p "$AIO_ETC" "$AIO_DATA" "$AIO_RUN" "$AIO_LOGS"

# -------------------------------------------------------- Debian packages
aio_step "apt packages"
PKGS="mariadb-server mariadb-client rabbitmq-server libvirt-daemon-system
libvirt-clients libvirt-dev pkg-config qemu-system-x86 qemu-utils curl
gcc"
# shellcheck source=../lib/apt.sh
source "$AIO_TOOLS/../lib/apt.sh"
# shellcheck disable=SC2086  # PKGS is a word list
install_missing_packages "$AIO_LOGS/apt.log" $PKGS ||
    { tail -n 30 "$AIO_LOGS/apt.log"; aio_die "apt-get failed"; }

# ------------------------------------------------------------- Python venv
# The venv is rebuilt when the pins or the patches changed (stamp), so that
# Nova is always patched exactly once from a pristine install.
aio_step "python venv"
# Two stamps: the pins decide whether the venv is rebuilt; the patches
# whether Nova is reinstalled pristine and patched again. Nova is thus
# always patched exactly once, from the release's own files.
deps_stamp=$(cat "$AIO_REPO/constraints.txt" "$AIO_TOOLS/constraints-aio.txt" \
    | sha256sum | cut -c1-16)
# The all-in-one cloud runs Nova 34.x (constraints.txt): series 2026.2.
patch_stamp=$(cat "$AIO_REPO"/patches/2026.2/*.patch | sha256sum | cut -c1-16)
if [[ $(cat "$AIO_VENV/.aio-deps" 2>/dev/null) != "$deps_stamp" ]]; then
    rm -rf "$AIO_VENV"
    "$AIO_PYTHON" -m venv "$AIO_VENV"
    aio_log "installing keystone, glance, placement, neutron, nova into $AIO_VENV"
    "$AIO_VENV/bin/pip" install -c "$AIO_REPO/constraints.txt" \
        -c "$AIO_TOOLS/constraints-aio.txt" \
        keystone glance openstack-placement neutron nova PyMySQL uwsgi \
        libvirt-python python-openstackclient >"$AIO_LOGS/pip.log" 2>&1 \
        || { tail -n 30 "$AIO_LOGS/pip.log"; aio_die "pip install failed"; }
    echo "$deps_stamp" >"$AIO_VENV/.aio-deps"
elif [[ $(cat "$AIO_VENV/.aio-patches" 2>/dev/null) != "$patch_stamp" ]]; then
    aio_log "patches changed: reinstalling a pristine nova"
    "$AIO_VENV/bin/pip" install --force-reinstall --no-deps \
        -c "$AIO_REPO/constraints.txt" nova >"$AIO_LOGS/pip.log" 2>&1 \
        || { tail -n 30 "$AIO_LOGS/pip.log"; aio_die "pip install nova failed"; }
    rm -f "$AIO_VENV/.aio-patches"
else
    aio_log "reusing $AIO_VENV (pins and patches unchanged)"
fi
SITE=$("$AIO_VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
# nova_ext itself (editable: the venv runs the repo's code).
"$AIO_VENV/bin/pip" install --no-deps -e "$AIO_REPO" >>"$AIO_LOGS/pip.log" 2>&1 \
    || { tail -n 30 "$AIO_LOGS/pip.log"; aio_die "pip install nova_ext failed"; }
if [[ ! -f $AIO_VENV/.aio-patches ]]; then
    if "$AIO_VENV/bin/nova-ext-patch" --help >/dev/null 2>&1; then
        "$AIO_VENV/bin/nova-ext-patch" apply --nova-dir "$SITE"
    else
        aio_log "nova-ext-patch unavailable; applying patches/ with patch(1)"
        for p in "$AIO_REPO"/patches/2026.2/*.patch; do
            patch -p1 -N -F0 -s -d "$SITE" <"$p"
        done
    fi
    echo "$patch_stamp" >"$AIO_VENV/.aio-patches"
fi
"$AIO_VENV/bin/nova-ext-patch" check --nova-dir "$SITE" >/dev/null 2>&1 \
    || aio_log "WARNING: nova-ext-patch check did not confirm the patches"
BIN=$AIO_VENV/bin

# ----------------------------------------------------------------- MariaDB
aio_step "mariadb"
MYSQL_DIR=$AIO_DATA/mysql
MYSQL_SOCK=$AIO_RUN/mysqld.sock
mkdir -p "$MYSQL_DIR"
chown mysql:mysql "$MYSQL_DIR" "$AIO_RUN"
mariadb-install-db --no-defaults --datadir="$MYSQL_DIR" --user=mysql \
    --auth-root-authentication-method=socket --skip-test-db \
    >"$AIO_LOGS/mysql-install.log" 2>&1 \
    || { tail -n 20 "$AIO_LOGS/mysql-install.log"; aio_die "mariadb-install-db failed"; }
aio_start mysql /usr/sbin/mariadbd --no-defaults --datadir="$MYSQL_DIR" \
    --socket="$MYSQL_SOCK" --port="$AIO_MYSQL_PORT" --bind-address=$AIO_HOST \
    --user=mysql --pid-file="$AIO_RUN/mysqld.pid.inner" \
    --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
    --innodb-buffer-pool-size=256M --max-connections=1000 \
    --character-set-server=utf8mb4 --skip-name-resolve
for i in $(seq 1 60); do
    mariadb-admin --no-defaults -S "$MYSQL_SOCK" -uroot ping >/dev/null 2>&1 && break
    aio_running mysql || { tail "$AIO_LOGS/mysql.log"; aio_die "mariadbd exited"; }
    sleep 0.5
done
sql="CREATE USER 'aio'@'127.0.0.1' IDENTIFIED BY '$AIO_PASSWORD';"
for db in keystone glance placement neutron nova_api nova nova_cell0; do
    sql+="CREATE DATABASE $db CHARACTER SET utf8;"
    sql+="GRANT ALL ON $db.* TO 'aio'@'127.0.0.1';"
done
mariadb --no-defaults -S "$MYSQL_SOCK" -uroot -e "$sql"

# ---------------------------------------------------------------- RabbitMQ
aio_step "rabbitmq"
rabbit_env() {
    export HOME=$AIO_DATA/rabbitmq/home
    export RABBITMQ_NODENAME=nova-ext-aio@localhost
    export RABBITMQ_NODE_IP_ADDRESS=$AIO_HOST
    export RABBITMQ_NODE_PORT=$AIO_RABBIT_PORT
    export RABBITMQ_DIST_PORT=$((AIO_RABBIT_PORT + 20000))
    export RABBITMQ_MNESIA_BASE=$AIO_DATA/rabbitmq/mnesia
    export RABBITMQ_LOG_BASE=$AIO_LOGS/rabbitmq-logs
    export RABBITMQ_PID_FILE=$AIO_RUN/rabbitmq.pid.inner
    export RABBITMQ_ENABLED_PLUGINS_FILE=$AIO_DATA/rabbitmq/enabled_plugins
    export RABBITMQ_CONFIG_FILE=$AIO_DATA/rabbitmq/rabbitmq
    export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    export ERL_EPMD_ADDRESS=$AIO_HOST
}
mkdir -p "$AIO_DATA/rabbitmq/home" "$AIO_DATA/rabbitmq/mnesia" "$AIO_LOGS/rabbitmq-logs"
echo '[].' >"$AIO_DATA/rabbitmq/enabled_plugins"
(
    rabbit_env
    aio_start rabbitmq /usr/lib/rabbitmq/bin/rabbitmq-server
    sleep 1
    timeout 120 /usr/lib/rabbitmq/bin/rabbitmqctl wait "$RABBITMQ_PID_FILE" \
        --timeout 100 >/dev/null
    /usr/lib/rabbitmq/bin/rabbitmqctl add_user aio "$AIO_PASSWORD" >/dev/null
    /usr/lib/rabbitmq/bin/rabbitmqctl set_permissions aio '.*' '.*' '.*' >/dev/null
) || aio_die "rabbitmq did not start; log: $AIO_LOGS/rabbitmq.log"

# ----------------------------------------------------------------- libvirt
aio_step "libvirt"
# Debian's udev rule gives /dev/kvm to the kvm group (mode 0660); without
# udev (containers, micro VMs) the node stays root-only, and libvirt, which
# checks whether its QEMU user can open it, then finds its cached QEMU
# capabilities stale on every call and probes QEMU again: each domain
# definition took minutes. Guests still run with TCG (virt_type = qemu).
if [[ -c /dev/kvm ]] && getent group kvm >/dev/null; then
    chgrp kvm /dev/kvm && chmod 0660 /dev/kvm
fi
if virsh -c qemu:///system uri >/dev/null 2>&1; then
    aio_log "using the running libvirtd"
else
    # Nova keeps one libvirt connection and may run several builds on it
    # at once; the defaults (5 requests in flight per client, keepalive
    # pings) drop that connection when a loaded 2-core machine answers
    # slowly ("connection closed due to keepalive timeout").
    mkdir -p "$AIO_ETC/libvirt"
    cat >"$AIO_ETC/libvirt/libvirtd.conf" <<EOF
max_client_requests = 64
max_workers = 32
keepalive_interval = -1
EOF
    aio_start virtlogd /usr/sbin/virtlogd
    aio_start libvirtd /usr/sbin/libvirtd -f "$AIO_ETC/libvirt/libvirtd.conf"
    for i in $(seq 1 60); do
        virsh -c qemu:///system uri >/dev/null 2>&1 && break
        sleep 0.5
    done
    virsh -c qemu:///system uri >/dev/null || aio_die "libvirtd did not start"
fi

# ------------------------------------------------------------ config files
aio_step "configuration"
"$BIN/python" "$AIO_TOOLS/aio_config.py" >"$AIO_LOGS/config.log" 2>&1 \
    || { cat "$AIO_LOGS/config.log"; aio_die "writing configuration failed"; }
cp "$AIO_VENV/etc/nova/api-paste.ini" "$AIO_ETC/nova/api-paste.ini"
cp "$AIO_VENV/etc/glance/glance-api-paste.ini" "$AIO_ETC/glance/"
cp "$AIO_VENV/etc/neutron/api-paste.ini" "$AIO_ETC/neutron/"
(umask 077; printf '%s' "$AIO_GATE_SECRET" >"$AIO_ETC/gate-secret")

uwsgi_start() {
    local name=$1
    aio_start "$name" "$BIN/uwsgi" --ini "$AIO_ETC/uwsgi/$name.ini"
}

# ------------------------------------------------------ database schemas
# The schema migrations of all services run at once: they wait on MariaDB
# more than on the CPU. Each service starts as soon as its schema is there.
declare -A BG_PIDS
bg_job() {
    local name=$1
    shift
    ( set -o errexit; "$@" ) >"$AIO_LOGS/$name.log" 2>&1 &
    BG_PIDS[$name]=$!
}
bg_wait() {
    wait "${BG_PIDS[$1]}" || {
        tail -n 30 "$AIO_LOGS/$1.log" >&2
        aio_die "$1 failed; log: $AIO_LOGS/$1.log"
    }
}

KS_CONF=$AIO_ETC/keystone/keystone.conf
NOVA_CONF=$AIO_ETC/nova/nova.conf
keystone_db() {
    local km=("$BIN/keystone-manage" --config-file "$KS_CONF")
    "${km[@]}" db_sync
    "${km[@]}" fernet_setup --keystone-user root --keystone-group root
    "${km[@]}" credential_setup --keystone-user root --keystone-group root
    "${km[@]}" bootstrap --bootstrap-password "$AIO_PASSWORD" \
        --bootstrap-admin-url "$KEYSTONE_URL" \
        --bootstrap-internal-url "$KEYSTONE_URL" \
        --bootstrap-public-url "$KEYSTONE_URL" \
        --bootstrap-region-id "$AIO_REGION"
}
nova_db() {
    local nm=("$BIN/nova-manage" --config-file "$NOVA_CONF")
    "${nm[@]}" api_db sync
    "${nm[@]}" cell_v2 map_cell0 \
        --database_connection "$DB_URL_BASE/nova_cell0?charset=utf8"
    "${nm[@]}" cell_v2 create_cell --name cell1 --verbose
    "${nm[@]}" db sync
    # nova-ext's own table (display-name counters) in the API database.
    if "$BIN/nova-ext-manage" --help >/dev/null 2>&1; then
        "$BIN/nova-ext-manage" --config-file "$NOVA_CONF" db sync
    else
        # Trees without the command: the same migration, called directly.
        echo "nova-ext-manage unavailable; calling nova_ext.db.migration"
        "$BIN/python" -c 'import sys, sqlalchemy
from nova_ext.db import migration
migration.db_sync(sqlalchemy.create_engine(sys.argv[1]))' \
            "$DB_URL_BASE/nova_api?charset=utf8"
    fi
}

aio_step "database schemas"
bg_job keystone-manage keystone_db
bg_job nova-manage nova_db
bg_job glance-manage "$BIN/glance-manage" \
    --config-file "$AIO_ETC/glance/glance-api.conf" db_sync
bg_job placement-manage "$BIN/placement-manage" \
    --config-file "$AIO_ETC/placement/placement.conf" db sync
bg_job neutron-db-manage "$BIN/neutron-db-manage" \
    --config-file "$AIO_ETC/neutron/neutron.conf" \
    --config-file "$AIO_ETC/neutron/ml2_conf.ini" upgrade heads

# ---------------------------------------------------------------- Keystone
bg_wait keystone-manage
aio_step "keystone"
uwsgi_start keystone
aio_wait_http keystone "$KEYSTONE_URL"
"$BIN/python" "$AIO_TOOLS/aio_setup.py" accounts

# ------------------------------------------------- Glance, Placement, Neutron
aio_step "glance placement neutron"
bg_wait glance-manage
uwsgi_start glance
bg_wait placement-manage
uwsgi_start placement
bg_wait neutron-db-manage
uwsgi_start neutron
aio_wait_http glance "http://$AIO_HOST:$AIO_GLANCE_PORT/"
aio_wait_http placement "http://$AIO_HOST:$AIO_PLACEMENT_PORT/"
aio_wait_http neutron "http://$AIO_HOST:$AIO_NEUTRON_PORT/"
"$BIN/python" "$AIO_TOOLS/aio_setup.py" neutron-check

aio_step "image"
qemu-img create -f qcow2 "$AIO_DATA/blank.qcow2" 64M >/dev/null
"$BIN/python" "$AIO_TOOLS/aio_setup.py" image "$AIO_DATA/blank.qcow2"

# -------------------------------------------------------------------- Nova
aio_step "nova schemas (wait)"
bg_wait nova-manage
nm() {
    "$BIN/nova-manage" --config-file "$NOVA_CONF" "$@" >>"$AIO_LOGS/nova-manage.log" 2>&1 \
        || { tail -n 30 "$AIO_LOGS/nova-manage.log"; aio_die "nova-manage $* failed"; }
}

aio_step "nova services"
uwsgi_start nova-api
for svc in conductor scheduler; do
    aio_start "nova-$svc" "$BIN/nova-$svc" --config-file "$NOVA_CONF"
done
aio_start nova-compute "$BIN/nova-compute" --config-file "$AIO_ETC/nova/nova-cpu.conf"
aio_wait_http nova-api "http://$AIO_HOST:$AIO_NOVA_PORT/"
"$BIN/python" "$AIO_TOOLS/aio_setup.py" wait-compute
nm cell_v2 discover_hosts --verbose
"$BIN/python" "$AIO_TOOLS/aio_setup.py" flavor

# ------------------------------------------------- reference third party
aio_step "reference third party"
aio_start_reference "$AIO_GATE_REFERENCE_MODE" "$AIO_GATE_DELAY"

aio_print_timings
echo "deploy: $(( $(date +%s) - DEPLOY_START ))s"
aio_print_logs
echo "clouds.yaml: $OS_CLIENT_CONFIG_FILE (clouds aio-admin, aio-demo, $AIO_GATE_CLOUD)"
