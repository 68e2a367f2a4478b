"""Reference third party for the nova-ext gate (``nova-ext-gate-reference``).

A small but real HTTP service that speaks the third-party side of the gate
protocol (README / PROTOCOL section 6). It exists so that the gate can be
demonstrated and tested end to end against something that is not a mock:
functional tests, the demo and DevStack all run this very server.

HTTP endpoints (stdlib ``http.server.ThreadingHTTPServer``, one thread per
request, HTTP/1.0 so that every connection closes after its answer):

* ``POST /gate``: a gate request. With a secret, ``X-Nova-Ext-Signature:
  sha256=<hex HMAC-SHA256(secret, body)>`` is required (401 otherwise).
  Malformed requests get a 400 JSON error naming the problem.
* ``GET /status/<tag>``: the status endpoint, ``{"status": ..., "reason":
  ...}``; with a secret the signature covers the tag bytes. 404 for an
  unknown tag.
* ``GET /healthz``: ``{"status": "ok"}``.

Rules, checked in this order: ``ignore_name`` (accept with ``202 pending``
and never decide unless a test calls :meth:`ReferenceThirdParty.decide`: the
gate then times out), ``reject_name`` (reject, reason ``display name matches
<REGEX>`` unless ``reject_reason`` is given), otherwise approve. Regexes are
applied with ``re.search`` to the display name.

Modes:

* ``sync``: wait ``delay`` seconds, then answer ``200 {"status":
  "completed"|"failed", "reason": ...}``.
* ``async``: answer ``202 {"status": "pending", "status_url": ...}`` at once;
  after the answer is written, wait ``delay`` seconds (posting an
  ``in-progress`` heartbeat event every ``heartbeat`` seconds meanwhile),
  record the verdict (so the status endpoint knows its reason) and then post
  it as a ``third-party-gate`` event to Nova.
* ``manual`` (Python API only): answer ``202 pending`` and do nothing else;
  the test decides with :meth:`~ReferenceThirdParty.decide` and
  :meth:`~ReferenceThirdParty.heartbeat`.

A repeated tag (the gate retrying a delivery) does not start a second
decision: a decided tag is answered with its verdict, a pending one with
``202 pending`` (``sync`` waits for the first decision). ``fail_first=N``
answers ``503`` to the first N deliveries of each tag, to exercise the gate's
retries against a real server.

Python API::

    from nova_ext.reference import events
    from nova_ext.reference import server

    poster = events.NovaEventPoster.from_endpoint(
        'http://compute-api:80/v2.1', headers=events.reporter_headers())
    with server.ReferenceThirdParty(mode='async', reject_name='^bad',
                                    secret='s3cret', nova=poster) as tp:
        # configure [third_party_gate] url = tp.url, secret = 's3cret'
        ...
        tp.wait_for_requests(1)
        req = tp.requests[0]          # GateRequest: .body, .headers, ...
        tp.wait_for_decision(req.body['tag'])
        tp.decisions[req.body['tag']].status   # 'completed' / 'failed'
        tp.events                     # PostResult list of posted events

``ReferenceThirdParty(host='127.0.0.1', port=0, secret=None, mode='sync',
reject_name=None, ignore_name=None, delay=0.0, heartbeat=None, nova=None,
reject_reason=None, approve_reason=..., fail_first=0,
offer_status_url=True)``:

* ``secret``: str or bytes; None disables signature checks.
* ``offer_status_url=False`` leaves ``status_url`` out of pending answers
  (``{"status": "pending"}``), for the gate's no-status-endpoint path; the
  endpoint itself still answers.
* ``nova``: where async verdicts go: a :class:`~.events.NovaEventPoster`, a
  keystoneauth1 ``Adapter`` or ``Session`` (wrapped into a poster), or any
  callable ``f(event_dict)`` (called with ``{"name", "server_uuid", "tag",
  "status"}``). ``nova_endpoint=URL`` with ``nova_headers={...}`` builds a
  ``keystoneauth1.noauth`` poster instead. Required for ``async``.
* Attributes: ``url`` (the gate URL), ``base_url``, ``port``,
  ``status_url(tag)``, ``requests`` (list of :class:`GateRequest`, every
  ``POST /gate`` received, valid or not), ``decisions`` (dict tag ->
  :class:`Decision` copy), ``events`` (list of
  :class:`~.events.PostResult`), ``status_queries`` (list of
  :class:`StatusQuery`).
* Methods: ``start()``, ``stop()`` (idempotent; joins every thread it
  started), context manager, ``decide(tag, status, reason=None,
  post=True)``, ``heartbeat(tag)``, ``wait_for_requests(n, timeout)``,
  ``wait_for_decision(tag, timeout)``, ``wait_for_events(n, timeout)``,
  ``reset()``.

Every method is thread-safe; the recorded lists and dicts are snapshots.
"""

