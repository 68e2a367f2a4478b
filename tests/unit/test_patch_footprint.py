# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""The footprint rules of patches/ (doc/source/contributor/patches.rst).

Every line patched into Nova is a line to rebase on each Nova release, so
the patches are held to a budget, and each says what it adds, why upstream
has no such hook and when it can go.
"""

import glob
import os

import testtools

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
# One series per supported Nova release (patches/<release>/).
SERIES = sorted(os.path.basename(d) for d in glob.glob(
    os.path.join(REPO, 'patches', '*')) if os.path.isdir(d))
PATCHES = sorted(glob.glob(os.path.join(REPO, 'patches', '*', '*.patch')))

# All patches of one series together, changed non-test lines.
FOOTPRINT_LIMIT = 80


def changed_lines(text):
    """{file: changed line count} of a patch, '+'/'-' lines of its diffs."""
    counts = {}
    current = None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if (line.startswith('--- ') and i + 1 < len(lines) and
                lines[i + 1].startswith('+++ ')):
            current = lines[i + 1][len('+++ b/'):].split('\t')[0]
            counts.setdefault(current, 0)
            continue
        if current is None or line.startswith('+++ '):
            continue
        if line.startswith(('+', '-')):
            counts[current] += 1
    return counts


class PatchFootprintTest(testtools.TestCase):

    def test_a_series_per_supported_release(self):
        from nova_ext import compat
        self.assertEqual(sorted(compat.SERIES.values()), SERIES)
        names = None
        for series in SERIES:
            found = sorted(os.path.basename(p) for p in glob.glob(
                os.path.join(REPO, 'patches', series, '*.patch')))
            # The same patches, by name, in every series: hookcheck and the
            # docs name them.
            self.assertEqual(names or found, found, series)
            names = found
        self.assertEqual([], glob.glob(os.path.join(REPO, 'patches',
                                                    '*.patch')))

    def test_footprint_under_limit(self):
        self.assertNotEqual([], PATCHES)
        for series in SERIES:
            total = 0
            for path in glob.glob(os.path.join(REPO, 'patches', series,
                                               '*.patch')):
                with open(path) as f:
                    counts = changed_lines(f.read())
                self.assertNotEqual({}, counts, path)
                total += sum(n for name, n in counts.items()
                             if '/tests/' not in name)
            self.assertLess(total, FOOTPRINT_LIMIT, series)

    def test_counting(self):
        text = ('header\n--- a/nova/x.py\n+++ b/nova/x.py\n@@ -1,2 +1,2 @@\n'
                ' same\n-old\n+new\n+added\n'
                '--- a/nova/tests/t.py\n+++ b/nova/tests/t.py\n@@ -1 +1 @@\n'
                '-a\n+b\n')
        self.assertEqual({'nova/x.py': 3, 'nova/tests/t.py': 2},
                         changed_lines(text))

    def test_every_patch_has_its_header(self):
        for path in PATCHES:
            with open(path) as f:
                header = f.read().split('\n--- a/', 1)[0]
            for field in ('What:', 'Why:', 'Drop it when:'):
                self.assertIn('\n' + field, header,
                              '%s: no %s' % (os.path.basename(path), field))
