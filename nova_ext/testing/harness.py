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

"""Nova's functional harness with nova-ext's gate and namer set up.

Real nova-api, conductor, scheduler, placement and a libvirt nova-compute on
fakelibvirt, with the patches applied to the installed Nova;
:class:`GateTestBase` enables the gate and adds a reporter user, and its
helpers start the reference third party, boot, and read back what a user
sees (the server, the guest's state, the gate's action event).
:class:`CounterTable` creates nova-ext's tables for the namer. The
functional tests, ``tools/demo.py`` and ``benchmarks/gate_bench.py`` all
build on these, so that the demo and the benchmarks show what the tests
check.

Importing this module imports Nova's functional test tree, which picks the
concurrency backend (eventlet unless OS_NOVA_DISABLE_EVENTLET_PATCHING says
otherwise): import it before anything imports eventlet.
"""

import collections
import os
import sys
import threading
import time

import fixtures
from nova.db.api import api as api_db_api
from nova.tests.fixtures import libvirt as fakelibvirt
from nova.tests.functional.api import client
from nova.tests.functional.libvirt import base
from oslo_concurrency import lockutils

import nova.conf
from nova_ext import compat
from nova_ext.conf import third_party_gate as gate_conf
from nova_ext.db import migration
from nova_ext.gate import records
from nova_ext.gate import registry
from nova_ext.policies import enforcer
from nova_ext.reference import events as ref_events
from nova_ext.reference import fixture as ref_fixture

# Nova's wheel installs api-paste.ini under sys.prefix, not next to the
# package where [wsgi] api_paste_config looks by default; oslo.config reads
# OS_<GROUP>__<OPTION> environment variables.
os.environ.setdefault(
    'OS_WSGI__API_PASTE_CONFIG',
    os.path.join(sys.prefix, 'etc', 'nova', 'api-paste.ini'))

CONF = nova.conf.CONF
SECRET = 's3cret'
REPORTER_ROLE = 'third_party_gate_reporter'


def run_concurrently(target, count):
    """Run ``target(i)`` for i in 0..count-1, each in a thread, all at once.

    :returns: the exceptions the calls raised, so that a test asserts none
        rather than hanging or losing one in a thread.
    """
    errors = []

    def run(i):
        try:
            target(i)
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


class CounterTable(fixtures.Fixture):
    """Create nova-ext's tables in the harness's API database.

    Nova's Database fixture builds the API database (in-memory SQLite with
    eventlet, a WAL SQLite file with native threads) through
    ``nova.db.api.api``'s engine facade; nova-ext's migrations run on that
    same engine, as ``nova-ext-manage db sync`` does on a real cloud.
    """

    def _setUp(self):
        migration.db_sync(api_db_api.get_engine())


