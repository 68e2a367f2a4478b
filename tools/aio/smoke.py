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

"""End-to-end checks of the third-party gate on the all-in-one cloud.

Run by tools/aio/run.sh (or by hand: ``tools/aio/smoke.sh``) against a cloud
that tools/aio/deploy.sh stood up. Unlike the tempest plugin, these checks
look at the hypervisor and the host directly (libvirt, placement, the
instances directory), which an API-only test cannot see:

* approved boot: the real QEMU guest is PAUSED while its gate waits for the
  reference third party's (delayed) verdict, RUNNING once approved, and the
  server is ACTIVE;
* rejected boot: the server is ERROR with the gate's fault, and it left no
  libvirt domain, no placement allocation and no instance directory; and
  the host's ``failed_builds`` (compute_nodes.stats in the database, what
  the scheduler's BuildFailureWeigher reads) stays 0: a verdict is not a
  host failure;
* deleting the approved server removes its domain too;
* deleting a server whose guest waits at the gate (the reference never
  answers it) ends within seconds, well before the gate's timeout, and
  leaves no domain, allocation or instance directory.

Prints one line per check and a closing ``N passed, N failed`` line; the
exit status is non-zero when any check failed.
"""

import configparser
import json
import os
import sys
import time

import libvirt
import openstack
import sqlalchemy as sa

E = os.environ
IMAGE = 'nova-ext-aio-blank'
FLAVOR = 'nova-ext-aio'
INSTANCES = os.path.join(E['AIO_DATA'], 'nova', 'instances')
STATE_NAMES = {
    libvirt.VIR_DOMAIN_RUNNING: 'running',
    libvirt.VIR_DOMAIN_PAUSED: 'paused',
    libvirt.VIR_DOMAIN_SHUTOFF: 'shutoff',
}

results = []
START = time.time()


def check(name, ok, detail=''):
    results.append(ok)
    print('%s [%4.0fs] %s%s' % ('PASS' if ok else 'FAIL',
                               time.time() - START, name,
                               (': ' + detail) if detail else ''),
          flush=True)
    return ok


def domain_state(virt, name):
    try:
        dom = virt.lookupByName(name)
    except libvirt.libvirtError:
        return None
    state, _reason = dom.state()
    return STATE_NAMES.get(state, str(state))


def boot(conn, name):
    image = conn.image.find_image(IMAGE, ignore_missing=False)
    flavor = conn.compute.find_flavor(FLAVOR, ignore_missing=False)
    return conn.compute.create_server(
        name=name, image_id=image.id, flavor_id=flavor.id, networks='none')


