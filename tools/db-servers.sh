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
# Install and start real MariaDB and PostgreSQL servers on loopback for the
# database tests, and create the account that oslo.db's opportunistic test
# fixtures look for (user and password "openstack_citest", database
# "openstack_citest").
#
# Idempotent: running it again only starts what is stopped. Works as root on
# Debian 12 with or without a running systemd (containers usually have none),
# by falling back from the init scripts to the servers' own launchers.
#
# Usage: tools/db-servers.sh            (as root)

set -o errexit
set -o nounset
set -o pipefail

DB_USER=openstack_citest
DB_PW=openstack_citest
DB_NAME=openstack_citest

log() {
    echo "db-servers: $*" >&2
}

die() {
    log "ERROR: $*"
    exit 1
}

if [[ $(id -u) -ne 0 ]]; then
    die "must run as root (installs packages and starts servers)"
fi

export DEBIAN_FRONTEND=noninteractive

# Packages: install only what is missing so that reruns need no network.
# shellcheck source=lib/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
install_missing_packages /tmp/nova-ext-db-servers-apt.log \
    mariadb-server mariadb-client postgresql postgresql-client ||
    { tail -n 30 /tmp/nova-ext-db-servers-apt.log; exit 1; }

wait_for() {
    # wait_for <description> <command...>: retry for up to 60 seconds.
    local what=$1
    shift
    local i
    for i in $(seq 1 120); do
        if "$@" > /dev/null 2>&1; then
            return 0
        fi
        sleep 0.5
    done
    die "$what did not come up"
}

# ---------------------------------------------------------------- MariaDB
mariadb_up() {
    mysqladmin --protocol=socket -uroot ping
}

start_mariadb() {
    if mariadb_up > /dev/null 2>&1; then
        log "MariaDB already running"
        return
    fi
    # Listen on loopback only, whatever the packaged default is.
    mkdir -p /etc/mysql/mariadb.conf.d
    cat > /etc/mysql/mariadb.conf.d/99-nova-ext-tests.cnf <<EOF
[mysqld]
bind-address = 127.0.0.1
EOF
    mkdir -p /run/mysqld
    chown mysql:mysql /run/mysqld
    if [[ ! -d /var/lib/mysql/mysql ]]; then
        log "initialising MariaDB data directory"
        mariadb-install-db --user=mysql --datadir=/var/lib/mysql \
            > /dev/null
    fi
    log "starting MariaDB"
    if [[ -x /etc/init.d/mariadb ]]; then
        /etc/init.d/mariadb start > /dev/null 2>&1 || true
    fi
    if ! mariadb_up > /dev/null 2>&1; then
        # No working init script: the server's own supervisor.
        (setsid mysqld_safe --user=mysql > /dev/null 2>&1 < /dev/null &)
    fi
    wait_for "MariaDB" mariadb_up
}

setup_mariadb_user() {
    # Root connects through the unix socket (unix_socket authentication).
    # Global privileges: the opportunistic fixtures create and drop their
    # own randomly named databases.
    mysql --protocol=socket -uroot <<EOF
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PW';
CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PW';
ALTER USER '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PW';
ALTER USER '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PW';
GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'localhost' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'127.0.0.1' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS $DB_NAME;
FLUSH PRIVILEGES;
EOF
}

# ------------------------------------------------------------- PostgreSQL
pg_version() {
    ls /usr/lib/postgresql | sort -V | tail -n 1
}

postgres_up() {
    pg_isready -h 127.0.0.1 -q
}

start_postgres() {
    local ver
    ver=$(pg_version)
    [[ -n $ver ]] || die "no PostgreSQL installed under /usr/lib/postgresql"
    if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$ver main$"
    then
        log "creating PostgreSQL $ver cluster main"
        pg_createcluster "$ver" main > /dev/null
    fi
    if postgres_up; then
        log "PostgreSQL already running"
        return
    fi
    log "starting PostgreSQL $ver"
    # pg_ctlcluster works without systemd (it runs pg_ctl directly);
    # listen on loopback only.
    pg_ctlcluster "$ver" main start \
        -o "-c listen_addresses=127.0.0.1" > /dev/null 2>&1 \
        || pg_ctlcluster "$ver" main start > /dev/null 2>&1 || true
    wait_for "PostgreSQL" postgres_up
}

setup_postgres_user() {
    # Superuser, as OpenStack's own test-setup scripts do: the fixtures
    # create databases and need to terminate other connections to drop them.
    su postgres -c "psql -q -v ON_ERROR_STOP=1" <<EOF
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
        CREATE ROLE $DB_USER WITH SUPERUSER LOGIN PASSWORD '$DB_PW';
    ELSE
        ALTER ROLE $DB_USER WITH SUPERUSER LOGIN PASSWORD '$DB_PW';
    END IF;
END
\$\$;
EOF
    if ! su postgres -c "psql -tAc \"SELECT 1 FROM pg_database
            WHERE datname = '$DB_NAME'\"" | grep -q 1; then
        su postgres -c "createdb -O $DB_USER $DB_NAME"
    fi
}

start_mariadb
setup_mariadb_user
start_postgres
setup_postgres_user

# Check the way the tests connect: TCP on loopback with the password.
mysql -h 127.0.0.1 -u"$DB_USER" -p"$DB_PW" -e 'SELECT 1' "$DB_NAME" \
    > /dev/null || die "cannot log in to MariaDB as $DB_USER"
PGPASSWORD=$DB_PW psql -h 127.0.0.1 -U "$DB_USER" -d "$DB_NAME" \
    -tAc 'SELECT 1' > /dev/null \
    || die "cannot log in to PostgreSQL as $DB_USER"
log "MariaDB and PostgreSQL ready on 127.0.0.1 (user $DB_USER)"