import argparse
import collections
import dataclasses
import datetime
import hashlib
import hmac
import http.server
import ipaddress
import json
import logging
import os
import re
import signal
import socket
import sys
import threading
import time
import urllib.parse
import uuid

from nova_ext.reference import events as ref_events

LOG = logging.getLogger(__name__)

MODES = ('sync', 'async', 'manual')
SIGNATURE_HEADER = 'X-Nova-Ext-Signature'
TAG_HEADER = 'X-Nova-Ext-Tag'
SIGNATURE_PREFIX = 'sha256='
PROTOCOL_VERSION = 1
MAX_BODY = 1024 * 1024
MAX_TAG_LENGTH = 255
MAX_RECORDS = 10000
DEFAULT_APPROVE_REASON = 'approved by the reference third party'
REJECT_REASON_TEMPLATE = 'display name matches %s'
PENDING_REASON = 'no verdict yet'
IGNORED_REASON = 'ignored by the reference third party'


def sign(secret, data):
    """Return the ``X-Nova-Ext-Signature`` value for ``data``.

    :param secret: the shared secret (str or bytes).
    :param data: the signed bytes (the body, or the tag for the status
        endpoint); a str is UTF-8 encoded.
    """
    if isinstance(secret, str):
        secret = secret.encode('utf-8')
    if isinstance(data, str):
        data = data.encode('utf-8')
    return SIGNATURE_PREFIX + hmac.new(secret, data,
                                       hashlib.sha256).hexdigest()


@dataclasses.dataclass
class GateRequest:
    """One ``POST /gate`` as received, with the answer it got."""

    path: str
    headers: dict
    raw: bytes
    body: object = None
    signature_valid: bool = None
    response_status: int = None
    response_body: dict = None
    received_at: float = dataclasses.field(default_factory=time.time)

    @property
    def tag(self):
        return self.body.get('tag') if isinstance(self.body, dict) else None

    @property
    def server_uuid(self):
        if isinstance(self.body, dict):
            return self.body.get('server_uuid')
        return None


@dataclasses.dataclass
class Decision:
    """The state of one gate request (one tag), as the status endpoint says.

    ``status`` is ``pending`` until decided, ``in-progress`` once a
    heartbeat was posted, then ``completed`` or ``failed``.
    """

    tag: str
    server_uuid: str
    display_name: str
    rule: str
    mode: str
    status: str = 'pending'
    reason: str = PENDING_REASON
    heartbeats: int = 0
    created_at: float = dataclasses.field(default_factory=time.time)
    decided_at: float = None

    @property
    def decided(self):
        return self.status in ref_events.VERDICT_STATUSES

    def as_json(self):
        return {'status': self.status, 'reason': self.reason,
                'tag': self.tag, 'server_uuid': self.server_uuid}


@dataclasses.dataclass
class StatusQuery:
    """One ``GET /status/<tag>`` as received, with its answer."""

    tag: str
    headers: dict
    response_status: int = None
    response_body: dict = None
    received_at: float = dataclasses.field(default_factory=time.time)


class _HTTPError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def _compile(name, pattern):
    if pattern is None or isinstance(pattern, re.Pattern):
        return pattern
    try:
        return re.compile(pattern)
    except (re.error, TypeError) as e:
        raise ValueError('%s: invalid regular expression %r: %s'
                         % (name, pattern, e))


def _parse_time(value):
    """Parse a protocol time: ISO 8601 with a time zone (UTC ``Z``)."""
    if not isinstance(value, str):
        raise ValueError('not a string')
    parsed = datetime.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError('no time zone')
    return parsed


class _Server(http.server.ThreadingHTTPServer):
    # Handler threads are joined by server_close() so that stop() leaves no
    # thread behind; every wait in a handler is cut short by stop().
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True


