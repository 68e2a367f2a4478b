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

"""One gated spawn: the gate request and the wait for its verdict.

``nova_ext.gate.third_party_gate.ThirdPartyGate.start()`` builds a
``GateWaiter`` for every gated boot: it registers in the registry, sends the
gate request from a thread of its own and returns to the driver, which
creates the guest paused and calls ``wait()``. ``wait()`` returns when the
guest may run and raises a BuildAbortException subclass when it may not, so
that Nova's own failure path destroys the guest and releases the networks
and allocations (without counting a failure of the host: ``host_fault =
False``). When the spawn fails before ``wait()``, the driver calls
``close()``.

The waiter stays off the boot's critical path wherever it can: the request
travels while the driver defines and creates the paused guest, the record of
the gate's start is written beside the request (it never eats the gate's
deadline), and the record of an approval is written once the guest may
already run. What is left is the wait for the verdict itself
(``benchmarks/gate_bench.py`` measures it). When the verdict is an approval
that arrives within ``[third_party_gate] early_verdict_window``, ``settle()``
ends the gate before the guest is created, and the driver creates it running
instead of paused-then-resumed.

Every wait is bounded: the request thread is joined no later than the
deadline, and while the guest waits the waiter looks every
``DELETE_POLL_INTERVAL`` seconds whether the server is being deleted, so
that a delete (which needs the instance lock the build holds) ends the wait
at once instead of at the verdict or ``max_total_wait``.

Past 400 lines on purpose: one class whose request, wait and enforcement
share the waiter's state (tag, deadlines, decision, threads); what does not
need that state lives in ``request``, ``records`` and ``selection``.
"""

import secrets
import threading
import time

from nova.compute import task_states
from nova import exception as nova_exception
from nova import objects
from oslo_log import log as logging
from oslo_utils import timeutils

from nova_ext.gate import client as gate_client
from nova_ext.gate import event as gate_event
from nova_ext.gate import exception
from nova_ext.gate import records
from nova_ext.gate import registry
from nova_ext.gate import request
from nova_ext import hooks

LOG = logging.getLogger(__name__)

# What GateWaiter.wait() returns when the guest may run.
APPROVE = 'approve'
CONTINUE = 'continue'
AUDIT = 'audit'

# Decisions before enforcement.
APPROVED = 'approved'
REJECTED = 'rejected'
TIMED_OUT = 'timed out'
UNDELIVERABLE = 'undeliverable'
# 401 or 403: a configuration error, enforced whatever failure_policy says.
UNAUTHORIZED = 'unauthorized'

# How often (seconds) a waiting gate checks whether its server is being
# deleted: a delete must end the wait within about this long.
DELETE_POLL_INTERVAL = 1.0

# How long past the deadline the request thread may take to return what it
# got before wait() stops waiting for it.
JOIN_GRACE = 1.0


class GateDeletedError(Exception):
    """Internal: the server is being deleted while the gate waits."""


