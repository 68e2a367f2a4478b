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

"""Flavor extra specs of the third-party gate.

Loaded by Nova's own ``nova.api.extra_spec_validators`` entry point group,
so that strict extra spec validation (microversion 2.86 and later) accepts
``third_party_gate:enabled`` and rejects typos in the ``third_party_gate``
namespace instead of silently never gating.
"""

from nova.api.validation.extra_specs import base

EXTRA_SPEC_VALIDATORS = [
    base.ExtraSpecValidator(
        name='third_party_gate:enabled',
        description=(
            'Whether boots of this flavor go through the third-party gate. '
            'Only meaningful when nova-compute has '
            '``[third_party_gate] flavor_extra_spec`` set to '
            '``third_party_gate:enabled=true``.'
        ),
        value={
            'type': bool,
            'description': 'Whether the third-party gate applies.',
        },
    ),
]


def register():
    return EXTRA_SPEC_VALIDATORS
