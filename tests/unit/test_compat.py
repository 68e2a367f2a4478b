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

"""The release table: Nova version or branch -> patch series."""

import ast
import contextlib
import glob
import io
import os
import re
import shutil

import fixtures
import testtools

from nova_ext.cmd import patch as patch_cmd
from nova_ext import compat


class SeriesSelectionTest(testtools.TestCase):

    def test_every_supported_version(self):
        for version, series in (('31.3.1', '2025.1'), ('32.2.1', '2025.2'),
                                ('33.0.2', '2026.1'), ('34.0.0', '2026.2'),
                                ('34.1.0.dev12', '2026.2')):
            self.assertEqual(series, compat.series_for_version(version))

    def test_unsupported_version_lists_the_supported(self):
        for version in ('30.2.0', '35.0.0', 'garbage', None):
            error = self.assertRaises(compat.UnsupportedNova,
                                      compat.series_for_version, version)
            self.assertIn('Nova %s is not supported; supported releases: '
                          '2025.1 (nova 31.x), 2025.2 (nova 32.x), 2026.1 '
                          '(nova 33.x), 2026.2 (nova 34.x)' % version,
                          str(error))

    def test_devstack_branches(self):
        for branch, series in (('stable/2025.1', '2025.1'),
                               ('stable/2025.2', '2025.2'),
                               ('stable/2026.1', '2026.1'),
                               ('stable/2026.2', '2026.2'),
                               ('master', '2026.2')):
            self.assertEqual(series, compat.series_for_branch(branch))
        error = self.assertRaises(compat.UnsupportedNova,
                                  compat.series_for_branch, 'stable/2024.2')
        self.assertIn('stable/2024.2 is not supported', str(error))

    def test_command_line(self):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err):
            self.assertEqual(0, compat.main_args(['branch', 'master']))
            self.assertEqual(0, compat.main_args(['version', '31.0.0']))
            self.assertEqual(2, compat.main_args(['branch', 'stable/xena']))
        self.assertEqual('2026.2\n2025.1\n', out.getvalue())
        self.assertIn('supported releases', err.getvalue())

    def test_command_line_without_nova(self):
        self.useFixture(fixtures.MockPatchObject(
            compat, 'installed_nova_version', return_value=None))
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            self.assertEqual(2, compat.main_args(['version']))
        self.assertIn('nova-ext: no Nova is installed for ', err.getvalue())
        self.assertNotIn('Nova None', err.getvalue())

    def test_installed_version_is_this_venvs(self):
        version = compat.installed_nova_version()
        self.assertEqual(version, compat.installed_nova_version(
            patch_cmd.default_nova_dir()))
        # Every series directory exists for the installed Nova.
        self.assertTrue(os.path.isdir(patch_cmd.installed_series_dir()))


