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

"""Base classes of the nova-ext tempest tests.

Built on tempest's stable interfaces only (tempest.test, tempest.config,
tempest.common, tempest.lib). Servers are booted with ``networks: none``
(microversion 2.37 and later), so the tests need no Neutron network.
"""

import datetime
import re
import time
import urllib.error
import urllib.request

from tempest.common import waiters
from tempest import config
from tempest.lib.common import api_microversion_fixture
from tempest.lib.common import api_version_utils
from tempest.lib.common.utils import data_utils
from tempest.lib.common.utils import test_utils
from tempest.lib import exceptions as lib_exc
from tempest import test

CONF = config.CONF

#: Name of the instance action event recording each gate decision.
GATE_ACTION_EVENT = 'nova_ext_third_party_gate'
#: Name of the external event carrying a verdict.
GATE_EVENT_NAME = 'third-party-gate'
#: First microversion accepting ``third-party-gate`` events.
GATE_EVENT_MICROVERSION = '2.93'

# Display-name prefixes the reference third party's default rules act on
# (see [nova_ext] reject_name_regex and ignore_name_regex).
APPROVE_PREFIX = 'nova-ext-approve'
REJECT_PREFIX = 'nova-ext-reject'
IGNORE_PREFIX = 'nova-ext-ignore'


def _parse_time(value):
    """Parse an instance action event's ISO 8601 time, as naive UTC."""
    parsed = datetime.datetime.fromisoformat(value.replace('Z', '+00:00'))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(datetime.timezone.utc).replace(
            tzinfo=None)
    return parsed


class NovaExtBaseTest(test.BaseTestCase):
    """Common set-up: skips, clients, microversion and server helpers."""

    credentials = ['primary']
    min_microversion = GATE_EVENT_MICROVERSION
    max_microversion = 'latest'

    @classmethod
    def skip_checks(cls):
        super().skip_checks()
        if not CONF.service_available.nova:
            raise cls.skipException('Nova is not available')
        if not CONF.service_available.nova_ext:
            raise cls.skipException('nova-ext is not installed in the cloud')
        api_version_utils.check_skip_with_microversion(
            cls.min_microversion, cls.max_microversion,
            CONF.compute.min_microversion, CONF.compute.max_microversion)

    @classmethod
    def setup_clients(cls):
        super().setup_clients()
        cls.servers_client = cls.os_primary.servers_client

    @classmethod
    def resource_setup(cls):
        super().resource_setup()
        cls.request_microversion = (
            api_version_utils.select_request_microversion(
                cls.min_microversion, CONF.compute.min_microversion))
        cls.setup_api_microversion_fixture(
            compute_microversion=cls.request_microversion)

    def setUp(self):
        super().setUp()
        self.useFixture(api_microversion_fixture.APIMicroversionFixture(
            compute_microversion=self.request_microversion))

    # --- servers ---------------------------------------------------------

    @classmethod
    def _boot(cls, client, name, count=1):
        kwargs = {
            'name': name,
            'imageRef': CONF.compute.image_ref,
            'flavorRef': CONF.compute.flavor_ref,
            'networks': 'none',
        }
        if count > 1:
            kwargs.update(min_count=count, max_count=count,
                          return_reservation_id=True)
        body = client.create_server(**kwargs)
        if count == 1:
            return [body['server']]
        # Build requests are listed too, so every server is already there.
        servers = client.list_servers(
            detail=True, reservation_id=body['reservation_id'])['servers']
        if len(servers) != count:
            raise lib_exc.TempestException(
                'Expected %d servers in reservation %s, found %d' %
                (count, body['reservation_id'], len(servers)))
        return servers

    def create_servers(self, name, count=1, client=None):
        """Boot ``count`` servers named ``name``; delete them at cleanup.

        Does not wait for the build to end: the caller decides which
        status to expect.

        :returns: the servers as listed right after the request.
        """
        client = client or self.servers_client
        servers = self._boot(client, name, count)
        for server in servers:
            # ignore_error: a rejected server is in ERROR until it is gone.
            self.addCleanup(waiters.wait_for_server_termination, client,
                            server['id'], ignore_error=True)
            self.addCleanup(test_utils.call_and_ignore_notfound_exc,
                            client.delete_server, server['id'])
        return servers

    @classmethod
    def create_class_server(cls, name):
        """Boot a server shared by a class's tests; wait for ACTIVE."""
        client = cls.servers_client
        server = cls._boot(client, name)[0]
        cls.addClassResourceCleanup(waiters.wait_for_server_termination,
                                    client, server['id'], ignore_error=True)
        cls.addClassResourceCleanup(test_utils.call_and_ignore_notfound_exc,
                                    client.delete_server, server['id'])
        return waiters.wait_for_server_status(
            client, server['id'], 'ACTIVE',
            extra_timeout=cls.gate_extra_timeout())

    @staticmethod
    def gate_extra_timeout():
        """Seconds a build may take on top of tempest's build_timeout.

        A gated boot may wait for the third party's answer: up to its
        configured delay, or up to the gate timeout when it never answers.
        """
        if not CONF.nova_ext.gate_enabled:
            return 0
        return max(CONF.nova_ext.gate_timeout, CONF.nova_ext.reference_delay)

    def wait_for_status(self, server_id, status, client=None):
        client = client or self.servers_client
        # Tempest's waiter raises when a server reaches ERROR, unless ERROR
        # is what the test waits for (a rejected or timed-out gate).
        return waiters.wait_for_server_status(
            client, server_id, status,
            extra_timeout=self.gate_extra_timeout(),
            raise_on_error=(status != 'ERROR'))

    def show_server(self, server_id, client=None):
        client = client or self.servers_client
        return client.show_server(server_id)['server']

    def gate_action_events(self, server_id, client=None):
        """The gate's decisions recorded in the server's create action."""
        client = client or self.servers_client
        actions = client.list_instance_actions(server_id)['instanceActions']
        create = [a for a in actions if a['action'] == 'create']
        self.assertEqual(1, len(create), actions)
        action = client.show_instance_action(
            server_id, create[0]['request_id'])['instanceAction']
        return [e for e in action.get('events', [])
                if e['event'] == GATE_ACTION_EVENT]


