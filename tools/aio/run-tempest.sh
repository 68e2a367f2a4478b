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
# Run nova-ext's tempest plugin against the all-in-one cloud that
# tools/aio/deploy.sh stood up. Tempest comes from PyPI into its own venv
# (AIO_TEMPEST_VENV); the plugin is the repo's nova_ext_tempest_plugin,
# registered through the tempest.test_plugins entry point of pyproject.toml.
#
# Usage: tools/aio/run-tempest.sh [REGEX]
#        (default: ^nova_ext_tempest_plugin\., the Zuul job's regex)

set -o errexit
set -o nounset
set -o pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

REGEX=${1:-^nova_ext_tempest_plugin\.}
TEMPEST_VERSION=${AIO_TEMPEST_VERSION:-47.0.0}
WORKSPACE=$AIO_DIR/tempest
TV=$AIO_TEMPEST_VENV

[[ -f $AIO_ETC/clouds.yaml ]] || aio_die "no cloud: run tools/aio/deploy.sh first"

aio_step "tempest venv"
if [[ ! -x $TV/bin/tempest || $(cat "$TV/.aio-version" 2>/dev/null) != "$TEMPEST_VERSION" ]]; then
    rm -rf "$TV"
    "$AIO_PYTHON" -m venv "$TV"
    "$TV/bin/pip" install -c "$AIO_REPO/constraints.txt" \
        -c "$AIO_TOOLS/constraints-aio.txt" "tempest==$TEMPEST_VERSION" \
        >"$AIO_LOGS/tempest-pip.log" 2>&1 \
        || { tail -n 30 "$AIO_LOGS/tempest-pip.log"; aio_die "pip install tempest failed"; }
    echo "$TEMPEST_VERSION" >"$TV/.aio-version"
fi
# The plugin (and nova_ext, which it may import) from the repo.
"$TV/bin/pip" install --no-deps -e "$AIO_REPO" >>"$AIO_LOGS/tempest-pip.log" 2>&1

aio_step "tempest config"
rm -rf "$WORKSPACE"
mkdir -p "$WORKSPACE/etc"
image_id=$("$AIO_VENV/bin/openstack" --os-cloud aio-admin image show \
    nova-ext-aio-blank -f value -c id)
"$AIO_VENV/bin/python" - "$WORKSPACE/etc/tempest.conf" "$image_id" <<'EOF'
import os
import sys

E = os.environ
sys.path.insert(0, E['AIO_TOOLS'])
from aio_config import write_ini  # noqa: E402
path, image_id = sys.argv[1:3]
conf = {
    'DEFAULT': {
        'log_file': os.path.join(E['AIO_LOGS'], 'tempest.log'),
        'debug': 'true',
    },
    'auth': {
        'admin_username': 'admin',
        'admin_password': E['AIO_PASSWORD'],
        'admin_project_name': 'admin',
        'admin_domain_name': 'Default',
        'use_dynamic_credentials': 'true',
        'create_isolated_networks': 'false',
        'tempest_roles': 'member',
    },
    'identity': {
        'uri_v3': E['KEYSTONE_URL'],
        'auth_version': 'v3',
        'region': E['AIO_REGION'],
        'v3_endpoint_type': 'public',
    },
    'identity-feature-enabled': {'api_v2': 'false'},
    'compute': {
        'image_ref': image_id,
        'image_ref_alt': image_id,
        'flavor_ref': '42',
        'flavor_ref_alt': '84',
        'region': E['AIO_REGION'],
        'min_microversion': '2.1',
        'max_microversion': 'latest',
        'build_timeout': '180',
        'build_interval': '1',
    },
    'compute-feature-enabled': {
        'console_output': 'false',
        'vnc_console': 'false',
        'pause': 'true',
        'suspend': 'false',
        'live_migration': 'false',
        'resize': 'false',
        'cold_migration': 'false',
    },
    'image': {'region': E['AIO_REGION']},
    'network': {'region': E['AIO_REGION']},
    'placement': {'region': E['AIO_REGION']},
    'validation': {'run_validation': 'false'},
    'service_available': {
        'nova': 'true',
        'glance': 'true',
        'neutron': 'false',
        'cinder': 'false',
        'swift': 'false',
        'nova_ext': 'true',
    },
    'nova_ext': {
        'gate_enabled': 'true',
        'gate_mode': 'enforce',
        'gate_timeout': E['AIO_GATE_TIMEOUT'],
        'gate_timeout_action': 'fail',
        'reporter_role': E['AIO_GATE_REPORTER_ROLE'],
        'reference_available': 'true',
        'reference_url': 'http://%s:%s' % (E['AIO_HOST'],
                                           E['AIO_GATE_PORT']),
        'reference_mode': E['AIO_GATE_REFERENCE_MODE'],
        'reject_name_regex': E['AIO_GATE_REJECT_NAME'],
        'ignore_name_regex': E['AIO_GATE_IGNORE_NAME'],
        'reference_delay': E['AIO_GATE_DELAY'],
        'reference_heartbeat': '0',
        'naming_enabled': 'true',
        'name_template': E['AIO_NAME_TEMPLATE'],
        'force_name': 'true',
        'name_count_scope': 'project',
    },
}
write_ini(path, conf)
EOF

aio_step "tempest run"
cd "$WORKSPACE"
"$TV/bin/tempest" init --config-dir "$WORKSPACE/etc" "$WORKSPACE/ws" >/dev/null 2>&1 || true
rc=0
(
    cd "$WORKSPACE/ws" 2>/dev/null || cd "$WORKSPACE"
    export TEMPEST_CONFIG_DIR=$WORKSPACE/etc
    "$TV/bin/tempest" run --concurrency "${AIO_TEMPEST_CONCURRENCY:-2}" \
        --regex "$REGEX"
) || rc=$?
aio_print_timings
echo "tempest log: $AIO_LOGS/tempest.log  config: $WORKSPACE/etc/tempest.conf"
exit $rc
