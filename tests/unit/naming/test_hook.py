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

"""The namer's per-process state: options registered once."""

from unittest import mock

import fixtures
from oslo_config import cfg
from oslo_config import fixture as config_fixture
import testtools

from nova_ext.conf import naming as naming_conf
from nova_ext.naming import hook


class TestPerProcess(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.conf = self.useFixture(config_fixture.Config(cfg.CONF))
        naming_conf.register_opts(cfg.CONF)
        self.register = self.useFixture(fixtures.MockPatchObject(
            naming_conf, 'register_opts')).mock

    def test_options_registered_once_not_per_create(self):
        # oslo.config clears its option cache on every registration, which
        # would slow every option read in nova-api on every create.
        self.conf.config(multi_instance_display_name_template='%(name)s-'
                         '%(count)d',
                         multi_instance_display_name_count_scope='request')
        namer = hook.InstanceNamer()
        context = mock.Mock(project_id='p', project_name='P')
        for _ in range(3):
            name_instance = namer.reserve(
                context, {'display_name': 'web', 'project_id': 'p'}, 2)
            instance = mock.Mock(uuid='u', system_metadata={})
            name_instance(instance, 1)
            self.assertEqual('web-2', instance.display_name)
        self.assertEqual(1, self.register.call_count)

    def test_where_the_template_comes_from_is_asked_once(self):
        # oslo.config does not cache get_location (about 50 us a call).
        self.conf.config(multi_instance_display_name_template='%(name)s-'
                         '%(count)d',
                         multi_instance_display_name_count_scope='request')
        get_location = self.useFixture(fixtures.MockPatchObject(
            cfg.CONF, 'get_location', wraps=cfg.CONF.get_location)).mock
        namer = hook.InstanceNamer()
        self.assertEqual(1, get_location.call_count)
        context = mock.Mock(project_id='p', project_name='P')
        for _ in range(3):
            self.assertIsNot(hook._noop, namer.reserve(
                context, {'display_name': 'web', 'project_id': 'p'}, 2))
        self.assertEqual(1, get_location.call_count)
        # The switch is still read on every create.
        self.conf.config(multi_instance_display_name_template_enabled=False)
        self.assertIs(hook._noop, namer.reserve(
            context, {'display_name': 'web', 'project_id': 'p'}, 2))

    def test_naming_off_reserves_nothing(self):
        namer = hook.InstanceNamer()
        self.assertIs(hook._noop, namer.reserve(
            mock.Mock(), {'display_name': 'web', 'project_id': 'p'}, 2))
