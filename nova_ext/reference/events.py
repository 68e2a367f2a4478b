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

"""Post ``third-party-gate`` verdict events to Nova through keystoneauth1.

The reference third party answers asynchronously by posting an external
event to Nova's ``POST /os-server-external-events`` with microversion 2.93,
the first one that accepts the ``third-party-gate`` event name. Every request
goes through a keystoneauth1 :class:`~keystoneauth1.adapter.Adapter` for the
``compute`` service so that token handling, the service catalog, TLS options
and the ``OpenStack-API-Version`` header are keystoneauth1's business, never
hand-rolled here.

Three ways to get a :class:`NovaEventPoster`:

* ``NovaEventPoster(adapter)`` with any keystoneauth1 Adapter (or Session)
  you built yourself, e.g. from keystoneauth1 loading options.
* ``NovaEventPoster.from_cloud('devstack')``: an openstacksdk ``clouds.yaml``
  cloud name (openstacksdk is imported only then).
* ``NovaEventPoster.from_endpoint(url, headers)``: the ``keystoneauth1.noauth``
  plugin and an explicit endpoint, for test setups. In Nova's in-process
  functional harness (``nova.tests.fixtures.OSAPIFixture``) the compute API is
  a wsgi-intercept on ``http://<host>:80/v2.1``; keystoneauth1 talks through
  requests, so it is intercepted. That harness stubs keystonemiddleware and
  builds the request context from the headers ``X-Auth-User`` (user id; the
  user named ``admin`` is an admin), ``X-Auth-Project-Id`` and ``X-Roles``
  (comma-separated). A reporter that holds only the
  ``third_party_gate_reporter`` role is thus::

      NovaEventPoster.from_endpoint(
          self.api.base_url,
          headers=reporter_headers(project_id=self.api.project_id))

  (Nova 34 has no ``noauth2`` middleware any more; with a real keystone
  the role comes from the token.) Give the server's project as
  ``project_id``: nova-api looks the servers up with the caller's context,
  which is project-scoped unless the caller is an admin, so a reporter of
  another project gets ``207`` with a per-event ``404`` (``PostResult.ok``
  is then False).
"""

import dataclasses
import logging
import time

from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import noauth
from keystoneauth1 import session as ks_session

LOG = logging.getLogger(__name__)

EVENT_NAME = 'third-party-gate'
EVENTS_PATH = '/os-server-external-events'
MICROVERSION = '2.93'
SERVICE_TYPE = 'compute'
REPORTER_ROLE = 'third_party_gate_reporter'
VERDICT_STATUSES = ('completed', 'failed')
EVENT_STATUSES = VERDICT_STATUSES + ('in-progress',)

# Retry transient failures (connection errors, 502/503/504) a little: the
# verdict is the whole point of an asynchronous answer, and keystoneauth1
# does the retrying (with its own backoff), so nothing is hand-rolled.
DEFAULT_RETRIES = 2
RETRIABLE_STATUS_CODES = (502, 503, 504)
DEFAULT_TIMEOUT = 30.0


def reporter_headers(user='third-party-gate', project_id='fake-project',
                     roles=(REPORTER_ROLE,)):
    """Return the headers that Nova's functional harness turns into a context.

    ``nova.tests.fixtures.OSAPIFixture`` stubs keystonemiddleware and builds
    the ``RequestContext`` from these headers, so a test can post events as a
    user that holds only ``third_party_gate_reporter`` (the default here) or
    any other set of roles (e.g. ``('member',)`` to check the 403).
    """
    return {
        'X-Auth-User': user,
        'X-User-Id': user,
        'X-Auth-Project-Id': project_id,
        'X-Roles': ','.join(roles),
    }


@dataclasses.dataclass
class PostResult:
    """What happened to one event POST (kept for logs and test assertions)."""

    event: dict
    status_code: int = None
    body: object = None
    error: str = None
    posted_at: float = dataclasses.field(default_factory=time.time)

    @property
    def ok(self):
        """True when Nova accepted the event (200 and per-event code 200)."""
        if self.error is not None or self.status_code != 200:
            return False
        try:
            return all(e.get('code', 200) == 200
                       for e in self.body['events'])
        except (TypeError, KeyError, AttributeError):
            return True


