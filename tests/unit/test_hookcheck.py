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

"""nova-api's start-up ERROR when a feature is on but its patch is missing.

The unpatched Nova sources come from the real patches: each hooked module
of the venv's (patched) Nova is reverted in memory with nova-ext-patch's
own planner, which gives upstream's text.
"""

import os

import fixtures
from oslo_config import cfg
from oslo_config import fixture as config_fixture
import testtools

from nova.api.validation.extra_specs import validators
from nova_ext.cmd import patch as patch_cmd
from nova_ext import hookcheck


def _unpatched_sources():
    """{module: upstream source} of every module patches/ touches."""
    nova_dir = patch_cmd.default_nova_dir()
    sources = {}
    for patch in patch_cmd.load_patches(patch_cmd.installed_series_dir()):
        state, changes = patch_cmd.plan(patch, nova_dir, reverse=True)
        assert state == patch_cmd.APPLIED, patch.name
        for path, lines in changes.items():
            module = os.path.relpath(path, nova_dir)[:-3].replace(os.sep,
                                                                  '.')
            sources[module] = ''.join(lines)
    return sources


class HookCheckTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.conf = self.useFixture(config_fixture.Config(cfg.CONF)).conf
        self.logs = self.useFixture(fixtures.FakeLogger(
            name='nova_ext.hookcheck'))

    def _unpatch(self):
        sources = _unpatched_sources()
        self.assertIn('nova.compute.api', sources)
        real = hookcheck.read_source

        def read_source(module):
            return sources.get(module) or real(module)

        self.useFixture(fixtures.MonkeyPatch(
            'nova_ext.hookcheck.read_source', read_source))

    def _enable(self, gate=True, naming=True):
        hookcheck.missing_hooks(self.conf, hooks=())  # registers options
        self.conf.set_override('enabled', gate, group='third_party_gate')
        self.conf.set_override(
            'multi_instance_display_name_template_enabled', naming)

    def test_patched_nova_logs_nothing(self):
        self._enable()
        self.assertEqual([], hookcheck.register())
        self.assertEqual('', self.logs.output)

    def test_unpatched_nova_logs_each_feature_on(self):
        self._unpatch()
        self._enable()
        self.assertEqual([], hookcheck.register())
        output = self.logs.output
        self.assertIn('[DEFAULT] multi_instance_display_name_template_'
                      'enabled is on, but nova.compute.api has no '
                      'nova.compute.api.instance_namers hook point: the '
                      'patch 0003-compute-api-instance-namers.patch is not '
                      'applied', output)
        self.assertIn('[third_party_gate] enabled is on, but '
                      'nova.objects.external_event has no '
                      'nova.external_events hook point', output)
        self.assertIn('nova-ext-patch apply', output)

    def test_unpatched_nova_features_off_logs_nothing(self):
        self._unpatch()
        self._enable(gate=False, naming=False)
        self.assertEqual([], hookcheck.register())
        self.assertEqual('', self.logs.output)

    def test_naming_on_without_its_switch_is_reported(self):
        # The switch unset: forcing the template (or setting it) is what
        # turns naming on.
        self._unpatch()
        hookcheck.missing_hooks(self.conf, hooks=())
        self.conf.set_override('enabled', False, group='third_party_gate')
        self.conf.set_override('force_multi_instance_display_name', True)
        self.assertEqual(['multi_instance_display_name_template_enabled'],
                         [h.option for h in
                          hookcheck.missing_hooks(self.conf)])

    def test_only_the_feature_on_is_reported(self):
        self._unpatch()
        self._enable(gate=False, naming=True)
        self.assertEqual(['multi_instance_display_name_template_enabled'],
                         [h.option for h in
                          hookcheck.missing_hooks(self.conf)])

    def test_nova_api_loader_runs_the_check(self):
        # Nova's own loader of nova.api.extra_spec_validators, as nova-api
        # runs it while building its application.
        self._unpatch()
        self._enable()
        validators.load_validators()
        self.assertIn('nova.compute.api.instance_namers hook point',
                      self.logs.output)
        # Our real validator is still registered next to the check.
        self.assertIn('third_party_gate:enabled', validators.VALIDATORS)

    def test_check_failure_does_not_stop_nova_api(self):
        def read_source(module):
            raise OSError('unreadable %s' % module)

        self.useFixture(fixtures.MonkeyPatch(
            'nova_ext.hookcheck.read_source', read_source))
        self._enable()
        self.assertEqual([], hookcheck.register())
        self.assertIn('nova-ext could not check its hook points',
                      self.logs.output)
