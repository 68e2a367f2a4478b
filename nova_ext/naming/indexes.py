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

"""Indexes nova-ext adds to the ``instances`` table of each cell database.

Nova does not index ``display_name`` nor ``hostname``; in the ``global``
count scope, the name lookups of :mod:`nova_ext.naming.cells` would read
every row of every cell. ``nova-ext-manage db sync-cell-indexes`` creates
two indexes per cell database, both named ``nova_ext_...``:

* MariaDB/MySQL: plain indexes on ``display_name`` and ``hostname``. Nova's
  tables use a case-insensitive collation (``utf8mb3_general_ci``), so the
  lookups compare the columns themselves (:func:`like_variants`) and the
  index serves them, case-insensitively.
* PostgreSQL: expression indexes on ``lower(display_name)`` and
  ``lower(hostname)`` with ``text_pattern_ops``, which serve the lookups'
  ``lower(...) IN`` and ``lower(...) LIKE 'prefix%'`` as they are, built
  (and dropped) ``CONCURRENTLY`` so that Nova's writers go on meanwhile.
* SQLite (tests only): expression indexes on ``lower(...)``.

They are additive: Nova's alembic migrations never compare the schema with
its models, and do not touch indexes they did not create. They can be
dropped at any time (``--drop``); without them everything works, global
scope lookups scan.
"""

import contextlib

import sqlalchemy as sa

from nova_ext.naming import names
from nova_ext.naming import template as name_template

COLUMNS = ('display_name', 'hostname')
PREFIX = 'nova_ext_instances_'

#: Collations whose comparison was checked, character by character over
#: the Basic Multilingual Plane, to equate every pair MariaDB's ``lower()``
#: equates, except the three signs below.
CHECKED_COLLATIONS = frozenset([
    'utf8_general_ci', 'utf8mb3_general_ci', 'utf8mb4_general_ci'])

#: Characters MariaDB's ``lower()`` maps to a letter that ``general_ci``
#: does not equate them with: OHM SIGN, KELVIN SIGN, ANGSTROM SIGN, keyed
#: by that letter (as :func:`~nova_ext.naming.names.fold` makes it too).
#: Only a name holding the letter itself folds equal to one holding the
#: sign: ``a`` is not ``\u00e5``, so ``a`` needs no second spelling.
_SIGNS = {'\u03c9': '\u2126', 'k': '\u212a', '\u00e5': '\u212b'}

#: How many spellings of one name a lookup asks for at most; past that,
#: further sign-prone letters become ``_`` (any one character).
MAX_VARIANTS = 16


def index_name(column):
    return PREFIX + column + '_idx'


def _ddl(dialect, column):
    name = index_name(column)
    if dialect in ('mysql', 'mariadb'):
        return 'CREATE INDEX %s ON instances (%s)' % (name, column)
    if dialect == 'postgresql':
        return ('CREATE INDEX CONCURRENTLY IF NOT EXISTS %s ON instances '
                '(lower(%s) text_pattern_ops)' % (name, column))
    return ('CREATE INDEX IF NOT EXISTS %s ON instances (lower(%s))'
            % (name, column))


def present(conn):
    """Return the names of nova-ext's indexes on ``instances``."""
    # From the catalogue: SQLAlchemy does not reflect expression indexes
    # on every backend.
    dialect = conn.dialect.name
    if dialect in ('mysql', 'mariadb'):
        query = ("SELECT DISTINCT index_name FROM "
                 "information_schema.statistics"
                 " WHERE table_schema = DATABASE() AND table_name = "
                 "'instances'")
    elif dialect == 'postgresql':
        # Valid ones only: a concurrent build that failed leaves an
        # invalid index, which the planner never uses.
        query = _PG_INDEXES + " AND i.indisvalid"
    else:
        query = ("SELECT name FROM sqlite_master WHERE type = 'index' AND "
                 "tbl_name = 'instances'")
    found = {row[0] for row in conn.execute(sa.text(query))}
    return sorted(found & {index_name(c) for c in COLUMNS})


_PG_INDEXES = (
    "SELECT c.relname FROM pg_index i"
    " JOIN pg_class c ON c.oid = i.indexrelid"
    " JOIN pg_class t ON t.oid = i.indrelid"
    " JOIN pg_namespace n ON n.oid = t.relnamespace"
    " WHERE t.relname = 'instances' AND n.nspname = current_schema()")


def missing(conn):
    """Return the names of nova-ext's indexes ``instances`` lacks."""
    return sorted({index_name(c) for c in COLUMNS} - set(present(conn)))


#: Seconds ``CREATE INDEX`` and ``DROP INDEX`` wait for the table's lock.
#: Waiting longer would queue every query of Nova on ``instances`` behind
#: the waiting statement (MariaDB's metadata lock, PostgreSQL's lock
#: queue) while a long transaction holds the table; the command fails
#: for that cell instead, to be run again.
LOCK_TIMEOUT = 10


@contextlib.contextmanager
def _lock_wait_limited(conn):
    """Wait at most :data:`LOCK_TIMEOUT` for locks (MariaDB/MySQL).

    The setting is the session's: the pooled connection goes back to its
    next user with the wait it had, also when a statement gave up.
    """
    if conn.dialect.name not in ('mysql', 'mariadb'):
        yield
        return
    saved = conn.execute(sa.text(
        'SELECT @@SESSION.lock_wait_timeout')).scalar()
    conn.execute(sa.text('SET SESSION lock_wait_timeout = %d'
                         % LOCK_TIMEOUT))
    try:
        yield
    finally:
        # Not on a connection lost meanwhile (see _pg_autocommit).
        if not conn.invalidated:
            conn.execute(sa.text('SET SESSION lock_wait_timeout = %d'
                                 % int(saved)))


