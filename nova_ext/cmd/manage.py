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

"""``nova-ext-manage``: manage nova-ext's tables in the Nova API database.

Usage::

    nova-ext-manage --config-file /etc/nova/nova.conf db sync
    nova-ext-manage --config-file /etc/nova/nova.conf db version
    nova-ext-manage --config-file /etc/nova/nova.conf db sync-cell-indexes

``db sync`` creates or upgrades the tables (the display-name counters,
``nova_ext_name_counters``, and the names issued from them,
``nova_ext_issued_names``) in the database of
``[api_database] connection``; it is idempotent, like ``nova-manage api_db
sync``, and is run by the DevStack plugin and on every upgrade. nova-ext
keeps its own alembic history (version table ``nova_ext_alembic_version``)
so it never interferes with Nova's migrations.

``db sync-cell-indexes`` adds the indexes the ``global`` display-name count
scope needs (:mod:`nova_ext.naming.indexes`) to the ``instances`` table of
every cell database in the API database's cell mappings; it is idempotent
and is run by the DevStack plugin; ``--drop`` removes them.
"""

import sys

from oslo_config import cfg

from nova_ext import compat

CONF = cfg.CONF


class DbCommands(object):
    """Schema commands of nova-ext's API database tables."""

    _engine_obj = None

    def _engine(self):
        from nova.db.api import api as api_db_api
        if self._engine_obj is None:
            if not CONF.api_database.connection:
                raise SystemExit(
                    'nova-ext-manage: [api_database] connection is not set; '
                    'pass the nova.conf of nova-api with --config-file')
            api_db_api.configure(CONF)
            self._engine_obj = api_db_api.get_engine()
        return self._engine_obj

    def sync(self):
        from nova_ext.db import migration
        version = CONF.command.version or 'head'
        migration.db_sync(self._engine(), version)
        print('nova-ext tables are at revision %s'
              % migration.db_version(self._engine()))
        return 0

    def sync_cell_indexes(self):
        from nova import context as nova_context
        from nova import objects
        from oslo_db.sqlalchemy import engines
        from oslo_messaging import opts as messaging_opts

        from nova_ext.naming import indexes
        self._engine()
        # Cell mappings format their URLs with [DEFAULT] transport_url,
        # which oslo.messaging registers.
        for group, opts in messaging_opts.list_opts():
            if group is None:
                CONF.register_opts(opts)
        objects.register_all()
        ctxt = nova_context.get_admin_context()
        mappings = objects.CellMappingList.get_all(ctxt)
        if not mappings:
            raise SystemExit('nova-ext-manage: no cell mappings in the API '
                             'database; run nova-manage cell_v2 first')
        failed = 0
        verb = 'dropped' if CONF.command.drop else 'created'
        for mapping in mappings:
            # One cell that cannot be reached, or is not synced yet, must
            # not hide which one it is nor keep the others from their
            # indexes.
            try:
                engine = engines.create_engine(mapping.database_connection)
                try:
                    done = (indexes.drop(engine) if CONF.command.drop
                            else indexes.ensure(engine))
                finally:
                    engine.dispose()
            except Exception as e:
                failed += 1
                print('cell %s (%s): failed: %s' % (
                    mapping.name, mapping.uuid,
                    (str(e).splitlines() or [type(e).__name__])[0]),
                    file=sys.stderr)
                continue
            print('cell %s (%s): %s %s' % (
                mapping.name, mapping.uuid, verb,
                ', '.join(done) or 'nothing (already done)'))
        if failed:
            print('nova-ext-manage: %d of %d cells failed; run the '
                  'command again once their databases answer, are synced '
                  '(nova-manage db sync) and no long transaction holds '
                  'instances (a build that gave up is replaced then)'
                  % (failed, len(mappings)), file=sys.stderr)
            return 1
        return 0

    def version(self):
        from nova_ext.db import migration
        current = migration.db_version(self._engine())
        print(current or 'None')
        return 0


def _add_parsers(subparsers):
    db = subparsers.add_parser(
        'db', help="nova-ext's tables in the Nova API database")
    actions = db.add_subparsers(dest='action')
    actions.required = True
    sync = actions.add_parser(
        'sync', help='create or upgrade the tables (idempotent)')
    sync.add_argument('--version', default=None,
                      help='revision to upgrade to (default: the newest)')
    actions.add_parser('version', help='print the applied revision')
    cell_indexes = actions.add_parser(
        'sync-cell-indexes',
        help="add nova-ext's indexes to every cell database's instances "
             "table (idempotent), which global count scope needs")
    cell_indexes.add_argument('--drop', action='store_true',
                              help='drop them instead')


def main(argv=None):
    """Entry point of the ``nova-ext-manage`` console script."""
    import nova.conf  # noqa: F401 -- registers [api_database]

    argv = sys.argv if argv is None else argv
    CONF.register_cli_opt(cfg.SubCommandOpt(
        'command', title='Commands', handler=_add_parsers))
    try:
        compat.parse_nova_args(argv, 'nova-ext-manage', configure_db=False,
                               init_rpc=False)
    except cfg.Error as e:
        print('nova-ext-manage: %s' % e, file=sys.stderr)
        return 2
    commands = {'db': DbCommands()}
    try:
        return getattr(commands[CONF.command.name],
                       CONF.command.action.replace('-', '_'))()
    except SystemExit as e:
        if isinstance(e.code, str):
            print(e.code, file=sys.stderr)
            return 1
        raise


if __name__ == '__main__':
    sys.exit(main())
