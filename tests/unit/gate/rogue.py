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

"""Third parties that misbehave on purpose, on loopback, for the tests.

Real TCP servers speaking just enough HTTP/1.1 to be dangerous: one trickles
its answer a byte at a time, one streams a body without end, one accepts no
connection at all. The unit tests of the client and the functional tests of
the gate point ``[third_party_gate] url`` at them and measure that every
exchange ends at its deadline, with a bounded amount read.
"""

import datetime
import http.server
import ipaddress
import json
import os
import socket
import ssl
import threading
import time

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography import x509
from cryptography.x509.oid import NameOID
import fixtures

from tests.unit.gate import fakes

OK_HEADERS = (b'HTTP/1.1 200 OK\r\n'
              b'Content-Type: application/json\r\n')


def make_certificate(directory):
    """A self-signed certificate for 127.0.0.1: (cert path, key path)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, '127.0.0.1')])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = x509.CertificateBuilder().subject_name(name).issuer_name(
        name).public_key(key.public_key()).serial_number(
        x509.random_serial_number()).not_valid_before(
        now - datetime.timedelta(days=1)).not_valid_after(
        now + datetime.timedelta(days=1)).add_extension(
        x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]),
        critical=False).add_extension(
        x509.BasicConstraints(ca=True, path_length=None),
        critical=True).sign(key, hashes.SHA256())
    cert_path = os.path.join(directory, 'cert.pem')
    key_path = os.path.join(directory, 'key.pem')
    with open(cert_path, 'wb') as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, 'wb') as f:
        f.write(key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
    return cert_path, key_path


def server_context(directory):
    """A TLS server context and the CA file that verifies it."""
    cert, key = make_certificate(directory)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context, cert


class TLSThirdParty(fakes.FakeThirdParty):
    """The scriptable third party of ``fakes``, over TLS."""

    def _setUp(self):
        directory = self.useFixture(fixtures.TempDir()).path
        context, self.ca_file = server_context(directory)
        original = http.server.ThreadingHTTPServer

        class Server(original):
            def get_request(self):
                conn, addr = super().get_request()
                return context.wrap_socket(conn, server_side=True), addr

        self.useFixture(fixtures.MonkeyPatch(
            'http.server.ThreadingHTTPServer', Server))
        super()._setUp()
        self.url = self.url.replace('http://', 'https://')
        self.status_url = self.status_url.replace('http://', 'https://')


class RogueServer(fixtures.Fixture):
    """A loopback server running ``behaviour(conn)`` for each connection.

    :param behaviour: ``'trickle-headers'`` (the status line and headers,
        one byte every ``interval`` seconds, for ever),
        ``'trickle-body'`` (headers at once, then a body announced as 200
        bytes, one byte every ``interval`` seconds), ``'endless'`` (headers at
        once, then a body without length sent as fast as it is read) or
        ``'huge-length'`` (a Content-Length of 1 GiB, then an endless body).
    :param first: a JSON-able body answered with a 202 to the first
        connection only, before the behaviour applies to the next ones
        (``'%(status_url)s'`` in its strings is this server's status URL).
    """

    def __init__(self, behaviour, interval=0.5, first=None, tls=False):
        super().__init__()
        self.behaviour = behaviour
        self.first = first
        self.tls = tls
        self.ca_file = None
        self.interval = interval
        self.connections = 0
        self.connected_at = []
        self.bytes_sent = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def _setUp(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        port = self.sock.getsockname()[1]
        scheme = 'https' if self.tls else 'http'
        self.url = '%s://127.0.0.1:%d/gate' % (scheme, port)
        self.status_url = '%s://127.0.0.1:%d/status' % (scheme, port)
        if self.tls:
            self.context, self.ca_file = server_context(
                self.useFixture(fixtures.TempDir()).path)
        thread = threading.Thread(target=self._serve, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 5)
        self.addCleanup(self._stop.set)

    def _serve(self):
        threads = []
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            with self._lock:
                self.connections += 1
                self.connected_at.append(time.monotonic())
            thread = threading.Thread(target=self._handle, args=(conn,),
                                      daemon=True)
            thread.start()
            threads.append(thread)
        self.sock.close()
        for thread in threads:
            thread.join(5)

    def _send(self, conn, data):
        conn.sendall(data)
        with self._lock:
            self.bytes_sent += len(data)

    def _handle(self, conn):
        conn.settimeout(1)
        try:
            if self.tls:
                conn = self.context.wrap_socket(conn, server_side=True)
            # The request itself does not matter, only what comes back.
            conn.recv(65536)
            with self._lock:
                first = self.first is not None and self.connections == 1
            if first:
                body = json.dumps(self.first) % {
                    'status_url': self.status_url}
                self._send(conn, b'HTTP/1.1 202 Accepted\r\n'
                           b'Content-Type: application/json\r\n'
                           b'Content-Length: %d\r\n\r\n%s' % (
                               len(body), body.encode('utf-8')))
            elif self.behaviour == 'trickle-headers':
                data = OK_HEADERS + b'X-Padding: ' + b'a' * 10 ** 6
                for i in range(len(data)):
                    self._send(conn, data[i:i + 1])
                    if self._stop.wait(self.interval):
                        return
            elif self.behaviour == 'trickle-body':
                self._send(conn, OK_HEADERS + b'Content-Length: 200'
                           b'\r\n\r\n')
                while not self._stop.wait(self.interval):
                    self._send(conn, b' ')
            else:
                length = (b'Content-Length: 1073741824\r\n'
                          if self.behaviour == 'huge-length' else b'')
                self._send(conn, OK_HEADERS + length +
                           b'Connection: close\r\n\r\n')
                block = b' ' * 65536
                while not self._stop.is_set():
                    self._send(conn, block)
        except OSError:
            # The client went away: what the tests want.
            pass
        finally:
            conn.close()


class NoAccept(fixtures.Fixture):
    """A port whose connects hang: its listen queue is full, never served."""

    def _setUp(self):
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(0)
        self.addCleanup(self.sock.close)
        port = self.sock.getsockname()[1]
        self.url = 'http://127.0.0.1:%d/gate' % port
        # Fill the accept queue; SYNs to a full queue are dropped, so any
        # further connect waits for ever.
        self._fillers = []
        for _ in range(8):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(('127.0.0.1', port))
            self._fillers.append(filler)
            self.addCleanup(filler.close)
        time.sleep(0.1)
