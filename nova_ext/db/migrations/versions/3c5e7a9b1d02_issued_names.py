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

"""Add nova_ext_issued_names

Revision ID: 3c5e7a9b1d02
Revises: 8f1c2a4b6d01
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa

revision = '3c5e7a9b1d02'
down_revision = '8f1c2a4b6d01'
branch_labels = None
depends_on = None


# No downgrade(): see this package's docstring.


def upgrade():
    op.create_table(
        'nova_ext_issued_names',
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer, 'sqlite'),
                  primary_key=True, autoincrement=True),
        sa.Column('name_key', sa.String(64), nullable=False),
        sa.Column('host_key', sa.String(64), nullable=True),
        sa.Column('scope', sa.String(255), nullable=False),
        sa.Column('display_name', sa.String(255), nullable=False),
        sa.Column('hostname', sa.String(255), nullable=True),
        sa.UniqueConstraint('name_key',
                            name='uniq_nova_ext_issued_names0name_key'),
        sa.UniqueConstraint('host_key',
                            name='uniq_nova_ext_issued_names0host_key'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
