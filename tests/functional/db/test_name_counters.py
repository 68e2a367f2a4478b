"""Display-name counters on real SQLite, MariaDB and PostgreSQL.

Uses oslo.db's opportunistic fixtures: each test gets a freshly provisioned
database on the server that tools/db-servers.sh starts (user and password
``openstack_citest``). A test is skipped, with oslo.db's reason, only when
that server cannot be reached; set NOVA_EXT_REQUIRE_DB_SERVERS=1 (as .ci/run
does) to make an unreachable server fail instead.
"""

import os
import random
import threading

import fixtures
from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import test_fixtures
from oslo_utils import uuidutils
import sqlalchemy as sa
import testtools

from nova import context as nova_context
from nova.db.main import models as main_models

from nova_ext.db import migration
from nova_ext.naming import counter
from nova_ext.naming import hook
from nova_ext.naming import template

INSTANCES = main_models.Instance.__table__


class _CounterTests(object):
    """Tests run against each backend by the test cases below."""

    SKIP_ON_UNAVAILABLE_DB = (
        os.environ.get('NOVA_EXT_REQUIRE_DB_SERVERS', '') not in
        ('1', 'true', 'yes'))

    #: Values of use_returning to try on MySQL-family servers.
    RETURNING_MODES = (None,)

    def setUp(self):
        super().setUp()
        self.engine = self._engine()
        migration.db_sync(self.engine)
        # Only the cell table the name lookups read.
        INSTANCES.create(self.engine, checkfirst=True)
        self.addCleanup(self._drop)

    def _drop(self):
        with self.engine.begin() as conn:
            for table in ('nova_ext_name_counters',
                          migration.VERSION_TABLE, 'instances'):
                conn.execute(sa.text('DROP TABLE IF EXISTS %s' % table))

    def _engine(self):
        return enginefacade.writer.get_engine()

    # -- schema ------------------------------------------------------------

    def test_sync_is_idempotent(self):
        migration.db_sync(self.engine)
        self.assertEqual(migration.head(), migration.db_version(self.engine))
        self.assertTrue(migration.counter_table_exists(self.engine))
        columns = {c['name'] for c in
                   sa.inspect(self.engine).get_columns(
                       'nova_ext_name_counters')}
        self.assertEqual({'key', 'scope', 'name', 'last_count',
                          'created_at', 'updated_at'}, columns)

    # -- reservations ------------------------------------------------------

    def test_reserve_multi_and_seed(self):
        for mode in self.RETURNING_MODES:
            scope = 'project:%s' % mode
            key = counter.counter_key(scope, 'Web')
            with self.engine.begin() as conn:
                self.assertFalse(counter.exists(conn, key))
                # First use starts after the seed.
                self.assertEqual(8, counter.reserve(
                    conn, key, scope, 'Web', 1, seed=7,
                    use_returning=mode))
                self.assertTrue(counter.exists(conn, key))
                # A multi-create gets N consecutive numbers; the seed only
                # applies to a new row.
                self.assertEqual(9, counter.reserve(
                    conn, key, scope, ' WEB ', 3, seed=100,
                    use_returning=mode))
                self.assertEqual(12, counter.reserve(
                    conn, key, scope, 'web', 1, use_returning=mode))
                self.assertEqual(12, counter.last_count(conn, key))
                other = counter.counter_key(scope, 'db')
                self.assertEqual(1, counter.reserve(
                    conn, other, scope, 'db', 2, use_returning=mode))
            with self.engine.connect() as conn:
                row = conn.execute(sa.text(
                    "SELECT scope, name FROM nova_ext_name_counters "
                    "WHERE last_count = 12")).fetchall()
            self.assertIn((scope, 'web'), [tuple(r) for r in row])

    def test_unicode_names_are_one_counter(self):
        key = counter.counter_key('global', 'Straße')
        self.assertEqual(key, counter.counter_key('global', ' STRASSE'))
        with self.engine.begin() as conn:
            counter.reserve(conn, key, 'global', 'Straße', 1)
            self.assertEqual(2, counter.reserve(conn, key, 'global',
                                                'strasse', 1))

    def test_concurrent_reservations_never_collide(self):
        engine = self.engine
        for mode in self.RETURNING_MODES:
            scope = 'global-%s' % mode
            key = counter.counter_key(scope, 'race')
            got = []
            errors = []

            def worker(seed):
                rnd = random.Random(seed)
                try:
                    for _ in range(15):
                        n = rnd.randint(1, 3)
                        # One connection and transaction per reservation,
                        # as nova-api workers do.
                        with engine.begin() as conn:
                            first = counter.reserve(
                                conn, key, scope, 'race', n, seed=5,
                                use_returning=mode)
                        got.extend(range(first, first + n))
                except Exception as e:
                    errors.append(e)

            threads = [threading.Thread(target=worker, args=(i,))
                       for i in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            self.assertEqual([], errors)
            # Every number once, none lost, none below the seed.
            self.assertEqual(len(got), len(set(got)))
            self.assertEqual(list(range(6, 6 + len(got))), sorted(got))

    # -- the namer's lookups on a cell database ------------------------------

    def _add_instances(self, *rows):
        with self.engine.begin() as conn:
            for name, project, deleted in rows:
                conn.execute(INSTANCES.insert().values(
                    uuid=uuidutils.generate_uuid(),
                    display_name=name, project_id=project,
                    deleted=deleted))

    def _namer(self):
        """An InstanceNamer whose cell and API database are this one."""
        cell_cm = enginefacade.transaction_context()
        cell_cm.configure(connection=str(
            self.engine.url.render_as_string(hide_password=False)))
        api_cm = enginefacade.transaction_context()
        api_cm.configure(connection=str(
            self.engine.url.render_as_string(hide_password=False)))
        self.addCleanup(lambda: cell_cm.writer.get_engine().dispose())
        self.addCleanup(lambda: api_cm.writer.get_engine().dispose())

        def gather(ctxt, fn, *args):
            cctxt = ctxt.elevated()
            cctxt.db_connection = cell_cm
            return fn(cctxt, *args)

        self.useFixture(fixtures.MockPatchObject(hook, '_gather', gather))
        self.useFixture(fixtures.MockPatchObject(
            hook, '_api_context_manager', lambda: api_cm))
        return hook.InstanceNamer()

    def _reserve(self, namer, tmpl, name, n, scope='project', project='p1'):
        ctxt = nova_context.RequestContext('u', project, is_admin=False)
        values = {'name': name, 'project-name': 'Acme',
                  'project_id': project}
        return namer._reserve_counts(
            ctxt, template.Template(tmpl), scope, values, n)

    def test_seeding_and_skipping_existing_names(self):
        self._add_instances(
            ('test1', 'p1', 0), ('TEST7', 'p1', 0),
            ('test12', 'p1', 5),          # deleted: its number not reused
            ('test99', 'p2', 0),          # other project
            ('test_5', 'p1', 0),          # LIKE wildcard, not a count
            ('testing3', 'p1', 0), ('test9', 'p1', 0))
        namer = self._namer()
        tmpl = '%(name)s%(count)d'
        # Seeded after the highest count of the project: 12, then 13 free.
        self.assertEqual([13], self._reserve(namer, tmpl, 'Test', 1))
        # A server renamed by hand to the next names is skipped.
        self._add_instances(('test14', 'p1', 0), ('Test15', 'p1', 0))
        self.assertEqual([16, 17, 18],
                         self._reserve(namer, tmpl, 'test', 3))
        # The global scope seeds from every project.
        self.assertEqual([100], self._reserve(namer, tmpl, 'test', 1,
                                              scope='global'))

    def test_template_with_project_name(self):
        self._add_instances(('Acme-db-4', 'p1', 0), ('Other-db-9', 'p1', 0))
        namer = self._namer()
        self.assertEqual([5, 6], self._reserve(
            namer, '%(project-name)s-%(name)s-%(count)d', 'db', 2))

    def test_bounded_skipping(self):
        # Without a count every name is the same and always taken: the
        # namer gives up after MAX_SKIP_ROUNDS instead of looping.
        self._add_instances(('fixed', 'p1', 0))
        namer = self._namer()
        counts = self._reserve(namer, 'fixed', 'x', 2)
        self.assertEqual(2, len(counts))


class TestSQLite(_CounterTests, test_fixtures.OpportunisticDBTestMixin,
                 testtools.TestCase):
    FIXTURE = test_fixtures.OpportunisticDbFixture

    def _engine(self):
        # The provisioned SQLite database is in memory, private to one
        # connection; threads and the namer's own engines need a file
        # (WAL, waiting on locks), as Nova's threading test mode uses.
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'api.sqlite')
        engine = sa.create_engine('sqlite:///%s' % path,
                                  connect_args={'timeout': 60})
        self.addCleanup(engine.dispose)
        with engine.begin() as conn:
            conn.execute(sa.text('PRAGMA journal_mode=WAL'))
        return engine


class TestMariaDB(_CounterTests, test_fixtures.OpportunisticDBTestMixin,
                  testtools.TestCase):
    FIXTURE = test_fixtures.MySQLOpportunisticFixture
    # RETURNING (MariaDB 10.5+) and the LAST_INSERT_ID(expr) form MySQL
    # needs.
    RETURNING_MODES = (None, True, False)

    def test_server_is_mariadb_with_returning(self):
        self.assertTrue(self.engine.dialect.is_mariadb)
        self.assertTrue(counter._supports_returning(self.engine.dialect))


class TestPostgreSQL(_CounterTests, test_fixtures.OpportunisticDBTestMixin,
                     testtools.TestCase):
    FIXTURE = test_fixtures.PostgresqlOpportunisticFixture
