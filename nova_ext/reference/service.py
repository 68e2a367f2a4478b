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

"""The reference third party's state: rules, decisions and verdicts.

:class:`ReferenceThirdParty` is what functional tests, the demo, the
benchmarks, DevStack and the all-in-one cloud run as the gate's other side.
It decides every gate request by scripted rules, in this order:

* ``ignore_name`` matches the display name: ``202 pending`` and no verdict
  unless the caller gives one with :meth:`~ReferenceThirdParty.decide`
  (otherwise the gate times out);
* ``reject_name`` matches: reject;
* otherwise approve.

It answers in one of three modes: ``sync`` (the verdict in the HTTP answer
after ``delay`` seconds), ``async`` (``202 pending`` at once, then after
``delay`` seconds the verdict as a ``third-party-gate`` event posted to
Nova, with ``in-progress`` heartbeats meanwhile) or ``manual`` (``202
pending``; the caller decides). In async mode, ``sync_name`` picks the
display names answered as in sync mode. A repeated tag (the gate retrying)
never starts a second decision; ``fail_first`` answers 503 to the first
deliveries of each tag.

Its settings are checked by :mod:`.settings`, the protocol by
:mod:`.protocol`; its records and waits come from :mod:`.records` (its
base class) and its HTTP server from :mod:`.transport`.
"""

import ipaddress
import logging
import threading
import time
import urllib.parse

from nova_ext.reference import events
from nova_ext.reference import protocol
from nova_ext.reference import records
from nova_ext.reference import settings as ref_settings
from nova_ext.reference import transport

LOG = logging.getLogger(__name__)

DEFAULT_REJECT_REASON = 'rejected by the reference third party'
REJECT_REASON_TEMPLATE = 'display name matches %s'
IGNORED_REASON = 'ignored by the reference third party'


