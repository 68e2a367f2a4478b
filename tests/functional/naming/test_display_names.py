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

"""Display-name templating through Nova's REST API on Nova's own harness.

The real compute API (with patches/0003 applied) loads nova_ext's namer
through its entry point; servers are created over HTTP (wsgi-intercept)
and names are read back from the API.
"""

import time

import fixtures
from oslo_config import cfg
from oslo_config import fixture as config_fixture
import sqlalchemy as sa

from nova import context as nova_context
from nova.db.api import api as api_db_api
from nova import objects
from nova import test
from nova.tests import fixtures as nova_fixtures
from nova.tests.functional.api import client
from nova.tests.functional import integrated_helpers

from nova_ext.conf import naming as naming_conf
from nova_ext.naming import hook
from nova_ext.testing import harness

CONF = cfg.CONF

OTHER_PROJECT = 'a8b2a3d8c3c84e6e9f5a0c1f1f0e2b77'


class NamingTestBase(integrated_helpers._IntegratedTestBase):
    """Boot a harness with the namer enabled and the counter table made."""

    REQUIRES_LOCKING = False
    microversion = 'latest'
    #: Naming options set before the services start (as overrides).
    NAMING = {}
    #: Naming options as a configuration file gives them, instead of
    #: NAMING and the defaults here.
    CONFIG_FILE = None
    #: Whether to create the counter table (nova-ext-manage db sync).
    CREATE_TABLE = True

    def _setup_services(self):
        naming_conf.register_opts(CONF)
        if self.CONFIG_FILE is None:
            options = {
                'multi_instance_display_name_template': '%(name)s%(count)d',
                'force_multi_instance_display_name': True,
            }
            options.update(self.NAMING)
            self.flags(**options)
        else:
            self.useFixture(config_fixture.Config(CONF)).load_raw_values(
                **self.CONFIG_FILE)
        self.flags(instances=-1, cores=-1, ram=-1, group='quota')
        if self.CREATE_TABLE:
            self.useFixture(harness.CounterTable())
        super()._setup_services()
        # A stand-in for keystonemiddleware: the harness's stub context
        # ignores the project name that a token carries; this one takes it
        # from X-Project-Name, as keystonemiddleware would set it.
        self.useFixture(fixtures.MonkeyPatch(
            'nova.api.auth.NovaKeystoneContext._create_context',
            self._fake_context))

    @staticmethod
    def _fake_context(env, **kwargs):
        user_id = env['HTTP_X_AUTH_USER']
        return nova_context.RequestContext(
            user_id, env['HTTP_X_AUTH_PROJECT_ID'],
            project_name=env.get('HTTP_X_PROJECT_NAME'),
            is_admin=user_id == 'admin',
            roles=env['HTTP_X_ROLES'].split(','), **kwargs)

    def _post(self, name, count=1, api=None, headers=None, **extra):
        """POST a create of ``count`` servers; return the response body."""
        api = api or self.api
        image, flavor = self._image_and_flavor()
        body = self._build_server(name=name, image_uuid=image,
                                  flavor_id=flavor, networks='none')
        body.update(extra)
        if count > 1:
            body['min_count'] = count
            body['max_count'] = count
            body['return_reservation_id'] = True
        return api.api_post('/servers', {'server': body},
                            headers=headers or {}).body

    def _boot(self, name, count=1, api=None, headers=None, **extra):
        """Create ``count`` servers named ``name``; return them by name.

        Names are final when the API answers the POST; the builds are
        waited for only so that none is left running when the test ends.
        They may end in ERROR for lack of fake compute capacity (in cell0,
        which the name lookups also cover).
        """
        api = api or self.api
        resp = self._post(name, count, api, headers, **extra)
        if count == 1:
            servers = [resp['server']]
        else:
            servers = api.get_servers(
                search_opts={'reservation_id': resp['reservation_id']})
        servers = [self._settle(api, s['id']) for s in servers]
        return sorted(servers, key=lambda s: s['name'])

    def _image_and_flavor(self):
        # Looked up once: _build_server's image lookup switches the shared
        # client's microversion, which would race other threads.
        if not hasattr(self, '_image_flavor'):
            body = self._build_server(networks='none')
            self._image_flavor = (body['imageRef'],
                                  body['flavorRef'].rsplit('/', 1)[-1])
        return self._image_flavor

    def _settle(self, api, server_id):
        for _ in range(300):
            server = api.get_server(server_id)
            if server['status'] != 'BUILD':
                return server
            time.sleep(0.1)
        self.fail('server %s still building' % server_id)

    def _names(self, servers):
        return [s['name'] for s in servers]

    def _hostnames(self, servers):
        return [s['OS-EXT-SRV-ATTR:hostname'] for s in servers]

    def _counter_rows(self):
        with api_db_api.get_engine().connect() as conn:
            return conn.execute(sa.text(
                'SELECT scope, name, last_count FROM nova_ext_name_counters '
                'ORDER BY scope, name')).fetchall()