class _Server6(_Server):
    address_family = socket.AF_INET6


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
            status, body = app._handle_status(
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
        try:
            raw = self._read_body()
        except _HTTPError as e:
            app._record_request(self.path, dict(self.headers.items()), b'',
                                e.status, {'error': e.message})
            self._send_json(e.status, {'error': e.message})
            return
        status, body, after = app._handle_gate(
            self.path, dict(self.headers.items()), raw)
        try:
            self._send_json(status, body)
        finally:
            if after is not None:
                after()

    def _read_body(self):
        if self.headers.get('Transfer-Encoding'):
            raise _HTTPError(400, 'chunked bodies are not supported: send '
                                  'a Content-Length')
        length = self.headers.get('Content-Length')
        if length is None:
            raise _HTTPError(411, 'Content-Length required')
        try:
            length = int(length)
            if length < 0:
                raise ValueError()
        except ValueError:
            raise _HTTPError(400, 'invalid Content-Length %r' % length)
        if length > MAX_BODY:
            raise _HTTPError(413, 'body larger than %d bytes' % MAX_BODY)
        raw = self.rfile.read(length)
        if len(raw) != length:
            raise _HTTPError(400, 'body shorter than its Content-Length')
        return raw

    def do_PUT(self):
        self._send_json(405, {'error': 'method not allowed'})

    do_DELETE = do_PATCH = do_PUT


class ReferenceThirdParty(object):
    """The reference third party: a real HTTP server with scripted rules.

    See the module docstring for the protocol side and the full API. The
    server binds at :meth:`start` (``port=0`` picks a free port, read it
    back from :attr:`port` / :attr:`url`).
    """

    def __init__(self, host='127.0.0.1', port=0, secret=None, mode='sync',
                 reject_name=None, ignore_name=None, delay=0.0,
                 heartbeat=None, nova=None, nova_endpoint=None,
                 nova_headers=None, reject_reason=None,
                 approve_reason=DEFAULT_APPROVE_REASON, fail_first=0,
                 offer_status_url=True):
        if mode not in MODES:
            raise ValueError('mode must be one of %s, not %r'
                             % (', '.join(MODES), mode))
        if not isinstance(port, int) or not 0 <= port <= 65535:
            raise ValueError('port must be an integer between 0 and 65535, '
                             'not %r' % (port,))
        try:
            delay = float(delay or 0)
        except (TypeError, ValueError):
            raise ValueError('delay must be a number of seconds, not %r'
                             % (delay,))
        if delay < 0:
            raise ValueError('delay must not be negative, not %r' % delay)
        if heartbeat is not None:
            try:
                heartbeat = float(heartbeat)
            except (TypeError, ValueError):
                raise ValueError('heartbeat must be a number of seconds, '
                                 'not %r' % (heartbeat,))
            if heartbeat <= 0:
                raise ValueError('heartbeat must be positive, not %r'
                                 % heartbeat)
            if mode != 'async':
                raise ValueError('heartbeat needs mode async (heartbeats '
                                 'are events; a sync answer has none)')
        if not isinstance(fail_first, int) or fail_first < 0:
            raise ValueError('fail_first must be a non-negative integer, '
                             'not %r' % (fail_first,))
        if isinstance(secret, str):
            secret = secret.encode('utf-8')
        if secret is not None and not secret:
            raise ValueError('secret must not be empty (use None for no '
                             'signature checks)')
        if nova is None and nova_endpoint is not None:
            nova = ref_events.NovaEventPoster.from_endpoint(
                nova_endpoint, headers=nova_headers)
        elif nova is not None and nova_endpoint is not None:
            raise ValueError('give either nova or nova_endpoint, not both')
        self._post = self._make_post(nova)
        if mode == 'async' and self._post is None:
            raise ValueError('mode async needs nova (a NovaEventPoster, a '
                             'keystoneauth1 Adapter/Session or a callable) '
                             'or nova_endpoint to post verdicts to')

        self.host = host
        self._requested_port = port
        self.secret = secret
        self.mode = mode
        self.reject_name = _compile('reject_name', reject_name)
        self.ignore_name = _compile('ignore_name', ignore_name)
        self.delay = delay
        self.heartbeat_interval = heartbeat
        self.reject_reason = reject_reason
        self.approve_reason = approve_reason
        self.fail_first = fail_first
        self.offer_status_url = offer_status_url

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._httpd = None
        self._serve_thread = None
        self._workers = set()
        self._requests = []
        self._decisions = collections.OrderedDict()
        self._events = []
        self._status_queries = []
        self._deliveries = collections.Counter()

    # -- nova side ----------------------------------------------------------

    @staticmethod
    def _make_post(nova):
        if nova is None:
            return None
        if isinstance(nova, ref_events.NovaEventPoster):
            return nova.post_event
        if hasattr(nova, 'post') and hasattr(nova, 'request'):
            # A keystoneauth1 Adapter or Session.
            return ref_events.NovaEventPoster(nova).post_event
        if callable(nova):
            def post(server_uuid, tag, status):
                event = {'name': ref_events.EVENT_NAME,
                         'server_uuid': server_uuid, 'tag': tag,
                         'status': status}
                result = ref_events.PostResult(event=event)
                try:
                    result.body = nova(event)
                    result.status_code = 200
                except Exception as e:
                    LOG.exception('Event callable failed for %s', tag)
                    result.error = '%s: %s' % (type(e).__name__, e)
                return result
            return post
        raise TypeError('nova must be a NovaEventPoster, a keystoneauth1 '
                        'Adapter or Session, or a callable, not %r'
                        % (nova,))

    # -- lifecycle ----------------------------------------------------------

    def start(self):
        """Bind and serve in a background thread; returns self."""
        with self._lock:
            if self._httpd is not None:
                raise RuntimeError('reference third party already started')
            self._stopping.clear()
            cls = _Server6 if ':' in self.host else _Server
            httpd = cls((self.host, self._requested_port), _Handler)
            httpd.app = self
            self._httpd = httpd
        try:
            if not ipaddress.ip_address(
                    httpd.server_address[0]).is_loopback:
                LOG.warning('Listening on %s, which is not a loopback '
                            'address', httpd.server_address[0])
        except ValueError:
            pass
        self._serve_thread = threading.Thread(
            target=httpd.serve_forever, kwargs={'poll_interval': 0.1},
            name='nova-ext-gate-reference', daemon=True)
        self._serve_thread.start()
        LOG.info('Reference third party listening on %s (mode %s)',
                 self.url, self.mode)
        return self

    def stop(self):
        """Stop serving and join every thread; safe to call twice."""
        with self._cond:
            httpd = self._httpd
            if httpd is None:
                return
            self._stopping.set()
            self._cond.notify_all()
        httpd.shutdown()
        # Joins the request threads too (block_on_close).
        httpd.server_close()
        self._serve_thread.join()
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            worker.join(timeout=60)
            if worker.is_alive():  # pragma: no cover - a hung Nova
                LOG.warning('Verdict thread %s did not end', worker.name)
        with self._lock:
            self._httpd = None
            self._serve_thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self):
        """The bound port (the real one when started with port 0)."""
        if self._httpd is None:
            raise RuntimeError('reference third party not started')
        return self._httpd.server_address[1]

    @property
    def base_url(self):
        """``http://host:port``, without a path."""
        host = self.host
        if ':' in host:
            host = '[%s]' % host
        return 'http://%s:%d' % (host, self.port)

    @property
    def url(self):
        """The gate URL (``[third_party_gate] url``)."""
        return self.base_url + '/gate'

    def status_url(self, tag):
        """The status endpoint URL of ``tag`` (as offered to the gate)."""
        return '%s/status/%s' % (self.base_url,
                                 urllib.parse.quote(tag, safe=''))

    # -- records ------------------------------------------------------------

    @property
    def requests(self):
        """Every ``POST /gate`` received (copies), oldest first."""
        with self._lock:
            return [dataclasses.replace(r) for r in self._requests]

    @property
    def decisions(self):
        """Tag -> :class:`Decision` (copies), oldest first."""
        with self._lock:
            return collections.OrderedDict(
                (t, dataclasses.replace(d))
                for t, d in self._decisions.items())

    @property
    def events(self):
        """Every event posted to Nova (:class:`~.events.PostResult`)."""
        with self._lock:
            return list(self._events)

    @property
    def status_queries(self):
        """Every ``GET /status/<tag>`` received (copies), oldest first."""
        with self._lock:
            return [dataclasses.replace(q) for q in self._status_queries]

    def reset(self):
        """Forget every request, decision, event and status query."""
        with self._lock:
            del self._requests[:]
            self._decisions.clear()
            del self._events[:]
            del self._status_queries[:]
            self._deliveries.clear()

    def _wait(self, predicate, timeout, what):
        with self._cond:
            if not self._cond.wait_for(predicate, timeout):
                raise TimeoutError('timed out after %ss waiting for %s'
                                   % (timeout, what))

    def wait_for_requests(self, count=1, timeout=30):
        """Wait until ``count`` gate requests were answered; return them."""
        self._wait(lambda: len([r for r in self._requests
                                if r.response_status is not None]) >= count,
                   timeout, '%d gate request(s)' % count)
        return self.requests

    def wait_for_decision(self, tag, timeout=30):
        """Wait until ``tag`` is decided; return its :class:`Decision`."""
        self._wait(lambda: (tag in self._decisions and
                            self._decisions[tag].decided),
                   timeout, 'a decision on tag %s' % tag)
        return self.decisions[tag]

    def wait_for_events(self, count=1, timeout=30):
        """Wait until ``count`` events were posted; return them."""
        self._wait(lambda: len(self._events) >= count, timeout,
                   '%d posted event(s)' % count)
        return self.events

    def _record_request(self, path, headers, raw, status=None, body=None):
        req = GateRequest(path=path, headers=headers, raw=raw,
                          response_status=status, response_body=body)
        with self._cond:
            self._requests.append(req)
            del self._requests[:-MAX_RECORDS]
            self._cond.notify_all()
        return req

    def _finish_request(self, req, status, body):
        with self._cond:
            req.response_status = status
            req.response_body = body
            self._cond.notify_all()
        return status, body

    # -- decisions ----------------------------------------------------------

    def decide(self, tag, status, reason=None, post=True):
        """Decide a pending tag (any mode) and post the verdict to Nova.

        :param status: ``completed`` (approve) or ``failed`` (reject).
        :param post: False records the verdict only (the status endpoint
            answers it) without posting the event, to play a lost event.
        :returns: the :class:`~.events.PostResult`, or None when not posted.
        :raises KeyError: unknown tag; ``ValueError``: already decided.
        """
        if status not in ref_events.VERDICT_STATUSES:
            raise ValueError('status must be completed or failed, not %r'
                             % (status,))
        with self._cond:
            decision = self._decisions[tag]
            if decision.decided:
                raise ValueError('tag %s is already %s' % (tag,
                                                           decision.status))
            self._set_verdict(decision, status, reason)
        if post:
            return self._post_event(decision, status)
        return None

    def heartbeat(self, tag):
        """Post an ``in-progress`` event for a pending tag."""
        with self._lock:
            decision = self._decisions[tag]
            if decision.decided:
                raise ValueError('tag %s is already %s' % (tag,
                                                           decision.status))
        return self._post_event(decision, 'in-progress')

    def _set_verdict(self, decision, status, reason):
        with self._cond:
            decision.status = status
            decision.reason = reason or (
                self.approve_reason if status == 'completed'
                else 'rejected by the reference third party')
            decision.decided_at = time.time()
            self._cond.notify_all()
        LOG.info('Decision for server %s (tag %s, display name %r): %s '
                 '(%s)', decision.server_uuid, decision.tag,
                 decision.display_name, decision.status, decision.reason)

    def _post_event(self, decision, status):
        if self._post is None:
            raise RuntimeError('no nova configured to post events to')
        if status == 'in-progress':
            # Said before the event leaves, so that whoever receives it
            # (the gate) finds the status endpoint agreeing.
            with self._cond:
                if not decision.decided:
                    decision.status = 'in-progress'
                decision.heartbeats += 1
                self._cond.notify_all()
        result = self._post(decision.server_uuid, decision.tag, status)
        with self._cond:
            self._events.append(result)
            del self._events[:-MAX_RECORDS]
            self._cond.notify_all()
        return result

    def _rule_for(self, display_name):
        name = display_name or ''
        if self.ignore_name is not None and self.ignore_name.search(name):
            return 'ignore', None, None
        if self.reject_name is not None and self.reject_name.search(name):
            return 'reject', 'failed', (
                self.reject_reason or
                REJECT_REASON_TEMPLATE % self.reject_name.pattern)
        return 'approve', 'completed', self.approve_reason

    def _pending_answer(self, tag):
        if not self.offer_status_url:
            return 202, {'status': 'pending'}
        return 202, {'status': 'pending', 'status_url': self.status_url(tag)}

    def _verdict_answer(self, decision):
        return 200, {'status': decision.status, 'reason': decision.reason}

    def _check_signature(self, headers, data):
        if self.secret is None:
            return None
        given = _header(headers, SIGNATURE_HEADER)
        if given is None:
            raise _HTTPError(401, 'missing %s header' % SIGNATURE_HEADER)
        expected = sign(self.secret, data).encode('ascii')
        if not hmac.compare_digest(expected,
                                   given.encode('utf-8', 'replace')):
            raise _HTTPError(401, '%s does not match' % SIGNATURE_HEADER)
        return True

    def _validate(self, headers, raw):
        try:
            body = json.loads(raw.decode('utf-8'))
        except (UnicodeDecodeError, ValueError) as e:
            raise _HTTPError(400, 'body is not valid JSON: %s' % e)
        if not isinstance(body, dict):
            raise _HTTPError(400, 'body must be a JSON object')
        return body

    @staticmethod
    def _check_fields(body, headers):
        version = body.get('version')
        if version != PROTOCOL_VERSION or isinstance(version, bool):
            raise _HTTPError(400, 'unsupported protocol version %r (this '
                                  'server speaks %d)' % (version,
                                                         PROTOCOL_VERSION))
        server_uuid = body.get('server_uuid')
        try:
            uuid.UUID(server_uuid)
        except (TypeError, ValueError, AttributeError):
            raise _HTTPError(400, 'server_uuid must be a UUID, not %r'
                             % (server_uuid,))
        tag = body.get('tag')
        if not isinstance(tag, str) or not 0 < len(tag) <= MAX_TAG_LENGTH:
            raise _HTTPError(400, 'tag must be a non-empty string of at most '
                                  '%d characters' % MAX_TAG_LENGTH)
        header_tag = _header(headers, TAG_HEADER)
        if header_tag is not None and header_tag != tag:
            raise _HTTPError(400, '%s header does not match the body tag'
                             % TAG_HEADER)
        if 'display_name' not in body:
            raise _HTTPError(400, 'display_name is missing')
        if not isinstance(body['display_name'], (str, type(None))):
            raise _HTTPError(400, 'display_name must be a string or null')
        if not isinstance(body.get('operation'), str):
            raise _HTTPError(400, 'operation must be a string')
        for field in ('deadline', 'max_deadline'):
            try:
                _parse_time(body.get(field))
            except ValueError:
                raise _HTTPError(400, '%s must be an ISO 8601 time with a '
                                      'time zone, not %r'
                                 % (field, body.get(field)))

    def _handle_gate(self, path, headers, raw):
        """Answer one gate request: (status, JSON body, after-send hook)."""
        req = self._record_request(path, headers, raw)
        try:
            req.signature_valid = self._check_signature(headers, raw)
            req.body = body = self._validate(headers, raw)
            self._check_fields(body, headers)
        except _HTTPError as e:
            if e.status == 401:
                req.signature_valid = False
            LOG.warning('Refused gate request: %s %s', e.status, e.message)
            return self._finish_request(req, e.status,
                                        {'error': e.message}) + (None,)
        tag = body['tag']
        LOG.info('Gate request for server %s (tag %s, display name %r, '
                 'operation %s, mode %s)', body['server_uuid'], tag,
                 body['display_name'], body['operation'], body.get('mode'))
        with self._cond:
            self._deliveries[tag] += 1
            while len(self._deliveries) > MAX_RECORDS:
                # Counters keep insertion order: forget the oldest tags.
                del self._deliveries[next(iter(self._deliveries))]
            if self._deliveries[tag] <= self.fail_first:
                LOG.info('Simulated failure %d/%d for tag %s',
                         self._deliveries[tag], self.fail_first, tag)
                return self._finish_request(
                    req, 503, {'error': 'simulated failure %d of %d' % (
                        self._deliveries[tag], self.fail_first)}) + (None,)
            decision = self._decisions.get(tag)
            is_new = decision is None
            if is_new:
                rule, verdict, reason = self._rule_for(body['display_name'])
                decision = Decision(
                    tag=tag, server_uuid=body['server_uuid'],
                    display_name=body['display_name'], rule=rule,
                    mode=self.mode)
                if rule == 'ignore':
                    decision.reason = IGNORED_REASON
                self._decisions[tag] = decision
                while len(self._decisions) > MAX_RECORDS:
                    self._decisions.popitem(last=False)
                self._cond.notify_all()
            else:
                LOG.info('Repeated gate request for tag %s (%s)', tag,
                         decision.status)

        if not is_new:
            if not decision.decided and decision.mode == 'sync' and (
                    decision.rule != 'ignore'):
                with self._cond:
                    self._cond.wait_for(
                        lambda: decision.decided or self._stopping.is_set())
            if decision.decided:
                answer = self._verdict_answer(decision)
            elif self._stopping.is_set():
                answer = 503, {'error': 'shutting down'}
            else:
                answer = self._pending_answer(tag)
            return self._finish_request(req, *answer) + (None,)

        if rule == 'ignore' or self.mode == 'manual':
            LOG.info('Tag %s left pending (%s)', tag,
                     'ignored' if rule == 'ignore' else 'manual mode')
            return self._finish_request(
                req, *self._pending_answer(tag)) + (None,)

        if self.mode == 'sync':
            if self.delay and self._stopping.wait(self.delay):
                return self._finish_request(
                    req, 503, {'error': 'shutting down'}) + (None,)
            self._set_verdict(decision, verdict, reason)
            return self._finish_request(
                req, *self._verdict_answer(decision)) + (None,)

        # async: the verdict thread starts once the 202 has been written, so
        # that the gate has the answer before any event can reach Nova.
        def after():
            worker = threading.Thread(
                target=self._async_verdict,
                args=(decision, verdict, reason),
                name='nova-ext-gate-reference-%s' % tag[:8], daemon=True)
            with self._lock:
                self._workers.add(worker)
            worker.start()
        return self._finish_request(
            req, *self._pending_answer(tag)) + (after,)

    def _async_verdict(self, decision, verdict, reason):
        try:
            # Heartbeats go at fixed times (start + k * interval) so that
            # slow event posts do not make them drift.
            start = time.monotonic()
            end = start + self.delay
            beats = 0
            while True:
                now = time.monotonic()
                wake = end
                if self.heartbeat_interval:
                    wake = min(end, start + (beats + 1) *
                               self.heartbeat_interval)
                if self._stopping.wait(max(0.0, wake - now)):
                    LOG.info('Stopping: tag %s left undecided',
                             decision.tag)
                    return
                if decision.decided:
                    return
                if wake >= end:
                    break
                self._post_event(decision, 'in-progress')
                # Beats missed during a slow post are skipped, not bunched.
                beats = max(beats + 1, int((time.monotonic() - start) //
                                           self.heartbeat_interval))
            with self._cond:
                if decision.decided:
                    return
                self._set_verdict(decision, verdict, reason)
            self._post_event(decision, verdict)
        except Exception:  # pragma: no cover - logged, never silent
            LOG.exception('Verdict thread for tag %s failed', decision.tag)
        finally:
            with self._lock:
                self._workers.discard(threading.current_thread())

    def _handle_status(self, tag, headers):
        query = StatusQuery(tag=tag, headers=headers)
        try:
            if not tag:
                raise _HTTPError(404, 'no tag given')
            self._check_signature(headers, tag.encode('utf-8'))
            header_tag = _header(headers, TAG_HEADER)
            if header_tag is not None and header_tag != tag:
                raise _HTTPError(400, '%s header does not match the URL'
                                 % TAG_HEADER)
            with self._lock:
                decision = self._decisions.get(tag)
                if decision is None:
                    raise _HTTPError(404, 'unknown tag %s' % tag)
                status, body = 200, decision.as_json()
        except _HTTPError as e:
            status, body = e.status, {'error': e.message}
        LOG.info('Status query for tag %s: %s %s', tag, status,
                 body.get('status', body.get('error')))
        query.response_status, query.response_body = status, body
        with self._cond:
            self._status_queries.append(query)
            del self._status_queries[:-MAX_RECORDS]
            self._cond.notify_all()
        return status, body