class GateTestBase(base.ServersTestBase):
    """A libvirt compute with the gate enabled and a reporter user."""

    # The build must run beside the API calls: a boot waiting at the gate
    # would otherwise block the POST /servers that started it.
    CAST_AS_CALL = False
    microversion = '2.93'
    ADMIN_API = False

    def setUp(self):
        super().setUp()
        self._fake_libvirt_honours_start_paused()
        gate_conf.register_opts(CONF)
        self.addCleanup(enforcer.reset)
        self.admin_api = self.api_fixture.admin_api
        self.admin_api.microversion = '2.93'
        self.reporter_api = client.TestOpenStackClient(
            'reporter', self.api.base_url, project_id=self.api.project_id,
            roles=[REPORTER_ROLE])
        self.reporter_api.microversion = '2.93'
        # Tests point url at their own third party once it runs.
        self.flags(enabled=True, url='http://127.0.0.1:9/unset',
                   secret=SECRET, timeout=3, max_total_wait=6,
                   request_timeout=1, max_retries=1, retry_backoff=0.1,
                   group='third_party_gate')
        self.start_compute('compute1')

    def _fake_libvirt_honours_start_paused(self):
        """Make fakelibvirt start a guest paused when asked, as libvirt does.

        fakelibvirt ignores VIR_DOMAIN_START_PAUSED and counts only running
        guests as active; real libvirt starts the guest paused and counts it
        as active. Without this the tests could not see what the gate is
        for: a guest that exists but does not run.
        """
        create = fakelibvirt.Domain.createWithFlags
        resume = fakelibvirt.Domain.resume
        # What each guest went through, by server uuid: 'created paused',
        # 'created running', 'resumed' (see guest_history()).
        self._guest_history = collections.defaultdict(list)

        def createWithFlags(dom, flags):
            create(dom, flags)
            if flags & fakelibvirt.VIR_DOMAIN_START_PAUSED:
                dom._state = fakelibvirt.VIR_DOMAIN_PAUSED
            self._guest_history[dom.UUIDString()].append(
                'created paused' if dom._state == fakelibvirt.VIR_DOMAIN_PAUSED
                else 'created running')

        def resume_(dom):
            resume(dom)
            self._guest_history[dom.UUIDString()].append('resumed')

        def isActive(dom):
            return int(dom._state in (fakelibvirt.VIR_DOMAIN_RUNNING,
                                      fakelibvirt.VIR_DOMAIN_PAUSED))

        self.useFixture(fixtures.MonkeyPatch(
            'nova.tests.fixtures.libvirt.Domain.createWithFlags',
            createWithFlags))
        self.useFixture(fixtures.MonkeyPatch(
            'nova.tests.fixtures.libvirt.Domain.isActive', isActive))
        self.useFixture(fixtures.MonkeyPatch(
            'nova.tests.fixtures.libvirt.Domain.resume', resume_))

    # -- helpers -----------------------------------------------------------

    def _wait_for_state_change(self, server, expected_status,
                               max_retries=120, wait_for_fault_key=True):
        """The harness's wait, with a budget for a loaded CI host (~60 s).

        It returns as soon as the state is reached; only a failing test
        waits the whole budget.
        """
        return compat.wait_for_state_change(
            super(), getattr(self, 'admin_api', self.api), server,
            expected_status, max_retries, wait_for_fault_key)

    def third_party(self, **kwargs):
        """Start the reference third party and point the gate at it."""
        kwargs.setdefault('secret', SECRET)
        if kwargs.get('mode', 'sync') != 'sync':
            kwargs.setdefault('nova', ref_events.NovaEventPoster.from_endpoint(
                self.api.base_url, headers=ref_events.reporter_headers(
                    project_id=self.api.project_id)))
        tp = self.useFixture(
            ref_fixture.ReferenceThirdPartyFixture(**kwargs)).server
        self.flags(url=tp.url, group='third_party_gate')
        return tp

    def boot(self, name='server', expected='ACTIVE', networks='none',
             **kwargs):
        body = self._build_server(name=name, networks=networks, **kwargs)
        server = self.api.post_server({'server': body})
        if expected:
            server = self._wait_for_state_change(server, expected)
        return server

    def connection(self, host='compute1'):
        return self.computes[host].driver._host.get_connection()

    def domain_state(self, server, host='compute1'):
        """The fakelibvirt state of the server's guest, None if none."""
        try:
            dom = self.connection(host).lookupByUUIDString(server['id'])
        except fakelibvirt.libvirtError:
            return None
        return dom.info()[0]

    def guest_history(self, server):
        """How the server's guests were started: a list of 'created
        paused', 'created running' and 'resumed', in order.
        """
        return list(self._guest_history[server['id']])

    def wait_for(self, predicate, timeout=60, what='condition'):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            value = predicate()
            if value:
                return value
            time.sleep(0.05)
        self.fail('timed out waiting for %s' % what)

    def wait_for_waiter(self, server, tp=None):
        """The tag of the gate waiting for the server.

        With ``tp``, also wait until the third party recorded the request
        (the waiter is registered before the request is sent).
        """
        tag = self.wait_for(
            lambda: registry.REGISTRY.waiting(server['id']),
            what='the gate of %s' % server['id'])[0]
        if tp is not None:
            self.wait_for(
                lambda: [r for r in tp.requests
                         if r.body and r.body['tag'] == tag and
                         r.response_status is not None],
                what='the gate request of %s' % server['id'])
        return tag

    def wait_for_paused(self, server):
        self.wait_for(
            lambda: self.domain_state(server) == fakelibvirt.VIR_DOMAIN_PAUSED,
            what='the guest of %s to be paused' % server['id'])

    def gate_events(self, server):
        """The nova_ext_third_party_gate events of the create action."""
        actions = self.admin_api.get_instance_actions(server['id'])
        create = [a for a in actions if a['action'] == 'create'][0]
        action = self.admin_api.api_get(
            '/servers/%s/os-instance-actions/%s' % (
                server['id'], create['request_id'])).body['instanceAction']
        return create['request_id'], action['events']

    def gate_event(self, server):
        def finished():
            request_id, events = self.gate_events(server)
            gate = [e for e in events
                    if e['event'] == records.ACTION_EVENT]
            if gate and gate[0]['finish_time']:
                return request_id, gate
        request_id, gate = self.wait_for(finished, what='the gate event')
        self.assertEqual(1, len(gate))
        return request_id, gate[0]

    def post_event(self, server_uuid, tag, status='completed',
                   name='third-party-gate', api=None, **kwargs):
        api = api or self.reporter_api
        kwargs.setdefault('check_response_status', [200, 207, 400, 403, 404])
        return api.api_post('/os-server-external-events', {'events': [
            {'name': name, 'server_uuid': server_uuid, 'tag': tag,
             'status': status}]}, **kwargs)

    def assert_released(self, server, fault):
        """An ERROR server that holds nothing any more."""
        server = self.api.get_server(server['id'])
        self.assertEqual('ERROR', server['status'])
        self.assertEqual(
            'Build of instance %s aborted: %s' % (server['id'], fault),
            server['fault']['message'])
        self.assertEqual({}, self._get_allocations_by_server_uuid(
            server['id']))
        self.assertIsNone(self.domain_state(server))
        self.assertEqual([], self.neutron.list_ports(
            is_admin=True, device_id=server['id'])['ports'])
        # No reschedule: one build on one compute.
        actions = self.admin_api.get_instance_actions(server['id'])
        self.assertEqual(['create'], [a['action'] for a in actions])
        _, events = self.gate_events(server)
        builds = [e for e in events
                  if e['event'] == 'compute__do_build_and_run_instance']
        self.assertEqual(1, len(builds))
        return server

    def network(self):
        return [{'uuid': self.neutron.network_1['id']}]

    def delete_and_assert_released(self, server):
        """Delete the server; its guest, allocations and ports are gone."""
        self._delete_server(server)
        self.assertIsNone(self.domain_state(server))
        self.assertEqual({}, self._get_allocations_by_server_uuid(
            server['id']))
        self.assertEqual([], self.neutron.list_ports(
            is_admin=True, device_id=server['id'])['ports'])

    def restart_while_waiting(self):
        """Restart nova-compute while a guest waits at the gate.

        :returns: the (manual) third party, the server, the gate's tag and
            what :meth:`_end_old_thread` needs at the end of the test.
        """
        tp = self.third_party(mode='manual')
        self.flags(timeout=30, max_total_wait=30, group='third_party_gate')
        server = self.boot('good', expected=None, networks=self.network())
        tag = self.wait_for_waiter(server, tp)
        self.wait_for_paused(server)
        self.restart_compute_service('compute1')
        return tp, server, tag, self._process_death(server, tag)

    def _process_death(self, server, tag):
        """Forget what the stopped service's process held in memory.

        In-process, its build thread still waits at the gate: its waiter is
        in the (process-wide) registry and it holds the instance lock. A
        real restart loses both with the process. Returns what the test
        needs to end that thread afterwards.
        """
        waiter = registry.REGISTRY._waiters[(server['id'], tag)]
        registry.REGISTRY.unregister(waiter)
        # Holding the waiter's condition freezes the old thread at its next
        # wake-up, as dead as the process would be (it would otherwise
        # notice the server's delete, like a live gate does).
        waiter._cond.acquire()
        lock = lockutils.internal_lock(server['id'])
        lock.release()
        # Also when the test fails: the harness waits for its threads.
        self.addCleanup(self._end_old_thread, waiter, lock)
        return waiter, lock

    def _end_old_thread(self, waiter, lock):
        """Let the old build thread end, after the test's assertions."""
        if getattr(waiter, 'ended', False):
            return
        waiter.ended = True
        lock.acquire()
        waiter._statuses.append('failed')
        waiter._cond.notify_all()
        waiter._cond.release()

        def released():
            if lock.acquire(blocking=False):
                lock.release()
                return True
        self.wait_for(released, what='the old build thread to end')
