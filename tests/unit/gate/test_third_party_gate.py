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

"""Tests of ThirdPartyGate and GateWaiter against a real loopback server.

The instance action records go to the database through conductor; here
they are mocked (the functional tests read them back for real through
os-instance-actions).
"""

import json
import threading
import time
from unittest import mock

import fixtures
from nova.compute import task_states
from nova.compute import vm_states
from nova import context as nova_context
from nova import exception as nova_exception
from nova import objects
from nova import test
from nova.tests.unit import fake_instance
from oslo_utils import timeutils

from nova_ext.gate import client as gate_client
from nova_ext.gate import event
from nova_ext.gate import exception
from nova_ext.gate import records
from nova_ext.gate import registry
from nova_ext.gate import selection
from nova_ext.gate import third_party_gate as driver
from nova_ext.gate import waiter as gate_waiter
from tests.unit.gate import fakes

UUID = '1b5c5a2e-1d6a-4b1e-9b7e-0a1f2e3d4c5b'


class GateTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.gate = driver.ThirdPartyGate()
        self.context = nova_context.RequestContext(
            'user', 'project', request_id='req-123')
        # The wait path (guest created paused): TestEarlyVerdict opens
        # the window.
        self.flags(enabled=True, url='http://127.0.0.1:9/unset', timeout=1,
                   max_total_wait=3, request_timeout=1, max_retries=0,
                   early_verdict_window=0, group='third_party_gate')
        self.start_event = self.useFixture(self._patch('event_start'))
        self.finish = self.useFixture(self._patch('event_finish'))
        self.failure = self.useFixture(
            self._patch('event_finish_with_failure'))
        # What the gate reads to notice a delete during its wait.
        self.task_state = task_states.SPAWNING
        self.get_instance = self.useFixture(fixtures.MockPatchObject(
            objects.Instance, 'get_by_uuid',
            side_effect=lambda ctxt, uuid, **kw: self.instance(
                task_state=self.task_state)))

    @staticmethod
    def _patch(name):
        return fixtures.MockPatchObject(objects.InstanceActionEvent, name)

    def instance(self, **updates):
        values = {'uuid': UUID, 'vm_state': vm_states.BUILDING,
                  'task_state': task_states.SPAWNING, 'host': 'compute1',
                  'project_id': 'project', 'user_id': 'user',
                  'display_name': 'vm1',
                  'image_ref': '155d900f-4e14-4e4c-a73d-069cbf4541e6'}
        values.update(updates)
        inst = fake_instance.fake_instance_obj(self.context, **values)
        inst.system_metadata = values.get('system_metadata', {
            'image_disk_format': 'raw', 'image_os_distro': 'debian'})
        return inst

    def third_party(self, *answers):
        tp = self.useFixture(fakes.FakeThirdParty(*answers))
        self.flags(url=tp.url, group='third_party_gate')
        return tp

    def deliver_later(self, status, tag_of, delay=0.1, uuid=UUID):
        """Post an event to the registry from another thread."""
        def post():
            time.sleep(delay)
            ev = objects.InstanceExternalEvent(
                name='third-party-gate', tag=tag_of(), status=status,
                instance_uuid=uuid)
            event.handle(self.context, self.instance(uuid=uuid), ev)
        thread = threading.Thread(target=post)
        thread.start()
        self.addCleanup(thread.join)

    def failure_message(self):
        self.assertEqual(1, self.failure.mock.call_count)
        return self.failure.mock.call_args[1]['exc_val']


class TestConfig(GateTestCase):

    def assert_invalid(self, option, **flags):
        self.flags(group='third_party_gate', **flags)
        exc = self.assertRaises(exception.GateConfigError,
                                driver.ThirdPartyGate)
        self.assertIn('[third_party_gate] %s' % option, str(exc))
        return str(exc)

    def test_defaults_are_valid(self):
        self.flags(enabled=False, url=None, timeout=300, max_total_wait=3600,
                   group='third_party_gate')
        driver.ThirdPartyGate()

    def test_url_required(self):
        msg = self.assert_invalid('url', url=None)
        self.assertIn('[third_party_gate] enabled', msg)

    def test_max_total_wait_below_timeout(self):
        self.assert_invalid('max_total_wait', timeout=10, max_total_wait=5)

    def test_bad_selectors(self):
        for value in ('novalue', '=x', 'key=', ' = '):
            self.assert_invalid('flavor_extra_spec', flavor_extra_spec=value)
            self.flags(flavor_extra_spec=None, group='third_party_gate')
            self.assert_invalid('image_property', image_property=value)
            self.flags(image_property=None, group='third_party_gate')

    def test_client_key_without_cert(self):
        self.assert_invalid('client_key', client_key='/etc/k.pem')


