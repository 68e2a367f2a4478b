#!/usr/bin/env python3
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

"""Port a patch series onto another Nova release (a maintainer's tool).

Rebasing the hook patches is mechanical except for the hunks whose context
moved; this tool does the mechanical part, a person the rest
(doc/source/contributor/patches.rst, "Rebasing a series"):

``tools/cut-series.py prepare FROM NOVA_DIR WORK``
    Copies the files series FROM (e.g. 2026.2) touches out of NOVA_DIR (the
    directory holding a *pristine* ``nova`` package of the target release)
    into WORK/a (kept pristine) and WORK/b, and applies FROM to WORK/b with
    patch(1), without fuzz (-F0). It lists the hunks that did not apply
    (``*.rej`` next to the file): make those changes in WORK/b by hand, as
    few lines as the hook needs.

``tools/cut-series.py cut FROM WORK TO``
    Writes series TO (``patches/TO/``): for each patch of FROM, its header
    (TO's own if that patch exists there already, else FROM's) followed by
    the diff of that patch's files between WORK/a and WORK/b, three lines of
    context, no fuzz. Then ``nova-ext-patch check --series TO`` and the
    tests in patches.rst prove it.
"""

import difflib
import os
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from nova_ext.cmd import patch as patch_cmd  # noqa: E402


def _series(release):
    path = os.path.join(REPO, 'patches', release)
    return path, patch_cmd.load_patches(path)


def _header(text):
    """The patch's text up to its first file diff."""
    index = text.find('\n--- a/')
    return text[:index + 1] if index >= 0 else text


def prepare(release, nova_dir, work):
    path, patches = _series(release)
    for patch in patches:
        for fdiff in patch.files:
            for side in ('a', 'b'):
                dest = os.path.join(work, side, fdiff.path)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                shutil.copy2(os.path.join(nova_dir, fdiff.path), dest)
    failed = False
    for patch in patches:
        with open(os.path.join(path, patch.name), 'rb') as f:
            proc = subprocess.run(
                ['patch', '-p1', '-F0', '--no-backup-if-mismatch', '-d',
                 os.path.join(work, 'b')], stdin=f, capture_output=True,
                text=True)
        print('%s:\n%s' % (patch.name, proc.stdout.rstrip()))
        failed = failed or proc.returncode != 0
    if failed:
        print('\nSome hunks did not apply (see the *.rej files under %s/b): '
              'make those changes by hand, then run "cut".' % work)
    return 0


def _read(path):
    with open(path, encoding='utf-8') as f:
        return f.readlines()


def _added(patch):
    """The lines ``patch`` adds, stripped, in any file."""
    lines = set()
    for fdiff in patch.files:
        for hunk in fdiff.hunks:
            lines |= {line.strip() for line in set(hunk.new) - set(hunk.old)}
    return lines - {''}


def cut(release, work, target):
    src, patches = _series(release)
    dst = os.path.join(REPO, 'patches', target)
    os.makedirs(dst, exist_ok=True)
    # A hunk of WORK/a -> WORK/b belongs to the patch (of the source
    # series, or of the target's earlier cut) that adds most of its lines:
    # where this Nova lacks the hook point the source series uses, a
    # patch's lines may move to another file, one that an earlier patch of
    # the series touches too.
    before = {}
    if any(n.endswith('.patch') for n in os.listdir(dst)):
        before = {p.name: p for p in patch_cmd.load_patches(dst)}
    known = {p.name: _added(p) | (_added(before[p.name])
                                  if p.name in before else set())
             for p in patches}
    paths = []
    for patch in patches:
        paths += [f.path for f in patch.files if f.path not in paths]
    owned = {p.name: {} for p in patches}    # name -> path -> [groups]
    for path in paths:
        old = _read(os.path.join(work, 'a', path))
        new_lines = _read(os.path.join(work, 'b', path))
        default = next(p.name for p in patches
                       if path in [f.path for f in p.files])
        for group in difflib.SequenceMatcher(
                None, old, new_lines, autojunk=False).get_grouped_opcodes(3):
            added = {line.strip() for tag, i1, i2, j1, j2 in group
                     if tag != 'equal' for line in new_lines[j1:j2]} - {''}
            # Ties (an import line) go to a patch touching this file.
            best = max(patches, key=lambda p: (
                len(added & known[p.name]), p.name == default,
                path in [f.path for f in p.files]))
            name = best.name if added & known[best.name] else default
            owned[name].setdefault(path, []).append(group)
    current = {}
    for patch in patches:
        existing = os.path.join(dst, patch.name)
        with open(existing if os.path.exists(existing)
                  else os.path.join(src, patch.name), encoding='utf-8') as f:
            text = _header(f.read())
        for path in [p for p in paths if p in owned[patch.name]]:
            old = current.get(path) or _read(os.path.join(work, 'a', path))
            base = _read(os.path.join(work, 'a', path))
            new_lines = _read(os.path.join(work, 'b', path))
            # Apply this patch's groups (in WORK/a coordinates) on top of
            # what the earlier patches did: replay from the pristine file.
            mine = owned[patch.name][path] + [
                g for p in patches[:patches.index(patch)]
                for g in owned[p.name].get(path, [])]
            result = list(base)
            for group in sorted(mine, key=lambda g: -g[0][1]):
                for tag, i1, i2, j1, j2 in reversed(group):
                    if tag != 'equal':
                        result[i1:i2] = new_lines[j1:j2]
            current[path] = result
            diff = list(difflib.unified_diff(
                old, result, 'a/' + path, 'b/' + path, n=3))
            # difflib puts no newline after the file names.
            diff[0] = diff[0].rstrip() + '\n'
            diff[1] = diff[1].rstrip() + '\n'
            text += ''.join(diff)
        with open(existing, 'w', encoding='utf-8') as f:
            f.write(text)
        print('wrote %s' % existing)
    return verify(work, dst)


def verify(work, dst):
    """What nova-ext-patch will do with the series on this Nova.

    Applied to the pristine files it must give the edited ones, check must
    then say applied, and revert must give the pristine ones back (a hunk
    at the end of a file that only adds lines matches both ways: give it a
    context line after the change).
    """
    tmp = tempfile.mkdtemp()
    try:
        copy = os.path.join(tmp, 'nova-dir')
        shutil.copytree(os.path.join(work, 'a'), copy)
        quiet = []
        try:
            if (patch_cmd.run('apply', copy, dst, out=quiet.append) or
                    patch_cmd.run('check', copy, dst, out=quiet.append)):
                print('%s does not check as applied' % dst)
                return 1
            for side in ('b', 'a'):
                for root, _, names in os.walk(os.path.join(work, side)):
                    for name in names:
                        if name.endswith(('.rej', '.orig')):
                            continue
                        path = os.path.join(root, name)
                        rel = os.path.relpath(path, os.path.join(work, side))
                        if _read(path) != _read(os.path.join(copy, rel)):
                            print('%s: differs from %s/%s after %s' % (
                                rel, work, side,
                                'apply' if side == 'b' else 'revert'))
                            return 1
                if side == 'b':
                    patch_cmd.run('revert', copy, dst, out=quiet.append)
        except patch_cmd.PatchError as e:
            print(e)
            return 1
    finally:
        shutil.rmtree(tmp)
    print('%s: applies, checks and reverts on %s' % (dst, work))
    return 0


def main(argv):
    if len(argv) == 4 and argv[0] == 'prepare':
        return prepare(*argv[1:])
    if len(argv) == 4 and argv[0] == 'cut':
        return cut(*argv[1:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
