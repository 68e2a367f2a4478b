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

"""HTTP exchanges bounded as a whole, for the gate's client.

requests' own ``timeout`` bounds each socket operation, not an exchange: a
third party (or a proxy) that trickles its answer one byte at a time, or
streams an endless body, would hold the build slot and the instance lock
(so the server's delete too) for ever, or exhaust nova-compute's memory.
Here each exchange runs under a watchdog that shuts its sockets down at the
exchange's deadline, proxied or not, over TLS or not, and an answer is read
in chunks up to ``MAX_BODY``. Only the resolution of the host name escapes
the watchdog: it has no socket to shut down.
"""

import socket
import threading
import time

import requests
from requests import adapters

# The largest answer read, in bytes. A verdict is a few hundred bytes; more
# than this is a misbehaving third party, not a verdict.
MAX_BODY = 256 * 1024
_CHUNK = 16 * 1024


class ExchangeError(Exception):
    """No complete answer: its text is for the log, and may name hosts."""


class _Watchdog(object):
    """Shuts the sockets of one exchange down at its deadline.

    A shut down socket wakes whatever waits on it (a thread, or a green
    thread under eventlet) with an end of file, so no read, TLS handshake
    or header line can outlive the deadline.
    """

    def __init__(self, end):
        self.expired = False
        self._lock = threading.Lock()
        self._socks = []
        self._timer = threading.Timer(max(0.0, end - time.monotonic()),
                                      self._expire)
        self._timer.daemon = True
        self._timer.name = 'nova-ext-gate-watchdog'

    def start(self):
        self._timer.start()

    def cancel(self):
        self._timer.cancel()

    def watch(self, sock):
        with self._lock:
            self._socks.append(sock)
            expired = self.expired
        if expired:
            self._shutdown(sock)

    def _expire(self):
        with self._lock:
            self.expired = True
            socks = list(self._socks)
        for sock in socks:
            self._shutdown(sock)

    @staticmethod
    def _shutdown(sock):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _guarded(pool_manager, watchdog):
    """Make every connection of ``pool_manager`` report its socket."""
    def guard(pool_cls):
        class Connection(pool_cls.ConnectionCls):
            # urllib3 opens the TCP socket in _new_conn(), before a TLS
            # handshake that could trickle too; connect() covers connection
            # classes that open it some other way (wsgi-intercept does).
            def _new_conn(self):
                sock = super()._new_conn()
                watchdog.watch(sock)
                return sock

            def connect(self):
                super().connect()
                if self.sock is not None:
                    watchdog.watch(self.sock)
        return type(pool_cls.__name__, (pool_cls,),
                    {'ConnectionCls': Connection})
    pool_manager.pool_classes_by_scheme = {
        scheme: guard(cls)
        for scheme, cls in pool_manager.pool_classes_by_scheme.items()}
    return pool_manager


class _GuardedAdapter(adapters.HTTPAdapter):
    """An HTTPAdapter whose connections, proxied or not, are watched."""

    def __init__(self, watchdog):
        self._watchdog = watchdog
        self._proxied = set()
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        _guarded(self.poolmanager, self._watchdog)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if proxy not in self._proxied:
            self._proxied.add(proxy)
            _guarded(manager, self._watchdog)
        return manager


def _read(response, watchdog):
    length = response.headers.get('Content-Length', '')
    if length.isdigit() and int(length) > MAX_BODY:
        raise ExchangeError('answer of %s bytes, more than the %d read'
                            % (length, MAX_BODY))
    chunks = []
    size = 0
    for chunk in response.iter_content(_CHUNK):
        size += len(chunk)
        if size > MAX_BODY:
            raise ExchangeError('answer longer than the %d bytes read'
                                % MAX_BODY)
        chunks.append(chunk)
        if watchdog.expired:
            break
    return b''.join(chunks)


def exchange(method, url, end, **kwargs):
    """Send one request and read its answer, all before ``end``.

    :param method: the HTTP method.
    :param url: the URL; redirects are not followed.
    :param end: the ``time.monotonic()`` instant the exchange must end by.
    :param kwargs: for ``requests.Session.request`` (``verify``, ``cert``,
        ``data``, ``headers``).
    :returns: (status code, body); the body is read only for a 2xx answer,
        and is empty otherwise.
    :raises: ExchangeError when there is no complete answer by ``end``, the
        answer is larger than MAX_BODY, or the exchange failed.
    """
    timeout = end - time.monotonic()
    if timeout <= 0:
        raise ExchangeError('deadline passed')
    headers = dict(kwargs.pop('headers', None) or {})
    # A compressed answer would be inflated before it is counted.
    headers.setdefault('Accept-Encoding', 'identity')
    watchdog = _Watchdog(end)
    session = requests.Session()
    session.mount('http://', _GuardedAdapter(watchdog))
    session.mount('https://', _GuardedAdapter(watchdog))
    watchdog.start()
    try:
        with session.request(method, url, timeout=timeout, headers=headers,
                             allow_redirects=False, stream=True,
                             **kwargs) as response:
            code = response.status_code
            content = b''
            if 200 <= code < 300:
                content = _read(response, watchdog)
    except ExchangeError:
        raise
    except Exception as e:
        # requests, urllib3 and the socket layer each raise their own
        # errors from a socket the watchdog shut down.
        if watchdog.expired:
            raise ExchangeError('no complete answer within %.1f seconds'
                                % timeout)
        raise ExchangeError('%s: %s' % (type(e).__name__, e))
    finally:
        watchdog.cancel()
        session.close()
    if watchdog.expired:
        # The shut down socket may also read as a clean end of file.
        raise ExchangeError('no complete answer within %.1f seconds'
                            % timeout)
    return code, content
