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

# Every suite CI runs, in order, from a fresh Debian 12 machine:
#
#   style      flake8 + hacking, bashate; generated samples in etc/ not stale;
#              the docs and the release notes build with warnings as errors
#   unit       tests/unit (nova_ext's modules, the DevStack plugin)
#   upstream   upstream Nova's own unit tests of the modules patches/ touch
#   functional tests/functional on Nova's harness, eventlet and threading,
#              with the counter's DB tests on real MariaDB and PostgreSQL
#   releases   Nova 31.x, 32.x and 33.x (2025.1, 2025.2, 2026.1), each in
#              its own venv: the patch series applies, upstream's tests of
#              the touched modules, nova-ext's unit tests that touch Nova,
#              the functional gate and naming tests of
#              tests/functional/releases-include.txt (all of them with
#              NOVA_EXT_RELEASES_FUNCTIONAL=full)
#   aio        a real all-in-one cloud (tools/aio) and the tempest plugin
#
# Usage: tools/run-tests.sh [SUITE...]   (default: all of them)
# Needs root (or sudo) for apt-get and the database and libvirt services.
set -uo pipefail

RUN_START=$(date +%s)
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
SUITES=("$@")
[ ${#SUITES[@]} -eq 0 ] && SUITES=(style unit upstream functional releases aio)
# The earlier releases the releases suite runs (NOVA_EXT_RELEASES to pick).
RELEASES=${NOVA_EXT_RELEASES:-2025.1 2025.2 2026.1}
LOGS=${NOVA_EXT_LOG_DIR:-$REPO/logs}
mkdir -p "$LOGS"

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo

"$REPO/tools/bootstrap.sh" || exit 1
VENV=${NOVA_EXT_VENV:-$REPO/.venv}
export PATH="$VENV/bin:$PATH"
PY="$VENV/bin/python"

TOTAL_PASSED=0
TOTAL_FAILED=0
FAILED_SUITES=()
SUMMARY=()

# run_stestr NAME ARGS...: run one stestr suite, count its results.
run_stestr() {
    local name=$1; shift
    local start log passed failed rc
    start=$(date +%s)
    log="$LOGS/$name.log"
    echo "=== $name"
    "$@" > "$log" 2>&1
    rc=$?
    passed=$(grep -E '^ - Passed: ' "$log" | awk '{s+=$3} END {print s+0}')
    failed=$(grep -E '^ - Failed: ' "$log" | awk '{s+=$3} END {print s+0}')
    if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
        failed=1   # the runner itself failed (import error, timeout...)
    fi
    if [ "$rc" -ne 0 ]; then
        FAILED_SUITES+=("$name")
        grep -E -A 40 '^(FAIL|ERROR):|Traceback|^=+$' "$log" | tail -80
    fi
    TOTAL_PASSED=$((TOTAL_PASSED + passed))
    TOTAL_FAILED=$((TOTAL_FAILED + failed))
    SUMMARY+=("$(printf '%-22s %5s passed %4s failed %5ss  (%s)' \
        "$name" "$passed" "$failed" "$(( $(date +%s) - start ))" "$log")")
}

# run_step NAME ARGS...: a check that is not a test suite.
run_step() {
    local name=$1; shift
    local start log
    start=$(date +%s)
    log="$LOGS/$name.log"
    echo "=== $name"
    if "$@" > "$log" 2>&1; then
        SUMMARY+=("$(printf '%-22s %-24s %5ss' "$name" ok \
            "$(( $(date +%s) - start ))")")
    else
        tail -40 "$log"
        FAILED_SUITES+=("$name")
        TOTAL_FAILED=$((TOTAL_FAILED + 1))
        SUMMARY+=("$(printf '%-22s %-24s %5ss  (%s)' "$name" FAILED \
            "$(( $(date +%s) - start ))" "$log")")
    fi
}

check_samples() {
    local tmp
    tmp=$(mktemp -d)
    oslo-config-generator \
        --config-file etc/nova-ext/nova-ext-config-generator.conf \
        --output-file "$tmp/nova-ext.conf.sample" &&
    oslopolicy-sample-generator \
        --config-file etc/nova-ext/nova-ext-policy-generator.conf \
        --output-file "$tmp/policy.yaml.sample" || return 1
    # An empty sample means the entry point silently stopped resolving.
    grep -q '^\[third_party_gate\]' "$tmp/nova-ext.conf.sample" &&
        grep -q 'nova_ext:third-party-gate:create' \
            "$tmp/policy.yaml.sample" || {
        echo "generated samples are missing nova-ext's options or rules"
        return 1; }
    diff -u etc/nova-ext/nova-ext.conf.sample "$tmp/nova-ext.conf.sample" &&
    diff -u etc/nova-ext/policy.yaml.sample "$tmp/policy.yaml.sample" || {
        echo "etc/ samples are stale: run 'tox -e genconfig,genpolicy'"
        return 1; }
}

# build_docs SOURCE BUILD: Sphinx, warnings as errors (tox -e docs and
# tox -e releasenotes run the same command).
build_docs() {
    rm -rf "$2/html" "$2/doctrees"
    sphinx-build -W --keep-going -b html -d "$2/doctrees" "$1" "$2/html"
}

style() {
    flake8 && bashate -i E006 devstack/plugin.sh devstack/settings \
        tools/*.sh tools/lib/*.sh tools/aio/*.sh benchmarks/*.sh \
        tests/tempest_plugin/*.sh tests/unit/devstack/*.sh .ci/run
}

for suite in "${SUITES[@]}"; do
    case $suite in
    style)
        run_step style style
        run_step samples check_samples
        run_step docs build_docs doc/source doc/build
        run_step releasenotes build_docs releasenotes/source \
            releasenotes/build
        ;;
    unit)
        run_stestr unit "$PY" -m stestr --test-path=./tests/unit \
            --top-dir=./ run
        ;;
    upstream)
        run_stestr upstream env PYTHON="$PY" tools/run-upstream-tests.sh
        ;;
    functional)
        # Real database servers for the counter's DB tests (oslo.db's
        # opportunistic fixtures find them on localhost).
        run_step db-servers $SUDO "$REPO/tools/db-servers.sh"
        # The servers were just started: a DB test that cannot reach one
        # must fail, not skip.
        export NOVA_EXT_REQUIRE_DB_SERVERS=1
        run_stestr functional-eventlet env \
            OS_NOVA_DISABLE_EVENTLET_PATCHING=false "$PY" -m stestr \
            --test-path=./tests/functional --top-dir=./ run
        run_stestr functional-threading env \
            OS_NOVA_DISABLE_EVENTLET_PATCHING=true "$PY" -m stestr \
            --test-path=./tests/functional --top-dir=./ run
        ;;
    releases)
        # The earlier maintained Nova releases, each in its own venv
        # (tools/bootstrap.sh RELEASE): its patch series applies and
        # checks, upstream's tests of the touched modules pass, and
        # nova-ext's functional gate and naming tests pass on that
        # release's harness (eventlet: Nova 31-33 cannot run their
        # harness on native threading). 2026.2 is the suites above.
        for release in $RELEASES; do
            rvenv="$REPO/.venv-$release"
            run_step "$release-venv" "$REPO/tools/bootstrap.sh" "$release"
            run_step "$release-check" "$rvenv/bin/nova-ext-patch" check
            # nova-ext's unit tests that read or import that Nova: the
            # series choice, the patch command, the hook contracts and
            # the hook check.
            run_stestr "$release-unit" "$rvenv/bin/python" -m stestr \
                --test-path=./tests/unit --top-dir=./ run \
                '^tests\.unit\.(test_compat|test_hookcheck|test_hooks|cmd)\.'
            run_stestr "$release-upstream" env PYTHON="$rvenv/bin/python" \
                tools/run-upstream-tests.sh
            # The tests that exercise every hook point and every
            # difference between the releases (the list says why not all).
            if [ "${NOVA_EXT_RELEASES_FUNCTIONAL:-}" = full ]; then
                select=('^tests\.functional\.(gate|naming)\.')
            else
                select=(--include-list tests/functional/releases-include.txt)
            fi
            run_stestr "$release-functional" env \
                OS_NOVA_DISABLE_EVENTLET_PATCHING=false \
                "$rvenv/bin/python" -m stestr \
                --test-path=./tests/functional --top-dir=./ run \
                "${select[@]}"
        done
        ;;
    aio)
        run_stestr aio $SUDO "$REPO/tools/aio/run.sh"
        ;;
    *)
        echo "unknown suite: $suite" >&2
        exit 2
        ;;
    esac
done

echo
echo "Summary (logs in $LOGS):"
printf '  %s\n' "${SUMMARY[@]}"
echo "  total time: $(( $(date +%s) - RUN_START ))s (bootstrap included)"
echo
echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
if [ ${#FAILED_SUITES[@]} -ne 0 ]; then
    echo "failed: ${FAILED_SUITES[*]}"
    exit 1
fi
