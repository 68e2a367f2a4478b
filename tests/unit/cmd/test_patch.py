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

"""Tests of nova-ext-patch on copies of the installed Nova's real files."""

import contextlib
import io
import os
import shutil
from unittest import mock

import fixtures
import testtools

from nova_ext.cmd import patch as patch_cmd

# The series of the Nova installed in this venv.
PATCH_DIR = patch_cmd.installed_series_dir()


def _touched_files():
    files = []
    for p in patch_cmd.load_patches(PATCH_DIR):
        files.extend(f.path for f in p.files)
    return sorted(set(files))


class PatchCommandTest(testtools.TestCase):
    """Apply, check and revert on a pristine copy of the touched files."""

    def setUp(self):
        super().setUp()
        self.nova_dir = self.useFixture(fixtures.TempDir()).path
        installed = patch_cmd.default_nova_dir()
        for path in _touched_files():
            dest = os.path.join(self.nova_dir, path)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copy2(os.path.join(installed, path), dest)
        # The installed Nova may or may not be patched already (CI patches
        # it before the tests run): start every test from upstream's text.
        self._run('revert')
        self.pristine = self._snapshot()
        self.series = os.path.basename(PATCH_DIR)

    def _run(self, action):
        out = []
        code = patch_cmd.run(action, self.nova_dir, PATCH_DIR, out=out.append)
        return code, out

    def _snapshot(self):
        snap = {}
        for path in _touched_files():
            with open(os.path.join(self.nova_dir, path), 'rb') as f:
                snap[path] = f.read()
        return snap

    def test_apply_then_check(self):
        self.assertEqual((1, ['0001-external-event-extensions.patch: '
                              'not applied',
                              '0002-libvirt-guest-gates.patch: not applied',
                              '0003-compute-api-instance-namers.patch: '
                              'not applied']),
                         self._run('check'))
        code, out = self._run('apply')
        self.assertEqual(0, code)
        self.assertIn('patched 6 file(s) under %s' % self.nova_dir, out)
        self.assertEqual(0, self._run('check')[0])
        patched = self._snapshot()
        self.assertIn(b"'nova.virt.libvirt.guest_gates'",
                      patched['nova/virt/libvirt/driver.py'])
        self.assertIn(b"'nova.compute.api.instance_namers'",
                      patched['nova/compute/api.py'])
        self.assertIn(b"'nova.external_events'",
                      patched['nova/objects/external_event.py'])

    def test_names_reserved_when_nothing_can_refuse_the_request(self):
        # Every series reserves a create's names just before the try that
        # cleans up what Nova created: a check after the reservation that
        # refuses the request (a bad device profile is a 400) would burn
        # numbers, which 2026.2 never does.
        self._run('apply')
        lines = self._snapshot()['nova/compute/api.py'].decode().splitlines()
        start = next(i for i, line in enumerate(lines)
                     if 'namer.reserve(' in line)
        self.assertEqual(
            ['        namers = [namer.reserve(context, base_options, '
             'num_instances)',
             '                  for namer in self._instance_namers]',
             '        try:',
             '            for idx in range(num_instances):'],
            lines[start:start + 4], self.series)

    def test_reapply_changes_nothing(self):
        self._run('apply')
        before = self._snapshot()
        mtimes = {p: os.stat(os.path.join(self.nova_dir, p)).st_mtime_ns
                  for p in before}
        code, out = self._run('apply')
        self.assertEqual(0, code)
        self.assertEqual(
            ['0001-external-event-extensions.patch: already applied',
             '0002-libvirt-guest-gates.patch: already applied',
             '0003-compute-api-instance-namers.patch: already applied'], out)
        self.assertEqual(before, self._snapshot())
        self.assertEqual(
            mtimes, {p: os.stat(os.path.join(self.nova_dir, p)).st_mtime_ns
                     for p in before})

    def test_revert_restores_upstream_bytes(self):
        self._run('apply')
        self.assertNotEqual(self.pristine, self._snapshot())
        self.assertEqual(0, self._run('revert')[0])
        self.assertEqual(self.pristine, self._snapshot())
        code, out = self._run('revert')
        self.assertIn('0001-external-event-extensions.patch: already '
                      'reverted', out)

    def test_conflict_is_refused_and_nothing_written(self):
        path = os.path.join(self.nova_dir, 'nova/compute/api.py')
        with open(path, encoding='utf-8') as f:
            text = f.read()
        # A context line of hunk #3 in every series.
        text = text.replace('# Create a uuid for the instance so we can',
                            '# Create a UUID for the instance so we can')
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)
        before = self._snapshot()
        error = self.assertRaises(patch_cmd.PatchError, self._run, 'apply')
        self.assertIn('0003-compute-api-instance-namers.patch: conflict in '
                      'nova/compute/api.py, hunk #3', str(error))
        # Patches 0001 and 0002 would apply cleanly: they were not applied.
        self.assertEqual(before, self._snapshot())

    def test_failed_write_restores_written_files(self):
        real_replace = os.replace
        calls = []

        def flaky_replace(src, dst):
            calls.append(dst)
            if len(calls) == 3:
                raise OSError(28, 'No space left on device')
            return real_replace(src, dst)

        with mock.patch.object(patch_cmd.os, 'replace', flaky_replace):
            self.assertRaises(OSError, self._run, 'apply')
        self.assertEqual(self.pristine, self._snapshot())
        leftovers = [n for _, _, names in os.walk(self.nova_dir)
                     for n in names if n.startswith('.nova-ext-')]
        self.assertEqual([], leftovers)

    def test_partly_applied_is_refused(self):
        # One file of patch 0001 back to upstream, the others patched.
        self._run('apply')
        p1 = os.path.join(self.nova_dir, 'nova/compute/manager.py')
        reverted = self.pristine['nova/compute/manager.py']
        with open(p1, 'wb') as f:
            f.write(reverted)
        error = self.assertRaises(patch_cmd.PatchError, self._run, 'check')
        self.assertIn('0001-external-event-extensions.patch: partly applied',
                      str(error))

    def test_cli_exit_codes_and_messages(self):
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), \
                contextlib.redirect_stderr(stderr):
            # A copy of a few files has no version: the series is named.
            self.assertEqual(
                1, patch_cmd.main(['check', '--nova-dir', self.nova_dir,
                                   '--series', self.series]))
            self.assertEqual(
                0, patch_cmd.main(['apply', '--nova-dir', self.nova_dir,
                                   '--series', self.series]))
            self.assertEqual(
                2, patch_cmd.main(['apply', '--nova-dir', '/nonexistent']))
        self.assertIn('nova-ext-patch: error: /nonexistent does not contain '
                      'a nova package', stderr.getvalue())
        self.assertIn('0002-libvirt-guest-gates.patch: applying',
                      stdout.getvalue())
        self.assertIn('series %s (%s) for nova of unknown version' % (
            self.series, PATCH_DIR), stdout.getvalue())


class ParsePatchTest(testtools.TestCase):

    def test_header_text_before_the_diff_is_ignored(self):
        patch = patch_cmd.parse_patch('x.patch', (
            'Subject: a header\n\n--- not a diff line\n'
            '--- a/nova/x.py\n+++ b/nova/x.py\n'
            '@@ -1,2 +1,3 @@\n a\n+b\n c\n'))
        self.assertEqual(['nova/x.py'], [f.path for f in patch.files])
        hunk = patch.files[0].hunks[0]
        self.assertEqual(['a\n', 'c\n'], hunk.old)
        self.assertEqual(['a\n', 'b\n', 'c\n'], hunk.new)

    def test_no_diff_is_an_error(self):
        self.assertRaises(patch_cmd.PatchError, patch_cmd.parse_patch,
                          'empty.patch', 'just words\n')