def _header(headers, name):
    name = name.lower()
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


# -- command line -------------------------------------------------------------


def _non_negative_float(flag):
    def parse(value):
        try:
            number = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError('%s needs a number of seconds, '
                                             'not %r' % (flag, value))
        if number < 0 or number != number:
            raise argparse.ArgumentTypeError('%s must not be negative'
                                             % flag)
        return number
    return parse


def _positive_float(flag):
    def parse(value):
        number = _non_negative_float(flag)(value)
        if number == 0:
            raise argparse.ArgumentTypeError('%s must be positive' % flag)
        return number
    return parse


def _port(value):
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError('--port needs an integer, not %r'
                                         % value)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError('--port must be between 0 and '
                                         '65535')
    return port


def _regex(flag):
    def parse(value):
        try:
            return re.compile(value)
        except re.error as e:
            raise argparse.ArgumentTypeError(
                '%s: invalid regular expression %r: %s' % (flag, value, e))
    return parse


def _header_arg(value):
    name, sep, content = value.partition(':')
    name = name.strip()
    if not sep or not name or not re.match(r'^[A-Za-z0-9-]+$', name):
        raise argparse.ArgumentTypeError(
            "--extra-header needs 'Name: value', not %r" % value)
    return name, content.strip()


_EPILOG = """\
Once listening, the command prints one line to stdout:
  nova-ext-gate-reference listening on http://HOST:PORT/gate
(set [third_party_gate] url to that URL) and logs every request and decision
to stderr. SIGINT or SIGTERM stop it (exit status 0).

examples:
  nova-ext-gate-reference --port 9099 --secret-file /etc/nova/gate-secret \\
      --reject-name '^forbidden-'
  nova-ext-gate-reference --mode async --os-cloud devstack-gate \\
      --heartbeat 20 --delay 60
  # a test compute API that trusts headers (no keystone):
  nova-ext-gate-reference --mode async \\
      --compute-endpoint http://127.0.0.1:8774/v2.1 \\
      --extra-header 'X-Roles: third_party_gate_reporter'
"""


