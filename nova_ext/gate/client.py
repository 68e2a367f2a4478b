"""HTTP client of the third-party gate (nova-compute -> third party).

It speaks the protocol of PROTOCOL.md: a signed JSON gate request, retried
with exponential backoff while the gate's deadline allows it, and the status
endpoint used for pull reconciliation. Every time budget is an absolute
``time.monotonic()`` deadline, so that retries and slow answers can never
make a guest wait longer than the gate promised.
"""

import hashlib
import hmac
import time
from urllib import parse

from oslo_log import log as logging
import requests

LOG = logging.getLogger(__name__)

SIGNATURE_HEADER = 'X-Nova-Ext-Signature'
TAG_HEADER = 'X-Nova-Ext-Tag'

COMPLETED = 'completed'
FAILED = 'failed'
PENDING = 'pending'
IN_PROGRESS = 'in-progress'
STATUSES = (COMPLETED, FAILED, PENDING, IN_PROGRESS)


class DeliveryError(Exception):
    """The third party could not be reached or gave an unusable answer."""


class Refused(DeliveryError):
    """The third party refused the request with a 4xx answer."""


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


def _valid_status_url(value):
    if not isinstance(value, str):
        return None
    parts = parse.urlsplit(value)
    if parts.scheme in ('http', 'https') and parts.netloc:
        return value
    LOG.warning('Ignoring the status_url %r of the third party: not an '
                'absolute http(s) URL', value)
    return None


def parse_answer(response, allow_empty):
    """Turn a 2xx response into an Answer or raise DeliveryError."""
    if not response.content.strip():
        if allow_empty:
            return Answer(PENDING)
        raise DeliveryError('empty answer (HTTP %d)' % response.status_code)
    try:
        data = response.json()
    except ValueError:
        raise DeliveryError('answer is not valid JSON (HTTP %d)' %
                            response.status_code)
    if not isinstance(data, dict):
        raise DeliveryError('answer is not a JSON object (HTTP %d)' %
                            response.status_code)
    status = data.get('status')
    if status not in STATUSES:
        raise DeliveryError('answer has an unknown status %r (HTTP %d)' %
                            (status, response.status_code))
    reason = data.get('reason')
    if reason is not None and not isinstance(reason, str):
        reason = str(reason)
    return Answer(status, reason, _valid_status_url(data.get('status_url')))


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

    def _timeout(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        return min(self.request_timeout, remaining)

    def _request(self, method, url, deadline, **kwargs):
        timeout = self._timeout(deadline)
        if timeout is None:
            raise DeliveryError('deadline passed')
        try:
            response = requests.request(
                method, url, timeout=timeout, verify=self.verify,
                cert=self.cert, allow_redirects=False, **kwargs)
        except requests.RequestException as e:
            raise DeliveryError('%s: %s' % (type(e).__name__, e))
        if 400 <= response.status_code < 500:
            raise Refused('refused with HTTP %d' % response.status_code)
        if not 200 <= response.status_code < 300:
            raise DeliveryError('HTTP %d' % response.status_code)
        return response

    def send(self, body, tag, deadline):
        """POST the gate request; retry delivery failures until deadline.

        :param body: the request body (bytes, UTF-8 JSON).
        :param tag: the request's tag.
        :param deadline: ``time.monotonic()`` instant after which no try
            is started and no answer awaited.
        :returns: an Answer.
        :raises: Refused on a 4xx answer, DeliveryError when every try
            failed.
        """
        headers = {'Content-Type': 'application/json', TAG_HEADER: tag}
        if self.secret:
            headers[SIGNATURE_HEADER] = sign(self.secret, body)
        backoff = self.retry_backoff
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._request('POST', self.url, deadline,
                                         data=body, headers=headers)
                return parse_answer(response, allow_empty=True)
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

    def get_status(self, status_url, tag, deadline):
        """GET the status endpoint once.

        :returns: an Answer.
        :raises: DeliveryError (or Refused) when there is no usable answer.
        """
        headers = {TAG_HEADER: tag}
        if self.secret:
            headers[SIGNATURE_HEADER] = sign(self.secret, tag.encode('utf-8'))
        response = self._request('GET', status_url, deadline,
                                 headers=headers)
        return parse_answer(response, allow_empty=False)
