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

"""Benchmark the third-party gate on the all-in-one cloud (one phase).

Run by ``benchmarks/aio_gate_bench.sh``, which sets the cloud up for it:
nova-compute gates only flavors with the extra spec
``third_party_gate:enabled=true``, and the reference third party answers in
one mode (``sync`` or ``async``) with no delay. Here nova-api, conductor,
scheduler, compute and the third party are separate processes and the guest
is a real QEMU one, which the single-process functional harness of
``gate_bench.py`` cannot show.

Each round boots one server with the plain flavor (gate off) and one with
the gated flavor, in a rotating order, and measures the time from
``POST /servers`` to ACTIVE as the client sees it (polled every 0.1 s), and
the build as nova-compute logs it ("Took N seconds to build instance", to
10 ms). Nova's database timestamps cannot serve here: MariaDB keeps whole
seconds.
"""

import argparse
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


COMPUTE_LOG = os.path.join(os.environ['AIO_LOGS'], 'nova-compute.log')


def build_seconds(server_id, timeout=30):
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


def boot(conn, name, flavor, image):
    """Boot, wait for ACTIVE; return (POST to ACTIVE, build) in seconds."""
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
    took = active, build_seconds(server.id)
    conn.compute.delete_server(server.id)
    conn.compute.wait_for_delete(server, wait=300)
    return took


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=20)
    parser.add_argument('--label', required=True,
                        help='what the gated boots are, for the output')
    args = parser.parse_args()
    conn = openstack.connect(cloud='aio-admin')
    conn.compute.default_microversion = '2.93'
    image = conn.image.find_image(IMAGE, ignore_missing=False)
    configs = [('gate off', conn.compute.find_flavor(
        FLAVOR, ignore_missing=False)), (args.label, gated_flavor(conn))]
    times = {label: ([], []) for label, _ in configs}
    for i in range(args.rounds + 1):
        order = configs if i % 2 else configs[::-1]
        for label, flavor in order:
            took = boot(conn, 'aio-bench-%d' % i, flavor, image)
            if i:  # round 0 warms every path up
                times[label][0].append(took[0])
                times[label][1].append(took[1])
    for index, what in enumerate(('POST /servers -> ACTIVE',
                                  'build (nova-compute log)')):
        off = statistics.median(times['gate off'][index]) * 1000
        on = statistics.median(times[args.label][index]) * 1000
        print('  %-32s gate off %7.1f ms; %s %7.1f ms: adds %+6.1f ms, '
              'ratio %.3f (n=%d)' % (what + ':', off, args.label, on,
                                     on - off, on / off, args.rounds),
              flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
