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

"""Template parsing, validation, formatting and the reverse pattern."""

from oslo_config import cfg
from oslo_config import fixture as config_fixture
import testtools

from nova_ext.conf import naming as naming_conf
from nova_ext.naming import template


class TestValidate(testtools.TestCase):

    def test_valid_templates(self):
        for text in ('%(name)s-%(count)d', '%(name)s%(count)03d',
                     '%(project-name)s.%(name)s.%(count)i',
                     '%(uuid)s', '%(name).10s-%(count)u', '100%% %(name)s',
                     '%(project_id)s-%(name)s',
                     # Accepted by Nova before Rocky.
                     '%(name)s-%(count)s', '%(name)s-%(count)x',
                     '%(name)r-%(count)5d'):
            template.validate(text)

    def _assert_invalid(self, text, *fragments):
        ex = self.assertRaises(ValueError, template.validate, text)
        for fragment in fragments:
            self.assertIn(fragment, str(ex))

    def test_unknown_key(self):
        self._assert_invalid('%(name)s-%(hostname)s', "'hostname'",
                             'allowed keys')

    def test_positional_conversion(self):
        self._assert_invalid('%s-%(count)d', 'has no key')

    def test_incomplete(self):
        self._assert_invalid('%(name)s-%', 'incomplete')
        self._assert_invalid('%(name', 'incomplete')

    def test_does_not_format(self):
        self._assert_invalid('%(name)d', 'does not format')
        self._assert_invalid('%(name)s-%(count)y', "'%y'")

    def test_star_width(self):
        self._assert_invalid('%(name)*s', "'*'")

    def test_empty_result(self):
        self._assert_invalid('   ', 'empty')


class TestOption(testtools.TestCase):
    """The option type names the option and the key at read time."""

    def test_bad_value_names_option_and_key(self):
        conf = cfg.ConfigOpts()
        naming_conf.register_opts(conf)
        fixture = self.useFixture(config_fixture.Config(conf))
        fixture.load_raw_values(
            multi_instance_display_name_template='%(nme)s-%(count)d')
        ex = self.assertRaises(
            cfg.ConfigFileValueError,
            lambda: conf.multi_instance_display_name_template)
        self.assertIn('multi_instance_display_name_template', str(ex))
        self.assertIn("'nme'", str(ex))

    def test_default_is_valid(self):
        conf = cfg.ConfigOpts()
        naming_conf.register_opts(conf)
        conf([])
        self.assertEqual('%(name)s-%(count)d',
                         conf.multi_instance_display_name_template)
        self.assertIsNone(conf.multi_instance_display_name_template_enabled)
        self.assertFalse(naming_conf.enabled(conf))


class TestFormat(testtools.TestCase):

    values = {'name': 'web', 'count': 7, 'uuid': 'abc',
              'project-name': 'Acme', 'project_id': 'p1'}

    def test_format(self):
        self.assertEqual(
            'Acme-web-007',
            template.Template('%(project-name)s-%(name)s-%(count)03d')
            .format(self.values))
        self.assertEqual('100% web',
                         template.Template('100%% %(name)s')
                         .format(self.values))
        self.assertEqual('we7',
                         template.Template('%(name).2s%(count)d')
                         .format(self.values))

    def test_values_are_not_interpreted(self):
        values = dict(self.values, name='%(count)d %s')
        self.assertEqual('%(count)d %s-7',
                         template.Template('%(name)s-%(count)d')
                         .format(values))

    def test_keys(self):
        self.assertEqual(frozenset(['name', 'project-name']),
                         template.Template('%(project-name)s %(name)s').keys)


