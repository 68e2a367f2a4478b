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

"""The spellings a collation-compared lookup asks for (no database)."""

import testtools

from nova_ext.naming import indexes

KELVIN, OHM, ANGSTROM = '\u212a', '\u2126', '\u212b'


class TestLikeVariants(testtools.TestCase):

    def test_plain_letters_have_one_spelling(self):
        # Every name with an "a" used to be asked for twice per "a": the
        # Angstrom sign folds to a-ring, never to a.
        self.assertEqual(['lat-global-1%'],
                         indexes.like_variants('lat-global-1%'))

    def test_letters_a_sign_folds_to(self):
        self.assertEqual(['k8s', KELVIN + '8s'],
                         indexes.like_variants('k8s'))
        self.assertEqual(['\u00e5s', ANGSTROM + 's'],
                         indexes.like_variants('\u00e5s'))
        self.assertEqual(['\u03c9', OHM], indexes.like_variants('\u03c9'))

    def test_spellings_as_written_and_in_upper_case(self):
        # cells._spellings sends names with letters some lower() does not
        # know as written and in upper case: K, the signs themselves and
        # the upper case letters stand for k, a-ring and omega there too.
        self.assertEqual(['\u1c90k8s', '\u1c90' + KELVIN + '8s'],
                         indexes.like_variants('\u1c90K8s'))
        self.assertEqual(['k', KELVIN], indexes.like_variants(KELVIN))
        self.assertEqual(['\u00e5', ANGSTROM],
                         indexes.like_variants('\u00c5'))
        self.assertEqual(['\u03c9', OHM], indexes.like_variants('\u03a9'))
        self.assertEqual(['\u03c9', OHM], indexes.like_variants(OHM))

    def test_bounded(self):
        variants = indexes.like_variants('k' * 6)
        self.assertEqual(indexes.MAX_VARIANTS, len(variants))
        # Past the bound, any one character: more rows, never fewer.
        self.assertTrue(all(v.endswith('__') for v in variants))

    def test_escaped_characters_stay(self):
        self.assertEqual(['web\\_k', 'web\\_' + KELVIN],
                         indexes.exact_variants('web_k'))
