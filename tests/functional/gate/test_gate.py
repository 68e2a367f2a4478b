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

"""The third-party gate in Nova's own functional harness, end to end.

Real nova-api, conductor, scheduler, placement and nova-compute with the
libvirt driver on fakelibvirt, with the patches applied to the installed
Nova; the third party is the reference server (nova_ext.reference) on
127.0.0.1, which posts its asynchronous verdicts through keystoneauth1 to
the in-process compute API. Only the misbehaving third parties that the
reference cannot play (a permanent 500, a body that is not JSON) are the
scriptable loopback server of tests.unit.gate.fakes.
"""

import socket
import time

import fixtures
from nova import context as nova_context
from nova.tests.fixtures import libvirt as fakelibvirt
from nova.tests.functional.api import client

from nova_ext.gate import exception as gate_exc
from nova_ext.gate import registry
from nova_ext.policies import enforcer
from nova_ext.testing import harness
from tests.unit.gate import fakes


class TestGateVerdicts(harness.GateTestBase):
    """Approvals and rejections, sync and async."""

    def test_approve_sync(self):
        tp = self.third_party(mode='sync')
        server = self.boot('good', networks=self.network())
        self.assertEqual(fakelibvirt.VIR_DOMAIN_RUNNING,
                         self.domain_state(server))
        [request] = tp.requests
        self.assertEqual(200, request.response_status)
        body = request.body
        self.assertEqual(server['id'], body['server_uuid'])
        self.assertEqual('boot', body['operation'])
        self.assertEqual('enforce', body['mode'])
        self.assertEqual('compute1', body['host'])
        self.assertEqual('good', body['display_name'])
        self.assertEqual('third-party-gate', body['callback']['event_name'])
        request_id, event = self.gate_event(server)
        self.assertEqual(request_id, body['request_id'])
        self.assertEqual('Success', event['result'])
        self.assertEqual('compute1', event['host'])
        self.assertEqual([], registry.REGISTRY.waiting(server['id']))

    def test_approve_async_event_through_the_api(self):
        tp = self.third_party(mode='async', delay=0.3)
        server = self.boot('good')
        self.assertEqual(fakelibvirt.VIR_DOMAIN_RUNNING,
                         self.domain_state(server))
        [result] = tp.wait_for_events(1)
        self.assertTrue(result.ok, result)
        self.assertEqual(202, tp.requests[0].response_status)
        self.assertEqual('Success', self.gate_event(server)[1]['result'])

    def test_guest_paused_while_waiting(self):
        tp = self.third_party(mode='manual')
        self.flags(timeout=30, max_total_wait=30, group='third_party_gate')
        server = self.boot('good', expected=None)
        tag = self.wait_for_waiter(server, tp)
        self.wait_for_paused(server)
        self.assertEqual('BUILD', self.api.get_server(server['id'])['status'])
        tp.decide(tag, 'completed')
        self._wait_for_state_change(server, 'ACTIVE')
        self.assertEqual(fakelibvirt.VIR_DOMAIN_RUNNING,
                         self.domain_state(server))

    def test_reject_sync(self):
        tp = self.third_party(mode='sync', reject_name='^bad')
        # A second host: a reschedule would have somewhere to go.
        self.start_compute('compute2')
        server = self.boot('bad', expected='ERROR', networks=self.network())
        self.assert_released(
            server, 'Third-party gate rejected the server: display name '
                    'matches ^bad')
        self.assertEqual(1, len(tp.requests))
        _, event = self.gate_event(server)
        self.assertEqual('Error', event['result'])
        self.assertEqual('Third-party gate rejected the server: display '
                         'name matches ^bad', event['details'])

    def test_reject_async_reason_from_status_endpoint(self):
        tp = self.third_party(mode='async', reject_name='^bad',
                              reject_reason='license pool exhausted')
        self.start_compute('compute2')
        server = self.boot('bad', expected='ERROR', networks=self.network())
        self.assert_released(server, 'Third-party gate rejected the '
                                     'server: license pool exhausted')
        self.assertEqual(1, len(tp.requests))
        self.assertEqual(1, len(tp.status_queries))
        self.assertEqual(200, tp.status_queries[0].response_status)

    def test_rebuild_is_not_gated(self):
        tp = self.third_party(mode='sync')
        server = self.boot('good')
        self.api.post_server_action(
            server['id'], {'rebuild': {'imageRef': server['image']['id']}})
        self._wait_for_server_parameter(
            server, {'status': 'ACTIVE', 'OS-EXT-STS:task_state': None},
            max_retries=120)
        self.assertEqual(1, len(tp.requests))