class TestReverse(testtools.TestCase):

    def test_count_read_back(self):
        tmpl = template.Template('%(name)s-%(count)d')
        known = {'name': 'Web'}
        self.assertEqual(12, tmpl.count_from('web-12', known))
        self.assertEqual(3, tmpl.count_from('WEB-3', known))
        self.assertIsNone(tmpl.count_from('web-x', known))
        self.assertIsNone(tmpl.count_from('webby-3', known))
        self.assertIsNone(tmpl.count_from('web-3-copy', known))

    def test_only_names_the_template_makes(self):
        tmpl = template.Template('%(name)s%(count)d')
        known = {'name': 'db'}
        self.assertEqual(7, tmpl.count_from('db7', known))
        for name in ('db 7', 'db007', 'db+7', 'db0', 'db7 '):
            self.assertIsNone(tmpl.count_from(name, known), name)
        spaced = template.Template('%(name)s %(count)d')
        self.assertEqual(7, spaced.count_from('db 7', known))
        padded = template.Template('%(name)s%(count)03d')
        self.assertEqual(7, padded.count_from('db007', known))
        self.assertEqual(1234, padded.count_from('db1234', known))
        self.assertIsNone(padded.count_from('db07', known))
        width = template.Template('%(name)s-%(count)3d')
        self.assertEqual(7, width.count_from('db-  7', known))
        self.assertIsNone(width.count_from('db-7', known))
        queens = template.Template('%(name)s-%(count)s')
        self.assertEqual(12, queens.count_from('db-12', known))

    def test_unreadable_counts(self):
        for text in ('%(name)s-%(count)x', '%(name)s-%(count).1f',
                     '%(name)s-%(uuid)s'):
            self.assertIsNone(template.Template(text).pattern({'name': 'a'}))
            self.assertIsNone(template.Template(text).count_from(
                'a-1', {'name': 'a'}))

    def test_two_counts_must_agree(self):
        tmpl = template.Template('%(name)s-%(count)d-%(count)03d')
        self.assertEqual(4, tmpl.count_from('a-4-004', {'name': 'a'}))
        self.assertIsNone(tmpl.count_from('a-4-005', {'name': 'a'}))

    def test_padded_and_literal_regex_characters(self):
        tmpl = template.Template('[%(name)s].%(count)04d')
        known = {'name': 'a+b'}
        self.assertEqual(42, tmpl.count_from('[a+b].0042', known))
        self.assertIsNone(tmpl.count_from('[aab].0042', known))

    def test_unknown_keys_match_anything(self):
        tmpl = template.Template('%(project-name)s-%(name)s-%(count)d')
        self.assertEqual(5, tmpl.count_from('acme-db-5', {'name': 'db'}))
        self.assertIsNone(tmpl.count_from(
            'acme-db-5', {'name': 'db', 'project-name': 'other'}))

    def test_unicode(self):
        tmpl = template.Template('%(name)s%(count)d')
        self.assertEqual(2, tmpl.count_from('Ünïcödé2', {'name': 'ünïcödé'}))
        self.assertEqual(9, tmpl.count_from('テスト9', {'name': 'テスト'}))

    def test_known_values_cut_to_precision(self):
        tmpl = template.Template('%(name).3s-%(count)d')
        self.assertEqual(4, tmpl.count_from('ser-4', {'name': 'server'}))
        self.assertEqual('ser-%', tmpl.like_pattern({'name': 'server'}))

    def test_like_pattern(self):
        tmpl = template.Template('%(project-name)s_%(name)s-%(count)d%%')
        self.assertEqual(
            '%\\_we\\%b-%\\%', tmpl.like_pattern({'name': 'we%b'}))
        self.assertEqual(
            'p\\_\\_we\\%b-%\\%',
            tmpl.like_pattern({'name': 'we%b', 'project-name': 'p_'}))


class TestUniqueness(testtools.TestCase):

    def test_only_the_whole_uuid_makes_names_unique(self):
        for text in ('%(uuid)s', '%(name)s-%(uuid)s', '%(uuid).36s',
                     '%(name)s-%(uuid)r', '%(uuid)40s'):
            self.assertTrue(template.Template(text).unique_by_uuid, text)
        for text in ('%(name)s-%(uuid).8s', '%(uuid).35s',
                     '%(name)s-%(count)d', '%(uuid).0s%(name)s'):
            self.assertFalse(template.Template(text).unique_by_uuid, text)

    def test_name_anchored(self):
        known = {'project-name': 'acme'}
        for text, anchored, like in (
                ('%(name)s-%(count)d', True, 'web-%'),
                ('x-%(name)s%(count)03d', True, 'x-web%'),
                ('%(project-name)s-%(name)s-%(count)d', True, 'acme-web-%'),
                ('%(project_id)s-%(name)s-%(count)d', False, '%-web-%'),
                ('%(count)d-%(name)s', False, '%-web')):
            tmpl = template.Template(text)
            self.assertEqual(anchored, tmpl.name_anchored(known), text)
            self.assertEqual(like, tmpl.like_pattern(dict(known,
                                                          name='web')))
