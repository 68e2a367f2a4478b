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

"""Display-name counters on real SQLite, MariaDB and PostgreSQL.

Uses oslo.db's opportunistic fixtures: each test gets a freshly provisioned
database on the server that tools/db-servers.sh starts (user and password
``openstack_citest``). A test is skipped, with oslo.db's reason, only when
that server cannot be reached; set NOVA_EXT_REQUIRE_DB_SERVERS=1 (as .ci/run
does) to make an unreachable server fail instead.
"""

import contextlib
import logging
import os
import random
import threading
import time

from unittest import mock

import fixtures
from oslo_config import fixture as config_fixture
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import test_fixtures
from oslo_utils import uuidutils
import pymysql
import sqlalchemy as sa
import testtools

from nova import context as nova_context
from nova.db.main import models as main_models

from nova_ext.db import engines
from nova_ext.db import migration
from nova_ext.naming import cells
from nova_ext.naming import counter
from nova_ext.naming import hook
from nova_ext.naming import indexes
from nova_ext.naming import names
from nova_ext.naming import template
from nova_ext.testing import harness

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
            for table in ('nova_ext_name_counters', 'nova_ext_issued_names',
                          migration.VERSION_TABLE, 'instances'):
                conn.execute(sa.text('DROP TABLE IF EXISTS %s' % table))

    def _engine(self):
        return enginefacade.writer.get_engine()

    # -- schema ------------------------------------------------------------

    def test_sync_is_idempotent(self):
        migration.db_sync(self.engine)
        self.assertEqual(migration.head(), migration.db_version(self.engine))
        self.assertEqual([], migration.missing_naming_tables(self.engine))
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
        self.assertEqual(key, counter.counter_key('global', ' STRAßE'))
        # Lower case as the database's lower(), not casefold(): two names.
        self.assertNotEqual(key, counter.counter_key('global', 'STRASSE'))
        with self.engine.begin() as conn:
            counter.reserve(conn, key, 'global', 'Straße', 1)
            self.assertEqual(2, counter.reserve(conn, key, 'global',
                                                'STRAßE', 1))
            self.assertTrue(counter.issue(conn, 's', 'Straße1', 'straße1'))
            self.assertFalse(counter.issue(conn, 's', 'STRAßE1', 'x'))
            self.assertTrue(counter.issue(conn, 's', 'STRASSE1', 'strasse1'))

    #: Whether the database's lower() knows letters beyond ASCII (SQLite's
    #: does not; it only runs Nova's functional tests).
    UNICODE_LOWER = True

    def test_case_rule_is_the_databases(self):
        samples = ['Web SERVER1', 'web_1']
        if self.UNICODE_LOWER:
            samples += ['STRAßE1', 'STRASSE1', 'İSTANBUL', 'ΟΔΟΣ', 'ÄRGER']
        with self.engine.connect() as conn:
            for text in samples:
                self.assertEqual(
                    names.fold(text),
                    conn.execute(sa.select(sa.func.lower(text))).scalar(),
                    text)

    def test_concurrent_reservations_never_collide(self):
        engine = self.engine
        for mode in self.RETURNING_MODES:
            scope = 'global-%s' % mode
            key = counter.counter_key(scope, 'race')
            got = []

            def worker(seed):
                rnd = random.Random(seed)
                for _ in range(15):
                    n = rnd.randint(1, 3)
                    # One connection and transaction per reservation,
                    # as nova-api workers do.
                    with engine.begin() as conn:
                        first = counter.reserve(
                            conn, key, scope, 'race', n, seed=5,
                            use_returning=mode)
                    got.extend(range(first, first + n))

            self.assertEqual([], harness.run_concurrently(worker, 8))
            # Every number once, none lost, none below the seed.
            self.assertEqual(len(got), len(set(got)))
            self.assertEqual(list(range(6, 6 + len(got))), sorted(got))

    # -- issued names -------------------------------------------------------

    def test_issue_refuses_names_and_hostnames_issued_before(self):
        with self.engine.begin() as conn:
            self.assertTrue(counter.issue(conn, 's', 'Web1', 'web1'))
            # Display names compare case folded, hostnames exactly.
            self.assertFalse(counter.issue(conn, 's', 'WEB1', 'other'))
            self.assertFalse(counter.issue(conn, 's', 'web 1', 'web1'))
            # No hostname (the user chose it): only the display name.
            self.assertTrue(counter.issue(conn, 's', 'a', None))
            self.assertTrue(counter.issue(conn, 's', 'b', None))
            # Another scope is another namespace.
            self.assertTrue(counter.issue(conn, 't', 'Web1', 'web1'))
            # The transaction goes on after a refusal.
            self.assertEqual(1, counter.reserve(
                conn, counter.counter_key('s', 'x'), 's', 'x', 1))
        with self.engine.connect() as conn:
            self.assertEqual(4, conn.execute(sa.text(
                'SELECT COUNT(*) FROM nova_ext_issued_names')).scalar())

    def test_record_keeps_names_apart(self):
        with self.engine.begin() as conn:
            # A kept display name and a kept hostname, recorded apart.
            counter.record(conn, 's', 'web-1', 'my-host')
            self.assertFalse(counter.issue(conn, 's', 'WEB-1', 'web-1'))
            self.assertFalse(counter.issue(conn, 's', 'x', 'MY-HOST'))
            # Recorded again (the same plain name twice): no error.
            counter.record(conn, 's', 'web-1', 'my-host')
            # A display name issued before still records the hostname.
            counter.record(conn, 's', 'web-1', 'other-host')
            self.assertFalse(counter.issue(conn, 's', 'y', 'other-host'))
            # The hostname's own scope (Nova's global uniqueness).
            counter.record(conn, 's', None, 'g-host', host_scope='global')
            self.assertFalse(counter.issue(conn, 't', 'z', 'g-host',
                                           host_scope='global'))
            self.assertTrue(counter.issue(conn, 't', 'z', 'g-host'))

    # -- the namer's lookups on a cell database ------------------------------

    def _add_instances(self, *rows):
        with self.engine.begin() as conn:
            for row in rows:
                name, project, deleted = row[:3]
                hostname = row[3] if len(row) > 3 else None
                conn.execute(INSTANCES.insert().values(
                    uuid=uuidutils.generate_uuid(),
                    display_name=name, hostname=hostname,
                    project_id=project, deleted=deleted))

    def _namer(self):
        """An InstanceNamer whose cell and API database are this one."""
        url = self.engine.url.render_as_string(hide_password=False)
        cell_cm = enginefacade.transaction_context()
        cell_cm.configure(connection=url)
        api_cm = enginefacade.transaction_context()
        api_cm.configure(connection=url)
        self.addCleanup(lambda: cell_cm.writer.get_engine().dispose())
        self.addCleanup(lambda: api_cm.writer.get_engine().dispose())

        def scatter(ctxt, fn, *args):
            cctxt = ctxt.elevated()
            cctxt.db_connection = cell_cm
            return {'cell1': fn(cctxt, *args)}

        self.useFixture(fixtures.MockPatch(
            'nova.context.scatter_gather_all_cells', scatter))
        self.useFixture(fixtures.MockPatchObject(
            counter, '_api_engine', api_cm.writer.get_engine))
        return hook.InstanceNamer()

    def _reserve(self, namer, tmpl, name, n, scope='project', project='p1'):
        ctxt = nova_context.RequestContext('u', project, is_admin=False)
        values = {'name': name, 'project-name': 'Acme',
                  'project_id': project}
        return namer._reserve_names(
            ctxt, template.Template(tmpl), scope, values, n, False)

    def test_seeding_and_skipping_existing_names(self):
        self._add_instances(
            ('test1', 'p1', 0), ('TEST7', 'p1', 0),
            ('test12', 'p1', 5),          # deleted: not read
            ('test99', 'p2', 0),          # other project
            ('test_5', 'p1', 0),          # LIKE wildcard, not a count
            ('testing3', 'p1', 0), ('test9', 'p1', 0))
        namer = self._namer()
        tmpl = '%(name)s%(count)d'
        # Seeded after the highest count of the project's live servers.
        self.assertEqual([10], self._reserve(namer, tmpl, 'Test', 1))
        # Servers renamed by hand to the next names are skipped, by
        # display name or by hostname.
        self._add_instances(('test11', 'p1', 0),
                            ('renamed', 'p1', 0, 'test12'))
        self.assertEqual([13, 14, 15],
                         self._reserve(namer, tmpl, 'test', 3))
        # The global scope seeds from every project.
        self.assertEqual([100], self._reserve(namer, tmpl, 'test', 1,
                                              scope='global'))

    def test_seeding_reads_only_names_the_template_makes(self):
        # One project per template: a counter is seeded once, when made.
        for project in ('p1', 'p2', 'p3'):
            self._add_instances(
                ('db2', project, 0), ('db3', project, 0),
                ('db20240101', project, 0),   # a date, not the next count
                ('db 7', project, 0),         # no space in the template
                ('db009', project, 0))        # %(count)d has no zeros
        namer = self._namer()
        self.assertEqual([4], self._reserve(namer, '%(name)s%(count)d',
                                            'db', 1))
        # With a space in the template, "db 7" is a count.
        self.assertEqual([8], self._reserve(namer, '%(name)s %(count)d',
                                            'db', 1, project='p2'))
        # Zero padded: db009 is count 9 of %(count)03d.
        self.assertEqual([10], self._reserve(
            namer, '%(name)s%(count)03d', 'db', 1, project='p3'))

    def test_first_use_sees_hostnames_and_long_names(self):
        # A requested name's first use reads its family once: hostnames
        # too ("Web Server" gives hostname web-server1, taken here).
        self._add_instances(('renamed', 'p1', 0, 'web-server1'),
                            ('x' * 70 + '1', 'p1', 0, 'z'),
                            ('other', 'p1', 0, 'x' * 62 + '2'))
        namer = self._namer()
        tmpl = '%(name)s%(count)d'
        self.assertEqual([2], self._reserve(namer, tmpl, 'Web Server', 1))
        # Hostnames cut to 63 characters: x...x1 is free (only a display
        # name, of another family, carries it), x...x2 is not.
        self.assertEqual([1, 3], self._reserve(namer, tmpl, 'x' * 71, 2))

    def test_non_ascii_case(self):
        if not self.UNICODE_LOWER:
            self.skipTest("SQLite's lower() only knows ASCII")
        self._add_instances(('STRAßE1', 'p1', 0), ('STRASSE5', 'p1', 0),
                            ('İSTANBUL3', 'p1', 0),
                            ('x', 'p1', 0, 'straße2'))
        namer = self._namer()
        tmpl = '%(name)s%(count)d'
        # Seeded from STRAßE1 (one name with Straße1), not from STRASSE5
        # (another name); straße2 is taken as a hostname.
        self.assertEqual([3], self._reserve(namer, tmpl, 'Straße', 1))
        self.assertEqual([6], self._reserve(namer, tmpl, 'strasse', 1))
        self.assertEqual([4], self._reserve(namer, tmpl, 'istanbul', 1))

    def test_letters_the_databases_lower_does_not_know(self):
        # Python's lower() knows letters MariaDB's lower() (477 of the
        # BMP's: Cherokee, Georgian Mtavruli, U+04C0...) and SQLite's (all
        # but ASCII) leave as they are. A server carrying exactly the name
        # to issue, or its upper case, must still be found: by project
        # (lower()), and by global scope with the indexes (collation).
        cherokee, mtavruli = '\u13a0', '\u1c90'
        self._add_instances((cherokee + '1', 'p1', 0),
                            (mtavruli + '2', 'p2', 0))
        namer = self._namer()
        tmpl = '%(name)s%(count)d'
        self.assertEqual([2], self._reserve(namer, tmpl, cherokee, 1))
        # Renamed by hand to the next name in line; the lower case is
        # requested, the upper case carried.
        self._add_instances((cherokee + '3', 'p1', 0))
        self.assertEqual([4], self._reserve(namer, tmpl,
                                            names.fold(cherokee), 1))
        indexes.ensure(self.engine)
        self.useFixture(fixtures.MockPatchObject(cells, '_CELLS', {}))
        self.assertEqual([3], self._reserve(namer, tmpl, mtavruli, 1,
                                            scope='global'))
        self._add_instances((mtavruli + '4', 'p3', 0))
        self.assertEqual([5], self._reserve(namer, tmpl, mtavruli, 1,
                                            scope='global'))

    def _watch_lookups(self):
        """Record the keyword arguments of every cell lookup the namer makes.

        The lookups still run: the test sees what the namer asked the cells.
        """
        lookups = []
        find = hook.cells.find

        def watched(context, project_id, **kwargs):
            lookups.append(kwargs)
            return find(context, project_id, **kwargs)

        self.useFixture(fixtures.MockPatchObject(hook.cells, 'find',
                                                 watched))
        return lookups

    def test_global_scope_without_the_name_first(self):
        # %(project_id)s-%(name)s...: the family would be LIKE '%-db-%'
        # over every project. Not read: no seed, but the names issued are
        # still looked up and a taken one skipped.
        self._add_instances(('p2-db-1', 'p2', 0), ('p2-db-2', 'p2', 0),
                            ('p1-db-2', 'p2', 0))
        namer = self._namer()
        lookups = self._watch_lookups()
        self.assertEqual([1, 3], self._reserve(
            namer, '%(project_id)s-%(name)s-%(count)d', 'db', 2,
            scope='global'))
        self.assertNotIn('like', [k for kw in lookups for k in kw])
        # Anchored templates still read the family once in global scope.
        del lookups[:]
        self.assertEqual([3], self._reserve(
            namer, '%(name)s-%(count)d', 'p2-db', 1, scope='global'))
        self.assertIn('like', lookups[0])

    def test_family_is_read_once_per_requested_name(self):
        # A counter this process reserved from needs no seed: later creates
        # look up only the names issued, however many servers share the
        # family, and still skip a server renamed to a name later in line.
        self._add_instances(*[('web-%d' % i, 'p%d' % (i % 3), 0)
                              for i in range(1, 6)])
        namer = self._namer()
        lookups = self._watch_lookups()
        tmpl = '%(name)s-%(count)d'
        self.assertEqual([6], self._reserve(namer, tmpl, 'web', 1,
                                            scope='global'))
        self.assertEqual(['like'], [k for k in lookups[0] if lookups[0][k]
                                    and k == 'like'])
        del lookups[:]
        self._add_instances(('renamed', 'p2', 0, 'WEB-7'))
        self.assertEqual([8, 9], self._reserve(namer, tmpl, 'Web', 2,
                                               scope='global'))
        self.assertEqual([], [kw for kw in lookups if kw.get('like')])
        self.assertEqual({'display_names': ['Web-7', 'Web-8'],
                          'hostnames': ['web-7', 'web-8']}, lookups[0])
        # Another process (a new namer) reads the family once, no seed.
        self.assertEqual([10], self._reserve(self._namer(), tmpl, 'web', 1,
                                             scope='global'))

    def test_known_counter_removed_is_seeded_again(self):
        self._add_instances(('db-4', 'p1', 0))
        namer = self._namer()
        tmpl = '%(name)s-%(count)d'
        self.assertEqual([5], self._reserve(namer, tmpl, 'db', 1))
        with self.engine.begin() as conn:
            conn.execute(sa.text('DELETE FROM nova_ext_name_counters'))
        self._add_instances(('db-40', 'p1', 0))
        # Seeded as the row is created again, although this process knew
        # the counter: no name restarts at 1.
        self.assertEqual([41], self._reserve(namer, tmpl, 'db', 1))

    def test_counter_behind_its_issued_names_catches_up(self):
        # The counter row removed by hand after names were issued, the
        # servers deleted since (nothing seeds it): creates skip the names
        # issued before, and may fail (503) while they do, but each one
        # keeps what it skipped, so creates succeed again.
        self.useFixture(fixtures.MockPatchObject(hook, 'MAX_SKIPS', 2))
        self.useFixture(fixtures.MockPatchObject(hook, 'MAX_ROUNDS', 1))
        namer = self._namer()
        tmpl = '%(name)s-%(count)d'
        self.assertEqual([1, 2], self._reserve(namer, tmpl, 'db', 2))
        self.assertEqual([3, 4, 5], self._reserve(namer, tmpl, 'db', 3))
        with self.engine.begin() as conn:
            conn.execute(sa.text('DELETE FROM nova_ext_name_counters'))
        ex = self.assertRaises(hook.NameReservationFailed, self._reserve,
                               namer, tmpl, 'db', 1)
        self.assertEqual(503, ex.code)
        self.assertEqual([6], self._reserve(namer, tmpl, 'db', 1))

    def test_template_with_project_name(self):
        self._add_instances(('Acme-db-4', 'p1', 0), ('Other-db-9', 'p1', 0))
        namer = self._namer()
        self.assertEqual([5, 6], self._reserve(
            namer, '%(project-name)s-%(name)s-%(count)d', 'db', 2))

    def test_cells_are_read_before_the_counter_is_locked(self):
        # The cell lookup answers slowly (here up to a second); no API
        # database transaction, which would hold the counter row's lock,
        # may be open meanwhile.
        namer = self._namer()
        lookup = nova_context.scatter_gather_all_cells
        transaction = counter.transaction
        opened = threading.Event()
        overlapped = []

        def slow_lookup(*args):
            overlapped.append(opened.wait(1))
            return lookup(*args)

        def watched_transaction(context):
            opened.set()
            return transaction(context)

        self.useFixture(fixtures.MockPatch(
            'nova.context.scatter_gather_all_cells', slow_lookup))
        self.useFixture(fixtures.MockPatchObject(
            counter, 'transaction', watched_transaction))
        self._add_instances(('db3', 'p1', 0))
        self.assertEqual([4], self._reserve(namer, '%(name)s%(count)d',
                                            'db', 1))
        self.assertEqual([False], overlapped)

    def _hold_first_lookup(self):
        """Make the first cell lookup hang until released (5 s at most).

        :returns: (started, release) events.
        """
        lookup = nova_context.scatter_gather_all_cells
        started, release = threading.Event(), threading.Event()

        def slow_lookup(*args):
            if not started.is_set():
                started.set()
                release.wait(5)
            return lookup(*args)

        self.useFixture(fixtures.MockPatch(
            'nova.context.scatter_gather_all_cells', slow_lookup))
        return started, release

    def _reserve_aside(self, namer, name):
        """Reserve one ``name`` in a thread; return its thread and result."""
        result = []
        thread = threading.Thread(target=lambda: result.extend(
            self._reserve(namer, '%(name)s%(count)d', name, 1)))
        thread.start()
        self.addCleanup(thread.join, 10)
        return thread, result

    def test_a_slow_cell_holds_no_existing_counter_row(self):
        # While one create's cell lookup hangs, another create of the
        # same name (its counter row exists) is not held behind it.
        with self.engine.begin() as conn:
            counter.reserve(conn, counter.counter_key('project:p1', 'db'),
                            'project:p1', 'db', 3)
        # Two nova-api processes: neither knows the counter.
        first, second = self._namer(), self._namer()
        started, release = self._hold_first_lookup()
        slow, slow_result = self._reserve_aside(first, 'db')
        self.assertTrue(started.wait(5))
        begin = time.monotonic()
        other = self._reserve(second, '%(name)s%(count)d', 'db', 1)
        took = time.monotonic() - begin
        release.set()
        slow.join(10)
        # Held behind the hanging lookup, it would have taken 5 s.
        self.assertLess(took, 3)
        self.assertEqual([4, 5], sorted(slow_result + other))

    def _close_other_connections(self):
        """Close, server side, every connection to this database but one.

        As a database restart or ``wait_timeout`` leaves the pools:
        nova-ext's engines, which do not ping a connection before use,
        hold dead ones.
        """
        with self.engine.connect() as conn:
            conn.execute(sa.text(self.CLOSE_OTHERS))

    def test_a_closed_connection_costs_no_create(self):
        if self.engine.dialect.name not in engines.SERVER_DIALECTS:
            self.skipTest('SQLite: the namer uses the engine given')
        self._add_instances(('db3', 'p1', 0, 'db3'))
        namer = self._namer()
        tmpl = '%(name)s%(count)d'
        self.assertEqual([4], self._reserve(namer, tmpl, 'db', 1))
        self._close_other_connections()
        # The family read and the counter's transaction each lose their
        # pooled connection and go on on a new one.
        self.assertEqual([1], self._reserve(namer, tmpl, 'web', 1))
        self._close_other_connections()
        self.assertEqual([5], self._reserve(namer, tmpl, 'db', 1))
        self._close_other_connections()
        ctxt = nova_context.RequestContext('u', 'p1', is_admin=False)
        self.assertEqual([('db3', 'db3')],
                         cells.find(ctxt, 'p1', display_names=['DB3']))

    def test_a_failed_lookup_fails_the_reservation(self):
        namer = self._namer()
        self.useFixture(fixtures.MockPatch(
            'nova.context.scatter_gather_all_cells',
            side_effect=RuntimeError('boom')))
        self.assertRaises(RuntimeError, self._reserve, namer,
                          '%(name)s%(count)d', 'db', 1)

    def test_rounds_are_bounded(self):
        # Servers carry the next names of every round: the create fails
        # (HTTP 503) rather than loop or repeat a name.
        self.useFixture(fixtures.MockPatchObject(hook, 'MAX_ROUNDS', 2))
        self._add_instances(('a', 'p1', 0, 'x1'), ('b', 'p1', 0, 'x2'))
        namer = self._namer()
        ex = self.assertRaises(hook.NameReservationFailed, self._reserve,
                               namer, '%(name)s%(count)d', 'x', 1)
        self.assertEqual(503, ex.code)
        self.assertIn("display name counter", str(ex))

    def test_concurrent_mixed_names_never_repeat(self):
        # 16 creators, requested names whose templated names and
        # hostnames overlap: web11 is web at 11 and web1 at 1;
        # "Web Server1" and "web-server1" share a hostname.
        self._namer()
        tmpl = template.Template('%(name)s%(count)d')
        requested = ['web', 'web1', 'Web', 'WEB1', 'Web Server',
                     'web-server', 'web_server', 'web1 ']
        issued = []

        def worker(seed):
            rnd = random.Random(seed)
            ctxt = nova_context.RequestContext('u', 'p1', is_admin=False)
            for _ in range(6):
                name = rnd.choice(requested)
                values = {'name': name, 'project-name': 'Acme',
                          'project_id': 'p1'}
                issued.extend(hook._issue(
                    ctxt, tmpl, values,
                    counter.counter_key('project:p1', name),
                    'project:p1', rnd.randint(1, 3), None, False))

        self.assertEqual([], harness.run_concurrently(worker, 16))
        displays = [d.casefold() for c, d, h in issued]
        hostnames = [h for c, d, h in issued]
        self.assertEqual(len(displays), len(set(displays)))
        self.assertEqual(len(hostnames), len(set(hostnames)))
        with self.engine.connect() as conn:
            rows = conn.execute(sa.text(
                'SELECT display_name, hostname FROM nova_ext_issued_names'
            )).fetchall()
        self.assertEqual(len(issued), len(rows))
        self.assertEqual(len(rows), len({r[0].casefold() for r in rows}))
        self.assertEqual(len(rows), len({r[1] for r in rows}))
        self.assertIn('web11', displays)

    # -- nova-ext's indexes on a cell's instances table ----------------------

    #: Words of the query plan that show nova-ext's index serves a lookup;
    #: None where the indexes are optional (SQLite).
    PLAN_USES_INDEX = None
    #: Words of a query plan that reads the whole table.
    PLAN_SCANS = None

    def test_cell_indexes_created_once_and_dropped(self):
        wanted = [indexes.index_name(c) for c in indexes.COLUMNS]
        with self.engine.connect() as conn:
            self.assertEqual(wanted, indexes.missing(conn))
        self.assertEqual(wanted, indexes.ensure(self.engine))
        self.assertEqual([], indexes.ensure(self.engine))
        with self.engine.connect() as conn:
            self.assertEqual(wanted, indexes.present(conn))
            self.assertEqual([], indexes.missing(conn))
        self.assertEqual(wanted, indexes.drop(self.engine))
        self.assertEqual([], indexes.drop(self.engine))
        with self.engine.connect() as conn:
            self.assertEqual(wanted, indexes.missing(conn))

    @contextlib.contextmanager
    def _ensure_behind_a_write(self, lock_timeout):
        """Run ``indexes.ensure`` in a thread behind an open write.

        A transaction holds a write on instances for the block; yields the
        thread and its outcome (the names created, or the error).
        """
        self.useFixture(fixtures.MockPatchObject(
            indexes, 'LOCK_TIMEOUT', lock_timeout))
        self._add_instances(('web-1', 'p1', 0))
        outcome = []

        def run():
            try:
                outcome.append(indexes.ensure(self.engine))
            except (db_exc.DBError, sa.exc.DBAPIError) as e:
                outcome.append(e)

        with self.engine.connect() as holder:
            holder.begin()
            holder.execute(INSTANCES.update().values(display_name='w'))
            thread = threading.Thread(target=run)
            thread.start()
            yield thread, outcome
            holder.rollback()

    def test_cell_indexes_give_up_behind_a_long_transaction(self):
        # A transaction holding instances (here a write left open): the
        # index command must fail for the cell, not wait a day with every
        # query of Nova on instances queued behind it.
        if self.PLAN_USES_INDEX is None:
            self.skipTest('SQLite: one writer, nothing to queue behind')
        with self._ensure_behind_a_write(1) as (thread, outcome):
            thread.join(indexes.LOCK_TIMEOUT + 9)
            gave_up = not thread.is_alive()
        thread.join()
        self.assertTrue(gave_up, 'still waiting for the lock')
        self.assertIsInstance(outcome[0], Exception)
        with self.engine.connect() as conn:
            self.assertEqual([], indexes.present(conn))
        self.assertEqual(2, len(indexes.ensure(self.engine)))

    def test_cell_indexes_let_writers_go_on(self):
        # Behind a long transaction on instances the command waits (here
        # up to 3 s); Nova's new writes must not queue behind it, as they
        # would behind a plain CREATE INDEX's SHARE lock request.
        if self.engine.dialect.name != 'postgresql':
            self.skipTest('PostgreSQL builds CONCURRENTLY; MariaDB online, '
                          'bounded by test_cell_indexes_give_up_...')
        with self._ensure_behind_a_write(3) as (thread, outcome):
            time.sleep(0.5)
            self.assertTrue(thread.is_alive(), 'did not wait: %s' % outcome)
            begin = time.monotonic()
            self._add_instances(('web-2', 'p1', 0))
            took = time.monotonic() - begin
        thread.join(10)
        self.assertLess(took, 2)
        if isinstance(outcome[0], Exception):
            # Timed out in its wait: an invalid index is left behind,
            # never taken for a valid one, and built again.
            with self.engine.connect() as conn:
                self.assertEqual([], indexes.present(conn))
            self.assertEqual(2, len(indexes.ensure(self.engine)))
        with self.engine.connect() as conn:
            self.assertEqual([], indexes.missing(conn))
        self.assertEqual(2, len(indexes.drop(self.engine)))
        with self.engine.connect() as conn:
            self.assertEqual(2, len(indexes.missing(conn)))
            self.assertEqual([], [
                name for name, in conn.execute(sa.text(indexes._PG_INDEXES))
                if name.startswith(indexes.PREFIX)])

    #: The query of the session's lock wait, which ensure() shortens.
    LOCK_WAIT_SETTING = None

    def test_cell_indexes_leave_the_session_as_found(self):
        # The pooled connection goes back to its next user (a caller's
        # engine, the benchmark's) with its own lock wait, also when a
        # statement gave up.
        if self.LOCK_WAIT_SETTING is None:
            self.skipTest('SQLite: no lock wait setting')
        # One connection: the next checkout is the one ensure() used.
        engine = sa.create_engine(self.engine.url, pool_size=1,
                                  max_overflow=0)
        self.addCleanup(engine.dispose)

        def setting():
            with engine.connect() as conn:
                return conn.execute(sa.text(self.LOCK_WAIT_SETTING)).scalar()

        before = setting()
        self.assertEqual(2, len(indexes.ensure(engine)))
        self.assertEqual(before, setting())
        self.assertEqual(2, len(indexes.drop(engine)))
        self.assertEqual(before, setting())
        self.useFixture(fixtures.MockPatchObject(
            indexes, 'LOCK_TIMEOUT', 1))
        with self.engine.connect() as holder:
            holder.begin()
            holder.execute(INSTANCES.update().values(display_name='w'))
            self.assertRaises((db_exc.DBError, sa.exc.DBAPIError),
                              indexes.ensure, engine)
            holder.rollback()
        self.assertEqual(before, setting())

    def test_cell_indexes_report_a_lost_connection(self):
        # The cell's server restarted during a build: the command reports
        # that, not its failure to reset the lost session afterwards.
        if self.engine.dialect.name != 'postgresql':
            self.skipTest('PostgreSQL: the session reset after the build')

        def build():
            with indexes._pg_autocommit(self.engine) as conn:
                conn.execute(sa.text(
                    'SELECT pg_terminate_backend(pg_backend_pid())'))

        e = self.assertRaises((db_exc.DBConnectionError,
                               sa.exc.OperationalError), build)
        # The statement that lost the connection, whichever way the
        # driver words the loss ("terminating connection ...", "server
        # closed the connection unexpectedly"), not the reset after it.
        self.assertIn('pg_terminate_backend', str(e))
        self.assertNotIn('invalid transaction', str(e))
        # The lost connection left the pool; the next run builds.
        self.assertEqual(2, len(indexes.ensure(self.engine)))

    def _lookups(self):
        """Run the namer's global-scope lookups; return rows and SQL."""
        self.useFixture(fixtures.MockPatchObject(cells, '_CELLS', {}))
        self.useFixture(fixtures.MockPatchObject(cells, '_WARNED', set()))
        self._namer()
        ctxt = nova_context.RequestContext('u', 'p1', is_admin=False)
        statements = []

        def record(conn, cursor, statement, parameters, context, many):
            if 'FROM instances' in statement:
                statements.append((statement, parameters))

        engine_events = sa.engine.Engine
        sa.event.listen(engine_events, 'before_cursor_execute', record)
        try:
            found = [
                cells.find(ctxt, None, display_names=[
                    'web-1', 'ärger-1', 'k8s-1', 'ωmega', 'straße-1',
                    'nobody'], hostnames=['web-2', 'kelvin-host']),
                cells.find(ctxt, None, like='web\\_%'),
                cells.find(ctxt, None, like='k8s-%', host_like='web-%'),
            ]
        finally:
            sa.event.remove(engine_events, 'before_cursor_execute', record)
        return [sorted(f, key=repr) for f in found], statements

    def test_global_scope_without_the_indexes_warns_once(self):
        logger = self.useFixture(fixtures.FakeLogger(
            name='nova_ext.naming.cells', level=logging.WARNING))
        self._lookups()
        self.assertEqual(1, logger.output.count(
            'lacks the indexes nova_ext_instances_display_name_idx, '
            'nova_ext_instances_hostname_idx'), logger.output)
        self.assertIn('nova-ext-manage db sync-cell-indexes', logger.output)
        indexes.ensure(self.engine)
        logger = self.useFixture(fixtures.FakeLogger(
            name='nova_ext.naming.cells', level=logging.WARNING))
        self._lookups()
        self.assertEqual('', logger.output)

    def _exact(self, found, display_names=(), hostnames=()):
        """What a caller keeps of rows read: names.fold equality."""
        return sorted(
            (d, h) for d, h in found
            if names.fold(d or '') in display_names or
            names.fold(h or '') in hostnames)

    def test_global_lookups_use_the_indexes_and_find_the_same(self):
        rows = [('Web-1', 'p1', 0, 'web-1'), ('x', 'p2', 0, 'WEB-2'),
                ('WEB_3', 'p2', 0, 'web-3'), ('web-4', 'p3', 7, 'web-4'),
                ('webx3', 'p2', 0, None), ('\u00c4RGER-1', 'p3', 0, None),
                ('STRASSE-1', 'p1', 0, None), ('Stra\u00dfe-1', 'p4', 0),
                ('Strase-1', 'p4', 0),
                # KELVIN SIGN, OHM SIGN: lower() makes them k and omega.
                ('\u212a8s-1', 'p1', 0, 'k8s-1'),
                ('\u2126mega', 'p5', 0, 'KELVIN-HOST'),
                ('K8S-7', 'p6', 0, 'k8s-7')]
        if not self.UNICODE_LOWER:
            rows = [r for r in rows if all(ord(c) < 128 for c in r[0])]
        self._add_instances(*rows)
        self._add_instances(*[('filler-%d' % i, 'p%d' % (i % 50), 0,
                               'filler-%d' % i) for i in range(3000)])
        before, _sql = self._lookups()
        indexes.ensure(self.engine)
        with self.engine.begin() as conn:
            self._analyze(conn)
        after, statements = self._lookups()
        for old, new in zip(before, after):
            # Never fewer rows; more only as the collation over-matches.
            self.assertEqual([], [r for r in old if r not in new])
        self.assertEqual(
            self._exact(before[0], ['web-1', '\u00e4rger-1', 'k8s-1',
                                    '\u03c9mega', 'stra\u00dfe-1'],
                        ['web-2', 'kelvin-host']),
            self._exact(after[0], ['web-1', '\u00e4rger-1', 'k8s-1',
                                   '\u03c9mega', 'stra\u00dfe-1'],
                        ['web-2', 'kelvin-host']))
        expected = [('Web-1', 'web-1'), ('x', 'WEB-2')]
        if self.UNICODE_LOWER:
            expected += [('Stra\u00dfe-1', None),
                         ('\u00c4RGER-1', None),
                         ('\u2126mega', 'KELVIN-HOST'),
                         ('\u212a8s-1', 'k8s-1')]
        self.assertEqual(sorted(expected), self._exact(
            after[0], ['web-1', '\u00e4rger-1', 'k8s-1', '\u03c9mega',
                       'stra\u00dfe-1'], ['web-2', 'kelvin-host']))
        # LIKE's escaped underscore is a literal underscore.
        self.assertEqual([('WEB_3', 'web-3')], after[1])
        self.assertIn(('K8S-7', 'k8s-7'), after[2])
        self.assertIn(('Web-1', 'web-1'), after[2])
        if self.UNICODE_LOWER:
            self.assertIn(('\u212a8s-1', 'k8s-1'), after[2])
        if self.PLAN_USES_INDEX is None:
            return
        self.assertEqual(3, len(statements))
        with self.engine.connect() as conn:
            self._prefer_indexes(conn)
            for statement, parameters in statements:
                plan = '\n'.join(str(r) for r in conn.exec_driver_sql(
                    'EXPLAIN ' + statement, parameters))
                self.assertIn(self.PLAN_USES_INDEX, plan, statement)
                self.assertNotIn(self.PLAN_SCANS, plan, statement)

    def _analyze(self, conn):
        pass

    def _prefer_indexes(self, conn):
        pass


