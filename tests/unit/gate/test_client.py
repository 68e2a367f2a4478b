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

"""Tests of the gate's HTTP client against a real loopback server."""

import hashlib
import hmac
import json
import socket
import time
import tracemalloc

import fixtures
from oslo_config import cfg
from oslo_config import fixture as config_fixture
import requests_mock
import testtools

from nova_ext.conf import third_party_gate as gate_conf
from nova_ext.gate import client
from nova_ext.gate import transport
from tests.unit.gate import fakes
from tests.unit.gate import rogue

BODY = json.dumps({'version': 1, 'tag': 't'}).encode('utf-8')


class ClientTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.log = self.useFixture(fixtures.FakeLogger())
        self.conf = self.useFixture(config_fixture.Config(cfg.ConfigOpts()))
        gate_conf.register_opts(self.conf.conf)
        self.conf.config(enabled=True, request_timeout=2, max_retries=2,
                         retry_backoff=0.05, group='third_party_gate')

    def client(self, tp=None, **flags):
        if tp is not None:
            flags.setdefault('url', tp.url)
        self.conf.config(group='third_party_gate', **flags)
        return client.GateClient(self.conf.conf.third_party_gate)

    def send(self, gate_client, seconds=5):
        return gate_client.send(BODY, 't', time.monotonic() + seconds)


