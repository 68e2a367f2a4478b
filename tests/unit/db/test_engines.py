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

"""nova-ext's own engines: how they are made, per process (no database).

Engines connect lazily: these tests never reach a server. What the
engines do on a real MariaDB and PostgreSQL (a connection the server
closed) is tested in tests/functional/db.
"""

import gc
from unittest import mock

from oslo_config import fixture as config_fixture
import sqlalchemy as sa
import testtools

from nova_ext.db import engines

URL = 'mysql+pymysql://nova:secret@127.0.0.1/nova_cell1'


class TestSibling(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.nova = sa.create_engine(URL)

    def test_one_engine_per_database_and_kind(self):
        reader = engines.sibling(self.nova, reader=True)
        writer = engines.sibling(self.nova)
        self.assertIsNot(reader, self.nova)
        self.assertIsNot(reader, writer)
        self.assertIs(reader, engines.sibling(self.nova, reader=True))
        self.assertIs(writer, engines.sibling(self.nova))
        # Same database, same account; no ping at checkout.
        self.assertEqual(self.nova.url, reader.url)
        self.assertFalse(reader.pool._pre_ping)
        self.assertFalse(writer.pool._pre_ping)
        self.assertEqual('AUTOCOMMIT',
                         reader.get_execution_options().get(
                             'isolation_level') or
                         reader.dialect._on_connect_isolation_level)
        self.assertTrue(reader.dialect.skip_autocommit_rollback)
        self.assertFalse(writer.dialect.skip_autocommit_rollback)

    def test_sqlite_uses_the_engine_given(self):
        # An in-memory database is private to its engine.
        nova = sa.create_engine('sqlite://')
        self.assertIs(nova, engines.sibling(nova, reader=True))
        self.assertIs(nova, engines.sibling(nova))

    def test_a_forked_worker_makes_its_own(self):
        parent = engines.sibling(self.nova, reader=True)
        with mock.patch.object(engines.os, 'getpid', autospec=True,
                               return_value=-1), \
                mock.patch.object(parent, 'dispose',
                                  autospec=True) as dispose:
            child = engines.sibling(self.nova, reader=True)
            self.assertIsNot(parent, child)
            # The parent's sockets stay open for the parent.
            dispose.assert_called_once_with(close=False)
            self.assertIs(child, engines.sibling(self.nova, reader=True))

    def test_set_up_from_novas_configuration_group(self):
        conf = self.useFixture(config_fixture.Config(engines.CONF))
        conf.config(group='api_database', max_pool_size=0, max_overflow=-1,
                    connection_recycle_time=280)
        conf.config(group='database', max_pool_size=7, max_overflow=3)
        api = engines.sibling(sa.create_engine(URL), group='api_database')
        # 0 and -1 keep oslo.db's meaning: no limit.
        self.assertEqual(0, api.pool.size())
        self.assertEqual(-1, api.pool._max_overflow)
        self.assertEqual(280, api.pool._recycle)
        cell = engines.sibling(sa.create_engine(URL), reader=True)
        self.assertEqual(7, cell.pool.size())
        self.assertEqual(3, cell.pool._max_overflow)

    def test_a_childs_exit_leaves_the_parents_connections_open(self):
        engine = mock.Mock(spec=sa.engine.Engine)
        engines._dispose(engine, engines.os.getpid() + 1)
        engine.dispose.assert_called_once_with(close=False)
        engine.reset_mock()
        engines._dispose(engine, engines.os.getpid())
        engine.dispose.assert_called_once_with(close=True)

    def test_closed_with_novas_engine(self):
        nova = sa.create_engine(URL)
        reader = engines.sibling(nova, reader=True)
        pool = reader.pool
        del nova
        gc.collect()
        # Disposed: its pool (and connections) replaced by an empty one.
        self.assertIsNot(pool, reader.pool)