def build_parser(argv):
    """Return the argparse parser (keystoneauth1 options depend on argv)."""
    from keystoneauth1 import loading

    parser = argparse.ArgumentParser(
        prog='nova-ext-gate-reference',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description='Reference third party for the nova-ext boot gate: '
                    'answers gate requests by simple rules, synchronously '
                    'or by posting third-party-gate events to Nova.',
        epilog=_EPILOG)
    parser.add_argument('--host', default='127.0.0.1',
                        help='Address to listen on (default: 127.0.0.1).')
    parser.add_argument('--port', type=_port, default=0,
                        help='Port to listen on (default: 0, a free port; '
                             'the URL is printed at start).')
    secrets = parser.add_mutually_exclusive_group()
    secrets.add_argument('--secret',
                         help='Shared secret of the HMAC signatures (same '
                              'as [third_party_gate] secret). Visible in '
                              'ps: prefer --secret-file.')
    secrets.add_argument('--secret-file',
                         help='File holding the shared secret (trailing '
                              'newline ignored).')
    parser.add_argument('--mode', choices=('sync', 'async'), default='sync',
                        help='sync: verdict in the HTTP answer; async: 202 '
                             'then a third-party-gate event to Nova.')
    parser.add_argument('--reject-name', type=_regex('--reject-name'),
                        metavar='REGEX',
                        help='Reject servers whose display name matches.')
    parser.add_argument('--reject-reason', metavar='TEXT',
                        help='Reason given on rejection (default: "display '
                             'name matches REGEX").')
    parser.add_argument('--ignore-name', type=_regex('--ignore-name'),
                        metavar='REGEX',
                        help='Accept but never decide servers whose display '
                             'name matches (the gate times out).')
    parser.add_argument('--delay', type=_non_negative_float('--delay'),
                        default=0.0, metavar='SECONDS',
                        help='Seconds to wait before answering (sync) or '
                             'deciding (async).')
    parser.add_argument('--heartbeat', type=_positive_float('--heartbeat'),
                        metavar='SECONDS',
                        help='async: post an in-progress event every '
                             'SECONDS until the verdict.')
    parser.add_argument('--fail-first', type=int, default=0, metavar='N',
                        help='Answer 503 to the first N deliveries of each '
                             'tag (exercises the gate retries).')
    parser.add_argument('--no-status-url', dest='offer_status_url',
                        action='store_false',
                        help='Leave status_url out of pending answers.')
    parser.add_argument('--compute-endpoint', metavar='URL',
                        help='Compute API endpoint. Without keystoneauth1 '
                             'options or --os-cloud, the keystoneauth1 '
                             'noauth plugin is used (test setups only).')
    parser.add_argument('--extra-header', type=_header_arg, action='append',
                        default=[], metavar="'NAME: VALUE'",
                        help="Header added to every event POST, e.g. "
                             "'X-Roles: third_party_gate_reporter'.")
    parser.add_argument('--os-cloud', default=os.environ.get('OS_CLOUD'),
                        metavar='NAME',
                        help='clouds.yaml cloud to authenticate with '
                             '(openstacksdk); env OS_CLOUD.')
    parser.add_argument('--debug', action='store_true',
                        help='Log at DEBUG level.')
    default_auth = 'password' if os.environ.get('OS_AUTH_URL') else None
    loading.register_auth_argparse_arguments(parser, argv,
                                             default=default_auth)
    loading.register_session_argparse_arguments(parser)
    loading.register_adapter_argparse_arguments(parser, service_type='compute')
    return parser


