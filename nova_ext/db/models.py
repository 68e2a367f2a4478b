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

"""SQLAlchemy models of the tables nova-ext adds to the Nova API database."""

from oslo_db.sqlalchemy import models
import sqlalchemy as sa
from sqlalchemy import orm

BASE = orm.declarative_base()


class NameCounter(BASE, models.TimestampMixin, models.ModelBase):
    """The last display-name count used for one requested name in a scope.

    ``key`` is a SHA-256 of the scope and the normalized name rather than
    the name itself: names are up to 255 characters and project IDs up to
    255, which as a composite key would exceed MySQL's index length limits
    in utf8mb4. ``scope`` and ``name`` are kept for operators reading the
    table.
    """

    __tablename__ = 'nova_ext_name_counters'
    __table_args__ = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}

    key = sa.Column(sa.String(64), primary_key=True)
    scope = sa.Column(sa.String(255), nullable=False)
    name = sa.Column(sa.Text, nullable=False)
    last_count = sa.Column(sa.BigInteger, nullable=False)


class IssuedName(BASE, models.TimestampMixin, models.ModelBase):
    """A display name and hostname nova-ext gave a server, in one scope.

    The two unique keys are what makes issued names never repeat: a
    reservation inserts its candidate and takes the next count when either
    key already exists, whatever requested name, request or nova-api
    process issued it. ``name_key`` is a SHA-256 of the scope and the case
    folded display name, ``host_key`` of the scope and the hostname (None
    when the user chose the hostname or the name gives none), again so that
    the keys fit MySQL's index length limits in utf8mb4.

    Rows are kept when servers are deleted: numbers are never reused, and a
    row is about 300 bytes per server ever named, as Nova keeps an
    ``instance_mappings`` row per server until it is archived.
    """

    __tablename__ = 'nova_ext_issued_names'
    __table_args__ = (
        sa.UniqueConstraint('name_key',
                            name='uniq_nova_ext_issued_names0name_key'),
        sa.UniqueConstraint('host_key',
                            name='uniq_nova_ext_issued_names0host_key'),
        {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'},
    )

    id = sa.Column(sa.BigInteger().with_variant(sa.Integer, 'sqlite'),
                   primary_key=True, autoincrement=True)
    name_key = sa.Column(sa.String(64), nullable=False)
    host_key = sa.Column(sa.String(64), nullable=True)
    scope = sa.Column(sa.String(255), nullable=False)
    display_name = sa.Column(sa.String(255), nullable=False)
    hostname = sa.Column(sa.String(255), nullable=True)
