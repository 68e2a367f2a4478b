"""Tests of the reference third party, over real HTTP on 127.0.0.1."""

import json
import socket
import threading
import time
import uuid

import fixtures
from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import noauth
from keystoneauth1 import session as ks_session
from oslotest import base
import requests

from nova_ext.reference import events
from nova_ext.reference import fixture
from nova_ext.reference import server
from tests.unit.reference import fakes

SECRET = 's3cret'


def gate_body(**overrides):
    body = {
        'version': 1,
        'server_uuid': str(uuid.uuid4()),
        'tag': 'tag-%s' % uuid.uuid4().hex,
        'deadline': '2026-11-22T10:00:00Z',
        'max_deadline': '2026-11-22T11:00:00Z',
        'operation': 'boot',
        'host': 'compute1',
        'project_id': 'p', 'user_id': 'u',
        'display_name': 'web-1',
        'flavor': {'name': 'm1.small', 'extra_specs': {}},
        'image': {'id': str(uuid.uuid4()), 'properties': {}},
        'request_id': 'req-%s' % uuid.uuid4(),
        'mode': 'enforce',
        'callback': {'event_name': 'third-party-gate',
                     'path': '/os-server-external-events',
                     'min_microversion': '2.93'},
    }
    body.update(overrides)
    return body


class ReferenceTestCase(base.BaseTestCase):

    def start(self, **kwargs):
        return self.useFixture(
            fixture.ReferenceThirdPartyFixture(**kwargs)).server

    def fake_nova(self, **kwargs):
        nova = fakes.FakeNova(**kwargs)
        self.addCleanup(nova.stop)
        return nova

    def post(self, tp, body, secret=None, headers=None, raw=None):
        if raw is None:
            raw = json.dumps(body).encode('utf-8')
        hdrs = {'Content-Type': 'application/json'}
        if isinstance(body, dict) and 'tag' in body:
            hdrs[server.TAG_HEADER] = str(body['tag'])
        if secret is not None:
            hdrs[server.SIGNATURE_HEADER] = server.sign(secret, raw)
        hdrs.update(headers or {})
        return requests.post(tp.url, data=raw, headers=hdrs, timeout=30)

    def status(self, tp, tag, secret=None, headers=None):
        hdrs = {server.TAG_HEADER: tag}
        if secret is not None:
            hdrs[server.SIGNATURE_HEADER] = server.sign(secret, tag)
        hdrs.update(headers or {})
        return requests.get(tp.status_url(tag), headers=hdrs, timeout=30)


class TestSignature(ReferenceTestCase):

    def test_good_signature_is_accepted(self):
        tp = self.start(secret=SECRET)
        resp = self.post(tp, gate_body(), secret=SECRET)
        self.assertEqual(200, resp.status_code)
        self.assertEqual('completed', resp.json()['status'])
        self.assertTrue(tp.requests[0].signature_valid)

    def test_bytes_secret(self):
        tp = self.start(secret=SECRET.encode('utf-8'))
        resp = self.post(tp, gate_body(), secret=SECRET)
        self.assertEqual(200, resp.status_code)

    def test_wrong_secret_is_refused(self):
        tp = self.start(secret=SECRET)
        body = gate_body()
        resp = self.post(tp, body, secret='not-the-secret')
        self.assertEqual(401, resp.status_code)
        self.assertIn('does not match', resp.json()['error'])
        self.assertFalse(tp.requests[0].signature_valid)
        self.assertEqual(401, tp.requests[0].response_status)
        # Refused requests are never decided.
        self.assertEqual({}, tp.decisions)
        self.assertEqual(404, self.status(tp, body['tag'],
                                          secret=SECRET).status_code)

    def test_signature_of_another_body_is_refused(self):
        tp = self.start(secret=SECRET)
        raw = json.dumps(gate_body()).encode('utf-8')
        other = json.dumps(gate_body()).encode('utf-8')
        resp = self.post(tp, None, raw=raw, headers={
            server.SIGNATURE_HEADER: server.sign(SECRET, other)})
        self.assertEqual(401, resp.status_code)

    def test_missing_signature_is_refused(self):
        tp = self.start(secret=SECRET)
        resp = self.post(tp, gate_body())
        self.assertEqual(401, resp.status_code)
        self.assertIn('missing X-Nova-Ext-Signature', resp.json()['error'])

    def test_garbage_signature_is_refused(self):
        tp = self.start(secret=SECRET)
        resp = self.post(tp, gate_body(), headers={
            server.SIGNATURE_HEADER: 'md5=\u00e9t\u00e9'.encode('utf-8')})
        self.assertEqual(401, resp.status_code)

    def test_no_secret_no_check(self):
        tp = self.start()
        resp = self.post(tp, gate_body(), headers={
            server.SIGNATURE_HEADER: 'sha256=whatever'})
        self.assertEqual(200, resp.status_code)
        self.assertIsNone(tp.requests[0].signature_valid)

    def test_sign(self):
        # Known HMAC-SHA256 vector (RFC 4231 test case 2).
        self.assertEqual(
            'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b9'
            '64ec3843',
            server.sign('Jefe', 'what do ya want for nothing?'))


