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

"""Create the all-in-one cloud's accounts, image and flavor.

Run by tools/aio/deploy.sh with the AIO venv's Python (openstacksdk) and
the settings of tools/aio/common.sh in the environment. One process per
step instead of dozens of ``openstack`` CLI calls keeps the deploy fast.

Sub-commands:
  accounts      service project, service users, catalog, the gate
                reporter role and its user, a demo project and member
  image FILE    upload FILE (qcow2) as the AIO image
  neutron-check warm Neutron's API up and list ports as Nova does
  wait-compute  wait until nova-compute registered its service
  flavor        create the AIO flavor
"""

import os
import sys
import time

import openstack

E = os.environ
PW = E['AIO_PASSWORD']
HOST = E['AIO_HOST']
REGION = E['AIO_REGION']
IMAGE_NAME = 'nova-ext-aio-blank'
FLAVOR_NAME = 'nova-ext-aio'


def admin():
    return openstack.connect(cloud='aio-admin')


def get_or_create(find, create, name, **kwargs):
    obj = find(name)
    if obj is None:
        obj = create(name=name, **kwargs)
    return obj


def accounts():
    conn = admin()
    ident = conn.identity
    domain = ident.find_domain('default')
    service = get_or_create(ident.find_project, ident.create_project,
                            'service', domain_id=domain.id)
    demo = get_or_create(ident.find_project, ident.create_project,
                         'demo', domain_id=domain.id)
    roles = {}
    for name in ('admin', 'member', 'reader', 'service',
                 E['AIO_GATE_REPORTER_ROLE']):
        roles[name] = get_or_create(ident.find_role, ident.create_role,
                                    name)

    def user(name, project, role_names):
        u = get_or_create(ident.find_user, ident.create_user, name,
                          password=PW, domain_id=domain.id,
                          default_project_id=project.id)
        for role in role_names:
            ident.assign_project_role_to_user(project, u, roles[role])
        return u

    for name in ('nova', 'glance', 'placement', 'neutron'):
        user(name, service, ['admin', 'service'])
    user('demo', demo, ['member'])
    # The reference third party holds only the reporter role: it may post
    # third-party-gate events and nothing else.
    user(E['AIO_GATE_USER'], service, [E['AIO_GATE_REPORTER_ROLE']])

    catalog = {
        'compute': ('nova', 'http://%s:%s/v2.1' % (HOST, E['AIO_NOVA_PORT'])),
        'image': ('glance', 'http://%s:%s' % (HOST, E['AIO_GLANCE_PORT'])),
        'placement': ('placement',
                      'http://%s:%s' % (HOST, E['AIO_PLACEMENT_PORT'])),
        'network': ('neutron', 'http://%s:%s' % (HOST, E['AIO_NEUTRON_PORT'])),
    }
    for stype, (name, url) in catalog.items():
        svc = ident.find_service(name)
        if svc is None:
            svc = ident.create_service(name=name, type=stype)
        existing = {ep.interface for ep in ident.endpoints(service_id=svc.id)}
        for interface in ('public', 'internal', 'admin'):
            if interface not in existing:
                ident.create_endpoint(service_id=svc.id, interface=interface,
                                      url=url, region_id=REGION)
    print('accounts and catalog ready')


def image(path):
    conn = admin()
    img = conn.image.find_image(IMAGE_NAME)
    if img is None:
        img = conn.image.create_image(
            name=IMAGE_NAME, filename=path, disk_format='qcow2',
            container_format='bare', visibility='public', wait=True)
    print('image %s %s' % (img.id, IMAGE_NAME))


def neutron_check():
    """List networks, then ports: what Nova asks Neutron for.

    Neutron's Port model gets some relationships only once SQLAlchemy
    configured its mappers, which the first query of a process does; a
    first request that lists ports would fail with "type object 'Port' has
    no attribute 'port_forwardings'". Listing networks first warms the
    API process up; listing ports then checks the call Nova makes.
    """
    conn = admin()
    list(conn.network.networks())
    list(conn.network.ports(device_id='00000000-0000-0000-0000-000000000000'))
    print('neutron answers port queries')


def wait_compute(timeout=180):
    conn = admin()
    deadline = time.time() + timeout
    while time.time() < deadline:
        services = [s for s in conn.compute.services()
                    if s.binary == 'nova-compute' and s.state == 'up']
        if services:
            print('nova-compute is up on %s' % services[0].host)
            return
        time.sleep(2)
    sys.exit('nova-compute did not report up within %ss; see %s' % (
        timeout, os.path.join(E['AIO_LOGS'], 'nova-compute.log')))


def flavor():
    conn = admin()
    if conn.compute.find_flavor(FLAVOR_NAME) is None:
        conn.compute.create_flavor(name=FLAVOR_NAME, id='42', ram=64,
                                   vcpus=1, disk=1, is_public=True)
    if conn.compute.find_flavor(FLAVOR_NAME + '-alt') is None:
        conn.compute.create_flavor(name=FLAVOR_NAME + '-alt', id='84',
                                   ram=96, vcpus=1, disk=1, is_public=True)
    print('flavors ready')


def main():
    cmd = sys.argv[1]
    if cmd == 'accounts':
        accounts()
    elif cmd == 'image':
        image(sys.argv[2])
    elif cmd == 'neutron-check':
        neutron_check()
    elif cmd == 'wait-compute':
        wait_compute()
    elif cmd == 'flavor':
        flavor()
    else:
        sys.exit('unknown command %s' % cmd)


if __name__ == '__main__':
    main()
