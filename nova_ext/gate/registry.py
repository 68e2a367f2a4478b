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

"""Process-wide registry of the gates waiting for a third-party verdict.

nova-compute receives ``third-party-gate`` external events in an RPC handler
while the boot that waits for them runs in a build thread. The registry is
the meeting point: the gate registers a waiter keyed by (instance uuid, tag)
*before* it sends the gate request, so that an event cannot arrive before
anyone listens for it, and the event handler pushes the event's status into
that waiter.

Waiters queue every status instead of keeping only the last one, so that a
heartbeat (``in-progress``) arriving right before the verdict never hides
it. The primitives are ``threading`` ones: under eventlet monkey patching
they are green, under native threading they are native, and both backends of
Nova work unchanged.
"""

import collections
import threading
import time

from oslo_log import log as logging

LOG = logging.getLogger(__name__)

# How long a waiter that nobody closed may outlive its max deadline before
# the registry forgets it (the spawn failed between start() and wait()).
STALE_GRACE = 60.0


class Waiter(object):
    """Statuses of the events received for one gate request."""

    def __init__(self, instance_uuid, tag, expires_at):
        self.instance_uuid = instance_uuid
        self.tag = tag
        # Monotonic time after which the registry may drop this waiter.
        self.expires_at = expires_at
        self._cond = threading.Condition()
        self._statuses = collections.deque()
        self._closed = False

    @property
    def closed(self):
        return self._closed

    def push(self, status):
        """Queue an event's status; False when the waiter already decided."""
        with self._cond:
            if self._closed:
                return False
            self._statuses.append(status)
            self._cond.notify_all()
            return True

    def next_status(self, until):
        """Return the next queued status, or None once ``until`` passed.

        :param until: a ``time.monotonic()`` instant.
        """
        with self._cond:
            while not self._statuses:
                remaining = until - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)
            return self._statuses.popleft()

    def first_verdict(self, verdicts, until):
        """The first queued status in ``verdicts``, left queued; or None.

        Waits until such a status is queued or ``until`` (a
        ``time.monotonic()`` instant) passed; heartbeats before it do not
        end the wait. Nothing is taken from the queue, so that whoever
        reads it next (``next_status``) sees every status in order.
        """
        with self._cond:
            while True:
                for status in self._statuses:
                    if status in verdicts:
                        return status
                remaining = until - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)

    def close(self):
        """Refuse further events and return the ones left unread."""
        with self._cond:
            self._closed = True
            left = list(self._statuses)
            self._statuses.clear()
            return left


class Registry(object):
    """The waiters of one process, keyed by (instance uuid, tag)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._waiters = {}

    def register(self, instance_uuid, tag, expires_at):
        """Create and register the waiter of a new gate request."""
        waiter = Waiter(instance_uuid, tag, expires_at)
        now = time.monotonic()
        with self._lock:
            for key, old in list(self._waiters.items()):
                if old.expires_at + STALE_GRACE < now:
                    LOG.info('Forgetting the third-party gate waiter of '
                             'instance %s: nobody waited for it',
                             old.instance_uuid)
                    old.close()
                    del self._waiters[key]
            self._waiters[(instance_uuid, tag)] = waiter
        return waiter

    def unregister(self, waiter):
        """Forget a waiter; events for it are then ignored."""
        left = waiter.close()
        with self._lock:
            key = (waiter.instance_uuid, waiter.tag)
            if self._waiters.get(key) is waiter:
                del self._waiters[key]
        for status in left:
            LOG.info('Ignoring third-party-gate event %s for instance %s: '
                     'it arrived after the decision',
                     status, waiter.instance_uuid)

    def deliver(self, instance_uuid, tag, status):
        """Hand an event to its waiter; False when nobody waits for it.

        The caller logs ignored events: it knows the instance.
        """
        with self._lock:
            waiter = self._waiters.get((instance_uuid, tag))
        return waiter is not None and waiter.push(status)

    def __len__(self):
        with self._lock:
            return len(self._waiters)

    def waiting(self, instance_uuid):
        """Tags of the waiters registered for an instance (for tests)."""
        with self._lock:
            return [tag for (uuid, tag) in self._waiters
                    if uuid == instance_uuid]


REGISTRY = Registry()
