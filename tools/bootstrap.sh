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

# Create the development virtualenv: Nova 34.0.0 with its test harness,
# nova-ext in editable mode, and the hook patches applied to that Nova
# (series 2026.2; tools/bootstrap-release.sh makes the earlier releases').
#
# Idempotent: re-running reuses the venv and re-checks the patches.
#   NOVA_EXT_VENV  where the venv lives (default: <repo>/.venv)
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
VENV=${NOVA_EXT_VENV:-$REPO/.venv}
PYTHON=${PYTHON:-python3}

if [ ! -x "$VENV/bin/python" ]; then
    # Debian's python3 makes venvs only with python3-venv, which a minimal
    # Debian 12 lacks.
    if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
        if [ "$(id -u)" -ne 0 ]; then
            echo "bootstrap: $PYTHON cannot create venvs;" \
                "install python3-venv (as root: apt-get install" \
                "python3-venv)" >&2
            exit 1
        fi
        # shellcheck source=lib/apt.sh
        source "$REPO/tools/lib/apt.sh"
        install_missing_packages /dev/stderr python3-venv
    fi
    echo "bootstrap: creating $VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip
fi

# An egg-info left in the tree by a setup.py-era install shadows the
# installed metadata (entry points included) for anything run from the
# repository root; pbr.build keeps its metadata out of the tree.
rm -rf "$REPO/nova_ext.egg-info"

echo "bootstrap: installing Nova 34.0.0, nova-ext, the test and docs tools"
# constraints.txt pins the tested set (SQLAlchemy 2.0.x: 2.1 breaks
# Nova 34's own fixtures). It is the offline stand-in for OpenStack's
# upper-constraints, which tox uses (TOX_CONSTRAINTS_FILE).
"$VENV/bin/pip" install -q -c "$REPO/constraints.txt" \
    -r "$REPO/requirements.txt" -r "$REPO/test-requirements.txt" \
    -r "$REPO/doc/requirements.txt" -e "$REPO[nova]"

echo "bootstrap: applying patches/2026.2/ to the venv's Nova"
"$VENV/bin/nova-ext-patch" apply