class TestEarlyVerdict(harness.GateTestBase):
    """[third_party_gate] early_verdict_window: an approval already on its
    way creates the guest running; anything else keeps the pause.
    """

    def test_sync_approval_creates_the_guest_running(self):
        tp = self.third_party(mode='sync')
        server = self.boot('good')
        self.assertEqual(['created running'], self.guest_history(server))
        self.assertEqual(fakelibvirt.VIR_DOMAIN_RUNNING,
                         self.domain_state(server))
        self.assertEqual(200, tp.requests[0].response_status)
        # Recorded as any approval is.
        self.assertEqual('Success', self.gate_event(server)[1]['result'])
        self.assertEqual([], registry.REGISTRY.waiting(server['id']))

    def test_fast_async_approval_creates_the_guest_running(self):
        # The event travels through nova-api: the widest window leaves a
        # loaded host the margin to deliver it in time.
        self.flags(early_verdict_window=1.0, group='third_party_gate')
        tp = self.third_party(mode='async')
        server = self.boot('good')
        self.assertEqual(['created running'], self.guest_history(server))
        self.assertEqual(202, tp.requests[0].response_status)
        self.assertTrue(tp.wait_for_events(1)[0].ok)
        self.assertEqual('Success', self.gate_event(server)[1]['result'])

    def test_late_async_approval_pauses_then_resumes(self):
        self.third_party(mode='async', delay=0.5)
        server = self.boot('good')
        self.assertEqual(['created paused', 'resumed'],
                         self.guest_history(server))
        self.assertEqual(fakelibvirt.VIR_DOMAIN_RUNNING,
                         self.domain_state(server))

    def test_rejections_never_create_a_running_guest(self):
        self.flags(early_verdict_window=1.0, group='third_party_gate')
        for mode in ('sync', 'async'):
            self.third_party(mode=mode, reject_name='^bad')
            server = self.boot('bad-' + mode, expected='ERROR')
            self.assert_released(
                server, 'Third-party gate rejected the server: display '
                        'name matches ^bad')
            self.assertEqual(['created paused'], self.guest_history(server))

    def test_undeliverable_request_let_through_is_paused_first(self):
        # failure_policy = continue lets the guest run, but only through
        # the usual wait: the window creates running only on approvals.
        self.flags(url='http://127.0.0.1:9/down', failure_policy='continue',
                   max_retries=0, group='third_party_gate')
        server = self.boot('good')
        self.assertEqual(['created paused', 'resumed'],
                         self.guest_history(server))

    def test_window_zero_always_pauses(self):
        self.flags(early_verdict_window=0, group='third_party_gate')
        self.third_party(mode='sync')
        server = self.boot('good')
        self.assertEqual(['created paused', 'resumed'],
                         self.guest_history(server))