class TestProjectScope(NamingTestBase):
    """The issue's example: counts continue per name within a project."""

    def test_examples_from_the_issue(self):
        test1 = self._boot('test')
        self.assertEqual(['test1'], self._names(test1))
        self.assertEqual(['test1'], self._hostnames(test1))
        self.assertEqual('ACTIVE', test1[0]['status'])
        self.assertEqual(['sample1'], self._names(self._boot('sample')))
        self.assertEqual(['test2'], self._names(self._boot('test')))
        multi = self._boot('test', count=3)
        self.assertEqual(['test3', 'test4', 'test5'], self._names(multi))
        self.assertEqual(['test3', 'test4', 'test5'], self._hostnames(multi))

        # Numbers of deleted servers are not reused.
        self._delete_server(multi[-1])
        self._wait_until_deleted(multi[-1])
        self.assertEqual(['test6'], self._names(self._boot('test')))

        # The requested name is compared case folded.
        self.assertEqual(['TEST7'], self._names(self._boot('TEST')))

        # The count is for audit in system metadata, never user metadata.
        server = self.admin_api.get_server(test1[0]['id'])
        self.assertEqual({}, server['metadata'])
        ctxt = nova_context.get_admin_context()
        instance = objects.Instance.get_by_uuid(
            ctxt, test1[0]['id'], expected_attrs=['system_metadata'])
        self.assertEqual('1', instance.system_metadata[
            hook.SYSMETA_COUNT])

    def test_projects_count_separately(self):
        other = self.api_fixture.alternative_api
        other.project_id = OTHER_PROJECT
        other.microversion = self.microversion
        self.assertEqual(['web1'], self._names(self._boot('web')))
        self.assertEqual(['web1'], self._names(self._boot('web', api=other)))
        self.assertEqual(['web2'], self._names(self._boot('web')))

    def test_seeded_from_existing_servers(self):
        # An upgraded cloud: servers named before the template was enabled.
        self.flags(multi_instance_display_name_template_enabled=False)
        for i in (1, 2, 7):
            self._boot('db%d' % i)
        deleted = self._boot('db30')[0]
        for name in ('DB9-not-a-count', 'db 12', 'db20240101', 'db011'):
            self._boot(name)
        self._delete_server(deleted)
        self._wait_until_deleted(deleted)
        self.flags(multi_instance_display_name_template_enabled=True)
        self.assertEqual(['db8'], self._names(self._boot('db')))
        self.assertEqual(['db10', 'db9'],
                         self._names(self._boot('db', count=2)))

    def test_existing_name_is_skipped(self):
        server = self._boot('app')[0]
        self.assertEqual('app1', server['name'])
        # A server renamed by hand to a name the count would give next.
        renamed = self._boot('other')[0]
        self.api.put_server(renamed['id'], {'server': {'name': 'APP2'}})
        self.assertEqual(['app3', 'app4'],
                         self._names(self._boot('app', count=2)))

    def test_requested_hostname_is_kept(self):
        server = self._boot('named', hostname='my-host')[0]
        self.assertEqual('named1', server['name'])
        self.assertEqual('my-host', server['OS-EXT-SRV-ATTR:hostname'])

    def test_long_names_keep_the_count(self):
        long_name = 'x' * 70
        servers = self._boot(long_name, count=2)
        for i, server in enumerate(servers, 1):
            hostname = server['OS-EXT-SRV-ATTR:hostname']
            self.assertEqual(63, len(hostname))
            self.assertEqual('x' * 62 + str(i), hostname)
            self.assertEqual(long_name + str(i), server['name'])
        longest = 'y' * 255
        server = self._boot(longest)[0]
        self.assertEqual(255, len(server['name']))
        self.assertEqual('y' * 254 + '1', server['name'])
        # Sanitized and no trailing hyphen once the name part is cut.
        server = self._boot('Web Server_' + 'z' * 51 + '-----')[0]
        self.assertEqual('web-server-' + 'z' * 51 + '1',
                         server['OS-EXT-SRV-ATTR:hostname'])

    def test_unicode_names(self):
        server = self._boot('Café')[0]
        self.assertEqual('Café1', server['name'])
        self.assertEqual('café1', server['OS-EXT-SRV-ATTR:hostname'])
        servers = self._boot('テスト', count=2)
        self.assertEqual(['テスト1', 'テスト2'], self._names(servers))
        # Nothing of the name fits a hostname: Nova's fallback stays.
        for server in servers:
            self.assertEqual('Server-%s' % server['id'],
                             server['OS-EXT-SRV-ATTR:hostname'])

    def test_project_name_from_the_request(self):
        self.flags(multi_instance_display_name_template=(
            '%(project-name)s-%(name)s-%(count)d'))
        servers = self._boot('api', headers={'X-Project-Name': 'Acme'})
        self.assertEqual(['Acme-api-1'], self._names(servers))
        self.assertEqual(['acme-api-1'], self._hostnames(servers))
        # No project name known: the project ID.
        servers = self._boot('api')
        self.assertEqual(['%s-api-2' % self.api.project_id],
                         self._names(servers))


