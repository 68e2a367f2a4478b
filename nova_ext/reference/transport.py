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

"""HTTP transport of the reference third party (stdlib ``http.server``).

The endpoints, all answering JSON:

* ``POST /gate``: a gate request (needs a ``Content-Length``, at most
  :data:`~.protocol.MAX_BODY` bytes).
* ``GET /status/<tag>``: the status endpoint of pull reconciliation.
* ``GET /healthz``: ``{"status": "ok"}``, for start-up scripts.

One thread per request (``ThreadingHTTPServer``) and HTTP/1.0, so every
connection closes after its answer. This module only moves bytes: what a
request means is the business of the application object it is given
(:class:`~.service.ReferenceThirdParty`), which must offer
``handle_gate(path, headers, raw) -> (status, body, after)``,
``refuse_gate(path, headers, error) -> (status, body)`` and
``handle_status(tag, headers) -> (status, body)``.
"""

import http.server
import json
import logging
import socket
import urllib.parse

from nova_ext.reference import protocol

LOG = logging.getLogger(__name__)


class _Server(http.server.ThreadingHTTPServer):
    # Handler threads are joined by server_close() so that stop() leaves no
    # thread behind; every wait in a handler is cut short by stop().
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True


class _Server6(_Server):
    address_family = socket.AF_INET6


def make_server(host, port, app):
    """Bind ``host:port`` (IPv4 or IPv6) for ``app``; not serving yet.

    :raises OSError: the address cannot be bound.
    """
    cls = _Server6 if ':' in host else _Server
    httpd = cls((host, port), _Handler)
    httpd.app = app
    return httpd


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.0'
    server_version = 'nova-ext-gate-reference'
    # A client that connects and sends nothing must not hold stop() forever.
    timeout = 10

    def log_message(self, fmt, *args):
        LOG.debug('%s - ' + fmt, self.client_address[0], *args)

    def send_error(self, code, message=None, explain=None):
        """Answer http.server's own errors (bad request line...) in JSON.

        The base class answers them with an HTML page; every answer of this
        service is JSON so that clients have one format to parse.
        """
        short = self.responses.get(code, ('error',))[0]
        self.close_connection = True
        data = json.dumps({'error': message or short}).encode('utf-8')
        self.send_response(code, short)
        self.send_header('Connection', 'close')
        with_body = (code >= 200 and code not in (204, 205, 304) and
                     getattr(self, 'command', None) != 'HEAD')
        if with_body:
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        if with_body:
            self.wfile.write(data)

    def _send_json(self, status, body):
        data = json.dumps(body).encode('utf-8')
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _path(self):
        return urllib.parse.urlsplit(self.path).path

    def do_GET(self):
        app = self.server.app
        path = self._path()
        if path == '/healthz':
            self._send_json(200, {'status': 'ok'})
        elif path.startswith('/status/'):
            status, body = app.handle_status(
                urllib.parse.unquote(path[len('/status/'):]),
                dict(self.headers.items()))
            self._send_json(status, body)
        elif path == '/gate':
            self._send_json(405, {'error': 'use POST for /gate'})
        else:
            self._send_json(404, {'error': 'no such path: %s' % path})

    def do_POST(self):
        app = self.server.app
        path = self._path()
        if path != '/gate':
            if path == '/healthz' or path.startswith('/status/'):
                self._send_json(405, {'error': 'use GET for %s' % path})
            else:
                self._send_json(404, {'error': 'no such path: %s' % path})
            return
        headers = dict(self.headers.items())
        try:
            raw = self._read_body()
        except protocol.ProtocolError as e:
            self._send_json(*app.refuse_gate(self.path, headers, e))
            return
        status, body, after = app.handle_gate(self.path, headers, raw)
        try:
            self._send_json(status, body)
        finally:
            if after is not None:
                after()

    def _read_body(self):
        if self.headers.get('Transfer-Encoding'):
            raise protocol.ProtocolError(
                400, 'chunked bodies are not supported: send a '
                     'Content-Length')
        length = self.headers.get('Content-Length')
        if length is None:
            raise protocol.ProtocolError(411, 'Content-Length required')
        try:
            length = int(length)
            if length < 0:
                raise ValueError()
        except ValueError:
            raise protocol.ProtocolError(400, 'invalid Content-Length %r'
                                         % length)
        if length > protocol.MAX_BODY:
            raise protocol.ProtocolError(413, 'body larger than %d bytes'
                                         % protocol.MAX_BODY)
        raw = self.rfile.read(length)
        if len(raw) != length:
            raise protocol.ProtocolError(
                400, 'body shorter than its Content-Length')
        return raw

    def do_PUT(self):
        self._send_json(405, {'error': 'method not allowed'})

    do_DELETE = do_PATCH = do_PUT
