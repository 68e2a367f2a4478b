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

"""The gate's promise on the paths around the happy one (issue 8).

"A gated guest never runs before the third party approves it; a rejection
releases everything, and is not a failure of the host; every wait is
bounded." Each test here names a path where that promise once broke, on
Nova's functional harness with the patches applied (see test_gate for the
harness itself).
"""

import sys
import time

import fixtures
from nova import context as nova_context
from nova import objects
from nova.tests.fixtures import libvirt as fakelibvirt
from nova.tests.functional.api import client

from nova_ext.gate import hook as gate_hook
from nova_ext.gate import records
from nova_ext.gate import registry
from nova_ext.testing import harness


class InvariantTestBase(harness.GateTestBase):
    """GateTestBase with the checks of a guest that must never run."""

    def assert_never_ran(self, server):
        """Never created running, never resumed, not running now."""
        history = self.guest_history(server)
        self.assertNotIn('created running', history)
        self.assertNotIn('resumed', history)
        self.assertIn(self.domain_state(server),
                      (None, fakelibvirt.VIR_DOMAIN_PAUSED))

    def failed_builds(self, host='compute1'):
        """The host's failed_builds, as BuildFailureWeigher reads it.

        The compute's own counter, then the one the periodic writes to the
        compute node's stats in the database (what the scheduler sees).
        """
        rt = self.computes[host].manager.rt
        live = int(rt.stats[host].get('failed_builds', 0))
        self._run_periodics()
        node = objects.ComputeNode.get_by_host_and_nodename(
            nova_context.get_admin_context(), host, host)
        return live, int(node.stats.get('failed_builds', 0))


class TestVifPluggingNotFatal(InvariantTestBase):
    """Item 1: a vif-plugged timeout that is not fatal skips nothing."""

    def setUp(self):
        super().setUp()
        self.flags(vif_plugging_timeout=1, vif_plugging_is_fatal=False)
        # Ports start DOWN, so that the driver waits for a
        # network-vif-plugged event the fixture never sends.
        self.neutron.default_port = dict(self.neutron.default_port,
                                         status='DOWN')

    def test_rejected_guest_never_runs(self):
        tp = self.third_party(mode='sync', reject_name='^bad')
        server = self.boot('bad', expected='ERROR', networks=self.network())
        self.assert_released(server, 'Third-party gate rejected the server: '
                                     'display name matches ^bad')
        self.assert_never_ran(server)
        self.assertEqual(1, len(tp.requests))

    def test_undecided_guest_waits_past_the_vif_timeout(self):
        tp = self.third_party(mode='manual')
        self.flags(timeout=30, max_total_wait=30, group='third_party_gate')
        server = self.boot('good', expected=None, networks=self.network())
        tag = self.wait_for_waiter(server, tp)
        self.wait_for_paused(server)
        # Twice the vif-plugged timeout: the gate still holds the guest.
        time.sleep(2)
        self.assertEqual('BUILD', self.api.get_server(server['id'])['status'])
        self.assert_never_ran(server)
        tp.decide(tag, 'completed')
        self._wait_for_state_change(server, 'ACTIVE')
        self.assertEqual(fakelibvirt.VIR_DOMAIN_RUNNING,
                         self.domain_state(server))
        # The vif-plugged wait did time out (not fatal): the guest ran once
        # the gate approved it.
        self.assertIn('Timeout waiting for', self.stdlog.logger.output)


