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
