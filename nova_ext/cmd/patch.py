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

"""Apply, check or revert nova-ext's hook patches on an installed Nova.

``nova-ext-patch apply|check|revert [--nova-dir DIR]
[--series RELEASE | --branch BRANCH]``

DIR is the directory that holds the ``nova`` package: a site-packages
directory (pip-installed Nova) or a git checkout (DevStack's /opt/stack/nova).
Without it, the Nova importable by this Python is used.

There is one patch series per supported Nova release
(``patches/<release>/``, see nova_ext.compat.SERIES): the series is picked
from the version of the Nova in DIR, and a Nova version with no series is
refused with the list of the supported ones. ``--series`` overrides the
choice (a git checkout whose version cannot be read); ``--branch`` picks
the series of a Nova git branch (DevStack's ``NOVA_BRANCH``), checked
against the version (see branch_series()).

The patches are applied in pure Python rather than with patch(1) or git
apply, for three properties operators rely on:

* *Idempotent*: a patch whose result is already in place is reported as
  "already applied" and nothing is written.
* *No fuzz*: every hunk must match its context exactly (at any offset);
  otherwise the run is refused with a message naming the file and the hunk,
  which is what a rebase onto a new Nova release needs to know.
* *All or nothing*: every file is computed in memory first and written only
  when all of them could be; a failed write restores what was written.
"""

import argparse
import dataclasses
import importlib.util
import os
import re
import sys
import tempfile

from nova_ext import compat

_HUNK_RE = re.compile(r'^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@')

APPLIED = 'applied'
NOT_APPLIED = 'not applied'


class PatchError(Exception):
    """A patch cannot be applied or reverted; the message says where."""


@dataclasses.dataclass
class Hunk:
    header: str
    old_start: int
    old: list
    new: list


@dataclasses.dataclass
class FileDiff:
    path: str
    hunks: list


@dataclasses.dataclass
class Patch:
    name: str
    files: list


def parse_patch(name, text):
    """Parse a unified diff (with any header text before it) into a Patch.

    Paths drop their first component (``a/`` and ``b/``), as ``patch -p1``.
    """
    files = []
    current = None
    hunk = None
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith('--- ') and i + 1 < len(lines) and \
                lines[i + 1].startswith('+++ '):
            path = lines[i + 1][4:].split('\t')[0].strip()
            path = path.split('/', 1)[1] if '/' in path else path
            current = FileDiff(path=path, hunks=[])
            files.append(current)
            hunk = None
            i += 2
            continue
        match = _HUNK_RE.match(line)
        if match and current is not None:
            hunk = Hunk(header=line.strip(), old_start=int(match.group(1)),
                        old=[], new=[])
            current.hunks.append(hunk)
        elif hunk is not None and line[:1] in (' ', '-', '+'):
            body = line[1:]
            if line[0] in (' ', '-'):
                hunk.old.append(body)
            if line[0] in (' ', '+'):
                hunk.new.append(body)
        elif hunk is not None and line.startswith('\\'):
            pass  # "\ No newline at end of file"
        elif hunk is not None and line in ('\n', '\r\n'):
            # An empty context line whose leading space was stripped.
            hunk.old.append(line)
            hunk.new.append(line)
        i += 1
    if not files:
        raise PatchError('%s: no diff found' % name)
    return Patch(name=name, files=files)


def _find(lines, block, hint):
    """Return the index of ``block`` in ``lines`` nearest to ``hint``."""
    if not block:
        return hint
    last = len(lines) - len(block)
    for offset in range(0, max(hint, last - hint) + 1):
        for pos in (hint + offset, hint - offset):
            if 0 <= pos <= last and lines[pos:pos + len(block)] == block:
                return pos
    return None


def _apply_hunks(lines, hunks, reverse):
    """Apply hunks to lines; return (new lines, index of first failure)."""
    result = list(lines)
    shift = 0
    for index, hunk in enumerate(hunks):
        old, new = (hunk.new, hunk.old) if reverse else (hunk.old, hunk.new)
        pos = _find(result, old, max(hunk.old_start - 1 + shift, 0))
        if pos is None:
            return None, index
        result[pos:pos + len(old)] = new
        shift = pos + len(new) - (hunk.old_start - 1)
    return result, None


def _read(path):
    with open(path, encoding='utf-8', newline='') as f:
        return f.read().splitlines(keepends=True)


