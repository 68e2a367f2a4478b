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
