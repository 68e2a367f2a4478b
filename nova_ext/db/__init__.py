"""The tables nova-ext owns in the Nova API database.

nova-ext keeps its own schema history (alembic, version table
``nova_ext_alembic_version``) next to Nova's, so that upgrading either one
never needs the other's migrations. ``nova-ext-manage db sync`` applies it.
"""
