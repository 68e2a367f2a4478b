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

# Create the test venv of one earlier maintained Nova release:
# .venv-<release> with that release's Nova from PyPI (its tests included),
# the versions pinned in constraints/<release>.txt, nova-ext in editable
# mode and patches/<release>/ applied.
#
# Usage: tools/bootstrap-release.sh RELEASE   (2025.1, 2025.2 or 2026.1;
# 2026.2 is .venv, made by tools/bootstrap.sh)
#
# Idempotent: re-running reuses the venv and re-checks the patches. pip's
# wheel cache is shared by every venv, so only the first one builds.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
RELEASE=${1:?usage: $0 RELEASE}
CONSTRAINTS="$REPO/constraints/$RELEASE.txt"
VENV=$REPO/.venv-$RELEASE
PYTHON=${PYTHON:-python3}

if [ ! -f "$CONSTRAINTS" ]; then
    echo "bootstrap-release: no $CONSTRAINTS; releases:" \
        "$(cd "$REPO/constraints" && ls -- *.txt | sed 's/\.txt$//' |
            tr '\n' ' ')" >&2
    exit 2
fi
NOVA=$(grep -E '^nova==' "$CONSTRAINTS")

if [ ! -x "$VENV/bin/python" ]; then
    echo "bootstrap-release: creating $VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip
fi
rm -rf "$REPO/nova_ext.egg-info"

echo "bootstrap-release: installing $NOVA, nova-ext and the test tools"
"$VENV/bin/pip" install -q -c "$CONSTRAINTS" "$NOVA" \
    -r "$REPO/requirements.txt" -r "$REPO/test-requirements.txt" \
    -e "$REPO"

echo "bootstrap-release: applying patches/$RELEASE/ to the venv's Nova"
if ! "$VENV/bin/nova-ext-patch" apply; then
    # A venv patched with an earlier cut of the series: start again from
    # the release's own files.
    echo "bootstrap-release: reinstalling a pristine $NOVA"
    "$VENV/bin/pip" install -q --force-reinstall --no-deps \
        -c "$CONSTRAINTS" "$NOVA"
    "$VENV/bin/nova-ext-patch" apply
fi
