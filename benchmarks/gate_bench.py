"""Benchmark: what the third-party gate adds to a boot, and how waits overlap.

Not a test: a script that prints numbers, on Nova's functional harness
(real nova-api, conductor, scheduler, placement and a libvirt nova-compute
on fakelibvirt, patches applied) with the reference third party on
127.0.0.1.

1. Median time from ``POST /servers`` to ACTIVE over ``--boots`` sequential
   boots with the gate off, on with a synchronous approval (verdict in the
   HTTP answer), and on with an asynchronous approval (verdict posted as a
   ``third-party-gate`` event through the compute API), printed as the
   milliseconds added to the gate-off median and the ratio.
2. ``--concurrent`` gated boots in one request while the third party takes
   ``--delay`` seconds per verdict: the wall time and the most gates seen
   waiting at once show that waits overlap, up to Nova's
   ``[DEFAULT] max_concurrent_builds``.

Usage: .venv/bin/python benchmarks/gate_bench.py [--boots 50]
       [--concurrent 50] [--delay 1.0]
"""

import argparse
import os
import statistics
import sys
import threading
import time

from oslo_utils import timeutils

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
from tests import script  # noqa: E402
script.setup(os.environ.get('NOVA_EXT_BENCH_LOG', 'gate_bench.log'))

from tests.functional.gate import test_gate  # noqa: E402

say = script.say
ARGS = None


class GateBench(test_gate.GateTestBase):

    def setUp(self):
        super().setUp()
        # Room for every server of the concurrent run on one compute.
        self.flags(cpu_allocation_ratio=64.0, ram_allocation_ratio=64.0,
                   disk_allocation_ratio=64.0)
        self.flags(instances=-1, cores=-1, ram=-1, group='quota')

    def _boot_to_active(self, name):
        """Seconds from the create request to launch, as Nova recorded them.

        Measured from server-side timestamps (the create action's start
        and the server's launched_at), and polled gently: in this
        single-process harness every API call costs CPU that the build
        itself needs, so a tight polling loop would measure itself.
        """
        body = self._build_server(name=name, networks='none')
        server = self.api.post_server({'server': body})
        while True:
            server = self.api.get_server(server['id'])
            if server['status'] == 'ACTIVE':
                break
            if server['status'] == 'ERROR':
                self.fail('%s went to ERROR' % name)
            time.sleep(0.25)
        [action] = self.api.get_instance_actions(server['id'])
        started = timeutils.parse_isotime(action['start_time'])
        launched = timeutils.parse_isotime(server['OS-SRV-USG:launched_at'])
        self._delete_server(server)
        return (launched.replace(tzinfo=None) -
                started.replace(tzinfo=None)).total_seconds()

    def _median_ms(self, label, boots):
        self._boot_to_active('warm-up-%s' % label)
        times = [self._boot_to_active('%s-%d' % (label, i))
                 for i in range(boots)]
        median = statistics.median(times) * 1000
        say('  %-28s median %7.1f ms  (p90 %7.1f ms, n=%d)' % (
            label, median,
            statistics.quantiles(times, n=10)[-1] * 1000, len(times)))
        return median

    def test_latency_and_overlap(self):
        say('1. POST /servers -> ACTIVE, %d sequential boots each' %
            ARGS.boots)
        self.flags(enabled=False, group='third_party_gate')
        off = self._median_ms('gate off', ARGS.boots)

        self.flags(enabled=True, group='third_party_gate')
        self.third_party(mode='sync')
        sync = self._median_ms('gate on, synchronous', ARGS.boots)

        self.third_party(mode='async')
        asyn = self._median_ms('gate on, asynchronous event', ARGS.boots)

        for label, value in (('synchronous', sync), ('asynchronous', asyn)):
            say('  %-13s adds %+7.1f ms to the median, ratio %.3f' % (
                label, value - off, value / off))

        self._concurrent(ARGS.concurrent, ARGS.delay)

    def _concurrent(self, count, delay):
        limit = test_gate.CONF.max_concurrent_builds
        say('2. %d gated boots in one request, the third party answering '
            'after %.1f s each; [DEFAULT] max_concurrent_builds = %d' % (
                count, delay, limit))
        self.flags(timeout=max(30, int(count * delay * 2)),
                   max_total_wait=max(60, int(count * delay * 4)),
                   group='third_party_gate')
        tp = self.third_party(mode='async', delay=delay)
        peak = [0]
        done = threading.Event()

        def sample():
            # Seen from the third party: requests received, not decided.
            while not done.is_set():
                waiting = sum(1 for d in tp.decisions.values()
                              if not d.decided)
                peak[0] = max(peak[0], waiting)
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        body = self._build_server(name='concurrent', networks='none')
        body.update({'min_count': count, 'max_count': count})
        start = time.monotonic()
        self.api.post_server({'server': body})
        deadline = start + count * delay * 3 + 60
        while time.monotonic() < deadline:
            servers = self.api.get_servers(
                detail=True, search_opts={'name': '^concurrent'})
            states = [s['status'] for s in servers]
            if len(states) == count and all(
                    s in ('ACTIVE', 'ERROR') for s in states):
                break
            # Listing 50 servers is costly here: poll slowly.
            time.sleep(2)
        elapsed = time.monotonic() - start
        done.set()
        sampler.join()
        active = states.count('ACTIVE')
        serial = count * delay
        say('  %d/%d ACTIVE in %.1f s; gates waiting at once: at most %d; '
            'serialised verdicts alone would take %.0f s (%.1fx faster)' % (
                active, count, elapsed, peak[0], serial, serial / elapsed))
        self.assertEqual(count, active)


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--boots', type=int, default=50)
    parser.add_argument('--concurrent', type=int, default=50)
    parser.add_argument('--delay', type=float, default=1.0)
    ARGS = parser.parse_args()
    return script.run(GateBench('test_latency_and_overlap'))


if __name__ == '__main__':
    sys.exit(main())