class TestGateTimeouts(harness.GateTestBase):
    """No verdict in time: timeout_action, reconciliation, heartbeats."""

    def test_timeout_fail(self):
        tp = self.third_party(mode='async', ignore_name='^slow')
        self.flags(timeout=1, group='third_party_gate')
        server = self.boot('slow', expected='ERROR', networks=self.network())
        self.assert_released(
            server, 'Third-party gate gave no verdict within 1 seconds')
        # The status endpoint was asked before giving up.
        self.assertEqual(1, len(tp.status_queries))

    def test_timeout_continue(self):
        self.third_party(mode='async', ignore_name='^slow')
        self.flags(timeout=1, timeout_action='continue',
                   group='third_party_gate')
        server = self.boot('slow')
        self.assertEqual(fakelibvirt.VIR_DOMAIN_RUNNING,
                         self.domain_state(server))
        _, event = self.gate_event(server)
        self.assertEqual('Error', event['result'])
        self.assertEqual(
            'Third-party gate gave no verdict within 1 seconds '
            '(timeout_action=continue: the server was let through)',
            event['details'])

    def test_lost_event_reconciled_at_deadline(self):
        tp = self.third_party(mode='manual')
        self.flags(timeout=1, group='third_party_gate')
        server = self.boot('good', expected=None)
        tag = self.wait_for_waiter(server, tp)
        tp.decide(tag, 'completed', post=False)
        self._wait_for_state_change(server, 'ACTIVE')
        self.assertEqual(1, len(tp.status_queries))

    def test_heartbeats_extend_the_deadline(self):
        # Without the heartbeats the gate would give up after 2 s.
        tp = self.third_party(mode='async', delay=4, heartbeat=0.5)
        self.flags(timeout=2, max_total_wait=10, group='third_party_gate')
        server = self.boot('good')
        # At least one heartbeat and the verdict; how many heartbeats fit in
        # the 4 s depends on how fast the API answers the reference's posts
        # (one at a time), which a loaded host slows down.
        self.assertGreaterEqual(len(tp.events), 2)
        self.assertEqual('Success', self.gate_event(server)[1]['result'])

    def test_heartbeats_capped_by_max_total_wait(self):
        tp = self.third_party(mode='async', delay=30, heartbeat=0.4)
        self.flags(timeout=2, max_total_wait=4, group='third_party_gate')
        server = self.boot('good', expected='ERROR')
        # The gate waited past its 2 s timeout thanks to the heartbeats,
        # and gave up at the 4 s cap although they kept coming.
        self.assertGreaterEqual(len(tp.events), 2)
        self.assert_released(
            server, 'Third-party gate gave no verdict within 4 seconds')


class TestGateDelivery(harness.GateTestBase):
    """The third party cannot be reached or answers nonsense."""

    def _closed_port_url(self):
        sock = socket.socket()
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
        sock.close()
        return 'http://127.0.0.1:%d/gate' % port

    def test_down_fail(self):
        self.flags(url=self._closed_port_url(), group='third_party_gate')
        server = self.boot('good', expected='ERROR', networks=self.network())
        server = self.assert_released(
            server, 'Third-party gate could not be reached')
        self.assertEqual('Third-party gate could not be reached',
                         self.gate_event(server)[1]['details'])

    def assert_released(self, server, prefix):
        # Delivery errors carry requests' own text: compare the start.
        server = self.api.get_server(server['id'])
        self.assertTrue(server['fault']['message'].startswith(
            'Build of instance %s aborted: %s' % (server['id'], prefix)),
            server['fault']['message'])
        fault = server['fault']['message'].split(' aborted: ', 1)[1]
        return super().assert_released(server, fault)

    def test_down_continue(self):
        self.flags(url=self._closed_port_url(), failure_policy='continue',
                   group='third_party_gate')
        server = self.boot('good')
        _, event = self.gate_event(server)
        self.assertEqual('Error', event['result'])
        self.assertIn('failure_policy=continue', event['details'])

    def test_500_retried_then_fail(self):
        tp = self.useFixture(fakes.FakeThirdParty(fakes.Answer(code=500)))
        self.flags(url=tp.url, group='third_party_gate')
        server = self.boot('good', expected='ERROR')
        self.assert_released(server, 'Third-party gate could not be reached')
        self.assertEqual(2, len(tp.requests))
        self.flags(failure_policy='continue', group='third_party_gate')
        server = self.boot('good2')
        self.assertEqual(fakelibvirt.VIR_DOMAIN_RUNNING,
                         self.domain_state(server))
        self.assertEqual(4, len(tp.requests))

    def test_503_then_success_with_the_reference(self):
        tp = self.third_party(mode='sync', fail_first=1)
        self.boot('good')
        self.assertEqual([503, 200],
                         [r.response_status for r in tp.requests])

    def test_slow_fail_and_continue(self):
        self.third_party(mode='sync', delay=2)
        self.flags(request_timeout=0.3, max_retries=0,
                   group='third_party_gate')
        server = self.boot('slow', expected='ERROR')
        self.assert_released(server, 'Third-party gate could not be reached')
        self.flags(failure_policy='continue', group='third_party_gate')
        self.boot('slow2')

    def test_invalid_json_fail_and_continue(self):
        tp = self.useFixture(fakes.FakeThirdParty(
            fakes.Answer(raw=b'<html>not json</html>')))
        self.flags(url=tp.url, group='third_party_gate')
        server = self.boot('good', expected='ERROR')
        self.assert_released(server, 'Third-party gate could not be reached')
        self.flags(failure_policy='continue', group='third_party_gate')
        self.boot('good2')

    def test_refused_4xx_not_retried(self):
        # The reference answers 401 to a request without a valid signature.
        tp = self.third_party(mode='sync', secret='another secret')
        server = self.boot('good', expected='ERROR')
        self.assert_released(
            server, 'Third-party gate refused the request as unauthorized '
                    '(a configuration error of the cloud)')
        self.assertEqual(1, len(tp.requests))