class TestSend(ClientTestCase):

    def test_signed_request(self):
        tp = self.useFixture(fakes.FakeThirdParty(fakes.Answer(
            body={'status': 'completed', 'reason': 'fine'})))
        answer = self.send(self.client(tp, secret='k3y'))
        self.assertEqual('completed', answer.status)
        self.assertEqual('fine', answer.reason)
        self.assertFalse(answer.pending)
        [req] = tp.requests
        self.assertEqual('POST', req['method'])
        self.assertEqual(BODY, req['body'])
        self.assertEqual('application/json', req['headers']['Content-Type'])
        self.assertEqual('t', req['headers']['X-Nova-Ext-Tag'])
        expected = hmac.new(b'k3y', BODY, hashlib.sha256).hexdigest()
        self.assertEqual('sha256=' + expected,
                         req['headers']['X-Nova-Ext-Signature'])

    def test_no_secret_no_signature(self):
        tp = self.useFixture(fakes.FakeThirdParty(fakes.Answer(
            body={'status': 'failed'})))
        answer = self.send(self.client(tp))
        self.assertEqual('failed', answer.status)
        self.assertIsNone(answer.reason)
        self.assertNotIn('X-Nova-Ext-Signature', tp.requests[0]['headers'])

    def test_pending_with_status_url(self):
        tp = self.useFixture(fakes.FakeThirdParty())
        tp.script(fakes.Answer(code=202, body={
            'status': 'pending', 'status_url': tp.status_url}))
        answer = self.send(self.client(tp))
        self.assertTrue(answer.pending)
        self.assertEqual(tp.status_url, answer.status_url)

    def test_relative_status_url_ignored(self):
        tp = self.useFixture(fakes.FakeThirdParty(fakes.Answer(
            code=202, body={'status': 'in-progress',
                            'status_url': '/status/t'})))
        answer = self.send(self.client(tp))
        self.assertTrue(answer.pending)
        self.assertIsNone(answer.status_url)

    def test_empty_202_is_pending(self):
        tp = self.useFixture(fakes.FakeThirdParty(fakes.Answer(code=202)))
        answer = self.send(self.client(tp))
        self.assertEqual('pending', answer.status)
        self.assertIsNone(answer.status_url)

    def test_5xx_retried(self):
        tp = self.useFixture(fakes.FakeThirdParty(
            fakes.Answer(code=503), fakes.Answer(code=500),
            fakes.Answer(body={'status': 'completed'})))
        start = time.monotonic()
        answer = self.send(self.client(tp, retry_backoff=0.2))
        self.assertEqual('completed', answer.status)
        times = [r['time'] for r in tp.requests]
        self.assertEqual(3, len(times))
        # Exponential backoff: 0.2 then 0.4 seconds.
        self.assertGreaterEqual(times[1] - times[0], 0.2)
        self.assertGreaterEqual(times[2] - times[1], 0.4)
        self.assertLess(time.monotonic() - start, 3)

    def test_all_tries_failed(self):
        tp = self.useFixture(fakes.FakeThirdParty(fakes.Answer(code=500)))
        exc = self.assertRaises(client.DeliveryError, self.send,
                                self.client(tp))
        self.assertEqual('HTTP 500 (after 3 tries)', str(exc))
        self.assertEqual(3, len(tp.requests))
        self.assertIn('failed (try 3 of 3): HTTP 500', self.log.output)

    def test_4xx_not_retried(self):
        for code, exc_class in ((400, client.Refused), (404, client.Refused),
                                (401, client.AuthRefused),
                                (403, client.AuthRefused)):
            tp = self.useFixture(fakes.FakeThirdParty(fakes.Answer(
                code=code)))
            exc = self.assertRaises(client.Refused, self.send,
                                    self.client(tp))
            self.assertIs(exc_class, type(exc))
            self.assertEqual('refused with HTTP %d' % code, str(exc))
            self.assertEqual(1, len(tp.requests))

    def test_invalid_answers_are_delivery_failures(self):
        for answer, error in (
                (fakes.Answer(raw=b'{nope'), 'answer is not valid JSON'),
                (fakes.Answer(body=['completed']),
                 'answer is not a JSON object'),
                (fakes.Answer(body={'status': 'yes'}),
                 "answer has an unknown status 'yes'"),
                (fakes.Answer(body={}), 'answer has an unknown status None')):
            tp = self.useFixture(fakes.FakeThirdParty(answer))
            exc = self.assertRaises(client.DeliveryError, self.send,
                                    self.client(tp, max_retries=1))
            self.assertIn(error, str(exc))
            self.assertIn('(after 2 tries)', str(exc))
            self.assertEqual(2, len(tp.requests))

    def test_connection_refused(self):
        sock = socket.socket()
        sock.bind(('127.0.0.1', 0))
        url = 'http://127.0.0.1:%d/gate' % sock.getsockname()[1]
        sock.close()
        exc = self.assertRaises(client.DeliveryError, self.send,
                                self.client(url=url))
        self.assertTrue(str(exc).startswith('ConnectionError: '), exc)
        self.assertTrue(str(exc).endswith('(after 3 tries)'), exc)

    def test_request_timeout_capped_by_deadline(self):
        tp = self.useFixture(fakes.FakeThirdParty(fakes.Answer(
            body={'status': 'completed'}, delay=3)))
        gate_client = self.client(tp, request_timeout=10, max_retries=0)
        start = time.monotonic()
        exc = self.assertRaises(client.DeliveryError, self.send,
                                gate_client, seconds=0.5)
        self.assertLess(time.monotonic() - start, 1.5)
        self.assertIn('no complete answer within 0.5 seconds', str(exc))

    def test_retries_bounded_by_deadline(self):
        tp = self.useFixture(fakes.FakeThirdParty(fakes.Answer(code=500)))
        gate_client = self.client(tp, max_retries=100, retry_backoff=0.2)
        start = time.monotonic()
        exc = self.assertRaises(client.DeliveryError, self.send,
                                gate_client, seconds=1)
        self.assertLess(time.monotonic() - start, 1.2)
        self.assertIn('deadline reached after', str(exc))
        # 0.2 + 0.4 fit in the second, 0.8 more does not.
        self.assertEqual(3, len(tp.requests))

    def test_deadline_already_passed(self):
        tp = self.useFixture(fakes.FakeThirdParty())
        self.assertRaises(client.DeliveryError, self.send, self.client(tp),
                          seconds=-1)
        self.assertEqual([], tp.requests)


