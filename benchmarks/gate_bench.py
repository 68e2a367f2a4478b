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

"""Benchmark: what the third-party gate adds to a boot, and how waits overlap.

Not a test: a script that prints numbers, on Nova's functional harness
(real nova-api, conductor, scheduler, placement and a libvirt nova-compute
on fakelibvirt, patches applied) with the reference third party on
127.0.0.1.

1. Median time from ``POST /servers`` to launch over ``--boots`` boots per
   configuration: the gate off, on with a synchronous approval (verdict in
   the HTTP answer), and on with an asynchronous approval (verdict posted as
   a ``third-party-gate`` event through the compute API), one boot of each
   per round in a rotating order. Printed as the milliseconds added to the
   gate-off median and the ratio, and again from the start of the compute's
   build, where the gate sits, without the API and scheduling noise.
2. ``--concurrent`` boots in one request, the gate off, then on with a
   third party that answers ``--delay`` seconds after each request: the
   wall times, and the most gates open at once, show that the waits
   overlap.
3. ``2 * max_concurrent_builds`` boots with verdicts ``--cap-delay`` seconds
   late: the open gates reach ``[DEFAULT] max_concurrent_builds``
   (``--max-builds``) and no more (a waiting guest holds its build slot).

``--boots 0`` skips part 1; ``--trace`` prints every server's steps in the
batches of part 2 (``nova_ext.testing.trace``: the cast, the build slot,
the gate request, the verdict, the gate opening, the resume...), which is
how doc/source/reference/performance.rst explains where waits overlap.

Timestamps are Nova's own (the create action's start, the build's action
event, ``launched_at``) and the script waits on Nova's notifications rather
than polling the API, which in this single-process harness would take CPU
from the builds it measures.

Usage: .venv/bin/python benchmarks/gate_bench.py [--boots 50]
       [--concurrent 50] [--delay 1.0] [--cap-delay 15.0] [--max-builds 4]
       [--trace]
"""

import argparse
import os
import statistics
import sys
import threading
import time

from oslo_utils import timeutils

from nova_ext.testing import script
script.setup(os.environ.get('NOVA_EXT_BENCH_LOG', 'gate_bench.log'))

from nova_ext.gate import registry  # noqa: E402
from nova_ext.testing import harness  # noqa: E402
from nova_ext.testing import trace as gate_trace  # noqa: E402

say = script.say
ARGS = None


def _time(value):
    return timeutils.parse_isotime(value).replace(tzinfo=None)