class TestRestartDuringTheWait(InvariantTestBase):
    """Item 2: a restart leaves a paused guest nobody can start."""

    def refused(self, api, server_id, action, body=None):
        exc = self.assertRaises(
            client.OpenStackApiException, api.post_server_action,
            server_id, {action: body})
        # Nova's own checks: the server was never launched (launched_at),
        # or is not in a state the action starts from.
        self.assertEqual(409, exc.response.status_code, action)

    def try_everything(self, server):
        uid = server['id']
        image = server['image']['id']
        self.refused(self.api, uid, 'reboot', {'type': 'HARD'})
        self.refused(self.api, uid, 'rebuild', {'imageRef': image})
        self.refused(self.admin_api, uid, 'evacuate', {})
        self.refused(self.api, uid, 'rescue', {})
        self.refused(self.api, uid, 'os-start', None)

    def test_restart_then_every_way_to_run_the_guest(self):
        tp, server, _, old = self.restart_while_waiting()
        server = self._wait_for_state_change(server, 'ERROR',
                                             wait_for_fault_key=False)

        # nova-compute said at start which server was left at the gate,
        # and so does the gate's action event.
        self.assertIn('nova-compute stopped while this server waited at '
                      'the third-party gate', self.stdlog.logger.output)
        _, event = self.gate_event(server)
        self.assertEqual('Error', event['result'])
        self.assertEqual(records.RESTARTED, event['details'])

        self.try_everything(server)
        # An admin's os-resetState does not make it startable either.
        self.admin_api.post_server_action(
            server['id'], {'os-resetState': {'state': 'active'}})
        server = self._wait_for_state_change(server, 'ACTIVE')
        self.try_everything(server)
        self._run_periodics()
        self.assert_never_ran(server)
        self.assertEqual(fakelibvirt.VIR_DOMAIN_PAUSED,
                         self.domain_state(server))

        # Recovery: delete it (everything released), create it again (the
        # gate is asked again).
        self.delete_and_assert_released(server)
        again = self.boot('good', expected=None, networks=self.network())
        tp.decide(self.wait_for_waiter(again, tp), 'completed')
        self._wait_for_state_change(again, 'ACTIVE')
        self.assertEqual(2, len(tp.requests))
        self._end_old_thread(*old)


class TestLoadFailure(InvariantTestBase):
    """Item 3: a gate that cannot load stops nova-compute when it is on."""

    def break_module(self, name):
        """Make importing ``name`` fail, as a broken install would."""
        saved = sys.modules.get(name)
        sys.modules[name] = None

        def restore():
            if saved is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = saved
        self.addCleanup(restore)

    def assert_refuses_to_start(self, module):
        # Nova's load_compute_driver logs the ImportError and exits.
        exc = self.assertRaises(SystemExit, self.start_compute, 'broken')
        self.assertEqual(1, exc.code)
        self.computes.pop('broken', None)
        log = self.stdlog.logger.output
        self.assertIn('Unable to load the virtualization driver', log)
        self.assertIn('ModuleNotFoundError: import of %s halted' % module,
                      log)

    def test_gate_on_and_broken_refuses_to_start(self):
        self.break_module(gate_hook.GATE_MODULE)
        self.assert_refuses_to_start(gate_hook.GATE_MODULE)

    def test_entry_point_that_cannot_load_refuses_to_start(self):
        self.break_module('nova_ext.gate.hook')
        self.assert_refuses_to_start('nova_ext.gate.hook')

    def test_gate_off_and_broken_does_not_stop_nova(self):
        self.flags(enabled=False, group='third_party_gate')
        self.break_module(gate_hook.GATE_MODULE)
        self.start_compute('compute2')
        body = self._build_server(name='good', networks='none')
        body['availability_zone'] = 'nova:compute2'
        server = self.admin_api.post_server({'server': body})
        server = self._wait_for_state_change(server, 'ACTIVE')
        self.assertEqual('compute2', server['OS-EXT-SRV-ATTR:host'])
        self.assertEqual(fakelibvirt.VIR_DOMAIN_RUNNING,
                         self.domain_state(server, host='compute2'))