class TestGateEvents(harness.GateTestBase):
    """What POST /os-server-external-events does with gate events."""

    def setUp(self):
        super().setUp()
        self.tp = self.third_party(mode='manual')
        self.flags(timeout=30, max_total_wait=30, group='third_party_gate')

    def test_bad_events(self):
        server = self.boot('good', expected=None)
        tag = self.wait_for_waiter(server, self.tp)

        # Unknown server: 404 for the event.
        resp = self.post_event('6fd2b2c4-8a0c-4f3e-9f0e-2d2c3e1c9a11', tag)
        self.assertIn(resp.status, (207, 404))
        self.assertEqual(404, resp.body['events'][0]['code'])

        # Wrong tag: accepted by the API, ignored by the gate.
        resp = self.post_event(server['id'], 'not-the-tag')
        self.assertEqual(200, resp.status)
        time.sleep(0.5)
        self.assertEqual('BUILD', self.api.get_server(server['id'])['status'])

        # Malformed body.
        resp = self.reporter_api.api_post(
            '/os-server-external-events', {'events': [{'name': 'x'}]},
            check_response_status=[400])
        self.assertEqual(400, resp.status)

        # Before 2.93 the event name does not exist.
        self.reporter_api.microversion = '2.92'
        resp = self.post_event(server['id'], tag)
        self.assertEqual(400, resp.status)
        self.reporter_api.microversion = '2.93'

        # A member may not post gate events.
        resp = self.post_event(server['id'], tag, api=self.api)
        self.assertEqual(403, resp.status)

        # The reporter may post nothing but gate events.
        resp = self.post_event(server['id'], tag, name='network-vif-plugged')
        self.assertEqual(403, resp.status)
        resp = self.reporter_api.api_post(
            '/os-server-external-events', {'events': [
                {'name': 'third-party-gate', 'server_uuid': server['id'],
                 'tag': tag, 'status': 'completed'},
                {'name': 'network-vif-plugged', 'server_uuid': server['id'],
                 'tag': 'port', 'status': 'completed'}]},
            check_response_status=[403])
        self.assertEqual('BUILD', self.api.get_server(server['id'])['status'])

        # Still waiting: the real verdict gets through.
        self.tp.decide(tag, 'completed')
        self._wait_for_state_change(server, 'ACTIVE')

        # A late or duplicate verdict is ignored.
        resp = self.post_event(server['id'], tag, status='failed')
        self.assertEqual(200, resp.status)
        time.sleep(0.5)
        self.assertEqual('ACTIVE', self.api.get_server(server['id'])['status'])
        self.assertEqual(fakelibvirt.VIR_DOMAIN_RUNNING,
                         self.domain_state(server))

    def test_reporter_in_another_project(self):
        """The reporter lives in the service project, not the server's."""
        server = self.boot('good', expected=None)
        tag = self.wait_for_waiter(server, self.tp)
        other = client.TestOpenStackClient(
            'member', self.api.base_url, project_id='service',
            roles=['member', 'reader'])
        other.microversion = '2.93'
        self.assertEqual(403, self.post_event(server['id'], tag,
                                              api=other).status)
        reporter = client.TestOpenStackClient(
            'reporter', self.api.base_url, project_id='service',
            roles=[harness.REPORTER_ROLE])
        reporter.microversion = '2.93'
        resp = self.post_event(server['id'], tag, api=reporter)
        self.assertEqual(200, resp.status)
        self._wait_for_state_change(server, 'ACTIVE')

    def test_admin_may_post_gate_events(self):
        server = self.boot('good', expected=None)
        tag = self.wait_for_waiter(server, self.tp)
        resp = self.post_event(server['id'], tag, status='failed',
                               api=self.admin_api)
        self.assertEqual(200, resp.status)
        self._wait_for_state_change(server, 'ERROR')

    def test_policy_file_override(self):
        policy_file = self.useFixture(fixtures.TempDir()).join('policy.yaml')
        with open(policy_file, 'w') as f:
            f.write('"nova_ext:third-party-gate:create": "role:gatekeeper"\n')
        self.flags(policy_file=policy_file, group='oslo_policy')
        enforcer.reset()
        server = self.boot('good', expected=None)
        tag = self.wait_for_waiter(server, self.tp)
        self.assertEqual(403, self.post_event(server['id'], tag).status)
        keeper = client.TestOpenStackClient(
            'keeper', self.api.base_url, project_id=self.api.project_id,
            roles=['gatekeeper'])
        keeper.microversion = '2.93'
        self.assertEqual(200, self.post_event(server['id'], tag,
                                              api=keeper).status)
        self._wait_for_state_change(server, 'ACTIVE')

    def test_multi_create_independent_gates(self):
        body = self._build_server(name='multi', networks='none')
        body['min_count'] = 3
        self.api.post_server({'server': body})
        requests = self.tp.wait_for_requests(3, timeout=60)
        self.assertEqual(3, len({r.body['tag'] for r in requests}))
        uuids = [r.body['server_uuid'] for r in requests]
        self.assertEqual(3, len(set(uuids)))
        for request in requests[:2]:
            self.tp.decide(request.body['tag'], 'completed')
        self.tp.decide(requests[2].body['tag'], 'failed', reason='no')
        for uuid in uuids[:2]:
            self._wait_for_state_change({'id': uuid}, 'ACTIVE')
        self._wait_for_state_change({'id': uuids[2]}, 'ERROR')
        self.assertEqual(fakelibvirt.VIR_DOMAIN_RUNNING,
                         self.domain_state({'id': uuids[0]}))
        self.assertIsNone(self.domain_state({'id': uuids[2]}))


