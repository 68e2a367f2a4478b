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

"""Write the configuration files of the all-in-one cloud.

Run by tools/aio/deploy.sh with the AIO venv's Python and the settings of
tools/aio/common.sh in the environment. Writes under ``$AIO_ETC``: one
directory per service, the uWSGI ini files of the WSGI services and
clouds.yaml. Interpolation is off so that Nova's ``%(name)s`` template is
written verbatim.
"""

import configparser
import os

import yaml

E = os.environ
ETC = E['AIO_ETC']
DATA = E['AIO_DATA']
LOGS = E['AIO_LOGS']
VENV = E['AIO_VENV']
HOST = E['AIO_HOST']
PW = E['AIO_PASSWORD']
DB = E['DB_URL_BASE']
KEYSTONE = E['KEYSTONE_URL']
REGION = E['AIO_REGION']
TRANSPORT = E['TRANSPORT_URL']


def write_ini(path, sections):
    """Write ``sections`` ({section: {key: value}}) as an ini file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    cp = configparser.RawConfigParser()
    cp.optionxform = str
    for section, values in sections.items():
        if section != 'DEFAULT':
            cp.add_section(section)
        for key, value in values.items():
            if isinstance(value, bool):
                value = str(value).lower()
            cp.set(section, key, str(value))
    with open(path, 'w') as f:
        cp.write(f)


def authtoken(user):
    """keystonemiddleware settings for a service user."""
    return {
        'www_authenticate_uri': KEYSTONE,
        'auth_url': KEYSTONE,
        'auth_type': 'password',
        'username': user,
        'password': PW,
        'project_name': 'service',
        'user_domain_name': 'Default',
        'project_domain_name': 'Default',
        'region_name': REGION,
        'service_token_roles_required': True,
    }


def service_auth(user='nova'):
    """keystoneauth settings for a client of another service."""
    return {
        'auth_type': 'password',
        'auth_url': KEYSTONE,
        'username': user,
        'password': PW,
        'project_name': 'service',
        'user_domain_name': 'Default',
        'project_domain_name': 'Default',
        'region_name': REGION,
        'valid_interfaces': 'public',
    }


def uwsgi(name, module, port, env, processes=2, threads=2):
    path = os.path.join(ETC, 'uwsgi', name + '.ini')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    lines = [
        '[uwsgi]',
        'http-socket = %s:%s' % (HOST, port),
        'module = %s' % module,
        'virtualenv = %s' % VENV,
        'master = true',
        'processes = %d' % processes,
        'threads = %d' % threads,
        'enable-threads = true',
        'lazy-apps = true',
        'die-on-term = true',
        'hook-master-start = unix_signal:15 gracefully_kill_them_all',
        'buffer-size = 65535',
        'thunder-lock = true',
        'http-keepalive = false',
        'add-header = Connection: close',
        'need-app = true',
    ]
    for key, value in env.items():
        lines.append('env = %s=%s' % (key, value))
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def main():
    lock = os.path.join(DATA, 'lock')
    for path in (lock, os.path.join(DATA, 'nova', 'instances'),
                 os.path.join(DATA, 'neutron'),
                 os.path.join(DATA, 'glance')):
        os.makedirs(path, exist_ok=True)

    # Keystone.
    write_ini(os.path.join(ETC, 'keystone', 'keystone.conf'), {
        'DEFAULT': {'debug': False},
        'database': {'connection': DB + '/keystone?charset=utf8'},
        'token': {'provider': 'fernet'},
        # A test cloud: cheap password hashes keep each token request
        # fast (bcrypt's default of 12 rounds costs ~1.5 s on 2 cores).
        'identity': {'password_hash_rounds': 4},
        'fernet_tokens': {
            'key_repository': os.path.join(ETC, 'keystone', 'fernet-keys')},
        'credential': {
            'key_repository': os.path.join(ETC, 'keystone',
                                           'credential-keys')},
        'oslo_messaging_notifications': {'driver': 'noop'},
    })
    uwsgi('keystone', 'keystone.wsgi.api:application',
          E['AIO_KEYSTONE_PORT'],
          {'OS_KEYSTONE_CONFIG_DIR': os.path.join(ETC, 'keystone')})

    # Glance: one file store.
    glance_dir = os.path.join(DATA, 'glance')
    write_ini(os.path.join(ETC, 'glance', 'glance-api.conf'), {
        'DEFAULT': {
            'debug': False,
            'enabled_backends': 'fs:file',
            'image_cache_dir': os.path.join(glance_dir, 'cache'),
        },
        'database': {'connection': DB + '/glance?charset=utf8'},
        'keystone_authtoken': authtoken('glance'),
        'paste_deploy': {
            'flavor': 'keystone',
            'config_file': os.path.join(ETC, 'glance',
                                        'glance-api-paste.ini')},
        'glance_store': {'default_backend': 'fs'},
        'fs': {'filesystem_store_datadir': os.path.join(glance_dir,
                                                        'images')},
        'os_glance_staging_store': {
            'filesystem_store_datadir': os.path.join(glance_dir,
                                                     'staging')},
        'os_glance_tasks_store': {
            'filesystem_store_datadir': os.path.join(glance_dir, 'tasks')},
        'oslo_concurrency': {'lock_path': lock},
        'oslo_messaging_notifications': {'driver': 'noop'},
    })
    uwsgi('glance', 'glance.wsgi.api:application', E['AIO_GLANCE_PORT'],
          {'OS_GLANCE_CONFIG_DIR': os.path.join(ETC, 'glance')},
          processes=1, threads=4)

    # Placement.
    write_ini(os.path.join(ETC, 'placement', 'placement.conf'), {
        'DEFAULT': {'debug': False},
        'placement_database': {'connection': DB + '/placement?charset=utf8'},
        'api': {'auth_strategy': 'keystone'},
        'keystone_authtoken': authtoken('placement'),
    })
    uwsgi('placement', 'placement.wsgi.api:application',
          E['AIO_PLACEMENT_PORT'],
          {'OS_PLACEMENT_CONFIG_DIR': os.path.join(ETC, 'placement')})

    # Neutron: the API only (ML2 without mechanism drivers, no agents).
    # Nova asks it for the ports of a server when it deletes or cleans one
    # up, even a server booted with networks "none".
    write_ini(os.path.join(ETC, 'neutron', 'neutron.conf'), {
        'DEFAULT': {
            'debug': False,
            'core_plugin': 'ml2',
            # The router and port forwarding plugins define relationships
            # of the Port model that listing ports needs.
            'service_plugins': 'router,port_forwarding',
            'auth_strategy': 'keystone',
            'transport_url': TRANSPORT,
            'notify_nova_on_port_status_changes': False,
            'notify_nova_on_port_data_changes': False,
            'state_path': os.path.join(DATA, 'neutron'),
            'api_workers': 1,
            'rpc_workers': 0,
            'api_paste_config': os.path.join(ETC, 'neutron',
                                             'api-paste.ini'),
        },
        'database': {'connection': DB + '/neutron?charset=utf8'},
        'keystone_authtoken': authtoken('neutron'),
        'oslo_concurrency': {'lock_path': lock},
        'oslo_messaging_notifications': {'driver': 'noop'},
    })
    write_ini(os.path.join(ETC, 'neutron', 'ml2_conf.ini'), {
        'ml2': {
            'type_drivers': 'flat',
            'tenant_network_types': '',
            'mechanism_drivers': '',
            'extension_drivers': '',
        },
        'ml2_type_flat': {'flat_networks': '*'},
    })
    uwsgi('neutron', 'neutron.wsgi.api:application', E['AIO_NEUTRON_PORT'],
          {'OS_NEUTRON_CONFIG_DIR': os.path.join(ETC, 'neutron'),
           'OS_NEUTRON_CONFIG_FILES': 'neutron.conf;ml2_conf.ini'},
          processes=1, threads=2)

    # Nova.
    nova_conf = os.path.join(ETC, 'nova', 'nova.conf')
    privsep = '%s/bin/privsep-helper --config-file %s' % (VENV, nova_conf)
    nova = {
        'DEFAULT': {
            'debug': True,
            'host': E['AIO_COMPUTE_HOST'],
            'my_ip': HOST,
            'transport_url': TRANSPORT,
            'state_path': os.path.join(DATA, 'nova'),
            'instances_path': os.path.join(DATA, 'nova', 'instances'),
            'compute_driver': 'libvirt.LibvirtDriver',
            'instance_name_template': E['AIO_INSTANCE_PREFIX'] + '%08x',
            'osapi_compute_workers': 2,
            'metadata_workers': 1,
            'default_ephemeral_format': 'ext4',
            'heal_instance_info_cache_interval': -1,
            # The compute writes its stats (failed_builds, which
            # BuildFailureWeigher reads) this often; smoke.py waits for it.
            'update_resources_interval': 10,
            'multi_instance_display_name_template_enabled': True,
            'multi_instance_display_name_template': E['AIO_NAME_TEMPLATE'],
            'force_multi_instance_display_name': True,
        },
        'api': {'auth_strategy': 'keystone'},
        'api_database': {'connection': DB + '/nova_api?charset=utf8'},
        'database': {'connection': DB + '/nova?charset=utf8'},
        'keystone_authtoken': authtoken('nova'),
        'service_user': dict(service_auth(), send_service_user_token=True),
        'placement': service_auth(),
        'glance': {'region_name': REGION, 'valid_interfaces': 'public'},
        'neutron': service_auth(),
        'cinder': {'os_region_name': REGION},
        'libvirt': {
            'virt_type': 'qemu',
            'cpu_mode': 'none',
            'connection_uri': 'qemu:///system',
        },
        'scheduler': {'discover_hosts_in_cells_interval': -1},
        'conductor': {'workers': 1},
        'wsgi': {'api_paste_config': os.path.join(ETC, 'nova',
                                                  'api-paste.ini')},
        'vnc': {'enabled': False},
        'oslo_concurrency': {'lock_path': lock},
        'oslo_messaging_notifications': {'driver': 'noop'},
        'nova_sys_admin': {'helper_command': privsep},
        'privsep_osbrick': {'helper_command': privsep},
        'third_party_gate': {
            'enabled': True,
            'url': 'http://%s:%s/gate' % (HOST, E['AIO_GATE_PORT']),
            'secret': E['AIO_GATE_SECRET'],
            'timeout': E['AIO_GATE_TIMEOUT'],
            'max_total_wait': E['AIO_GATE_MAX_TOTAL_WAIT'],
            'timeout_action': 'fail',
            'failure_policy': 'fail',
            'mode': 'enforce',
        },
    }
    write_ini(nova_conf, nova)
    # nova-compute gets no database connection, as in a real deployment
    # (DevStack's nova-cpu.conf): it reaches the databases through
    # nova-conductor only.
    cpu_conf = os.path.join(ETC, 'nova', 'nova-cpu.conf')
    cpu = {k: v for k, v in nova.items()
           if k not in ('database', 'api_database')}
    cpu_privsep = '%s/bin/privsep-helper --config-file %s' % (VENV, cpu_conf)
    cpu['nova_sys_admin'] = {'helper_command': cpu_privsep}
    cpu['privsep_osbrick'] = {'helper_command': cpu_privsep}
    write_ini(cpu_conf, cpu)
    uwsgi('nova-api', 'nova.wsgi.osapi_compute:application',
          E['AIO_NOVA_PORT'],
          {'OS_NOVA_CONFIG_DIR': os.path.join(ETC, 'nova')},
          processes=2, threads=2)

    # clouds.yaml for the admin, a member and the reference third party.
    def cloud(user, project):
        return {
            'auth': {
                'auth_url': KEYSTONE, 'username': user, 'password': PW,
                'project_name': project, 'user_domain_name': 'Default',
                'project_domain_name': 'Default'},
            'region_name': REGION,
            'identity_api_version': 3,
        }
    clouds = {'clouds': {
        'aio-admin': cloud('admin', 'admin'),
        'aio-demo': cloud('demo', 'demo'),
        E['AIO_GATE_CLOUD']: cloud(E['AIO_GATE_USER'], 'service'),
    }}
    with open(E['OS_CLIENT_CONFIG_FILE'], 'w') as f:
        yaml.safe_dump(clouds, f, default_flow_style=False)
    print('configuration written to', ETC)


if __name__ == '__main__':
    main()
