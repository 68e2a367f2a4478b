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

"""The third-party gate of the libvirt spawn path.

``ThirdPartyGate`` is built, when the gate is enabled, by
``nova_ext.gate.hook.GuestGate``, the ``nova.virt.libvirt.guest_gates``
entry point of patch 0002. It decides which spawns are gated
(``selection``), hands each gated one to a ``waiter.GateWaiter`` (the
request and the wait for the verdict), runs audit-mode exchanges beside the
boot, and at start reports the servers a restart left at the gate
(``records``). This module is that dispatch and nothing else.
"""

import threading

import nova.conf
from oslo_log import log as logging

from nova_ext.conf import third_party_gate as gate_conf
from nova_ext.gate import config as gate_config
from nova_ext.gate import records
from nova_ext.gate import selection
from nova_ext.gate import waiter as gate_waiter
from nova_ext import hooks

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

# At most this many audit-mode exchanges run at once; beyond that a boot is
# not audited (audit mode never holds a guest), and a warning says so.
MAX_AUDITS = 64
_AUDIT_SLOTS = threading.BoundedSemaphore(MAX_AUDITS)


class ThirdPartyGate(hooks.GuestGate):
    """The gate the libvirt driver loads at start (no arguments).

    Construction registers and validates the options so that an invalid
    configuration stops nova-compute at start, naming the option.
    """

    def __init__(self):
        gate_conf.register_opts(CONF)
        gate_config.validate(CONF.third_party_gate)

    def start(self, context, instance):
        """Send the gate request of a spawn; None when it does not hold it.

        None: the spawn is not gated, or the third party approved it within
        ``early_verdict_window`` (the guest is then created running).
        Never raises for a verdict: a sync rejection or a delivery failure
        is raised by ``wait()``, once the driver can clean up after it.
        """
        conf = CONF.third_party_gate
        if not conf.enabled:
            return None
        operation = selection.operation_of(instance)
        if operation not in conf.operations:
            LOG.debug('Third-party gate: operation %s is not gated',
                      operation, instance=instance)
            return None
        if not selection.is_selected(conf, instance):
            LOG.debug('Third-party gate: not selected by [third_party_gate] '
                      'flavor_extra_spec, image_property or projects',
                      instance=instance)
            return None
        if conf.mode == 'audit':
            # Audit mode never holds the guest: the whole exchange runs
            # beside the boot and only records its outcome.
            slots = _AUDIT_SLOTS
            if not slots.acquire(blocking=False):
                LOG.warning('Third-party gate: %d audits already in flight, '
                            'this boot is not audited', MAX_AUDITS,
                            instance=instance)
                return None
            try:
                gate_waiter.GateWaiter(
                    conf, context, instance,
                    operation).run_audit_in_background(slots.release)
            except Exception:
                slots.release()
                raise
            return None
        # Read before the request goes out: nothing may raise between the
        # request and the driver holding the waiter (it closes it).
        window = conf.early_verdict_window
        waiter = gate_waiter.GateWaiter(conf, context, instance, operation)
        waiter.begin()
        if waiter.settle(window):
            # Already approved: the driver creates the guest running.
            return None
        return waiter

    def instances_at_startup(self, context, instances):
        """Report the servers a restart left waiting at the gate."""
        records.report_interrupted(context, instances)
