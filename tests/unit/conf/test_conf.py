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

"""nova-ext's options: what the generators see, and start-up errors."""

import os

import fixtures
from oslo_config import cfg
import testtools

from nova_ext import conf as ext_conf
from nova_ext.conf import opts


class ListOptsTest(testtools.TestCase):

    def test_every_option_is_listed_with_help(self):
        listed = {}
        for group, options in opts.list_opts():
            name = getattr(group, 'name', group)
            for opt in options:
                listed[(name, opt.name)] = opt
        for key in [('third_party_gate', 'enabled'),
                    ('third_party_gate', 'url'),
                    ('third_party_gate', 'timeout'),
                    ('third_party_gate', 'timeout_action'),
                    ('third_party_gate', 'failure_policy'),
                    ('third_party_gate', 'secret'),
                    ('third_party_gate', 'max_total_wait'),
                    ('third_party_gate', 'operations'),
                    ('DEFAULT', 'multi_instance_display_name_template'),
                    ('DEFAULT', 'force_multi_instance_display_name'),
                    ('DEFAULT', 'multi_instance_display_name_count_scope')]:
            self.assertIn(key, listed)
        for key, opt in listed.items():
            # A summary line and the longer why, as Nova's options have.
            self.assertGreater(len((opt.help or '').strip().splitlines()), 1,
                               '%s has no full help text' % (key,))
        self.assertTrue(listed[('third_party_gate', 'secret')].secret)

    def test_register_twice_is_harmless(self):
        conf = cfg.ConfigOpts()
        ext_conf.register_opts(conf)
        ext_conf.register_opts(conf)
        conf([])
        self.assertFalse(conf.third_party_gate.enabled)
        self.assertEqual('%(name)s-%(count)d',
                         conf.multi_instance_display_name_template)


class TemplateOptionTest(testtools.TestCase):
    """The template as an operator writes it in nova.conf."""

    def _load(self, template):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'nova.conf')
        with open(path, 'w') as f:
            f.write('[DEFAULT]\nmulti_instance_display_name_template = %s\n'
                    % template)
        conf = cfg.ConfigOpts()
        ext_conf.register_opts(conf)
        conf(['--config-file', path])
        return conf

    def test_unknown_key_names_the_option_and_the_key(self):
        conf = self._load('%(name)s-%(colour)s')
        error = self.assertRaises(
            cfg.ConfigFileValueError, getattr, conf,
            'multi_instance_display_name_template')
        self.assertIn('multi_instance_display_name_template', str(error))
        self.assertIn("unknown key 'colour'", str(error))

    def test_malformed_template_is_refused(self):
        conf = self._load('%(name)s-%(count')
        error = self.assertRaises(
            cfg.ConfigFileValueError, getattr, conf,
            'multi_instance_display_name_template')
        self.assertIn('multi_instance_display_name_template', str(error))

    def test_known_keys_are_accepted(self):
        template = '%(project-name)s-%(name)s%(count)03d-%(uuid).8s'
        self.assertEqual(template, self._load(
            template).multi_instance_display_name_template)