class TestSyncRules(ReferenceTestCase):

    def test_approve_all_by_default(self):
        tp = self.start()
        body = gate_body()
        resp = self.post(tp, body)
        self.assertEqual(200, resp.status_code)
        self.assertEqual({'status': 'completed',
                          'reason': server.DEFAULT_APPROVE_REASON},
                         resp.json())
        req, = tp.requests
        self.assertEqual(body, req.body)
        self.assertEqual(body['tag'], req.tag)
        self.assertEqual(body['server_uuid'], req.server_uuid)
        self.assertEqual('application/json', req.headers['Content-Type'])
        decision = tp.decisions[body['tag']]
        self.assertEqual('completed', decision.status)
        self.assertEqual('approve', decision.rule)
        self.assertEqual(body['server_uuid'], decision.server_uuid)

    def test_reject_by_name(self):
        tp = self.start(reject_name='^bad-')
        bad = gate_body(display_name='bad-1')
        resp = self.post(tp, bad)
        self.assertEqual(200, resp.status_code)
        self.assertEqual({'status': 'failed',
                          'reason': 'display name matches ^bad-'},
                         resp.json())
        good = gate_body(display_name='good-bad-1')
        self.assertEqual('completed', self.post(tp, good).json()['status'])
        self.assertEqual('failed', tp.decisions[bad['tag']].status)
        self.assertEqual('completed', tp.decisions[good['tag']].status)

    def test_reject_reason(self):
        tp = self.start(reject_name='bad', reject_reason='no licence left')
        resp = self.post(tp, gate_body(display_name='bad'))
        self.assertEqual('no licence left', resp.json()['reason'])

    def test_null_display_name_is_not_matched(self):
        tp = self.start(reject_name='.*x')
        resp = self.post(tp, gate_body(display_name=None))
        self.assertEqual('completed', resp.json()['status'])

    def test_delay(self):
        tp = self.start(delay=1.0)
        body = gate_body()
        seen = {}

        def query():
            tp.wait_for_requests(0)
            # The decision exists (pending) while the answer is delayed.
            for _ in range(100):
                if body['tag'] in tp.decisions:
                    break
                time.sleep(0.01)
            seen['status'] = self.status(tp, body['tag']).json()['status']

        t = threading.Thread(target=query)
        start = time.monotonic()
        t.start()
        resp = self.post(tp, body)
        elapsed = time.monotonic() - start
        t.join()
        self.assertEqual('completed', resp.json()['status'])
        self.assertGreaterEqual(elapsed, 1.0)
        self.assertEqual('pending', seen['status'])

    def test_concurrent_requests(self):
        tp = self.start(delay=0.5, reject_name='odd')
        bodies = [gate_body(display_name='odd' if i % 2 else 'even')
                  for i in range(10)]
        answers = {}

        def post(body):
            answers[body['tag']] = self.post(tp, body).json()['status']

        threads = [threading.Thread(target=post, args=(b,)) for b in bodies]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # Served in parallel: ten half-second answers in well under 5s.
        self.assertLess(time.monotonic() - start, 4)
        self.assertEqual(
            {b['tag']: ('failed' if b['display_name'] == 'odd'
                        else 'completed') for b in bodies}, answers)
        self.assertEqual(10, len(tp.decisions))

    def test_ignore_leaves_pending(self):
        tp = self.start(ignore_name='^slow', reject_name='.')
        body = gate_body(display_name='slow-1')
        resp = self.post(tp, body)
        self.assertEqual(202, resp.status_code)
        self.assertEqual({'status': 'pending',
                          'status_url': tp.status_url(body['tag'])},
                         resp.json())
        status = self.status(tp, body['tag']).json()
        self.assertEqual('pending', status['status'])
        self.assertEqual(server.IGNORED_REASON, status['reason'])
        self.assertEqual('ignore', tp.decisions[body['tag']].rule)
        # Other names still go through the other rules.
        self.assertEqual('failed',
                         self.post(tp, gate_body()).json()['status'])

    def test_pending_without_status_url(self):
        tp = self.start(ignore_name='.', offer_status_url=False)
        body = gate_body()
        resp = self.post(tp, body)
        self.assertEqual(202, resp.status_code)
        self.assertEqual({'status': 'pending'}, resp.json())
        # The endpoint still answers for who knows the URL.
        self.assertEqual(200, self.status(tp, body['tag']).status_code)

    def test_decide_without_post_feeds_the_status_endpoint(self):
        tp = self.start(ignore_name='.')
        body = gate_body()
        self.post(tp, body)
        self.assertIsNone(tp.decide(body['tag'], 'failed', 'too big',
                                    post=False))
        self.assertEqual({'status': 'failed', 'reason': 'too big',
                          'tag': body['tag'],
                          'server_uuid': body['server_uuid']},
                         self.status(tp, body['tag']).json())
        self.assertRaises(ValueError, tp.decide, body['tag'], 'completed')
        self.assertRaises(KeyError, tp.decide, 'nope', 'completed')
        self.assertRaises(ValueError, tp.decide, body['tag'], 'maybe')

    def test_decide_posts_without_nova_raises(self):
        tp = self.start(mode='manual')
        body = gate_body()
        self.post(tp, body)
        self.assertRaises(RuntimeError, tp.decide, body['tag'], 'completed')

    def test_repeated_tag_gets_the_same_verdict(self):
        tp = self.start(reject_name='.')
        body = gate_body()
        first = self.post(tp, body).json()
        second = self.post(tp, body).json()
        self.assertEqual(first, second)
        self.assertEqual(1, len(tp.decisions))
        self.assertEqual(2, len(tp.requests))

    def test_fail_first(self):
        tp = self.start(fail_first=2)
        body = gate_body()
        codes = [self.post(tp, body).status_code for _ in range(3)]
        self.assertEqual([503, 503, 200], codes)
        # Counted per tag.
        self.assertEqual(503, self.post(tp, gate_body()).status_code)

    def test_records_are_capped(self):
        self.useFixture(fixtures.MonkeyPatch(
            'nova_ext.reference.server.MAX_RECORDS', 3))
        tp = self.start()
        bodies = [gate_body() for _ in range(5)]
        for body in bodies:
            self.post(tp, body)
            self.status(tp, body['tag'])
        self.assertEqual([b['tag'] for b in bodies[2:]],
                         [r.tag for r in tp.requests])
        self.assertEqual([b['tag'] for b in bodies[2:]],
                         list(tp.decisions))
        self.assertEqual(3, len(tp.status_queries))
        # The oldest is forgotten by the status endpoint too.
        self.assertEqual(404, self.status(tp, bodies[0]['tag']).status_code)

    def test_reset(self):
        tp = self.start()
        self.post(tp, gate_body())
        tp.reset()
        self.assertEqual([], tp.requests)
        self.assertEqual({}, tp.decisions)


