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

"""Find the display names and hostnames existing servers carry, in all cells.

Names nova-ext issued are unique by the API database's keys
(:mod:`nova_ext.naming.counter`); servers named before nova-ext, or renamed
by hand since, are only known to their cell. A reservation asks the cells
here, before its API database transaction opens, for every name of the
requested name's family (those the template gives it, and their
hostnames), which both seed its count and tell which of the names issued
are taken; names the family cannot cover (shortened to fit) are then
looked up exactly.

Only rows of servers that are not deleted are read. Nova's ``instances``
table has no index on ``display_name`` nor ``hostname``; in the ``project``
scope the query is bound to the project through Nova's
``instances_project_id_deleted_idx`` index, so it reads the project's
servers, never the whole cell. In the ``global`` scope it uses the indexes
``nova-ext-manage db sync-cell-indexes`` adds (:mod:`nova_ext.naming.indexes`)
when the cell has them; without them each cell scans its table (logged once
per cell and process).

On MariaDB/MySQL with the indexes, the query compares the columns by their
case-insensitive collation instead of ``lower()`` (which no index serves);
it may read more rows than ``lower()`` would (``general_ci`` ignores
accents and trailing spaces), never fewer (:func:`indexes.like_variants`).
The callers compare every row read by :func:`names.fold`, exactly.

:func:`names.fold` is Python's case rule, and a database's ``lower()`` may
know fewer letters: MariaDB's leaves 477 letters of the Basic Multilingual
Plane as they are (Cherokee, Georgian Mtavruli, ``U+04C0``...), SQLite's
and PostgreSQL's in a ``C`` locale all but ASCII. ``lower(col) =
fold(name)`` would not find a server carrying exactly that name; names
with such letters are therefore also asked for as written and in upper
case, lowered by the database itself (:func:`_spellings`).
"""

import functools
import weakref

from oslo_log import log as logging
import sqlalchemy as sa

from nova_ext.db import engines
from nova_ext.naming import indexes
from nova_ext.naming import names
from nova_ext.naming import template as name_template

LOG = logging.getLogger(__name__)


#: What each cell database, by its engine, was found to have:
#: ``(missing indexes, collation)``. Read once per process (indexes added
#: later are used after nova-api restarts); bounded by the number of cells
#: (Nova keeps one engine per cell database for the life of the process).
_CELLS = weakref.WeakKeyDictionary()
#: The cells warned about, once per process.
_WARNED = weakref.WeakSet()


def _collate_mode(cctxt, conn, scope_global):
    """Tell whether to compare the columns by their collation.

    True in global scope on MariaDB/MySQL when the cell has nova-ext's
    indexes and a collation checked to compare as ``lower()`` does;
    otherwise the lookups use ``lower()`` and, in global scope, scan
    (warned once).
    """
    # By engine, one per cell database and process: formatting its URL
    # on every lookup showed in profiles.
    key = conn.engine
    if key not in _CELLS:
        mysql = conn.dialect.name in ('mysql', 'mariadb')
        _CELLS[key] = (indexes.missing(conn),
                       indexes.column_collation(conn) if mysql else None)
    missing, collation = _CELLS[key]
    mysql = conn.dialect.name in ('mysql', 'mariadb')
    unchecked = mysql and collation not in indexes.CHECKED_COLLATIONS
    if scope_global and key not in _WARNED and (missing or unchecked):
        _WARNED.add(key)
        cell = getattr(cctxt, 'cell_uuid', None) or conn.engine.url.database
        if missing:
            LOG.warning('Cell %(cell)s lacks the indexes %(idx)s: display '
                        'name lookups in global scope read all its '
                        'servers; run "nova-ext-manage db '
                        'sync-cell-indexes"',
                        {'cell': cell, 'idx': ', '.join(missing)})
        else:
            LOG.warning('Cell %(cell)s: instances.display_name has '
                        'collation %(coll)s, which nova-ext has not '
                        'checked; display name lookups compare lower() and '
                        'read all its servers in global scope',
                        {'cell': cell, 'coll': collation})
    # The project scope keeps lower(): Nova's (project_id, deleted) index
    # already bounds its query to the project's servers.
    return bool(scope_global and mysql and not missing and not unchecked)


def _spellings(texts):
    """Return the spellings of ``texts`` the database's ``lower()`` gets.

    Only for texts with letters beyond ASCII (which every ``lower()``
    knows): as written and in upper case, so that a server carrying the
    text, or its upper case, is found even where the database's
    ``lower()`` does not know a letter :func:`names.fold` lowers.
    """
    out = set()
    for text in texts:
        if any(ord(c) > 127 and c.lower() != c.upper() for c in text):
            out.update((text, text.upper()))
    return sorted(out - {names.fold(t) for t in texts})


def _by_collation(lowered, hostnames, like, host_like, extra):
    """The lookups, on columns a case-insensitive collation compares."""
    wanted = []
    for column, exact, pattern, kind in (
            ('display_name', lowered, like, 'display'),
            ('hostname', hostnames, host_like, 'host')):
        exact = list(exact) + extra[kind]
        patterns = [names.fold(pattern)] if pattern else []
        patterns += extra[kind + '_like']
        if kind == 'host':
            # Nova keeps hostnames to Latin-1 (sanitize_hostname, the
            # API's hostname format): no sign is ever stored there.
            patterns += [name_template.like_escape(n) for n in exact]
        else:
            patterns = [v for p in patterns
                        for v in indexes.like_variants(p)]
            patterns += [v for n in exact
                         for v in indexes.exact_variants(n)]
        if patterns:
            wanted.append((column, 'like', sorted(set(patterns))))
    return wanted