class TestBounded(ClientTestCase):
    """Every exchange ends at its deadline, whatever the third party does.

    requests' own timeout bounds each socket read: a server that sends a
    byte every 0.5 s never trips a 10 s read timeout.
    """

    SLACK = 0.5

    def assert_bounded(self, call, seconds):
        start = time.monotonic()
        exc = self.assertRaises(client.DeliveryError, call)
        elapsed = time.monotonic() - start
        self.assertLess(elapsed, seconds + self.SLACK, exc)
        return exc, elapsed

    def trickle(self, behaviour):
        tp = self.useFixture(rogue.RogueServer(behaviour, interval=0.5))
        gate_client = self.client(tp, request_timeout=10, max_retries=0)
        exc, elapsed = self.assert_bounded(
            lambda: self.send(gate_client, seconds=1.5), 1.5)
        # Ended by the deadline, not by a read timeout.
        self.assertGreater(elapsed, 1.3)
        self.assertIn('no complete answer within 1.5 seconds', str(exc))
        self.assertEqual(1, tp.connections)

    def test_trickling_headers(self):
        self.trickle('trickle-headers')

    def test_trickling_body(self):
        self.trickle('trickle-body')

    def test_request_timeout_bounds_each_try(self):
        tp = self.useFixture(rogue.RogueServer('trickle-body', interval=0.2))
        gate_client = self.client(tp, request_timeout=0.6, max_retries=1,
                                  retry_backoff=0.1)
        # Two tries of 0.6 s each and the backoff, far within the deadline.
        self.assert_bounded(lambda: self.send(gate_client, seconds=30), 1.3)
        self.assertEqual(2, tp.connections)

    def test_trickling_status_endpoint(self):
        tp = self.useFixture(rogue.RogueServer('trickle-headers'))
        gate_client = self.client(tp, request_timeout=10)
        exc, _ = self.assert_bounded(lambda: gate_client.get_status(
            tp.status_url, 't', time.monotonic() + 1), 1)
        self.assertIn('no complete answer', str(exc))

    def _endless(self, behaviour):
        tp = self.useFixture(rogue.RogueServer(behaviour))
        gate_client = self.client(tp, request_timeout=10, max_retries=0)
        tracemalloc.start()
        self.addCleanup(tracemalloc.stop)
        exc, _ = self.assert_bounded(
            lambda: self.send(gate_client, seconds=5), 2)
        _, peak = tracemalloc.get_traced_memory()
        # At most MAX_BODY read, and nothing like the body's size kept.
        self.assertLess(peak, 4 * transport.MAX_BODY)
        return tp, exc

    def test_endless_body(self):
        tp, exc = self._endless('endless')
        self.assertIn('answer longer than the 262144 bytes read', str(exc))

    def test_huge_announced_body_not_read(self):
        tp, exc = self._endless('huge-length')
        self.assertIn('answer of 1073741824 bytes, more than the 262144 '
                      'read', str(exc))

    def test_connect_that_hangs(self):
        hang = self.useFixture(rogue.NoAccept())
        gate_client = self.client(url=hang.url, request_timeout=10,
                                  max_retries=0)
        self.assert_bounded(lambda: self.send(gate_client, seconds=1), 1)

    def test_status_url_on_the_same_origin(self):
        gate_client = self.client(url='https://gate.example.test/gate')
        for url, same in (
                ('https://gate.example.test/status/1', True),
                ('https://GATE.example.test:443/s', True),
                ('https://[::1]/s', False),
                ('https://user@gate.example.test/s', False),
                ('https://169.254.169.254\\@gate.example.test/s', False),
                ('https://gate.example.test\\@169.254.169.254/s', False),
                ('https://gate.example.test /s', False),
                ('https://gate.example.test\t/s', False),
                ('http://gate.example.test/s', False),
                ('https://gate.example.test:8443/s', False),
                ('https://169.254.169.254/latest/meta-data', False),
                ('https://gate.example.test.evil.test/s', False),
                ('file:///etc/passwd', False),
                ('https://gate.example.test:bad/s', False)):
            self.assertEqual(same, gate_client.same_origin(url), url)


