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
# DevStack plugin for nova-ext: the third-party gate and the display-name
# template for Nova.
#
# Enabled with, in local.conf:
#
#   enable_plugin nova-ext <git url of this repository> [branch]
#
# Phases:
#   stack install      install nova_ext, apply patches/ to Nova's checkout
#   stack post-config  nova.conf options, counter table (nova-ext-manage)
#   stack extra        check the patches are still applied, indexes of
#                      the cell databases (nova-ext-manage), Keystone role
#                      and user, clouds.yaml entry, start the reference
#                      third party (service nova-ext-gate)
#   stack test-config  tempest.conf options of nova_ext_tempest_plugin
#   unstack            stop the reference third party
#   clean              revert the patches, remove the plugin's data

# Save trace setting
_XTRACE_NOVA_EXT=$(set +o | grep xtrace)
set -o xtrace

# Directory holding the console scripts of nova_ext (DevStack's venv or
# /usr/local/bin).
NOVA_EXT_BIN_DIR=$(get_python_exec_prefix)

# The Nova checkout to patch (lib/nova's NOVA_DIR, $DEST/nova by default).
NOVA_EXT_NOVA_DIR=${NOVA_EXT_NOVA_DIR:-${NOVA_DIR:-$DEST/nova}}
# Its branch picks the patch series (stable/2025.1 ... master; the table is
# nova_ext.compat's, read by nova-ext-patch --branch).
NOVA_EXT_NOVA_BRANCH=${NOVA_BRANCH:-master}

# install_nova_ext() - install the package and patch Nova's checkout
function install_nova_ext {
    setup_develop $NOVA_EXT_DIR
    if [[ "$NOVA_EXT_APPLY_PATCHES" == "True" ]]; then
        # Prints "already applied" and changes nothing on a re-stack
        # without RECLONE; refuses (and changes nothing) on a conflict.
        $NOVA_EXT_BIN_DIR/nova-ext-patch apply --nova-dir $NOVA_EXT_NOVA_DIR \
            --branch $NOVA_EXT_NOVA_BRANCH
    fi
}

# check_nova_ext_patches() - stop stack.sh when Nova lost the hook patches
#
# Anything that reinstalls Nova after the install phase (a setup_develop
# re-run, a package upgrade, a RECLONE) silently drops the patches, and a
# Nova without its hook points boots every server ungated. The check runs
# against the Nova that the services import (the default of --nova-dir).
function check_nova_ext_patches {
    if [[ "$NOVA_EXT_APPLY_PATCHES" != "True" ]]; then
        return 0
    fi
    if ! $NOVA_EXT_BIN_DIR/nova-ext-patch check \
            --branch $NOVA_EXT_NOVA_BRANCH; then
        die $LINENO "nova-ext's patches are not applied to the Nova the" \
            "services run: re-run 'nova-ext-patch apply' and restart" \
            "nova-api and nova-compute"
    fi
}

# configure_nova_ext() - write nova.conf options and create the counter table
#
# Compute options go to $NOVA_CONF: DevStack copies it to $NOVA_CPU_CONF when
# it starts nova-compute, which happens after this phase.
function configure_nova_ext {
    if [[ "$NOVA_EXT_GATE_ENABLED" == "True" ]]; then
        # settings defaults these to SERVICE_PASSWORD, which stack.sh may
        # only read (read_password) after sourcing settings: never sign
        # with, or create a user with, an empty secret.
        NOVA_EXT_GATE_SECRET=${NOVA_EXT_GATE_SECRET:-$SERVICE_PASSWORD}
        NOVA_EXT_GATE_PASSWORD=${NOVA_EXT_GATE_PASSWORD:-$SERVICE_PASSWORD}
        if [[ -z "$NOVA_EXT_GATE_SECRET" || -z "$NOVA_EXT_GATE_PASSWORD" ]]; then
            die $LINENO "NOVA_EXT_GATE_SECRET and NOVA_EXT_GATE_PASSWORD (or SERVICE_PASSWORD) must not be empty"
        fi
        iniset $NOVA_CONF third_party_gate enabled True
        iniset $NOVA_CONF third_party_gate url "$NOVA_EXT_GATE_URL"
        iniset $NOVA_CONF third_party_gate secret "$NOVA_EXT_GATE_SECRET"
        iniset $NOVA_CONF third_party_gate timeout "$NOVA_EXT_GATE_TIMEOUT"
        iniset $NOVA_CONF third_party_gate max_total_wait "$NOVA_EXT_GATE_MAX_TOTAL_WAIT"
        iniset $NOVA_CONF third_party_gate timeout_action "$NOVA_EXT_GATE_TIMEOUT_ACTION"
        iniset $NOVA_CONF third_party_gate failure_policy "$NOVA_EXT_GATE_FAILURE_POLICY"
        iniset $NOVA_CONF third_party_gate mode "$NOVA_EXT_GATE_ENFORCEMENT"
        if [[ -n "$NOVA_EXT_GATE_FLAVOR_EXTRA_SPEC" ]]; then
            iniset $NOVA_CONF third_party_gate flavor_extra_spec "$NOVA_EXT_GATE_FLAVOR_EXTRA_SPEC"
        fi
        if [[ -n "$NOVA_EXT_GATE_IMAGE_PROPERTY" ]]; then
            iniset $NOVA_CONF third_party_gate image_property "$NOVA_EXT_GATE_IMAGE_PROPERTY"
        fi
        if [[ -n "$NOVA_EXT_GATE_PROJECTS" ]]; then
            iniset $NOVA_CONF third_party_gate projects "$NOVA_EXT_GATE_PROJECTS"
        fi
    else
        iniset $NOVA_CONF third_party_gate enabled False
    fi

    if [[ "$NOVA_EXT_NAMING_ENABLED" == "True" ]]; then
        iniset $NOVA_CONF DEFAULT multi_instance_display_name_template_enabled True
        iniset $NOVA_CONF DEFAULT multi_instance_display_name_template "$NOVA_EXT_NAME_TEMPLATE"
        iniset $NOVA_CONF DEFAULT force_multi_instance_display_name "$NOVA_EXT_NAME_FORCE"
        iniset $NOVA_CONF DEFAULT multi_instance_display_name_count_scope "$NOVA_EXT_NAME_COUNT_SCOPE"
    else
        iniset $NOVA_CONF DEFAULT multi_instance_display_name_template_enabled False
    fi

    # The name counter tables live in the Nova API database, which
    # init_nova created before this phase, on the nodes that run nova-api
    # (a compute-only node has no [api_database] connection).
    if is_service_enabled n-api; then
        $NOVA_EXT_BIN_DIR/nova-ext-manage --config-file $NOVA_CONF db sync
    fi
}