class NovaEventPoster(object):
    """Post ``third-party-gate`` events through a keystoneauth1 Adapter.

    :param adapter: a keystoneauth1 ``Adapter`` (its ``service_type`` should
        be ``compute``; a missing one is assumed to be compute for the
        microversion header) or a keystoneauth1 ``Session``, wrapped into a
        compute Adapter.
    :param microversion: the compute microversion to send (2.93 or later).
    :param retries: connection and 502/503/504 retries, done by
        keystoneauth1 itself.
    :param retry_delay: first delay between retries (keystoneauth1 doubles
        it).
    """

    def __init__(self, adapter, microversion=MICROVERSION,
                 retries=DEFAULT_RETRIES, retry_delay=0.5):
        if isinstance(adapter, ks_session.Session):
            adapter = ks_adapter.Adapter(adapter, service_type=SERVICE_TYPE,
                                         default_microversion=microversion)
        if not hasattr(adapter, 'post'):
            raise TypeError('adapter must be a keystoneauth1 Adapter or '
                            'Session, not %r' % (adapter,))
        self.adapter = adapter
        self.microversion = microversion
        self.retries = retries
        self.retry_delay = retry_delay

    @classmethod
    def from_endpoint(cls, endpoint, headers=None, timeout=DEFAULT_TIMEOUT,
                      **kwargs):
        """Build a poster for an explicit endpoint with no authentication.

        Uses the ``keystoneauth1.noauth`` plugin, so only fit for test setups
        where the compute API trusts headers (see the module docstring).

        :param endpoint: the compute API root, e.g. ``http://host/v2.1``.
        :param headers: extra headers sent with every request.
        """
        if not endpoint or not str(endpoint).startswith(('http://',
                                                         'https://')):
            raise ValueError('compute endpoint must be an http(s) URL, not '
                             '%r' % (endpoint,))
        sess = ks_session.Session(auth=noauth.NoAuth(endpoint=endpoint),
                                  timeout=timeout)
        adapter = ks_adapter.Adapter(
            sess, service_type=SERVICE_TYPE, endpoint_override=endpoint,
            additional_headers=dict(headers or {}),
            default_microversion=kwargs.get('microversion', MICROVERSION))
        return cls(adapter, **kwargs)

    @classmethod
    def from_session(cls, session, interface=None, region_name=None,
                     endpoint_override=None, headers=None, **kwargs):
        """Build a poster from a keystoneauth1 Session (catalog lookup)."""
        adapter = ks_adapter.Adapter(
            session, service_type=SERVICE_TYPE, interface=interface,
            region_name=region_name, endpoint_override=endpoint_override,
            additional_headers=dict(headers or {}),
            default_microversion=kwargs.get('microversion', MICROVERSION))
        return cls(adapter, **kwargs)

    @classmethod
    def from_cloud(cls, cloud, endpoint_override=None, headers=None,
                   region_name=None, **kwargs):
        """Build a poster from an openstacksdk ``clouds.yaml`` cloud name.

        openstacksdk only reads the configuration here; the requests still go
        through a plain keystoneauth1 Adapter built on its Session.
        """
        try:
            from openstack import config as os_config
        except ImportError:  # pragma: no cover - openstacksdk is optional
            raise ValueError('--os-cloud needs the openstacksdk package')
        region = os_config.OpenStackConfig().get_one(cloud=cloud)
        return cls.from_session(
            region.get_session(),
            interface=region.get_interface(SERVICE_TYPE),
            region_name=(region_name or
                         region.get_region_name(SERVICE_TYPE)),
            endpoint_override=(endpoint_override or
                               region.get_endpoint(SERVICE_TYPE)),
            headers=headers, **kwargs)

    def post_event(self, server_uuid, tag, status):
        """POST one ``third-party-gate`` event; never raises.

        :returns: a :class:`PostResult` (check ``.ok``); failures are logged.
        """
        if status not in EVENT_STATUSES:
            raise ValueError('event status must be one of %s, not %r'
                             % (', '.join(EVENT_STATUSES), status))
        event = {'name': EVENT_NAME, 'server_uuid': server_uuid,
                 'tag': tag, 'status': status}
        result = PostResult(event=event)
        kwargs = {}
        if getattr(self.adapter, 'service_type', None) is None:
            kwargs['microversion_service_type'] = SERVICE_TYPE
        try:
            resp = self.adapter.post(
                EVENTS_PATH, json={'events': [event]},
                microversion=self.microversion, raise_exc=False,
                connect_retries=self.retries,
                connect_retry_delay=self.retry_delay,
                status_code_retries=self.retries,
                status_code_retry_delay=self.retry_delay,
                retriable_status_codes=list(RETRIABLE_STATUS_CODES),
                **kwargs)
        except ks_exc.ClientException as e:
            result.error = '%s: %s' % (type(e).__name__, e)
            LOG.warning('Could not post %s event %s for server %s: %s',
                        status, tag, server_uuid, result.error)
            return result
        result.status_code = resp.status_code
        try:
            result.body = resp.json()
        except ValueError:
            result.body = resp.text
        if result.ok:
            LOG.info('Posted %s event (tag %s) for server %s',
                     status, tag, server_uuid)
        else:
            LOG.warning('Nova answered %s to the %s event (tag %s) for '
                        'server %s: %s', resp.status_code, status, tag,
                        server_uuid, result.body)
        return result


def make_post(nova):
    """Return ``post(server_uuid, tag, status) -> PostResult`` for ``nova``.

    The reference service accepts several kinds of "where verdicts go", so
    that tests can pick the lightest that shows what they check.

    :param nova: a :class:`NovaEventPoster`, a keystoneauth1 ``Adapter`` or
        ``Session`` (wrapped into a poster), any callable ``f(event_dict)``
        (its exceptions are recorded, never raised), or None (returns None).
    :raises TypeError: anything else.
    """
    if nova is None:
        return None
    if isinstance(nova, NovaEventPoster):
        return nova.post_event
    if hasattr(nova, 'post') and hasattr(nova, 'request'):
        # A keystoneauth1 Adapter or Session.
        return NovaEventPoster(nova).post_event
    if callable(nova):
        def post(server_uuid, tag, status):
            event = {'name': EVENT_NAME, 'server_uuid': server_uuid,
                     'tag': tag, 'status': status}
            result = PostResult(event=event)
            try:
                result.body = nova(event)
                result.status_code = 200
            except Exception as e:
                LOG.exception('Event callable failed for %s', tag)
                result.error = '%s: %s' % (type(e).__name__, e)
            return result
        return post
    raise TypeError('nova must be a NovaEventPoster, a keystoneauth1 '
                    'Adapter or Session, or a callable, not %r' % (nova,))
