"""Benchmark of display-name templating (not a test).

Measures, on Nova's functional harness with the Nova API database on a
real MariaDB server (tools/db-servers.sh):

1. the median latency of ``POST /servers`` with nova-ext's naming enabled
   (project scope, forced single-server naming) against disabled, requests
   interleaved so both see the same machine load; the goal is at most 5 ms
   added per create;
2. names per second under concurrent creates through the API;
3. raw counter reservations per second from many threads/connections.

The cell databases stay Nova's SQLite test databases; the conductor is
stopped once the services registered, so that a POST measures nova-api's
own work (builds would only add noise).

Usage (from the repository root, MariaDB running)::

    /work/venv/bin/python benchmarks/naming_bench.py [--requests 40]
"""

import argparse
import os
import statistics
import sys
import threading
import time
import unittest

from nova import monkey_patch
monkey_patch.patch()

os.environ.setdefault(
    'OS_WSGI__API_PASTE_CONFIG',
    os.path.join(sys.prefix, 'etc', 'nova', 'api-paste.ini'))

import fixtures  # noqa: E402
from oslo_config import cfg  # noqa: E402
from oslo_db.sqlalchemy import enginefacade  # noqa: E402
from oslo_db.sqlalchemy import test_fixtures  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from nova.db.api import api as api_db_api  # noqa: E402
from nova.db import migration as nova_migration  # noqa: E402
from nova.tests import fixtures as nova_fixtures  # noqa: E402
from nova.tests.functional import integrated_helpers  # noqa: E402

from nova_ext.conf import naming as naming_conf  # noqa: E402
from nova_ext.db import migration  # noqa: E402
from nova_ext.naming import counter  # noqa: E402

CONF = cfg.CONF
ADMIN_URL = os.environ.get(
    'NOVA_EXT_BENCH_MYSQL',
    'mysql+pymysql://openstack_citest:openstack_citest@127.0.0.1/')
DB_NAME = 'nova_ext_naming_bench'
ARGS = None


def _mariadb_url():
    """Create an empty benchmark database; return its URL."""
    admin = sa.create_engine(ADMIN_URL + 'openstack_citest')
    with admin.connect() as conn:
        conn.execute(sa.text('DROP DATABASE IF EXISTS %s' % DB_NAME))
        conn.execute(sa.text(
            'CREATE DATABASE %s CHARACTER SET utf8mb4' % DB_NAME))
    admin.dispose()
    return ADMIN_URL + DB_NAME + '?charset=utf8mb4'


