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
# Stand-ins for the DevStack functions devstack/plugin.sh and
# devstack/settings call, for tests/unit/devstack/test_plugin.py.
#
# iniset writes a real ini file (through ini_helper.py); the functions that
# would change the system (install packages, talk to Keystone, start
# services) append the command they were given to $STUB_LOG, one command a
# line, arguments separated by a tab.

function _stub_record {
    local IFS=$'\t'
    echo "$*" >> $STUB_LOG
}

function iniset {
    if [[ "$1" == "-sudo" ]]; then
        shift
    fi
    $PYTHON $STUB_DIR/ini_helper.py set "$1" "$2" "$3" "$4"
}

function define_plugin {
    _stub_record define_plugin "$@"
}

function enable_service {
    local service
    for service in "$@"; do
        if [[ ! ,$ENABLED_SERVICES, =~ ,$service, && \
                ! ,$DISABLED_SERVICES, =~ ,$service, ]]; then
            ENABLED_SERVICES+=",$service"
        fi
    done
}

function is_service_enabled {
    local service
    for service in "$@"; do
        if [[ ,$ENABLED_SERVICES, =~ ,$service, ]]; then
            return 0
        fi
    done
    return 1
}

function get_python_exec_prefix {
    echo $STUB_BIN_DIR
}

function echo_summary {
    echo "$@"
}

function die {
    echo "die: $*" >&2
    exit 1
}

function setup_develop {
    _stub_record setup_develop "$@"
}

function pip_install {
    _stub_record pip_install "$@"
}

function get_or_create_role {
    _stub_record get_or_create_role "$@"
    echo "role-id-$1"
}

function get_or_create_user {
    _stub_record get_or_create_user "$@"
    echo "user-id-$1"
}

function get_or_add_user_project_role {
    _stub_record get_or_add_user_project_role "$@"
    echo "assignment-id"
}

function openstack {
    _stub_record openstack "$@"
}

function run_process {
    _stub_record run_process "$@"
}

function stop_process {
    _stub_record stop_process "$@"
}

function wait_for_service {
    _stub_record wait_for_service "$@"
    return ${STUB_WAIT_FOR_SERVICE_RC:-0}
}

# DevStack's own trueorfalse (functions-common), verbatim but for xtrace
# handling: the plugin's booleans are only as good as this normalisation.
function trueorfalse {
    local default=$1

    if [ -z $2 ]; then
        die $LINENO "variable to normalize required"
    fi
    local testval=${!2:-}

    case "$testval" in
        "1" | [yY]es | "YES" | [tT]rue | "TRUE" ) echo "True" ;;
        "0" | [nN]o | "NO" | [fF]alse | "FALSE" ) echo "False" ;;
        * )                                       echo "$default" ;;
    esac
}