class TestMalformed(ReferenceTestCase):

    def assertBadRequest(self, resp, text, code=400):
        self.assertEqual(code, resp.status_code, resp.text)
        self.assertEqual('application/json', resp.headers['Content-Type'])
        self.assertIn(text, resp.json()['error'])

    def test_invalid_json(self):
        tp = self.start(secret=SECRET)
        raw = b'{"version": 1,'
        self.assertBadRequest(
            self.post(tp, None, raw=raw, secret=SECRET), 'not valid JSON')
        self.assertEqual(400, tp.requests[0].response_status)
        self.assertIsNone(tp.requests[0].body)

    def test_not_utf8(self):
        tp = self.start()
        self.assertBadRequest(self.post(tp, None, raw=b'\xff\xfe'),
                              'not valid JSON')

    def test_not_an_object(self):
        tp = self.start()
        self.assertBadRequest(self.post(tp, None, raw=b'[1, 2]'),
                              'JSON object')

    def test_fields(self):
        tp = self.start()
        cases = [
            ({'version': 2}, 'unsupported protocol version'),
            ({'version': True}, 'unsupported protocol version'),
            ({'server_uuid': 'nope'}, 'server_uuid must be a UUID'),
            ({'server_uuid': None}, 'server_uuid must be a UUID'),
            ({'tag': ''}, 'tag must be'),
            ({'tag': 5}, 'tag must be'),
            ({'tag': 'x' * 256}, 'tag must be'),
            ({'display_name': 5}, 'display_name must be'),
            ({'operation': None}, 'operation must be'),
            ({'deadline': 'tomorrow'}, 'deadline must be an ISO 8601'),
            ({'max_deadline': 3}, 'max_deadline must be an ISO 8601'),
            ({'deadline': '2026-11-22T10:00:00'},
             'deadline must be an ISO 8601 time with a time zone'),
        ]
        for overrides, text in cases:
            self.assertBadRequest(self.post(tp, gate_body(**overrides)),
                                  text)
        body = gate_body()
        del body['display_name']
        self.assertBadRequest(self.post(tp, body), 'display_name is missing')
        self.assertBadRequest(
            self.post(tp, gate_body(),
                      headers={server.TAG_HEADER: 'other'}),
            'header does not match')
        self.assertEqual({}, tp.decisions)

    def raw_request(self, tp, data):
        with socket.create_connection(('127.0.0.1', tp.port)) as sock:
            sock.sendall(data)
            answer = b''
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        head, _, body = answer.partition(b'\r\n\r\n')
        return int(head.split()[1]), json.loads(body)

    def test_missing_content_length(self):
        tp = self.start()
        status, body = self.raw_request(
            tp, b'POST /gate HTTP/1.0\r\nHost: x\r\n\r\n')
        self.assertEqual(411, status)
        self.assertIn('Content-Length', body['error'])

    def test_bad_content_length(self):
        tp = self.start()
        status, body = self.raw_request(
            tp, b'POST /gate HTTP/1.0\r\nContent-Length: -3\r\n\r\n')
        self.assertEqual(400, status)

    def test_chunked(self):
        tp = self.start()
        status, body = self.raw_request(
            tp, b'POST /gate HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n'
                b'2\r\n{}\r\n0\r\n\r\n')
        self.assertEqual(400, status)
        self.assertIn('chunked', body['error'])

    def test_too_large(self):
        tp = self.start()
        status, body = self.raw_request(
            tp, b'POST /gate HTTP/1.0\r\nContent-Length: 2000000\r\n\r\n')
        self.assertEqual(413, status)

    def test_short_body(self):
        tp = self.start()
        with socket.create_connection(('127.0.0.1', tp.port)) as sock:
            sock.sendall(b'POST /gate HTTP/1.0\r\nContent-Length: 10\r\n\r\n'
                         b'{}')
            sock.shutdown(socket.SHUT_WR)
            answer = sock.makefile('rb').read()
        self.assertIn(b' 400 ', answer.split(b'\r\n')[0])

    def test_bad_request_line_gets_json(self):
        tp = self.start()
        status, body = self.raw_request(tp, b'GET /gate x HTTP/1.0\r\n\r\n')
        self.assertEqual(400, status)
        self.assertEqual({'error': 'Bad request syntax (\'GET /gate x '
                                   'HTTP/1.0\')'}, body)
        status, body = self.raw_request(
            tp, b'OPTIONS /gate HTTP/1.0\r\n\r\n')
        self.assertEqual(501, status)
        self.assertIn('OPTIONS', body['error'])

    def test_paths_and_methods(self):
        tp = self.start()
        self.assertEqual({'status': 'ok'},
                         requests.get(tp.base_url + '/healthz').json())
        self.assertEqual(404, requests.get(tp.base_url + '/x').status_code)
        self.assertEqual(404, requests.post(tp.base_url + '/x',
                                            data=b'{}').status_code)
        self.assertEqual(405, requests.get(tp.url).status_code)
        self.assertEqual(405, requests.post(tp.base_url + '/healthz',
                                            data=b'').status_code)
        self.assertEqual(405, requests.put(tp.url, data=b'').status_code)
        self.assertEqual(404, requests.get(tp.base_url +
                                           '/status/').status_code)


