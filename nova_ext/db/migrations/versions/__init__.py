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

"""nova-ext's schema revisions, one module each, applied in order by
``nova-ext-manage db sync``.

No revision has a downgrade, on purpose: Nova's own migrations have none
(OpenStack dropped downgrades in Kilo; a restore from backup is the way
back), and going below a naming table would drop the counts and issued
names that keep names from repeating, so that an upgrade again would
issue names already given. To remove nova-ext, drop
``nova_ext_name_counters``, ``nova_ext_issued_names`` and
``nova_ext_alembic_version`` by hand (doc/source/install/manual.rst).
"""
