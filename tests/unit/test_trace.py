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

"""Tests of the build-path trace of ``gate_bench.py --trace``."""

import testtools

from nova_ext.testing import trace


class TestTrace(testtools.TestCase):

    def test_an_early_approval_closes_the_gate(self):
        # settle() returning True ends the gate (wait() is never called):
        # without its 'open', every early approval stayed counted among
        # the gates open at once.
        t = trace.Trace()
        settle = trace._traced(t, lambda uuid: uuid == 'early', 'open',
                               lambda uuid: uuid, trace.IF_TRUE)
        for uuid in ('early', 'paused'):
            t.mark('gate', uuid)
            settle(uuid)
        self.assertEqual({'gate', 'open'}, set(t.rows()['early']))
        self.assertEqual({'gate'}, set(t.rows()['paused']))
        self.assertEqual(1, t.peak('gate', 'open'))
        self.assertIn('settle', [p[1] for p in trace.POINTS])

    def test_a_step_after_a_failed_call_is_marked(self):
        t = trace.Trace()

        def fail(uuid):
            raise RuntimeError()

        wrapped = trace._traced(t, fail, 'done', lambda uuid: uuid, True)
        self.assertRaises(RuntimeError, wrapped, 'x')
        self.assertEqual({'done'}, set(t.rows()['x']))
