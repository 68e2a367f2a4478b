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

"""API tests of the third-party gate against the reference third party.

The reference service decides by display name: names matching
``[nova_ext] reject_name_regex`` are rejected, names matching
``ignore_name_regex`` never get an answer, every other name is approved.
"""

from tempest import config
from tempest.lib import decorators

from nova_ext_tempest_plugin.tests import base

CONF = config.CONF


class GateVerdictTest(base.NovaExtGateBaseTest):
    """Each verdict of the third party, as a server's owner sees it."""

    def _enforced(self):
        return CONF.nova_ext.gate_mode == 'enforce'

    @decorators.idempotent_id('fa82e5ea-cd90-40dc-9454-269c01dd48f1')
    def test_approved_server_becomes_active(self):
        servers, _ = self.boot_and_wait(base.APPROVE_PREFIX, 'ACTIVE')
        self.assert_gate_decision(servers[0]['id'], 'Success',
                                  by_verdict=True)
        self.assertNotIn('fault', servers[0])

    @decorators.idempotent_id('4426cceb-9686-412c-ba1d-39e5524b33cc')
    def test_rejected_server_ends_in_error(self):
        if not self._enforced():
            # Audit mode records the rejection and lets the boot go on.
            servers, _ = self.boot_and_wait(base.REJECT_PREFIX, 'ACTIVE')
            self.assert_gate_decision(servers[0]['id'], 'Error')
            return
        servers, _ = self.boot_and_wait(base.REJECT_PREFIX, 'ERROR')
        server = servers[0]
        self.assert_fault(server, 'Third-party gate rejected the server: ')
        self.assert_gate_decision(server['id'], 'Error', by_verdict=True)
        # A verdict is not a host failure: no reschedule, and nothing kept.
        self.assert_no_allocations(server['id'])

    @decorators.idempotent_id('9d3686cb-3c98-4055-87e5-3075b145673c')
    def test_server_without_verdict_times_out(self):
        timeout = CONF.nova_ext.gate_timeout
        if (self._enforced()
                and CONF.nova_ext.gate_timeout_action == 'fail'):
            servers, elapsed = self.boot_and_wait(base.IGNORE_PREFIX,
                                                  'ERROR')
            self.assert_fault(
                servers[0],
                'Third-party gate gave no verdict within %d seconds' %
                timeout)
            self.assert_no_allocations(servers[0]['id'])
            self.assert_gate_decision(servers[0]['id'], 'Error')
        else:
            # Audit mode or timeout_action=continue: the boot goes on and
            # the timeout is recorded.
            servers, elapsed = self.boot_and_wait(base.IGNORE_PREFIX,
                                                  'ACTIVE')
            self.assertEqual(
                1, len(self.gate_action_events(servers[0]['id'])))
        # The server waited for the whole gate timeout.
        self.assertGreaterEqual(elapsed, timeout)

    @decorators.idempotent_id('11a20390-1c30-4d3d-90a5-67d01a6b11bd')
    def test_heartbeats_extend_the_wait(self):
        delay = CONF.nova_ext.reference_delay
        heartbeat = CONF.nova_ext.reference_heartbeat
        timeout = CONF.nova_ext.gate_timeout
        if CONF.nova_ext.reference_mode != 'async' or not heartbeat:
            raise self.skipException(
                'The reference third party sends no heartbeats')
        if delay <= timeout or heartbeat >= timeout:
            raise self.skipException(
                'Needs a reference delay longer than the gate timeout and '
                'heartbeats more frequent than it')
        servers, elapsed = self.boot_and_wait(base.APPROVE_PREFIX, 'ACTIVE')
        # The verdict came after the gate timeout: only the heartbeats
        # kept the server waiting for it.
        self.assertGreaterEqual(elapsed, delay)
        self.assert_gate_decision(servers[0]['id'], 'Success')

    @decorators.idempotent_id('cc11fd58-3f9f-49a8-bafa-40afd096f62e')
    def test_multi_create_gates_each_server(self):
        servers, _ = self.boot_and_wait(base.APPROVE_PREFIX, 'ACTIVE',
                                        count=2)
        self.assertEqual(2, len({s['id'] for s in servers}))
        for server in servers:
            self.assert_gate_decision(server['id'], 'Success',
                                      by_verdict=True)