class TestNameCollisions(NamingTestBase):
    """Different requested names that render the same name or hostname.

    Builds are not run (the conductor is stopped): servers stay
    BuildRequests, unknown to any cell, so only the API database can keep
    their names apart.
    """

    CAST_AS_CALL = False
    NAMING = {'osapi_compute_unique_server_name_scope': 'project'}

    def setUp(self):
        super().setUp()
        self.conductor.stop()

    def _create(self, name, count=1):
        """Create servers and return their (display name, hostname)."""
        resp = self._post(name, count)
        if count == 1:
            servers = [self.api.get_server(resp['server']['id'])]
        else:
            servers = self.api.get_servers(
                detail=True,
                search_opts={'reservation_id': resp['reservation_id']})
        return sorted((s['name'], s['OS-EXT-SRV-ATTR:hostname'])
                      for s in servers)

    def test_web_and_web1_while_build_requests(self):
        self.assertEqual(['web%d' % i for i in range(1, 11)],
                         sorted([n for n, h in self._create('web', 10)],
                                key=lambda n: int(n[3:])))
        # web1 at count 1 is web11, which web takes next: skipped.
        self.assertEqual([('web11', 'web11')], self._create('web1'))
        self.assertEqual([('web12', 'web12')], self._create('web'))
        # Numbers stay monotonic per requested name: web1's next, web12,
        # is web's; web's next, web13, web1's.
        self.assertEqual([('web13', 'web13')], self._create('web1'))
        self.assertEqual([('web14', 'web14')], self._create('web'))

    def test_names_with_the_same_hostname(self):
        self.assertEqual([('Web Server1', 'web-server1')],
                         self._create('Web Server'))
        # Same hostname, web-server1: skipped, no InstanceExists.
        self.assertEqual([('web-server2', 'web-server2')],
                         self._create('web-server'))
        self.assertEqual([('web_server3', 'web-server3')],
                         self._create('web_server'))
        # Names differing past the 63 characters of a hostname.
        long_a, long_b = 'x' * 70 + 'a', 'x' * 70 + 'b'
        self.assertEqual([(long_a + '1', 'x' * 62 + '1')],
                         self._create(long_a))
        self.assertEqual([(long_b + '2', 'x' * 62 + '2')],
                         self._create(long_b))

    def test_concurrent_mixed_names(self):
        requested = ['web', 'web1', 'Web', 'WEB1', 'Web Server',
                     'web-server', 'Web1', 'web_server']
        created = []
        self._image_and_flavor()

        def create(i):
            created.extend(self._create(requested[i % len(requested)],
                                        1 + i % 3))

        self.assertEqual([], harness.run_concurrently(create, 16))
        self.assertEqual(sum(1 + i % 3 for i in range(16)), len(created))
        names = [n.casefold() for n, h in created]
        hostnames = [h for n, h in created]
        self.assertEqual(len(names), len(set(names)))
        self.assertEqual(len(hostnames), len(set(hostnames)))


