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

"""Tests of the reference service's rules, modes and lifecycle."""

import socket
import threading
import time

from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import noauth
from keystoneauth1 import session as ks_session
import requests

from nova_ext.reference import events
from nova_ext.reference import protocol
from nova_ext.reference import service
from nova_ext.reference import settings
from tests.unit.reference import base


class TestSyncRules(base.ReferenceTestCase):

    def test_approve_all_by_default(self):
        tp = self.start()
        body = base.gate_body()
        resp = self.post(tp, body)
        self.assertEqual(200, resp.status_code)
        self.assertEqual({'status': 'completed',
                          'reason': settings.DEFAULT_APPROVE_REASON},
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
        bad = base.gate_body(display_name='bad-1')
        resp = self.post(tp, bad)
        self.assertEqual(200, resp.status_code)
        self.assertEqual({'status': 'failed',
                          'reason': 'display name matches ^bad-'},
                         resp.json())
        good = base.gate_body(display_name='good-bad-1')
        self.assertEqual('completed', self.post(tp, good).json()['status'])
        self.assertEqual('failed', tp.decisions[bad['tag']].status)
        self.assertEqual('completed', tp.decisions[good['tag']].status)

    def test_reject_reason(self):
        tp = self.start(reject_name='bad', reject_reason='no licence left')
        resp = self.post(tp, base.gate_body(display_name='bad'))
        self.assertEqual('no licence left', resp.json()['reason'])

    def test_null_display_name_is_not_matched(self):
        tp = self.start(reject_name='.*x')
        resp = self.post(tp, base.gate_body(display_name=None))
        self.assertEqual('completed', resp.json()['status'])

    def test_delay(self):
        tp = self.start(delay=1.0)
        body = base.gate_body()
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
        bodies = [base.gate_body(display_name='odd' if i % 2 else 'even')
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
        body = base.gate_body(display_name='slow-1')
        resp = self.post(tp, body)
        self.assertEqual(202, resp.status_code)
        self.assertEqual({'status': 'pending',
                          'status_url': tp.status_url(body['tag'])},
                         resp.json())
        status = self.status(tp, body['tag']).json()
        self.assertEqual('pending', status['status'])
        self.assertEqual(service.IGNORED_REASON, status['reason'])
        self.assertEqual('ignore', tp.decisions[body['tag']].rule)
        # Other names still go through the other rules.
        self.assertEqual('failed',
                         self.post(tp, base.gate_body()).json()['status'])

    def test_pending_without_status_url(self):
        tp = self.start(ignore_name='.', offer_status_url=False)
        body = base.gate_body()
        resp = self.post(tp, body)
        self.assertEqual(202, resp.status_code)
        self.assertEqual({'status': 'pending'}, resp.json())
        # The endpoint still answers for who knows the URL.
        self.assertEqual(200, self.status(tp, body['tag']).status_code)

    def test_decide_without_post_feeds_the_status_endpoint(self):
        tp = self.start(ignore_name='.')
        body = base.gate_body()
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
        body = base.gate_body()
        self.post(tp, body)
        self.assertRaises(RuntimeError, tp.decide, body['tag'], 'completed')

    def test_repeated_tag_gets_the_same_verdict(self):
        tp = self.start(reject_name='.')
        body = base.gate_body()
        first = self.post(tp, body).json()
        second = self.post(tp, body).json()
        self.assertEqual(first, second)
        self.assertEqual(1, len(tp.decisions))
        self.assertEqual(2, len(tp.requests))

    def test_fail_first(self):
        tp = self.start(fail_first=2)
        body = base.gate_body()
        codes = [self.post(tp, body).status_code for _ in range(3)]
        self.assertEqual([503, 503, 200], codes)
        # Counted per tag.
        self.assertEqual(503, self.post(tp, base.gate_body()).status_code)


class TestStatusEndpoint(base.ReferenceTestCase):

    def test_signed(self):
        tp = self.start(secret=base.SECRET, reject_name='.')
        body = base.gate_body()
        self.post(tp, body, secret=base.SECRET)
        resp = self.status(tp, body['tag'], secret=base.SECRET)
        self.assertEqual(200, resp.status_code)
        self.assertEqual('failed', resp.json()['status'])
        self.assertEqual('display name matches .', resp.json()['reason'])
        self.assertEqual(401, self.status(tp, body['tag']).status_code)
        self.assertEqual(401, self.status(tp, body['tag'],
                                          secret='wrong').status_code)
        # The signature covers the tag: another tag's signature fails.
        resp = self.status(tp, body['tag'], headers={
            protocol.SIGNATURE_HEADER: protocol.sign(base.SECRET, 'other')})
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
        body = base.gate_body()
        self.post(tp, body)
        resp = self.status(tp, body['tag'],
                           headers={protocol.TAG_HEADER: 'other'})
        self.assertEqual(400, resp.status_code)

    def test_quoted_tag(self):
        tp = self.start(mode='manual')
        body = base.gate_body(tag='a/b c?')
        self.assertEqual(202, self.post(tp, body).status_code)
        self.assertTrue(tp.status_url('a/b c?').endswith('/a%2Fb%20c%3F'))
        self.assertEqual('pending',
                         self.status(tp, 'a/b c?').json()['status'])


class TestAsync(base.ReferenceTestCase):

    def start_async(self, nova=None, **kwargs):
        fake = self.fake_nova(**(nova or {}))
        poster = events.NovaEventPoster.from_endpoint(
            fake.endpoint, headers=events.reporter_headers(project_id='p1'),
            retry_delay=0.05)
        return fake, self.start(mode='async', nova=poster, **kwargs)

    def test_approve_posts_completed_event(self):
        fake, tp = self.start_async()
        body = base.gate_body()
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
        body = base.gate_body(display_name='bad-2')
        self.post(tp, body)
        fake.wait_for_posts(1)
        self.assertEqual([{'status': 'failed',
                           'reason': 'display name matches ^bad',
                           'tag': body['tag'],
                           'server_uuid': body['server_uuid']}], seen)
        self.assertEqual('failed', fake.events[0]['status'])

    def test_heartbeats_then_verdict(self):
        fake, tp = self.start_async(delay=1.2, heartbeat=0.4)
        body = base.gate_body()
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

    def test_sync_name_answers_synchronously(self):
        fake, tp = self.start_async(sync_name='^now', reject_name='^now-bad')
        now = base.gate_body(display_name='now-1')
        resp = self.post(tp, now)
        self.assertEqual((200, 'completed'),
                         (resp.status_code, resp.json()['status']))
        bad = base.gate_body(display_name='now-bad-1')
        self.assertEqual('failed', self.post(tp, bad).json()['status'])
        later = base.gate_body(display_name='later-1')
        self.assertEqual(202, self.post(tp, later).status_code)
        fake.wait_for_posts(1)
        time.sleep(0.2)
        # Only the asynchronous one got an event.
        self.assertEqual([later['tag']], [e['tag'] for e in fake.events])

    def test_delay_without_heartbeat(self):
        fake, tp = self.start_async(delay=1.0)
        body = base.gate_body()
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
        body = base.gate_body()
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
        body = base.gate_body()
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
        self.post(tp, base.gate_body())
        fake.wait_for_posts(2)
        result, = tp.wait_for_events(1)
        self.assertTrue(result.ok)
        self.assertEqual([503, 200], [p['answer'] for p in fake.posts])

    def test_nova_refusal_is_recorded(self):
        fake, tp = self.start_async(nova={'statuses': [403]})
        body = base.gate_body()
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
        self.post(tp, base.gate_body())
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
            self.post(tp, base.gate_body())
            self.assertTrue(tp.wait_for_events(1)[0].ok)
        posts = fake.wait_for_posts(2)
        self.assertEqual(['compute 2.93'] * 2,
                         [p['headers']['OpenStack-API-Version']
                          for p in posts])
        self.assertEqual('third_party_gate_reporter',
                         posts[0]['headers']['X-Roles'])

    def test_nova_endpoint_arguments(self):
        fake = self.fake_nova()
        tp = self.start(mode='async', nova_endpoint=fake.endpoint,
                        nova_headers={'X-Roles': 'admin'})
        self.post(tp, base.gate_body())
        post, = fake.wait_for_posts(1)
        self.assertEqual('admin', post['headers']['X-Roles'])

    def test_callable(self):
        got = []
        tp = self.start(mode='async', nova=got.append, reject_name='.')
        body = base.gate_body()
        self.post(tp, body)
        tp.wait_for_events(1)
        self.assertEqual([{'name': 'third-party-gate',
                           'server_uuid': body['server_uuid'],
                           'tag': body['tag'], 'status': 'failed'}], got)

    def test_failing_callable_is_recorded(self):
        def boom(event):
            raise RuntimeError('nope')
        tp = self.start(mode='async', nova=boom)
        self.post(tp, base.gate_body())
        result, = tp.wait_for_events(1)
        self.assertFalse(result.ok)
        self.assertEqual('RuntimeError: nope', result.error)

    def test_manual_mode(self):
        got = []
        tp = self.start(mode='manual', nova=got.append)
        body = base.gate_body()
        self.assertEqual(202, self.post(tp, body).status_code)
        tp.heartbeat(body['tag'])
        self.assertEqual('in-progress', tp.decisions[body['tag']].status)
        tp.decide(body['tag'], 'failed', 'by hand')
        self.assertEqual(['in-progress', 'failed'],
                         [e['status'] for e in got])
        self.assertEqual('by hand',
                         self.status(tp, body['tag']).json()['reason'])
        self.assertRaises(ValueError, tp.heartbeat, body['tag'])


class TestLifecycle(base.ReferenceTestCase):

    def test_no_leaked_threads(self):
        before = set(threading.enumerate())
        fake = self.fake_nova()
        before.add(fake.thread)
        tp = service.ReferenceThirdParty(mode='async', delay=30,
                                        nova_endpoint=fake.endpoint)
        with tp:
            self.post(tp, base.gate_body())
            self.assertGreater(len(set(threading.enumerate()) - before), 0)
        self.assertEqual(set(), set(threading.enumerate()) - before)
        # Undecided at stop: nothing posted.
        self.assertEqual([], fake.posts)
        tp.stop()  # Twice is fine.

    def test_stop_cuts_a_sync_delay_short(self):
        tp = service.ReferenceThirdParty(delay=30).start()
        answers = []
        t = threading.Thread(target=lambda: answers.append(
            self.post(tp, base.gate_body())))
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
        tp = service.ReferenceThirdParty()
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
        self.assertEqual(200, self.post(tp, base.gate_body()).status_code)

    def test_invalid_arguments(self):
        # The settings are checked by settings.Settings (test_settings);
        # the service checks where its events go.
        cases = [
            ({'mode': 'later'}, 'mode', 'mode must be one of'),
            ({'mode': 'async'}, 'nova', 'nova is needed by mode async'),
            ({'nova': print, 'nova_endpoint': 'http://x'}, 'nova',
             'not both'),
        ]
        for kwargs, argument, text in cases:
            e = self.assertRaises(settings.InvalidArgument,
                                  service.ReferenceThirdParty, **kwargs)
            self.assertEqual(argument, e.argument)
            self.assertIn(text, str(e))
        e = self.assertRaises(ValueError, service.ReferenceThirdParty,
                              nova_endpoint='ftp://x')
        self.assertIn('http(s) URL', str(e))
        self.assertRaises(TypeError, service.ReferenceThirdParty, nova=3)
        # A misspelt setting is not silently ignored.
        self.assertRaises(TypeError, service.ReferenceThirdParty,
                          reject_nmae='x')
