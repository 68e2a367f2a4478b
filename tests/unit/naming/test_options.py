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

"""When naming is on, as an operator writes the options in nova.conf."""

import os

import fixtures
from oslo_config import cfg
import testtools

from nova_ext.conf import naming as naming_conf


class TestEnabled(testtools.TestCase):

    def _conf(self, text='', args=()):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'nova.conf')
        with open(path, 'w') as f:
            f.write('[DEFAULT]\n' + text)
        conf = cfg.ConfigOpts()
        naming_conf.register_opts(conf)
        conf(['--config-file', path] + list(args))
        return conf

    def test_nothing_set_is_off(self):
        conf = self._conf()
        self.assertFalse(naming_conf.enabled(conf))
        self.assertEqual([], naming_conf.options_set(conf))

    def test_template_in_the_file_turns_it_on(self):
        conf = self._conf(
            'multi_instance_display_name_template = %(name)s-%(count)s\n')
        self.assertTrue(naming_conf.enabled(conf))
        # Even when the file repeats the default.
        conf = self._conf(
            'multi_instance_display_name_template = %(name)s-%(count)d\n')
        self.assertTrue(naming_conf.enabled(conf))

    def test_force_turns_it_on(self):
        conf = self._conf('force_multi_instance_display_name = true\n')
        self.assertTrue(naming_conf.enabled(conf))
        self.assertEqual(['force_multi_instance_display_name'],
                         naming_conf.options_set(conf))
        conf = self._conf('force_multi_instance_display_name = false\n')
        self.assertFalse(naming_conf.enabled(conf))

    def test_switch_forces(self):
        conf = self._conf(
            'multi_instance_display_name_template = %(name)s%(count)d\n'
            'multi_instance_display_name_template_enabled = false\n')
        self.assertFalse(naming_conf.enabled(conf))
        self.assertEqual(['multi_instance_display_name_template'],
                         naming_conf.options_set(conf))
        conf = self._conf(
            'multi_instance_display_name_template_enabled = true\n')
        self.assertTrue(naming_conf.enabled(conf))

    def test_override_counts_as_set(self):
        conf = self._conf()
        conf.set_override('multi_instance_display_name_template',
                          '%(name)s%(count)d')
        self.assertTrue(naming_conf.enabled(conf))

    def test_environment_turns_it_on(self):
        # oslo.config's environment source: OS_<GROUP>__<OPTION>.
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_DEFAULT__MULTI_INSTANCE_DISPLAY_NAME_TEMPLATE',
            '%(name)s.%(count)d'))
        conf = self._conf()
        self.assertTrue(naming_conf.enabled(conf))
        self.assertEqual('%(name)s.%(count)d',
                         conf.multi_instance_display_name_template)
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_DEFAULT__MULTI_INSTANCE_DISPLAY_NAME_TEMPLATE_ENABLED',
            'false'))
        self.assertFalse(naming_conf.enabled(self._conf()))

    def test_config_dir_turns_it_on(self):
        conf_dir = self.useFixture(fixtures.TempDir()).path
        with open(os.path.join(conf_dir, 'naming.conf'), 'w') as f:
            f.write('[DEFAULT]\nforce_multi_instance_display_name = true\n')
        conf = self._conf(args=['--config-dir', conf_dir])
        self.assertTrue(naming_conf.enabled(conf))
