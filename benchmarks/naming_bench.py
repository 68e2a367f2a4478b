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

"""Benchmark of display-name templating at cloud scale (not a test).

Runs Nova's functional harness with the API database and two cell
databases (and cell0) on a real MariaDB server (tools/db-servers.sh), after
bulk-inserting ``--servers`` existing servers (100,000 by default) spread
over the two cells and ``--projects`` projects, 10 % of them soft-deleted,
named as people name servers (``web-3``, ``db12``, ``Build Agent 7``).
Nothing is booted: rows are inserted, as a cloud of that size would hold.
Each cell then gets nova-ext's indexes (``nova-ext-manage db
sync-cell-indexes``), which the ``global`` scope's lookups use.

It then prints, for the ``project`` and the ``global`` count scopes:

1. the median time of ``POST /servers`` with naming on against off,
   requests of both scopes interleaved so that all see the same machine
   load, every request a requested name not seen before (each one seeds
   its counter); the goal is at most 5 ms added;
2. the create throughput of ``--threads`` concurrent creators (16 by
   default) with naming on against off; the goal is at least 90 %.

nova-api runs as Nova 34 deploys it: native threads (unless
``OS_NOVA_DISABLE_EVENTLET_PATCHING=false``), ``debug = False``, a cell
targeted by setting the request context's database (Nova's harness also
switches a process-wide cell under a lock, and serializes writers for
SQLite). The conductor is stopped once the services registered, so that a
POST measures nova-api's own work (builds would only add noise).

Usage (from the repository root, MariaDB running)::

    .venv/bin/python benchmarks/naming_bench.py [--requests 60]
"""

import argparse
import contextlib
import importlib
import logging
import os
import random
import statistics
import sys
import threading
import time
import unittest

# As Nova 34's nova-api runs (nova/wsgi/osapi_compute.py): native threads,
# unless OS_NOVA_DISABLE_EVENTLET_PATCHING=false asks for eventlet. Set in
# the environment because Nova's functional package patches again.
os.environ.setdefault('OS_NOVA_DISABLE_EVENTLET_PATCHING', 'true')
from nova import monkey_patch  # noqa: E402
monkey_patch.patch()

os.environ.setdefault(
    'OS_WSGI__API_PASTE_CONFIG',
    os.path.join(sys.prefix, 'etc', 'nova', 'api-paste.ini'))

import fixtures  # noqa: E402
from oslo_config import cfg  # noqa: E402
from oslo_db.sqlalchemy import enginefacade  # noqa: E402
from oslo_db.sqlalchemy import test_fixtures  # noqa: E402
from oslo_utils import timeutils  # noqa: E402
from oslo_utils import uuidutils  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from nova import context as nova_context  # noqa: E402
from nova.db.api import api as api_db_api  # noqa: E402
from nova.db.main import models as main_models  # noqa: E402
from nova.db import migration as nova_migration  # noqa: E402
from nova import objects  # noqa: E402
from nova.tests import fixtures as nova_fixtures  # noqa: E402
from nova.tests.functional import integrated_helpers  # noqa: E402

from nova_ext.conf import naming as naming_conf  # noqa: E402
from nova_ext.db import migration  # noqa: E402
from nova_ext.naming import indexes  # noqa: E402

CONF = cfg.CONF
ADMIN_URL = os.environ.get(
    'NOVA_EXT_BENCH_MYSQL',
    'mysql+pymysql://openstack_citest:openstack_citest@127.0.0.1/')
DB_PREFIX = 'nova_ext_naming_bench'
ARGS = None
#: The harness's project: it gets its share of the existing servers.
BENCH_PROJECT = '6f70656e737461636b20342065766572'


def _database(name, charset='utf8mb4'):
    """Create an empty MariaDB database; return its URL."""
    admin = sa.create_engine(ADMIN_URL + 'openstack_citest')
    with admin.connect() as conn:
        conn.execute(sa.text('DROP DATABASE IF EXISTS %s' % name))
        conn.execute(sa.text(
            'CREATE DATABASE %s CHARACTER SET %s' % (name, charset)))
    admin.dispose()
    return ADMIN_URL + name + '?charset=' + charset


class _NoWriteLock(fixtures.Fixture):
    """Stands for Nova's DatabaseWriteLock, which is for SQLite only.

    Under native threads Nova's fixture serializes every writer
    transaction per database, SQLite taking one writer at a time; MariaDB
    takes concurrent writers, as in a deployment.
    """


