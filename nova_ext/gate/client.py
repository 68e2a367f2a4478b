"""HTTP client of the third-party gate (nova-compute -> third party).

It speaks the protocol of README.rst: a signed JSON gate request, retried
with exponential backoff while the gate's deadline allows it, and the status
endpoint used for pull reconciliation. Every time budget is an absolute
``time.monotonic()`` deadline, so that retries and slow answers can never
make a guest wait longer than the gate promised.

requests' own ``timeout`` bounds each socket operation, not an exchange: a
third party (or a proxy) that trickles one byte at a time, or streams an
endless body, would hold the build slot and the instance lock for ever. So
each exchange runs under a watchdog that shuts its sockets down at the
exchange's deadline, and an answer is read in chunks up to ``MAX_BODY``.
The answer's ``status_url`` is followed only on the origin of
``[third_party_gate] url``: the request carries the tag, its signature and
the client certificate, which must not go to whatever URL an answer names.
"""

import hashlib
import hmac
import json
import socket
import threading
import time
from urllib import parse

from oslo_log import log as logging
import requests
from requests import adapters

from nova_ext.gate import event as gate_event

LOG = logging.getLogger(__name__)

SIGNATURE_HEADER = 'X-Nova-Ext-Signature'
TAG_HEADER = 'X-Nova-Ext-Tag'

COMPLETED = 'completed'
FAILED = 'failed'
PENDING = 'pending'
IN_PROGRESS = 'in-progress'
STATUSES = (COMPLETED, FAILED, PENDING, IN_PROGRESS)

# The largest answer read, in bytes. A verdict is a few hundred bytes; more
# than this is a misbehaving third party, not a verdict.
MAX_BODY = 256 * 1024
_CHUNK = 16 * 1024
_DEFAULT_PORTS = {'http': 80, 'https': 443}


class DeliveryError(Exception):
    """The third party could not be reached or gave an unusable answer.

    Its text is for nova-compute's log: it may name hosts and ports, so the
    gate never puts it in a user-visible fault.
    """


class Refused(DeliveryError):
    """The third party refused the request with a 4xx answer."""


class AuthRefused(Refused):
    """The third party answered 401 or 403: nova-compute's configuration
    (``secret``, ``client_cert``, ``client_key``) does not match the third
    party's. Never a reason to let a guest through.
    """


class Answer(object):
    """What the third party said: its status, reason and status URL."""

    def __init__(self, status, reason=None, status_url=None):
        self.status = status
        self.reason = reason
        self.status_url = status_url

    @property
    def pending(self):
        return self.status in (PENDING, IN_PROGRESS)

    def __repr__(self):
        return 'Answer(%r, %r, %r)' % (
            self.status, self.reason, self.status_url)


def sign(secret, data):
    """Return the signature header value of ``data`` (bytes)."""
    digest = hmac.new(secret.encode('utf-8'), data, hashlib.sha256)
    return 'sha256=' + digest.hexdigest()


def origin(url):
    """(scheme, host, port) of an http(s) URL, None if it has none."""
    try:
        parts = parse.urlsplit(url)
        port = parts.port
    except (TypeError, ValueError, AttributeError):
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def _valid_status_url(value, tag):
    if not isinstance(value, str):
        return None
    if origin(value) is not None:
        return value
    LOG.warning('Ignoring the status_url %r of the third party: not an '
                'absolute http(s) URL', gate_event.redact(value, tag))
    return None


def parse_answer(status_code, content, allow_empty, tag=None):
    """Turn a 2xx answer into an Answer or raise DeliveryError.

    :param status_code: the HTTP status.
    :param content: the body (bytes, at most MAX_BODY).
    :param allow_empty: whether an empty body means "pending".
    :param tag: the request's tag, kept out of log lines.
    """
    if not content.strip():
        if allow_empty:
            return Answer(PENDING)
        raise DeliveryError('empty answer (HTTP %d)' % status_code)
    try:
        data = json.loads(content)
    except ValueError:
        raise DeliveryError('answer is not valid JSON (HTTP %d)' %
                            status_code)
    if not isinstance(data, dict):
        raise DeliveryError('answer is not a JSON object (HTTP %d)' %
                            status_code)
    status = data.get('status')
    if status not in STATUSES:
        raise DeliveryError('answer has an unknown status %r (HTTP %d)' %
                            (status, status_code))
    reason = data.get('reason')
    if reason is not None and not isinstance(reason, str):
        reason = str(reason)
    return Answer(status, reason,
                  _valid_status_url(data.get('status_url'), tag))


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