class GateBench(harness.GateTestBase):

    def start_compute(self, *args, **kwargs):
        # Before the compute starts: in threading mode the limit sizes the
        # executor of builds and snapshots alike, created once, at the
        # larger of the two limits.
        self.flags(max_concurrent_builds=ARGS.max_builds,
                   max_concurrent_snapshots=ARGS.max_builds)
        return super().start_compute(*args, **kwargs)

    def setUp(self):
        super().setUp()
        # Room for every server of the concurrent run on one compute.
        self.flags(cpu_allocation_ratio=64.0, ram_allocation_ratio=64.0,
                   disk_allocation_ratio=64.0)
        self.flags(instances=-1, cores=-1, ram=-1, group='quota')

    def _boot_to_active(self, name):
        """Seconds to launch from the create request and from the build.

        Measured from server-side timestamps: the create action's start
        (POST /servers), the start of the compute's build (its instance
        action event) and the server's launched_at. The second measure is
        where the gate sits and leaves out the API and the scheduling,
        which the gate never touches and which make most of the noise.
        """
        self.notifier.reset()
        body = self._build_server(name=name, networks='none')
        server = self.api.post_server({'server': body})
        self.notifier.wait_for_versioned_notifications(
            'instance.create.end', timeout=60)
        server = self.api.get_server(server['id'])
        self.assertEqual('ACTIVE', server['status'], name)
        request_id, events = self.gate_events(server)
        [action] = self.api.get_instance_actions(server['id'])
        [build] = [e for e in events
                   if e['event'] == 'compute__do_build_and_run_instance']
        launched = _time(server['OS-SRV-USG:launched_at'])
        self.notifier.reset()
        self.api.delete_server(server['id'])
        self.notifier.wait_for_versioned_notifications(
            'instance.delete.end', timeout=60)
        return ((launched - _time(action['start_time'])).total_seconds(),
                (launched - _time(build['start_time'])).total_seconds())

    def _latency(self, rounds):
        """Boot once per configuration per round, in a rotating order.

        Interleaving keeps whatever drifts during a long run in one process
        (soft-deleted rows piling up in the database, caches warming, the
        machine's load) out of the comparison: every configuration sees
        the same drift. Run one after the other, later configurations
        would look slower for reasons that have nothing to do with them.
        """
        sync_tp = self.third_party(mode='sync')
        async_tp = self.third_party(mode='async')
        configs = [('gate off', False, sync_tp),
                   ('gate on, synchronous', True, sync_tp),
                   ('gate on, asynchronous event', True, async_tp)]
        times = {label: ([], []) for label, _, _ in configs}
        for i in range(rounds + 1):
            shift = i % len(configs)
            for label, enabled, tp in configs[shift:] + configs[:shift]:
                self.flags(enabled=enabled, url=tp.url,
                           group='third_party_gate')
                total, build = self._boot_to_active('%s-%d' % (label, i))
                if i:  # round 0 warms every path up
                    times[label][0].append(total)
                    times[label][1].append(build)
        for index, what in enumerate(('POST /servers -> launched',
                                      'compute build start -> launched')):
            say('  %s:' % what)
            medians = {}
            for label, _, _ in configs:
                values = times[label][index]
                medians[label] = statistics.median(values) * 1000
                say('    %-28s median %7.1f ms  (p90 %7.1f ms, n=%d)' % (
                    label, medians[label],
                    statistics.quantiles(values, n=10)[-1] * 1000,
                    len(values)))
            off = medians['gate off']
            for label, _, _ in configs[1:]:
                say('    %-28s adds %+7.1f ms to the median, ratio %.3f' % (
                    label, medians[label] - off, medians[label] / off))

    def test_latency_and_overlap(self):
        say('1. Time to launch, %d boots per configuration, interleaved' %
            ARGS.boots)
        if ARGS.boots:
            self._latency(ARGS.boots)
        if ARGS.concurrent:
            self._overlap(ARGS.concurrent, ARGS.delay)
        if ARGS.cap_delay:
            self._cap(ARGS.cap_delay)

    def _batch(self, name, count, tp=None):
        """Boot ``count`` servers in one request; return (seconds, peak).

        seconds: from the request until every server launched, waited for
        through Nova's notifications (no polling). peak: the most gates
        open at once in nova-compute (waiters registered, verdict not yet
        enforced), sampled every 20 ms.
        """
        peak = [0]
        done = threading.Event()

        def sample():
            while not done.wait(0.02):
                peak[0] = max(peak[0], len(registry.REGISTRY))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        trace = gate_trace.install(self) if ARGS.trace else None
        body = self._build_server(name=name, networks='none')
        body.update({'min_count': count, 'max_count': count})
        self.notifier.reset()
        start = time.monotonic()
        self.api.post_server({'server': body})
        self.notifier.wait_for_versioned_notifications(
            'instance.create.end', n_events=count, timeout=count * 10 + 120)
        elapsed = time.monotonic() - start
        done.set()
        sampler.join()
        if trace is not None:
            trace.uninstall()
            trace.report(say)
        servers = self.api.get_servers(search_opts={'name': '^%s' % name})
        self.assertEqual(count, len(servers))
        self.notifier.reset()
        for server in servers:
            self.api.delete_server(server['id'])
        self.notifier.wait_for_versioned_notifications(
            'instance.delete.end', n_events=count, timeout=count * 10 + 120)
        return elapsed, peak[0]

    def _slow_third_party(self, count, delay):
        self.flags(enabled=True, timeout=int(count * delay + 60),
                   max_total_wait=int(count * delay + 120),
                   group='third_party_gate')
        return self.third_party(mode='async', delay=delay)

    def _overlap(self, count, delay):
        limit = harness.CONF.max_concurrent_builds
        say('2. %d boots in one request; [DEFAULT] max_concurrent_builds = '
            '%d' % (count, limit))
        self.flags(enabled=False, group='third_party_gate')
        off, _ = self._batch('overlap-off', count)
        say('  %-44s all launched in %5.1f s' % ('gate off', off))
        self._slow_third_party(count, delay)
        on, peak = self._batch('overlap-on', count)
        say('  %-44s all launched in %5.1f s; gates open at once: at most '
            '%d' % ('gate on, every verdict %.1f s after its request' % delay,
                    on, peak))
        say('  the gate adds %+.1f s (ratio %.2f); %d verdicts one after '
            'another would add %.0f s' % (
                on - off, on / off, count, count * delay))

    def _cap(self, delay):
        limit = harness.CONF.max_concurrent_builds
        count = 2 * limit
        say('3. %d boots in one request, every verdict %.1f s after its '
            'request: open gates are capped by max_concurrent_builds = %d' %
            (count, delay, limit))
        self._slow_third_party(count, delay)
        took, peak = self._batch('cap', count)
        say('  all launched in %.1f s; gates open at once: at most %d%s' % (
            took, peak, ' (the cap)' if peak == limit else ''))
        self.assertLessEqual(peak, limit)


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--boots', type=int, default=50)
    parser.add_argument('--concurrent', type=int, default=50)
    parser.add_argument('--delay', type=float, default=1.0)
    parser.add_argument('--cap-delay', type=float, default=15.0)
    parser.add_argument(
        '--max-builds', type=int, default=4,
        help="nova-compute's [DEFAULT] max_concurrent_builds (Nova's "
             "default is 10; the single-process harness starts builds too "
             "slowly to fill 10 slots within a verdict's delay)")
    parser.add_argument('--trace', action='store_true',
                        help="print each server's steps in part 2")
    ARGS = parser.parse_args()
    return script.run(GateBench('test_latency_and_overlap'))


if __name__ == '__main__':
    sys.exit(main())
