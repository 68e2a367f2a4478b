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

"""A tiny real Nova stand-in: records the external events POSTed to it."""

import http.server
import json
import threading


class FakeNova(object):
    """``POST /v2.1/os-server-external-events`` on a loopback port.

    Answers like Nova does (200 with a per-event ``code``) unless
    ``statuses`` scripts other answers (popped one per request). An
    ``on_event`` callable is called with each event before the answer, to
    look at the third party's state at the time the event arrives.
    """

    def __init__(self, statuses=None, on_event=None):
        self.statuses = list(statuses or [])
        self.on_event = on_event
        self.posts = []
        self._lock = threading.Condition()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers['Content-Length'])
                body = json.loads(self.rfile.read(length))
                for event in body.get('events', []):
                    if fake.on_event is not None:
                        fake.on_event(event)
                with fake._lock:
                    status = (fake.statuses.pop(0) if fake.statuses
                              else 200)
                    fake.posts.append({'path': self.path,
                                       'headers': dict(self.headers.items()),
                                       'body': body, 'answer': status})
                    fake._lock.notify_all()
                answer = {'events': [dict(e, code=200)
                                     for e in body.get('events', [])]}
                if status != 200:
                    answer = {'error': 'scripted %d' % status}
                data = json.dumps(answer).encode('utf-8')
                self.send_response(status)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                     Handler)
        self.httpd.daemon_threads = False
        self.httpd.block_on_close = True
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={'poll_interval': 0.05})
        self.thread.start()
        self.endpoint = 'http://127.0.0.1:%d/v2.1' % (
            self.httpd.server_address[1])

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()

    @property
    def events(self):
        with self._lock:
            return [e for p in self.posts for e in p['body']['events']
                    if p['answer'] == 200]

    def wait_for_status(self, status, timeout=10):
        """Wait for an accepted event with this status; return statuses."""
        with self._lock:
            if not self._lock.wait_for(
                    lambda: status in [e['status'] for e in self.events],
                    timeout):
                raise AssertionError('no %s event in %s'
                                     % (status, self.posts))
            return [e['status'] for e in self.events]

    def wait_for_posts(self, count, timeout=10):
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.posts) >= count,
                                       timeout):
                raise AssertionError('expected %d event posts, got %s'
                                     % (count, self.posts))
            return list(self.posts)
