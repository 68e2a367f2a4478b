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

"""Add nova_ext_name_counters

Revision ID: 8f1c2a4b6d01
Revises:
Create Date: 2026-11-22
"""

from alembic import op
import sqlalchemy as sa

revision = '8f1c2a4b6d01'
down_revision = None
branch_labels = None
depends_on = None


# No downgrade(): see this package's docstring.


def upgrade():
    op.create_table(
        'nova_ext_name_counters',
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.Column('key', sa.String(64), primary_key=True),
        sa.Column('scope', sa.String(255), nullable=False),
        sa.Column('name', sa.Text, nullable=False),
        sa.Column('last_count', sa.BigInteger, nullable=False),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
