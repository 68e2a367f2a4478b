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

# Shared by tools/bootstrap.sh, tools/db-servers.sh and tools/aio/deploy.sh
# (source it).

# install_missing_packages LOG PKG...: apt-get install the packages that are
# not installed yet, so that re-runs need no network. Package scripts must
# not start the distribution's own daemons (there may be no init system, and
# the callers run private instances): a policy-rc.d denies the starts while
# dpkg runs. Another apt run may hold the lock: wait for it. Output goes to
# LOG; returns apt-get's status.
install_missing_packages() {
    local log=$1 pkg rc=0 created_policy=0
    local policy=/usr/sbin/policy-rc.d
    local missing=()
    shift
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null \
                | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    echo "installing ${missing[*]}"
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy"
        chmod 755 "$policy"
        created_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    {
        apt-get -o DPkg::Lock::Timeout=900 -qq update ||
            echo "apt-get update failed, trying the install"
        apt-get -o DPkg::Lock::Timeout=900 -y -qq install \
            --no-install-recommends "${missing[@]}"
    } > "$log" 2>&1 || rc=$?
    if [[ $created_policy -eq 1 ]]; then
        rm -f "$policy"
    fi
    return $rc
}
