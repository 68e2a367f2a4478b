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

"""Benchmark the third-party gate on the all-in-one cloud (one part).

Run by ``benchmarks/aio_gate_bench.sh``, which sets the cloud up for each
part: nova-compute gates only flavors with the extra spec
``third_party_gate:enabled=true`` (so that gated and ungated boots run
side by side), and the reference third party answers as the part needs.
Here nova-api, conductor, scheduler, compute and the third party are
separate processes and the guests are real QEMU ones, which the
single-process functional harness of ``gate_bench.py`` cannot show.

``overlap``: after one boot of each kind (nova-compute was just restarted),
``--boots`` servers in one request, the gate off, then on with every
verdict ``--delay`` seconds after its request (the reference in
async mode with that delay). Prints the wall time of each (from ``POST
/servers`` until the client saw every server ACTIVE, polled every 0.25 s),
the time the gate added against the goal ``1.25 x boots /
max_concurrent_builds x delay``, and the most gates open at once (from
nova-compute's log: the gate request accepted, then the approval), which
must equal ``max_concurrent_builds``: waiting guests hold their build
slots, and wait side by side.

``latency``: ``--rounds`` rounds of three boots, one per configuration in
a rotating order: the gate off, on with a synchronous approval and on
with an asynchronous one (the reference in async mode answers names
matching ``^aio-sync-`` synchronously: one third party for both, so that
they interleave). Prints, per configuration, the median and p90 of the
time from ``POST /servers`` to ACTIVE as the client sees it (polled every
0.1 s) and of the build as nova-compute logs it ("Took N seconds to build
instance", to 10 ms), and the ratio against the gate off. Nova's database
timestamps cannot serve here: MariaDB keeps whole seconds.
"""

import argparse
import datetime
import os
import re
import statistics
import sys
import time

import openstack

IMAGE = 'nova-ext-aio-blank'
FLAVOR = 'nova-ext-aio'
GATED = FLAVOR + '-gated'
SPEC = {'third_party_gate:enabled': 'true'}
SYNC_PREFIX = 'aio-sync-'

COMPUTE_LOG = os.path.join(os.environ['AIO_LOGS'], 'nova-compute.log')
_LINE = re.compile(r'^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) .*'
                   r'\[instance: ([0-9a-f-]{36})\] (.*)$')
GATE_OPENS = 'Third-party gate request accepted'
GATE_APPROVED = 'Third-party gate approved the server'
CREATED_RUNNING = 'the guest is created running'


def build_seconds(server_id, timeout=60):
    """The build time nova-compute logged for the server."""
    pattern = re.compile(r'\[instance: %s\] Took ([0-9.]+) seconds to '
                         r'build instance' % re.escape(server_id))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(COMPUTE_LOG, errors='replace') as log:
            match = pattern.search(log.read())
        if match:
            return float(match.group(1))
        time.sleep(0.2)
    raise RuntimeError('no build time logged for %s in %s' % (
        server_id, COMPUTE_LOG))


def gated_flavor(conn):
    flavor = conn.compute.find_flavor(GATED)
    if flavor is None:
        base = conn.compute.find_flavor(FLAVOR, ignore_missing=False)
        flavor = conn.compute.create_flavor(
            name=GATED, ram=base.ram, vcpus=base.vcpus, disk=base.disk)
        conn.compute.create_flavor_extra_specs(flavor, SPEC)
    return flavor


def connect():
    conn = openstack.connect(cloud='aio-admin')
    conn.compute.default_microversion = '2.93'
    return conn


def p90(values):
    return statistics.quantiles(values, n=10)[-1]


# -- latency ---------------------------------------------------------------

def created_running(server_ids):
    """How many of the gated servers were created running.

    nova-compute logs (at DEBUG, which the all-in-one cloud turns on) the
    approvals that came within ``[third_party_gate] early_verdict_window``.
    """
    found = set()
    with open(COMPUTE_LOG, errors='replace') as log:
        for line in log:
            match = _LINE.match(line)
            if (match and match.group(2) in server_ids and
                    CREATED_RUNNING in match.group(3)):
                found.add(match.group(2))
    return len(found)


def boot(conn, name, flavor, image):
    """Boot, wait for ACTIVE; return (POST to ACTIVE, build, server id)."""
    start = time.monotonic()
    server = conn.compute.create_server(
        name=name, image_id=image.id, flavor_id=flavor.id, networks='none')
    deadline = time.monotonic() + 300
    while True:
        server = conn.compute.get_server(server.id)
        if server.status == 'ACTIVE':
            active = time.monotonic() - start
            break
        if server.status == 'ERROR' or time.monotonic() > deadline:
            raise RuntimeError('%s: %s %s' % (name, server.status,
                                              server.fault))
        time.sleep(0.1)
    took = active, build_seconds(server.id), server.id
    conn.compute.delete_server(server.id)
    conn.compute.wait_for_delete(server, wait=300)
    return took


