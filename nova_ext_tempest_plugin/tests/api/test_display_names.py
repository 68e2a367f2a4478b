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

"""API tests of the display-name template.

Names are given by nova-api when the create request is accepted, so these
tests read them right after the request and do not wait for the servers
to become ACTIVE. Each test uses base names with a random part, so that
counts start at 1 in every run, whatever the count scope.
"""

from tempest.common import waiters
from tempest import config
from tempest.lib.common.utils import data_utils
from tempest.lib import decorators

from nova_ext_tempest_plugin.tests import base

CONF = config.CONF

# Display names (and so hostnames) longer than this are shortened by
# nova-ext; the tests' names stay well below it.
HOSTNAME_MAX = 63


class DisplayNameTemplateTest(base.NovaExtBaseTest):
    """The examples of the documentation, through the REST API."""

    @classmethod
    def skip_checks(cls):
        super().skip_checks()
        if not CONF.nova_ext.naming_enabled:
            raise cls.skipException('The display-name template is not '
                                    'enabled')

    def _expected(self, base_name, count, server):
        creds = self.os_primary.credentials
        return CONF.nova_ext.name_template % {
            'name': base_name,
            'count': count,
            'uuid': server['id'],
            'project-name': creds.project_name or creds.project_id,
            'project_id': creds.project_id,
        }

    def _count_of(self, base_name, server, limit=50):
        """The count the template gave ``server``, or None."""
        for count in range(1, limit):
            if self._expected(base_name, count, server) == server['name']:
                return count
        return None

    def _create(self, base_name, count=1):
        servers = self.create_servers(base_name, count=count)
        # Read back: the create response of a multi-create lists nothing.
        return [self.show_server(s['id']) for s in servers]

    def _assert_counts(self, base_name, servers, counts):
        self.assertEqual(
            sorted(counts),
            sorted(self._count_of(base_name, s) for s in servers),
            [s['name'] for s in servers])
        for server in servers:
            hostname = server.get('OS-EXT-SRV-ATTR:hostname')
            name = server['name']
            if (hostname is not None and len(name) <= HOSTNAME_MAX
                    and name == name.lower()):
                # The hostname follows the new display name.
                self.assertEqual(name, hostname)

    def _require_continuing_count(self):
        if not CONF.nova_ext.force_name:
            raise self.skipException(
                'Needs force_multi_instance_display_name')
        if CONF.nova_ext.name_count_scope not in ('project', 'global'):
            raise self.skipException('Needs a project or global count scope')

    @decorators.idempotent_id('5157b442-94ad-4c02-8c9b-3cd4487084e2')
    def test_counts_continue_per_name(self):
        # test -> test1, sample -> sample1, test -> test2, then a 3-server
        # multi-create of test -> test3, test4, test5.
        self._require_continuing_count()
        test = data_utils.rand_name(prefix='nova-ext', name='test')
        sample = data_utils.rand_name(prefix='nova-ext', name='sample')
        self._assert_counts(test, self._create(test), [1])
        self._assert_counts(sample, self._create(sample), [1])
        self._assert_counts(test, self._create(test), [2])
        self._assert_counts(test, self._create(test, count=3), [3, 4, 5])

    @decorators.idempotent_id('6cd49b5d-f1b6-45dd-98c5-22462369b428')
    def test_numbers_of_deleted_servers_are_not_reused(self):
        self._require_continuing_count()
        name = data_utils.rand_name(prefix='nova-ext', name='deleted')
        server = self._create(name)[0]
        self._assert_counts(name, [server], [1])
        self.servers_client.delete_server(server['id'])
        waiters.wait_for_server_termination(self.servers_client,
                                            server['id'])
        self._assert_counts(name, self._create(name), [2])

    @decorators.idempotent_id('2096e03f-7a76-4352-b4e8-de485ced10e9')
    def test_multi_create_numbers_each_server(self):
        # A fresh name: 1..3 whatever the scope.
        name = data_utils.rand_name(prefix='nova-ext', name='multi')
        servers = self._create(name, count=3)
        self.assertEqual(3, len({s['name'] for s in servers}))
        self._assert_counts(name, servers, [1, 2, 3])

    @decorators.idempotent_id('16301f66-638c-4190-8efe-dcbc5c095d4f')
    def test_single_create(self):
        name = data_utils.rand_name(prefix='nova-ext', name='single')
        server = self._create(name)[0]
        if CONF.nova_ext.force_name:
            self._assert_counts(name, [server], [1])
        else:
            # Without force, a single server keeps the requested name.
            self.assertEqual(name, server['name'])

    @decorators.idempotent_id('46415e5a-a364-4eb9-a381-f587d0f054ca')
    def test_request_scope_restarts_counts(self):
        if (CONF.nova_ext.name_count_scope != 'request'
                or not CONF.nova_ext.force_name):
            raise self.skipException(
                'Needs the request count scope and forced naming')
        name = data_utils.rand_name(prefix='nova-ext', name='request')
        self._assert_counts(name, self._create(name), [1])
        self._assert_counts(name, self._create(name), [1])
        self._assert_counts(name, self._create(name, count=2), [1, 2])