class TestSQLite(_CounterTests, test_fixtures.OpportunisticDBTestMixin,
                 testtools.TestCase):
    FIXTURE = test_fixtures.OpportunisticDbFixture
    UNICODE_LOWER = False

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
    PLAN_USES_INDEX = 'nova_ext_instances_'
    PLAN_SCANS = "'ALL'"
    LOCK_WAIT_SETTING = 'SELECT @@SESSION.lock_wait_timeout'
    CLOSE_OTHERS = """
        BEGIN NOT ATOMIC
          FOR c IN (SELECT id FROM information_schema.processlist
                    WHERE db = DATABASE() AND id <> CONNECTION_ID()) DO
            KILL CONNECTION c.id;
          END FOR;
        END"""

    def _analyze(self, conn):
        conn.execute(sa.text('ANALYZE TABLE instances'))

    def test_instances_collation_is_checked(self):
        with self.engine.connect() as conn:
            self.assertIn(indexes.column_collation(conn),
                          indexes.CHECKED_COLLATIONS)

    def test_signs_found_beside_letters_the_collation_does_not_fold(self):
        # GEORGIAN MTAVRULI AN is not equal to its lower case under
        # general_ci, so a name holding it is also asked for as written
        # and in upper case; the KELVIN SIGN beside it folds to k, as the
        # K asked for does: the server carrying it must still be found.
        self._add_instances(('\u1c90\u212a-1', 'p1', 0),
                            ('\u1c90\u212b\u2126-1', 'p2', 0),
                            ('\u1c90k-3', 'p3', 0))
        indexes.ensure(self.engine)
        self.useFixture(fixtures.MockPatchObject(cells, '_CELLS', {}))
        self.useFixture(fixtures.MockPatchObject(cells, '_WARNED', set()))
        self._namer()
        ctxt = nova_context.RequestContext('u', 'p1', is_admin=False)
        for asked, like in (('\u1c90K-1', '\u1c90K-%'),
                            ('\u1c90\u00c5\u03a9-1', '\u1c90\u00c5\u03a9-%'),
                            ('\u1c90\u212a-3', '\u1c90\u212a-3%')):
            self.assertEqual(1, len(self._exact(
                cells.find(ctxt, None, display_names=[asked]),
                [names.fold(asked)])), asked)
            self.assertEqual(1, len(self._exact(
                cells.find(ctxt, None, like=like),
                [names.fold(asked)])), like)

    def test_a_create_costs_one_round_trip_per_statement(self):
        # The family read (one cell here), the reservation, the issued
        # name and the commit: no ping before them, no ROLLBACK after.
        namer = self._namer()
        tmpl = '%(name)s%(count)d'
        self._reserve(namer, tmpl, 'warm', 1)
        sent = []
        real = pymysql.connections.Connection._execute_command

        def spy(conn, command, sql):
            if command == pymysql.constants.COMMAND.COM_QUERY:
                sent.append(sql.decode() if isinstance(sql, bytes) else sql)
            else:
                sent.append('command %d' % command)
            return real(conn, command, sql)

        with mock.patch.object(pymysql.connections.Connection,
                               '_execute_command', spy):
            self.assertEqual([1], self._reserve(namer, tmpl, 'db', 1))
        self.assertEqual(4, len(sent), sent)
        self.assertTrue(sent[0].startswith('SELECT'), sent)
        self.assertEqual('COMMIT', sent[-1])

    def test_engines_set_the_session_as_novas(self):
        # [database] mysql_sql_mode, as oslo.db sets it on Nova's engines
        # (TRADITIONAL unless the operator changes it).
        self.useFixture(config_fixture.Config(engines.CONF)).config(
            mysql_sql_mode='TRADITIONAL,ANSI_QUOTES', group='database')
        nova = sa.create_engine(self.engine.url)
        self.addCleanup(nova.dispose)
        with engines.sibling(nova, reader=True).connect() as conn:
            mode = conn.execute(sa.text('SELECT @@SESSION.sql_mode')).scalar()
        self.assertIn('STRICT_ALL_TABLES', mode)
        self.assertIn('ANSI_QUOTES', mode)

    def test_server_is_mariadb_with_returning(self):
        self.assertTrue(self.engine.dialect.is_mariadb)
        self.assertTrue(counter._supports_returning(self.engine.dialect))

    def test_mariadb_url(self):
        # mariadb+pymysql:// names its dialect 'mariadb', not 'mysql'.
        url = self.engine.url.set(drivername='mariadb+pymysql')
        engine = sa.create_engine(url)
        self.addCleanup(engine.dispose)
        self.assertEqual('mariadb', engine.dialect.name)
        key = counter.counter_key('s', 'm')
        with engine.begin() as conn:
            self.assertEqual(3, counter.reserve(conn, key, 's', 'm', 2,
                                                seed=2))
            self.assertEqual(5, counter.reserve(conn, key, 's', 'm', 1))
            self.assertTrue(counter.issue(conn, 's', 'm1', 'm1'))
            self.assertFalse(counter.issue(conn, 's', 'M1', 'x'))


class TestPostgreSQL(_CounterTests, test_fixtures.OpportunisticDBTestMixin,
                     testtools.TestCase):
    FIXTURE = test_fixtures.PostgresqlOpportunisticFixture
    PLAN_USES_INDEX = 'nova_ext_instances_'
    PLAN_SCANS = 'Seq Scan'
    LOCK_WAIT_SETTING = 'SHOW lock_timeout'
    CLOSE_OTHERS = (
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity '
        'WHERE datname = current_database() AND pid <> pg_backend_pid()')

    def _analyze(self, conn):
        conn.execute(sa.text('ANALYZE instances'))

    def _prefer_indexes(self, conn):
        # A few thousand rows: the planner would rather read them all;
        # this shows that the index can serve the query as written.
        conn.execute(sa.text('SET enable_seqscan = off'))