class TestStatusEndpoint(ReferenceTestCase):

    def test_signed(self):
        tp = self.start(secret=SECRET, reject_name='.')
        body = gate_body()
        self.post(tp, body, secret=SECRET)
        resp = self.status(tp, body['tag'], secret=SECRET)
        self.assertEqual(200, resp.status_code)
        self.assertEqual('failed', resp.json()['status'])
        self.assertEqual('display name matches .', resp.json()['reason'])
        self.assertEqual(401, self.status(tp, body['tag']).status_code)
        self.assertEqual(401, self.status(tp, body['tag'],
                                          secret='wrong').status_code)
        # The signature covers the tag: another tag's signature fails.
        resp = self.status(tp, body['tag'], headers={
            server.SIGNATURE_HEADER: server.sign(SECRET, 'other')})
        self.assertEqual(401, resp.status_code)
        queries = tp.status_queries
        self.assertEqual([200, 401, 401, 401],
                         [q.response_status for q in queries])
        self.assertEqual(body['tag'], queries[0].tag)

    def test_unknown_tag(self):
        tp = self.start()
        resp = self.status(tp, 'nope')
        self.assertEqual(404, resp.status_code)
        self.assertIn('unknown tag', resp.json()['error'])

    def test_tag_header_mismatch(self):
        tp = self.start()
        body = gate_body()
        self.post(tp, body)
        resp = self.status(tp, body['tag'],
                           headers={server.TAG_HEADER: 'other'})
        self.assertEqual(400, resp.status_code)

    def test_quoted_tag(self):
        tp = self.start(mode='manual')
        body = gate_body(tag='a/b c?')
        self.assertEqual(202, self.post(tp, body).status_code)
        self.assertTrue(tp.status_url('a/b c?').endswith('/a%2Fb%20c%3F'))
        self.assertEqual('pending',
                         self.status(tp, 'a/b c?').json()['status'])


