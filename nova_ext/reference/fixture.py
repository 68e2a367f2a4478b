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

"""A ``fixtures.Fixture`` running the reference third party for a test.

Only tests import this module (``fixtures`` is a test requirement)::

    tp = self.useFixture(fixture.ReferenceThirdPartyFixture(
        mode='async', nova=poster)).server
    self.flags(url=tp.url, group='third_party_gate')

Every keyword goes to :class:`nova_ext.reference.service.ReferenceThirdParty`;
the server is started at setUp and stopped (threads joined) at cleanup.
"""

import fixtures

from nova_ext.reference import service


class ReferenceThirdPartyFixture(fixtures.Fixture):
    """Start a ReferenceThirdParty for the duration of a test."""

    def __init__(self, **kwargs):
        super().__init__()
        self.kwargs = kwargs
        self.server = None

    def _setUp(self):
        self.server = service.ReferenceThirdParty(**self.kwargs)
        self.server.start()
        self.addCleanup(self.server.stop)