# create_nova_ext_accounts() - the reporter role and the reference's user
function create_nova_ext_accounts {
    get_or_create_role $NOVA_EXT_GATE_REPORTER_ROLE

    local user_id
    user_id=$(get_or_create_user $NOVA_EXT_GATE_USER \
        "$NOVA_EXT_GATE_PASSWORD" "$SERVICE_DOMAIN_NAME")
    get_or_add_user_project_role $NOVA_EXT_GATE_REPORTER_ROLE $user_id \
        $SERVICE_PROJECT_NAME "$SERVICE_DOMAIN_NAME" "$SERVICE_DOMAIN_NAME"

    # The reference third party loads its credentials from clouds.yaml
    # (--os-cloud) through keystoneauth1.
    $PYTHON $TOP_DIR/tools/update_clouds_yaml.py \
        --file $CLOUDS_YAML \
        --os-cloud $NOVA_EXT_GATE_CLOUD \
        --os-region-name $REGION_NAME \
        --os-auth-url $KEYSTONE_SERVICE_URI \
        --os-username $NOVA_EXT_GATE_USER \
        --os-password "$NOVA_EXT_GATE_PASSWORD" \
        --os-project-name $SERVICE_PROJECT_NAME
}

# start_nova_ext_gate() - run the reference third party
function start_nova_ext_gate {
    mkdir -p $NOVA_EXT_DATA_DIR
    # The secret never appears on a command line (ps, systemd unit).
    (umask 077; printf '%s' "$NOVA_EXT_GATE_SECRET" > $NOVA_EXT_GATE_SECRET_FILE)

    local cmd
    cmd="$NOVA_EXT_BIN_DIR/nova-ext-gate-reference"
    cmd+=" --host $NOVA_EXT_GATE_HOST --port $NOVA_EXT_GATE_PORT"
    cmd+=" --secret-file $NOVA_EXT_GATE_SECRET_FILE"
    cmd+=" --mode $NOVA_EXT_GATE_REFERENCE_MODE"
    cmd+=" --reject-name $NOVA_EXT_GATE_REJECT_NAME"
    cmd+=" --ignore-name $NOVA_EXT_GATE_IGNORE_NAME"
    cmd+=" --os-cloud $NOVA_EXT_GATE_CLOUD"
    if [[ -n "$NOVA_EXT_GATE_DELAY" ]]; then
        cmd+=" --delay $NOVA_EXT_GATE_DELAY"
    fi
    if [[ -n "$NOVA_EXT_GATE_HEARTBEAT" ]]; then
        cmd+=" --heartbeat $NOVA_EXT_GATE_HEARTBEAT"
    fi
    if [[ -n "$NOVA_EXT_GATE_EXTRA_ARGS" ]]; then
        cmd+=" $NOVA_EXT_GATE_EXTRA_ARGS"
    fi
    run_process nova-ext-gate "$cmd"

    echo "Waiting for the reference third party to start..."
    if ! wait_for_service $SERVICE_TIMEOUT \
            http://$NOVA_EXT_GATE_HOST:$NOVA_EXT_GATE_PORT/healthz; then
        die $LINENO "nova-ext-gate did not start"
    fi
}

