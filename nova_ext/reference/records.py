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

"""What the reference third party received, decided and posted.

Tests assert on what really crossed the wire: every ``POST /gate`` with the
answer it got, every decision, every event posted to Nova, every status
query. :class:`Recorder` keeps those records behind one lock and condition
(request threads, verdict threads and the test thread all touch them),
hands out copies, lets a test wait for them, and caps each list at
:data:`MAX_RECORDS` so that a long-running service does not grow forever.
"""

import collections
import dataclasses
import threading
import time

from nova_ext.reference import events

MAX_RECORDS = 10000
PENDING_REASON = 'no verdict yet'


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
        return self.status in events.VERDICT_STATUSES

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


class Recorder(object):
    """Thread-safe, capped records with snapshots and waits.

    Subclasses change the records only while holding ``_cond`` (an
    ``RLock`` condition) and notify it, so that the ``wait_for_*`` methods
    wake up; the public properties return copies.
    """

    def __init__(self):
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._requests = []
        self._decisions = collections.OrderedDict()
        self._events = []
        self._status_queries = []
        self._deliveries = collections.Counter()

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

    def _append(self, records, record):
        with self._cond:
            records.append(record)
            del records[:-MAX_RECORDS]
            self._cond.notify_all()
        return record

    def _record_request(self, path, headers, raw, status=None, body=None):
        return self._append(self._requests, GateRequest(
            path=path, headers=headers, raw=raw, response_status=status,
            response_body=body))

    def _finish_request(self, req, status, body):
        with self._cond:
            req.response_status = status
            req.response_body = body
            self._cond.notify_all()
        return status, body

    def _record_status_query(self, tag, headers, status, body):
        return self._append(self._status_queries, StatusQuery(
            tag=tag, headers=headers, response_status=status,
            response_body=body))

    def _record_event(self, result):
        return self._append(self._events, result)

    def _count_delivery(self, tag):
        """Count one more delivery of ``tag``; return the count."""
        with self._cond:
            self._deliveries[tag] += 1
            while len(self._deliveries) > MAX_RECORDS:
                # Counters keep insertion order: forget the oldest tags.
                del self._deliveries[next(iter(self._deliveries))]
            return self._deliveries[tag]

    def _add_decision(self, decision):
        with self._cond:
            self._decisions[decision.tag] = decision
            while len(self._decisions) > MAX_RECORDS:
                self._decisions.popitem(last=False)
            self._cond.notify_all()
        return decision
