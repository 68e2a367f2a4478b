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

"""Reserve display-name counts and issue names in the Nova API database.

Each (scope, requested name) pair has one row in ``nova_ext_name_counters``
holding the last count handed out. Reserving N counts is a single
``INSERT ... ON CONFLICT/DUPLICATE KEY UPDATE`` statement that both creates
the row and adds N to it, returning the new last count: the database's row
lock makes concurrent reservations from any number of nova-api workers or
hosts get disjoint ranges, with one round trip and no read-modify-write
race. Counts are never handed back, so numbers of deleted servers are not
reused.

Each name made from a count is then issued: inserted into
``nova_ext_issued_names``, whose unique keys (scope and lower-cased
display name; scope and lower-cased hostname) refuse a name issued before,
by any requested name, request or process. A refused count is skipped.
The counter and the issued names are written in one transaction, so a
create that fails here leaves nothing behind.

The functions taking a SQLAlchemy ``Connection`` run on nova-ext's engine to
the API database in production (:mod:`nova_ext.db.engines`) and on any
engine in tests; :func:`transaction` opens that connection.
"""

import contextlib
import functools
import hashlib

from oslo_db import api as oslo_db_api
from oslo_log import log as logging
from oslo_utils import timeutils
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from nova_ext.db import engines
from nova_ext.db import models
from nova_ext.naming import names

LOG = logging.getLogger(__name__)

TABLE = models.NameCounter.__table__
ISSUED = models.IssuedName.__table__

#: Scope string of the ``global`` count scope.
GLOBAL_SCOPE = 'global'


def normalize(name):
    """Normalize a requested name into its counter key.

    Surrounding white space is stripped and the name lower cased (by
    :func:`~nova_ext.naming.names.fold`, the databases' ``lower()``), so
    that "Web", "web " and "WEB" continue one count, as Nova's hostname
    uniqueness check compares names case-insensitively.
    """
    return names.fold(name.strip())


def scope_of(scope, project_id):
    """Return the stored scope string of a count scope option value."""
    if scope == 'global':
        return GLOBAL_SCOPE
    return 'project:%s' % project_id


def counter_key(scope, name):
    """Return the primary key of the counter of ``name`` in ``scope``."""
    return _hash(scope, normalize(name))


def _hash(*parts):
    return hashlib.sha256('\x00'.join(parts).encode('utf-8')).hexdigest()


def exists(connection, key):
    """Tell whether the counter row ``key`` exists."""
    query = sa.select(TABLE.c.key).where(TABLE.c.key == key)
    return connection.execute(query).first() is not None


def _mysql_family(dialect):
    # mysql+pymysql:// and mariadb+pymysql:// URLs name their dialects
    # 'mysql' and 'mariadb'; both speak MySQL's INSERT syntax.
    return dialect.name in ('mysql', 'mariadb')


def _supports_returning(dialect):
    if dialect.name in ('postgresql', 'sqlite'):
        return True
    # MariaDB 10.5+ has INSERT ... RETURNING, which on 10.11 also returns
    # the updated row of ON DUPLICATE KEY UPDATE (tested in
    # tests/functional/db). MySQL has no RETURNING at all.
    return bool(getattr(dialect, 'is_mariadb', False) and
                (dialect.server_version_info or ()) >= (10, 5))


def _reserve_statement(dialect, use_returning):
    """Build the reservation statement of a dialect (see _compiled)."""
    values = {c: sa.bindparam(c) for c in
              ('key', 'scope', 'name', 'created_at', 'updated_at')}
    incremented = TABLE.c.last_count + sa.bindparam('count')
    if dialect in ('postgresql', 'sqlite'):
        insert = (postgresql.insert if dialect == 'postgresql'
                  else sqlite.insert)
        stmt = insert(TABLE).values(last_count=sa.bindparam('initial'),
                                    **values)
        return stmt.on_conflict_do_update(
            index_elements=[TABLE.c.key],
            set_={'last_count': incremented,
                  'updated_at': sa.bindparam('updated_at')},
        ).returning(TABLE.c.last_count)
    if use_returning:
        stmt = mysql.insert(TABLE).values(
            last_count=sa.bindparam('initial'), **values)
        return stmt.on_duplicate_key_update(
            last_count=incremented, updated_at=sa.bindparam('updated_at'),
        ).returning(TABLE.c.last_count)
    stmt = mysql.insert(TABLE).values(
        last_count=sa.func.last_insert_id(sa.bindparam('initial')),
        **values)
    return stmt.on_duplicate_key_update(
        last_count=sa.func.last_insert_id(incremented),
        updated_at=sa.bindparam('updated_at'))


