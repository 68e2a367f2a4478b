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

"""Every difference between the Nova releases nova-ext supports, in one place.

nova-ext runs on each maintained Nova release (``SERIES``). Where their
internals differ, nova_ext asks this module rather than checking versions
itself, so that supporting a new release (or dropping an old one) is a
change here and a patch series in ``patches/<release>/``, not a hunt
through the code.

It also maps a Nova version (``nova-ext-patch``) or a DevStack
``NOVA_BRANCH`` (``devstack/plugin.sh``) to the patch series to apply;
``python -m nova_ext.compat branch stable/2026.1`` prints the series.
"""

import importlib.metadata
import inspect
import os
import pathlib
import re
import sys
import time

#: Nova's major version -> its release, the name of its patch series.
SERIES = {
    31: '2025.1',
    32: '2025.2',
    33: '2026.1',
    34: '2026.2',
}

#: The release Nova's master branch is developing (DevStack's default).
MASTER = SERIES[max(SERIES)]


class UnsupportedNova(Exception):
    """This Nova release has no patch series; the message lists those."""


def supported():
    """The supported releases and versions, for messages."""
    return ', '.join('%s (nova %d.x)' % (release, major)
                     for major, release in sorted(SERIES.items()))


def series_for_version(version):
    """The patch series of a Nova version string such as ``33.0.2``."""
    match = re.match(r'(\d+)\.', version or '')
    if not match or int(match.group(1)) not in SERIES:
        raise UnsupportedNova(
            'Nova %s is not supported; supported releases: %s' % (
                version, supported()))
    return SERIES[int(match.group(1))]


def series_for_branch(branch):
    """The patch series of a Nova git branch (DevStack's NOVA_BRANCH)."""
    if branch in ('master', 'main'):
        return MASTER
    release = branch[len('stable/'):] if branch.startswith('stable/') \
        else branch
    if release in SERIES.values():
        return release
    raise UnsupportedNova(
        'Nova branch %s is not supported; supported releases: %s (branches '
        'stable/<release>, master for %s)' % (branch, supported(), MASTER))


def installed_nova_version(nova_dir=None):
    """The version of the Nova in ``nova_dir`` (default: the importable one).

    Read from the distribution metadata next to the package (a
    site-packages directory, or the egg-info of a git checkout installed in
    develop mode), so that no Nova module is imported.
    """
    if nova_dir is not None:
        for name in sorted(os.listdir(nova_dir)):
            if re.match(r'nova-[\d.]+.*\.(dist|egg)-info$', name) or \
                    name == 'nova.egg-info':
                meta = os.path.join(nova_dir, name)
                dist = importlib.metadata.PathDistribution(
                    pathlib.Path(meta))
                if dist.version:
                    return dist.version
    try:
        dist = importlib.metadata.distribution('nova')
    except importlib.metadata.PackageNotFoundError:
        return None
    if nova_dir is not None:
        # Only when that installed distribution is the one in nova_dir.
        origin = os.path.realpath(os.path.dirname(os.path.dirname(
            str(dist.locate_file('nova/__init__.py')))))
        if origin != os.path.realpath(nova_dir):
            return None
    return dist.version


# -- Nova's internals that differ between the releases ---------------------

def monkey_patch():
    """Pick Nova's concurrency backend, as Nova's own test packages do.

    Eventlet unless OS_NOVA_DISABLE_EVENTLET_PATCHING is true. Nova 32 and
    later do it in nova.monkey_patch.patch(); Nova 31 on importing
    nova.monkey_patch. Call it before anything imports eventlet or
    threading-dependent modules.
    """
    from nova import monkey_patch as nova_monkey_patch
    patch = getattr(nova_monkey_patch, 'patch', None)
    if patch is not None:
        patch()


def parse_nova_args(argv, prog, **kwargs):
    """nova.config.parse_args(), with ``prog`` where Nova accepts it.

    Nova 33 and later pass ``prog`` to oslo.config (the name in usage and
    error messages); before, the program name comes from argv[0].
    """
    from nova import config as nova_config
    if 'prog' in inspect.signature(nova_config.parse_args).parameters:
        kwargs['prog'] = prog
    return nova_config.parse_args(argv, **kwargs)


def wait_for_state_change(helpers, api, server, expected_status,
                          max_retries, wait_for_fault_key=True):
    """The functional harness's _wait_for_state_change() on every release.

    ``helpers`` is the harness's bound super() object. Nova 34 can wait for
    the fault of a server in ERROR (``wait_for_fault_key``), which lands in
    the API a moment after the status; before, the test waits for it here.
    """
    wait = helpers._wait_for_state_change
    if 'wait_for_fault_key' in inspect.signature(wait).parameters:
        return wait(server, expected_status, max_retries=max_retries,
                    wait_for_fault_key=wait_for_fault_key)
    server = wait(server, expected_status, max_retries=max_retries)
    if expected_status == 'ERROR' and wait_for_fault_key:
        for _ in range(max_retries):
            if 'fault' in server:
                break
            time.sleep(0.5)
            server = api.get_server(server['id'])
    return server


def main_args(args):
    """``python -m nova_ext.compat branch NAME | version [VERSION]``.

    Prints the patch series; exit code 2 with the supported releases when
    there is none.
    """
    try:
        if len(args) == 2 and args[0] == 'branch':
            print(series_for_branch(args[1]))
        elif args[:1] == ['version'] and len(args) <= 2:
            version = args[1] if len(args) == 2 else installed_nova_version()
            if version is None:
                raise UnsupportedNova('no Nova is installed for %s; '
                                      'supported releases: %s' % (
                                          sys.executable, supported()))
            print(series_for_version(version))
        else:
            print('usage: python -m nova_ext.compat branch NAME | version '
                  '[VERSION]', file=sys.stderr)
            return 2
    except UnsupportedNova as e:
        print('nova-ext: %s' % e, file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main_args(sys.argv[1:]))
