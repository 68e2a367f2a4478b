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

"""A scriptable third party on loopback, for the client and driver tests.

It is a real HTTP server (stdlib ThreadingHTTPServer on 127.0.0.1) so that
the tests exercise requests, timeouts and retries for real. Each request
pops the next scripted answer; the last answer repeats.
"""

import http.server
import json
import threading
import time

import fixtures


class Answer(object):
    """A scripted answer: HTTP status, raw body, delay before answering."""

    def __init__(self, code=200, body=None, delay=0.0, raw=None):
        self.code = code
        if raw is not None:
            self.body = raw
        elif body is None:
            self.body = b''
        else:
            self.body = json.dumps(body).encode('utf-8')
        self.delay = delay


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def _answer(self):
        server = self.server
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        with server.lock:
            server.requests.append(
                {'method': self.command, 'path': self.path,
                 'headers': dict(self.headers), 'body': body,
                 'time': time.monotonic()})
            answer = (server.answers.pop(0) if len(server.answers) > 1
                      else server.answers[0])
        if answer.delay:
            time.sleep(answer.delay)
        try:
            self.send_response(answer.code)
            self.send_header('Content-Length', str(len(answer.body)))
            self.send_header('Content-Type', 'application/json')
            self.end_headers()
            self.wfile.write(answer.body)
        except OSError:
            pass

    do_POST = _answer
    do_GET = _answer


class FakeThirdParty(fixtures.Fixture):
    """Run the scriptable server for the duration of a test."""

    def __init__(self, *answers, host='127.0.0.1', port=0):
        super().__init__()
        self.initial = list(answers) or [Answer(body={'status': 'pending'})]
        self.host = host
        self.port = port

    def _setUp(self):
        self.server = http.server.ThreadingHTTPServer(
            (self.host, self.port), _Handler)
        self.server.daemon_threads = True
        self.server.lock = threading.Lock()
        self.server.requests = []
        self.server.answers = list(self.initial)
        thread = threading.Thread(target=self.server.serve_forever,
                                  kwargs={'poll_interval': 0.05})
        thread.daemon = True
        thread.start()
        self.addCleanup(thread.join, 5)
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        self.url = 'http://%s:%d/gate' % (self.host, self.server.server_port)
        self.status_url = ('http://%s:%d/status' %
                           (self.host, self.server.server_port))

    def script(self, *answers):
        with self.server.lock:
            self.server.answers = list(answers)

    @property
    def requests(self):
        with self.server.lock:
            return list(self.server.requests)
