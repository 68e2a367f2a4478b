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

The price: each nova-api worker may keep a second pool, sized as
``[database]`` sizes Nova's, to each database nova-ext uses.
"""

import os
import threading
import weakref

from oslo_db.sqlalchemy import exc_filters
import sqlalchemy as sa

import nova.conf

CONF = nova.conf.CONF

#: Databases another engine can reach by URL: an in-memory SQLite database
#: exists only behind its own engine, which is then used as it is.
SERVER_DIALECTS = ('mysql', 'mariadb', 'postgresql')

#: ``{(Nova's engine, reader): (pid, engine)}``, by Nova's engine.
_SIBLINGS = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def sibling(engine, reader=False):
    """Return nova-ext's engine to the database of Nova's ``engine``.

    :param reader: autocommit, for single statements that read.
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
        new = _create(engine, reader)
        mine[reader] = (pid, new)
        # Its connections close with Nova's engine (a cell removed, a
        # test's database dropped).
        weakref.finalize(engine, new.dispose)
        return new


def _create(engine, reader):
    connect_args = {}
    if (engine.dialect.name != 'postgresql' and
            'charset' not in engine.url.query):
        connect_args['charset'] = 'utf8'  # as oslo.db connects
    # No ROLLBACK when a connection goes back to the pool: a writer is
    # only used as ``with engine.begin()``, which ended its transaction
    # (committed, or rolled back on error) before; a reader's statements
    # commit themselves.
    options = {'pool_reset_on_return': None}
    if reader:
        # SQLAlchemy >= 2.0.43: no ROLLBACK closing a reader's connection.
        options.update(isolation_level='AUTOCOMMIT',
                       skip_autocommit_rollback=True)
    db = CONF.database
    new = sa.create_engine(
        engine.url, pool_pre_ping=False, connect_args=connect_args,
        pool_size=db.max_pool_size or 5,
        max_overflow=max(db.max_overflow or 0, 0),
        pool_timeout=db.pool_timeout or 30,
        pool_recycle=db.connection_recycle_time, **options)
    # DBDeadlock, DBConnectionError... as Nova's engines raise them.
    exc_filters.register_engine(new)
    return new
