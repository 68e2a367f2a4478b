"""Policy rules of nova-ext (``oslo.policy.policies`` entry point).

Listed per resource and chained here, as placement does, so that
``oslopolicy-sample-generator --namespace nova_ext`` documents every rule.
"""

import itertools

from nova_ext.policies import third_party_gate


def list_rules():
    return itertools.chain(
        third_party_gate.list_rules(),
    )
