"""Reserve display-name counts atomically in the Nova API database.

Each (scope, requested name) pair has one row in ``nova_ext_name_counters``
holding the last count handed out. Reserving N counts is a single
``INSERT ... ON CONFLICT/DUPLICATE KEY UPDATE`` statement that both creates
the row and adds N to it, returning the new last count: the database's row
lock makes concurrent reservations from any number of nova-api workers or
hosts get disjoint ranges, with one round trip and no read-modify-write
race. Counts are never handed back, so numbers of deleted servers are not
reused.

The functions here take a SQLAlchemy ``Connection`` so that they run on
Nova's API database engine in production and on any engine in tests.
"""

import hashlib

from oslo_log import log as logging
from oslo_utils import timeutils
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from nova_ext.db import models

LOG = logging.getLogger(__name__)

TABLE = models.NameCounter.__table__

#: Scope string of the ``global`` count scope.
GLOBAL_SCOPE = 'global'


def normalize(name):
    """Normalize a requested name into its counter key.

    Surrounding white space is stripped and the name case folded, so that
    "Web", "web " and "WEB" continue one count, as Nova's hostname
    uniqueness check compares names case-insensitively.
    """
    return name.strip().casefold()


def scope_of(scope, project_id):
    """Return the stored scope string of a count scope option value."""
    if scope == 'global':
        return GLOBAL_SCOPE
    return 'project:%s' % project_id


def counter_key(scope, name):
    """Return the primary key of the counter of ``name`` in ``scope``."""
    raw = '%s\x00%s' % (scope, normalize(name))
    return hashlib.sha256(raw.encode('utf-8')).hexdigest()


def exists(connection, key):
    """Tell whether the counter row ``key`` exists."""
    query = sa.select(TABLE.c.key).where(TABLE.c.key == key)
    return connection.execute(query).first() is not None


def _supports_returning(dialect):
    if dialect.name in ('postgresql', 'sqlite'):
        return True
    # MariaDB 10.5+ has INSERT ... RETURNING, which on 10.11 also returns
    # the updated row of ON DUPLICATE KEY UPDATE (tested in
    # tests/functional/db). MySQL has no RETURNING at all.
    return bool(getattr(dialect, 'is_mariadb', False) and
                dialect.server_version_info >= (10, 5))


def reserve(connection, key, scope, name, count, seed=0,
            use_returning=None):
    """Reserve ``count`` consecutive numbers; return the first one.

    The numbers are ``first .. first + count - 1``. When the counter row
    does not exist yet it is created as if ``seed`` had been the last
    number used. One statement, one round trip.

    :param use_returning: force (True) or avoid (False) the RETURNING form
        on MySQL-family databases; None picks by server version. The
        fallback uses ``LAST_INSERT_ID(expr)``, whose value the server
        sends back in the statement's OK packet.
    """
    if count < 1:
        raise ValueError('count must be at least 1, not %r' % count)
    now = timeutils.utcnow()
    dialect = connection.dialect
    values = {'key': key, 'scope': scope, 'name': normalize(name),
              'created_at': now, 'updated_at': now}
    incremented = TABLE.c.last_count + count
    if dialect.name in ('postgresql', 'sqlite'):
        insert = (postgresql.insert if dialect.name == 'postgresql'
                  else sqlite.insert)
        stmt = insert(TABLE).values(last_count=seed + count, **values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[TABLE.c.key],
            set_={'last_count': incremented, 'updated_at': now},
        ).returning(TABLE.c.last_count)
        last = connection.execute(stmt).scalar_one()
    elif dialect.name == 'mysql':
        if use_returning is None:
            use_returning = _supports_returning(dialect)
        if use_returning:
            stmt = mysql.insert(TABLE).values(
                last_count=seed + count, **values)
            stmt = stmt.on_duplicate_key_update(
                last_count=incremented, updated_at=now,
            ).returning(TABLE.c.last_count)
            last = connection.execute(stmt).scalar_one()
        else:
            stmt = mysql.insert(TABLE).values(
                last_count=sa.func.last_insert_id(seed + count), **values)
            stmt = stmt.on_duplicate_key_update(
                last_count=sa.func.last_insert_id(incremented),
                updated_at=now)
            last = connection.execute(stmt).lastrowid
    else:
        raise NotImplementedError(
            'display-name counters do not support the %s database'
            % dialect.name)
    return last - count + 1


def last_count(connection, key):
    """Return the last number used by counter ``key``, or None."""
    query = sa.select(TABLE.c.last_count).where(TABLE.c.key == key)
    return connection.execute(query).scalar_one_or_none()
