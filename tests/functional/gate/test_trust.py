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

"""The gate's trust boundaries on Nova's functional harness.

What a misbehaving or misconfigured third party can do to a boot, and what
users, other hosts and the logs learn: every exchange ends at the gate's
deadline (a third party that trickles its answer or streams an endless body
cannot hold the build), a ``status_url`` on another origin gets no request,
faults name no host, port or error, a 401 fails the boot even under
``failure_policy = continue``, the tag never appears whole in a log line at
INFO or above, in a fault or in a notification, and a configuration that
cannot work stops nova-compute at start.
"""

import json
import socket
import time

import fixtures
from nova.tests.fixtures import libvirt as fakelibvirt

from nova_ext.gate import exception as gate_exc
from nova_ext.gate import registry
from nova_ext.testing import harness
from tests.unit.gate import fakes
from tests.unit.gate import rogue

UNREACHABLE = 'Third-party gate could not be reached'
UNAUTHORIZED = ('Third-party gate refused the request as unauthorized '
                '(a configuration error of the cloud)')


class TestBoundedExchange(harness.GateTestBase):
    """A third party that never finishes its answer cannot hold a build.

    requests' read timeout (``request_timeout``, 10 s here) never trips on
    a server sending a byte every 0.5 s; the gate's deadline (``timeout``,
    3 s) ends the exchange all the same.
    """

    # Between the end of the exchange and the ERROR the test sees: the
    # build's clean-up and the harness's 0.5 s polling, on a loaded host.
    SLACK = 5

    def setUp(self):
        super().setUp()
        self.flags(timeout=3, max_total_wait=6, request_timeout=10,
                   max_retries=1, group='third_party_gate')

    def rogue(self, behaviour):
        server = self.useFixture(rogue.RogueServer(behaviour))
        self.flags(url=server.url, group='third_party_gate')
        return server

    def assert_ended_in_time(self, tp, seconds):
        elapsed = time.monotonic() - tp.connected_at[0]
        self.assertLess(elapsed, seconds + self.SLACK, elapsed)
        return elapsed

    def test_trickling_third_party_fails_the_boot_at_the_deadline(self):
        tp = self.rogue('trickle-headers')
        server = self.boot('trickled', expected='ERROR',
                           networks=self.network())
        self.assert_ended_in_time(tp, 3)
        self.assert_released(server, UNREACHABLE)
        # The whole 3 s went to the one try: no second one started.
        self.assertEqual(1, tp.connections)

    def test_trickling_body_under_failure_policy_continue(self):
        tp = self.rogue('trickle-body')
        self.flags(failure_policy='continue', group='third_party_gate')
        server = self.boot('trickled')
        self.assert_ended_in_time(tp, 3)
        self.assertEqual(fakelibvirt.VIR_DOMAIN_RUNNING,
                         self.domain_state(server))

    def test_endless_body_fails_the_boot_at_once(self):
        tp = self.rogue('endless')
        server = self.boot('endless', expected='ERROR')
        # Both tries read at most 256 KiB each and gave up.
        self.assert_ended_in_time(tp, 0)
        self.assertEqual(2, tp.connections)
        self.assert_released(server, UNREACHABLE)

    def test_trickling_status_endpoint_cannot_hold_the_wait(self):
        # Pending, then a status endpoint that never finishes its answer.
        tp = self.useFixture(rogue.RogueServer('trickle-headers', first={
            'status': 'pending', 'status_url': '%(status_url)s'}))
        self.flags(url=tp.url, timeout=1, max_total_wait=2,
                   request_timeout=2, group='third_party_gate')
        server = self.boot('slow', expected='ERROR')
        # The lookup at the 1 s deadline took its 2 s, no more.
        self.assert_ended_in_time(tp, 3)
        self.assertEqual(2, tp.connections)
        self.assert_released(
            server, 'Third-party gate gave no verdict within 1 seconds')


class TestStatusUrlOrigin(harness.GateTestBase):
    """A status_url on another origin is ignored: it gets no request."""

    def setUp(self):
        super().setUp()
        self.tp = self.useFixture(fakes.FakeThirdParty())
        # Another port of the same host: another origin all the same.
        self.other = self.useFixture(fakes.FakeThirdParty(fakes.Answer(
            body={'status': 'completed'})))
        self.tp.script(fakes.Answer(code=202, body={
            'status': 'pending', 'status_url': self.other.status_url}))
        self.flags(url=self.tp.url, timeout=1, group='third_party_gate')

    def test_not_asked_at_the_deadline(self):
        server = self.boot('good', expected='ERROR')
        self.assert_released(
            server, 'Third-party gate gave no verdict within 1 seconds')
        self.assertEqual([], self.other.requests)
        self.assertEqual(['POST'], [r['method'] for r in self.tp.requests])
        self.assertIn('Ignoring the status_url %s of the third party'
                      % self.other.status_url, self.stdlog.logger.output)

    def test_not_asked_for_a_rejection_reason(self):
        self.flags(timeout=30, max_total_wait=30, group='third_party_gate')
        server = self.boot('bad', expected=None)
        tag = self.wait_for_waiter(server)
        self.wait_for(lambda: self.tp.requests, what='the gate request')
        self.assertEqual(200, self.post_event(server['id'], tag,
                                              status='failed').status)
        server = self._wait_for_state_change(server, 'ERROR')
        self.assert_released(
            server, 'Third-party gate rejected the server: no reason given')
        self.assertEqual([], self.other.requests)


