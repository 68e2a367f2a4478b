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

"""A reporter in another project (the service project) gives the verdict.

A third party reports on every project's servers, with one Keystone user in
its own project holding only the third_party_gate_reporter role. nova-api
must find the server although it is not in the reporter's project, while
the reporter gains nothing else: it cannot see the server, and it cannot
post any other event.
"""

from nova.tests.fixtures import libvirt as fakelibvirt
from nova.tests.functional.api import client

from nova_ext.testing import harness


SERVICE_PROJECT = 'c0ffee00c0ffee00c0ffee00c0ffee00'


class TestReporterInAnotherProject(harness.GateTestBase):

    def setUp(self):
        super().setUp()
        self.service_reporter = client.TestOpenStackClient(
            'gate-service', self.api.base_url, project_id=SERVICE_PROJECT,
            roles=[harness.REPORTER_ROLE])
        self.service_reporter.microversion = '2.93'

    def test_verdict_for_a_server_of_another_project(self):
        tp = self.third_party(mode='manual')
        server = self.boot('cross-project', expected=None)
        tag = self.wait_for_waiter(server, tp)
        self.wait_for_paused(server)

        resp = self.post_event(server['id'], tag, api=self.service_reporter)
        self.assertEqual(200, resp.status)
        self.assertEqual(200, resp.body['events'][0]['code'])

        server = self._wait_for_state_change(server, 'ACTIVE')
        self.assertEqual(fakelibvirt.VIR_DOMAIN_RUNNING,
                         self.domain_state(server))
        _, event = self.gate_event(server)
        self.assertEqual('Success', event['result'])

    def test_reporter_gains_nothing_else(self):
        tp = self.third_party(mode='manual')
        server = self.boot('cross-project', expected=None)
        tag = self.wait_for_waiter(server, tp)

        # The server stays invisible to the reporter's project...
        error = self.assertRaises(
            client.OpenStackApiNotFoundException,
            self.service_reporter.get_server, server['id'])
        self.assertEqual(404, error.response.status_code)
        # ...and any other event still needs Nova's own rule.
        resp = self.post_event(server['id'], tag, api=self.service_reporter,
                               name='network-changed')
        self.assertEqual(403, resp.status)

        # The gate is still waiting: nothing above reached it.
        self.assertEqual(tag, self.wait_for_waiter(server))
        tp.decide(tag, 'completed', 'approved at last')
        self._wait_for_state_change(server, 'ACTIVE')