def _by_lower(lowered, hostnames, like, host_like, extra):
    """The lookups, on ``lower()`` of the columns."""
    wanted = []
    for column, exact, pattern, kind in (
            ('display_name', lowered, like, 'display'),
            ('hostname', hostnames, host_like, 'host')):
        if exact:
            wanted.append((column, 'lower in', list(exact)))
        if extra[kind]:
            # Lowered by the database: its own case rule.
            wanted.append((column, 'lower in lowered', extra[kind]))
        if pattern:
            wanted.append((column, 'lower like', [names.fold(pattern)]))
        if extra[kind + '_like']:
            wanted.append((column, 'lower like lowered',
                           extra[kind + '_like']))
    return wanted


def _condition(column, kind, params):
    if kind == 'like':
        return sa.or_(*[column.like(p, escape='\\') for p in params])
    lower = sa.func.lower(column)
    if kind == 'lower in':
        return lower.in_(params[0])
    if kind == 'lower in lowered':
        return lower.in_([sa.func.lower(p) for p in params])
    if kind == 'lower like':
        return lower.like(params[0], escape='\\')
    return sa.or_(*[lower.like(sa.func.lower(p), escape='\\')
                    for p in params])


@functools.lru_cache(maxsize=256)
def _statement(project_scoped, shape):
    """Build the lookup of one ``shape``, once.

    Building a SQLAlchemy statement costs several times more CPU than
    running it (measured 0.9 ms against 0.2 ms per cell); every create
    asks every cell, so the statement is built once per shape, that is
    per column, kind of comparison and number of values, with the values
    as bound parameters.
    """
    from nova.db.main import models
    instance = models.Instance.__table__
    wanted = []
    for i, (column, kind, n) in enumerate(shape):
        if kind == 'lower in':
            params = [sa.bindparam('p%d' % i, expanding=True)]
        else:
            params = [sa.bindparam('p%d_%d' % (i, j)) for j in range(n)]
        wanted.append(_condition(instance.c[column], kind, params))
    query = sa.select(instance.c.display_name, instance.c.hostname).where(
        instance.c.deleted == 0, sa.or_(*wanted))
    if project_scoped:
        query = query.where(
            instance.c.project_id == sa.bindparam('project_id'))
    return query


def _query(project_id, wanted):
    """Return the statement and parameters of the lookups ``wanted``."""
    shape = []
    params = {}
    for i, (column, kind, values) in enumerate(wanted):
        if kind == 'lower in':
            shape.append((column, kind, 0))
            params['p%d' % i] = list(values)
            continue
        shape.append((column, kind, len(values)))
        params.update(('p%d_%d' % (i, j), v) for j, v in enumerate(values))
    if project_id is not None:
        params['project_id'] = project_id
    return _statement(project_id is not None, tuple(shape)), params


def _in_cell(cctxt, project_id, lowered, hostnames, like, host_like,
             extra):
    from nova.db.main import api as main_db_api
    # nova-ext's reader of the cell's database, without the
    # enginefacade's per-use set-up: one round trip a lookup, on every
    # create (see nova_ext.db.engines).
    engine = engines.sibling(
        main_db_api.get_context_manager(cctxt).writer.get_engine(),
        reader=True)
    return _read(engine, cctxt, project_id, lowered, hostnames, like,
                 host_like, extra)


@engines.once_more_when_disconnected
def _read(engine, cctxt, project_id, lowered, hostnames, like, host_like,
          extra):
    with engine.connect() as conn:
        # Nova compares hostnames as lower(hostname) too; servers renamed
        # through the API may carry upper case.
        lookups = (_by_collation if _collate_mode(
            cctxt, conn, project_id is None) else _by_lower)
        query, params = _query(project_id, lookups(
            lowered, hostnames, like, host_like, extra))
        return [tuple(row) for row in conn.execute(query, params)]


def find(context, project_id, display_names=(), hostnames=(), like=None,
         host_like=None):
    """Return ``(display_name, hostname)`` of servers carrying any name asked.

    :param project_id: the project whose servers count, None for all.
    :param display_names: display names, compared case-insensitively.
    :param hostnames: hostnames, compared case-insensitively, as Nova's
        own uniqueness check does.
    :param like: a SQL ``LIKE`` pattern (escape ``\\``) display names may
        match, compared case-insensitively.
    :param host_like: a SQL ``LIKE`` pattern hostnames may match,
        compared case-insensitively.

    A cell that fails or does not answer in time is logged and left out:
    its servers cannot be seen, while the names nova-ext issued stay unique
    by the API database alone.
    """
    from nova import context as nova_context
    extra = {'display': _spellings(display_names),
             'host': _spellings(hostnames),
             'display_like': _spellings([like] if like else []),
             'host_like': _spellings([host_like] if host_like else [])}
    lowered = sorted({names.fold(n) for n in display_names})
    hostnames = sorted({names.fold(h) for h in hostnames})
    if not (lowered or hostnames or like or host_like):
        return []
    results = nova_context.scatter_gather_all_cells(
        context, _in_cell, project_id, lowered, hostnames, like, host_like,
        extra)
    found = []
    for cell_uuid, result in results.items():
        if nova_context.is_cell_failure_sentinel(result):
            LOG.warning('Cell %s did not answer a display name lookup; '
                        'its servers are not considered', cell_uuid)
            continue
        found.extend(result)
    return found