def ensure(engine):
    """Create the indexes ``instances`` lacks; return the names created.

    Idempotent. On MariaDB, InnoDB builds them online (readers and
    writers of the table are not blocked once the build started); on
    PostgreSQL they are built ``CONCURRENTLY``. Gives up after
    :data:`LOCK_TIMEOUT` seconds waiting for the table's lock.
    """
    if engine.dialect.name == 'postgresql':
        return _ensure_concurrently(engine)
    created = []
    with engine.begin() as conn, _lock_wait_limited(conn):
        have = set(present(conn))
        for column in COLUMNS:
            if index_name(column) not in have:
                conn.execute(sa.text(_ddl(conn.dialect.name, column)))
                created.append(index_name(column))
    return created


@contextlib.contextmanager
def _pg_autocommit(engine):
    """A PostgreSQL connection outside any transaction block.

    ``CREATE INDEX CONCURRENTLY`` and ``DROP INDEX CONCURRENTLY`` cannot
    run in one; each waits at most :data:`LOCK_TIMEOUT` for a lock. A
    concurrent build also waits, under the same limit, for every older
    transaction that could write the table: on a busy cell it may give up
    and need running again at a quieter time.
    """
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level='AUTOCOMMIT')
        conn.execute(sa.text("SET lock_timeout = '%ds'" % LOCK_TIMEOUT))
        try:
            yield conn
        finally:
            # The setting is the session's: not for the next user of the
            # pooled connection. A connection lost meanwhile leaves the
            # pool instead, and resetting it would only hide why the
            # statement failed.
            if not conn.invalidated:
                conn.execute(sa.text('RESET lock_timeout'))


def _ensure_concurrently(engine):
    """PostgreSQL: build the indexes while Nova goes on writing.

    A plain ``CREATE INDEX`` holds a ``SHARE`` lock on ``instances`` for
    the whole build, which on a large cell stops every boot, delete and
    state change of Nova until it ends. ``CONCURRENTLY`` lets writers go
    on. A concurrent build that failed (the lock wait timed out, say)
    leaves an invalid index behind: it is dropped and built again.
    """
    created = []
    with _pg_autocommit(engine) as conn:
        valid = set(present(conn))
        built = _pg_built(conn)
        for column in COLUMNS:
            name = index_name(column)
            if name in valid:
                continue
            if name in built:
                _pg_drop(conn, name)
            conn.execute(sa.text(_ddl('postgresql', column)))
            created.append(name)
    return created


def _pg_built(conn):
    """Return nova-ext's indexes on ``instances``, valid or not."""
    found = {row[0] for row in conn.execute(sa.text(_PG_INDEXES))}
    return sorted(found & {index_name(c) for c in COLUMNS})


def _pg_drop(conn, name):
    # Without the ACCESS EXCLUSIVE lock a plain DROP INDEX takes, which
    # would stop Nova's reads as well.
    conn.execute(sa.text('DROP INDEX CONCURRENTLY IF EXISTS %s' % name))


def drop(engine):
    """Drop nova-ext's indexes; return the names dropped."""
    dropped = []
    if engine.dialect.name == 'postgresql':
        # Invalid ones too.
        with _pg_autocommit(engine) as conn:
            for name in _pg_built(conn):
                _pg_drop(conn, name)
                dropped.append(name)
        return dropped
    with engine.begin() as conn, _lock_wait_limited(conn):
        for name in present(conn):
            if conn.dialect.name in ('mysql', 'mariadb'):
                conn.execute(sa.text('DROP INDEX %s ON instances' % name))
            else:
                conn.execute(sa.text('DROP INDEX %s' % name))
            dropped.append(name)
    return dropped


def column_collation(conn):
    """Return the collation of ``instances.display_name`` and ``hostname``.

    None unless both columns share one (MariaDB/MySQL only).
    """
    rows = conn.execute(sa.text(
        "SELECT DISTINCT collation_name FROM information_schema.columns "
        "WHERE table_schema = DATABASE() AND table_name = 'instances' "
        "AND column_name IN ('display_name', 'hostname')")).fetchall()
    return rows[0][0] if len(rows) == 1 else None


def like_variants(pattern):
    """Return ``LIKE`` patterns that together match what ``pattern`` does
    after ``lower()``, when compared by a ``general_ci`` column instead.

    ``pattern`` is in lower case (:func:`nova_ext.naming.names.fold`).
    ``lower(col) LIKE p`` and ``col LIKE p`` agree under ``general_ci``
    for every character but three signs; a letter they could stand for is
    asked for in both spellings, up to :data:`MAX_VARIANTS` spellings, and
    as ``_`` past that (more rows, never fewer; the callers compare what
    is read exactly).
    """
    out = ['']
    escaped = False
    for char in pattern:
        # By the letter the character folds to: the callers also send
        # names as written and in upper case (cells._spellings), where a
        # K, or the sign itself, stands for k.
        letter = names.fold(char)
        sign = None if escaped else _SIGNS.get(letter)
        escaped = not escaped and char == '\\'
        if sign is None:
            out = [o + char for o in out]
        elif len(out) * 2 <= MAX_VARIANTS:
            out = [o + c for o in out for c in (letter, sign)]
        else:
            out = [o + '_' for o in out]
    return out


def exact_variants(name):
    """Return ``LIKE`` patterns for a name asked for exactly."""
    return like_variants(name_template.like_escape(name))
