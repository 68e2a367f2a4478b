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

"""HTTP client of the third-party gate (nova-compute -> third party).

It speaks the protocol of doc/source/reference/third-party-protocol.rst: a
signed JSON gate request, retried with exponential backoff while the gate's
deadline allows it, and the status endpoint used for pull reconciliation.
Every time budget is an absolute ``time.monotonic()`` deadline, so that
retries and slow answers can never make a guest wait longer than the gate
promised.

Each exchange is bounded as a whole (``nova_ext.gate.transport``). The
answer's ``status_url`` is followed only on the origin of ``[third_party_gate]
url``: the lookup carries the tag, its signature and the client certificate,
which must not go to whatever URL an answer names.
"""

import hashlib
import hmac
import json
import time
from urllib import parse

from oslo_log import log as logging
import requests
from urllib3 import util as urllib3_util

from nova_ext.gate import event as gate_event
from nova_ext.gate import transport

LOG = logging.getLogger(__name__)

SIGNATURE_HEADER = 'X-Nova-Ext-Signature'
TAG_HEADER = 'X-Nova-Ext-Tag'

COMPLETED = 'completed'
FAILED = 'failed'
PENDING = 'pending'
IN_PROGRESS = 'in-progress'
STATUSES = (COMPLETED, FAILED, PENDING, IN_PROGRESS)

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
    """(scheme, host, port) that ``requests`` would connect to, or None.

    The URL is read the way ``requests`` reads it (urllib3's parser, after
    ``requests`` prepared it) and must read the same with the standard
    library's parser: parsers that disagree (a backslash before an ``@``,
    say) are how a URL that looks like the gate's reaches another host.
    URLs with user information, white space or control characters are
    refused outright: the gate's own URLs never need them.
    """
    if (not isinstance(url, str) or '\\' in url or
            any(c.isspace() or ord(c) < 32 for c in url)):
        return None
    try:
        prepared = requests.models.PreparedRequest()
        prepared.prepare_url(url, None)
        parts = urllib3_util.parse_url(prepared.url)
        split = parse.urlsplit(prepared.url)
        split_port = split.port
        scheme = (parts.scheme or '').lower()
        if (scheme not in _DEFAULT_PORTS or not parts.host or parts.auth or
                split.username is not None):
            return None
        host = parts.host.lower()
        port = parts.port or _DEFAULT_PORTS[scheme]
        if ((split.hostname or '').lower() != host.strip('[]') or
                (split_port or _DEFAULT_PORTS[scheme]) != port):
            return None
    except Exception:
        return None
    return scheme, host, port


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
    :param content: the body (bytes, at most ``transport.MAX_BODY``).
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
        """Whether ``url`` has the scheme, host and port of our ``url``."""
        mine = origin(self.url)
        return mine is not None and origin(url) == mine

    def _request(self, method, url, deadline, **kwargs):
        """One exchange, bounded as a whole by ``request_timeout`` and
        ``deadline``.

        :returns: (status code, body) of a 2xx answer.
        """
        end = min(deadline, time.monotonic() + self.request_timeout)
        try:
            code, content = transport.exchange(
                method, url, end, verify=self.verify, cert=self.cert,
                **kwargs)
        except transport.ExchangeError as e:
            raise DeliveryError(str(e))
        if code in (401, 403):
            raise AuthRefused('refused with HTTP %d' % code)
        if 400 <= code < 500:
            raise Refused('refused with HTTP %d' % code)
        if not 200 <= code < 300:
            raise DeliveryError('HTTP %d' % code)
        return code, content

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
        headers = {'Content-Type': 'application/json', TAG_HEADER: tag}
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
        headers = {TAG_HEADER: tag}
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
