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

"""nova-ext-manage, run as the real command on a real SQLite API database."""

import os
import subprocess
import sys

import fixtures
import sqlalchemy as sa
import testtools


class ManageCommandTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.db = os.path.join(self.dir, 'nova_api.sqlite')

    def _conf(self, connection=True):
        path = os.path.join(self.dir, 'nova.conf')
        with open(path, 'w') as f:
            f.write('[DEFAULT]\n')
            if connection:
                f.write('[api_database]\nconnection = sqlite:///%s\n'
                        % self.db)
        return path

    def manage(self, *args, conf=None):
        proc = subprocess.run(
            [sys.executable, '-m', 'nova_ext.cmd.manage',
             '--config-file', conf or self._conf()] + list(args),
            capture_output=True, text=True, timeout=120,
            env=dict(os.environ, OS_NOVA_DISABLE_EVENTLET_PATCHING='true'))
        return proc.returncode, proc.stdout, proc.stderr

    def _tables(self):
        engine = sa.create_engine('sqlite:///%s' % self.db)
        try:
            return set(sa.inspect(engine).get_table_names())
        finally:
            engine.dispose()

    def test_sync_creates_the_table_and_is_idempotent(self):
        code, out, err = self.manage('db', 'version')
        self.assertEqual((0, 'None'), (code, out.strip()), err)

        code, out, err = self.manage('db', 'sync')
        self.assertEqual(0, code, err)
        self.assertIn('nova-ext tables are at revision', out)
        revision = out.strip().rsplit(' ', 1)[1]
        self.assertIn('nova_ext_name_counters', self._tables())
        self.assertIn('nova_ext_issued_names', self._tables())
        # Its own alembic history, apart from Nova's.
        self.assertIn('nova_ext_alembic_version', self._tables())

        code, out, err = self.manage('db', 'sync')
        self.assertEqual((0, 'nova-ext tables are at revision %s'
                          % revision), (code, out.strip()), err)
        code, out, err = self.manage('db', 'version')
        self.assertEqual((0, revision), (code, out.strip()), err)

    def test_upgrade_from_the_counters_only_revision(self):
        code, out, err = self.manage('db', 'sync', '--version',
                                     '8f1c2a4b6d01')
        self.assertEqual(0, code, err)
        self.assertIn('nova_ext_name_counters', self._tables())
        self.assertNotIn('nova_ext_issued_names', self._tables())
        code, out, err = self.manage('db', 'sync')
        self.assertEqual(0, code, err)
        self.assertIn('nova_ext_issued_names', self._tables())

    def test_missing_connection_is_a_clear_error(self):
        code, out, err = self.manage('db', 'sync',
                                     conf=self._conf(connection=False))
        self.assertEqual(1, code)
        self.assertIn('[api_database] connection is not set', err)

    def test_unknown_action_is_refused(self):
        code, out, err = self.manage('db', 'drop')
        self.assertNotEqual(0, code)
        self.assertIn('drop', err)

    def _cells(self, *names, unsynced=()):
        """An API database mapping cells to SQLite databases of their own.

        Cells in ``unsynced`` have no ``instances`` table (``nova-manage
        db sync`` not run for them yet).
        """
        from nova.db.api import models as api_models
        from nova.db.main import models as main_models
        api = sa.create_engine('sqlite:///%s' % self.db)
        api_models.CellMapping.__table__.create(api)
        paths = []
        with api.begin() as conn:
            for i, name in enumerate(names):
                paths.append(os.path.join(self.dir, '%s.sqlite' % name))
                conn.execute(api_models.CellMapping.__table__.insert().values(
                    uuid='%08d-0000-0000-0000-000000000000' % i, name=name,
                    transport_url='fake://',
                    database_connection='sqlite:///%s' % paths[-1]))
                cell = sa.create_engine('sqlite:///%s' % paths[-1])
                if name not in unsynced:
                    main_models.Instance.__table__.create(cell)
                cell.dispose()
        api.dispose()
        return paths

    def _cell_indexes(self, path):
        engine = sa.create_engine('sqlite:///%s' % path)
        try:
            with engine.connect() as conn:
                return conn.execute(sa.text(
                    "SELECT name FROM sqlite_master WHERE type = 'index' "
                    "AND name LIKE 'nova_ext_%' ORDER BY name")
                ).scalars().all()
        finally:
            engine.dispose()

    def test_sync_cell_indexes_in_every_cell_idempotent_and_drop(self):
        paths = self._cells('cell0', 'cell1')
        wanted = ['nova_ext_instances_display_name_idx',
                  'nova_ext_instances_hostname_idx']
        code, out, err = self.manage('db', 'sync-cell-indexes')
        self.assertEqual(0, code, err)
        self.assertEqual(2, out.count('created ' + ', '.join(wanted)), out)
        for path in paths:
            self.assertEqual(wanted, self._cell_indexes(path))
        code, out, err = self.manage('db', 'sync-cell-indexes')
        self.assertEqual(0, code, err)
        self.assertEqual(2, out.count('created nothing (already done)'), out)
        code, out, err = self.manage('db', 'sync-cell-indexes', '--drop')
        self.assertEqual(0, code, err)
        self.assertEqual(2, out.count('dropped ' + ', '.join(wanted)), out)
        for path in paths:
            self.assertEqual([], self._cell_indexes(path))

    def test_sync_cell_indexes_names_a_failed_cell_and_does_the_others(self):
        # A cell mapped but not synced yet: the command names it and why,
        # still adds the indexes to the other cells, and exits 1.
        paths = self._cells('new', 'cell1', unsynced=('new',))
        code, out, err = self.manage('db', 'sync-cell-indexes')
        self.assertEqual(1, code, out + err)
        self.assertIn('cell new (00000000-0000-0000-0000-000000000000): '
                      'failed: ', err)
        self.assertIn('instances', err)
        self.assertNotIn('Traceback', err)
        self.assertEqual(['nova_ext_instances_display_name_idx',
                          'nova_ext_instances_hostname_idx'],
                         self._cell_indexes(paths[1]))
        self.assertIn('cell cell1', out)
        # What to do about it, for every reason a cell fails.
        self.assertIn('1 of 2 cells failed; run the command again once',
                      err)
        self.assertIn('no long transaction holds instances', err)

    def test_sync_cell_indexes_without_cells_is_a_clear_error(self):
        self._cells()
        code, out, err = self.manage('db', 'sync-cell-indexes')
        self.assertEqual(1, code)
        self.assertIn('no cell mappings', err)
