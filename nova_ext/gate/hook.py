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

"""The entry point of the third-party gate in the libvirt driver.

Patch 0002 loads ``nova.virt.libvirt.guest_gates`` entry points with a
load-failure callback that raises: a gate that cannot load must stop
nova-compute, never let guests run ungated. This module is what that entry
point names, and it is kept light on purpose. It imports nothing of the gate
but its options; the gate itself (``nova_ext.gate.third_party_gate`` and the
HTTP client) is imported only when ``[third_party_gate] enabled`` is true.
So:

* gate on and its code broken: nova-compute refuses to start, and the error
  names the module that failed;
* gate off: nothing of the gate is imported, and a broken gate cannot stop
  Nova.
"""

import importlib

import nova.conf
from oslo_log import log as logging

from nova_ext.conf import third_party_gate as gate_conf
from nova_ext import hooks

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

GATE_MODULE = 'nova_ext.gate.third_party_gate'


def load_gate():
    """Import the gate and build it; errors propagate (fail closed)."""
    return importlib.import_module(GATE_MODULE).ThirdPartyGate()


class GuestGate(hooks.GuestGate):
    """The third-party gate, as patch 0002's entry point loads it.

    Implements :class:`nova_ext.hooks.GuestGate` by handing each call to
    the real gate, imported only when ``[third_party_gate] enabled`` is
    true.
    """

    def __init__(self):
        gate_conf.register_opts(CONF)
        self._gate = load_gate() if CONF.third_party_gate.enabled else None

    def start(self, context, instance):
        if not CONF.third_party_gate.enabled:
            return None
        if self._gate is None:
            # Enabled since the start (a test, a reload): load it now. A
            # failure fails this spawn, it does not let the guest run.
            self._gate = load_gate()
        return self._gate.start(context, instance)

    def instances_at_startup(self, context, instances):
        if self._gate is not None:
            self._gate.instances_at_startup(context, instances)