def no_write_lock():
    """Keep Nova's fixtures from installing their DatabaseWriteLock.

    Both the API ``Database`` and the ``CellDatabases`` fixtures install
    it under native threads, around every enginefacade writer (not
    nova-ext's transactions, on the engine itself): it must be kept out
    of the whole set-up, by the fixtures module itself, which the dotted
    path ``nova.tests.fixtures.nova`` does not reach (the fixtures
    package's ``nova`` is the ``nova`` package).
    """
    return fixtures.MockPatchObject(
        importlib.import_module('nova.tests.fixtures.nova'),
        'DatabaseWriteLock', _NoWriteLock)


class MariaDBCells(nova_fixtures.CellDatabases):
    """Nova's cell database fixture, each cell a MariaDB database."""

    def add_cell_database(self, connection_str, default=False):
        url = _database('%s_cell%d' % (DB_PREFIX, len(self._ctxt_mgrs)))
        ctxt_mgr = enginefacade.transaction_context()
        ctxt_mgr.configure(connection=url, max_pool_size=32,
                           max_overflow=32)
        self._ctxt_mgrs[connection_str] = ctxt_mgr
        self._last_ctxt_mgr = ctxt_mgr
        if self._default_ctxt_mgr is None or default:
            self._default_ctxt_mgr = ctxt_mgr
        # Nova's own migrations, as nova-manage db sync runs them.
        with fixtures.MonkeyPatch('nova.db.main.api.get_context_manager',
                                  lambda context: ctxt_mgr):
            nova_migration.db_sync(database='main')

    @contextlib.contextmanager
    def _wrap_target_cell(self, context, cell_mapping):
        """Target a cell as nova-api does in a deployment.

        Nova's fixture also switches a process-wide "current cell" for
        code that does not target cells (the compute services sharing the
        process), under a reader/writer lock: every switch waits for all
        other requests' cell accesses, which a deployed nova-api never
        does, and profiles of the concurrent creates showed that lock
        first. Here only the context is targeted (Nova's own
        ``target_cell``), with the conductor stopped and the computes
        idle, for the creates both with and without nova-ext.
        """
        with self._real_target_cell(context, cell_mapping) as cctxt:
            yield cctxt


def _server_names(rnd):
    words = ['web', 'db', 'app', 'worker', 'cache', 'Build Agent', 'lb',
             'test', 'k8s-node', 'jenkins', 'vm', 'gpu', 'dev', 'prod-api']
    while True:
        word = rnd.choice(words)
        yield rnd.choice(['%s-%d', '%s%d', '%s %d', '%s_%d', '%s'])  \
            .replace('%s', word, 1).replace('%d', str(rnd.randint(1, 300)))


