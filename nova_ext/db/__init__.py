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

"""The tables nova-ext owns in the Nova API database.

nova-ext keeps its own schema history (alembic, version table
``nova_ext_alembic_version``) next to Nova's, so that upgrading either one
never needs the other's migrations. ``nova-ext-manage db sync`` applies it.

``models`` declares the tables, ``migrations/`` holds the schema history
and ``migration`` runs it and tells which tables are missing.
"""
