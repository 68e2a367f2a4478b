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

"""Policy rules of the third-party gate."""

from oslo_policy import policy

REPORTER_ROLE = 'third_party_gate_reporter'

CREATE = 'nova_ext:third-party-gate:create'

rules = [
    policy.DocumentedRuleDefault(
        name=CREATE,
        check_str='role:%s' % REPORTER_ROLE,
        description="""
Post ``third-party-gate`` verdicts (POST /os-server-external-events).

The third party that approves new servers needs credentials to post its
verdict, and Nova's own ``os_compute_api:os-server-external-events:create``
rule would let it post every kind of event (network-vif-plugged,
volume-extended...). This rule lets a user with the
``third_party_gate_reporter`` role post ``third-party-gate`` events and
nothing else. It is only checked when every event of the request is a
``third-party-gate`` event; when it denies, Nova's own rule still applies, so
admin and service users keep working.
""",
        operations=[
            {'method': 'POST', 'path': '/os-server-external-events'},
        ],
        scope_types=['project'],
    ),
]


def list_rules():
    return rules
