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

"""Tests of the gate's light entry point (nova_ext.gate.hook)."""

import sys

from nova import test

from nova_ext.gate import hook
from nova_ext.gate import third_party_gate as driver


class TestGuestGate(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        saved = sys.modules[hook.GATE_MODULE]
        self.addCleanup(sys.modules.__setitem__, hook.GATE_MODULE, saved)

    def break_the_gate(self):
        sys.modules[hook.GATE_MODULE] = None

    def test_gate_off_imports_nothing_of_the_gate(self):
        self.flags(enabled=False, group='third_party_gate')
        self.break_the_gate()
        gate = hook.GuestGate()
        self.assertIsNone(gate.start(None, None))
        gate.instances_at_startup(None, [])

    def test_gate_on_and_broken_fails_at_construction(self):
        self.flags(enabled=True, url='http://127.0.0.1:9/', timeout=1,
                   max_total_wait=1, group='third_party_gate')
        self.break_the_gate()
        self.assertRaises(ImportError, hook.GuestGate)

    def test_enabled_later_loads_then_fails_closed(self):
        self.flags(enabled=False, group='third_party_gate')
        gate = hook.GuestGate()
        self.flags(enabled=True, url='http://127.0.0.1:9/', timeout=1,
                   max_total_wait=1, group='third_party_gate')
        self.break_the_gate()
        # The spawn fails (its guest never runs) rather than go ungated.
        self.assertRaises(ImportError, gate.start, None, None)

    def test_gate_on_delegates(self):
        self.flags(enabled=True, url='http://127.0.0.1:9/', timeout=1,
                   max_total_wait=1, group='third_party_gate')
        gate = hook.GuestGate()
        self.assertIsInstance(gate._gate, driver.ThirdPartyGate)