class TestFaults(harness.GateTestBase):
    """Faults and records say what happened, not where or how."""

    def _closed_port(self):
        sock = socket.socket()
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
        sock.close()
        return port

    def assert_clean(self, server, text, port):
        _, event = self.gate_event(server)
        for seen in (self.api.get_server(server['id'])['fault']['message'],
                     self.admin_api.get_server(server['id'])['fault'][
                         'message'],
                     event['details']):
            self.assertIn(text, seen)
            self.assertNotIn('127.0.0.1', seen)
            self.assertNotIn(str(port), seen)
            self.assertNotIn('Error', seen.replace(text, ''))

    def test_unreachable(self):
        port = self._closed_port()
        self.flags(url='http://127.0.0.1:%d/gate' % port,
                   group='third_party_gate')
        server = self.boot('good', expected='ERROR', networks=self.network())
        self.assert_released(server, UNREACHABLE)
        self.assert_clean(server, UNREACHABLE, port)
        # nova-compute's log keeps the whole story for the operator.
        self.assertIn('Third-party gate request to http://127.0.0.1:%d/gate '
                      'could not be delivered: ConnectionError' % port,
                      self.stdlog.logger.output)

    def test_unreachable_continue(self):
        port = self._closed_port()
        self.flags(url='http://127.0.0.1:%d/gate' % port,
                   failure_policy='continue', group='third_party_gate')
        server = self.boot('good')
        _, event = self.gate_event(server)
        self.assertEqual(UNREACHABLE + ' (failure_policy=continue: the '
                         'server was let through)', event['details'])

    def test_unauthorized_fails_closed_under_continue(self):
        # The reference answers 401 to a request signed with another key.
        tp = self.third_party(mode='sync', secret='another secret')
        self.flags(failure_policy='continue', group='third_party_gate')
        server = self.boot('good', expected='ERROR', networks=self.network())
        self.assert_released(server, UNAUTHORIZED)
        self.assert_clean(server, UNAUTHORIZED, tp.port)
        self.assertEqual(1, len(tp.requests))
        self.assertRegex(self.stdlog.logger.output,
                         r'ERROR \[nova_ext.gate.waiter\] '
                         r'.*Third-party gate '
                         r'configuration error: .* refused with HTTP 401')


class TestTagSecrecy(harness.GateTestBase):
    """The tag is a bearer secret: logs show a prefix, records nothing."""

    def assert_secret(self, tag):
        for line in self.stdlog.logger.output.splitlines():
            # The reference third party runs in this process; its log is the
            # third party's, which knows the tag anyway.
            if tag in line and '[nova_ext.reference.' not in line:
                # StandardLogging's format: time, level, [logger], message.
                self.assertEqual('DEBUG', line.split()[2], line)
        notifications = json.dumps([
            self.notifier.versioned_notifications,
            self.notifier.notifications], default=str)
        self.assertNotIn(tag, notifications)

    def test_async_approval_and_rejection(self):
        tp = self.third_party(mode='async', reject_name='^bad', delay=0.6,
                              heartbeat=0.2)
        good = self.boot('good')
        bad = self.boot('bad', expected='ERROR')
        tags = {r.body['display_name']: r.body['tag'] for r in tp.requests}
        self.assertEqual({'good', 'bad'}, set(tags))
        output = self.stdlog.logger.output
        for tag in tags.values():
            self.assert_secret(tag)
            # nova-api's line for every event it creates, shortened.
            self.assertIn('Creating event third-party-gate:%s... for '
                          'instance' % tag[:6], output)
        for server in (good, bad):
            server = self.admin_api.get_server(server['id'])
            _, event = self.gate_event(server)
            for tag in tags.values():
                self.assertNotIn(tag, json.dumps(server))
                self.assertNotIn(tag, json.dumps(event))
        self.assertEqual([], registry.REGISTRY.waiting(good['id']))

    def test_timeout_with_a_failed_status_lookup(self):
        # The reference's status URL holds the tag; the lookup at the
        # deadline fails and its warning names that URL.
        tp = self.third_party(mode='async', ignore_name='^slow')
        self.flags(timeout=2, group='third_party_gate')
        server = self.boot('slow', expected=None)
        tag = self.wait_for_waiter(server, tp)
        base_url = tp.base_url
        tp.stop()
        server = self._wait_for_state_change(server, 'ERROR')
        self.assertIn('Third-party gate status lookup at %s/status/%s... '
                      'failed' % (base_url, tag[:6]),
                      self.stdlog.logger.output)
        self.assert_secret(tag)
        self.assertNotIn(tag, json.dumps(server))


class TestStartTimeChecks(harness.GateTestBase):
    """nova-compute checks the gate's configuration when it starts."""

    def test_unreadable_tls_file_stops_compute(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        for option in ('ca_file', 'client_cert', 'client_key'):
            flags = {'client_cert': None, 'client_key': None,
                     'ca_file': None}
            if option == 'client_key':
                flags['client_cert'] = '/etc/hostname'
            flags[option] = tmp + '/missing.pem'
            self.flags(group='third_party_gate', **flags)
            exc = self.assertRaises(gate_exc.GateConfigError,
                                    self.start_compute, 'broken')
            self.assertIn('[third_party_gate] %s names a file nova-compute '
                          'cannot read' % option, str(exc))
            self.computes.pop('broken', None)

    def test_plain_http_without_secret_warns_at_start(self):
        self.flags(secret=None, group='third_party_gate')
        self.start_compute('compute2')
        self.assertRegex(
            self.stdlog.logger.output,
            r'WARNING \[nova_ext.gate.config\] \[third_party_gate\] url is '
            r'a plain http URL and \[third_party_gate\] secret is not set')
