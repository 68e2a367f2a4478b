"""Third parties that misbehave on purpose, on loopback, for the tests.

Real TCP servers speaking just enough HTTP/1.1 to be dangerous: one trickles
its answer a byte at a time, one streams a body without end, one accepts no
connection at all. The unit tests of the client and the functional tests of
the gate point ``[third_party_gate] url`` at them and measure that every
exchange ends at its deadline, with a bounded amount read.
"""

import json
import socket
import threading
import time

import fixtures

OK_HEADERS = (b'HTTP/1.1 200 OK\r\n'
              b'Content-Type: application/json\r\n')


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

    def __init__(self, behaviour, interval=0.5, first=None):
        super().__init__()
        self.behaviour = behaviour
        self.first = first
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
        self.url = 'http://127.0.0.1:%d/gate' % port
        self.status_url = 'http://127.0.0.1:%d/status' % port
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