class ReferenceThirdParty(records.Recorder):
    """The reference third party: a real HTTP server with scripted rules.

    Not a production service (see :mod:`nova_ext.reference`). It binds at
    :meth:`start` (read the port back from :attr:`port` or :attr:`url`);
    every method is thread-safe and the records (:attr:`requests`,
    :attr:`decisions`, :attr:`events`, :attr:`status_queries`) are copies.

    :param nova: where events go (:func:`.events.make_post`); ``async``
        needs it or ``nova_endpoint``.
    :param nova_endpoint: a compute API URL for a ``keystoneauth1.noauth``
        poster sending ``nova_headers`` (test setups).
    :param settings: the :class:`~.settings.Settings` fields (``host``,
        ``port``, ``secret``, ``mode``, ``reject_name``, ``delay``...).
    :raises InvalidArgument: (a ValueError) naming the bad argument.
    """

    def __init__(self, *, nova=None, nova_endpoint=None, nova_headers=None,
                 **settings):
        super().__init__()
        self.settings = ref_settings.Settings(**settings)
        if nova is not None and nova_endpoint is not None:
            raise ref_settings.InvalidArgument(
                'nova', 'and nova_endpoint: give one, not both')
        if nova_endpoint is not None:
            nova = events.NovaEventPoster.from_endpoint(
                nova_endpoint, headers=nova_headers)
        self._post = events.make_post(nova)
        if self.settings.mode == 'async' and self._post is None:
            raise ref_settings.InvalidArgument(
                'nova', 'is needed by mode async (a NovaEventPoster, a '
                'keystoneauth1 Adapter/Session or a callable) or '
                'nova_endpoint, to post verdicts to')
        self._stopping = threading.Event()
        self._httpd = None
        self._serve_thread = None
        self._workers = set()

    # -- lifecycle ----------------------------------------------------------

    def start(self):
        """Bind and serve in a background thread; returns self."""
        with self._lock:
            if self._httpd is not None:
                raise RuntimeError('reference third party already started')
            self._stopping.clear()
            httpd = transport.make_server(self.settings.host,
                                          self.settings.port, self)
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
                 self.url, self.settings.mode)
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
        host = self.settings.host
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

    # -- decisions ----------------------------------------------------------

    def decide(self, tag, status, reason=None, post=True):
        """Decide a pending tag (any mode) and post the verdict to Nova.

        :param status: ``completed`` (approve) or ``failed`` (reject).
        :param post: False records the verdict only (the status endpoint
            answers it) without posting the event, to play a lost event.
        :returns: the :class:`~.events.PostResult`, or None when not posted.
        :raises KeyError: unknown tag; ``ValueError``: already decided.
        """
        if status not in events.VERDICT_STATUSES:
            raise ValueError('status must be completed or failed, not %r'
                             % (status,))
        with self._cond:
            decision = self._pending_decision(tag)
            self._set_verdict(decision, status, reason)
        if post:
            return self._post_event(decision, status)
        return None

    def heartbeat(self, tag):
        """Post an ``in-progress`` event for a pending tag."""
        with self._lock:
            decision = self._pending_decision(tag)
        return self._post_event(decision, 'in-progress')

    def _pending_decision(self, tag):
        decision = self._decisions[tag]
        if decision.decided:
            raise ValueError('tag %s is already %s' % (tag, decision.status))
        return decision

    def _set_verdict(self, decision, status, reason):
        with self._cond:
            decision.status = status
            decision.reason = reason or (
                self.settings.approve_reason if status == 'completed'
                else DEFAULT_REJECT_REASON)
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
        return self._record_event(
            self._post(decision.server_uuid, decision.tag, status))

    def _rule_for(self, display_name):
        name = display_name or ''
        rules = self.settings
        if rules.ignore_name is not None and rules.ignore_name.search(name):
            return 'ignore', None, None
        if rules.reject_name is not None and rules.reject_name.search(name):
            return 'reject', 'failed', (
                rules.reject_reason or
                REJECT_REASON_TEMPLATE % rules.reject_name.pattern)
        return 'approve', 'completed', rules.approve_reason

    def _mode_for(self, display_name):
        sync_name = self.settings.sync_name
        if sync_name is not None and sync_name.search(display_name or ''):
            return 'sync'
        return self.settings.mode

    def _pending_answer(self, tag):
        if not self.settings.offer_status_url:
            return 202, {'status': 'pending'}
        return 202, {'status': 'pending', 'status_url': self.status_url(tag)}

    @staticmethod
    def _verdict_answer(decision):
        return 200, {'status': decision.status, 'reason': decision.reason}

    # -- requests (called by the transport) ---------------------------------

    def refuse_gate(self, path, headers, error):
        """Record a ``POST /gate`` whose body could not be read."""
        body = {'error': error.message}
        self._record_request(path, headers, b'', error.status, body)
        return error.status, body

    def handle_gate(self, path, headers, raw):
        """Answer one gate request: (status, JSON body, after-send hook)."""
        req = self._record_request(path, headers, raw)
        try:
            req.signature_valid = protocol.check_signature(
                self.settings.secret, headers, raw)
            req.body = body = protocol.parse_body(raw)
            protocol.check_fields(body, headers)
        except protocol.ProtocolError as e:
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
            delivery = self._count_delivery(tag)
            if delivery <= self.settings.fail_first:
                LOG.info('Simulated failure %d/%d for tag %s',
                         delivery, self.settings.fail_first, tag)
                return self._finish_request(
                    req, 503, {'error': 'simulated failure %d of %d' % (
                        delivery, self.settings.fail_first)}) + (None,)
            decision = self._decisions.get(tag)
            is_new = decision is None
            if is_new:
                rule, verdict, reason = self._rule_for(body['display_name'])
                decision = records.Decision(
                    tag=tag, server_uuid=body['server_uuid'],
                    display_name=body['display_name'], rule=rule,
                    mode=self._mode_for(body['display_name']))
                if rule == 'ignore':
                    decision.reason = IGNORED_REASON
                self._add_decision(decision)
            else:
                LOG.info('Repeated gate request for tag %s (%s)', tag,
                         decision.status)

        if not is_new:
            return self._finish_request(
                req, *self._repeated_answer(decision)) + (None,)

        if rule == 'ignore' or decision.mode == 'manual':
            LOG.info('Tag %s left pending (%s)', tag,
                     'ignored' if rule == 'ignore' else 'manual mode')
            return self._finish_request(
                req, *self._pending_answer(tag)) + (None,)

        if decision.mode == 'sync':
            delay = self.settings.delay
            if delay and self._stopping.wait(delay):
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

    def _repeated_answer(self, decision):
        """The answer to a retried delivery: the first decision's."""
        if not decision.decided and decision.mode == 'sync' and (
                decision.rule != 'ignore'):
            with self._cond:
                self._cond.wait_for(
                    lambda: decision.decided or self._stopping.is_set())
        if decision.decided:
            return self._verdict_answer(decision)
        if self._stopping.is_set():
            return 503, {'error': 'shutting down'}
        return self._pending_answer(decision.tag)

    def _async_verdict(self, decision, verdict, reason):
        try:
            # Heartbeats go at fixed times (start + k * interval) so that
            # slow event posts do not make them drift.
            interval = self.settings.heartbeat
            start = time.monotonic()
            end = start + self.settings.delay
            beats = 0
            while True:
                now = time.monotonic()
                wake = end
                if interval:
                    wake = min(end, start + (beats + 1) * interval)
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
                beats = max(beats + 1,
                            int((time.monotonic() - start) // interval))
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

    def handle_status(self, tag, headers):
        """Answer ``GET /status/<tag>``: (status, JSON body)."""
        try:
            protocol.check_status_query(self.settings.secret, tag, headers)
            with self._lock:
                decision = self._decisions.get(tag)
                if decision is None:
                    raise protocol.ProtocolError(404, 'unknown tag %s' % tag)
                status, body = 200, decision.as_json()
        except protocol.ProtocolError as e:
            status, body = e.status, {'error': e.message}
        LOG.info('Status query for tag %s: %s %s', tag, status,
                 body.get('status', body.get('error')))
        self._record_status_query(tag, headers, status, body)
        return status, body