def plan(patch, nova_dir, reverse=False, contents=None):
    """Work out what applying (or reverting) ``patch`` would write.

    :param contents: {path: lines} to use instead of the file on disk: what
        the earlier patches of the same run made of a file they share.

    :returns: (state, {path: new lines}) where state is APPLIED or
        NOT_APPLIED as found on disk; the dict is empty when there is
        nothing to do.
    :raises PatchError: naming the file and hunk that match neither way.
    """
    changes = {}
    states = set()
    for fdiff in patch.files:
        path = os.path.join(nova_dir, fdiff.path)
        if not os.path.exists(path):
            raise PatchError('%s: %s does not exist under %s' %
                             (patch.name, fdiff.path, nova_dir))
        lines = (contents or {}).get(path) or _read(path)
        forward, fwd_fail = _apply_hunks(lines, fdiff.hunks, reverse=False)
        backward, back_fail = _apply_hunks(lines, fdiff.hunks, reverse=True)
        if backward is not None and fwd_fail is not None:
            states.add(APPLIED)
            if reverse:
                changes[path] = backward
        elif forward is not None and back_fail is not None:
            states.add(NOT_APPLIED)
            if not reverse:
                changes[path] = forward
        elif forward is not None:
            raise PatchError('%s: %s is ambiguous: its hunks match both as '
                             'applied and as not applied' %
                             (patch.name, fdiff.path))
        else:
            # Name the hunk that fails in the direction asked for.
            failed = back_fail if reverse else fwd_fail
            raise PatchError(
                '%s: conflict in %s, hunk #%d (%s): its context matches '
                'neither the original nor the patched file; the patch needs '
                'a rebase onto this Nova' %
                (patch.name, fdiff.path, failed + 1,
                 fdiff.hunks[failed].header))
    if len(states) > 1:
        raise PatchError('%s: partly applied (some files are patched, others '
                         'not): revert by hand or reinstall Nova' % patch.name)
    return states.pop(), changes


def write_all(changes):
    """Write every file or none: restore the originals if a write fails."""
    originals = {path: ''.join(_read(path)) for path in changes}
    written = []
    try:
        for path, lines in changes.items():
            _atomic_write(path, ''.join(lines))
            written.append(path)
    except Exception:
        for path in written:
            _atomic_write(path, originals[path])
        raise


def _atomic_write(path, text):
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.nova-ext-')
    try:
        with os.fdopen(fd, 'w', encoding='utf-8', newline='') as f:
            f.write(text)
        os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        os.replace(tmp, path)
    except Exception:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def default_patch_dir():
    """Where the series are: the source tree, else the installed data."""
    here = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    for candidate in (os.path.join(here, 'patches'),
                      os.path.join(sys.prefix, 'share', 'nova-ext',
                                   'patches')):
        if os.path.isdir(candidate):
            return candidate
    raise PatchError('cannot find the patches directory; pass --patch-dir')


def default_nova_dir():
    """The directory holding the ``nova`` package this Python imports."""
    spec = importlib.util.find_spec('nova')
    if spec is None or not spec.submodule_search_locations:
        raise PatchError('Nova is not importable here; pass --nova-dir')
    return os.path.dirname(list(spec.submodule_search_locations)[0])


def load_patches(patch_dir):
    names = sorted(n for n in os.listdir(patch_dir) if n.endswith('.patch'))
    if not names:
        raise PatchError('no *.patch files in %s' % patch_dir)
    patches = []
    for name in names:
        with open(os.path.join(patch_dir, name), encoding='utf-8') as f:
            patches.append(parse_patch(name, f.read()))
    return patches


def series_dir(nova_dir, series=None, patches_root=None):
    """The directory of the patch series for the Nova in ``nova_dir``.

    :param series: the release whose series to use; default: the one of
        the Nova version installed in ``nova_dir``.
    :raises PatchError: the version cannot be read, or has no series (the
        message lists the supported releases).
    """
    if not os.path.isdir(os.path.join(nova_dir, 'nova')):
        raise PatchError('%s does not contain a nova package' % nova_dir)
    if series is None:
        version = compat.installed_nova_version(nova_dir)
        if version is None:
            raise PatchError('cannot tell the version of the Nova in %s; '
                             'pass --series (one of %s)' % (
                                 nova_dir, compat.supported()))
        try:
            series = compat.series_for_version(version)
        except compat.UnsupportedNova as e:
            raise PatchError(str(e))
    elif series not in compat.SERIES.values():
        raise PatchError('no patch series %s; supported releases: %s' % (
            series, compat.supported()))
    return os.path.join(patches_root or default_patch_dir(), series)