class TestGateSelection(harness.GateTestBase):
    """Selectors, audit mode, extra spec validation, config errors."""

    def test_flavor_extra_spec_selector(self):
        tp = self.third_party(mode='sync', reject_name='.')
        self.flags(flavor_extra_spec='third_party_gate:enabled=true',
                   group='third_party_gate')
        plain = self._create_flavor(name='plain')
        gated = self._create_flavor(
            name='gated', extra_spec={'third_party_gate:enabled': 'True'})
        self.boot('a', flavor_id=plain)
        self.assertEqual(0, len(tp.requests))
        self.boot('b', flavor_id=gated, expected='ERROR')
        self.assertEqual(1, len(tp.requests))

    def test_extra_spec_validation(self):
        flavor = self._create_flavor(name='f')
        self.admin_api.microversion = '2.86'
        for value in ('maybe',):
            exc = self.assertRaises(
                client.OpenStackApiException,
                self.admin_api.post_extra_spec, flavor,
                {'extra_specs': {'third_party_gate:enabled': value}})
            self.assertEqual(400, exc.response.status_code)
        exc = self.assertRaises(
            client.OpenStackApiException, self.admin_api.post_extra_spec,
            flavor, {'extra_specs': {'third_party_gate:enable': 'true'}})
        self.assertEqual(400, exc.response.status_code)
        self.admin_api.post_extra_spec(
            flavor, {'extra_specs': {'third_party_gate:enabled': 'false'}})

    def test_image_property_selector(self):
        tp = self.third_party(mode='sync', reject_name='.')
        self.flags(image_property='third_party_gate=required',
                   group='third_party_gate')
        ctxt = nova_context.get_admin_context()
        base_image = self.glance.show(
            ctxt, '155d900f-4e14-4e4c-a73d-069cbf4541e6')
        gated = dict(base_image, id='0b4f1a6e-3c2d-4e8f-9a1b-7c6d5e4f3a2b',
                     properties={'third_party_gate': 'required'})
        self.glance.create(ctxt, gated)
        self.boot('a')
        self.assertEqual(0, len(tp.requests))
        self.boot('b', image_uuid=gated['id'], expected='ERROR')
        self.assertEqual(1, len(tp.requests))

    def test_projects_selector(self):
        tp = self.third_party(mode='sync')
        self.flags(projects=['another-project'], group='third_party_gate')
        self.boot('a')
        self.assertEqual(0, len(tp.requests))
        self.flags(projects=['another-project', self.api.project_id],
                   group='third_party_gate')
        self.boot('b')
        self.assertEqual(1, len(tp.requests))

    def test_audit_mode_never_blocks(self):
        tp = self.third_party(mode='async', reject_name='^bad', delay=0.5)
        self.flags(mode='audit', group='third_party_gate')
        server = self.boot('bad')
        self.assertEqual(fakelibvirt.VIR_DOMAIN_RUNNING,
                         self.domain_state(server))
        self.assertEqual('audit', tp.requests[0].body['mode'])
        _, event = self.gate_event(server)
        self.assertEqual('Error', event['result'])
        self.assertIn('rejected the server', event['details'])
        self.assertIn('audit mode', event['details'])

    def test_invalid_config_stops_compute(self):
        for flags, option in (
                ({'url': None}, '[third_party_gate] url'),
                ({'url': 'http://127.0.0.1:1/', 'timeout': 10,
                  'max_total_wait': 5}, '[third_party_gate] max_total_wait'),
                ({'url': 'http://127.0.0.1:1/', 'timeout': 3,
                  'max_total_wait': 6, 'flavor_extra_spec': 'no-equal-sign'},
                 '[third_party_gate] flavor_extra_spec')):
            self.flags(group='third_party_gate', **flags)
            exc = self.assertRaises(gate_exc.GateConfigError,
                                    self.start_compute, 'broken')
            self.assertIn(option, str(exc))
            self.computes.pop('broken', None)


class TestGateComputeRestart(harness.GateTestBase):
    """nova-compute restarts while a guest waits at the gate."""

    def test_restart_while_waiting(self):
        tp, server, tag, old = self.restart_while_waiting()
        # _init_instance: a BUILDING instance goes to ERROR (without a
        # fault); the guest is left paused, never resumed.
        server = self._wait_for_state_change(server, 'ERROR',
                                             wait_for_fault_key=False)
        self.assertNotIn('fault', server)
        self.assertEqual(fakelibvirt.VIR_DOMAIN_PAUSED,
                         self.domain_state(server))
        self.assertNotEqual({}, self._get_allocations_by_server_uuid(
            server['id']))
        # A late verdict changes nothing: no gate waits for it any more.
        tp.decide(tag, 'completed')
        time.sleep(0.5)
        self.assertEqual(fakelibvirt.VIR_DOMAIN_PAUSED,
                         self.domain_state(server))

        # Deleting the server releases everything.
        self.delete_and_assert_released(server)
        self.assertEqual(1, len(tp.requests))
        self._end_old_thread(*old)