class NovaExtGateBaseTest(NovaExtBaseTest):
    """Tests that boot through the gate and the reference third party."""

    # admin: placement allocations of the servers.
    credentials = ['primary', 'admin']

    @classmethod
    def skip_checks(cls):
        super().skip_checks()
        if not CONF.nova_ext.gate_enabled:
            raise cls.skipException('The third-party gate is not enabled')
        if not CONF.nova_ext.reference_available:
            raise cls.skipException(
                'The gate\'s third party is not the reference service')

    @classmethod
    def resource_setup(cls):
        super().resource_setup()
        cls._check_reference_rules()
        cls._check_reference_alive()

    @classmethod
    def _check_reference_rules(cls):
        # The tests name their servers after these prefixes; a reference
        # service configured with other patterns would make every verdict
        # test fail for a reason unrelated to nova-ext.
        for option, prefix, other in (
                ('reject_name_regex', REJECT_PREFIX, APPROVE_PREFIX),
                ('ignore_name_regex', IGNORE_PREFIX, APPROVE_PREFIX)):
            pattern = getattr(CONF.nova_ext, option)
            name = data_utils.rand_name(prefix=prefix)
            if (not re.search(pattern, name)
                    or re.search(pattern, data_utils.rand_name(
                        prefix=other))):
                raise lib_exc.InvalidConfiguration(
                    '[nova_ext] %s=%s must match names starting with %r '
                    'and only those' % (option, pattern, prefix))

    @classmethod
    def _check_reference_alive(cls):
        url = CONF.nova_ext.reference_url
        if not url:
            return
        try:
            with urllib.request.urlopen(url.rstrip('/') + '/healthz',
                                        timeout=10) as resp:
                resp.read()
        except (urllib.error.URLError, OSError) as e:
            raise lib_exc.TempestException(
                'The reference third party at %s does not answer: %s' %
                (url, e))

    def boot_and_wait(self, prefix, status, count=1):
        """Boot servers named after ``prefix``; wait for ``status``.

        :returns: (servers as shown once in ``status``, seconds elapsed
                   from the create request to the last of them reaching it)
        """
        start = time.monotonic()
        servers = self.create_servers(data_utils.rand_name(prefix=prefix),
                                      count=count)
        shown = [self.wait_for_status(s['id'], status) for s in servers]
        return shown, time.monotonic() - start

    def assert_gate_decision(self, server_id, result, by_verdict=False):
        """Check the gate's recorded decision for the server.

        :param by_verdict: the third party answers this server: check that
            the decision came from its answer (the HTTP response or the
            third-party-gate event) rather than from the status endpoint
            asked once the gate timeout had passed, which would hide lost
            events.
        """
        # An approval is recorded just after the guest may run: give the
        # record a moment to land.
        test_utils.call_until_true(
            lambda: any(e.get('result')
                        for e in self.gate_action_events(server_id)),
            10, 0.5)
        events = self.gate_action_events(server_id)
        self.assertEqual(1, len(events), events)
        event = events[0]
        self.assertEqual(result, event['result'], events)
        timeout = CONF.nova_ext.gate_timeout
        if by_verdict and CONF.nova_ext.reference_delay < timeout:
            self.assertIsNotNone(event.get('finish_time'), event)
            waited = (_parse_time(event['finish_time'])
                      - _parse_time(event['start_time'])).total_seconds()
            self.assertLess(
                waited, timeout,
                'The gate decided only after its %d s timeout: the third '
                'party\'s verdict did not reach it' % timeout)

    def assert_fault(self, server, message):
        self.assertIn('fault', server, server)
        self.assertIn(message, server['fault']['message'])

    def assert_no_allocations(self, server_id):
        allocations = self.os_admin.placement_client.list_allocations(
            server_id)['allocations']
        self.assertEqual({}, allocations)