def _statement(kind, dialect, use_returning):
    """Build the statement ``kind`` for ``dialect`` (see _compiled)."""
    if kind == 'reserve':
        return _reserve_statement(dialect, use_returning)
    values = {c.name: sa.bindparam(c.name) for c in ISSUED.columns
              if c.name in _ISSUED_COLUMNS}
    if dialect == 'postgresql':
        return postgresql.insert(ISSUED).values(
            **values).on_conflict_do_nothing()
    if dialect == 'sqlite':
        return sqlite.insert(ISSUED).values(**values).on_conflict_do_nothing()
    return mysql.insert(ISSUED).values(**values).prefix_with('IGNORE')


@functools.lru_cache(maxsize=32)
def _compiled(kind, dialect, use_returning, db_dialect):
    """Return statement ``kind`` compiled: SQL, parameter order, converters.

    Compiled once per database dialect: SQLAlchemy 2.0 caches no
    dialect-specific ``INSERT`` (``ON CONFLICT``, ``ON DUPLICATE KEY``,
    ``INSERT IGNORE``: ``inherit_cache = False``) and compiled both on
    every create, which cost more CPU than running them. :func:`_execute`
    sends the SQL to the driver with the values converted as the columns'
    types convert them (SQLite's datetimes).
    """
    compiled = _statement(kind, dialect, use_returning).compile(
        dialect=db_dialect)
    converters = {}
    for name, bind in compiled.binds.items():
        convert = bind.type.dialect_impl(db_dialect).bind_processor(
            db_dialect)
        if convert is not None:
            converters[name] = convert
    return compiled.string, compiled.positiontup, converters


def _execute(connection, kind, params, use_returning=False):
    """Run statement ``kind`` with ``params`` on ``connection``."""
    sql, order, converters = _compiled(
        kind, _dialect(connection), use_returning, connection.dialect)
    if converters:
        params = dict(params)
        for name, convert in converters.items():
            params[name] = convert(params[name])
    if order is not None:
        # A positional paramstyle (SQLite's qmark).
        params = tuple(params[name] for name in order)
    return connection.exec_driver_sql(sql, params)


def _dialect(connection):
    name = connection.dialect.name
    if _mysql_family(connection.dialect):
        return 'mysql'
    if name in ('postgresql', 'sqlite'):
        return name
    raise NotImplementedError(
        'display-name counters do not support the %s database' % name)


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
    params = {'key': key, 'scope': scope, 'name': normalize(name),
              'created_at': now, 'updated_at': now, 'count': count,
              'initial': seed + count}
    if _dialect(connection) != 'mysql':
        use_returning = True
    elif use_returning is None:
        use_returning = _supports_returning(connection.dialect)
    result = _execute(connection, 'reserve', params, bool(use_returning))
    if use_returning:
        last = result.scalar_one()
    else:
        last = result.lastrowid
    return last - count + 1


def advance(connection, key, by):
    """Add ``by`` to the last count of counter ``key``.

    Used to seed a row the same transaction just created, so that it holds
    the row's lock.
    """
    connection.execute(TABLE.update().where(TABLE.c.key == key).values(
        last_count=TABLE.c.last_count + by))


def last_count(connection, key):
    """Return the last number used by counter ``key``, or None."""
    query = sa.select(TABLE.c.last_count).where(TABLE.c.key == key)
    return connection.execute(query).scalar_one_or_none()


