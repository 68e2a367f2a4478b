"""Fixtures for display-name functional tests on Nova's harness."""

import fixtures

from nova.db.api import api as api_db_api

from nova_ext.db import migration


class CounterTable(fixtures.Fixture):
    """Create nova-ext's tables in the harness's API database.

    Nova's Database fixture builds the API database (in-memory SQLite with
    eventlet, a WAL SQLite file with native threads) through
    ``nova.db.api.api``'s engine facade; nova-ext's migrations run on that
    same engine, as ``nova-ext-manage db sync`` does on a real cloud.
    """

    def _setUp(self):
        migration.db_sync(api_db_api.get_engine())