class TestRealTLS(ClientTestCase):
    """The guarded transport over real TLS on loopback."""

    def test_verified_with_ca_file(self):
        tp = self.useFixture(rogue.TLSThirdParty(fakes.Answer(
            body={'status': 'completed'})))
        answer = self.send(self.client(url=tp.url, ca_file=tp.ca_file))
        self.assertEqual('completed', answer.status)
        self.assertEqual(1, len(tp.requests))

    def test_unknown_certificate_refused(self):
        tp = self.useFixture(rogue.TLSThirdParty(fakes.Answer(
            body={'status': 'completed'})))
        exc = self.assertRaises(client.DeliveryError, self.send,
                                self.client(url=tp.url, max_retries=0))
        self.assertIn('SSLError', str(exc))
        self.assertEqual([], tp.requests)

    def test_trickling_over_tls(self):
        tp = self.useFixture(rogue.RogueServer('trickle-headers', tls=True))
        gate_client = self.client(url=tp.url, ca_file=tp.ca_file,
                                  request_timeout=10, max_retries=0)
        start = time.monotonic()
        exc = self.assertRaises(client.DeliveryError, self.send,
                                gate_client, seconds=1.5)
        self.assertLess(time.monotonic() - start, 2)
        self.assertIn('no complete answer within 1.5 seconds', str(exc))

    def test_proxy_that_trickles(self):
        # The answer of a proxy between nova-compute and the third party.
        proxy = self.useFixture(rogue.RogueServer('trickle-headers'))
        for name in ('http_proxy', 'HTTP_PROXY'):
            self.useFixture(fixtures.EnvironmentVariable(
                name, proxy.url.replace('/gate', '')))
        for name in ('no_proxy', 'NO_PROXY'):
            self.useFixture(fixtures.EnvironmentVariable(name))
        gate_client = self.client(url='http://gate.example.test/gate',
                                  request_timeout=10, max_retries=0)
        start = time.monotonic()
        exc = self.assertRaises(client.DeliveryError, self.send,
                                gate_client, seconds=1.5)
        self.assertLess(time.monotonic() - start, 2)
        self.assertIn('no complete answer within 1.5 seconds', str(exc))
        self.assertEqual(1, proxy.connections)


class TestStatusOrigin(ClientTestCase):
    """The status_url of an answer is followed only on the gate's origin.

    Its lookup carries the tag, the signature of the tag and the client
    certificate: another host (a metadata service, say) must get nothing.
    """

    def test_other_port_ignored_and_never_asked(self):
        tp = self.useFixture(fakes.FakeThirdParty())
        other = self.useFixture(fakes.FakeThirdParty(fakes.Answer(
            body={'status': 'completed'})))
        tp.script(fakes.Answer(code=202, body={
            'status': 'pending', 'status_url': other.status_url}))
        gate_client = self.client(tp, secret='k3y')
        answer = self.send(gate_client)
        self.assertTrue(answer.pending)
        self.assertIsNone(answer.status_url)
        self.assertIn('Ignoring the status_url %s of the third party'
                      % other.status_url, self.log.output)
        exc = self.assertRaises(
            client.DeliveryError, gate_client.get_status, other.status_url,
            't', time.monotonic() + 2)
        self.assertIn('is not on the origin of', str(exc))
        self.assertEqual([], other.requests)

    def test_parser_confusion_never_reaches_another_host(self):
        # urllib3 ends the host at a backslash, the standard library takes
        # what follows the last '@': a status_url built on that difference
        # looks like the gate's to one parser and goes to another host.
        other = self.useFixture(fakes.FakeThirdParty(
            fakes.Answer(body={'status': 'completed'}), host='127.0.0.2'))
        tp = self.useFixture(fakes.FakeThirdParty(
            port=other.server.server_port))
        port = other.server.server_port
        confused = 'http://127.0.0.2:%d\\@127.0.0.1:%d/status' % (port, port)
        tp.script(fakes.Answer(code=202, body={
            'status': 'pending', 'status_url': confused}))
        gate_client = self.client(tp, secret='k3y')
        answer = self.send(gate_client)
        self.assertIsNone(answer.status_url)
        self.assertRaises(client.DeliveryError, gate_client.get_status,
                          confused, 't', time.monotonic() + 2)
        self.assertEqual([], other.requests)

    def test_ipv6_gate(self):
        gate_client = self.client(url='https://[::1]:8443/gate')
        self.assertTrue(gate_client.same_origin('https://[::1]:8443/s'))
        self.assertFalse(gate_client.same_origin('https://[::2]:8443/s'))

    def test_downgrade_to_http_ignored(self):
        with requests_mock.Mocker() as m:
            m.post('https://gate.example.test/gate', status_code=202, json={
                'status': 'pending',
                'status_url': 'http://gate.example.test/status'})
            answer = self.send(self.client(
                url='https://gate.example.test/gate'))
            self.assertIsNone(answer.status_url)
            self.assertEqual(1, len(m.request_history))