class TestNotGated(GateTestCase):

    def setUp(self):
        super().setUp()
        self.tp = self.third_party()

    def assert_not_gated(self, instance):
        self.assertIsNone(self.gate.start(self.context, instance))
        self.assertEqual([], self.tp.requests)
        self.assertEqual(0, len(registry.REGISTRY.waiting(instance.uuid)))

    def test_disabled(self):
        self.flags(enabled=False, group='third_party_gate')
        self.assert_not_gated(self.instance())

    def test_other_operations(self):
        for vm_state, task_state, operation in (
                (vm_states.ACTIVE, task_states.REBUILD_SPAWNING, 'rebuild'),
                (vm_states.ERROR, task_states.REBUILD_SPAWNING, 'rebuild'),
                (vm_states.SHELVED_OFFLOADED, task_states.SPAWNING,
                 'unshelve'),
                (vm_states.ACTIVE, None, None)):
            instance = self.instance(vm_state=vm_state, task_state=task_state)
            self.assertEqual(operation, selection.operation_of(instance))
            self.assert_not_gated(instance)
        self.assertEqual('boot', selection.operation_of(self.instance()))

    def test_selectors(self):
        self.flags(flavor_extra_spec='third_party_gate:enabled=true',
                   image_property='licence=required',
                   projects=['p1', 'p2'], group='third_party_gate')
        self.assert_not_gated(self.instance())
        self.assert_not_gated(self.instance(project_id='p3'))
        inst = self.instance()
        inst.flavor.extra_specs = {'third_party_gate:enabled': 'false'}
        self.assert_not_gated(inst)
        inst.system_metadata = {'image_licence': 'optional'}
        self.assert_not_gated(inst)


class TestSelection(GateTestCase):

    def test_is_selected(self):
        conf = driver.CONF.third_party_gate
        inst = self.instance()
        self.assertTrue(selection.is_selected(conf, inst))
        self.flags(flavor_extra_spec='third_party_gate:enabled=true',
                   group='third_party_gate')
        self.assertFalse(selection.is_selected(conf, inst))
        for value in ('true', 'True', '1', 'yes'):
            inst.flavor.extra_specs = {'third_party_gate:enabled': value}
            self.assertTrue(selection.is_selected(conf, inst), value)
        inst.flavor.extra_specs = {}
        self.flags(image_property='licence=required',
                   group='third_party_gate')
        inst.system_metadata = {'image_licence': 'required'}
        self.assertTrue(selection.is_selected(conf, inst))
        inst.system_metadata = {'licence': 'required'}
        self.assertFalse(selection.is_selected(conf, inst))
        self.flags(projects=['project'], group='third_party_gate')
        self.assertTrue(selection.is_selected(conf, inst))

    def test_image_properties(self):
        inst = self.instance(system_metadata={
            'image_min_ram': '0', 'image_disk_format': 'qcow2',
            'image_hw_machine_type': 'q35', 'image_licence': 'x',
            'owner_user_name': 'bob', 'image_none': None})
        self.assertEqual({'hw_machine_type': 'q35', 'licence': 'x'},
                         selection.image_properties(inst))