def wait_status(conn, server, statuses, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        server = conn.compute.get_server(server.id)
        if server.status in statuses:
            return server
        time.sleep(1)
    return conn.compute.get_server(server.id)


def approved(conn, virt):
    server = boot(conn, 'aio-smoke-approve')
    seen = []
    deadline = time.time() + 120
    instance_name = None
    while time.time() < deadline:
        server = conn.compute.get_server(server.id)
        instance_name = instance_name or server.instance_name
        state = domain_state(virt, instance_name) if instance_name else None
        if state and (not seen or seen[-1] != state):
            seen.append(state)
        if server.status in ('ACTIVE', 'ERROR') and state != 'paused':
            break
        time.sleep(0.3)
    check('approved server ACTIVE', server.status == 'ACTIVE',
          'status %s' % server.status)
    check('guest PAUSED while the gate waited', 'paused' in seen,
          'libvirt states seen: %s' % ' -> '.join(seen))
    final = domain_state(virt, instance_name)
    check('guest RUNNING after approval', final == 'running',
          'libvirt state %s' % final)
    return server, instance_name


def nova_db():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(os.path.join(E['AIO_ETC'], 'nova', 'nova.conf'))
    return sa.create_engine(parser.get('database', 'connection'))


def failed_builds_after_next_update(engine, timeout=60):
    """The host's failed_builds, once the compute's periodic ran again.

    The compute keeps the counter in memory and its resource periodic
    (``update_resources_interval``) writes it to compute_nodes.stats when
    it changed; its log says when that periodic ran.
    """
    log = os.path.join(E['AIO_LOGS'], 'nova-compute.log')
    marker = 'Compute_service record updated for'

    def runs():
        with open(log, errors='replace') as f:
            return f.read().count(marker)
    before = runs()
    deadline = time.time() + timeout
    while runs() == before:
        if time.time() > deadline:
            return None
        time.sleep(1)
    with engine.connect() as db:
        stats = db.execute(sa.text(
            'SELECT stats FROM compute_nodes '
            'WHERE host = :host AND deleted = 0'),
            {'host': E['AIO_COMPUTE_HOST']}).scalar()
    return int(json.loads(stats or '{}').get('failed_builds', 0))


def check_released(conn, server):
    """Check that a server's allocations and instance directory are gone."""
    allocs = conn.placement.get(
        '/allocations/%s' % server.id,
        microversion='1.28').json().get('allocations')
    check('no placement allocation left', allocs == {}, repr(allocs))
    path = os.path.join(INSTANCES, server.id)
    check('no instance directory left', not os.path.exists(path), path)


def rejected(conn, virt):
    server = boot(conn, 'nova-ext-reject-smoke')
    server = wait_status(conn, server, ('ERROR', 'ACTIVE'), 120)
    check('rejected server ERROR', server.status == 'ERROR',
          'status %s' % server.status)
    fault = (server.fault or {}).get('message', '')
    check('fault names the third-party gate',
          'Third-party gate rejected the server' in fault, repr(fault))
    name = server.instance_name
    check('no libvirt domain left',
          name is not None and domain_state(virt, name) is None,
          'domain %s: %s' % (name, domain_state(virt, name) if name
                             else '?'))
    check_released(conn, server)
    actions = list(conn.compute.server_actions(server.id))
    create = [a for a in actions if a.action == 'create']
    events = []
    if create:
        action = conn.compute.get_server_action(create[0].request_id,
                                                server.id)
        events = [ev['event'] for ev in action.events or []]
    check('decision recorded as an instance action event',
          'nova_ext_third_party_gate' in events, repr(events))
    failed = failed_builds_after_next_update(nova_db())
    check("rejection left the host's failed_builds at 0", failed == 0,
          'failed_builds %r' % failed)
    return server


def deleted_while_waiting(conn, virt):
    server = boot(conn, 'nova-ext-ignore-smoke-delete')
    deadline = time.time() + 120
    name = None
    while time.time() < deadline:
        server = conn.compute.get_server(server.id)
        name = name or server.instance_name
        if name and domain_state(virt, name) == 'paused':
            break
        time.sleep(0.3)
    check('unanswered guest PAUSED at the gate',
          name is not None and domain_state(virt, name) == 'paused')
    start = time.time()
    conn.compute.delete_server(server.id)
    conn.compute.wait_for_delete(server, interval=0.5, wait=120)
    elapsed = time.time() - start
    check('delete during the wait done within seconds', elapsed < 10,
          '%.1f s (gate timeout %s s)' % (elapsed, E['AIO_GATE_TIMEOUT']))
    check('no libvirt domain left', domain_state(virt, name) is None)
    check_released(conn, server)
    return server


def main():
    conn = openstack.connect(cloud='aio-admin')
    # "Domain not found" is an expected answer here, not worth printing.
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    virt = libvirt.open('qemu:///system')
    servers = []
    try:
        server, name = approved(conn, virt)
        servers.append(server)
        servers.append(rejected(conn, virt))
        conn.compute.delete_server(server.id)
        conn.compute.wait_for_delete(server, wait=120)
        check('deleted server left no domain',
              domain_state(virt, name) is None)
        # Last: upstream Nova counts a delete during a build as a failed
        # build of the host.
        servers.append(deleted_while_waiting(conn, virt))
    finally:
        for server in servers:
            conn.compute.delete_server(server.id, ignore_missing=True)
    failed = results.count(False)
    print('%d passed, %d failed' % (len(results) - failed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