class TestStatus(ClientTestCase):

    def test_signed_status_query(self):
        tp = self.useFixture(fakes.FakeThirdParty(fakes.Answer(
            body={'status': 'failed', 'reason': 'no licence'})))
        answer = self.client(tp, secret='k3y').get_status(
            tp.status_url, 'the-tag', time.monotonic() + 2)
        self.assertEqual('failed', answer.status)
        self.assertEqual('no licence', answer.reason)
        [req] = tp.requests
        self.assertEqual('GET', req['method'])
        self.assertEqual('/status', req['path'])
        self.assertEqual('the-tag', req['headers']['X-Nova-Ext-Tag'])
        expected = hmac.new(b'k3y', b'the-tag', hashlib.sha256).hexdigest()
        self.assertEqual('sha256=' + expected,
                         req['headers']['X-Nova-Ext-Signature'])

    def test_status_errors(self):
        for answer, exc_class in (
                (fakes.Answer(code=404, body={'error': 'x'}), client.Refused),
                (fakes.Answer(code=200), client.DeliveryError),
                (fakes.Answer(code=502), client.DeliveryError)):
            tp = self.useFixture(fakes.FakeThirdParty(answer))
            self.assertRaises(exc_class, self.client(tp).get_status,
                              tp.status_url, 't', time.monotonic() + 2)
            # A status query is never retried.
            self.assertEqual(1, len(tp.requests))


class TestTLS(ClientTestCase):
    """TLS settings reach requests (no TLS server on loopback here)."""

    URL = 'https://gate.example.test/gate'

    def _sent(self, **flags):
        with requests_mock.Mocker() as m:
            m.post(self.URL, json={'status': 'completed'})
            self.send(self.client(url=self.URL, **flags))
            return m.request_history[0]

    def test_defaults(self):
        req = self._sent()
        # True, or the CA bundle requests found in the environment.
        self.assertTrue(req.verify)
        self.assertIsNone(req.cert)
        self.assertLessEqual(req.timeout, 2)

    def test_ca_file_and_client_cert(self):
        req = self._sent(ca_file='/etc/ca.pem', client_cert='/etc/c.pem',
                         client_key='/etc/k.pem')
        self.assertEqual('/etc/ca.pem', req.verify)
        self.assertEqual(('/etc/c.pem', '/etc/k.pem'), req.cert)

    def test_cert_with_key_inside(self):
        self.assertEqual('/etc/c.pem', self._sent(
            client_cert='/etc/c.pem').cert)

    def test_insecure(self):
        self.assertIs(False, self._sent(insecure=True,
                                        ca_file='/etc/ca.pem').verify)