class GateWaiter(hooks.GuestGateWaiter):
    """One gate request and the wait for its verdict."""

    def __init__(self, conf, context, instance, operation):
        self.context = context
        self.instance = instance
        self.operation = operation
        self.audit = conf.mode == 'audit'
        self.timeout = conf.timeout
        self.max_total_wait = conf.max_total_wait
        self.timeout_action = conf.timeout_action
        self.failure_policy = conf.failure_policy
        self.client = gate_client.GateClient(conf)
        self.tag = secrets.token_urlsafe(32)
        self.status_url = None
        self._decision = None
        self._threads = []
        self._request_thread = None
        self._record_start_thread = None
        # Set once wait() or close() ended the wait: whatever the request
        # thread learns afterwards is ignored.
        self._done = False
        self._wall_start = timeutils.utcnow()
        self._start = time.monotonic()
        self.deadline = self._start + self.timeout
        self.max_deadline = self._start + self.max_total_wait
        # Registered before the request goes out: a fast third party may
        # post its event before the POST even returns.
        self._waiter = registry.REGISTRY.register(
            instance.uuid, self.tag, self.max_deadline)

    # -- the request ---------------------------------------------------

    def body(self):
        """The gate request body (bytes), as PROTOCOL.md describes it."""
        return request.body(
            self.context, self.instance, tag=self.tag,
            operation=self.operation, wall_start=self._wall_start,
            timeout=self.timeout, max_total_wait=self.max_total_wait,
            audit=self.audit)

    def begin(self):
        """Record the start and send the request, each in a thread.

        The driver defines and creates the paused guest meanwhile. The
        record (a conductor round trip) does not delay the request, so it
        takes nothing from the deadline; the decision's record waits for
        it, so the two are never out of order.
        """
        self._record_start_thread = self._spawn(self._record_start, 'record')
        self._request_thread = self._spawn(self._request, 'request')

    def _spawn(self, func, what):
        """Run ``func`` in a thread of its own (green under eventlet).

        Not in one of Nova's shared pools: a gate exchange may wait for a
        slow third party, and an audited boot for its whole timeout, and
        neither may take a thread that nova-compute needs for its own work.
        """
        def run():
            # What Nova's own spawn helpers do: log with the request context.
            self.context.update_store()
            func()
        thread = threading.Thread(
            target=run, daemon=True, name='nova-ext-gate-%s-%s' % (
                what, self.instance.uuid[:8]))
        thread.start()
        self._threads.append(thread)
        return thread

    def join(self, timeout=None):
        """Wait for this waiter's threads: the request and the records.

        wait() needs only the request; this is for callers that must know
        that the records were written too (tests, an orderly shutdown).
        """
        for thread in list(self._threads):
            thread.join(timeout)

    def _request(self):
        """Send the request; keep a synchronous verdict or a delivery
        failure for wait().
        """
        try:
            answer = self.client.send(self.body(), self.tag, self.deadline)
        except gate_client.AuthRefused as e:
            self._decision = (UNAUTHORIZED, str(e))
            return
        except gate_client.DeliveryError as e:
            self._decision = (UNDELIVERABLE, str(e))
            return
        except Exception as e:
            # A bug of ours must not leave the guest unaccounted for: it is
            # a delivery failure and failure_policy decides.
            LOG.exception('Third-party gate request failed unexpectedly',
                          instance=self.instance)
            self._decision = (UNDELIVERABLE, '%s: %s' % (
                type(e).__name__, e))
            return
        if self._done:
            return
        if answer.status == gate_client.COMPLETED:
            self._decision = (APPROVED, answer.reason)
        elif answer.status == gate_client.FAILED:
            self._decision = (REJECTED, answer.reason)
        else:
            self.status_url = answer.status_url
            LOG.info('Third-party gate request accepted, waiting up to '
                     '%(timeout)d seconds for the verdict (tag %(tag)s)',
                     {'timeout': self.timeout,
                      'tag': gate_event.tag_id(self.tag)},
                     instance=self.instance)

    # -- the wait ------------------------------------------------------

    def settle(self, window):
        """Wait up to ``window`` seconds for an approval on its way.

        Called before the driver creates the guest
        (``[third_party_gate] early_verdict_window``). Only an approval
        that ``wait()`` would enforce as one ends the gate here: the
        request thread must have ended (its synchronous answer wins over
        any event, as in ``wait()``) with an approval, or with a pending
        answer followed by a ``completed`` event. Anything else (a
        rejection, a delivery failure, no answer yet) is left untouched
        for ``wait()``, so that a guest that may not run is only ever
        created paused and destroyed.

        :returns: True when the guest may be created running: the gate is
            over (the waiter left the registry, the approval is recorded
            beside the boot) and ``wait()`` must not be called. False
            otherwise, having consumed nothing.
        """
        if window <= 0 or self.audit:
            return False
        begin = time.monotonic()
        try:
            decision = self._early_approval(begin + window)
        except Exception:
            # The window only saves a pause: a bug of ours here must
            # neither fail the boot nor let the guest run ungated.
            LOG.exception('Third-party gate: looking for an early verdict '
                          'failed, the guest is created paused',
                          instance=self.instance)
            return False
        if decision is None:
            return False
        self._done = True
        registry.REGISTRY.unregister(self._waiter)
        LOG.debug('Third-party gate approved the server within %.3f '
                  'seconds, before its creation: the guest is created '
                  'running', time.monotonic() - begin, instance=self.instance)
        return self._enforce(*decision) == APPROVE

    def _early_approval(self, end):
        """The approval settle() may enforce by ``end``; or None.

        None consumes nothing. An approval by event is taken from the
        queue (with the heartbeats before it), so that leaving the
        registry does not log it as an event that came too late.
        """
        thread = self._request_thread
        if thread is None:
            return None
        thread.join(max(0.0, end - time.monotonic()))
        if thread.is_alive():
            return None
        decision = self._decision
        if decision is None:
            # Pending: a verdict event may be on its way.
            status = self._waiter.first_verdict(
                (gate_client.COMPLETED, gate_client.FAILED), end)
            if status != gate_client.COMPLETED:
                return None
            # The first verdict queued is this approval: take it.
            return self._queued_verdict()
        return decision if decision[0] == APPROVED else None

    def wait(self):
        """Wait for the verdict and enforce it.

        :returns: APPROVE, CONTINUE (timeout or delivery failure let
            through by the configuration) or AUDIT.
        :raises: a GateAborted subclass when the guest may not run;
            GateDeleted when the server is being deleted.
        """
        try:
            self._join_request()
            decision = self._decision
            if decision is not None and decision[0] == UNDELIVERABLE:
                decision = self._queued_verdict() or decision
            decision, detail = decision or self._wait_for_verdict()
        except GateDeletedError:
            LOG.info('%s', records.DELETED, instance=self.instance)
            self._record_finish(records.DELETED)
            raise exception.GateDeleted(
                instance_uuid=self.instance.uuid,
                expected=self.instance.task_state,
                actual=task_states.DELETING)
        finally:
            self._done = True
            registry.REGISTRY.unregister(self._waiter)
        return self._enforce(decision, detail)

    def close(self):
        """The spawn failed before wait(): end the wait at once.

        The waiter leaves the registry, the open action event is finished
        and whatever the request thread still learns is ignored (that
        thread ends with its exchange, which the deadline bounds).
        """
        if self._done:
            return
        self._done = True
        registry.REGISTRY.unregister(self._waiter)
        LOG.info('%s', records.SPAWN_FAILED, instance=self.instance)
        self._spawn(lambda: self._record_finish(records.SPAWN_FAILED),
                    'record')

    def _join_request(self):
        """Wait for the request thread, no later than the deadline.

        :raises: GateDeletedError when the server is being deleted.
        """
        thread = self._request_thread
        while thread is not None and thread.is_alive():
            remaining = self.deadline + JOIN_GRACE - time.monotonic()
            if remaining <= 0:
                LOG.warning('Third-party gate request still unanswered at the '
                            'deadline', instance=self.instance)
                self._decision = (UNDELIVERABLE,
                                  'no answer before the deadline')
                return
            thread.join(min(remaining, DELETE_POLL_INTERVAL))
            if thread.is_alive():
                self._check_deleted()

    def _check_deleted(self):
        """Raise GateDeletedError when the server is being deleted.

        A conductor round trip: what the API's delete writes before it asks
        this host (which waits for the instance lock the build holds) to
        delete the server.
        """
        try:
            current = objects.Instance.get_by_uuid(
                self.context, self.instance.uuid, expected_attrs=[])
        except nova_exception.InstanceNotFound:
            raise GateDeletedError()
        except Exception:
            # A conductor hiccup must not fail the boot: look again later.
            LOG.warning('Third-party gate could not check whether the server '
                        'is being deleted', exc_info=True,
                        instance=self.instance)
            return
        if current.task_state == task_states.DELETING:
            raise GateDeletedError()

    def _next_status(self):
        """The next event's status; None once the deadline passed.

        :raises: GateDeletedError when the server is being deleted.
        """
        while True:
            until = min(self.deadline,
                        time.monotonic() + DELETE_POLL_INTERVAL)
            status = self._waiter.next_status(until)
            if status is not None or time.monotonic() >= self.deadline:
                return status
            self._check_deleted()

    def run_audit_in_background(self, done):
        """Audit mode: the whole exchange, in a thread beside the boot.

        :param done: called when the exchange ended (it frees the slot).
        """
        self._spawn(lambda: self._run_audit(done), 'audit')

    def _run_audit(self, done):
        try:
            self.begin()
            self.wait()
        except exception.GateDeleted:
            pass
        except Exception:
            LOG.exception('Third-party gate audit failed',
                          instance=self.instance)
        finally:
            registry.REGISTRY.unregister(self._waiter)
            done()

    def _lookup(self):
        """Ask the status endpoint, when there is one; None on failure."""
        if not self.status_url:
            return None
        deadline = time.monotonic() + self.client.request_timeout
        try:
            return self.client.get_status(self.status_url, self.tag, deadline)
        except gate_client.AuthRefused as e:
            self._log_unauthorized(self.status_url, e)
            return None
        except gate_client.DeliveryError as e:
            LOG.warning('Third-party gate status lookup at %(url)s failed: '
                        '%(error)s',
                        {'url': gate_event.redact(self.status_url, self.tag),
                         'error': e},
                        instance=self.instance)
            return None

    def _queued_verdict(self):
        """A verdict already delivered by event, without waiting; or None.

        An event's verdict beats what the request thread concluded: a third
        party may post its rejection and then lose its HTTP answer (a
        proxy's 502), and that rejection must not become an undeliverable
        request that ``failure_policy = continue`` lets through.
        """
        while True:
            status = self._waiter.next_status(time.monotonic())
            if status is None:
                return None
            if status in (gate_client.COMPLETED, gate_client.FAILED):
                return self._verdict_of(status)

    def _verdict_of(self, status):
        """The decision of a completed or failed event."""
        if status == gate_client.COMPLETED:
            return APPROVED, None
        # The event schema has no reason: ask for it.
        answer = self._lookup()
        reason = None
        if answer is not None and answer.status == gate_client.FAILED:
            reason = answer.reason
        return REJECTED, reason

    def _wait_for_verdict(self):
        while True:
            status = self._next_status()
            if status is None:
                # Pull reconciliation: a lost event must not fail a boot.
                answer = self._lookup()
                if answer is not None and answer.status in (
                        gate_client.COMPLETED, gate_client.FAILED):
                    LOG.info('Third-party gate verdict %s learnt from the '
                             'status endpoint at the deadline',
                             answer.status, instance=self.instance)
                    return (APPROVED if answer.status ==
                            gate_client.COMPLETED else REJECTED,
                            answer.reason)
                return TIMED_OUT, None
            if status in (gate_client.COMPLETED, gate_client.FAILED):
                return self._verdict_of(status)
            # in-progress: a heartbeat.
            self.deadline = max(self.deadline, min(
                time.monotonic() + self.timeout, self.max_deadline))
            LOG.info('Third-party gate heartbeat: waiting up to %.1f more '
                     'seconds', self.deadline - time.monotonic(),
                     instance=self.instance)

    def _enforce(self, decision, detail):
        uuid = self.instance.uuid
        # The third party's reason or error may quote the tag.
        detail = gate_event.redact(detail, self.tag)
        if decision == APPROVED:
            LOG.info('Third-party gate approved the server%s',
                     ': %s' % detail if detail else '',
                     instance=self.instance)
            if self.audit:
                self._record_finish(None)
                return AUDIT
            # The guest may run now: the record need not hold it. Its
            # start was recorded before the request went out (wait()
            # joined that thread), so the two cannot be out of order.
            self._spawn(lambda: self._record_finish(None), 'record')
            return APPROVE
        if decision == REJECTED:
            error = exception.GateRejected(
                uuid, reason=detail or 'no reason given')
            let_through = self.audit
        elif decision == TIMED_OUT:
            error = exception.GateTimedOut(
                uuid, seconds=int(round(self.deadline - self._start)))
            let_through = self.audit or self.timeout_action == 'continue'
        elif decision == UNAUTHORIZED:
            # Never let through by failure_policy: a gate that cannot
            # authenticate must not turn into no gate at all.
            self._log_unauthorized(self.client.url, detail)
            error = exception.GateAuthRefused(uuid)
            let_through = self.audit
        else:
            LOG.warning('Third-party gate request to %(url)s could not be '
                        'delivered: %(error)s',
                        {'url': self.client.url, 'error': detail},
                        instance=self.instance)
            error = exception.GateUndeliverable(uuid)
            let_through = self.audit or self.failure_policy == 'continue'
        # The fault and the record say what happened; the third party's
        # host, port and errors stay in the log lines above.
        message = error.gate_reason
        if let_through:
            why = ('audit mode' if self.audit else
                   'timeout_action=continue' if decision == TIMED_OUT else
                   'failure_policy=continue')
            message = '%s (%s: the server was let through)' % (message, why)
        LOG.warning('%s', message, instance=self.instance)
        self._record_finish(message)
        if let_through:
            return AUDIT if self.audit else CONTINUE
        raise error

    def _log_unauthorized(self, url, error):
        LOG.error('Third-party gate configuration error: %(url)s %(error)s, '
                  'so the third party does not accept this nova-compute. '
                  'Check [third_party_gate] secret, client_cert and '
                  'client_key against its settings; gated boots fail until '
                  'then, whatever [third_party_gate] failure_policy says.',
                  {'url': gate_event.redact(url, self.tag), 'error': error},
                  instance=self.instance)

    # -- the records ---------------------------------------------------

    def _record_start(self):
        records.record_start(self.context, self.instance)

    def _record_finish(self, error_message):
        if self._record_start_thread is not None:
            # The start's record goes beside the request: never finish an
            # event before it started.
            self._record_start_thread.join()
        records.record_finish(self.context, self.instance.uuid,
                              error_message)