def host_scope_of(scope, project_id, nova_scope):
    """Return the scope string hostnames are issued in.

    Nova's ``osapi_compute_unique_server_name_scope = global`` refuses a
    hostname any project's server carries, so hostnames are then issued
    globally even when display names count per project.
    """
    if nova_scope == 'global':
        return GLOBAL_SCOPE
    return scope_of(scope, project_id)


def issue(connection, scope, display_name, hostname, host_scope=None):
    """Issue ``display_name`` and ``hostname`` in ``scope``, if still free.

    One ``INSERT`` that does nothing when a unique key exists (``ON
    CONFLICT DO NOTHING``, MySQL's ``INSERT IGNORE``): no exception, so
    the surrounding transaction, holding the counter row, goes on. A
    concurrent transaction inserting the same key makes this one wait
    until it ends, so two uncommitted creates never both get a name.

    :param hostname: None when the name does not set the hostname.
    :param host_scope: the scope of the hostname, if not ``scope``.
    :returns: True when issued, False when the name or hostname was issued
        before.
    """
    now = timeutils.utcnow()
    values = {
        'name_key': _hash(scope, 'name', names.fold(display_name)),
        'host_key': (None if hostname is None else
                     _hash(host_scope or scope, 'host', names.fold(hostname))),
        'scope': scope, 'display_name': display_name, 'hostname': hostname,
        'created_at': now, 'updated_at': now,
    }
    return _insert_ignore(connection, values)


#: The columns ``issue`` and ``record`` give.
_ISSUED_COLUMNS = ('name_key', 'host_key', 'scope', 'display_name',
                   'hostname', 'created_at', 'updated_at')


def _insert_ignore(connection, values):
    return _execute(connection, 'issue', values).rowcount == 1


def record(connection, scope, display_name, hostname, host_scope=None):
    """Record names nova-ext keeps rather than makes, where still free.

    A server keeping its requested name (a single create with
    ``force_multi_instance_display_name`` off) or its requested hostname is
    a BuildRequest, unknown to the cells, until a conductor builds it: the
    names are recorded so that a templated name issued meanwhile skips
    them. The display name and the hostname are recorded apart (either may
    have been issued before, the other not); one issued before is left as
    it is.
    """
    if display_name is not None:
        issue(connection, scope, display_name, None)
    if hostname:
        # A row of its own, under a name key no display name has.
        host_scope = host_scope or scope
        now = timeutils.utcnow()
        _insert_ignore(connection, {
            'name_key': _hash(host_scope, 'kept-host', names.fold(hostname)),
            'host_key': _hash(host_scope, 'host', names.fold(hostname)),
            'scope': host_scope, 'display_name': hostname,
            'hostname': hostname, 'created_at': now, 'updated_at': now,
        })


def _api_engine():
    from nova.db.api import api as api_db_api
    return api_db_api.get_engine()


def retried(fn):
    """Run transaction ``fn`` again after a deadlock or a lost connection.

    Two multi-creates inserting overlapping names in opposite orders can
    deadlock on the unique keys; the database rolls one back, which then
    starts again from scratch (oslo.db's back-off). A pooled connection
    the server closed fails the first statement (:func:`transaction` does
    not ping it first) and SQLAlchemy drops the pool's connections: the
    transaction runs once more at once, on a new one; a database that
    cannot be reached fails the create without waiting.
    """
    return oslo_db_api.wrap_db_retry(max_retries=5, retry_on_deadlock=True)(
        engines.once_more_when_disconnected(fn))


@contextlib.contextmanager
def transaction(context):
    """A plain API database connection in one transaction, no ORM session.

    On nova-ext's engine to the API database (:mod:`nova_ext.db.engines`,
    no ping at checkout): the enginefacade's per-use set-up showed in
    profiles of concurrent creates, and this transaction never joins
    another. Callers retry a lost connection (:func:`retried`).
    """
    with engines.sibling(_api_engine(),
                         group='api_database').begin() as conn:
        yield conn
