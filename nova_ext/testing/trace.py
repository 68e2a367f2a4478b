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

"""Time-stamp every step of gated builds on the functional harness.

For ``benchmarks/gate_bench.py --trace``: where the waits of concurrent
gated boots overlap and where they do not cannot be read from medians, only
from each server's steps side by side.
:func:`install` wraps the functions below (:meth:`Trace.uninstall`, which
the test's cleanups also call, undoes it) and :meth:`Trace.report` prints
one row per server:

* ``cast``: the conductor casts the build to the compute;
* ``slot``: the compute's build starts (``_do_build_and_run_instance``, run
  once a build slot is free);
* ``spawn``: the libvirt driver's spawn starts;
* ``gate``: the gate request goes out (``GateWaiter.begin``);
* ``answer``: the third party's HTTP answer is back in nova-compute;
* ``created``: the driver created the guest (paused while a gate holds it);
* ``decided``: the third party decided (the reference's verdict);
* ``event``: the verdict's event reached the gate in nova-compute;
* ``open``: the gate let the guest run (``wait()`` returned, or
  ``settle()`` found the approval before the guest's creation);
* ``resumed``: the paused guest was resumed;
* ``done``: the build ended and freed its slot.
"""

import functools
import threading
import time

from nova.compute import manager as compute_manager
from nova.compute import rpcapi as compute_rpcapi
from nova.virt.libvirt import driver as libvirt_driver
from nova.virt.libvirt import guest as libvirt_guest

from nova_ext.gate import registry
from nova_ext.gate import waiter as gate_waiter
from nova_ext.reference import service as ref_service

STEPS = ('cast', 'slot', 'spawn', 'gate', 'answer', 'created', 'decided',
         'event', 'open', 'resumed', 'done')


class Trace(object):
    """The time-stamped steps of one traced run."""

    def __init__(self):
        self._lock = threading.Lock()
        self.marks = []
        self.start = time.monotonic()
        self._undo = []

    def uninstall(self):
        """Put the traced functions back (safe to call twice)."""
        while self._undo:
            owner, name, original = self._undo.pop()
            setattr(owner, name, original)

    def mark(self, step, uuid):
        if uuid is not None:
            with self._lock:
                self.marks.append((time.monotonic(), step, uuid))

    def rows(self):
        """{uuid: {step: seconds from start}}, each step's first time."""
        rows = {}
        with self._lock:
            marks = list(self.marks)
        for when, step, uuid in marks:
            rows.setdefault(uuid, {}).setdefault(step, when - self.start)
        return rows

    def peak(self, begin, end):
        """The most servers between steps ``begin`` and ``end`` at once."""
        rows = self.rows().values()
        edges = sorted([(r[begin], 1) for r in rows if begin in r] +
                       [(r[end], -1) for r in rows if end in r])
        level = peak = 0
        for _, delta in edges:
            level += delta
            peak = max(peak, level)
        return peak

    def report(self, say):
        rows = self.rows()
        order = sorted(rows, key=lambda u: rows[u].get('slot', 1e9))
        steps = [s for s in STEPS if any(s in r for r in rows.values())]
        say('  server  ' + ''.join('%8s' % s for s in steps))
        for uuid in order:
            say('  %-8s' % uuid[:8] + ''.join(
                '%8.2f' % rows[uuid][s] if s in rows[uuid] else '%8s' % '-'
                for s in steps))
        say('  (seconds from POST /servers) most builds at once: %d; most '
            'gates open at once: %d' % (self.peak('slot', 'done'),
                                        self.peak('gate', 'open')))


def _instance(pos):
    def uuid_of(*args, **kwargs):
        return (kwargs.get('instance') or args[pos]).uuid
    return uuid_of


def _waiter_instance(self, *args):
    return self.instance.uuid


def _verdict_of(self, decision, status):
    return decision.server_uuid if status != 'in-progress' else None


# Marked on return only when the call returned something true.
IF_TRUE = 'if true'

# (owner, function, step, uuid of the call's server, marked on return
# (True, False or IF_TRUE))
POINTS = [
    (compute_rpcapi.ComputeAPI, 'build_and_run_instance', 'cast',
     _instance(2), False),
    (compute_manager.ComputeManager, '_do_build_and_run_instance', 'slot',
     _instance(2), False),
    (compute_manager.ComputeManager, '_do_build_and_run_instance', 'done',
     _instance(2), True),
    (libvirt_driver.LibvirtDriver, 'spawn', 'spawn', _instance(2), False),
    (libvirt_driver.LibvirtDriver, '_create_guest', 'created',
     _instance(3), True),
    (gate_waiter.GateWaiter, 'begin', 'gate', _waiter_instance, False),
    (gate_waiter.GateWaiter, '_request', 'answer', _waiter_instance, True),
    (gate_waiter.GateWaiter, 'wait', 'open', _waiter_instance, True),
    # An early approval: wait() is never called, the gate is over.
    (gate_waiter.GateWaiter, 'settle', 'open', _waiter_instance, IF_TRUE),
    (registry.Registry, 'deliver', 'event',
     lambda self, uuid, tag, status: uuid, False),
    (libvirt_guest.Guest, 'resume', 'resumed', lambda self: self.uuid, True),
    (ref_service.ReferenceThirdParty, '_post_event', 'decided', _verdict_of,
     False),
]


def install(test):
    """Trace the steps from now on; returns the Trace.

    Wrappers of one function nest; uninstalling unwraps them in reverse.
    """
    trace = Trace()
    test.addCleanup(trace.uninstall)
    for owner, name, step, uuid_of, after in POINTS:
        trace._undo.append((owner, name, owner.__dict__[name]))
        setattr(owner, name, _traced(trace, getattr(owner, name), step,
                                     uuid_of, after))
    return trace


def _traced(trace, func, step, uuid_of, after):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            uuid = uuid_of(*args, **kwargs)
        except Exception:
            uuid = None
        if not after:
            trace.mark(step, uuid)
            return func(*args, **kwargs)
        result = None
        try:
            result = func(*args, **kwargs)
            return result
        finally:
            if after is not IF_TRUE or result:
                trace.mark(step, uuid)
    return wrapper