def _timed_threads(target, count):
    """Run ``target`` in ``count`` threads at once; return the seconds."""
    threads = [threading.Thread(target=target) for _ in range(count)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


class NamingBenchmark(integrated_helpers._IntegratedTestBase):
    REQUIRES_LOCKING = False
    CAST_AS_CALL = False
    microversion = 'latest'

    def _setup_services(self):
        naming_conf.register_opts(CONF)
        self.flags(instances=-1, cores=-1, ram=-1, group='quota')
        self.flags(multi_instance_display_name_template='%(name)s%(count)d',
                   force_multi_instance_display_name=True,
                   multi_instance_display_name_count_scope='project')
        # The API database on MariaDB: Nova's schema, then nova-ext's.
        self.db_url = _mariadb_url()
        api_cm = enginefacade.transaction_context()
        api_cm.configure(connection=self.db_url)
        self.useFixture(test_fixtures.ReplaceEngineFacadeFixture(
            api_db_api.context_manager, api_cm))
        nova_migration.db_sync(database='api')
        migration.db_sync(api_db_api.get_engine())
        # Cell mappings were made in the SQLite API database by the base
        # class; make them again in MariaDB.
        self._copy_cell_mappings()
        self.useFixture(nova_fixtures.DefaultFlavorsFixture())
        super()._setup_services()
        self.conductor.stop()

    def _copy_cell_mappings(self):
        from nova import context as nova_context
        from nova import objects
        ctxt = nova_context.get_admin_context()
        for mapping in self.cell_mappings.values():
            objects.CellMapping(
                ctxt, uuid=mapping.uuid, name=mapping.name,
                transport_url=mapping.transport_url,
                database_connection=mapping.database_connection).create()
        nova_context.CELLS = []

    def _post(self, name, api=None):
        body = {'server': {
            'name': name, 'imageRef': self.image, 'networks': 'none',
            'flavorRef': self.flavor}}
        start = time.perf_counter()
        resp = (api or self.api).api_post('/servers', body)
        elapsed = time.perf_counter() - start
        return elapsed, resp.body['server']['id']

    def _time_parts(self):
        """Record how long the namer's database steps take."""
        from nova_ext.naming import hook
        self.parts = {}
        for name in ('_reserve', '_existing_names', '_counter_exists'):
            original = getattr(hook, name)

            def timed(*args, _original=original, _name=name, **kwargs):
                start = time.perf_counter()
                try:
                    return _original(*args, **kwargs)
                finally:
                    self.parts.setdefault(_name, []).append(
                        time.perf_counter() - start)
            self.useFixture(fixtures.MonkeyPatch(
                'nova_ext.naming.hook.' + name, timed))

    def _print_breakdown(self):
        print('\nMedian time of the namer\'s steps (sequential creates):')
        for name, values in sorted(self.parts.items()):
            print('  %-16s %6.2f ms (%d calls)' % (
                name, statistics.median(values) * 1000, len(values)))

    def test_benchmark(self):
        self._time_parts()
        body = self._build_server(networks='none')
        self.image, self.flavor = body['imageRef'], body['flavorRef']
        n = ARGS.requests
        # Warm up both paths (first use seeds the counter).
        for enabled in (False, True, False, True):
            self.flags(multi_instance_display_name_template_enabled=enabled)
            self._post('warm')
        times = {False: [], True: []}
        for i in range(n):
            for enabled in ((False, True) if i % 2 else (True, False)):
                self.flags(
                    multi_instance_display_name_template_enabled=enabled)
                times[enabled].append(self._post('bench')[0])
        self._print_breakdown()
        off = statistics.median(times[False]) * 1000
        on = statistics.median(times[True]) * 1000
        print('\nPOST /servers median latency, API DB on MariaDB, '
              '%d requests each:' % n)
        print('  without nova-ext naming: %7.2f ms' % off)
        print('  with nova-ext naming:    %7.2f ms' % on)
        print('  added: %.2f ms per create (ratio %.3f; goal <= 5 ms)'
              % (on - off, on / off))

        # Names per second through the API, concurrent creates.
        self.flags(multi_instance_display_name_template_enabled=True)
        names = []
        per_thread = max(4, n // 4)

        def worker():
            for _ in range(per_thread):
                server_id = self._post('conc')[1]
                names.append(server_id)

        elapsed = _timed_threads(worker, ARGS.threads)
        servers = self.api.get_servers(
            detail=False, search_opts={'name': '^conc'})
        unique = {s['name'] for s in servers}
        print('Concurrent creates through the API (%d threads): %d servers '
              'in %.2f s = %.1f names/s, all unique: %s'
              % (ARGS.threads, len(names), elapsed, len(names) / elapsed,
                 len(unique) == len(names)))

        # Raw counter throughput on MariaDB, one connection per thread.
        engine = sa.create_engine(self.db_url, pool_size=ARGS.threads)
        key = counter.counter_key('global', 'raw')
        got = []

        def reserver():
            for _ in range(ARGS.reservations):
                with engine.begin() as conn:
                    got.append(counter.reserve(conn, key, 'global', 'raw', 1))

        elapsed = _timed_threads(reserver, ARGS.threads)
        print('Counter reservations on MariaDB (%d threads): %d in %.2f s = '
              '%.0f names/s, all unique: %s'
              % (ARGS.threads, len(got), elapsed, len(got) / elapsed,
                 len(set(got)) == len(got)))
        engine.dispose()


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--requests', type=int, default=40,
                        help='POST /servers per variant (default 40)')
    parser.add_argument('--threads', type=int, default=8)
    parser.add_argument('--reservations', type=int, default=200,
                        help='raw reservations per thread (default 200)')
    ARGS = parser.parse_args()
    suite = unittest.TestSuite([NamingBenchmark('test_benchmark')])
    result = unittest.TextTestRunner(verbosity=1).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main())