class TestAsync(ReferenceTestCase):

    def start_async(self, nova=None, **kwargs):
        fake = self.fake_nova(**(nova or {}))
        poster = events.NovaEventPoster.from_endpoint(
            fake.endpoint, headers=events.reporter_headers(project_id='p1'),
            retry_delay=0.05)
        return fake, self.start(mode='async', nova=poster, **kwargs)

    def test_approve_posts_completed_event(self):
        fake, tp = self.start_async()
        body = gate_body()
        resp = self.post(tp, body)
        self.assertEqual(202, resp.status_code)
        self.assertEqual({'status': 'pending',
                          'status_url': tp.status_url(body['tag'])},
                         resp.json())
        post, = fake.wait_for_posts(1)
        self.assertEqual('/v2.1/os-server-external-events', post['path'])
        self.assertEqual('compute 2.93',
                         post['headers']['OpenStack-API-Version'])
        self.assertEqual('third_party_gate_reporter',
                         post['headers']['X-Roles'])
        self.assertEqual('p1', post['headers']['X-Auth-Project-Id'])
        self.assertEqual({'events': [{'name': 'third-party-gate',
                                      'server_uuid': body['server_uuid'],
                                      'tag': body['tag'],
                                      'status': 'completed'}]},
                         post['body'])
        result, = tp.wait_for_events(1)
        self.assertTrue(result.ok)
        self.assertEqual('completed', tp.decisions[body['tag']].status)

    def test_reject_reason_is_known_when_the_event_arrives(self):
        seen = []
        fake, tp = self.start_async(nova={'on_event': lambda e: seen.append(
            self.status(tp, e['tag']).json())}, reject_name='^bad')
        body = gate_body(display_name='bad-2')
        self.post(tp, body)
        fake.wait_for_posts(1)
        self.assertEqual([{'status': 'failed',
                           'reason': 'display name matches ^bad',
                           'tag': body['tag'],
                           'server_uuid': body['server_uuid']}], seen)
        self.assertEqual('failed', fake.events[0]['status'])

    def test_heartbeats_then_verdict(self):
        fake, tp = self.start_async(delay=1.2, heartbeat=0.4)
        body = gate_body()
        self.post(tp, body)
        fake.wait_for_posts(1)
        self.assertEqual('in-progress',
                         self.status(tp, body['tag']).json()['status'])
        tp.wait_for_decision(body['tag'])
        statuses = fake.wait_for_status('completed')
        # Beats at 0.4 s and 0.8 s, the verdict at 1.2 s. On a starved
        # machine a beat whose time passed during a slow post is skipped,
        # but the first one always goes.
        beats = len(statuses) - 1
        self.assertIn(beats, (1, 2))
        self.assertEqual(['in-progress'] * beats + ['completed'], statuses)
        self.assertEqual(beats, tp.decisions[body['tag']].heartbeats)

    def test_delay_without_heartbeat(self):
        fake, tp = self.start_async(delay=1.0)
        body = gate_body()
        start = time.monotonic()
        self.post(tp, body)
        self.assertEqual('pending',
                         self.status(tp, body['tag']).json()['status'])
        fake.wait_for_posts(1)
        self.assertGreaterEqual(time.monotonic() - start, 1.0)
        decision = tp.decisions[body['tag']]
        self.assertGreaterEqual(decision.decided_at - decision.created_at,
                                1.0)
        self.assertEqual(['completed'], [e['status'] for e in fake.events])

    def test_ignore_posts_nothing(self):
        fake, tp = self.start_async(ignore_name='.', heartbeat=0.1)
        body = gate_body()
        self.assertEqual(202, self.post(tp, body).status_code)
        time.sleep(0.4)
        self.assertEqual([], fake.posts)
        self.assertEqual('pending', tp.decisions[body['tag']].status)
        # A test can still decide it by hand.
        result = tp.decide(body['tag'], 'completed')
        self.assertTrue(result.ok)
        self.assertEqual('completed', fake.events[0]['status'])

    def test_repeated_tag_starts_no_second_verdict(self):
        fake, tp = self.start_async(delay=0.3)
        body = gate_body()
        self.assertEqual(202, self.post(tp, body).status_code)
        self.assertEqual(202, self.post(tp, body).status_code)
        tp.wait_for_decision(body['tag'])
        fake.wait_for_posts(1)
        # Once decided, a retry gets the verdict synchronously.
        resp = self.post(tp, body)
        self.assertEqual(200, resp.status_code)
        self.assertEqual('completed', resp.json()['status'])
        time.sleep(0.2)
        self.assertEqual(1, len(fake.posts))

    def test_nova_5xx_is_retried(self):
        fake, tp = self.start_async(nova={'statuses': [503]})
        self.post(tp, gate_body())
        fake.wait_for_posts(2)
        result, = tp.wait_for_events(1)
        self.assertTrue(result.ok)
        self.assertEqual([503, 200], [p['answer'] for p in fake.posts])

    def test_nova_refusal_is_recorded(self):
        fake, tp = self.start_async(nova={'statuses': [403]})
        body = gate_body()
        self.post(tp, body)
        result, = tp.wait_for_events(1)
        self.assertFalse(result.ok)
        self.assertEqual(403, result.status_code)
        self.assertEqual(1, len(fake.posts))
        # The verdict stands for the status endpoint.
        self.assertEqual('completed', tp.decisions[body['tag']].status)

    def test_nova_unreachable_is_recorded(self):
        sock = socket.socket()
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
        sock.close()
        poster = events.NovaEventPoster.from_endpoint(
            'http://127.0.0.1:%d/v2.1' % port, retries=1, retry_delay=0.01)
        tp = self.start(mode='async', nova=poster)
        self.post(tp, gate_body())
        result, = tp.wait_for_events(1)
        self.assertFalse(result.ok)
        self.assertIn('ConnectFailure', result.error)

    def test_adapter_and_session(self):
        fake = self.fake_nova()
        sess = ks_session.Session(auth=noauth.NoAuth(endpoint=fake.endpoint))
        adapter = ks_adapter.Adapter(
            sess, service_type='compute',
            additional_headers=events.reporter_headers())
        for nova in (adapter, sess):
            tp = self.start(mode='async', nova=nova)
            self.post(tp, gate_body())
            self.assertTrue(tp.wait_for_events(1)[0].ok)
        posts = fake.wait_for_posts(2)
        self.assertEqual(['compute 2.93'] * 2,
                         [p['headers']['OpenStack-API-Version']
                          for p in posts])
        self.assertEqual('third_party_gate_reporter',
                         posts[0]['headers']['X-Roles'])

    def test_later_microversion(self):
        fake = self.fake_nova()
        poster = events.NovaEventPoster.from_endpoint(
            fake.endpoint, microversion='2.96')
        self.assertTrue(poster.post_event(str(uuid.uuid4()), 't',
                                          'in-progress').ok)
        post, = fake.wait_for_posts(1)
        self.assertEqual('compute 2.96',
                         post['headers']['OpenStack-API-Version'])

    def test_nova_endpoint_arguments(self):
        fake = self.fake_nova()
        tp = self.start(mode='async', nova_endpoint=fake.endpoint,
                        nova_headers={'X-Roles': 'admin'})
        self.post(tp, gate_body())
        post, = fake.wait_for_posts(1)
        self.assertEqual('admin', post['headers']['X-Roles'])

    def test_callable(self):
        got = []
        tp = self.start(mode='async', nova=got.append, reject_name='.')
        body = gate_body()
        self.post(tp, body)
        tp.wait_for_events(1)
        self.assertEqual([{'name': 'third-party-gate',
                           'server_uuid': body['server_uuid'],
                           'tag': body['tag'], 'status': 'failed'}], got)

    def test_failing_callable_is_recorded(self):
        def boom(event):
            raise RuntimeError('nope')
        tp = self.start(mode='async', nova=boom)
        self.post(tp, gate_body())
        result, = tp.wait_for_events(1)
        self.assertFalse(result.ok)
        self.assertEqual('RuntimeError: nope', result.error)

    def test_manual_mode(self):
        got = []
        tp = self.start(mode='manual', nova=got.append)
        body = gate_body()
        self.assertEqual(202, self.post(tp, body).status_code)
        tp.heartbeat(body['tag'])
        self.assertEqual('in-progress', tp.decisions[body['tag']].status)
        tp.decide(body['tag'], 'failed', 'by hand')
        self.assertEqual(['in-progress', 'failed'],
                         [e['status'] for e in got])
        self.assertEqual('by hand',
                         self.status(tp, body['tag']).json()['reason'])
        self.assertRaises(ValueError, tp.heartbeat, body['tag'])