class TestReservationFailure(NamingTestBase):
    """A broken counter fails the create with 503; nothing is left."""

    def test_broken_table_fails_the_create(self):
        self.assertEqual(['ok1'], self._names(self._boot('ok')))
        with api_db_api.get_engine().begin() as conn:
            conn.execute(sa.text('DROP TABLE nova_ext_issued_names'))
        ex = self.assertRaises(client.OpenStackApiException, self._post,
                               'broken', 2)
        self.assertEqual(503, ex.response.status_code)
        self.assertIn("nova-ext's display name counter",
                      ex.response.text)
        ctxt = nova_context.get_admin_context()
        self.assertEqual(['ok1'], [s['name'] for s in
                                   self.admin_api.get_servers(
                                       search_opts={'all_tenants': 1})])
        self.assertEqual(0, len(objects.BuildRequestList.get_all(ctxt)))
        self.assertEqual(1, len(
            objects.InstanceMappingList.get_by_project_id(
                ctxt, self.api.project_id)))


class TestConfigFileOnly(NamingTestBase):
    """Options as an operator writes them in nova.conf turn naming on."""

    CONFIG_FILE = {
        'multi_instance_display_name_template': '%(name)s-%(count)03d',
    }

    def test_template_in_the_file_turns_naming_on(self):
        self.assertIsNone(CONF.multi_instance_display_name_template_enabled)
        self.assertEqual(['web'], self._names(self._boot('web')))
        self.assertEqual(['web-001', 'web-002'],
                         self._names(self._boot('web', count=2)))
        # The project scope continues the count across requests.
        self.assertEqual(['web-003', 'web-004'],
                         self._names(self._boot('web', count=2)))


class TestConfigFileForce(NamingTestBase):
    CONFIG_FILE = {
        'multi_instance_display_name_template': '%(name)s-%(count)s',
        'force_multi_instance_display_name': 'true',
    }

    def test_force_and_queens_template(self):
        self.assertEqual(['web-1'], self._names(self._boot('web')))
        self.assertEqual(['web-2'], self._names(self._boot('web')))


class TestConcurrentCreates(NamingTestBase):
    """Many creates at once from threads all get different names."""

    # The API's work only: builds are not run (the conductor is stopped),
    # so that the threads overlap on reservations and name lookups, and
    # Nova's harness does not switch cells under concurrent builds, which
    # can deadlock its cell fixture with native threads.
    CAST_AS_CALL = False

    def test_concurrent_creates_get_unique_names(self):
        posted = []
        image, flavor = self._image_and_flavor()
        self.conductor.stop()
        counts = [1 + i % 3 for i in range(10)]

        def create(i):
            body = self._build_server(name='race', image_uuid=image,
                                      flavor_id=flavor, networks='none')
            body.update(min_count=counts[i], max_count=counts[i],
                        return_reservation_id=True)
            posted.append(self.api.api_post(
                '/servers', {'server': body}).body['reservation_id'])

        self.assertEqual([], harness.run_concurrently(create, len(counts)))
        servers = []
        for reservation_id in posted:
            servers.extend(self.api.get_servers(
                search_opts={'reservation_id': reservation_id}))
        self.assertEqual(sorted('race%d' % i
                                for i in range(1, sum(counts) + 1)),
                         sorted(s['name'] for s in servers))


class TestForceOff(NamingTestBase):
    NAMING = {'force_multi_instance_display_name': False,
              'multi_instance_display_name_template': '%(name)s-%(count)d'}

    def test_single_create_keeps_the_name(self):
        servers = self._boot('web')
        self.assertEqual(['web'], self._names(servers))
        self.assertEqual(['web'], self._hostnames(servers))
        self.assertEqual(['web-1', 'web-2'],
                         self._names(self._boot('web', count=2)))
        self.assertEqual(['web-3', 'web-4'],
                         self._names(self._boot('web', count=2)))
        self.assertEqual(['web'], self._names(self._boot('web')))


