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

"""Names nova-ext did not make, and Nova's own uniqueness rules.

Servers keeping their requested name or hostname, servers renamed through
the API, and Nova's ``osapi_compute_unique_server_name_scope``: a templated
name must repeat none of them, or Nova refuses the create (InstanceExists)
or two servers share a name.
"""

from tests.functional.naming import test_display_names as base


class TestKeptNamesWhileBuildRequests(base.NamingTestBase):
    """Kept names are recorded before any cell knows the server.

    Builds are not run (the conductor is stopped): the servers stay
    BuildRequests, so the cell lookup cannot see them and only the issued
    names in the API database can.
    """

    CAST_AS_CALL = False
    NAMING = {'force_multi_instance_display_name': False,
              'multi_instance_display_name_template': '%(name)s-%(count)d'}

    def setUp(self):
        super().setUp()
        self.conductor.stop()

    def _reserved(self, resp):
        servers = self.api.get_servers(
            detail=True, search_opts={'reservation_id': resp[
                'reservation_id']})
        return sorted((s['name'], s['OS-EXT-SRV-ATTR:hostname'])
                      for s in servers)

    def test_single_create_keeps_a_name_later_templated(self):
        one = self.api.get_server(self._post('web-1')['server']['id'])
        self.assertEqual('web-1', one['name'])
        self.assertEqual([('web-2', 'web-2'), ('web-3', 'web-3')],
                         self._reserved(self._post('web', 2)))

    def test_requested_hostname_is_not_templated_again(self):
        self.flags(force_multi_instance_display_name=True)
        one = self.api.get_server(
            self._post('db', hostname='app-1')['server']['id'])
        self.assertEqual(('db-1', 'app-1'),
                         (one['name'], one['OS-EXT-SRV-ATTR:hostname']))
        self.assertEqual([('app-2', 'app-2'), ('app-3', 'app-3')],
                         self._reserved(self._post('app', 2)))


class TestHostnameCase(base.NamingTestBase):
    """Hostnames of existing servers compare case-insensitively, as Nova's.
    """

    def test_renamed_upper_case_hostname_is_skipped(self):
        self.assertEqual(['app1'], self._names(self._boot('app')))
        other = self._boot('other')[0]
        self.api.put_server(other['id'], {'server': {'hostname': 'APP2'}})
        self.assertEqual(
            'APP2', self.api.get_server(other['id'])[
                'OS-EXT-SRV-ATTR:hostname'])
        servers = self._boot('app')
        self.assertEqual(['app3'], self._hostnames(servers))
        self.assertEqual('ACTIVE', servers[0]['status'])


class TestNovaGlobalHostnameScope(base.NamingTestBase):
    """Nova's global hostname uniqueness with nova-ext's project scope.

    Display names count per project; hostnames are issued globally, so the
    second project's ``web`` skips the count whose hostname the first
    project holds and gets one Nova accepts.
    """

    NAMING = {'osapi_compute_unique_server_name_scope': 'global'}

    def test_same_name_in_two_projects(self):
        other = self.api_fixture.alternative_api
        other.project_id = base.OTHER_PROJECT
        other.microversion = self.microversion
        first = self._boot('web')[0]
        self.assertEqual(('web1', 'web1', 'ACTIVE'), (
            first['name'], first['OS-EXT-SRV-ATTR:hostname'],
            first['status']))
        second = self._boot('web', api=other)[0]
        self.assertEqual(('web2', 'web2', 'ACTIVE'), (
            second['name'], second['OS-EXT-SRV-ATTR:hostname'],
            second['status']))

    def test_hostname_renamed_in_another_project_is_skipped(self):
        # Only the cells know a hostname set through the API; Nova refuses
        # it in every project, so the lookup must read every project.
        other = self.api_fixture.alternative_api
        other.project_id = base.OTHER_PROJECT
        other.microversion = self.microversion
        renamed = self._boot('other')[0]
        self.api.put_server(renamed['id'], {'server': {'hostname': 'WEB1'}})
        second = self._boot('web', api=other)[0]
        self.assertEqual(('web2', 'web2', 'ACTIVE'), (
            second['name'], second['OS-EXT-SRV-ATTR:hostname'],
            second['status']))