class GateClient(object):
    """Sends gate requests and status lookups for one configuration.

    :param conf: the ``CONF.third_party_gate`` group.
    """

    def __init__(self, conf):
        self.url = conf.url
        self.secret = conf.secret
        self.request_timeout = conf.request_timeout
        self.max_retries = conf.max_retries
        self.retry_backoff = conf.retry_backoff
        if conf.insecure:
            self.verify = False
        else:
            self.verify = conf.ca_file or True
        if conf.client_cert and conf.client_key:
            self.cert = (conf.client_cert, conf.client_key)
        else:
            self.cert = conf.client_cert or None

    def same_origin(self, url):
        """Whether ``url`` has the scheme, host and port of ``url``."""
        mine = origin(self.url)
        return mine is not None and origin(url) == mine

    def _request(self, method, url, deadline, **kwargs):
        """One exchange, bounded as a whole by ``request_timeout`` and
        ``deadline``.

        :returns: (status code, body) of a 2xx answer.
        """
        end = min(deadline, time.monotonic() + self.request_timeout)
        timeout = end - time.monotonic()
        if timeout <= 0:
            raise DeliveryError('deadline passed')
        watchdog = _Watchdog(end)
        session = requests.Session()
        session.mount('http://', _GuardedAdapter(watchdog))
        session.mount('https://', _GuardedAdapter(watchdog))
        watchdog.start()
        try:
            with session.request(
                    method, url, timeout=timeout, verify=self.verify,
                    cert=self.cert, allow_redirects=False, stream=True,
                    **kwargs) as response:
                code = response.status_code
                if code in (401, 403):
                    raise AuthRefused('refused with HTTP %d' % code)
                if 400 <= code < 500:
                    raise Refused('refused with HTTP %d' % code)
                if not 200 <= code < 300:
                    raise DeliveryError('HTTP %d' % code)
                content = self._read(response, watchdog)
        except DeliveryError:
            raise
        except Exception as e:
            # requests, urllib3 and the socket layer each raise their own
            # errors from a socket the watchdog shut down.
            if watchdog.expired:
                raise DeliveryError('no complete answer within %.1f seconds'
                                    % timeout)
            raise DeliveryError('%s: %s' % (type(e).__name__, e))
        finally:
            watchdog.cancel()
            session.close()
        if watchdog.expired:
            # The shut down socket may also read as a clean end of file.
            raise DeliveryError('no complete answer within %.1f seconds'
                                % timeout)
        return code, content

    @staticmethod
    def _read(response, watchdog):
        length = response.headers.get('Content-Length', '')
        if length.isdigit() and int(length) > MAX_BODY:
            raise DeliveryError('answer of %s bytes, more than the %d read'
                                % (length, MAX_BODY))
        chunks = []
        size = 0
        for chunk in response.iter_content(_CHUNK):
            size += len(chunk)
            if size > MAX_BODY:
                raise DeliveryError('answer longer than the %d bytes read'
                                    % MAX_BODY)
            chunks.append(chunk)
            if watchdog.expired:
                break
        return b''.join(chunks)

    def send(self, body, tag, deadline):
        """POST the gate request; retry delivery failures until deadline.

        :param body: the request body (bytes, UTF-8 JSON).
        :param tag: the request's tag.
        :param deadline: ``time.monotonic()`` instant after which no try
            is started and no answer awaited.
        :returns: an Answer.
        :raises: Refused on a 4xx answer (AuthRefused on 401 and 403),
            DeliveryError when every try failed.
        """
        headers = {'Content-Type': 'application/json', TAG_HEADER: tag,
                   'Accept-Encoding': 'identity'}
        if self.secret:
            headers[SIGNATURE_HEADER] = sign(self.secret, body)
        backoff = self.retry_backoff
        attempt = 0
        while True:
            attempt += 1
            try:
                code, content = self._request('POST', self.url, deadline,
                                              data=body, headers=headers)
                return self._checked(parse_answer(
                    code, content, allow_empty=True, tag=tag), tag)
            except Refused:
                raise
            except DeliveryError as e:
                error = e
            LOG.warning('Third-party gate request to %(url)s failed '
                        '(try %(try)d of %(tries)d): %(error)s',
                        {'url': self.url, 'try': attempt,
                         'tries': self.max_retries + 1, 'error': error})
            if attempt > self.max_retries:
                raise DeliveryError('%s (after %d tries)' % (error, attempt))
            if time.monotonic() + backoff >= deadline:
                raise DeliveryError('%s (deadline reached after %d tries)'
                                    % (error, attempt))
            time.sleep(backoff)
            backoff *= 2

    def _checked(self, answer, tag):
        if answer.status_url and not self.same_origin(answer.status_url):
            LOG.warning('Ignoring the status_url %(status_url)s of the third '
                        'party: only URLs with the scheme, host and port of '
                        '[third_party_gate] url (%(url)s) are followed',
                        {'status_url': gate_event.redact(
                            answer.status_url, tag), 'url': self.url})
            answer.status_url = None
        return answer

    def get_status(self, status_url, tag, deadline):
        """GET the status endpoint once.

        :returns: an Answer.
        :raises: DeliveryError (or Refused) when there is no usable answer,
            and without sending anything when ``status_url`` is not on the
            origin of ``url``.
        """
        if not self.same_origin(status_url):
            raise DeliveryError('status_url %s is not on the origin of '
                                '[third_party_gate] url' %
                                gate_event.redact(status_url, tag))
        headers = {TAG_HEADER: tag, 'Accept-Encoding': 'identity'}
        if self.secret:
            headers[SIGNATURE_HEADER] = sign(self.secret, tag.encode('utf-8'))
        try:
            code, content = self._request('GET', status_url, deadline,
                                          headers=headers)
        except DeliveryError as e:
            # Its text may name the status URL, which may hold the tag.
            e.args = (gate_event.redact(str(e), tag),)
            raise
        return self._checked(parse_answer(code, content, allow_empty=False,
                                          tag=tag), tag)