def latency(args):
    conn = connect()
    image = conn.image.find_image(IMAGE, ignore_missing=False)
    plain = conn.compute.find_flavor(FLAVOR, ignore_missing=False)
    gated = gated_flavor(conn)
    configs = [('gate off', 'aio-off-', plain),
               ('sync approval', SYNC_PREFIX, gated),
               ('async approval', 'aio-async-', gated)]
    times = {label: ([], []) for label, _, _ in configs}
    servers = {label: set() for label, _, _ in configs}
    for i in range(args.rounds + 1):
        shift = i % len(configs)
        for label, prefix, flavor in configs[shift:] + configs[:shift]:
            active, build, server_id = boot(
                conn, '%s%d' % (prefix, i), flavor, image)
            if i:  # round 0 warms every path up
                times[label][0].append(active)
                times[label][1].append(build)
                servers[label].add(server_id)
    print('  %d rounds, one boot per configuration each, rotating order' %
          args.rounds)
    for index, what in enumerate(('POST /servers -> ACTIVE',
                                  'build (nova-compute log)')):
        print('  %s:' % what)
        off = statistics.median(times['gate off'][index]) * 1000
        for label, _, _ in configs:
            values = times[label][index]
            median = statistics.median(values) * 1000
            line = '    %-16s median %7.1f ms, p90 %7.1f ms' % (
                label, median, p90(values) * 1000)
            if label != 'gate off':
                line += ': adds %+6.1f ms, ratio %.3f' % (
                    median - off, median / off)
            print(line, flush=True)
    for label, _, _ in configs[1:]:
        print('  %s: %d of %d guests created running (approved within '
              'early_verdict_window), the others paused then resumed' % (
                  label, created_running(servers[label]),
                  len(servers[label])))
    return 0


# -- overlap ---------------------------------------------------------------

def _log_time(text):
    return datetime.datetime.strptime(text, '%Y-%m-%d %H:%M:%S.%f')


def open_gates(server_ids):
    """The most gates open at once among the servers (nova-compute log)."""
    opened, closed = {}, {}
    with open(COMPUTE_LOG, errors='replace') as log:
        for line in log:
            match = _LINE.match(line)
            if not match or match.group(2) not in server_ids:
                continue
            when, uuid, message = match.groups()
            if message.startswith(GATE_OPENS):
                opened.setdefault(uuid, _log_time(when))
            elif message.startswith(GATE_APPROVED):
                closed.setdefault(uuid, _log_time(when))
    edges = sorted([(t, 1) for t in opened.values()] +
                   [(t, -1) for t in closed.values()])
    level = peak = 0
    for _, delta in edges:
        level += delta
        peak = max(peak, level)
    return peak, len(opened), len(closed)


def batch(conn, name, flavor, image, count):
    """Boot ``count`` servers in one request; return (seconds, server ids).

    From the request until the client saw every server ACTIVE.
    """
    start = time.monotonic()
    conn.compute.create_server(
        name=name, image_id=image.id, flavor_id=flavor.id, networks='none',
        min_count=count, max_count=count)
    deadline = start + 600
    while True:
        servers = list(conn.compute.servers(name='^%s' % name))
        statuses = [s.status for s in servers]
        if len(servers) == count and statuses == ['ACTIVE'] * count:
            elapsed = time.monotonic() - start
            break
        if 'ERROR' in statuses or time.monotonic() > deadline:
            raise RuntimeError('%s: %s' % (name, statuses))
        time.sleep(0.25)
    ids = {s.id for s in servers}
    for server in servers:
        conn.compute.delete_server(server.id)
    for server in servers:
        conn.compute.wait_for_delete(server, wait=300)
    return elapsed, ids


def overlap(args):
    conn = connect()
    image = conn.image.find_image(IMAGE, ignore_missing=False)
    project = conn.current_project_id
    # Room for the whole batch in the admin project, put back afterwards.
    old = conn.get_compute_quotas(project)
    conn.set_compute_quotas(project, instances=-1, cores=-1, ram=-1)
    plain = conn.compute.find_flavor(FLAVOR, ignore_missing=False)
    gated = gated_flavor(conn)
    try:
        # nova-compute was just restarted: one boot of each warms it up,
        # so that the first batch does not pay for it alone.
        for flavor in (plain, gated):
            boot(conn, 'aio-overlap-warm-up', flavor, image)
        off, _ = batch(conn, 'aio-overlap-off-%s' % args.backend, plain,
                       image, args.boots)
        on, ids = batch(conn, 'aio-overlap-on-%s' % args.backend, gated,
                        image, args.boots)
    finally:
        conn.set_compute_quotas(project, instances=old.instances,
                                cores=old.cores, ram=old.ram)
    peak, opened, approved = open_gates(ids)
    goal = 1.25 * args.boots / args.max_builds * args.delay
    added = on - off
    print('  nova-compute on %s, max_concurrent_builds = %d, %d boots in '
          'one request, every verdict %.1f s after its request:' % (
              args.backend, args.max_builds, args.boots, args.delay))
    print('    all ACTIVE in %.1f s with the gate off, %.1f s with it on: '
          'adds %+.1f s (goal <= 1.25 x %d / %d x %.1f = %.1f s: %s; '
          '%.0f s if the verdicts came one after another)' % (
              off, on, added, args.boots, args.max_builds, args.delay, goal,
              'met' if added <= goal else 'NOT met',
              args.boots * args.delay))
    print('    gates open at once: at most %d (goal %d: %s); %d gates '
          'opened, %d approved' % (
              peak, args.max_builds,
              'met' if peak == args.max_builds else 'NOT met', opened,
              approved), flush=True)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parts = parser.add_subparsers(dest='part', required=True)
    lat = parts.add_parser('latency')
    lat.add_argument('--rounds', type=int, default=30)
    ovl = parts.add_parser('overlap')
    ovl.add_argument('--boots', type=int, default=12)
    ovl.add_argument('--delay', type=float, default=2.0)
    ovl.add_argument('--max-builds', type=int, default=4,
                     help="nova-compute's [DEFAULT] max_concurrent_builds "
                          "(set by aio_gate_bench.sh)")
    ovl.add_argument('--backend', default='threading',
                     help="nova-compute's concurrency backend, for the "
                          "output (set by aio_gate_bench.sh)")
    args = parser.parse_args()
    return latency(args) if args.part == 'latency' else overlap(args)


if __name__ == '__main__':
    sys.exit(main())