def _load_poster(parser, args):
    from keystoneauth1 import exceptions as ks_exc
    from keystoneauth1 import loading

    headers = dict(args.extra_header)
    endpoint = args.compute_endpoint or args.os_endpoint_override
    try:
        if args.os_cloud:
            return ref_events.NovaEventPoster.from_cloud(
                args.os_cloud, endpoint_override=endpoint, headers=headers,
                region_name=args.os_region_name)
        if args.os_auth_type:
            auth = loading.load_auth_from_argparse_arguments(args)
            sess = loading.load_session_from_argparse_arguments(
                args, auth=auth)
            return ref_events.NovaEventPoster.from_session(
                sess, interface=args.os_interface,
                region_name=args.os_region_name,
                endpoint_override=endpoint, headers=headers)
        if endpoint:
            return ref_events.NovaEventPoster.from_endpoint(
                endpoint, headers=headers)
    except (ks_exc.ClientException, ValueError) as e:
        parser.error('cannot set up the compute API client: %s' % e)
    except Exception as e:
        # openstacksdk raises its own config errors (unknown cloud...).
        parser.error('cannot set up the compute API client (--os-cloud '
                     '%s): %s' % (args.os_cloud, e))
    return None


def main(argv=None):
    """Run the reference third party until SIGINT/SIGTERM."""
    from keystoneauth1 import exceptions as ks_exc

    if argv is None:
        argv = sys.argv[1:]
    try:
        parser = build_parser(argv)
    except ks_exc.NoMatchingPlugin as e:
        sys.stderr.write('nova-ext-gate-reference: error: --os-auth-type: '
                         '%s\n' % e)
        return 2
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format='%(asctime)s %(levelname)s %(name)s: %(message)s')

    secret = args.secret
    if args.secret_file:
        try:
            with open(args.secret_file, encoding='utf-8') as f:
                secret = f.read().rstrip('\r\n')
        except (OSError, UnicodeDecodeError) as e:
            parser.error('--secret-file %s cannot be read: %s'
                         % (args.secret_file, e))
        if not secret:
            parser.error('--secret-file %s is empty' % args.secret_file)
    elif secret is not None and not secret:
        parser.error('--secret must not be empty')
    if args.fail_first < 0:
        parser.error('--fail-first must not be negative')
    if args.heartbeat is not None and args.mode != 'async':
        parser.error('--heartbeat needs --mode async')
    try:
        ipaddress.ip_address(args.host)
    except ValueError:
        if args.host != 'localhost':
            parser.error('--host must be an IP address or localhost, not %r'
                         % args.host)

    poster = _load_poster(parser, args)
    if args.mode == 'async' and poster is None:
        parser.error('--mode async needs Nova credentials: --os-cloud, '
                     'keystoneauth1 options (--os-auth-url ...) or '
                     '--compute-endpoint')

    tp = ReferenceThirdParty(
        host=args.host, port=args.port, secret=secret, mode=args.mode,
        reject_name=args.reject_name, ignore_name=args.ignore_name,
        delay=args.delay, heartbeat=args.heartbeat, nova=poster,
        reject_reason=args.reject_reason, fail_first=args.fail_first,
        offer_status_url=args.offer_status_url)
    try:
        tp.start()
    except OSError as e:
        parser.exit(2, '%s: error: cannot listen on %s:%s: %s\n'
                    % (parser.prog, args.host, args.port, e))

    done = threading.Event()

    def _signal(signum, frame):
        done.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _signal)
    print('nova-ext-gate-reference listening on %s' % tp.url, flush=True)
    try:
        while not done.wait(1):
            pass
    finally:
        LOG.info('Stopping')
        tp.stop()
    return 0


if __name__ == '__main__':  # pragma: no cover
    sys.exit(main())
