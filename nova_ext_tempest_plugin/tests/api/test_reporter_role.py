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

"""API tests of the least-privilege role for third-party-gate events.

The policy rule ``nova_ext:third-party-gate:create`` (default
``role:third_party_gate_reporter``) lets a user holding only that role post
``third-party-gate`` events, and nothing else: any other event still needs
Nova's own ``os_compute_api:os-server-external-events:create`` rule.

The reporter is a dynamic-credentials user with only
``[nova_ext] reporter_role``, in a project of its own, like a third party's
service user: it posts verdicts for servers of other projects.
"""

from tempest import config
from tempest.lib.common import api_microversion_fixture
from tempest.lib.common.utils import data_utils
from tempest.lib import decorators
from tempest.lib import exceptions as lib_exc

from nova_ext_tempest_plugin.tests import base

CONF = config.CONF


class GateReporterRoleTest(base.NovaExtBaseTest):
    """Who may post third-party-gate events."""

    @classmethod
    def skip_checks(cls):
        super().skip_checks()
        if (CONF.nova_ext.gate_enabled
                and not CONF.nova_ext.reference_available):
            # Nobody would approve the server these tests need.
            raise cls.skipException(
                'The gate is enabled but its third party is not the '
                'reference service')

    @classmethod
    def setup_credentials(cls):
        # Read here rather than in the class body: the role comes from the
        # configuration, which is loaded once tempest runs.
        cls.credentials = ['primary', 'admin',
                           ['reporter', CONF.nova_ext.reporter_role]]
        super().setup_credentials()

    @classmethod
    def setup_clients(cls):
        super().setup_clients()
        cls.reporter_events_client = (
            cls.os_reporter.nova_ext.GateEventsClient())
        cls.member_events_client = cls.os_primary.nova_ext.GateEventsClient()
        cls.admin_events_client = cls.os_admin.nova_ext.GateEventsClient()

    @classmethod
    def resource_setup(cls):
        super().resource_setup()
        # Approved by the reference third party when the gate is on.
        cls.server = cls.create_class_server(
            data_utils.rand_name(prefix=base.APPROVE_PREFIX))

    def _gate_event(self, status='completed', tag=None):
        # A tag the gate never issued: the event must be accepted by the
        # API and then ignored by nova-compute.
        return {'name': base.GATE_EVENT_NAME,
                'server_uuid': self.server['id'],
                'tag': tag or data_utils.rand_uuid_hex(),
                'status': status}

    def _other_event(self):
        return {'name': 'network-changed',
                'server_uuid': self.server['id'],
                'tag': data_utils.rand_uuid()}

    def _assert_accepted(self, client, events):
        body = client.create_server_external_events(events)
        self.assertEqual(200, body.response.status)
        self.assertEqual([200] * len(events),
                         [e['code'] for e in body['events']], body)
        # Events with an unknown tag change nothing.
        self.wait_for_status(self.server['id'], 'ACTIVE')

    @decorators.idempotent_id('b5e878cb-bf4d-4b40-bac4-99005dcbf1ef')
    def test_reporter_may_post_gate_events(self):
        self._assert_accepted(
            self.reporter_events_client,
            [self._gate_event('completed'), self._gate_event('in-progress'),
             self._gate_event('failed')])

    @decorators.idempotent_id('5b6ea808-5499-4b5c-90b1-af6acf3d19fa')
    def test_reporter_may_not_post_other_events(self):
        self.assertRaises(
            lib_exc.Forbidden,
            self.reporter_events_client.create_server_external_events,
            [self._other_event()])

    @decorators.idempotent_id('435d4573-25c8-4646-8b20-5266761894a1')
    def test_reporter_may_not_mix_in_other_events(self):
        # The role covers a request only when every event in it is a
        # third-party-gate event.
        self.assertRaises(
            lib_exc.Forbidden,
            self.reporter_events_client.create_server_external_events,
            [self._gate_event(), self._other_event()])

    @decorators.idempotent_id('9d0b8f39-1f17-402b-bfd9-16c997da1b77')
    def test_member_may_not_post_gate_events(self):
        # Not even for the member's own server.
        self.assertRaises(
            lib_exc.Forbidden,
            self.member_events_client.create_server_external_events,
            [self._gate_event()])

    @decorators.idempotent_id('f1d7ceb7-c875-4039-adec-c740523761cb')
    def test_admin_may_post_gate_events(self):
        # Through Nova's own rule, like Neutron's events.
        self._assert_accepted(self.admin_events_client,
                              [self._gate_event()])

    @decorators.idempotent_id('2cf717a0-1d72-4c5f-95c2-42119031aedb')
    def test_gate_event_needs_microversion_2_93(self):
        self.useFixture(api_microversion_fixture.APIMicroversionFixture(
            compute_microversion='2.92'))
        self.assertRaises(
            lib_exc.BadRequest,
            self.reporter_events_client.create_server_external_events,
            [self._gate_event()])
