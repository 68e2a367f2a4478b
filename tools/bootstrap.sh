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

# Create a virtualenv with a Nova and its test harness, nova-ext in
# editable mode, and that Nova's hook patch series applied.
#
# Usage: tools/bootstrap.sh [RELEASE]
#
#   (none)   the development venv: .venv with Nova 34.0.0 (series 2026.2)
#            pinned by constraints.txt, plus the docs tools
#   RELEASE  an earlier maintained release (2025.1, 2025.2 or 2026.1):
#            .venv-<release> with that release's Nova from PyPI (its tests
#            included), pinned by constraints/<release>.txt
#
# Idempotent: re-running reuses the venv and re-checks the patches. pip's
# wheel cache is shared by every venv, so only the first one builds.
#   NOVA_EXT_VENV  where the development venv lives (default: <repo>/.venv);
#                  a release's venv is always <repo>/.venv-<release>, where
#                  tools/run-tests.sh looks for it
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3}

if [ $# -gt 1 ]; then
    echo "usage: $0 [RELEASE]" >&2
    exit 2
fi
RELEASE=${1:-}
if [ -z "$RELEASE" ]; then
    VENV=${NOVA_EXT_VENV:-$REPO/.venv}
    CONSTRAINTS="$REPO/constraints.txt"
else
    VENV=$REPO/.venv-$RELEASE
    CONSTRAINTS="$REPO/constraints/$RELEASE.txt"
    if [ ! -f "$CONSTRAINTS" ]; then
        echo "bootstrap: no $CONSTRAINTS; releases:" \
            "$(cd "$REPO/constraints" && ls -- *.txt | sed 's/\.txt$//' |
                tr '\n' ' ')(2026.2: no argument)" >&2
        exit 2
    fi
    NOVA=$(grep -E '^nova==' "$CONSTRAINTS")
fi

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

if [ -z "$RELEASE" ]; then
    echo "bootstrap: installing Nova 34.0.0, nova-ext, the test and docs tools"
    # constraints.txt pins the tested set (SQLAlchemy 2.0.x: 2.1 breaks
    # Nova 34's own fixtures). It is the offline stand-in for OpenStack's
    # upper-constraints, which tox uses (TOX_CONSTRAINTS_FILE).
    "$VENV/bin/pip" install -q -c "$CONSTRAINTS" \
        -r "$REPO/requirements.txt" -r "$REPO/test-requirements.txt" \
        -r "$REPO/doc/requirements.txt" -e "$REPO[nova]"

    echo "bootstrap: applying patches/2026.2/ to the venv's Nova"
    "$VENV/bin/nova-ext-patch" apply
    exit 0
fi

# An earlier release: its Nova named (nova-ext without the nova extra),
# no docs tools (the docs build in .venv).
echo "bootstrap: installing $NOVA, nova-ext and the test tools"
"$VENV/bin/pip" install -q -c "$CONSTRAINTS" "$NOVA" \
    -r "$REPO/requirements.txt" -r "$REPO/test-requirements.txt" \
    -e "$REPO"

echo "bootstrap: applying patches/$RELEASE/ to the venv's Nova"
if ! "$VENV/bin/nova-ext-patch" apply; then
    # A venv patched with an earlier cut of the series: start again from
    # the release's own files.
    echo "bootstrap: reinstalling a pristine $NOVA"
    "$VENV/bin/pip" install -q --force-reinstall --no-deps \
        -c "$CONSTRAINTS" "$NOVA"
    "$VENV/bin/nova-ext-patch" apply
fi
