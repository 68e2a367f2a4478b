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

"""Every shipped entry point of a hook group implements its contract.

The patches call what these entry points name; ``nova_ext.hooks`` states
each call as an abstract class. This test reads the installed metadata, as
stevedore does, so a renamed class, a missing method or an entry point left
pointing at an old module fails here rather than in a running Nova.
"""

import glob
import importlib.metadata
import inspect
import os
import re

import testtools

from nova_ext import hooks

# Entry point group -> (contract, whether the entry point names a class the
# hook instantiates, or an object it calls directly).
CONTRACTS = {
    'nova.external_events': (hooks.ExternalEventExtension, False),
    'nova.virt.libvirt.guest_gates': (hooks.GuestGate, True),
    'nova.compute.api.instance_namers': (hooks.InstanceNamer, True),
}

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def shipped(group):
    return [ep for ep in importlib.metadata.entry_points(group=group)
            if ep.dist is not None and ep.dist.name == 'nova-ext']


class HookContractTest(testtools.TestCase):

    def test_every_group_has_a_shipped_plugin(self):
        for group in CONTRACTS:
            self.assertNotEqual([], shipped(group), group)

    def test_shipped_plugins_implement_their_contract(self):
        for group, (contract, is_class) in CONTRACTS.items():
            for ep in shipped(group):
                plugin = ep.load()
                where = '%s %s = %s' % (group, ep.name, ep.value)
                if is_class:
                    self.assertTrue(inspect.isclass(plugin), where)
                    self.assertTrue(issubclass(plugin, contract), where)
                    self.assertEqual(frozenset(),
                                     plugin.__abstractmethods__, where)
                else:
                    self.assertIsInstance(plugin, contract, where)

    def test_the_gate_and_its_waiter_implement_theirs(self):
        # The light entry point hands calls to these; the waiter is what
        # patch 0002 waits on and closes.
        from nova_ext.gate import third_party_gate
        from nova_ext.gate import waiter
        self.assertTrue(issubclass(third_party_gate.ThirdPartyGate,
                                   hooks.GuestGate))
        self.assertTrue(issubclass(waiter.GateWaiter,
                                   hooks.GuestGateWaiter))
        self.assertEqual(frozenset(),
                         waiter.GateWaiter.__abstractmethods__)

    def test_an_incomplete_plugin_cannot_be_built(self):
        class Incomplete(hooks.GuestGate):
            pass
        self.assertRaises(TypeError, Incomplete)

    def test_each_patch_header_names_its_contract(self):
        # In every series (patches/<release>/).
        for series in glob.glob(os.path.join(REPO, 'patches', '*')):
            self._check_series(series)

    def _check_series(self, series):
        groups = set()
        for path in sorted(glob.glob(os.path.join(series, '*.patch'))):
            with open(path) as f:
                text = f.read()
            header = text.split('\n--- a/', 1)[0]
            for group in re.findall(
                    r"ExtensionManager\(\s*\+?\s*'([\w.]+)'", text):
                self.assertIn(group, CONTRACTS, path)
                groups.add(group)
                self.assertIn('nova_ext.hooks.%s'
                              % CONTRACTS[group][0].__name__, header, path)
        self.assertEqual(set(CONTRACTS), groups, series)
