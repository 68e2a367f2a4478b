"""Alembic environment of nova-ext's API database tables.

Always run through nova_ext.db.migration, which passes an open connection
in ``config.attributes``; there is no alembic.ini.
"""

from alembic import context

from nova_ext.db import migration
from nova_ext.db import models

config = context.config


def run_migrations_online():
    connection = config.attributes['connection']
    context.configure(
        connection=connection,
        target_metadata=models.BASE.metadata,
        version_table=migration.VERSION_TABLE,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
