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

"""Tempest plugin of nova-ext (entry point ``tempest.test_plugins``)."""

import os

from tempest import config
from tempest.test_discover import plugins

from nova_ext_tempest_plugin import config as nova_ext_config


class NovaExtTempestPlugin(plugins.TempestPlugin):
    """Tests of the third-party gate and the display-name template.

    The tests run against a real cloud with nova-ext installed (for example
    DevStack with the plugin in devstack/) and skip themselves unless
    ``[service_available] nova_ext`` is true.
    """

    def load_tests(self):
        base_path = os.path.split(os.path.dirname(
            os.path.abspath(__file__)))[0]
        test_dir = 'nova_ext_tempest_plugin/tests'
        full_test_dir = os.path.join(base_path, test_dir)
        return full_test_dir, base_path

    def register_opts(self, conf):
        nova_ext_config.register_opts(conf)

    def get_opt_lists(self):
        return nova_ext_config.list_opts()

    def get_service_clients(self):
        # The events client talks to Nova's compute endpoint: it takes the
        # compute service's catalog type, region and timeouts.
        params = config.service_client_config('compute')
        params.update({
            'name': 'nova_ext',
            'service_version': 'nova_ext',
            'module_path': 'nova_ext_tempest_plugin.services',
            'client_names': ['GateEventsClient'],
        })
        return [params]
