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

"""Tests of the waiter registry (real threads, whatever the backend)."""

import threading
import time

import fixtures
import testtools

from nova_ext.gate import registry


class TestRegistry(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.registry = registry.Registry()

    def register(self, uuid='u', tag='t', ttl=60):
        return self.registry.register(uuid, tag, time.monotonic() + ttl)

    def test_event_before_wait_is_kept(self):
        waiter = self.register()
        self.assertTrue(self.registry.deliver('u', 't', 'completed'))
        self.assertEqual('completed',
                         waiter.next_status(time.monotonic() + 1))

    def test_heartbeat_does_not_hide_the_verdict(self):
        waiter = self.register()
        self.registry.deliver('u', 't', 'in-progress')
        self.registry.deliver('u', 't', 'failed')
        until = time.monotonic() + 1
        self.assertEqual('in-progress', waiter.next_status(until))
        self.assertEqual('failed', waiter.next_status(until))

    def test_timeout_returns_none(self):
        waiter = self.register()
        start = time.monotonic()
        self.assertIsNone(waiter.next_status(start + 0.2))
        self.assertGreaterEqual(time.monotonic() - start, 0.2)

    def test_event_from_another_thread_wakes_the_waiter(self):
        waiter = self.register()
        timer = threading.Timer(
            0.1, self.registry.deliver, ('u', 't', 'completed'))
        timer.start()
        self.addCleanup(timer.join)
        start = time.monotonic()
        self.assertEqual('completed', waiter.next_status(start + 5))
        self.assertLess(time.monotonic() - start, 2)

    def test_unknown_tag_and_instance_ignored(self):
        waiter = self.register()
        self.assertFalse(self.registry.deliver('u', 'other', 'completed'))
        self.assertFalse(self.registry.deliver('v', 't', 'completed'))
        self.assertIsNone(waiter.next_status(time.monotonic() + 0.05))

    def test_late_events_ignored(self):
        waiter = self.register()
        self.registry.deliver('u', 't', 'completed')
        self.registry.deliver('u', 't', 'completed')
        self.assertEqual('completed',
                         waiter.next_status(time.monotonic() + 1))
        self.registry.unregister(waiter)
        self.assertTrue(waiter.closed)
        self.assertFalse(self.registry.deliver('u', 't', 'failed'))
        self.assertEqual(0, len(self.registry))
        self.assertFalse(waiter.push('completed'))

    def test_same_instance_independent_tags(self):
        first = self.register(tag='a')
        second = self.register(tag='b')
        self.assertEqual(['a', 'b'], sorted(self.registry.waiting('u')))
        self.registry.deliver('u', 'b', 'failed')
        self.assertIsNone(first.next_status(time.monotonic() + 0.05))
        self.assertEqual('failed', second.next_status(time.monotonic() + 1))

    def test_stale_waiters_forgotten(self):
        self.useFixture(fixtures.MonkeyPatch(
            'nova_ext.gate.registry.STALE_GRACE', 0.0))
        stale = self.register(tag='old', ttl=-1)
        self.register(tag='new')
        self.assertEqual(['new'], self.registry.waiting('u'))
        self.assertTrue(stale.closed)