class TestRequestScope(NamingTestBase):
    NAMING = {'multi_instance_display_name_count_scope': 'request',
              'multi_instance_display_name_template': 'vm-%(name)s-%(count)d'}

    def test_counts_restart_per_request(self):
        self.assertEqual(['vm-a-1'], self._names(self._boot('a')))
        self.assertEqual(['vm-a-1'], self._names(self._boot('a')))
        multi = self._boot('a', count=2)
        self.assertEqual(['vm-a-1', 'vm-a-2'], self._names(multi))
        self.assertEqual(['vm-a-1', 'vm-a-2'], self._hostnames(multi))
        self.assertEqual([], self._counter_rows())


class TestGlobalScope(NamingTestBase):
    NAMING = {'multi_instance_display_name_count_scope': 'global'}

    def test_count_continues_across_projects(self):
        other = self.api_fixture.alternative_api
        other.project_id = OTHER_PROJECT
        other.microversion = self.microversion
        self.assertEqual(['db1'], self._names(self._boot('db')))
        self.assertEqual(['db2', 'db3'],
                         self._names(self._boot('db', count=2, api=other)))
        self.assertEqual(['db4'], self._names(self._boot('db')))
        self.assertEqual([('global', 'db', 4)], self._counter_rows())


class TestShortenedUUID(NamingTestBase):
    # 8 of a UUID's 32 digits can repeat: the names are issued, and a
    # name another requested name took is skipped, as without a UUID.
    NAMING = {'multi_instance_display_name_template':
              '%(name)s%(count)d-%(uuid).8s'}

    def _issued(self):
        with api_db_api.get_engine().connect() as conn:
            return sorted(r[0] for r in conn.execute(sa.text(
                'SELECT display_name FROM nova_ext_issued_names')))

    def test_names_are_issued(self):
        self._boot('web', count=11)
        names = self._names(self._boot('web1'))
        self.assertTrue(names[0].startswith('web12-'), names)
        self.assertIn('web11-', self._issued())


class TestDisabled(NamingTestBase):
    NAMING = {'multi_instance_display_name_template_enabled': False}

    def test_upstream_names(self):
        # The template is set, but the switch forces naming off: nova-api
        # said so at start.
        self.assertIn('Display name templating is off although '
                      'multi_instance_display_name_template and '
                      'force_multi_instance_display_name are set',
                      self.stdlog.logger.output)
        self.assertEqual(['web'], self._names(self._boot('web')))
        multi = self._boot('web', count=2)
        self.assertEqual(['web-1', 'web-2'], self._names(multi))
        self.assertEqual(['web-1', 'web-2'], self._hostnames(multi))
        self.assertEqual([], self._counter_rows())


class TestServiceStart(test.TestCase):
    """Bad configuration stops nova-api at start, naming the option."""

    def setUp(self):
        super().setUp()
        naming_conf.register_opts(CONF)
        self.flags(force_multi_instance_display_name=True)

    def _start_api(self):
        return self.useFixture(nova_fixtures.OSAPIFixture())

    def test_invalid_template(self):
        self.useFixture(harness.CounterTable())
        conf = self.useFixture(config_fixture.Config(CONF))
        conf.load_raw_values(
            multi_instance_display_name_template='%(name)s-%(nope)d')
        ex = self.assertRaises(cfg.ConfigFileValueError, self._start_api)
        self.assertIn('multi_instance_display_name_template', str(ex))
        self.assertIn("'nope'", str(ex))

    def test_missing_counter_table(self):
        ex = self.assertRaises(hook.CounterTableMissing, self._start_api)
        self.assertIn('nova-ext-manage', str(ex))
        self.assertIn('db sync', str(ex))

    def test_request_scope_needs_no_table(self):
        self.flags(multi_instance_display_name_count_scope='request')
        api = self._start_api().api
        self.assertEqual([], api.get_servers())
