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

"""Build metadata: pyproject.toml is the one place entry points live.

Nova finds nova_ext only through entry points, so an entry point that names
a module or attribute that does not exist, or one left behind in setup.cfg
where pbr no longer reads it, silently disables a feature. These tests read
pyproject.toml itself and the metadata of the installed distribution.
"""

import configparser
import importlib
import importlib.metadata
import importlib.util
import os
import tomllib

import testtools

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def _pyproject():
    with open(os.path.join(REPO, 'pyproject.toml'), 'rb') as f:
        return tomllib.load(f)


def _declared_entry_points():
    """{(group, name): value} of every entry point pyproject declares."""
    project = _pyproject()['project']
    declared = {('console_scripts', name): value
                for name, value in project.get('scripts', {}).items()}
    for group, points in project.get('entry-points', {}).items():
        for name, value in points.items():
            declared[(group, name)] = value
    return declared


class PyprojectTest(testtools.TestCase):

    def test_build_backend_is_pbr(self):
        system = _pyproject()['build-system']
        self.assertEqual('pbr.build', system['build-backend'])
        self.assertTrue(any(r.startswith('pbr') for r in system['requires']))

    def test_entry_points_only_in_pyproject(self):
        parser = configparser.ConfigParser()
        parser.read(os.path.join(REPO, 'setup.cfg'))
        self.assertNotIn('entry_points', parser.sections())
        # setuptools would refuse a [project] field also given in setup.cfg.
        self.assertEqual(['name'], parser.options('metadata'))

    def test_every_entry_point_resolves(self):
        declared = _declared_entry_points()
        self.assertIn(('nova.virt.libvirt.guest_gates', 'third_party_gate'),
                      declared)
        for (group, name), value in declared.items():
            module, _, attr = value.partition(':')
            if group == 'tempest.test_plugins':
                # The tempest plugin imports tempest, which lives in
                # tempest's own venv (loaded there by
                # tests/tempest_plugin/check-tempest-plugin.sh); here its
                # module must at least exist.
                self.assertIsNotNone(importlib.util.find_spec(module), value)
                continue
            obj = importlib.import_module(module)
            for part in filter(None, attr.split('.')):
                obj = getattr(obj, part)
            self.assertTrue(obj, '%s %s = %s' % (group, name, value))

    def test_installed_metadata_matches_pyproject(self):
        # The venv was installed from this pyproject (tools/bootstrap.sh):
        # what importlib.metadata reports is what Nova's stevedore sees.
        dist = importlib.metadata.distribution('nova-ext')
        installed = {(ep.group, ep.name): ep.value
                     for ep in dist.entry_points}
        self.assertEqual(_declared_entry_points(), installed)

    def test_nova_extra_accepts_point_releases(self):
        # Every release with a patch series, any point release of it.
        from nova_ext import compat
        extra = _pyproject()['project']['optional-dependencies']['nova']
        self.assertEqual(['nova>=%d.0.0,<%d' % (min(compat.SERIES),
                                                max(compat.SERIES) + 1)],
                         extra)

    def test_every_patch_series_is_installed(self):
        # An installed nova-ext finds its series under share/nova-ext/
        # (nova-ext-patch's default_patch_dir()): a series left out of
        # setup.cfg's data_files is missing from every wheel.
        from nova_ext import compat
        parser = configparser.ConfigParser()
        parser.read(os.path.join(REPO, 'setup.cfg'))
        data_files = dict(
            line.split(' = ') for line in
            parser['files']['data_files'].strip().splitlines())
        for series in compat.SERIES.values():
            self.assertEqual(
                'patches/%s/*' % series,
                data_files.get('share/nova-ext/patches/%s' % series), series)
