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

"""Scenario: servers with different verdicts booted side by side.

Each gated boot waits for its own verdict: an approved, a rejected and an
unanswered server requested together each end as their verdict says, and
those that did not become ACTIVE hold no resources.
"""

from tempest.common import waiters
from tempest import config
from tempest.lib.common.utils import data_utils
from tempest.lib import decorators

from nova_ext_tempest_plugin.tests import base

CONF = config.CONF


class GateLifecycleScenarioTest(base.NovaExtGateBaseTest):

    @classmethod
    def skip_checks(cls):
        super().skip_checks()
        if CONF.nova_ext.gate_mode != 'enforce':
            raise cls.skipException('Needs [nova_ext] gate_mode=enforce')

    @classmethod
    def setup_clients(cls):
        super().setup_clients()
        cls.limits_client = cls.os_primary.limits_client

    def _used(self):
        absolute = self.limits_client.show_limits()['limits']['absolute']
        return {key: absolute[key]
                for key in ('totalInstancesUsed', 'totalCoresUsed',
                            'totalRAMUsed')}

    @decorators.attr(type='slow')
    @decorators.idempotent_id('6689e4c3-b854-41ec-83ae-2d1a85feac65')
    def test_verdicts_side_by_side(self):
        used_before = self._used()
        approved = self.create_servers(
            data_utils.rand_name(prefix=base.APPROVE_PREFIX))[0]
        rejected = self.create_servers(
            data_utils.rand_name(prefix=base.REJECT_PREFIX))[0]
        ignored = self.create_servers(
            data_utils.rand_name(prefix=base.IGNORE_PREFIX))[0]

        approved = self.wait_for_status(approved['id'], 'ACTIVE')
        rejected = self.wait_for_status(rejected['id'], 'ERROR')

        self.assert_gate_decision(approved['id'], 'Success', by_verdict=True)
        self.assertTrue(self.os_admin.placement_client.list_allocations(
            approved['id'])['allocations'])

        self.assert_fault(rejected, 'Third-party gate rejected the server')
        self.assert_gate_decision(rejected['id'], 'Error', by_verdict=True)
        self.assert_no_allocations(rejected['id'])

        if CONF.nova_ext.gate_timeout_action == 'fail':
            ignored = self.wait_for_status(ignored['id'], 'ERROR')
            self.assert_fault(
                ignored, 'Third-party gate gave no verdict within %d seconds'
                % CONF.nova_ext.gate_timeout)
            self.assert_no_allocations(ignored['id'])
        else:
            ignored = self.wait_for_status(ignored['id'], 'ACTIVE')

        # Deleting them gives back everything they counted against.
        for server in (approved, rejected, ignored):
            self.servers_client.delete_server(server['id'])
        for server in (approved, rejected, ignored):
            self.wait_for_deleted(server['id'])
            self.assert_no_allocations(server['id'])
        self.assertEqual(used_before, self._used())

    def wait_for_deleted(self, server_id):
        waiters.wait_for_server_termination(self.servers_client, server_id,
                                            ignore_error=True)

    @decorators.idempotent_id('c3ee159b-8d9e-4911-8a74-3ee3ab692f17')
    def test_multi_create_of_rejected_servers(self):
        # Every server of a multi-create gets its own rejection; none is
        # rescheduled and none keeps an allocation.
        servers, _ = self.boot_and_wait(base.REJECT_PREFIX, 'ERROR', count=2)
        for server in servers:
            self.assert_fault(server, 'Third-party gate rejected the server')
            self.assert_gate_decision(server['id'], 'Error')
            self.assert_no_allocations(server['id'])