class PatchSeriesChoiceTest(testtools.TestCase):
    """nova-ext-patch picks the series from the metadata next to nova/."""

    def setUp(self):
        super().setUp()
        self.nova_dir = self.useFixture(fixtures.TempDir()).path
        os.mkdir(os.path.join(self.nova_dir, 'nova'))

    def _dist(self, version):
        info = os.path.join(self.nova_dir, 'nova-%s.dist-info' % version)
        os.mkdir(info)
        with open(os.path.join(info, 'METADATA'), 'w') as f:
            f.write('Metadata-Version: 2.1\nName: nova\nVersion: %s\n'
                    % version)

    def _main(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err):
            code = patch_cmd.main(list(argv))
        return code, out.getvalue(), err.getvalue()

    def test_picked_by_version(self):
        self._dist('33.0.2')
        self.assertEqual(
            os.path.join(patch_cmd.default_patch_dir(), '2026.1'),
            patch_cmd.series_dir(self.nova_dir))

    def test_unsupported_version_refused(self):
        self._dist('30.1.0')
        code, out, err = self._main('apply', '--nova-dir', self.nova_dir)
        self.assertEqual(2, code)
        self.assertIn('nova-ext-patch: error: Nova 30.1.0 is not supported; '
                      'supported releases: 2025.1 (nova 31.x)', err)

    def test_unknown_version_asks_for_series(self):
        code, out, err = self._main('check', '--nova-dir', self.nova_dir)
        self.assertEqual(2, code)
        self.assertIn('cannot tell the version of the Nova in %s; pass '
                      '--series' % self.nova_dir, err)

    def test_series_overrides_and_check_names_it(self):
        self._dist('33.0.2')
        installed = patch_cmd.default_nova_dir()
        # The 2025.1 series' files, from this venv's Nova: the patches
        # match or not, but the series used is the one asked for.
        for p in patch_cmd.load_patches(os.path.join(
                patch_cmd.default_patch_dir(), '2025.1')):
            for f in p.files:
                dest = os.path.join(self.nova_dir, f.path)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                shutil.copy2(os.path.join(installed, f.path), dest)
        code, out, err = self._main('check', '--nova-dir', self.nova_dir,
                                    '--series', '2025.1')
        self.assertIn('series 2025.1 (%s) for nova 33.0.2' % os.path.join(
            patch_cmd.default_patch_dir(), '2025.1'), out)

    def test_unknown_series_refused(self):
        code, out, err = self._main('check', '--nova-dir', self.nova_dir,
                                    '--series', '2024.2')
        self.assertEqual(2, code)
        self.assertIn('no patch series 2024.2; supported releases', err)

    def test_branch_of_no_release_falls_back_to_the_version(self):
        # DevStack takes a tag, a commit or a feature branch as NOVA_BRANCH.
        self._dist('33.0.2')
        for ref in ('33.0.2', 'feature/x', '0123abcd'):
            code, out, err = self._main('check', '--nova-dir', self.nova_dir,
                                        '--branch', ref)
            self.assertIn('series 2026.1 (%s) for nova 33.0.2' % os.path.join(
                patch_cmd.default_patch_dir(), '2026.1'), out, ref)
            self.assertNotIn('is not supported', err, ref)

    def test_branch_and_version_disagree(self):
        # A checkout DevStack left on another branch (RECLONE off).
        self._dist('34.0.0')
        code, out, err = self._main('apply', '--nova-dir', self.nova_dir,
                                    '--branch', 'stable/2026.1')
        self.assertEqual(2, code)
        self.assertIn('the Nova in %s is 34.0.0 (series 2026.2), not of '
                      'branch stable/2026.1 (series 2026.1)' % self.nova_dir,
                      err)

    def test_branch_decides_without_a_version_series(self):
        # master ahead of the newest release, or no readable version.
        self._dist('35.0.0.0b1.dev4')
        self.assertEqual('2026.2', patch_cmd.branch_series('master',
                                                           self.nova_dir))
        self.assertEqual('2026.1', patch_cmd.branch_series('stable/2026.1',
                                                           self.nova_dir))
        error = self.assertRaises(compat.UnsupportedNova,
                                  patch_cmd.branch_series, 'feature/x',
                                  self.nova_dir)
        self.assertIn('branch feature/x is not supported', str(error))


class ReleasesIncludeListTest(testtools.TestCase):
    """Each line of the releases suite's list selects a functional test.

    stestr runs what an --include-list matches and says nothing of a line
    that matches no test: a renamed test would silently take its hook point
    out of every earlier release's run.
    """

    REPO = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))

    def _functional_test_ids(self):
        # Read, not imported: the functional packages set up Nova's harness.
        classes = {}  # name -> (module, bases, own test methods)
        for path in glob.glob(os.path.join(self.REPO, 'tests', 'functional',
                                           '**', '*.py'), recursive=True):
            module = os.path.relpath(path, self.REPO)[:-3].replace(
                os.sep, '.')
            with open(path, encoding='utf-8') as f:
                tree = ast.parse(f.read())
            for node in tree.body:
                if isinstance(node, ast.ClassDef):
                    classes[node.name] = (
                        module,
                        [b.attr if isinstance(b, ast.Attribute) else
                         getattr(b, 'id', None) for b in node.bases],
                        [n.name for n in node.body
                         if isinstance(n, ast.FunctionDef) and
                         n.name.startswith('test')])

        def methods(name, seen=()):
            if name not in classes or name in seen:
                return set()
            _, bases, own = classes[name]
            found = set(own)
            for base in bases:
                found |= methods(base, seen + (name,))
            return found

        return ['%s.%s.%s' % (module, name, method)
                for name, (module, _, _) in classes.items()
                if os.path.basename(module.replace('.', os.sep)).startswith(
                    'test_')
                for method in methods(name)]

    def test_every_line_selects_a_test(self):
        ids = self._functional_test_ids()
        self.assertIn('tests.functional.gate.test_gate.TestGateVerdicts.'
                      'test_reject_sync', ids)
        with open(os.path.join(self.REPO, 'tests', 'functional',
                               'releases-include.txt')) as f:
            lines = [line.strip() for line in f
                     if line.strip() and not line.startswith('#')]
        self.assertNotEqual([], lines)
        for line in lines:
            self.assertTrue(any(re.search(line, i) for i in ids),
                            'no functional test matches %r' % line)
