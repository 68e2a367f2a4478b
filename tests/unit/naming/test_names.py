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

"""Truncation and hostname sanitization keep the count."""

from nova import utils as nova_utils
import testtools

from nova_ext.naming import names
from nova_ext.naming import template


def _values(name, count=1, **extra):
    values = {'name': name, 'count': count, 'uuid': 'u',
              'project-name': 'acme', 'project_id': 'p'}
    values.update(extra)
    return values


class TestSanitize(testtools.TestCase):

    def test_matches_nova_below_the_limit(self):
        for name in ('Web Server', 'a_b.c', 'Café!', '--x--', 'テスト',
                     'UPPER', 'a..b', 'x' * 40):
            self.assertEqual(nova_utils.sanitize_hostname(name),
                             names.sanitize_hostname(name))

    def test_no_length_cut(self):
        self.assertEqual(100, len(names.sanitize_hostname('a' * 100)))


class TestDisplayName(testtools.TestCase):

    def test_short_name_unchanged(self):
        tmpl = template.Template('%(name)s-%(count)d')
        self.assertEqual('web-3', names.display_name(tmpl, _values('web', 3)))

    def test_long_name_keeps_count(self):
        tmpl = template.Template('%(name)s-%(count)d')
        result = names.display_name(tmpl, _values('n' * 300, 12345))
        self.assertEqual(255, len(result))
        self.assertTrue(result.endswith('n-12345'))

    def test_project_name_shortened_when_name_is_not_enough(self):
        tmpl = template.Template('%(project-name)s-%(name)s-%(count)d')
        result = names.display_name(
            tmpl, _values('ab', 7, **{'project-name': 'p' * 300}))
        self.assertEqual(255, len(result))
        self.assertTrue(result.endswith('p--7'))

    def test_unicode_counts_characters(self):
        tmpl = template.Template('%(name)s%(count)d')
        result = names.display_name(tmpl, _values('é' * 300, 2))
        self.assertEqual('é' * 254 + '2', result)


class TestHostname(testtools.TestCase):

    def test_follows_display_name(self):
        tmpl = template.Template('%(project-name)s %(name)s_%(count)d')
        self.assertEqual('acme-web-3',
                         names.hostname(tmpl, _values('Web', 3)))

    def test_count_never_cut(self):
        tmpl = template.Template('%(name)s-%(count)d')
        result = names.hostname(tmpl, _values('h' * 70, 123))
        self.assertEqual(63, len(result))
        self.assertEqual('h' * 59 + '-123', result)

    def test_no_trailing_hyphen(self):
        tmpl = template.Template('%(count)d-%(name)s')
        result = names.hostname(tmpl, _values('a' * 60 + '-' + 'b' * 10, 4))
        self.assertEqual('4-' + 'a' * 60, result)
        self.assertFalse(result.endswith('-'))

    def test_dropped_characters_are_accounted(self):
        # Sanitizing removes characters after formatting, so a name cut to
        # the raw overflow could still be too long or too short.
        tmpl = template.Template('%(name)s%(count)d')
        result = names.hostname(tmpl, _values('a!' * 50 + 'b' * 40, 9))
        self.assertLessEqual(len(result), 63)
        self.assertTrue(result.endswith('9'))

    def test_nothing_usable(self):
        tmpl = template.Template('%(name)s%(count)d')
        self.assertIsNone(names.hostname(tmpl, _values('テスト', 1)))

    def test_latin1_kept(self):
        tmpl = template.Template('%(name)s%(count)d')
        self.assertEqual('café1', names.hostname(tmpl, _values('Café', 1)))


class TestFold(testtools.TestCase):
    """One case rule in Python and SQL (see the functional DB tests)."""

    def test_simple_lower_case(self):
        self.assertEqual('web server1', names.fold('Web SERVER1'))
        # casefold() would give 'strasse': two names, as in the database.
        self.assertEqual('straße', names.fold('STRAßE'))
        self.assertNotEqual(names.fold('Straße'), names.fold('STRASSE'))
        # lower() would give 'i' and a combining dot: two characters.
        self.assertEqual('istanbul', names.fold('İSTANBUL'))
        # lower() would end in a final sigma; the databases do not.
        self.assertEqual('οδοσ', names.fold('ΟΔΟΣ'))
