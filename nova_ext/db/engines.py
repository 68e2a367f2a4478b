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

"""nova-ext's own engines to the databases Nova's engines reach.

Display-name templating runs a few statements on every create: one lookup
in each cell database and one short transaction in the API database.
Through Nova's engines each use costs round trips the statements do not
need: oslo.db's ``pool_pre_ping`` at every checkout, and for a lookup the
``ROLLBACK`` ending its transaction, which made two thirds of a lookup's
time, and for a transaction the ``ROLLBACK`` resetting its connection
after the ``COMMIT``. :func:`sibling` builds, once per database and
process, an engine to the same database without the ping nor the reset;
a ``reader`` also runs in autocommit, each lookup a transaction of its
own. A lookup is then one round trip, the counter's transaction three
(reservation, issued name, commit).

Without the ping, a pooled connection the server closed (restarted, idle
past ``wait_timeout``) fails the statement that uses it, as
``oslo_db.exception.DBConnectionError`` (oslo.db's error translation is
installed on these engines, as on Nova's); SQLAlchemy then drops the
pool's connections and the caller runs the statement once more.

Each engine is set up as oslo.db sets up Nova's from the same
configuration group (``[database]`` for the cells, ``[api_database]``):
pool sizes, recycle time, ``mysql_sql_mode`` and ``mysql_wsrep_sync_wait``,
character set. The price: each nova-api worker may keep a second pool to
each database nova-ext uses, as large as Nova's.
"""

import functools
import os
import threading
import time
import weakref

from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import exc_filters
from oslo_log import log as logging
import sqlalchemy as sa

import nova.conf

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

#: Databases another engine can reach by URL: an in-memory SQLite database
#: exists only behind its own engine, which is then used as it is.
SERVER_DIALECTS = ('mysql', 'mariadb', 'postgresql')

#: ``{Nova's engine: {reader: (pid, engine)}}``.
_SIBLINGS = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def sibling(engine, reader=False, group='database'):
    """Return nova-ext's engine to the database of Nova's ``engine``.

    :param reader: autocommit, for single statements that read.
    :param group: the configuration group Nova made ``engine`` from
        (``database`` for cells, ``api_database``): the new engine's pool,
        recycle time and session settings are the same.
    :returns: ``engine`` itself for SQLite.
    """
    if engine.dialect.name not in SERVER_DIALECTS:
        return engine
    pid = os.getpid()
    made = _SIBLINGS.get(engine, {}).get(reader)
    if made is not None and made[0] == pid:
        return made[1]
    with _LOCK:
        mine = _SIBLINGS.setdefault(engine, {})
        made = mine.get(reader)
        if made is not None and made[0] == pid:
            return made[1]
        if made is not None:
            # Made before this process forked: the sockets are the
            # parent's; leave them open for it.
            made[1].dispose(close=False)
        new = _create(engine, reader, CONF[group])
        mine[reader] = (pid, new)
        # Its connections close with Nova's engine (a cell removed, a
        # test's database dropped), in the process that opened them only:
        # a forked child exiting must not close its parent's.
        weakref.finalize(engine, _dispose, new, pid)
        return new


def once_more_when_disconnected(fn):
    """Run ``fn`` once more, at once, when its connection was lost.

    These engines do not ping a pooled connection before use: one the
    server closed fails the first statement, and SQLAlchemy drops the
    pool's connections, so the second run gets a new one. A database that
    cannot be reached fails the second run too, without waiting.
    """
    @functools.wraps(fn)
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except db_exc.DBConnectionError:
            LOG.info('%s lost its database connection; running it once '
                     'more on a new one', fn.__name__)
            return fn(*args, **kwargs)

    return run


def _dispose(engine, pid):
    engine.dispose(close=os.getpid() == pid)


def _after_fork_in_child():
    # Another thread of the parent may have held the lock while it forked.
    global _LOCK
    _LOCK = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _create(engine, reader, conf):
    """Create the engine, set up as oslo.db sets up Nova's from ``conf``."""
    args = {'connect_args': {}}
    if engine.dialect.name == 'postgresql':
        if 'client_encoding' not in engine.url.query:
            args['client_encoding'] = 'utf8'
    elif 'charset' not in engine.url.query:
        args['connect_args']['charset'] = 'utf8'
    # As oslo.db passes them: None leaves SQLAlchemy's default, 0 and -1
    # keep their meaning (no limit).
    for option, arg in (('max_pool_size', 'pool_size'),
                        ('max_overflow', 'max_overflow'),
                        ('pool_timeout', 'pool_timeout')):
        if conf[option] is not None:
            args[arg] = conf[option]
    # No ROLLBACK when a connection goes back to the pool: a writer is
    # only used as ``with engine.begin()``, which ended its transaction
    # (committed, or rolled back on error) before; a reader's statements
    # commit themselves.
    args['pool_reset_on_return'] = None
    if reader:
        # SQLAlchemy >= 2.0.43: no ROLLBACK closing a reader's connection.
        args.update(isolation_level='AUTOCOMMIT',
                    skip_autocommit_rollback=True)
    new = sa.create_engine(engine.url, pool_pre_ping=False,
                           pool_recycle=conf.connection_recycle_time, **args)
    # DBDeadlock, DBConnectionError... as Nova's engines raise them.
    exc_filters.register_engine(new)
    # Other green threads run when a connection is given back, as on
    # Nova's engines (oslo.db's thread_checkin).
    sa.event.listen(new, 'checkin', _yield)
    if new.dialect.name in ('mysql', 'mariadb'):
        session = [(name, conf[option]) for name, option in (
            ('sql_mode', 'mysql_sql_mode'),
            ('wsrep_sync_wait', 'mysql_wsrep_sync_wait'))
            if conf[option] is not None]
        if session:
            # Galera's causal reads (wsrep_sync_wait) matter to the
            # lookups: a server renamed a moment before is seen.
            sa.event.listen(new, 'connect', functools.partial(
                _set_session, session))
    return new


def _yield(dbapi_connection, record):
    time.sleep(0)


def _set_session(session, dbapi_connection, record):
    cursor = dbapi_connection.cursor()
    try:
        for name, value in session:
            cursor.execute('SET SESSION %s = %%s' % name, [value])
    finally:
        cursor.close()