class TestLifecycle(ReferenceTestCase):

    def test_no_leaked_threads(self):
        before = set(threading.enumerate())
        fake = self.fake_nova()
        before.add(fake.thread)
        tp = server.ReferenceThirdParty(mode='async', delay=30,
                                        nova_endpoint=fake.endpoint)
        with tp:
            self.post(tp, gate_body())
            self.assertGreater(len(set(threading.enumerate()) - before), 0)
        self.assertEqual(set(), set(threading.enumerate()) - before)
        # Undecided at stop: nothing posted.
        self.assertEqual([], fake.posts)
        tp.stop()  # Twice is fine.

    def test_stop_cuts_a_sync_delay_short(self):
        tp = server.ReferenceThirdParty(delay=30).start()
        answers = []
        t = threading.Thread(target=lambda: answers.append(
            self.post(tp, gate_body())))
        t.start()
        tp.wait_for_requests(0)
        for _ in range(200):
            if tp.decisions:
                break
            time.sleep(0.01)
        start = time.monotonic()
        tp.stop()
        t.join()
        self.assertLess(time.monotonic() - start, 5)
        self.assertEqual(503, answers[0].status_code)

    def test_restart_and_errors(self):
        tp = server.ReferenceThirdParty()
        self.assertRaises(RuntimeError, lambda: tp.url)
        with tp:
            self.assertRaises(RuntimeError, tp.start)
            self.assertTrue(tp.url.startswith('http://127.0.0.1:'))
            self.assertTrue(tp.url.endswith('/gate'))
        with tp:
            self.assertEqual(200, requests.get(tp.base_url +
                                               '/healthz').status_code)

    def test_ipv6_loopback(self):
        if not socket.has_ipv6:
            self.skipTest('no IPv6')
        try:
            tp = self.start(host='::1')
        except OSError:
            self.skipTest('no IPv6 loopback')
        self.assertTrue(tp.url.startswith('http://[::1]:'))
        self.assertEqual(200, self.post(tp, gate_body()).status_code)

    def test_invalid_arguments(self):
        cases = [
            ({'mode': 'later'}, 'mode must be one of'),
            ({'port': 70000}, 'port must be'),
            ({'delay': -1}, 'delay must not be negative'),
            ({'delay': 'x'}, 'delay must be a number'),
            ({'heartbeat': 0, 'mode': 'async', 'nova': print},
             'heartbeat must be positive'),
            ({'heartbeat': 'x'}, 'heartbeat must be a number'),
            ({'heartbeat': 1}, 'heartbeat needs mode async'),
            ({'mode': 'async'}, 'mode async needs nova'),
            ({'reject_name': '('}, 'reject_name: invalid regular'),
            ({'ignore_name': '[a'}, 'ignore_name: invalid regular'),
            ({'secret': ''}, 'secret must not be empty'),
            ({'fail_first': -1}, 'fail_first must be'),
            ({'nova': print, 'nova_endpoint': 'http://x'}, 'not both'),
            ({'nova_endpoint': 'ftp://x'}, 'http(s) URL'),
        ]
        for kwargs, text in cases:
            e = self.assertRaises(ValueError, server.ReferenceThirdParty,
                                  **kwargs)
            self.assertIn(text, str(e))
        self.assertRaises(TypeError, server.ReferenceThirdParty, nova=3)

    def test_post_result_ok(self):
        ok = events.PostResult(event={}, status_code=200,
                               body={'events': [{'code': 200}]})
        self.assertTrue(ok.ok)
        multi = events.PostResult(event={}, status_code=207,
                                  body={'events': [{'code': 404}]})
        self.assertFalse(multi.ok)
        partial = events.PostResult(event={}, status_code=200,
                                    body={'events': [{'code': 422}]})
        self.assertFalse(partial.ok)
        poster = events.NovaEventPoster.from_endpoint('http://127.0.0.1:1')
        self.assertRaises(ValueError, poster.post_event, 'u', 't', 'maybe')
        self.assertRaises(TypeError, events.NovaEventPoster, object())