# configure_tempest_nova_ext() - options of nova_ext_tempest_plugin
function configure_tempest_nova_ext {
    iniset $TEMPEST_CONFIG service_available nova_ext True
    iniset $TEMPEST_CONFIG nova_ext gate_enabled "$NOVA_EXT_GATE_ENABLED"
    iniset $TEMPEST_CONFIG nova_ext gate_mode "$NOVA_EXT_GATE_ENFORCEMENT"
    iniset $TEMPEST_CONFIG nova_ext gate_timeout "$NOVA_EXT_GATE_TIMEOUT"
    iniset $TEMPEST_CONFIG nova_ext gate_timeout_action "$NOVA_EXT_GATE_TIMEOUT_ACTION"
    iniset $TEMPEST_CONFIG nova_ext reporter_role "$NOVA_EXT_GATE_REPORTER_ROLE"
    if is_service_enabled nova-ext-gate; then
        iniset $TEMPEST_CONFIG nova_ext reference_available True
        iniset $TEMPEST_CONFIG nova_ext reference_url \
            "http://$NOVA_EXT_GATE_HOST:$NOVA_EXT_GATE_PORT"
        iniset $TEMPEST_CONFIG nova_ext reference_mode "$NOVA_EXT_GATE_REFERENCE_MODE"
        iniset $TEMPEST_CONFIG nova_ext reject_name_regex "$NOVA_EXT_GATE_REJECT_NAME"
        iniset $TEMPEST_CONFIG nova_ext ignore_name_regex "$NOVA_EXT_GATE_IGNORE_NAME"
        if [[ -n "$NOVA_EXT_GATE_HEARTBEAT" ]]; then
            iniset $TEMPEST_CONFIG nova_ext reference_heartbeat "$NOVA_EXT_GATE_HEARTBEAT"
        fi
        if [[ -n "$NOVA_EXT_GATE_DELAY" ]]; then
            iniset $TEMPEST_CONFIG nova_ext reference_delay "$NOVA_EXT_GATE_DELAY"
        fi
    else
        iniset $TEMPEST_CONFIG nova_ext reference_available False
    fi
    iniset $TEMPEST_CONFIG nova_ext naming_enabled "$NOVA_EXT_NAMING_ENABLED"
    iniset $TEMPEST_CONFIG nova_ext name_template "$NOVA_EXT_NAME_TEMPLATE"
    iniset $TEMPEST_CONFIG nova_ext force_name "$NOVA_EXT_NAME_FORCE"
    iniset $TEMPEST_CONFIG nova_ext name_count_scope "$NOVA_EXT_NAME_COUNT_SCOPE"
}

# stop_nova_ext_gate() - stop the reference third party
function stop_nova_ext_gate {
    stop_process nova-ext-gate
}

# cleanup_nova_ext() - leave Nova's checkout as git cloned it
function cleanup_nova_ext {
    if [[ "$NOVA_EXT_APPLY_PATCHES" == "True" && -d $NOVA_EXT_NOVA_DIR/nova \
            && -x $NOVA_EXT_BIN_DIR/nova-ext-patch ]]; then
        $NOVA_EXT_BIN_DIR/nova-ext-patch revert --nova-dir $NOVA_EXT_NOVA_DIR \
            --branch $NOVA_EXT_NOVA_BRANCH
    fi
    rm -rf $NOVA_EXT_DATA_DIR
}

if is_service_enabled nova-ext; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing nova-ext"
        install_nova_ext

    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring nova-ext"
        configure_nova_ext

    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        check_nova_ext_patches
        # The indexes global display-name count scope reads every cell
        # through; the cells are mapped by now (not yet at post-config).
        if is_service_enabled n-api; then
            echo_summary "Adding nova-ext's indexes to the cell databases"
            $NOVA_EXT_BIN_DIR/nova-ext-manage --config-file $NOVA_CONF \
                db sync-cell-indexes
        fi
        echo_summary "Creating the nova-ext gate reporter account"
        create_nova_ext_accounts
        if is_service_enabled nova-ext-gate; then
            echo_summary "Starting the nova-ext reference third party"
            start_nova_ext_gate
        fi

    elif [[ "$1" == "stack" && "$2" == "test-config" ]]; then
        if is_service_enabled tempest; then
            echo_summary "Configuring tempest for nova-ext"
            configure_tempest_nova_ext
        fi
    fi

    if [[ "$1" == "unstack" ]]; then
        if is_service_enabled nova-ext-gate; then
            stop_nova_ext_gate
        fi
    fi

    if [[ "$1" == "clean" ]]; then
        cleanup_nova_ext
    fi
fi

# Restore xtrace
$_XTRACE_NOVA_EXT