def branch_series(branch, nova_dir):
    """The patch series for ``--branch BRANCH`` on the Nova in ``nova_dir``.

    DevStack accepts any git ref as NOVA_BRANCH (a tag, a commit, a feature
    branch) and keeps an existing checkout on whatever it was on when
    RECLONE is off. So the branch names the series only together with the
    checkout's own version: a branch of no release falls back to the
    version, and a version whose series differs from the branch's is
    refused with both named rather than with a hunk that does not apply.
    A version with no series (master ahead of the newest release) leaves
    the choice to the branch.
    """
    version = compat.installed_nova_version(nova_dir)
    try:
        by_version = compat.series_for_version(version)
    except compat.UnsupportedNova:
        by_version = None
    try:
        by_branch = compat.series_for_branch(branch)
    except compat.UnsupportedNova:
        if by_version is None:
            raise
        return by_version
    if by_version is not None and by_version != by_branch:
        raise PatchError(
            'the Nova in %s is %s (series %s), not of branch %s (series %s): '
            'the checkout is not on that branch (DevStack: RECLONE=yes)' % (
                nova_dir, version, by_version, branch, by_branch))
    return by_branch


def installed_series_dir():
    """The series directory of the Nova this Python imports."""
    return series_dir(default_nova_dir())


def run(action, nova_dir, patch_dir, out=print):
    """Run ``action`` on every patch; returns the process exit code.

    Exit codes: 0 done (or, for check, everything applied), 1 check found
    patches not applied, 2 refused (conflict or bad input).
    """
    if not os.path.isdir(os.path.join(nova_dir, 'nova')):
        raise PatchError('%s does not contain a nova package' % nova_dir)
    patches = load_patches(patch_dir)
    if action == 'revert':
        patches = list(reversed(patches))
    planned = []
    # Two patches of a series may touch the same file (in different
    # places): each is planned on what the ones before it made of it.
    current = {}
    for patch in patches:
        state, changes = plan(patch, nova_dir, reverse=(action == 'revert'),
                              contents=current)
        planned.append((patch, state, changes))
        current.update(changes)

    if action == 'check':
        for patch, state, _ in planned:
            out('%s: %s' % (patch.name, state))
        return 0 if all(s == APPLIED for _, s, _ in planned) else 1

    changes = {}
    for patch, state, patch_changes in planned:
        if not patch_changes:
            out('%s: already %s' % (
                patch.name, 'applied' if action == 'apply' else 'reverted'))
            continue
        changes.update(patch_changes)  # a later patch's text includes ours
        out('%s: %s' % (patch.name,
                        'applying' if action == 'apply' else 'reverting'))
    write_all(changes)
    if changes:
        out('%s %d file(s) under %s' % (
            'patched' if action == 'apply' else 'restored', len(changes),
            nova_dir))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='nova-ext-patch',
        description="Apply, check or revert nova-ext's hook patches on Nova.")
    parser.add_argument('action', choices=['apply', 'check', 'revert'])
    parser.add_argument(
        '--nova-dir',
        help='directory containing the nova package (site-packages or a git '
             'checkout); default: where this Python imports nova from')
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        '--series', metavar='RELEASE',
        help='the patch series to use, by Nova release (%s); default: '
             'the one of the Nova version in --nova-dir' % ', '.join(
                 sorted(compat.SERIES.values())))
    which.add_argument(
        '--branch', metavar='BRANCH',
        help="the series of a Nova git branch (DevStack's NOVA_BRANCH: "
             "stable/<release> or master)")
    parser.add_argument('--patch-dir',
                        help='directory of *.patch files (default: the '
                             'series shipped with nova-ext)')
    args = parser.parse_args(argv)
    try:
        nova_dir = os.path.abspath(args.nova_dir or default_nova_dir())
        series = args.series
        if args.branch:
            series = branch_series(args.branch, nova_dir)
        patch_dir = args.patch_dir or series_dir(nova_dir, series)
        if args.action == 'check' and not args.patch_dir:
            print('series %s (%s) for nova %s' % (
                os.path.basename(patch_dir), patch_dir,
                compat.installed_nova_version(nova_dir) or 'of unknown '
                'version'))
        return run(args.action, nova_dir, patch_dir)
    except (PatchError, OSError, compat.UnsupportedNova) as e:
        print('nova-ext-patch: error: %s' % e, file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
