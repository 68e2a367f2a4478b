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

"""Counter statements per SQL dialect, without a database server.

The real databases are exercised in tests/functional/db; these check the
statement each dialect gets, including dialects no server here speaks.
"""

import time
from unittest import mock

from oslo_db import exception as db_exc
import sqlalchemy as sa
import testtools

from nova_ext.naming import counter


class _Connection(object):
    """Records the SQL compiled for ``dialect``; answers like a server."""

    def __init__(self, url, server_version=None):
        self.dialect = sa.create_engine(url).dialect
        self.dialect.server_version_info = server_version
        self.sql = []

    def exec_driver_sql(self, sql, params=None):
        self.sql.append(sql)
        self.params = params
        result = mock.Mock(rowcount=1, lastrowid=5)
        result.scalar_one.return_value = 5
        return result


class TestDialects(testtools.TestCase):

    def test_mariadb_url_gets_the_atomic_path(self):
        # mariadb+pymysql:// names its dialect 'mariadb'.
        conn = _Connection('mariadb+pymysql://u:p@127.0.0.1/db',
                           (10, 11, 6))
        self.assertEqual('mariadb', conn.dialect.name)
        self.assertEqual(4, counter.reserve(conn, 'k', 's', 'n', 2))
        self.assertIn('ON DUPLICATE KEY UPDATE', conn.sql[-1])
        self.assertIn('RETURNING', conn.sql[-1])
        self.assertTrue(counter.issue(conn, 's', 'n4', 'n4'))
        self.assertIn('INSERT IGNORE', conn.sql[-1])

    def test_mysql8_uses_last_insert_id(self):
        conn = _Connection('mysql+pymysql://u:p@127.0.0.1/db', (8, 0, 36))
        self.assertFalse(counter._supports_returning(conn.dialect))
        self.assertEqual(5, counter.reserve(conn, 'k', 's', 'n', 1))
        self.assertIn('last_insert_id(', conn.sql[-1].lower())
        self.assertNotIn('RETURNING', conn.sql[-1])

    def test_unknown_version_avoids_returning(self):
        conn = _Connection('mariadb+pymysql://u:p@127.0.0.1/db')
        self.assertFalse(counter._supports_returning(conn.dialect))

    def test_postgresql(self):
        conn = _Connection('postgresql://u:p@127.0.0.1/db')
        counter.issue(conn, 's', 'n1', None)
        self.assertIn('ON CONFLICT DO NOTHING', conn.sql[-1])

    def test_compiled_once_per_dialect(self):
        # SQLAlchemy caches no dialect-specific INSERT: compiling them on
        # every create cost more than running them.
        conn = _Connection('postgresql://u:p@127.0.0.1/db')
        with mock.patch.object(counter, '_statement', autospec=True,
                               side_effect=counter._statement) as build:
            for n in range(3):
                counter.reserve(conn, 'k', 's', 'n', 1)
                counter.issue(conn, 's', 'n%d' % n, 'n%d' % n)
        self.assertEqual(2, build.call_count)
        self.assertEqual('n2', conn.params['display_name'])

    def test_sqlite_converts_datetimes_as_its_column_type(self):
        conn = _Connection('sqlite://')
        counter.issue(conn, 's', 'n1', None)
        created = conn.params[conn.sql[-1].count('?') - 2]
        self.assertIsInstance(created, str)

    def test_a_lost_connection_is_retried_once_at_once(self):
        calls = []

        @counter.retried
        def transaction():
            calls.append(time.monotonic())
            raise db_exc.DBConnectionError('gone')

        start = time.monotonic()
        self.assertRaises(db_exc.DBConnectionError, transaction)
        # Twice, without oslo.db's back-off: a database out of reach
        # fails the create now, not after 25 s of sleeps.
        self.assertEqual(2, len(calls))
        self.assertLess(time.monotonic() - start, 0.5)

    def test_a_deadlock_is_retried(self):
        calls = []

        @counter.retried
        def transaction():
            calls.append(1)
            if len(calls) < 3:
                raise db_exc.DBDeadlock()
            return 'done'

        with mock.patch('time.sleep', autospec=True):
            self.assertEqual('done', transaction())
        self.assertEqual(3, len(calls))

    def test_keys(self):
        self.assertEqual(counter.counter_key('s', ' Web '),
                         counter.counter_key('s', 'WEB'))
        self.assertNotEqual(counter.counter_key('s', 'web'),
                            counter.counter_key('t', 'web'))
