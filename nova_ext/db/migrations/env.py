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