class TestEnforce(GateTestCase):

    def start(self, instance=None):
        waiter = self.gate.start(self.context, instance or self.instance())
        self.assertIsNotNone(waiter)
        return waiter

    def test_sync_approve(self):
        tp = self.third_party(fakes.Answer(
            body={'status': 'completed', 'reason': 'ok'}))
        self.flags(secret='k', group='third_party_gate')
        waiter = self.start()
        self.assertEqual(gate_waiter.APPROVE, waiter.wait())
        waiter.join()
        [req] = tp.requests
        body = json.loads(req['body'])
        self.assertEqual(1, body['version'])
        self.assertEqual(UUID, body['server_uuid'])
        self.assertEqual(waiter.tag, body['tag'])
        self.assertEqual(waiter.tag, req['headers']['X-Nova-Ext-Tag'])
        self.assertTrue(req['headers']['X-Nova-Ext-Signature'].startswith(
            'sha256='))
        self.assertEqual('boot', body['operation'])
        self.assertEqual('compute1', body['host'])
        self.assertEqual('vm1', body['display_name'])
        self.assertEqual('req-123', body['request_id'])
        self.assertEqual('enforce', body['mode'])
        self.assertEqual('flavor1', body['flavor']['name'])
        self.assertEqual({}, body['flavor']['extra_specs'])
        self.assertEqual({'os_distro': 'debian'},
                         body['image']['properties'])
        self.assertEqual('2.93', body['callback']['min_microversion'])
        self.assertRegex(body['deadline'],
                         r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
        self.assertLess(body['deadline'], body['max_deadline'])
        self.start_event.mock.assert_called_once_with(
            self.context, UUID, records.ACTION_EVENT, want_result=False,
            host='compute1')
        self.finish.mock.assert_called_once_with(
            self.context, UUID, records.ACTION_EVENT, want_result=False)
        self.assertEqual([], registry.REGISTRY.waiting(UUID))

    def test_request_travels_while_the_guest_is_created(self):
        self.third_party(fakes.Answer(body={'status': 'completed'},
                                      delay=0.3))
        start = time.monotonic()
        waiter = self.start()
        # start() returned before the answer: the driver creates the
        # guest meanwhile, and wait() still gets the synchronous verdict.
        self.assertLess(time.monotonic() - start, 0.3)
        self.assertEqual(gate_waiter.APPROVE, waiter.wait())
        self.assertGreaterEqual(time.monotonic() - start, 0.3)

    def test_approval_recorded_after_its_start(self):
        self.third_party(fakes.Answer(body={'status': 'completed'}))
        calls = []
        self.start_event.mock.side_effect = (
            lambda *a, **k: calls.append('start'))
        self.finish.mock.side_effect = (
            lambda *a, **k: calls.append('finish'))
        waiter = self.start()
        waiter.wait()
        waiter.join()
        self.assertEqual(['start', 'finish'], calls)

    def test_sync_reject(self):
        self.third_party(fakes.Answer(
            body={'status': 'failed', 'reason': 'no licence'}))
        waiter = self.start()
        exc = self.assertRaises(exception.GateRejected, waiter.wait)
        self.assertEqual(
            'Build of instance %s aborted: Third-party gate rejected the '
            'server: no licence' % UUID, exc.format_message())
        self.assertEqual('Third-party gate rejected the server: no licence',
                         self.failure_message())
        self.assertEqual([], registry.REGISTRY.waiting(UUID))

    def test_async_approve(self):
        self.third_party(fakes.Answer(code=202))
        waiter = self.start()
        self.deliver_later('completed', lambda: waiter.tag)
        self.assertEqual(gate_waiter.APPROVE, waiter.wait())
        waiter.join()
        self.assertEqual(1, self.finish.mock.call_count)

    def test_async_reject_reason_from_status_url(self):
        tp = self.third_party()
        tp.script(fakes.Answer(code=202, body={
            'status': 'pending', 'status_url': tp.status_url}),
            fakes.Answer(body={'status': 'failed', 'reason': 'quota'}))
        waiter = self.start()
        self.deliver_later('failed', lambda: waiter.tag)
        exc = self.assertRaises(exception.GateRejected, waiter.wait)
        self.assertIn('rejected the server: quota', str(exc))
        self.assertEqual('GET', tp.requests[1]['method'])

    def test_async_reject_without_status_url(self):
        self.third_party(fakes.Answer(code=202))
        waiter = self.start()
        self.deliver_later('failed', lambda: waiter.tag)
        exc = self.assertRaises(exception.GateRejected, waiter.wait)
        self.assertIn('rejected the server: no reason given', str(exc))

    def test_event_with_another_tag_is_ignored(self):
        self.third_party(fakes.Answer(code=202))
        waiter = self.start()
        self.deliver_later('completed', lambda: 'forged')
        self.assertRaises(exception.GateTimedOut, waiter.wait)

    def test_timeout_fail(self):
        self.third_party(fakes.Answer(code=202))
        waiter = self.start()
        start = time.monotonic()
        exc = self.assertRaises(exception.GateTimedOut, waiter.wait)
        self.assertGreaterEqual(time.monotonic() - start, 0.9)
        self.assertIn('gave no verdict within 1 seconds', str(exc))

    def test_timeout_continue(self):
        self.third_party(fakes.Answer(code=202))
        self.flags(timeout_action='continue', group='third_party_gate')
        self.assertEqual(gate_waiter.CONTINUE, self.start().wait())
        self.assertEqual(
            'Third-party gate gave no verdict within 1 seconds '
            '(timeout_action=continue: the server was let through)',
            self.failure_message())

    def test_reconciled_at_deadline(self):
        tp = self.third_party()
        tp.script(fakes.Answer(code=202, body={
            'status': 'pending', 'status_url': tp.status_url}),
            fakes.Answer(body={'status': 'completed'}))
        self.assertEqual(gate_waiter.APPROVE, self.start().wait())
        self.assertEqual(['POST', 'GET'],
                         [r['method'] for r in tp.requests])

    def test_still_pending_at_deadline_times_out(self):
        tp = self.third_party()
        tp.script(fakes.Answer(code=202, body={
            'status': 'pending', 'status_url': tp.status_url}))
        self.assertRaises(exception.GateTimedOut, self.start().wait)
        self.assertEqual(2, len(tp.requests))

    def test_heartbeats_extend_until_the_cap(self):
        self.third_party(fakes.Answer(code=202))
        self.flags(timeout=1, max_total_wait=2, group='third_party_gate')
        waiter = self.start()
        for delay in (0.6, 1.2, 1.8):
            self.deliver_later('in-progress', lambda: waiter.tag, delay)
        start = time.monotonic()
        exc = self.assertRaises(exception.GateTimedOut, waiter.wait)
        elapsed = time.monotonic() - start
        # Without heartbeats: 1 s; with them: the 2 s cap, not 2.8 s.
        self.assertGreater(elapsed, 1.5)
        self.assertLess(elapsed, 2.5)
        self.assertIn('within 2 seconds', str(exc))

    def test_heartbeat_then_verdict(self):
        self.third_party(fakes.Answer(code=202))
        self.flags(timeout=1, max_total_wait=3, group='third_party_gate')
        waiter = self.start()
        self.deliver_later('in-progress', lambda: waiter.tag, 0.7)
        self.deliver_later('completed', lambda: waiter.tag, 1.4)
        self.assertEqual(gate_waiter.APPROVE, waiter.wait())

    def test_undeliverable(self):
        self.third_party(fakes.Answer(code=500))
        exc = self.assertRaises(exception.GateUndeliverable,
                                self.start().wait)
        self.assertIn('Third-party gate could not be reached', str(exc))
        self.flags(failure_policy='continue', group='third_party_gate')
        self.assertEqual(gate_waiter.CONTINUE, self.start().wait())
        self.assertIn('failure_policy=continue', self.failure.mock.call_args[
            1]['exc_val'])

    def test_unexpected_error_is_a_delivery_failure(self):
        self.third_party()
        with mock.patch.object(gate_waiter.GateWaiter, 'body', autospec=True,
                               side_effect=ValueError('boom')):
            waiter = self.start()
        exc = self.assertRaises(exception.GateUndeliverable, waiter.wait)
        self.assertIn('Third-party gate could not be reached', str(exc))

    def test_record_failures_do_not_change_the_verdict(self):
        self.third_party(fakes.Answer(body={'status': 'completed'}))
        self.start_event.mock.side_effect = Exception('db down')
        self.finish.mock.side_effect = Exception('db down')
        self.assertEqual(gate_waiter.APPROVE, self.start().wait())

    def test_audit_never_blocks(self):
        tp = self.third_party(fakes.Answer(
            body={'status': 'failed', 'reason': 'no'}, delay=0.3))
        self.flags(mode='audit', group='third_party_gate')
        start = time.monotonic()
        self.assertIsNone(self.gate.start(self.context, self.instance()))
        self.assertLess(time.monotonic() - start, 0.3)
        for _ in range(100):
            if self.failure.mock.called:
                break
            time.sleep(0.05)
        self.assertEqual(
            'Third-party gate rejected the server: no (audit mode: the '
            'server was let through)', self.failure_message())
        self.assertEqual('audit', json.loads(tp.requests[0]['body'])['mode'])
        self.assertEqual([], registry.REGISTRY.waiting(UUID))


class TestEarlyVerdict(GateTestCase):
    """early_verdict_window: start() returns None only on an approval."""

    def setUp(self):
        super().setUp()
        self.flags(early_verdict_window=0.5, group='third_party_gate')

    def the_tag(self):
        return registry.REGISTRY.waiting(UUID)[0]

    def test_sync_approval_within_the_window(self):
        tp = self.third_party(fakes.Answer(body={'status': 'completed'}))
        calls = []
        self.start_event.mock.side_effect = (
            lambda *a, **k: calls.append('start'))
        self.finish.mock.side_effect = (
            lambda *a, **k: calls.append('finish'))
        self.assertIsNone(self.gate.start(self.context, self.instance()))
        self.assertEqual(1, len(tp.requests))
        self.assertEqual([], registry.REGISTRY.waiting(UUID))
        # The approval is recorded beside the boot, after its start.
        for _ in range(100):
            if len(calls) == 2:
                break
            time.sleep(0.05)
        self.assertEqual(['start', 'finish'], calls)
        self.assertFalse(self.failure.mock.called)

    def test_event_approval_within_the_window(self):
        self.third_party(fakes.Answer(code=202))
        self.deliver_later('in-progress', self.the_tag, delay=0.05)
        self.deliver_later('completed', self.the_tag, delay=0.15)
        self.assertIsNone(self.gate.start(self.context, self.instance()))
        self.assertEqual([], registry.REGISTRY.waiting(UUID))

    def test_an_early_event_approval_is_not_logged_as_ignored(self):
        self.third_party(fakes.Answer(code=202))
        self.deliver_later('in-progress', self.the_tag, delay=0.05)
        self.deliver_later('completed', self.the_tag, delay=0.1)
        self.assertIsNone(self.gate.start(self.context, self.instance()))
        self.assertNotIn('Ignoring third-party-gate event',
                         self.stdlog.logger.output)

    def test_a_failure_looking_for_an_early_verdict_keeps_the_pause(self):
        # Fault injection: the driver calls start() outside the try that
        # closes its waiters, so start() must not raise after the request
        # went out; the guest is created paused and wait() decides.
        self.useFixture(fixtures.MockPatchObject(
            registry.Waiter, 'first_verdict', side_effect=RuntimeError))
        self.third_party(fakes.Answer(code=202))
        self.deliver_later('completed', self.the_tag, delay=0.05)
        waiter = self.gate.start(self.context, self.instance())
        self.assertIsNotNone(waiter)
        self.assertEqual(gate_waiter.APPROVE, waiter.wait())
        self.assertEqual([], registry.REGISTRY.waiting(UUID))

    def test_rejections_and_errors_leave_a_waiter(self):
        cases = [
            (fakes.Answer(body={'status': 'failed', 'reason': 'no'}), None,
             exception.GateRejected),
            (fakes.Answer(code=202), 'failed', exception.GateRejected),
            (fakes.Answer(code=500), None, exception.GateUndeliverable),
            (fakes.Answer(code=403), None, exception.GateAuthRefused),
            (fakes.Answer(raw=b'not json'), None,
             exception.GateUndeliverable),
        ]
        for answer, event_status, error in cases:
            self.third_party(answer)
            if event_status:
                self.deliver_later(event_status, self.the_tag, delay=0.05)
            waiter = self.gate.start(self.context, self.instance())
            self.assertIsNotNone(waiter, answer.code)
            self.assertRaises(error, waiter.wait)
            waiter.join()

    def test_an_approval_event_does_not_beat_a_sync_rejection(self):
        # The synchronous answer is the verdict, as in wait().
        self.third_party(fakes.Answer(
            body={'status': 'failed', 'reason': 'no'}, delay=0.2))
        self.deliver_later('completed', self.the_tag, delay=0.05)
        waiter = self.gate.start(self.context, self.instance())
        self.assertIsNotNone(waiter)
        self.assertRaises(exception.GateRejected, waiter.wait)

    def test_late_verdicts_leave_a_waiter_after_the_window(self):
        self.flags(early_verdict_window=0.2, group='third_party_gate')
        for answer in (fakes.Answer(body={'status': 'completed'}, delay=0.5),
                       fakes.Answer(code=202)):
            self.third_party(answer)
            if answer.code == 202:
                self.deliver_later('completed', self.the_tag, delay=0.5)
            start = time.monotonic()
            waiter = self.gate.start(self.context, self.instance())
            took = time.monotonic() - start
            self.assertIsNotNone(waiter)
            self.assertGreaterEqual(took, 0.2)
            self.assertLess(took, 0.45)
            self.assertEqual(gate_waiter.APPROVE, waiter.wait())

    def test_continue_policies_never_skip_the_pause(self):
        self.flags(failure_policy='continue', timeout_action='continue',
                   group='third_party_gate')
        self.third_party(fakes.Answer(code=500))
        waiter = self.gate.start(self.context, self.instance())
        self.assertIsNotNone(waiter)
        self.assertEqual(gate_waiter.CONTINUE, waiter.wait())


class TestBoundedWaits(GateTestCase):
    """Issue 8: every wait of the gate ends, whatever the third party does."""

    def start(self, instance=None):
        waiter = self.gate.start(self.context, instance or self.instance())
        self.assertIsNotNone(waiter)
        return waiter

    def test_delete_ends_the_wait(self):
        self.third_party(fakes.Answer(code=202))
        self.flags(timeout=30, max_total_wait=30, group='third_party_gate')
        waiter = self.start()

        def delete():
            time.sleep(0.3)
            self.task_state = task_states.DELETING
        thread = threading.Thread(target=delete)
        thread.start()
        self.addCleanup(thread.join)
        start = time.monotonic()
        self.assertRaises(exception.GateDeleted, waiter.wait)
        self.assertLess(time.monotonic() - start,
                        0.3 + gate_waiter.DELETE_POLL_INTERVAL + 0.5)
        self.assertEqual(records.DELETED, self.failure_message())
        self.assertEqual([], registry.REGISTRY.waiting(UUID))

    def test_server_gone_ends_the_wait(self):
        self.third_party(fakes.Answer(code=202))
        self.flags(timeout=30, max_total_wait=30, group='third_party_gate')
        self.get_instance.mock.side_effect = (
            nova_exception.InstanceNotFound(instance_id=UUID))
        self.assertRaises(exception.GateDeleted, self.start().wait)

    def test_failed_delete_check_does_not_fail_the_boot(self):
        self.third_party(fakes.Answer(code=202))
        self.flags(timeout=3, max_total_wait=3, group='third_party_gate')
        self.get_instance.mock.side_effect = Exception('conductor timeout')
        waiter = self.start()
        self.deliver_later('completed', lambda: waiter.tag, 1.5)
        self.assertEqual(gate_waiter.APPROVE, waiter.wait())
        self.assertTrue(self.get_instance.mock.called)

    def test_delete_while_the_request_is_in_flight(self):
        self.third_party(fakes.Answer(body={'status': 'completed'},
                                      delay=5))
        self.flags(timeout=30, max_total_wait=30, request_timeout=30,
                   group='third_party_gate')
        self.task_state = task_states.DELETING
        start = time.monotonic()
        self.assertRaises(exception.GateDeleted, self.start().wait)
        self.assertLess(time.monotonic() - start,
                        gate_waiter.DELETE_POLL_INTERVAL + 0.5)

    def test_request_thread_joined_no_later_than_the_deadline(self):
        # A request thread stuck past its deadline (whatever the client's
        # own bounds): wait() gives up on it at the deadline.
        self.flags(url='http://127.0.0.1:9/never', timeout=1,
                   group='third_party_gate')
        release = threading.Event()
        self.addCleanup(release.set)
        with mock.patch.object(gate_client.GateClient, 'send',
                               autospec=True,
                               side_effect=lambda *a: release.wait(30)):
            waiter = self.start()
        start = time.monotonic()
        exc = self.assertRaises(exception.GateUndeliverable, waiter.wait)
        elapsed = time.monotonic() - start
        self.assertLess(elapsed, 1 + gate_waiter.JOIN_GRACE + 0.5)
        self.assertIn('Third-party gate could not be reached', str(exc))

    def test_record_of_the_start_does_not_eat_the_deadline(self):
        # The start's record takes longer than the whole timeout; the
        # verdict arrives within it and is honoured.
        self.third_party(fakes.Answer(code=202))
        self.flags(timeout=1, max_total_wait=3, group='third_party_gate')
        calls = []

        def slow_start(*args, **kwargs):
            time.sleep(1.5)
            calls.append('start')
        self.start_event.mock.side_effect = slow_start
        self.finish.mock.side_effect = lambda *a, **k: calls.append('finish')
        waiter = self.start()
        self.deliver_later('completed', lambda: waiter.tag, 0.5)
        self.assertEqual(gate_waiter.APPROVE, waiter.wait())
        waiter.join()
        self.assertEqual(['start', 'finish'], calls)

    def test_close_drops_the_wait_at_once(self):
        tp = self.third_party(fakes.Answer(body={'status': 'completed'},
                                           delay=0.5))
        self.flags(timeout=30, max_total_wait=30, group='third_party_gate')
        waiter = self.start()
        start = time.monotonic()
        waiter.close()
        self.assertLess(time.monotonic() - start, 0.2)
        self.assertEqual([], registry.REGISTRY.waiting(UUID))
        waiter.join(5)
        self.assertEqual(records.SPAWN_FAILED, self.failure_message())
        # The late answer changed nothing; closing again is a no-op.
        self.assertEqual(1, len(tp.requests))
        waiter.close()
        self.assertEqual(1, self.failure.mock.call_count)

    def test_audits_are_bounded(self):
        tp = self.third_party(fakes.Answer(code=202))
        self.flags(mode='audit', timeout=1, max_total_wait=1,
                   group='third_party_gate')
        slots = threading.BoundedSemaphore(1)
        self.useFixture(fixtures.MockPatchObject(
            driver, '_AUDIT_SLOTS', slots))
        self.assertIsNone(self.gate.start(self.context, self.instance()))
        other = self.instance(uuid='2b5c5a2e-1d6a-4b1e-9b7e-0a1f2e3d4c5b')
        self.assertIsNone(self.gate.start(self.context, other))
        for _ in range(40):
            if tp.requests:
                break
            time.sleep(0.05)
        time.sleep(0.2)
        # The second boot was not audited: one exchange in flight at most.
        self.assertEqual(1, len(tp.requests))
        self.assertEqual([], registry.REGISTRY.waiting(other.uuid))
        # The slot is free again once the first audit timed out.
        self.assertTrue(slots.acquire(timeout=5))


class TestInstancesAtStartup(GateTestCase):
    """The servers a restart left at the gate are named at start."""

    def setUp(self):
        super().setUp()
        self.action = objects.InstanceAction(id=7, request_id='req-boot')
        self.events = [objects.InstanceActionEvent(
            event=records.ACTION_EVENT, finish_time=None)]
        self.useFixture(fixtures.MockPatchObject(
            objects.InstanceActionList, 'get_by_instance_uuid',
            side_effect=lambda *a, **k: [self.action]))
        self.useFixture(fixtures.MockPatchObject(
            objects.InstanceActionEventList, 'get_by_action',
            side_effect=lambda *a, **k: self.events))

    def test_building_server_with_an_open_gate_event(self):
        self.gate.instances_at_startup(self.context, [
            self.instance(),
            self.instance(uuid='3b5c5a2e-1d6a-4b1e-9b7e-0a1f2e3d4c5b',
                          vm_state=vm_states.ACTIVE, task_state=None)])
        self.assertEqual(records.RESTARTED, self.failure_message())
        ctxt = self.failure.mock.call_args[0][0]
        self.assertEqual('req-boot', ctxt.request_id)
        self.assertIn('waited at the third-party gate',
                      self.stdlog.logger.output)

    def test_gate_event_already_finished(self):
        self.events[0].finish_time = timeutils.utcnow()
        self.gate.instances_at_startup(self.context, [self.instance()])
        self.assertFalse(self.failure.mock.called)


class TestEventBeatsALostAnswer(GateTestCase):
    """A verdict posted by event wins over a request that then failed."""

    def test_rejection_then_lost_answer_under_continue(self):
        # The third party posts its rejection, then its HTTP answer is lost
        # (a proxy's 502): the rejection stands, continue or not.
        self.third_party(fakes.Answer(code=502, delay=0.5))
        self.flags(failure_policy='continue', timeout=3, max_total_wait=5,
                   max_retries=0, group='third_party_gate')
        waiter = self.gate.start(self.context, self.instance())
        self.deliver_later('failed', lambda: waiter.tag, delay=0.1)
        self.assertRaises(exception.GateRejected, waiter.wait)

    def test_approval_then_lost_answer(self):
        self.third_party(fakes.Answer(code=502, delay=0.5))
        self.flags(failure_policy='fail', timeout=3, max_total_wait=5,
                   max_retries=0, group='third_party_gate')
        waiter = self.gate.start(self.context, self.instance())
        self.deliver_later('completed', lambda: waiter.tag, delay=0.1)
        self.assertEqual(gate_waiter.APPROVE, waiter.wait())