class TestNotAHostFault(InvariantTestBase):
    """Item 4: verdicts leave failed_builds alone, release everything."""

    def test_verdicts_leave_failed_builds_at_zero(self):
        self.start_compute('compute2')
        self.admin_api.microversion = '2.93'
        tp = self.third_party(mode='async', reject_name='^bad',
                              ignore_name='^slow')
        self.flags(timeout=1, group='third_party_gate')
        servers = [self.boot(name, expected='ERROR', networks=self.network())
                   for name in ('bad1', 'bad2', 'slow')]
        for server in servers:
            self.assert_never_ran(server)
            self.assertEqual({}, self._get_allocations_by_server_uuid(
                server['id']))
            self.assertEqual([], self.neutron.list_ports(
                is_admin=True, device_id=server['id'])['ports'])
            actions = self.admin_api.get_instance_actions(server['id'])
            self.assertEqual(['create'], [a['action'] for a in actions])
        # One gate request per server: no reschedule to the other host.
        self.assertEqual(3, len(tp.requests))
        for host in ('compute1', 'compute2'):
            self.assertEqual((0, 0), self.failed_builds(host), host)

    def test_a_real_build_failure_still_counts(self):
        """The hook is for verdicts only: the host's own failures count."""
        self.flags(enabled=False, group='third_party_gate')

        def fail(dom, flags):
            raise fakelibvirt.make_libvirtError(
                fakelibvirt.libvirtError, 'broken host',
                error_code=fakelibvirt.VIR_ERR_INTERNAL_ERROR)
        self.useFixture(fixtures.MonkeyPatch(
            'nova.tests.fixtures.libvirt.Domain.createWithFlags', fail))
        self.boot('good', expected='ERROR')
        self.assertEqual(1, self.failed_builds()[0])


class TestDeleteDuringTheWait(InvariantTestBase):
    """Item 6: a delete ends the wait at once and leaves nothing."""

    def test_delete_while_waiting(self):
        # Polled twice as often as by default, so that the 2 s bound keeps
        # a margin on a loaded host; the mechanism is the same.
        self.useFixture(fixtures.MonkeyPatch(
            'nova_ext.gate.waiter.DELETE_POLL_INTERVAL', 0.5))
        tp = self.third_party(mode='manual')
        self.flags(timeout=60, max_total_wait=60, group='third_party_gate')
        server = self.boot('good', expected=None, networks=self.network())
        self.wait_for_waiter(server, tp)
        self.wait_for_paused(server)
        start = time.monotonic()
        self.api.delete_server(server['id'])
        # Within 2 s of the API accepting the delete (on a loaded host the
        # DELETE call alone can take seconds).
        accepted = time.monotonic()
        self.wait_for(lambda: not registry.REGISTRY.waiting(server['id']),
                      timeout=10, what='the end of the wait')
        self.assertLess(time.monotonic() - accepted, 2.0)
        self._wait_until_deleted(server)
        self.assertLess(time.monotonic() - start, 15)
        self.assert_never_ran(server)
        self.assertIsNone(self.domain_state(server))
        self.assertEqual({}, self._get_allocations_by_server_uuid(
            server['id']))
        self.assertEqual([], self.neutron.list_ports(
            is_admin=True, device_id=server['id'])['ports'])
        self.assertIn(records.DELETED, self.stdlog.logger.output)
        # Giving up on a verdict is not a failure of the host.
        self.assertEqual((0, 0), self.failed_builds())


class TestSpawnFailsBeforeTheWait(InvariantTestBase):
    """Item 7: a spawn failing after start() drops the wait at once."""

    def test_guest_creation_fails(self):
        tp = self.third_party(mode='manual')
        self.flags(timeout=60, max_total_wait=60, group='third_party_gate')

        def fail(dom, flags):
            raise fakelibvirt.make_libvirtError(
                fakelibvirt.libvirtError, 'cannot start',
                error_code=fakelibvirt.VIR_ERR_INTERNAL_ERROR)
        self.useFixture(fixtures.MonkeyPatch(
            'nova.tests.fixtures.libvirt.Domain.createWithFlags', fail))
        server = self.boot('good', expected='ERROR')
        self.assertEqual(1, len(tp.requests))
        self.assertEqual([], registry.REGISTRY.waiting(server['id']))
        _, event = self.gate_event(server)
        self.assertEqual('Error', event['result'])
        self.assertEqual(records.SPAWN_FAILED, event['details'])
        # With the gate on, a real spawn failure still counts against the
        # host: only verdicts and deletes at the gate do not.
        self.assertEqual((1, 1), self.failed_builds())