def _fill_cells(engines, servers, projects):
    """Bulk insert ``servers`` rows over the cells and projects."""
    rnd = random.Random(42)
    names = _server_names(rnd)
    table = main_models.Instance.__table__
    project_ids = [BENCH_PROJECT] + [
        uuidutils.generate_uuid(dashed=False) for _ in range(projects - 1)]
    now = timeutils.utcnow()
    start = time.perf_counter()
    for cell, engine in enumerate(engines):
        rows = []
        for i in range(servers // len(engines)):
            name = next(names)
            deleted = rnd.random() < 0.1
            rows.append({
                'uuid': uuidutils.generate_uuid(),
                'project_id': project_ids[i % projects],
                'user_id': 'bench', 'display_name': name,
                'hostname': name.lower().replace(' ', '-').replace('_', '-'),
                'vm_state': 'deleted' if deleted else 'active',
                'power_state': 1, 'created_at': now, 'cleaned': 0,
                'deleted': 0, 'memory_mb': 512, 'vcpus': 1,
                'root_gb': 1, 'ephemeral_gb': 0, 'locked': False,
            })
            if len(rows) == 5000:
                with engine.begin() as conn:
                    conn.execute(table.insert(), rows)
                rows = []
        if rows:
            with engine.begin() as conn:
                conn.execute(table.insert(), rows)
        with engine.begin() as conn:
            # Soft-deleted as Nova does: deleted = id.
            conn.execute(sa.text(
                "UPDATE instances SET deleted = id "
                "WHERE vm_state = 'deleted'"))
        # What nova-ext-manage db sync-cell-indexes does in each cell.
        created = indexes.ensure(engine)
        with engine.begin() as conn:
            conn.execute(sa.text('ANALYZE TABLE instances'))
    print('Created %s in each cell' % ', '.join(created))
    print('Inserted %d servers in %d projects over %d cells in %.0f s'
          % (servers, projects, len(engines), time.perf_counter() - start))


class NamingBenchmark(integrated_helpers._IntegratedTestBase):
    REQUIRES_LOCKING = False
    CAST_AS_CALL = False
    NUMBER_OF_CELLS = 2
    microversion = 'latest'

    def setUp(self):
        with no_write_lock():
            super().setUp()

    def _setup_cells(self):
        # Cell mappings go to the SQLite API database first; they are
        # copied to MariaDB's in _setup_services.
        celldbs = MariaDBCells()
        ctxt = nova_context.get_context()
        self._cell_dbs = celldbs
        for i, (name, uuid) in enumerate(
                [('cell0', objects.CellMapping.CELL0_UUID),
                 ('cell1', '11111111-1111-1111-1111-111111111111'),
                 ('cell2', '22222222-2222-2222-2222-222222222222')]):
            cell = objects.CellMapping(
                context=ctxt, uuid=uuid, name=name,
                transport_url='fake://nowhere/', database_connection=uuid)
            cell.create()
            self.cell_mappings[name] = cell
            celldbs.add_cell_database(uuid, default=(i == 1))
        self.useFixture(celldbs)

    def _setup_services(self):
        # As a deployed nova-api logs (debug = False): Nova's logging
        # fixture formats every DEBUG message of every library, to catch
        # format errors, which no deployment pays for.
        logging.getLogger().setLevel(logging.INFO)
        naming_conf.register_opts(CONF)
        self.flags(instances=-1, cores=-1, ram=-1, group='quota')
        self.flags(multi_instance_display_name_template='%(name)s-%(count)d',
                   force_multi_instance_display_name=True)
        # The API database on MariaDB: Nova's schema, then nova-ext's.
        api_cm = enginefacade.transaction_context()
        api_cm.configure(connection=_database(DB_PREFIX + '_api'),
                         max_pool_size=32, max_overflow=32)
        self.useFixture(test_fixtures.ReplaceEngineFacadeFixture(
            api_db_api.context_manager, api_cm))
        nova_migration.db_sync(database='api')
        migration.db_sync(api_db_api.get_engine())
        ctxt = nova_context.get_admin_context()
        for mapping in self.cell_mappings.values():
            objects.CellMapping(
                ctxt, uuid=mapping.uuid, name=mapping.name,
                transport_url=mapping.transport_url,
                database_connection=mapping.database_connection).create()
        nova_context.CELLS = []
        self.useFixture(nova_fixtures.DefaultFlavorsFixture())
        super()._setup_services()
        self.conductor.stop()
        _fill_cells([self._cell_dbs._ctxt_mgrs[m.uuid].writer.get_engine()
                     for n, m in sorted(self.cell_mappings.items())
                     if n != 'cell0'], ARGS.servers, ARGS.projects)

    def _post(self, name):
        body = {'server': {
            'name': name, 'imageRef': self.image, 'networks': 'none',
            'flavorRef': self.flavor}}
        start = time.perf_counter()
        self.api.api_post('/servers', body)
        return time.perf_counter() - start

    def _time_parts(self):
        """Record how long the namer, and its database steps, take.

        ``_reserve_names`` is all a create with naming on does more than
        one without: its median is the added time without the drift of
        the rest of the request.
        """
        from nova_ext.naming import cells
        from nova_ext.naming import hook
        self.parts = {}
        self.scope = None
        for owner, name in ((hook.InstanceNamer, '_reserve_names'),
                            (cells, 'find'), (hook, '_issue'),
                            (cells, '_in_cell')):
            original = getattr(owner, name)

            def timed(*args, _original=original, _name=name, **kwargs):
                start = time.perf_counter()
                try:
                    return _original(*args, **kwargs)
                finally:
                    self.parts.setdefault((self.scope, _name), []).append(
                        time.perf_counter() - start)
            self.useFixture(fixtures.MockPatchObject(owner, name, timed))

    def _print_parts(self, scope):
        for (in_scope, name), values in sorted(self.parts.items()):
            if in_scope == scope:
                print('    inside the namer: %-8s median %6.2f ms (%d '
                      'calls)' % (name, statistics.median(values) * 1000,
                                  len(values)))

    def _count_round_trips(self):
        """Count what nova-api sends its databases, by the driver.

        Every command PyMySQL sends waits for the server's answer: the
        statements, and also the pings (oslo.db's ``pool_pre_ping``),
        ``COMMIT`` and the ``ROLLBACK`` of a connection going back to its
        pool, which SQLAlchemy's statement events do not see.
        """
        import pymysql
        self.trips = {'statements': 0, 'other': 0}
        real = pymysql.connections.Connection._execute_command
        query = pymysql.constants.COMMAND.COM_QUERY

        def counted(conn, command, sql):
            original = sql
            if isinstance(sql, bytes):
                sql = sql.decode('utf-8', 'replace')
            if command == query and not sql.lstrip().upper().startswith(
                    ('COMMIT', 'ROLLBACK')):
                self.trips['statements'] += 1
            else:
                self.trips['other'] += 1
            return real(conn, command, original)

        self.useFixture(fixtures.MockPatchObject(
            pymysql.connections.Connection, '_execute_command', counted))

    def _latency(self):
        """Time POST /servers in both scopes, naming on and off.

        The four variants take turns, in an order that rotates every
        round, so that each sees the same machine: the databases still
        flushing the rows just inserted, other processes on the cores.
        """
        variants = [(scope, enabled) for scope in ('project', 'global')
                    for enabled in (False, True)]
        times = {v: [] for v in variants}
        trips = {v: [] for v in variants}
        for i in range(ARGS.requests):
            for scope, enabled in variants[i % 4:] + variants[:i % 4]:
                self.scope = scope
                self.flags(
                    multi_instance_display_name_count_scope=scope,
                    multi_instance_display_name_template_enabled=enabled)
                before = dict(self.trips)
                times[scope, enabled].append(self._post(
                    'lat-%s-%s-%d' % (scope, enabled, i)))
                trips[scope, enabled].append(tuple(
                    self.trips[k] - before[k]
                    for k in ('statements', 'other')))
        results = {}
        for scope in ('project', 'global'):
            off, on = times[scope, False], times[scope, True]
            results[scope] = {
                'off': statistics.median(off) * 1000,
                'on': statistics.median(on) * 1000,
                # Each pair ran in one round: its difference is the least
                # touched by the machine's drift (shared cores).
                'paired': statistics.median(
                    (b - a) * 1000 for a, b in zip(off, on)),
                'trips': [[statistics.median(t[k] for t in trips[scope, e])
                           for k in (0, 1)] for e in (False, True)],
            }
        return results

    def _throughput(self, scope, enabled):
        self.flags(multi_instance_display_name_count_scope=scope,
                   multi_instance_display_name_template_enabled=enabled)
        per_thread = ARGS.per_thread
        counter = iter(range(10 ** 9))
        lock = threading.Lock()

        def worker():
            for _ in range(per_thread):
                with lock:
                    n = next(counter)
                self._post('tp-%s-%s-%d' % (scope, enabled, n))

        threads = [threading.Thread(target=worker)
                   for _ in range(ARGS.threads)]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return ARGS.threads * per_thread / (time.perf_counter() - start)

    def test_benchmark(self):
        body = self._build_server(networks='none')
        self.image, self.flavor = body['imageRef'], body['flavorRef']
        for enabled in (False, True, False, True):
            self.flags(multi_instance_display_name_template_enabled=enabled)
            self._post('warm-%s' % enabled)
        print('\nPOST /servers, API and 2 cell databases on MariaDB, '
              '%d existing servers; distinct requested names:' % ARGS.servers)
        print('  load: %s' % _uptime())
        self._count_round_trips()
        self._time_parts()
        results = self._latency()
        for scope in ('project', 'global'):
            r = results[scope]
            print('  %-7s scope, median of %d: off %6.2f ms, on %6.2f ms, '
                  'added %+.2f ms (x%.3f; goal <= 5 ms); median of the '
                  'paired differences %+.2f ms'
                  % (scope, ARGS.requests, r['off'], r['on'],
                     r['on'] - r['off'], r['on'] / r['off'], r['paired']))
            (off_sql, off_conn), (on_sql, on_conn) = r['trips']
            print('    database round trips per POST: %d statements and %d '
                  'pings, commits and rollbacks off, %d and %d on'
                  % (off_sql, off_conn, on_sql, on_conn))
            self._print_parts(scope)
        for scope in ('project', 'global'):
            rates = {}
            for enabled in (False, True, False, True):
                rates.setdefault(enabled, []).append(
                    self._throughput(scope, enabled))
            off, on = (statistics.mean(rates[e]) for e in (False, True))
            print('  %-7s scope, %d concurrent creators: off %.1f/s, '
                  'on %.1f/s (%.0f %%; goal >= 90 %%)'
                  % (scope, ARGS.threads, off, on, 100 * on / off))
        print('  load: %s' % _uptime())


def _uptime():
    """The machine's load, printed with the figures it affects."""
    with open('/proc/loadavg') as f:
        load = f.read().split()[:3]
    return 'load average %s (1, 5, 15 min), %d CPUs' % (
        ', '.join(load), os.cpu_count())


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--servers', type=int, default=100000,
                        help='existing servers to insert (default 100000)')
    parser.add_argument('--projects', type=int, default=1000,
                        help='projects they belong to (default 1000)')
    parser.add_argument('--requests', type=int, default=60,
                        help='POST /servers per variant and scope '
                             '(default 60)')
    parser.add_argument('--threads', type=int, default=16)
    parser.add_argument('--per-thread', type=int, default=5,
                        help='creates per concurrent creator (default 5)')
    ARGS = parser.parse_args()
    suite = unittest.TestSuite([NamingBenchmark('test_benchmark')])
    result = unittest.TextTestRunner(verbosity=1).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main())
