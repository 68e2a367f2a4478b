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

"""Apply and inspect nova-ext's schema migrations (alembic)."""

import os

from alembic import command as alembic_command
from alembic import config as alembic_config
from alembic import migration as alembic_migration
import sqlalchemy as sa

from nova_ext.db import models

#: nova-ext's own alembic version table, so that it never touches Nova's
#: ``alembic_version`` in the same database.
VERSION_TABLE = 'nova_ext_alembic_version'

#: The display-name counter table.
COUNTER_TABLE = models.NameCounter.__tablename__

#: The table of issued display names and hostnames.
ISSUED_NAMES_TABLE = models.IssuedName.__tablename__


def _config(connection):
    cfg = alembic_config.Config()
    cfg.set_main_option(
        'script_location',
        os.path.join(os.path.dirname(os.path.abspath(__file__)),
                     'migrations'))
    cfg.attributes['connection'] = connection
    return cfg


def db_sync(engine, version='head'):
    """Create or upgrade nova-ext's tables on ``engine`` to ``version``."""
    with engine.begin() as connection:
        alembic_command.upgrade(_config(connection), version)


def db_version(engine):
    """Return the applied revision, or None when nothing is applied."""
    with engine.connect() as connection:
        context = alembic_migration.MigrationContext.configure(
            connection, opts={'version_table': VERSION_TABLE})
        return context.get_current_revision()


def head():
    """Return the newest revision that ``db_sync`` would apply."""
    from alembic import script as alembic_script
    with sa.create_engine('sqlite://').connect() as connection:
        scripts = alembic_script.ScriptDirectory.from_config(
            _config(connection))
        return scripts.get_current_head()


def missing_naming_tables(engine):
    """Return the naming tables ``nova-ext-manage db sync`` has not made."""
    with engine.connect() as connection:
        inspector = sa.inspect(connection)
        return [table for table in (COUNTER_TABLE, ISSUED_NAMES_TABLE)
                if not inspector.has_table(table)]
