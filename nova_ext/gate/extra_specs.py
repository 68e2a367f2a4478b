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
